"""Hidden checks of softmax and softmax_backward: values, axis, stability, numeric gradients."""
import numpy as np
import pytest

from nncourse.gradcheck import numeric_grad_of_output
from nncourse.grading.checks import (
    as_array,
    assert_close,
    assert_dtype_kind,
    call_without_warnings,
    inputs_after,
)

HUGE = np.array([[1e4, 0.0, -1e4],
                 [-1e4, -1e4 + 1.0, -1e4 + 2.0],
                 [1000.0, 1000.0, 999.0],
                 [-800.0, 750.0, 0.0]])
SHIFT_HINT = ("subtract the max along the axis (np.max(z, axis=axis, keepdims=True)) before exp: "
              "then exp never overflows and every row keeps a term exp(0) = 1")


def _naive_softmax(z, axis):
    """The textbook formula, for moderate logits only."""
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def _check_unchanged(student, reference, name, args, hint):
    """Right values, and every argument as it was (fetched back from the worker after the call)."""
    before = [np.array(a, copy=True) for a in args]
    got, args_after, _ = inputs_after(getattr(student, name), *args)
    assert_close(got, getattr(reference, name)(*before), what=f"{name}(...)",
                 inputs=dict(zip(("first argument", "second argument"), before)))
    for label, old, new in zip(("first argument", "second argument"), before, args_after):
        assert_close(new, old, what=f"the {label} after {name}", inputs={"it": old}, rtol=0, atol=0, hint=hint)


# --- softmax ------------------------------------------------------------------------------

@pytest.mark.target("softmax")
@pytest.mark.points(3)
def test_softmax_values_match_math(student, rng):
    z = rng.uniform(-5.0, 5.0, size=(3, 5))
    assert_close(student.softmax(z), _naive_softmax(z, -1), what="softmax(z)", inputs={"z": z},
                 hint="softmax(z) = exp(z) / sum(exp(z)), the sum along the last axis of each row")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_rows_sum_to_one(student, rng):
    z = rng.normal(0.0, 10.0, size=(6, 4))
    sums = np.sum(as_array(student.softmax(z), what="softmax(z)"), axis=-1)
    assert_close(sums, np.ones(6), what="the row sums of softmax(z)", inputs={"z": z},
                 hint="normalise each row by its own sum: np.sum(e, axis=-1, keepdims=True)")


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_along_axis_0(student, rng):
    z = rng.uniform(-5.0, 5.0, size=(4, 3))
    assert_close(student.softmax(z, axis=0), _naive_softmax(z, 0), what="softmax(z, axis=0)", inputs={"z": z},
                 hint="use the axis argument in both the max and the sum: each column then sums to 1")


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_3d_default_axis(student, rng):
    z = rng.uniform(-5.0, 5.0, size=(2, 3, 4))
    assert_close(student.softmax(z), _naive_softmax(z, -1), what="softmax(z)", inputs={"z": z},
                 hint="axis=-1 is the last axis for any number of dimensions; keep it with keepdims=True")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_3d_middle_axis(student, rng):
    z = rng.uniform(-5.0, 5.0, size=(2, 3, 4))
    assert_close(student.softmax(z, axis=1), _naive_softmax(z, 1), what="softmax(z, axis=1)", inputs={"z": z},
                 hint="reduce along the given axis with keepdims=True so the result broadcasts back")


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_invariant_to_constant_shift(student, reference, rng):
    z = rng.uniform(-5.0, 5.0, size=(5, 4))
    c = rng.uniform(-20.0, 20.0, size=(5, 1))
    base = as_array(student.softmax(z), what="softmax(z)")
    assert_close(base, reference.softmax(z), what="softmax(z)", inputs={"z": z})
    assert_close(student.softmax(z + c), base, what="softmax(z + c) compared with softmax(z)",
                 inputs={"z": z, "c": c.ravel()},
                 hint="adding a constant to a row of logits must not change its probabilities")


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_no_warning_for_huge_logits(student, reference):
    out = call_without_warnings(student.softmax, HUGE, want=reference.softmax(HUGE),
                                what="softmax(z)", inputs={"z": HUGE}, hint=SHIFT_HINT)
    assert_dtype_kind(out, "f", what="softmax(z)", inputs={"z": HUGE})


