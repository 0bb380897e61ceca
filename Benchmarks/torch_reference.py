#!/usr/bin/env python3
"""PyTorch eager reference of one depthbook training step, for `depthbook bench`.

Same model and step as the Swift engine and Benchmarks/numpy_reference.py (depth-mup.md §0):
frozen input U ~ N(0, 1/784), block-depth-1 residual MLP x_l = x_{l-1} + a m_L^-1/2
MS(relu(x_{l-1} W_l^T)), frozen readout, softmax cross-entropy, torch.optim.Adam
(β = 0.9, 0.999, PyTorch's default foreach implementation) on the hidden weights with the
Depth-μP rate and ε; float32, random inputs and labels (timing only).

Idiomatic eager PyTorch: autograd for the backward pass, one optimizer step. Like the engine,
it projects the frozen input layer once (x_0 = ξ Uᵀ, outside the timed loop), so the two time
the same work per step. Single-threaded (torch.set_num_threads(1), thread variables set before
import). Tested with torch 2.13.0+cpu (the wheel in /opt/wheels).
Prints one JSON line: {"width", "depth", "batch", "steps", "steps_per_second", "torch"}.
"""
import time

import step_reference  # before PyTorch: sets the thread variables
import torch


def main():
    args = step_reference.arguments()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    n, L, B, d, c = args.width, args.depth, args.batch, args.inputs, args.classes
    mn, mL = n / 128.0, L / 8.0
    branch = mL ** -0.5
    lr = 2.0 ** -9 / mn * mL ** -0.5
    eps = 1e-8 / mn * mL ** -0.5
    U = torch.randn(n, d) / d ** 0.5
    W = [torch.nn.Parameter(torch.randn(n, n) / n ** 0.5) for _ in range(L)]
    V = torch.randn(c, n) / (n * mn) ** 0.5
    xin = torch.randn(B, d)
    labels = torch.randint(0, c, (B,))
    x0 = xin @ U.T
    optimizer = torch.optim.Adam(W, lr=lr, betas=(0.9, 0.999), eps=eps)

    def step():
        x = x0
        for w in W:
            p = torch.relu(x @ w.T)
            x = x + branch * (p - p.mean(dim=1, keepdim=True))
        loss = torch.nn.functional.cross_entropy(x @ V.T, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    elapsed = time.perf_counter() - start
    step_reference.report(args, elapsed, torch=torch.__version__)


if __name__ == "__main__":
    main()
