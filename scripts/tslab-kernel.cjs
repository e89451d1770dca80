#!/usr/bin/env node
// Project-local tslab kernel launcher.
// tslab compiles cells with rootDir = cwd, so the kernel must run from the project
// root for notebooks to `import ... from "./lib/..."` (tslab compiles only files under its working directory, and ignores tsconfig.json).
//
// File watching is switched off. tslab's compiler host has a single slot for the TypeScript watcher's
// debounce timer and fires it only when a cell runs; two file-system events during one cell (a file
// created or deleted under lib/, a `git checkout`, a merge) each ask for a timer, and the second one
// throws "Unexpected pending rebuildTimer" from a timer callback, which kills the kernel mid-training.
// tests/notebook-runner.test.ts reproduces it. Without watchers, files are read when a cell first imports them:
// restart the kernel after editing lib/ (Node caches loaded modules anyway).
"use strict";
const path = require("path");
const root = path.resolve(__dirname, "..");
process.chdir(root);
const ts = require(path.join(root, "node_modules", "@tslab", "typescript-for-tslab"));
const noWatcher = { close() {} };
ts.sys.watchFile = () => noWatcher;
ts.sys.watchDirectory = () => noWatcher;
// Sends and receives refused with EBUSY during the sockets' binds are retried (scripts/zmq-busy-retry.cjs).
require("./zmq-busy-retry.cjs").patchZeromq(require(path.join(root, "node_modules", "zeromq")));
require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
