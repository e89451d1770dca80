/**
 * Compute backend, chosen at run time, best first:
 *   tfjs-node-gpu (CUDA) → tfjs-node (native CPU) → wasm (XNNPACK) → cpu (pure JS).
 * `HPE_BACKEND=node-gpu|node|wasm|cpu` forces one; a forced backend that cannot start is an error.
 * On wasm, products go through OpenBLAS when the optional addon is built (`HPE_BLAS=0`: off),
 * else through the transposed-matmul fix (`HPE_WASM_FIX=0`: kernels as shipped).
 * The choice, and why better ones were skipped, is printed.
 */
import * as tf from "@tensorflow/tfjs";
import { packageVersion, rootRequire } from "../core/paths";
import { blasUnavailableReason, installBlasKernels } from "./kernels/blas";
import { installWasmConvKernels } from "./kernels/conv";
import { installHeapKernels } from "./kernels/ops";
import { installWasmKernels } from "./kernels/wasm";
import { BACKEND_NAMES, setting } from "../core/settings";

export const BACKENDS = BACKEND_NAMES;
export type BackendChoice = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** Which of the candidates is in use. */
  choice: BackendChoice;
  /** TF.js backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** TF.js version. */
  tfjsVersion: string;
  /** Package providing the backend and its version. */
  pkg: string;
  /** Extra kernels registered on top (e.g. the wasm matmul fix, native BLAS). */
  kernels: string[];
  /** Candidates that were tried before and why they were skipped. */
  skipped: { choice: BackendChoice; reason: string }[];
}

let current: BackendInfo | undefined;

const PKG: Record<BackendChoice, string> = {
  "node-gpu": "@tensorflow/tfjs-node-gpu",
  node: "@tensorflow/tfjs-node",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
};

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0].slice(0, 200);
}

/** Try to start one candidate; returns the reason on failure. */
async function tryBackend(choice: BackendChoice): Promise<string | undefined> {
  try {
    if (choice === "node-gpu" || choice === "node") {
      if (!packageVersion(PKG[choice]))
        return `${PKG[choice]} is not installed (its install step downloads libtensorflow, so it needs internet; see environment.md)`;
      // The native packages register a "tensorflow" backend when their binding loads.
      // danfojs-node aliases @tensorflow/tfjs-node to plain tfjs; that registers nothing.
      rootRequire(PKG[choice]);
      if (!tf.findBackendFactory("tensorflow")) {
        return `${PKG[choice]} loaded but registered no "tensorflow" backend (it is the danfojs-node alias of plain tfjs, not the native binding)`;
      }
      if (!(await tf.setBackend("tensorflow"))) return `${PKG[choice]}: backend failed to initialize`;
      return undefined;
    }
    if (choice === "wasm") {
      rootRequire(PKG.wasm);
      if (!(await tf.setBackend("wasm"))) return "wasm backend failed to initialize";
      return undefined;
    }
    if (!(await tf.setBackend("cpu"))) return "cpu backend failed to initialize";
    return undefined;
  } catch (e) {
    const msg = firstLine(e);
    if (choice === "node-gpu" && /lib(cuda|cudnn|cublas)/i.test(msg)) {
      return `${PKG[choice]} needs CUDA 11.2 and cuDNN 8.1 libraries on the library path (${msg}); see environment.md`;
    }
    return msg;
  }
}

/**
 * Pick and start the backend (once per process) and print the choice.
 * Safe to call repeatedly; later calls return the first result.
 */
export async function initBackend(opts: { quiet?: boolean } = {}): Promise<BackendInfo> {
  if (current) return current;
  tf.enableProdMode();
  const forced = setting("HPE_BACKEND"); // validated: one of BACKENDS
  const candidates: BackendChoice[] = forced ? [forced] : [...BACKENDS];
  const skipped: BackendInfo["skipped"] = [];
  for (const choice of candidates) {
    const reason = await tryBackend(choice);
    if (reason === undefined) {
      await tf.ready();
      const kernels: string[] = [];
      if (choice === "wasm") {
        // HPE_WASM_FIX=0 keeps tfjs-backend-wasm's kernels as shipped (benchmarks compare them).
        if (setting("HPE_WASM_FIX")) kernels.push(...installWasmKernels(), ...installHeapKernels());
        kernels.push(...installWasmConvKernels());
        const blas = installBlasKernels();
        if (blas) kernels.push(blas);
        else skipped.push({ choice: "wasm", reason: `native BLAS kernels not used: ${blasUnavailableReason()}` });
      }
      current = {
        choice,
        tfBackend: tf.getBackend(),
        tfjsVersion: tf.version.tfjs,
        pkg: `${PKG[choice]}@${packageVersion(PKG[choice]) ?? "?"}`,
        kernels,
        skipped,
      };
      if (!opts.quiet) console.log(describeBackend(current));
      return current;
    }
    if (forced) throw new Error(`HPE_BACKEND=${forced} was requested but cannot start: ${reason}`);
    skipped.push({ choice, reason });
  }
  throw new Error(`no TF.js backend could start: ${skipped.map((s) => `${s.choice}: ${s.reason}`).join("; ")}`);
}

/** One line saying which backend runs, with versions and skipped candidates. */
export function describeBackend(b: BackendInfo): string {
  const extra = b.kernels.length ? ` + ${b.kernels.join(", ")}` : "";
  const skipped = b.skipped.length ? `; skipped ${b.skipped.map((s) => `${s.choice} (${s.reason})`).join(", ")}` : "";
  return `[hpe3d] backend: ${b.choice} (tf backend "${b.tfBackend}", tfjs ${b.tfjsVersion}, ${b.pkg})${extra}${skipped}`;
}

/**
 * The compute path in one line (backend and extra kernels, e.g. "wasm + OpenBLAS sgemm …"),
 * recorded in training checkpoints: a run resumed on another path gives other numbers.
 */
export function computePath(): string {
  if (!current) return `${tf.getBackend() ?? "no backend"} (not started by initBackend)`;
  return [current.choice, ...current.kernels].join(" + ");
}
