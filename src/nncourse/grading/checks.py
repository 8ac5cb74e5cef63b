"""Assertion helpers for public checks and grader tests, with messages a student can act on.

Why: every check says which input, what was expected, what came back and a
hint, in one template; tolerances live here (relative and absolute together),
not scattered over tests. Failures raise CheckFailed, shown without traceback.
"""
from __future__ import annotations

import numpy as np

from nncourse.errors import StudentError, UnusableObject
from nncourse.gradcheck import numeric_grad
from nncourse.grading import diagnoses
from nncourse.grading.compare import diagnose, error_summary, mismatch, mismatch_table
from nncourse.sandbox.proxy import RemoteObject

class CheckFailed(AssertionError):
    """A property of the student's code does not hold; the text is the feedback."""


def _fmt(value) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.array2string(arr, precision=6)
    flat = arr.ravel()
    shown = np.array2string(flat[:6], precision=4, separator=", ")
    more = ", ..." if flat.size > 6 else ""
    return f"array shape {arr.shape} {arr.dtype} {shown[:-1]}{more}]"


def summarize(inputs: dict | None) -> str:
    """`for z = array shape (3,) float64 [-1, 0, 1]` from a dict of inputs."""
    if not inputs:
        return ""
    parts = []
    for name, value in inputs.items():
        if isinstance(value, (dict,)):
            shapes = {k: np.shape(v) for k, v in value.items()}
            parts.append(f"{name} = dict of shapes {shapes}")
        elif isinstance(value, (np.ndarray, np.generic, float, int, list, tuple)) and not isinstance(value, bool):
            parts.append(f"{name} = {_fmt(value)}")
        else:
            parts.append(f"{name} = {value!r}")
    return " for " + ", ".join(parts)


def fail(what: str, checked: str, inputs=None, detail: str = "", hint: str | None = None, evidence=None):
    """Raise the one message template: '<what>: <checked><inputs>: <detail>. Hint: <hint>'.

    With `evidence` = (got, want, rtol, atol), the diagnoses are tried and a fitting one leads the text.
    """
    __tracebackhide__ = True
    text = f"{what}: {checked}{summarize(inputs)}"
    if detail:
        text += f": {detail}"
    if hint:
        text += f"\nHint: {hint}" if "\n" in text else f". Hint: {hint}"
    if evidence is not None:  # diagnosis hook
        raise diagnoses.attach_values(CheckFailed(text), evidence, what=what, inputs=inputs)
    raise diagnoses.attach_property(CheckFailed(text))


def as_array(got, *, what: str, dtype=np.float64) -> np.ndarray:
    """The value as an array of `dtype`, or a failure saying it is unusable."""
    __tracebackhide__ = True
    if isinstance(got, RemoteObject) or callable(got):
        raise CheckFailed(f"{what}: returned an unusable object ({got!r}); return a NumPy array")
    try:
        arr = np.asarray(got)
        if arr.dtype.kind not in "biuf":
            raise TypeError(arr.dtype)
        return arr.astype(dtype)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}: returned an unusable object of type {type(got).__name__}; "
                          "return a NumPy array of numbers") from None


def assert_shape(got, shape, *, what, inputs=None, hint=None):
    __tracebackhide__ = True
    arr = as_array(got, what=what)
    if arr.shape != tuple(shape):
        fail(what, "wrong shape", inputs, f"expected {tuple(shape)}, got {arr.shape}", hint,
             evidence=diagnoses.shape_evidence(arr, shape))


def assert_dtype_kind(got, kinds: str, *, what, inputs=None, hint=None):
    __tracebackhide__ = True
    names = {"b": "bool", "i": "signed int", "u": "unsigned int", "f": "float"}
    as_array(got, what=what)
    kind = np.asarray(got).dtype.kind
    if kind not in kinds:
        want = " or ".join(names.get(k, k) for k in kinds)
        fail(what, "wrong dtype", inputs, f"expected {want}, got {np.asarray(got).dtype}", hint,
             evidence=diagnoses.dtype_evidence(got, kinds))


def assert_finite(got, *, what, inputs=None, hint=None):
    __tracebackhide__ = True
    arr = as_array(got, what=what)
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
        fail(what, "returned inf or nan", inputs,
             f"{int(bad.sum())} of {arr.size} values are not finite, first at index {where}", hint)


