/**
 * The kernel launcher's retry of zeromq sends and receives refused with EBUSY (scripts/zmq-busy-retry.cjs):
 * retried until they go through, with the same `this` and arguments; other errors pass at once; a
 * socket that stays busy gives up after the attempts allowed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { retryBusy, patchZeromq } = require("../scripts/zmq-busy-retry.cjs") as {
  retryBusy: (
    op: (...a: unknown[]) => unknown,
    o?: { waitMs?: number; attempts?: number },
  ) => (...a: unknown[]) => Promise<unknown>;
  patchZeromq: (zmq: { Socket: { prototype: Record<string, unknown> } }) => void;
};

const busy = () => Object.assign(new Error("Socket is blocked by a bind or unbind operation"), { code: "EBUSY" });

test("EBUSY, rejected or thrown, is retried until the operation goes through; this and arguments are kept", async () => {
  const calls: unknown[][] = [];
  const sock = {
    name: "shell",
    send(this: { name: string }, ...args: unknown[]) {
      calls.push(args);
      if (calls.length === 1) throw busy();
      if (calls.length === 2) return Promise.reject(busy());
      return Promise.resolve(`${this.name} sent ${args.join(",")}`);
    },
  };
  sock.send = retryBusy(sock.send, { waitMs: 1 }) as typeof sock.send;
  assert.equal(await sock.send("a", 2), "shell sent a,2");
  assert.deepEqual(calls, [
    ["a", 2],
    ["a", 2],
    ["a", 2],
  ]);
});

test("other errors pass at once; a socket that stays busy gives up after the attempts allowed", async () => {
  let n = 0;
  const other = retryBusy(() => {
    n++;
    return Promise.reject(Object.assign(new Error("closed"), { code: "EAGAIN" }));
  });
  await assert.rejects(other(), /closed/);
  assert.equal(n, 1);
  let m = 0;
  const stuck = retryBusy(
    () => {
      m++;
      return Promise.reject(busy());
    },
    { waitMs: 1, attempts: 4 },
  );
  await assert.rejects(stuck(), (e: { code?: string }) => e.code === "EBUSY");
  assert.equal(m, 4);
});

test("the patch wraps zeromq's Socket send and receive once", () => {
  const zmq = require("zeromq") as { Socket: { prototype: Record<string, unknown> } };
  const before = zmq.Socket.prototype.send;
  patchZeromq(zmq);
  const once = zmq.Socket.prototype.send;
  patchZeromq(zmq);
  assert.notEqual(once, before);
  assert.equal(zmq.Socket.prototype.send, once);
  assert.equal(typeof zmq.Socket.prototype.receive, "function");
});
