"""Values that do not depend on the submission, computed once per grading process.

Why: a grading process keeps its collected suite for many submissions
(grading/runner.py); a data set (load_digits) or an expected value from the
reference is the same for each of them. `cached(fn, *args)` computes fn(*args)
on first use and hands every caller its own deep copy, so a test that changes
the value in place cannot reach the next submission's tests.
"""
from __future__ import annotations

import copy
from typing import Any, Callable

_VALUES: dict[tuple, Any] = {}


def cached(fn: Callable, *args, **kwargs):
    """fn(*args, **kwargs), computed once per process for the same function and (hashable) arguments."""
    key = (fn, args, tuple(sorted(kwargs.items())))
    if key not in _VALUES:
        _VALUES[key] = fn(*args, **kwargs)
    return copy.deepcopy(_VALUES[key])


def clear() -> None:
    _VALUES.clear()
