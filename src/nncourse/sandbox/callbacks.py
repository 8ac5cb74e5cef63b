"""The reference stands in for lower-level functions of the student's module, by callback.

Why: a bug costs points once, where it is. While a test grades MLP.fit, the
student's affine_backward must not be charged again, so the worker swaps the
named functions (or methods) of the student's module for shims. A shim sends
its arguments as plain data on the reply channel; the trusted side, while it
waits for its own reply, runs the REFERENCE on that data here and sends the
result back. The reference's code never enters the worker, and student code
only sees input/output pairs it could compute itself.

A method stand-in (`Method("Perceptron.update", state=(...))`) also carries the
instance's declared attributes: a reference instance is built from them, the
method runs, and the attributes after the call are written back into the
student's instance.

Only the names of the running test are answered (never its target), and only
with plain data bounded in size; any other callback ends the worker.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from nncourse.errors import WorkerDied
from nncourse.sandbox import protocol

MAX_CALLBACK_ELEMENTS = 1_000_000  # numbers in one callback's arguments (the tests' data is far smaller)
MAX_CALLBACK_DIM = 4096            # longest axis: bounds what a product of two arguments can cost here


@dataclass(frozen=True)
class Method:
    """A method of a student class answered by the reference class.

    `state`: attributes sent with each call and written back after it (unless in
    `read_only`); `given`: trusted values the test knows (e.g. the activation it
    passed to the constructor) that the student's instance need not store;
    `make(reference_module, values)` builds the reference instance (default: a
    bare instance of the same class with every value set as an attribute).
    """

    name: str
    state: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()
    given: dict = field(default_factory=dict)
    make: Callable | None = None

    def build(self, reference, values: dict):
        if self.make is not None:
            return self.make(reference, values)
        obj = object.__new__(getattr(reference, self.name.split(".")[0]))
        for key, value in values.items():
            setattr(obj, key, value)
        return obj


class StandIns:
    """The names the reference answers for during one test, and the answering itself."""

    def __init__(self, reference, items, refused: dict[str, str] | None = None):
        self.reference = reference
        self.entries: dict[str, Method | None] = {}
        for item in items:
            if isinstance(item, Method):
                self.entries[item.name] = item
            else:
                self.entries[str(item)] = None
        self.refused = dict(refused or {})  # name -> why: answered with that failure, never run
        for name in self.refused:
            self.entries.setdefault(name, Method(name) if "." in name else None)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def worker_specs(self) -> list[dict]:
        """What the worker needs to install the shims: names, and the state a method carries."""
        return [{"name": name, "state": list(entry.state) if entry else None}
                for name, entry in self.entries.items()]

    def answer(self, message: dict) -> dict | None:
        """The reply to one callback: the reference's result (or its failure), None if not ours."""
        name = message.get("callback")
        if type(name) is not str or name not in self.entries:
            return None
        entry = self.entries[name]
        if name in self.refused:
            return {"callback_error": self.refused[name]}
        try:
            args, kwargs, state = _arguments(message)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if entry is None:
                    reply = {"callback_value": getattr(self.reference, name)(*args, **kwargs)}
                else:
                    obj = entry.build(self.reference, {**state, **entry.given})
                    value = getattr(obj, name.split(".", 1)[1])(*args, **kwargs)
                    after = {k: getattr(obj, k) for k in entry.state if k not in entry.read_only and hasattr(obj, k)}
                    reply = {"callback_value": value, "state": after}
            protocol.encode(reply)  # the reply must be plain data: check it here, not in the worker
            return reply
        except Exception as exc:  # noqa: BLE001 - the reference refusing the student's arguments
            return {"callback_error": f"the reference {name}, standing in for yours while another function "
                                      f"is graded, failed on the arguments your code passed it: "
                                      f"{type(exc).__name__}: {str(exc)[:300]}"}


def _arguments(message: dict) -> tuple[list, dict, dict]:
    args, kwargs, state = message.get("args"), message.get("kwargs"), message.get("state") or {}
    if type(args) is not list or type(kwargs) is not dict or type(state) is not dict \
            or not all(type(k) is str for k in [*kwargs, *state]):
        raise TypeError("the arguments could not be read")
    total = _check_size([args, kwargs, state])
    if total > MAX_CALLBACK_ELEMENTS:
        raise ValueError(f"arguments of {total} numbers are more than this stand-in accepts")
    return args, kwargs, state


def _check_size(value, depth=0) -> int:
    """The number of array elements in value; refuses an axis longer than MAX_CALLBACK_DIM."""
    if isinstance(value, np.ndarray):
        if any(n > MAX_CALLBACK_DIM for n in value.shape):
            raise ValueError(f"an array of shape {value.shape} is larger than this stand-in accepts")
        return value.size
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_CALLBACK_DIM:
            raise ValueError(f"a list of {len(value)} items is larger than this stand-in accepts")
        return sum(_check_size(v, depth + 1) for v in value) + len(value)
    if isinstance(value, dict):
        return sum(_check_size(v, depth + 1) for v in value.values()) + len(value)
    return 1


def answer_callbacks(worker, reply, stand_ins: StandIns | None, deadline: float):
    """Answer the worker's callbacks until its real reply comes, all within the call's deadline.

    Why here: the request/reply loop stays one line longer; a callback storm (a loop
    of thousands of calls) is bounded by the same deadline as the call itself.
    """
    while type(reply) is dict and "callback" in reply:
        answer = stand_ins.answer(reply) if stand_ins is not None else None
        if answer is None:
            worker.kill()
            raise WorkerDied("your code sent a message the grader did not expect")
        reply = worker.request(answer, deadline - time.monotonic())
    return reply