def assert_close(got, want, *, what, inputs=None, rtol=1e-6, atol=1e-8, hint=None, expect_nonfinite=False):
    """Same shape and |got - want| <= atol + rtol * |want| everywhere; NaN and inf equal nothing.

    `expect_nonfinite=True` is for a test that expects NaN or inf at given
    positions: there, and only there, the same non-finite value matches. The
    hint shown is the diagnosis of what is wrong when one applies, else `hint`.
    """
    __tracebackhide__ = True
    want = np.asarray(want, dtype=np.float64)
    arr = as_array(got, what=what)
    if arr.shape != want.shape:
        shape_hint = ("return a 0-d array (shape ()) for a scalar input, as np.asarray(z) gives"
                      if want.shape == () else
                      "the output's shape is fixed by the inputs: look for a reshape, a flatten, a missing "
                      "keepdims or a sum over the wrong axis")
        fail(what, "wrong shape", inputs, f"expected {want.shape}, got {arr.shape}", shape_hint,
             evidence=(arr, want, rtol, atol))
    bad = mismatch(arr, want, rtol=rtol, atol=atol, expect_nonfinite=expect_nonfinite)
    if not bad.any():
        return
    a, w = np.atleast_1d(arr), np.atleast_1d(want)
    detail = error_summary(arr, want, bad, rtol=rtol, atol=atol) + mismatch_table(a, w, np.atleast_1d(bad))
    fail(what, "wrong values", inputs, detail, diagnose(arr, want, bad, inputs) or hint,
         evidence=(arr, want, rtol, atol))


def assert_differs(a, b, *, what: str, message: str):
    """a and b are finite arrays of numbers that really differ (NaN never counts as a difference)."""
    __tracebackhide__ = True
    x, y = as_array(a, what=what), as_array(b, what=what)
    ok = (x.shape != y.shape or not np.array_equal(x, y)) and np.isfinite(x).all() and np.isfinite(y).all()
    if not ok:
        raise diagnoses.attach_property(CheckFailed(message))  # diagnosis hook, as assert_true


def assert_equal(got, want, *, what, inputs=None, hint=None):
    """Exact equality of numbers, arrays, lists or strings."""
    __tracebackhide__ = True
    if isinstance(got, RemoteObject):
        as_array(got, what=what)
    try:
        same = (np.shape(got) == np.shape(want)) and bool(np.all(np.asarray(got) == np.asarray(want)))
    except (TypeError, ValueError):
        same = False
    if not same:
        fail(what, "wrong result", inputs, f"expected {_short(want)}, got {_short(got)}", hint,
             evidence=(got, want, 0.0, 0.0))


def _short(value) -> str:
    if isinstance(value, (np.ndarray, np.generic)):
        return _fmt(value)
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


def assert_true(cond, message: str):
    """A free-form property; `message` follows the template of `fail`."""
    __tracebackhide__ = True
    if not cond:
        raise diagnoses.attach_property(CheckFailed(message))  # diagnosis hook


def _require_result(out, what: str):
    """A property of a call (no warning, inputs kept) means nothing if the call computed nothing."""
    __tracebackhide__ = True
    if out is None:
        raise CheckFailed(f"{what}: returned None, so there is no result to check this property on")
    if isinstance(out, RemoteObject):
        raise CheckFailed(f"{what}: returned an unusable object ({out!r}); return a NumPy array")


def assert_changed(before: dict, after, *, what: str, hint: str | None = None):
    """Some array of the dict `after` differs from `before` (an update happened; NaN is no update)."""
    __tracebackhide__ = True
    if not isinstance(after, dict) or set(after) != set(before):
        raise unusable(after, what)
    arrays = {k: np.asarray(after[k]) for k in before}
    if any(a.dtype.kind not in "biuf" or not np.isfinite(a).all() for a in arrays.values()):
        fail(what, "inf, nan or non-numbers after the call", None,
             "every array must hold finite numbers after an update", hint)
    if all(np.array_equal(arrays[k], np.asarray(before[k])) for k in before):
        fail(what, "nothing changed", None, "every array is still as it was before the call", hint)


def inputs_after(fn, *args, **kwargs):
    """(result, args after the call, kwargs after the call), for no-mutation checks; the result must be usable."""
    __tracebackhide__ = True
    out, args_after, kwargs_after = fn.with_inputs(*args, **kwargs)
    _require_result(out, f"{getattr(fn, 'label', 'the call')}(...)")
    return out, args_after, kwargs_after


