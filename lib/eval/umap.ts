/**
 * UMAP embeddings of latent codes (umap-js), seeded: every random choice inside UMAP goes
 * through the injected generator, so the same seed gives the same map.
 */
import { UMAP } from "umap-js";
import { mulberry32 } from "../core/rng";

export interface UmapOptions {
  nNeighbors: number;
  seed: number;
  minDist?: number;
  /** Optimization epochs (umap-js picks 200–500 by size when omitted). */
  nEpochs?: number;
  /** Called every 50 epochs with (epoch, total); return nothing. */
  onProgress?: (epoch: number, total: number) => void;
}

/**
 * 2D embedding [n, 2] of n points of dimension dim (flat). nNeighbors is capped at n − 1.
 * Runs step by step and yields between chunks, so a notebook stays responsive.
 */
export async function umapEmbed(points: Float32Array, dim: number, opts: UmapOptions): Promise<Float32Array> {
  const n = points.length / dim;
  if (!Number.isInteger(n) || n < 3)
    throw new Error(`umapEmbed: need at least 3 points of dimension ${dim}, got ${points.length} values`);
  const rows = Array.from({ length: n }, (_, i) => Array.from(points.subarray(i * dim, (i + 1) * dim)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(opts.nNeighbors, n - 1),
    minDist: opts.minDist ?? 0.1,
    nEpochs: opts.nEpochs,
    random: mulberry32(opts.seed),
  });
  const total = umap.initializeFit(rows);
  for (let e = 0; e < total; e++) {
    umap.step();
    if (e % 50 === 49) {
      opts.onProgress?.(e + 1, total);
      await new Promise((r) => setImmediate(r));
    }
  }
  return Float32Array.from(umap.getEmbedding().flat());
}
