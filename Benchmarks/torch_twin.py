#!/usr/bin/env python3
"""PyTorch twin of the depthbook engine: writes Tests/Fixtures/twin/twin.json.

An independent implementation of the residual MLP of depth-mup.md §0 in PyTorch autograd,
trained on the engine's synthetic teacher task from the same initial weights and the same batch
order, step by step, under every configuration of issue 13 item 1:
(n, L) ∈ {(32, 4), (32, 16)} × {sp, mup, depth-mup, (½, 0)} × {Adam, SGD} × block depth {1, 2}
× pre-LN {off, on}, plus, at L = 16, the input layer and readout trained (their TP5 Table 3
rates), every activation, a branch multiplier of 2, SGD momentum and MSE loss (80 runs). For
each run the fixture holds the loss and the Frobenius norm of every weight matrix's gradient at
each of 30 steps; `Tests/DepthMuPTests/TorchTwinTests.swift` trains the engine on
the same runs and compares.

What is shared with the engine, and how:
- Initial weights and data: re-drawn here from the engine's documented generator
  (`SeededRandom`: xoshiro256** seeded by SplitMix64, Box–Muller in double, rounded to float32),
  re-implemented below from its doc comment, so the fixture stores seeds, not weights. The
  teacher's labels and targets (which go through glibc's float32 `tanhf`) and the batch indices are written to the
  fixture too, and the Swift test checks the engine produces the same ones, so a mismatch in
  the shared inputs is reported as such and not as a training difference. Per-group norms of the
  initial weights are stored for the same reason.
- Nothing else: the network, its loss, the gradients (autograd) and the optimizers
  (torch.optim.Adam / SGD with per-group rates and ε) are PyTorch's; the multipliers (branch
  a·m_L^-α, rates, ε, init std) are computed here from the formulas of depth-mup.md §0, not read
  from the engine.

Precision: float64 (the initial float32 weights and inputs are widened exactly). The twin is the
reference, so it should carry as little rounding as possible: the comparison then measures the
engine's float32 error against the exact trajectory rather than two float32 implementations'
agreement on an order of operations.

Regenerate (~1 minute on one core; any PyTorch 2.x, a CPU build suffices: the fixture was made
with the version it records; PyPI's default Linux wheel also pulls its nvidia-* packages):
    python3 Benchmarks/torch_twin.py            # or `make twin`; writes Tests/Fixtures/twin/twin.json
Options: --out PATH, --check (print each run's loss curve summary only).
"""
import os

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import ctypes
import itertools
import json
import math
import platform
import sys

import numpy as np
import torch

torch.set_num_threads(1)

MASK = (1 << 64) - 1
PHI64 = 0x9E3779B97F4A7C15

# The fixture's settings. Teacher task: d_in 16, 10 classes, 128 training examples; batch 16 for
# 30 steps (almost four epochs, so the per-epoch reshuffle is exercised).
INPUT_DIM, CLASSES, TEACHER_SEED, TRAIN_COUNT = 16, 10, 0, 128
BATCH, STEPS, SEED = 16, 30, 0
BASE_WIDTH, BASE_DEPTH = 128, 8
TEACHER_HIDDEN = 64
# Base rates: large enough that every run's loss falls clearly in 30 steps (so a wrong rate
# multiplier moves the curve far beyond the tolerance), small enough to stay far from divergence.
ETA = {"adam": 2.0 ** -11, "sgd": 2.0 ** -4}
# Conditioning: each run is also trained in float32 (the same PyTorch code). Where float32 and
# float64 part by more than a tenth of the Swift test's tolerances, the trajectory amplifies
# rounding (sp's unscaled SGD at L = 16 near its stability edge; Adam's first, sign-like steps
# flipping an element whose true gradient is below float32 noise), and no float32 engine could
# be compared with it at those tolerances: the run is redone at half the rate until it is well
# conditioned (and its loss stays finite and below 10× the first). The fixture records the rate
# used and the float32 probe's differences.
PROBE_LIMITS = {"loss": 1e-5, "gradient": 1e-4}
ADAM_EPSILON = 1e-8
LAYER_NORM_EPSILON = 1e-5


