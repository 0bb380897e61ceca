#!/usr/bin/env python3
"""NumPy reference of one depthbook training step, for `depthbook bench`.

Same model and step as the Swift engine (depth-mup.md §0): frozen input U ~ N(0, 1/784),
block-depth-1 residual MLP x_l = x_{l-1} + a m_L^-1/2 MS(relu(x_{l-1} W_l^T)), frozen readout,
softmax cross-entropy, Adam (β = 0.9, 0.999) on the hidden weights with Depth-μP rate and ε;
float32 throughout, random inputs and labels (timing only).

Single-threaded: step_reference sets the thread variables before NumPy is imported.
Prints one JSON line: {"width", "depth", "batch", "steps", "steps_per_second", "numpy"}.
"""
import time

import step_reference  # before NumPy: sets the thread variables
import numpy as np


def main():
    args = step_reference.arguments()
    n, L, B, d, c = args.width, args.depth, args.batch, args.inputs, args.classes
    f32 = np.float32
    rng = np.random.default_rng(0)
    mn, mL = n / 128.0, L / 8.0
    branch = f32(mL ** -0.5)
    lr = f32(2.0 ** -9 / mn * mL ** -0.5)
    eps = f32(1e-8 / mn * mL ** -0.5)
    U = (rng.standard_normal((n, d)) / np.sqrt(d)).astype(f32)
    W = [(rng.standard_normal((n, n)) / np.sqrt(n)).astype(f32) for _ in range(L)]
    V = (rng.standard_normal((c, n)) / np.sqrt(n * mn)).astype(f32)
    m = [np.zeros_like(w) for w in W]
    v = [np.zeros_like(w) for w in W]
    xin = rng.standard_normal((B, d)).astype(f32)
    labels = rng.integers(0, c, B)
    b1, b2 = f32(0.9), f32(0.999)

    def step(t):
        xs = [xin @ U.T]
        hs = []
        for l in range(L):
            h = xs[-1] @ W[l].T
            p = np.maximum(h, 0)
            p -= p.mean(axis=1, keepdims=True)
            hs.append(h)
            xs.append(xs[-1] + branch * p)
        f = xs[-1] @ V.T
        f -= f.max(axis=1, keepdims=True)
        e = np.exp(f)
        s = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(s[np.arange(B), labels]).mean()
        df = s
        df[np.arange(B), labels] -= 1
        df /= B
        dx = df @ V
        for l in reversed(range(L)):
            dq = branch * dx
            dq -= dq.mean(axis=1, keepdims=True)
            dh = dq * (hs[l] > 0)
            dW = dh.T @ xs[l]
            dx = dx + dh @ W[l]
            m[l] *= b1
            m[l] += (1 - b1) * dW
            v[l] *= b2
            v[l] += (1 - b2) * dW * dW
            rate = f32(lr / (1 - 0.9 ** t))
            W[l] -= rate * m[l] / (np.sqrt(v[l] / f32(1 - 0.999 ** t)) + eps)
        return loss

    step(1)
    start = time.perf_counter()
    for t in range(2, args.steps + 2):
        step(t)
    elapsed = time.perf_counter() - start
    step_reference.report(args, elapsed, numpy=np.__version__)


if __name__ == "__main__":
    main()
