#!/usr/bin/env node
// Project-local tslab kernel launcher.
// tslab compiles cells with rootDir = cwd, so the kernel must run from the project
// root for notebooks to `import ... from "./lib/..."` (tslab compiles only files under its working directory, and ignores tsconfig.json).
"use strict";
const path = require("path");
const root = path.resolve(__dirname, "..");
process.chdir(root);
require(path.join(root, "node_modules", "tslab", "dist", "main.js")).main();
