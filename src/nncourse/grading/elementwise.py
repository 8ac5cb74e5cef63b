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
    assert_shape,
    inputs_after,
)


def check_scalar_input(student, reference, name):
    got = getattr(student, name)(2.0)
    assert_close(got, getattr(reference, name)(2.0), what=f"{name}(2.0)", inputs={"z": 2.0},
                 hint="a Python scalar gives a 0-d array (shape ()): start with np.asarray(z, dtype=float)")


def check_list_input(student, reference, name):
    z = [-3.0, 0.0, 0.5, 4.0]
    assert_close(getattr(student, name)(z), getattr(reference, name)(np.array(z)),
                 what=f"{name}(z) with z a list", inputs={"z": z},
                 hint="convert the input first: z = np.asarray(z, dtype=float)")


def check_float32_input(student, reference, name):
    z = np.array([-4.0, -0.5, 0.0, 0.5, 4.0], dtype=np.float32)
    got = getattr(student, name)(z)
    assert_dtype_kind(got, "f", what=f"{name}(z) with z float32", inputs={"z": z})
    # float32 carries about 7 significant digits, so the tolerance is float32's.
    assert_close(got, getattr(reference, name)(z), what=f"{name}(z) with z float32", inputs={"z": z},
                 rtol=1e-5, atol=1e-6)


def check_input_unchanged(student, name, rng):
    z = rng.normal(0.0, 3.0, size=(3, 4))
    z[0, 0] = 0.0
    before = z.copy()
    _, args_after, _ = inputs_after(getattr(student, name), z)
    assert_close(args_after[0], before, what=f"z after {name}(z)", inputs={"z": before}, rtol=0, atol=0,
                 hint="the function must not modify its input: work on a new array")


def check_3d_shape(student, name, rng):
    z = rng.normal(size=(2, 3, 4))
    assert_shape(getattr(student, name)(z), (2, 3, 4), what=f"{name}(z)", inputs={"z": z},
                 hint="the output has the input's shape; no reshape or flatten")
