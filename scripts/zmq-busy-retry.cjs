// zeromq's sockets refuse a send or receive with EBUSY while a bind is in progress, or while another
// send on the same socket is (zeromq.js 6 allows one at a time). tslab starts its receive loops before
// its sockets are bound and sends without waiting, so under load the kernel's first reply can be lost:
// "Socket is blocked by a bind or unbind operation" in the kernel log, then "Kernel didn't respond in
// 120 seconds" from the runner (seen once in a loaded fresh-clone run). `retryBusy` wraps such a method
// so an EBUSY is retried after a short wait; an EBUSY refuses the operation before it starts, so the
// retry neither duplicates nor loses a message. Other errors pass through.
"use strict";

/**
 * @param {(...args: unknown[]) => Promise<unknown>} op the method to wrap (called with the same `this`)
 * @param {{ waitMs?: number, attempts?: number }} [o] wait between attempts and the most attempts
 */
function retryBusy(op, o = {}) {
  const waitMs = o.waitMs ?? 10;
  const attempts = o.attempts ?? 500;
  return function retried(...args) {
    const attempt = (n) => {
      let p;
      try {
        p = Promise.resolve(op.apply(this, args));
      } catch (e) {
        p = Promise.reject(e);
      }
      return p.catch((e) => {
        if (!(e && e.code === "EBUSY") || n + 1 >= attempts) throw e;
        return new Promise((resolve) => setTimeout(resolve, waitMs)).then(() => attempt(n + 1));
      });
    };
    return attempt(0);
  };
}

/** Wrap send and receive of zeromq's Socket prototype once. */
function patchZeromq(zmq) {
  const proto = zmq.Socket.prototype;
  if (proto.__hpeBusyRetry) return;
  // The native methods are read-only but configurable.
  for (const name of ["send", "receive"]) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(proto, name, { ...d, value: retryBusy(d.value) });
  }
  Object.defineProperty(proto, "__hpeBusyRetry", { value: true });
}

module.exports = { retryBusy, patchZeromq };
