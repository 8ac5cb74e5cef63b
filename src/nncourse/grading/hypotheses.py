"""Generic hypotheses: relations between got and want any check can test (factor, sign, transpose, ...).

Why: most bugs leave a simple trace in the numbers (every entry n times too large,
right except at 0, inf from |z| = 710 on); these need only got, want and the inputs.
"""
from __future__ import annotations

import re

import numpy as np

from nncourse.grading.diagnoses import LARGE_INPUT, Case, Diagnosis, _num, _numeric, agrees, hypothesis

# --- generic hypotheses --------------------------------------------------------------------

def _another_of_length(case: Case, name: str, n: int) -> bool:
    """A 1-d input is a batch (not one sample) when another input has as many rows, as p and y of a loss do."""
    return any(k != name and v.ndim >= 1 and v.shape[0] == n for k, v in case.arrays().items())


def named_constants(case: Case) -> list[tuple[float, str, str]]:
    """(value, name for the hypothesis, words for the student) for constants the inputs suggest."""
    out: list[tuple[float, str, str]] = []
    for name, value in (case.inputs or {}).items():
        if isinstance(value, dict):
            if len(value) > 1:
                out.append((float(len(value)), "keys", f"{len(value)} (the number of keys of {name})"))
            continue
        arr = _numeric(value)
        if arr is None:
            continue
        if arr.ndim == 0:
            v = float(arr)
            if v == 0 or not np.isfinite(v) or v in (1.0, 2.0, 0.5):
                continue
            out.append((v, name, f"{name} = {_num(v)}"))
            out.append((1 / v, f"inverse_{name}", f"1/{name} = {_num(1 / v)}"))
            if 0 < v < 1:
                out.append((1 - v, f"one_minus_{name}", f"1 - {name} = {_num(1 - v)}"))
                out.append((1 / (1 - v), f"inverse_one_minus_{name}", f"1/(1 - {name}) = {_num(1 / (1 - v))}"))
        elif arr.shape[0] >= 2 and (arr.ndim >= 2 or _another_of_length(case, name, arr.shape[0])):  # a batch
            n = arr.shape[0]
            out.append((float(n), "n", f"n = {n} (the batch size, the rows of {name})"))
            out.append((1.0 / n, "inverse_n", f"1/n (n = {n}, the batch size, the rows of {name})"))
            if arr.ndim == 2 and arr.shape[1] > 2 and arr.shape[1] != n:
                k = arr.shape[1]
                out.append((float(k), "columns", f"{k} (the number of columns of {name})"))
    out += [(2.0, "2", "2"), (0.5, "half", "1/2")]
    return out


def _is_gradient(case: Case) -> bool:
    """Is the checked value a gradient (not a loss computed by a function that returns both)?"""
    if case.target.endswith(("_grad", "_backward")):
        return True
    return bool(re.search(r"grads?\[|gradient|_grad\(|backward|\bd[Wxb]\b", case.what))


def _subject(case: Case) -> str:
    """'your gradient' or 'your result' (the message below the diagnosis names the exact thing)."""
    return "your gradient" if _is_gradient(case) else "your result"


def _factor_fix(name: str, case: Case) -> str:
    gradient = _is_gradient(case)
    if name == "n":
        return ("the loss is a mean over the batch, so divide by n once, at the output" if gradient else
                "this is a mean over the batch: divide the sum by n")
    if name == "inverse_n":
        return ("the 1/n is already in the upstream gradient (or a sum is wanted here): do not divide by n again"
                if gradient else "a sum is wanted here, or you divide by n twice: remove one division by n")
    if name == "2":
        return "a factor 2 too many: the 1/2 in front of a square cancels the 2 of its derivative"
    if name == "half":
        return "a factor 1/2 is missing or was added once too often"
    if name == "keys":
        return "you add the contributions of every key where each key needs its own"
    if name == "columns":
        return "you sum over the classes (columns) where there should be one term per row"
    return f"check where {name.replace('inverse_', '1/').replace('one_minus_', '1 - ')} enters your formula"


