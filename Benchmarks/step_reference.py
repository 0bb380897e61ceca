"""What the single-threaded step references (numpy_reference.py, torch_reference.py) share.

Import this module before NumPy or PyTorch: it sets the thread variables at import time, so the
libraries start with one thread. Then `arguments()` parses the step shape, and `report()` prints
the one JSON line `depthbook bench` reads.
"""
import argparse
import json
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[var] = "1"


def arguments():
    """The step shape: width, depth, batch, steps timed, inputs and classes."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--depth", type=int, default=16)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--inputs", type=int, default=784)
    parser.add_argument("--classes", type=int, default=10)
    return parser.parse_args()


def report(args, elapsed, **versions):
    """Prints {"width", "depth", "batch", "steps", "steps_per_second", <library>: version}."""
    print(json.dumps({"width": args.width, "depth": args.depth, "batch": args.batch, "steps": args.steps,
                      "steps_per_second": args.steps / elapsed, **versions}))
