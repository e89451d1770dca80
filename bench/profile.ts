/**
 * Where a training step's time goes, per wasm kernel: wraps every registered kernel of the
 * active backend with a timer, runs a few steps of a bench entry's model and prints the
 * kernels by total time (ms per step, calls per step).
 *   node --import tsx bench/profile.ts vae|baseline|cnn-encoder|cnn-decoder [steps] [--shapes]
 * Kernels nest (a re-registered kernel calls others): nested time is counted once, at the
 * outermost kernel, so the column sums to the kernel time of a step.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend/backend";
import { trainingModels } from "./models";

async function main(): Promise<void> {
  const which = process.argv[2] ?? "baseline";
  const steps = Number(process.argv[3] ?? 5);
  const byShape = process.argv.includes("--shapes");
  await initBackend();
  const backendName = tf.getBackend();
  // Build and warm up first: kernels registered on first use (the fused ones) are then wrapped too.
  const model = await trainingModels[which as keyof typeof trainingModels]();
  for (let s = 0; s < 3; s++) model.step(s);
  model.sync();
  const totals = new Map<string, { ms: number; calls: number }>();
  let depth = 0;
  for (const k of tf.getKernelsForBackend(backendName)) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: Parameters<tf.KernelFunc>[0]) => {
        if (depth > 0) return f(args);
        depth++;
        const t0 = performance.now();
        try {
          return f(args);
        } finally {
          depth--;
          const key = byShape
            ? `${k.kernelName} ${Object.values(args.inputs)
                .map((t) => `[${(t as tf.TensorInfo).shape}]`)
                .join(" ")} ${JSON.stringify(args.attrs ?? {}).slice(0, 60)}`
            : k.kernelName;
          const e = totals.get(key) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t0;
          e.calls++;
          totals.set(key, e);
        }
      }) as tf.KernelFunc,
    });
  }
  for (let s = 3; s < 6; s++) model.step(s);
  model.sync();
  totals.clear();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) model.step(10 + s);
  model.sync();
  const wall = (performance.now() - t0) / steps;
  const rows = [...totals.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
  console.log(
    `${which}: ${wall.toFixed(1)} ms/step wall, ${kernelMs.toFixed(1)} ms in kernels, ${model.flopsPerStep / 1e9 / (wall / 1000)} GFLOP/s`,
  );
  for (const [name, v] of rows.slice(0, byShape ? 60 : 30)) {
    console.log(
      `${name.padEnd(byShape ? 90 : 28)} ${(v.ms / steps).toFixed(2).padStart(8)} ms ${(v.calls / steps).toFixed(0).padStart(5)} calls`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
