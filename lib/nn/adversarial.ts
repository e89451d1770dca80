/**
 * Adversarial losses on tensors (no poses): the standard GAN with the non-saturating
 * generator loss (Goodfellow et al. 2014), the Wasserstein GAN (Arjovsky et al. 2017) with
 * weight clipping, and the gradient penalty of WGAN-GP (Gulrajani et al. 2017).
 *
 * Scores and logits are [B]; samples are [B, D]. Every function returns new tensors and
 * cleans up its intermediates.
 *
 * The gradient penalty differentiates a gradient. In tfjs 4.22 that needs zero gradients
 * for comparison ops (registered here, for leakyRelu/relu), and the second-order gradients
 * of tanh and sigmoid are silently wrong: a critic used with the penalty must not use them
 * (relu, leakyRelu and the softplus below are fine).
 */
import * as tf from "@tensorflow/tfjs";
import { registerZeroGradients } from "../backend/kernels/gradients";

function assertRank(t: tf.Tensor, rank: number, what: string, shape: string): void {
  if (t.rank !== rank) throw new Error(`${what}: expected shape ${shape}, got [${t.shape.join(", ")}]`);
}

/**
 * softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|) so that it neither
 * overflows for large x nor loses precision for very negative x.
 */
export function stableSoftplus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x))))));
}

/**
 * Binary cross-entropy on logits [B] against a constant label (1 = real, 0 = fake):
 * −log σ(l) = softplus(−l) for label 1, −log(1 − σ(l)) = softplus(l) for label 0. Mean over B.
 */
export function bceWithLogits(logits: tf.Tensor1D, label: 0 | 1): tf.Scalar {
  assertRank(logits, 1, "bceWithLogits: logits", "[B]");
  return tf.tidy(() => tf.mean(stableSoftplus(label === 1 ? tf.neg(logits) : logits)) as tf.Scalar);
}

/** The GAN discriminator's loss: BCE(D(real), 1) + BCE(D(fake), 0). Logits [B]. */
export function discriminatorLoss(realLogits: tf.Tensor1D, fakeLogits: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.add(bceWithLogits(realLogits, 1), bceWithLogits(fakeLogits, 0)) as tf.Scalar);
}

/**
 * The non-saturating generator loss −E[log D(G(z))] = E[softplus(−l)] on the fake logits [B]:
 * strong gradients when the discriminator rejects the samples (unlike log(1 − D(G(z)))).
 */
export function nonSaturatingGeneratorLoss(fakeLogits: tf.Tensor1D): tf.Scalar {
  return bceWithLogits(fakeLogits, 1);
}

/** The critic's Wasserstein estimate E[D(real)] − E[D(fake)] (scores [B]); the critic maximizes it. */
export function wassersteinEstimate(realScores: tf.Tensor1D, fakeScores: tf.Tensor1D): tf.Scalar {
  assertRank(realScores, 1, "wassersteinEstimate: real scores", "[B]");
  assertRank(fakeScores, 1, "wassersteinEstimate: fake scores", "[B]");
  return tf.tidy(() => tf.sub(tf.mean(realScores), tf.mean(fakeScores)) as tf.Scalar);
}

/** The WGAN generator loss −E[D(G(z))] on the fake scores [B]. */
export function wassersteinGeneratorLoss(fakeScores: tf.Tensor1D): tf.Scalar {
  assertRank(fakeScores, 1, "wassersteinGeneratorLoss: fake scores", "[B]");
  return tf.tidy(() => tf.neg(tf.mean(fakeScores)) as tf.Scalar);
}

/**
 * Random interpolates x̂ = ε·real + (1 − ε)·fake with one ε ~ U[0, 1) per sample.
 * real, fake: [B, D]. `seed` makes ε reproducible.
 */
export function interpolate(real: tf.Tensor2D, fake: tf.Tensor2D, seed: number): tf.Tensor2D {
  assertRank(real, 2, "interpolate: real", "[B, D]");
  if (real.shape[0] !== fake.shape[0] || real.shape[1] !== fake.shape[1]) {
    throw new Error(`interpolate: real [${real.shape}] and fake [${fake.shape}] must have the same shape [B, D]`);
  }
  return tf.tidy(() => {
    const eps = tf.randomUniform([real.shape[0], 1], 0, 1, "float32", seed);
    return tf.add(tf.mul(eps, real), tf.mul(tf.sub(1, eps), fake)) as tf.Tensor2D;
  });
}

/**
 * The gradient penalty λ·E[(‖∇ₓ D(x̂)‖₂ − 1)²] at given points x̂ [B, D], for a critic
 * `score: [B, D] → [B]`. Differentiable w.r.t. the critic's variables (a gradient of a
 * gradient), so it can sit inside tf.variableGrads. A tiny ε inside the square root keeps
 * the norm differentiable at 0.
 */
export function gradientPenaltyAt(
  score: (x: tf.Tensor2D) => tf.Tensor1D,
  xHat: tf.Tensor2D,
  lambda: number,
): tf.Scalar {
  assertRank(xHat, 2, "gradientPenaltyAt: x̂", "[B, D]");
  registerZeroGradients();
  return tf.tidy(() => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(score(x as tf.Tensor2D)))(xHat);
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(g), 1), 1e-12));
    return tf.mul(lambda, tf.mean(tf.square(tf.sub(norm, 1)))) as tf.Scalar;
  });
}

/** The gradient penalty at random interpolates between real and fake [B, D] (see `interpolate`). */
export function gradientPenalty(
  score: (x: tf.Tensor2D) => tf.Tensor1D,
  real: tf.Tensor2D,
  fake: tf.Tensor2D,
  o: { lambda: number; seed: number },
): tf.Scalar {
  return tf.tidy(() => gradientPenaltyAt(score, interpolate(real, fake, o.seed), o.lambda));
}

/** WGAN weight clipping: every variable's entries into [−c, c], in place. */
export function clipWeights(vars: readonly tf.Variable[], c: number): void {
  if (!(c > 0)) throw new Error(`clipWeights: the clip value must be > 0, got ${c}`);
  tf.tidy(() => {
    for (const v of vars) v.assign(tf.clipByValue(v, -c, c));
  });
}