class SeededRandom:
    """The engine's generator (Sources/DepthMuP/Train/SeededRandom.swift), from its documentation:
    SplitMix64 of seed ^ stream·φ64 fills the four xoshiro256** words; uniforms take 53 bits;
    Box–Muller returns cos first and caches the sin value; integers below a bound use the high
    word of a 64×64-bit product."""

    def __init__(self, seed, stream=0):
        state = (seed ^ (stream * PHI64)) & MASK
        words = []
        for _ in range(4):
            state = (state + PHI64) & MASK
            z = state
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            words.append(z ^ (z >> 31))
        self.s = words
        self.spare = None

    @staticmethod
    def _rotate(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self._rotate((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotate(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def uniform(self):
        return float(self.next() >> 11) * 2.0 ** -53

    def int_below(self, bound):
        return (bound * self.next()) >> 64

    def gaussian(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        u1 = 1.0 - self.uniform()
        u2 = self.uniform()
        radius = math.sqrt(-2.0 * math.log(u1))
        angle = 2.0 * math.pi * u2
        self.spare = radius * math.sin(angle)
        return radius * math.cos(angle)


_libm = ctypes.CDLL("libm.so.6")
_libm.tanhf.restype = ctypes.c_float
_libm.tanhf.argtypes = [ctypes.c_float]


def teacher_train_split():
    """The teacher's training split: inputs [count, d] float32, labels [count] and MSE targets
    [count, c] float32.

    Targets are A·tanhf(B ξ) in float32 with sequential sums and glibc's tanhf (as the engine
    computes them; so this runs on glibc Linux), labels their argmax; the fixture records both
    and the engine's are checked against them."""
    weights = SeededRandom(TEACHER_SEED, stream=1)
    f32 = np.float32
    first = [f32(weights.gaussian() / math.sqrt(INPUT_DIM)) for _ in range(TEACHER_HIDDEN * INPUT_DIM)]
    second = [f32(weights.gaussian() * math.sqrt(3.0 / TEACHER_HIDDEN)) for _ in range(CLASSES * TEACHER_HIDDEN)]
    random = SeededRandom(TEACHER_SEED, stream=2)
    inputs = np.zeros((TRAIN_COUNT, INPUT_DIM), dtype=np.float32)
    targets = np.zeros((TRAIN_COUNT, CLASSES), dtype=np.float32)
    labels = []
    for e in range(TRAIN_COUNT):
        row = [f32(random.gaussian()) for _ in range(INPUT_DIM)]
        inputs[e] = row
        hidden = []
        for h in range(TEACHER_HIDDEN):
            total = f32(0)
            for i in range(INPUT_DIM):
                total = f32(total + f32(first[h * INPUT_DIM + i] * row[i]))
            hidden.append(f32(_libm.tanhf(float(total))))
        best, best_value = 0, None
        for c in range(CLASSES):
            total = f32(0)
            for h in range(TEACHER_HIDDEN):
                total = f32(total + f32(second[c * TEACHER_HIDDEN + h] * hidden[h]))
            targets[e, c] = total
            if best_value is None or total > best_value:
                best, best_value = c, total
        labels.append(best)
    return inputs, labels, targets


def batch_indices():
    """Training-example indices of each step [steps][batch]: per-epoch Fisher–Yates shuffles
    from stream 4 of the run seed, consecutive batches wrapping into the next epoch."""
    random = SeededRandom(SEED, stream=4)
    order = list(range(TRAIN_COUNT))
    position = TRAIN_COUNT
    steps = []
    for _ in range(STEPS):
        batch = []
        for _ in range(BATCH):
            if position == len(order):
                for i in range(len(order) - 1, 0, -1):
                    j = random.int_below(i + 1)
                    order[i], order[j] = order[j], order[i]
                position = 0
            batch.append(order[position])
            position += 1
        steps.append(batch)
    return steps


PARAMETRIZATIONS = {  # name: (α, γ, width-μP)
    "sp": (0.0, 0.0, False),
    "mup": (0.0, 0.0, True),
    "depth-mup": (0.5, 0.5, True),
    "alpha=0.5,gamma=0.0": (0.5, 0.0, True),
}


class Multipliers:
    """depth-mup.md §0, computed independently of the engine's Parametrization.swift."""

    def __init__(self, name, width, depth):
        self.alpha, self.gamma, self.width_mup = PARAMETRIZATIONS[name]
        self.mn = width / BASE_WIDTH if self.width_mup else 1.0
        self.mL = depth / BASE_DEPTH
        self.width = width

    def branch(self, a=1.0):
        return a * self.mL ** -self.alpha

    def init_std(self, group):
        if group == "input":
            return 1 / math.sqrt(INPUT_DIM)
        if group == "hidden":
            return 1 / math.sqrt(self.width)
        return 1 / self.width if self.width_mup else 1 / math.sqrt(self.width)  # readout var 1/n² or 1/n

    def rate(self, group, optimizer, eta):
        if group == "hidden":
            return eta * self.mL ** (self.alpha - self.gamma) if optimizer == "sgd" else eta / self.mn * self.mL ** -self.gamma
        if group == "input":
            return eta * self.mn if optimizer == "sgd" else eta
        return eta / self.mn  # readout, SGD and Adam (TP5 Table 3)

    def epsilon(self, group):
        return ADAM_EPSILON / self.mn * self.mL ** -self.alpha if group == "hidden" else ADAM_EPSILON


def initial_weights(mult, width, depth, block_depth, readout):
    """U [n, d], W_{l,j} [n, n] in block-major order, V [c, n], float32 from stream 0 of the seed."""
    random = SeededRandom(SEED, stream=0)
    f32 = np.float32

    def draw(shape, std):
        std32 = f32(std)
        count = int(np.prod(shape))
        return np.array([f32(std32 * f32(random.gaussian())) for _ in range(count)], dtype=np.float32).reshape(shape)

    U = draw((width, INPUT_DIM), mult.init_std("input"))
    W = [[draw((width, width), mult.init_std("hidden")) for _ in range(block_depth)] for _ in range(depth)]
    if readout == "zero":
        V = np.zeros((CLASSES, width), dtype=np.float32)
    else:
        V = draw((CLASSES, width), mult.init_std("readout"))
    return U, W, V


class TwinMLP(torch.nn.Module):
    """x_0 = ξUᵀ; x_l = x_{l−1} + c·MS(φ(h_{l,k})), h_{l,j} = u_{l,j−1} W_{l,j}ᵀ with u_{l,0} = y_l
    (x_{l−1}, or LN(x_{l−1}) without affine under pre-LN) and u_{l,j} = φ(h_{l,j}); f = x_L Vᵀ.
    MS is the per-example mean subtraction over the width, on for non-odd φ (TP6 §3, §6.3, §10.2)."""

    ACTIVATIONS = {"relu": torch.relu, "abs": torch.abs, "tanh": torch.tanh, "identity": lambda z: z,
                   "gelu": lambda z: torch.nn.functional.gelu(z, approximate="tanh")}

    def __init__(self, U, W, V, branch, pre_ln, activation, mean_subtraction, train_input, train_readout, dtype):
        super().__init__()
        tensor = lambda a, trained: torch.nn.Parameter(torch.from_numpy(a).to(dtype), requires_grad=trained)
        self.U = tensor(U, train_input)
        self.W = torch.nn.ParameterList([tensor(w, True) for block in W for w in block])
        self.V = tensor(V, train_readout)
        self.block_depth = len(W[0])
        self.depth = len(W)
        self.branch = branch
        self.pre_ln = pre_ln
        self.phi = self.ACTIVATIONS[activation]
        self.mean_subtraction = mean_subtraction

    def forward(self, xi):
        x = xi @ self.U.T
        for l in range(self.depth):
            u = torch.nn.functional.layer_norm(x, (x.shape[-1],), eps=LAYER_NORM_EPSILON) if self.pre_ln else x
            for j in range(self.block_depth):
                u = self.phi(u @ self.W[l * self.block_depth + j].T)
            if self.mean_subtraction:
                u = u - u.mean(dim=-1, keepdim=True)
            x = x + self.branch * u
        return x @ self.V.T


def run(config, inputs, labels, targets, batches, dtype=torch.float64):
    n, L, k = config["width"], config["depth"], config["block_depth"]
    mult = Multipliers(config["parametrization"], n, L)
    U, W, V = initial_weights(mult, n, L, k, config["readout"])
    train_input, train_readout = config["input"] == "trained", config["readout"] != "frozen"
    model = TwinMLP(U, W, V, mult.branch(config["branch_multiplier"]), config["pre_ln"], config["activation"],
                    config["mean_subtraction"], train_input, train_readout, dtype)
    optimizer_name, eta = config["optimizer"], config["lr"]
    groups = []
    if train_input:
        groups.append(("input", [model.U]))
    groups.append(("hidden", list(model.W)))
    if train_readout:
        groups.append(("readout", [model.V]))
    if optimizer_name == "adam":
        optimizer = torch.optim.Adam([{"params": p, "lr": mult.rate(g, "adam", eta), "eps": mult.epsilon(g)} for g, p in groups],
                                     betas=(0.9, 0.999), foreach=False)
    else:
        optimizer = torch.optim.SGD([{"params": p, "lr": mult.rate(g, "sgd", eta)} for g, p in groups], momentum=config["momentum"], foreach=False)
    # Gradient norms recorded, in the engine's parameter order: U (if trained), every W_{l,j}, V (if trained).
    recorded = ([model.U] if train_input else []) + list(model.W) + ([model.V] if train_readout else [])
    data = torch.from_numpy(inputs).to(dtype)
    classes = torch.tensor(labels, dtype=torch.long)
    regression = torch.from_numpy(targets).to(dtype)
    losses, norms = [], []
    for step in range(STEPS):
        index = torch.tensor(batches[step], dtype=torch.long)
        optimizer.zero_grad(set_to_none=False)
        if config["loss"] == "mse":
            loss = torch.nn.functional.mse_loss(model(data[index]), regression[index])
        else:
            loss = torch.nn.functional.cross_entropy(model(data[index]), classes[index])
        loss.backward()
        losses.append(loss.item())
        norms.append([float(p.grad.norm()) for p in recorded])
        optimizer.step()
    init_norms = {"input": float(np.linalg.norm(U.astype(np.float64))),
                  "hidden": float(math.sqrt(sum(float(np.sum(w.astype(np.float64) ** 2)) for block in W for w in block))),
                  "readout": float(np.linalg.norm(V.astype(np.float64)))}
    return {**config, "initial_weight_norms": init_norms, "losses": losses, "gradient_norms": norms}


def differences(other, reference):
    """Largest relative differences of `other`'s losses and gradient norms from `reference`'s
    (as the Swift test measures them; NaN counts as infinite)."""
    def relative(a, b):
        if a == b:
            return 0.0
        d = abs(a - b) / abs(b) if b != 0 else math.inf
        return d if math.isfinite(d) else math.inf
    loss = max(relative(a, b) for a, b in zip(other["losses"], reference["losses"]))
    gradient = max(relative(a, b) for p, q in zip(other["gradient_norms"], reference["gradient_norms"]) for a, b in zip(p, q))
    return {"loss": loss, "gradient": gradient}


def configurations():
    base = {"width": 32, "block_depth": 1, "pre_ln": False, "input": "frozen", "readout": "frozen", "activation": "relu",
            "mean_subtraction": True, "branch_multiplier": 1.0, "momentum": 0.0, "loss": "cross-entropy"}
    runs = []
    for (n, L), name, opt, k, ln in itertools.product([(32, 4), (32, 16)], PARAMETRIZATIONS, ["adam", "sgd"], [1, 2], [False, True]):
        runs.append({**base, "width": n, "depth": L, "block_depth": k, "pre_ln": ln, "parametrization": name, "optimizer": opt, "lr": ETA[opt]})
    # The input and readout rates of TP5 Table 3 (not exercised by TP6's frozen layers).
    for name, opt in itertools.product(["sp", "depth-mup"], ["adam", "sgd"]):
        for readout in ["trained", "zero"]:
            runs.append({**base, "depth": 16, "parametrization": name, "optimizer": opt, "lr": ETA[opt], "input": "trained", "readout": readout})
    # The other options of the engine's network, once each (depth-μP, L = 16): every φ (MS off
    # for the odd ones, as the engine's default), a branch multiplier, SGD momentum, MSE on the
    # teacher's outputs.
    extra = {**base, "depth": 16, "parametrization": "depth-mup"}
    for activation in ["abs", "tanh", "gelu", "identity"]:
        runs.append({**extra, "optimizer": "adam", "lr": ETA["adam"], "activation": activation,
                     "mean_subtraction": activation not in ("tanh", "identity"), "pre_ln": activation == "abs"})
    runs.append({**extra, "optimizer": "adam", "lr": ETA["adam"], "branch_multiplier": 2.0, "block_depth": 2})
    runs.append({**extra, "optimizer": "sgd", "lr": ETA["sgd"], "momentum": 0.9})
    runs.append({**extra, "optimizer": "adam", "lr": ETA["adam"], "loss": "mse", "readout": "trained"})
    runs.append({**extra, "optimizer": "sgd", "lr": ETA["sgd"], "loss": "mse"})
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "Tests", "Fixtures", "twin", "twin.json")))
    parser.add_argument("--check", action="store_true", help="print loss summaries, write nothing")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    inputs, labels, targets = teacher_train_split()
    batches = batch_indices()
    runs = []
    for config in configurations():
        while True:
            result = run(config, inputs, labels, targets, batches)
            probe = differences(run(config, inputs, labels, targets, batches, dtype=torch.float32), result)
            stable = all(math.isfinite(v) and v <= 10 * result["losses"][0] for v in result["losses"])
            if stable and all(probe[key] <= limit for key, limit in PROBE_LIMITS.items()):
                break
            config["lr"] /= 2
        result["float32_probe"] = probe
        runs.append(result)
        if args.check:
            loss = result["losses"]
            print(f"{config['width']:3d} {config['depth']:3d} k{config['block_depth']} ln={int(config['pre_ln'])} "
                  f"{config['parametrization']:20s} {config['optimizer']:4s} in={config['input']:7s} out={config['readout']:7s} {config['activation']:8s} a={config['branch_multiplier']} μ={config['momentum']} {config['loss']:13s} "
                  f"lr {config['lr']:.3g} f32 Δ {probe['loss']:.1e} {probe['gradient']:.1e} loss {loss[0]:.4f} -> {loss[-1]:.4f} (min {min(loss):.4f})")
    if args.check:
        return
    fixture = {
        "about": "PyTorch twin of the depthbook engine (Benchmarks/torch_twin.py); regenerate with python3 Benchmarks/torch_twin.py",
        "versions": {"torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version()},
        "dtype": "float64",
        "data": {"name": "teacher", "input_dim": INPUT_DIM, "classes": CLASSES, "seed": TEACHER_SEED, "train": TRAIN_COUNT},
        "train_labels": labels,
        "train_targets": [[float(v) for v in row] for row in targets],
        "train": {"steps": STEPS, "batch": BATCH, "seed": SEED},
        "model": {"base_width": BASE_WIDTH, "base_depth": BASE_DEPTH},
        "adam": {"beta1": 0.9, "beta2": 0.999, "epsilon": ADAM_EPSILON},
        "batch_indices": batches,
        "runs": runs,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    # repr-exact doubles; one run per line keeps diffs of a regenerated fixture readable.
    with open(args.out, "w") as f:
        head = {key: value for key, value in fixture.items() if key != "runs"}
        text = json.dumps(head, separators=(",", ":"))
        f.write(text[:-1] + ',"runs":[\n')
        f.write(",\n".join(json.dumps(r, separators=(",", ":")) for r in runs))
        f.write("\n]}\n")
    print(f"wrote {args.out}: {len(runs)} runs, torch {torch.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
