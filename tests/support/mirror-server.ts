/**
 * A local HTTP mirror of the shared data for the fetch tests (never the internet): serves
 * `/<prefix>/<file>` from a sub-folder, answers `Range: bytes=N-` with 206, and can corrupt
 * one byte of every body (`tamper`) to exercise the checksum path.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

export interface Mirror {
  /** `http://127.0.0.1:<port>` once listening. */
  base(): Promise<string>;
  /** Range requests served, as `<file>:<start>`. */
  ranges: string[];
  /** URLs served. */
  served: string[];
  /** Corrupt byte `tamperAt` of every body while true. */
  tamper: boolean;
  close(): void;
}

/** Serve `<dataDir>/<folder>/<basename>` for URLs starting with `/<prefix>/`, for each route (prefix "" = any URL). */
export function mirrorServer(dataDir: string, routes: Record<string, string>, tamperAt = 100): Mirror {
  const m: Mirror = { ranges: [], served: [], tamper: false, base: async () => "", close: () => server.close() };
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    const prefix = Object.keys(routes).find((p) => (p === "" ? true : url.startsWith(`/${p}/`)));
    const file = prefix === undefined ? "" : path.join(dataDir || ".", routes[prefix], path.basename(url));
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    m.served.push(url);
    let body = fs.readFileSync(file);
    if (m.tamper) {
      body = Buffer.from(body);
      body[tamperAt] ^= 1;
    }
    const r = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (r) {
      m.ranges.push(`${path.basename(file)}:${r[1]}`);
      res.writeHead(206, { "Content-Range": `bytes ${r[1]}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(Number(r[1])));
    } else {
      res.writeHead(200);
      res.end(body);
    }
  });
  m.base = async () => {
    if (!server.listening) await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return m;
}
