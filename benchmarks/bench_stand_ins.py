"""Benchmark: what the reference standing in for lower-level calls costs, side by side with not doing it.

Prints, in one run: the round trip of one callback; MLP.fit on XOR (1000 epochs) with the
student's own layers, with the reference's layers (one callback per layer call) and with
the reference's loss_and_grads (one callback per batch); and the time to find a looping
function under budgets from the reference's time versus the flat test_timeout.
Asserts nothing. Usage: python benchmarks/bench_stand_ins.py [--epochs N]
"""
from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import numpy as np

from nncourse.grading.budgets import budget
from nncourse.sandbox.callbacks import Method, StandIns
from nncourse.sandbox.proxy import Session, StudentModule

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "solutions" / "exercise3" / "backprop.py"
LAYERS = ["affine_forward", "affine_backward", "tanh_forward", "tanh_backward"]
XOR_X, XOR_Y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0, 1, 1, 0])


def _reference():
    spec = importlib.util.spec_from_file_location("bench_reference", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reference_mlp(reference, values):
    params = {k: np.asarray(v, dtype=np.float64) for k, v in values["params"].items()}
    sizes = [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, len(params) // 2 + 1)]
    model = reference.MLP(sizes, activation=values["activation"], seed=0)
    model.params = params
    return model


def _fit_seconds(session, student, stand_ins, epochs):
    model = student.MLP([2, 8, 1], activation="tanh", seed=0)
    context = session.using_reference(stand_ins) if stand_ins else _Nothing()
    with context:
        model.fit(XOR_X[:1], XOR_Y[:1], epochs=1)  # installs the shims
        started = time.perf_counter()
        model.fit(XOR_X, XOR_Y, epochs=epochs, learning_rate=0.5)
        return time.perf_counter() - started


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args()
    reference = _reference()
    session = Session(str(REFERENCE), "backprop")
    student = StudentModule(session)
    try:
        own = _fit_seconds(session, student, None, args.epochs)
        layers = _fit_seconds(session, student, StandIns(reference, LAYERS), args.epochs)
        method = Method("MLP.loss_and_grads", state=("params",), read_only=("params",),
                        given={"activation": "tanh"}, make=_reference_mlp)
        per_batch = _fit_seconds(session, student, StandIns(reference, [*LAYERS, method]), args.epochs)
    finally:
        session.close()
    print(f"MLP([2, 8, 1]).fit on XOR, {args.epochs} full-batch epochs:")
    print(f"  the student's own layers         {own * 1000:8.1f} ms")
    print(f"  the reference's layers           {layers * 1000:8.1f} ms  ({6 * args.epochs} callbacks, "
          f"{(layers - own) / (6 * args.epochs) * 1e6:.0f} us each)")
    print(f"  the reference's loss_and_grads   {per_batch * 1000:8.1f} ms  ({args.epochs} callbacks, "
          f"{(per_batch - own) / args.epochs * 1e6:.0f} us each)")
    flat = 20.0
    for ref_seconds in (0.005, 0.05, 0.5):
        print(f"a looping function, reference test time {ref_seconds * 1000:5.0f} ms: found after "
              f"{budget(ref_seconds, flat):4.1f} s (flat budget: {flat:.0f} s per test that calls it)")


if __name__ == "__main__":
    main()