@hypothesis()
def constant_factor(case: Case) -> Diagnosis | None:
    """Every entry is the right one times one constant (a named one when the inputs suggest it)."""
    got, want = case.got, case.want
    if got.shape != want.shape or not np.isfinite(got).all() or not np.isfinite(want).all():
        return None
    big = np.abs(want) > max(case.atol, 1e-12 * np.abs(want).max(initial=0.0))
    if not big.any():
        return None
    c = float(np.median(got[big] / want[big]))
    if c == 0 or not np.isfinite(c) or not case.fits(c * want):
        return None
    single = big.sum() < 2  # one number is exactly c times another: only an input-derived c is evidence
    what = _subject(case)
    repeats = {"twice": 2.0, "two": 2.0, "three": 3.0, "3": 3.0, "2": 2.0}
    m = re.search(r"(?:repeated|stacked) (twice|(\w+) times)", case.what)
    if m and abs(c - repeats.get(m[2] or m[1], 0.0)) < 1e-6:
        return Diagnosis("factor_n", f"{what} grows with the batch: {_num(c)} times larger for the batch repeated "
                         f"{_num(c)} times, so it is a sum over the samples; make it a mean (divide by n once"
                         + (", at the output)" if _is_gradient(case) else ")"))
    if abs(c + 1) < 1e-9 and not single:
        return Diagnosis("sign_flip", f"{what} has the right size but the opposite sign everywhere: "
                         "a minus sign is missing or doubled (e.g. predicted - target instead of target - predicted, "
                         "or + where the update subtracts)")
    named = []  # every named constant equal to c: when two fit (n = 2 and 1/(1 - p) = 2), both are said
    for value, label, words in named_constants(case):
        if single and label in ("2", "half") or any(d.name == f"factor_{label}" for d in named):
            continue
        if abs(c - value) <= 1e-6 * abs(value):
            named.append(Diagnosis(f"factor_{label}", f"{what} is exactly {words} times the correct one: "
                                   + _factor_fix(label, case)))
        elif abs(c + value) <= 1e-6 * abs(value):
            named.append(Diagnosis(f"factor_{label}", f"{what} is exactly -{words} times the correct one: "
                                   "the sign is flipped and " + _factor_fix(label, case)))
    if named:
        return named[:1] if named[0].name in ("factor_n", "factor_inverse_n") and len(named) > 1 and \
            all(d.name in ("factor_2", "factor_half") for d in named[1:]) else named
    if single or len(np.unique(np.abs(want[big]))) < 4:  # an unnamed factor needs more evidence than a few numbers
        return None
    return Diagnosis("factor", f"{what} is exactly {_num(c)} times the correct one everywhere: the formula is "
                     "right up to a constant factor; look for a constant you added or left out", weak=True)


@hypothesis()
def constant_offset(case: Case) -> Diagnosis | None:
    """Every entry is the right one plus one constant."""
    got, want = case.got, case.want
    if got.shape != want.shape or not np.isfinite(got).all() or not np.isfinite(want).all():
        return None
    d = float(np.median(got - want))
    if d == 0 or len(np.unique(want)) < 2 or not case.fits(want + d):
        return None
    what = _subject(case)
    if abs(abs(d) - 1) < 1e-9 and np.all(want == np.round(want)):
        return Diagnosis("off_by_one", f"{what} is off by exactly {d:+g}: a counter starts at 1 instead of 0, "
                         "or stops one step late or early (check range bounds, < versus <=, and when you count)")
    if len(np.unique(want)) < 4:
        return None
    return Diagnosis("offset", f"{what} is off by exactly {_num(d)} everywhere: a constant term is added or "
                     "missing (a bias, a shift, an initial value)", weak=True)