def call_without_warnings(fn, *args, what, inputs=None, hint=None, expect_shape=None, want=None,
                          rtol=1e-6, atol=1e-8, **kwargs):
    """Call fn; fail if it returned wrong values (`want`), emitted a warning or returned nothing.

    A stability property is about a real result: with `want`, the values are
    checked first (assert_close), so a warning-free wrong answer earns nothing.
    With `expect_shape`, the result must be a finite array of that shape.
    """
    __tracebackhide__ = True
    out = fn(*args, **kwargs)
    if want is not None:
        assert_close(out, want, what=what, inputs=inputs, rtol=rtol, atol=atol)
    if out is None:
        raise CheckFailed(f"{what}: returned None, so there is no result to check this property on")
    session = getattr(fn, "_session", None)
    warns = list(session.last_warnings) if session is not None else []
    if warns:
        fail(what, "emitted a warning", inputs, "; ".join(sorted(set(warns))[:3]),
             hint or "the course API (docs/API.md) asks for no warning with finite inputs",
             evidence=diagnoses.warning_evidence(warns))
    if expect_shape is not None:
        assert_shape(out, expect_shape, what=what, inputs=inputs, hint=hint)
        assert_finite(out, what=what, inputs=inputs, hint=hint)
    return out


def assert_raises(exc_name: str, fn, *args, what, hint=None, **kwargs):
    """The call raises `exc_name` or a subclass of it."""
    __tracebackhide__ = True
    try:
        out = fn(*args, **kwargs)
    except StudentError as exc:
        if exc.is_a(exc_name) and not exc.is_a("NotImplementedError"):
            return exc
        if exc.is_a("NotImplementedError"):
            raise
        fail(what, f"should raise {exc_name}", None, f"it raised {exc.type_name}: {exc.message}", hint,
             evidence=diagnoses.missing_check(exc_name))
    fail(what, f"should raise {exc_name}", None, f"it returned {_short(out)}", hint, evidence=diagnoses.missing_check(exc_name))


def assert_matches_numeric_grad(analytic, f, x, *, what, inputs=None, rtol=1e-5, atol=1e-7,
                                eps=1e-6, hint=None):
    """`analytic` equals the central-difference gradient of the scalar function f at x."""
    __tracebackhide__ = True
    numeric = numeric_grad(f, x, eps)
    arr = as_array(analytic, what=what)
    if arr.shape != numeric.shape:
        fail(what, "gradient has the wrong shape", inputs, f"expected {numeric.shape}, got {arr.shape}", hint,
             evidence=(arr, numeric, rtol, atol))
    bad = mismatch(arr, numeric, rtol=rtol, atol=atol)
    if bad.any():
        detail = ("differs from the numeric gradient: " + error_summary(arr, numeric, bad, rtol=rtol, atol=atol)
                  + mismatch_table(np.atleast_1d(arr), np.atleast_1d(numeric), np.atleast_1d(bad)))
        fail(what, "wrong gradient", inputs, detail, diagnose(arr, numeric, bad, inputs) or hint,
             evidence=(arr, numeric, rtol, atol))


def assert_accuracy_at_least(acc, threshold, *, what, dataset, seed, hint=None):
    __tracebackhide__ = True
    value = float(as_array(acc, what=what))
    if not value >= threshold:
        fail(what, f"accuracy too low on {dataset} (seed {seed})", None,
             f"expected at least {threshold:.3f}, got {value:.3f}", hint)


def forward_with_cache(fn, *args, what: str):
    """`(out, cache)` of a layer forward: `out` fetched as plain data, the cache left in the worker.

    The cache may be anything the student likes (a namedtuple, their own object):
    it goes back to their backward untouched, as a reference.
    """
    __tracebackhide__ = True
    res = fn.keep(*args)
    plain = res.value()
    if not isinstance(plain, RemoteObject) and (not isinstance(plain, (tuple, list)) or len(plain) != 2):
        raise unusable(plain, f"{what} should return a pair (out, cache)")
    return res[0], res.ref_item(1)


def unusable(got, what: str) -> CheckFailed:
    """A CheckFailed for a value that is not what the API promises."""
    return CheckFailed(f"{what}: returned an unusable object ({_short(got)})")


__all__ = [
    "CheckFailed", "UnusableObject", "as_array", "assert_shape", "assert_dtype_kind", "assert_finite",
    "assert_close", "assert_equal", "assert_true", "call_without_warnings", "assert_raises",
    "assert_matches_numeric_grad", "assert_accuracy_at_least", "fail", "summarize", "unusable",
    "forward_with_cache", "inputs_after", "assert_changed", "assert_differs", "mismatch", "diagnose",
    "error_summary",
]
