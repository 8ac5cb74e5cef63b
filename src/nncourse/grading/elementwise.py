"""Checks shared by every elementwise function (activations and their derivatives).

Why: each of them must accept a Python scalar, a list and float32, keep its
input unchanged and keep an n-d input's shape; one definition serves them all.
`name` is the API name; `student` and `reference` are the grader's fixtures.
"""
from __future__ import annotations

import numpy as np

from nncourse.grading.checks import (
    assert_close,
    assert_dtype_kind,
    inputs_after,
)


def check_scalar_input(student, reference, name):
    # two scalars of opposite sign: no constant, no "return z" is right on both
    for z in (2.0, -1.5):
        got = getattr(student, name)(z)
        assert_close(got, getattr(reference, name)(z), what=f"{name}({z})", inputs={"z": z})


def check_list_input(student, reference, name):
    z = [-3.0, 0.0, 0.5, 4.0]
    assert_close(getattr(student, name)(z), getattr(reference, name)(np.array(z)),
                 what=f"{name}(z) with z a list", inputs={"z": z},
                 hint="convert the input first: z = np.asarray(z, dtype=float)")


def check_float32_input(student, reference, name):
    z = np.array([-4.0, -0.5, 0.0, 0.5, 4.0], dtype=np.float32)
    got = getattr(student, name)(z)
    # float32 carries about 7 significant digits, so the tolerance is float32's.
    assert_close(got, getattr(reference, name)(z), what=f"{name}(z) with z float32", inputs={"z": z},
                 rtol=1e-5, atol=1e-6)
    assert_dtype_kind(got, "f", what=f"{name}(z) with z float32", inputs={"z": z})


def check_input_unchanged(student, reference, name, rng):
    """Right values, and the caller's array as it was (fetched back from the worker after the call)."""
    z = rng.normal(0.0, 3.0, size=(3, 4))
    z[0, 0] = 0.0
    before = z.copy()
    got, args_after, _ = inputs_after(getattr(student, name), z)
    assert_close(got, getattr(reference, name)(before), what=f"{name}(z)", inputs={"z": before})
    assert_close(args_after[0], before, what=f"z after {name}(z)", inputs={"z": before}, rtol=0, atol=0,
                 hint="the function must not modify its input: work on a new array")


def check_3d_shape(student, reference, name, rng):
    z = rng.normal(0.0, 2.0, size=(2, 3, 4))
    assert_close(getattr(student, name)(z), getattr(reference, name)(z), what=f"{name}(z) with z of shape (2, 3, 4)",
                 inputs={"z": z})