@hypothesis()
def transposed(case: Case) -> Diagnosis | None:
    got, want = case.got, case.want
    if got.ndim != 2 or want.ndim != 2 or got.T.shape != want.shape:
        return None
    if want.shape[0] == want.shape[1] and np.allclose(want, want.T):
        return None
    if not agrees(got.T, want, *case.tol):
        return None
    fix = ("swap the operands of the product (e.g. x.T @ dout, not dout.T @ x)" if _is_gradient(case) else
           "swap the roles of rows and columns (e.g. rows for the true class, columns for the predicted one)")
    return Diagnosis("transpose", f"{_subject(case)} is the transpose of the correct one (shape {got.shape} "
                     f"where {want.shape} is expected): {fix}")


def _elementwise_input(case: Case) -> tuple[str, np.ndarray] | None:
    for name, arr in case.arrays().items():
        if arr.shape == case.want.shape and arr.size > 0:
            return name, arr
    return None


def _bad(case: Case) -> np.ndarray:
    got, want = case.got, case.want
    ok = (np.abs(got - want) <= case.atol + case.rtol * np.abs(want)) | (np.isnan(got) & np.isnan(want))
    return ~ok


@hypothesis()
def wrong_at_zero(case: Case) -> Diagnosis | None:
    """Right everywhere except exactly where the input is 0."""
    found = _elementwise_input(case)
    if found is None or case.got.shape != case.want.shape:
        return None
    name, x = found
    bad, zero = _bad(case), x == 0
    if not bad.any() or not (zero | ~bad).all() or (~zero).sum() == 0:
        return None
    idx = tuple(np.argwhere(bad)[0])
    return Diagnosis("at_zero", f"your values are right everywhere except where {name} is exactly 0 "
                     f"(there: expected {_num(case.want[idx])}, got {_num(case.got[idx])}): decide the value "
                     "at 0 on purpose; > and >= differ exactly there")


@hypothesis()
def overflow_at_large_inputs(case: Case) -> Diagnosis | None:
    """inf/nan (or wrong values) only at large |input|: say from which |input| on."""
    found = _elementwise_input(case)
    if found is None or case.got.shape != case.want.shape:
        return None
    name, x = found
    bad = _bad(case)
    if not bad.any() or bad.all():
        return None
    start = float(np.abs(x[bad]).min())
    if start < LARGE_INPUT or not (np.abs(x) < start).any():
        return None
    nonfinite = bad & ~np.isfinite(case.got)
    first = float(x[bad][np.argmin(np.abs(x[bad]))])
    if nonfinite.any():
        return Diagnosis("overflow", f"your function returns inf or nan from |{name}| = {_num(start)} on "
                         f"(first at {name} = {_num(first)}) and is right below: exp (or a division) overflows there; "
                         "rewrite it so that exp only sees arguments <= 0 (a branch on the sign, or subtract the max)")
    return Diagnosis("large_inputs", f"your values are right for small |{name}| but wrong from |{name}| = "
                     f"{_num(start)} on (first at {name} = {_num(first)}): the formula loses its precision there "
                     "(inf/inf, 1 - 1, log of 0); use a form that stays exact at large inputs", weak=True)


@hypothesis()
def integer_division(case: Case) -> Diagnosis | None:
    got, want = case.got, case.want
    if got.shape != want.shape or np.sum(want != np.round(want)) < 3 or not np.isfinite(want).all():
        return None
    if np.sum(np.abs(want) >= 1) < 3:  # small values rounded to 0 could be anything that returns zeros
        return None
    for rounded in (np.trunc(want), np.floor(want)):
        if np.array_equal(got, rounded):
            return Diagnosis("int_division", f"{_subject(case)} is the correct value rounded down to a "
                             "whole number: an integer division (//) or an int conversion drops the fraction; "
                             "divide with /")
    return None