@pytest.mark.target("softmax")
@pytest.mark.points(2)
def test_softmax_values_for_huge_logits(student, reference):
    assert_close(student.softmax(HUGE), reference.softmax(HUGE), what="softmax(z)", inputs={"z": HUGE},
                 hint="no inf or nan for any logits: " + SHIFT_HINT + " (of each row, not of the whole array)")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_1d_input(student, rng):
    z = rng.uniform(-5.0, 5.0, size=6)
    assert_close(student.softmax(z), _naive_softmax(z, -1), what="softmax(z)", inputs={"z": z},
                 hint="a 1-D z is a single vector of logits: the result has shape (k,) and sums to 1")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_list_input(student):
    z = [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    assert_close(student.softmax(z), _naive_softmax(np.array(z), -1), what="softmax(z) with z a list",
                 inputs={"z": z}, hint="convert the input first: z = np.asarray(z, dtype=float)")


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_float32_input(student, rng):
    z = rng.uniform(-5.0, 5.0, size=(3, 4)).astype(np.float32)
    got = student.softmax(z)
    assert_dtype_kind(got, "f", what="softmax(z) with z float32", inputs={"z": z})
    # float32 carries about 7 significant digits, so the tolerance is float32's.
    assert_close(got, _naive_softmax(z.astype(np.float64), -1), what="softmax(z) with z float32",
                 inputs={"z": z}, rtol=1e-5, atol=1e-6)


@pytest.mark.target("softmax")
@pytest.mark.points(1)
def test_softmax_keeps_input_unchanged(student, reference, rng):
    _check_unchanged(student, reference, "softmax", [rng.normal(0.0, 3.0, size=(3, 4))],
                     hint="z -= z.max(...) writes into the caller's array: use z = z - z.max(...)")


# --- softmax_backward ---------------------------------------------------------------------

@pytest.mark.target("softmax_backward")
@pytest.mark.points(2)
def test_softmax_backward_matches_numeric_grad_1d(student, reference, rng):
    z, dout = rng.normal(size=5), rng.normal(size=5)
    s = reference.softmax(z)
    # central differences through softmax are accurate to ~1e-9; 1e-7 leaves room
    assert_close(student.softmax_backward(dout, s), numeric_grad_of_output(reference.softmax, z, dout),
                 what="softmax_backward(dout, s)", inputs={"dout": dout, "s": s}, rtol=1e-5, atol=1e-7,
                 hint="dL/dz = s * (dout - sum(dout * s)); the sum term comes from every s_i depending on z_j")


@pytest.mark.target("softmax_backward")
@pytest.mark.points(3)
def test_softmax_backward_matches_numeric_grad_2d(student, reference, rng):
    z, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    s = reference.softmax(z)
    # central differences through softmax are accurate to ~1e-9; 1e-7 leaves room
    assert_close(student.softmax_backward(dout, s), numeric_grad_of_output(reference.softmax, z, dout),
                 what="softmax_backward(dout, s)", inputs={"dout": dout, "s": s}, rtol=1e-5, atol=1e-7,
                 hint="one sum per row: np.sum(dout * s, axis=-1, keepdims=True)")


@pytest.mark.target("softmax_backward")
@pytest.mark.points(1)
def test_softmax_backward_3d_input(student, reference, rng):
    z, dout = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    s = reference.softmax(z)
    assert_close(student.softmax_backward(dout, s), reference.softmax_backward(dout, s),
                 what="softmax_backward(dout, s)", inputs={"dout": dout, "s": s},
                 hint="sum along the last axis (axis=-1) with keepdims=True, whatever the number of dimensions")


@pytest.mark.target("softmax_backward")
@pytest.mark.points(1)
def test_softmax_backward_rows_sum_to_zero(student, reference, rng):
    z, dout = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    s = reference.softmax(z)
    dz = as_array(student.softmax_backward(dout, s), what="softmax_backward(dout, s)")
    assert_close(dz, reference.softmax_backward(dout, s), what="softmax_backward(dout, s)",
                 inputs={"dout": dout, "s": s})
    assert_close(np.sum(dz, axis=-1), np.zeros(4), what="the row sums of softmax_backward(dout, s)",
                 inputs={"dout": dout, "s": s},
                 hint="softmax ignores a constant added to a row, so each row of dL/dz sums to 0")


@pytest.mark.target("softmax_backward")
@pytest.mark.points(1)
def test_softmax_backward_list_input(student, reference):
    dout, s = [[1.0, 0.0, -1.0]], [[0.2, 0.3, 0.5]]
    assert_close(student.softmax_backward(dout, s), reference.softmax_backward(dout, s),
                 what="softmax_backward(dout, s) with lists", inputs={"dout": dout, "s": s},
                 hint="convert the inputs first with np.asarray(..., dtype=float)")


@pytest.mark.target("softmax_backward")
@pytest.mark.points(1)
def test_softmax_backward_float32_input(student, reference, rng):
    dout = rng.normal(size=(3, 4)).astype(np.float32)
    s = reference.softmax(rng.normal(size=(3, 4))).astype(np.float32)
    got = student.softmax_backward(dout, s)
    assert_dtype_kind(got, "f", what="softmax_backward(dout, s) with float32 inputs",
                      inputs={"dout": dout, "s": s})
    # float32 carries about 7 significant digits, so the tolerance is float32's.
    assert_close(got, reference.softmax_backward(dout, s), what="softmax_backward(dout, s) with float32 inputs",
                 inputs={"dout": dout, "s": s}, rtol=1e-5, atol=1e-6)


@pytest.mark.target("softmax_backward")
@pytest.mark.points(1)
def test_softmax_backward_keeps_inputs_unchanged(student, reference, rng):
    s = reference.softmax(rng.normal(size=(3, 4)))
    _check_unchanged(student, reference, "softmax_backward", [rng.normal(size=(3, 4)), s],
                     hint="dout -= ... or s *= ... writes into the caller's arrays: build new arrays")