@hypothesis()
def axis_shape(case: Case) -> Diagnosis | None:
    """got has want's shape with an axis summed away, kept, or left in."""
    got, want = case.got, case.want
    what = _subject(case)
    if got.shape == want.shape:
        return None
    if got.size == want.size and got.size > 1 and [s for s in got.shape if s != 1] == [s for s in want.shape if s != 1]:
        if agrees(got.reshape(want.shape), want, *case.tol):
            return Diagnosis("extra_axis", f"{what} has the right values but shape {got.shape} where {want.shape} "
                             "is expected: drop (or add) the axis of length 1 (ravel, reshape, or keepdims)")
    if got.size == want.size == 1:
        if agrees(got.reshape(want.shape), want, *case.tol):
            return Diagnosis("extra_axis", f"{what} has the right value but shape {got.shape} where {want.shape} is "
                             "expected: return a scalar (shape ()), e.g. without np.atleast_1d or ndmin=1, or with float(...)")
    if got.ndim == want.ndim + 1:
        for axis in range(got.ndim):
            for how, fn in (("sum", np.sum), ("mean", np.mean)):
                if fn(got, axis=axis).shape == want.shape and agrees(fn(got, axis=axis), want, *case.tol):
                    return Diagnosis("axis_kept", f"{what} has shape {got.shape} where {want.shape} is expected, and "
                                     f"its {how} over axis {axis} is the right value: {how} over axis {axis} "
                                     "(the batch axis is usually 0)")
    if got.ndim + 1 == want.ndim:
        for axis in range(want.ndim):
            for how, fn in (("sum", np.sum), ("mean", np.mean)):
                if fn(want, axis=axis).shape == got.shape and agrees(got, fn(want, axis=axis), *case.tol):
                    return Diagnosis("axis_summed", f"{what} has shape {got.shape} where {want.shape} is expected: you "
                                     f"take the {how} over axis {axis}, which must be kept")
    if got.ndim == 2 and want.ndim == 1 and got.shape == (want.size, want.size):
        return Diagnosis("broadcast_column", f"{what} has shape {got.shape} where {want.shape} is expected: a column "
                         "(n, 1) met a flat (n,) array and broadcast to (n, n); reshape one of them first")
    return None




@hypothesis()
def float32_precision(case: Case) -> Diagnosis | None:
    """Off by no more than float32's resolution: some step computes in single precision."""
    got, want = case.got, case.want
    if got.shape != want.shape or not np.isfinite(got).all() or not np.isfinite(want).all():
        return None
    err = np.abs(got - want)
    if err.max() > 2.5 * float(np.finfo(np.float32).eps) * max(1.0, float(np.abs(want).max())):
        return None
    return Diagnosis("float32_precision", "your values are off by about 1e-7, the resolution of float32: some step "
                     "computes in single precision (a float32 array or np.float32 constant); compute in float64 "
                     "and only then convert, if at all", weak=True)


@hypothesis()
def constant_output(case: Case) -> Diagnosis | None:
    """The same value everywhere where the right values vary."""
    got, want = case.got, case.want
    if got.shape != want.shape or got.size < 3 or not np.isfinite(got).all() or len(np.unique(want)) < 2:
        return None
    if len(np.unique(got)) != 1:
        return None
    batch = [v for v in case.arrays().values() if v.ndim >= 2 and v.shape[0] == got.shape[0] and np.ptp(v) > 0]
    if got.ndim == 0 or not batch:  # "does not depend on the input" needs several inputs (rows of a batch)
        return None
    return Diagnosis("constant_output", f"{_subject(case)} is {_num(float(got.flat[0]))} for every input while the "
                     "right values vary: the result does not depend on the input (an argmax over a single column is "
                     "always 0; a layer that outputs 0 everywhere makes the next one constant)", weak=True)


@hypothesis()
def same_seed_differs(case: Case) -> Diagnosis | None:
    """Two runs with the same seed compared: they differ."""
    if not re.search(r"same seed|two runs|second identical run", case.what):
        return None
    return Diagnosis("seed_ignored", "two runs with the same seed gave different results: make every random draw "
                     "from np.random.default_rng(seed) with the seed (or rng) you are given, not np.random or a "
                     "generator of your own", exclusive=True)
