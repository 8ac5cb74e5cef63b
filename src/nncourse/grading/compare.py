"""How two arrays differ: where (NaN and inf equal nothing), by how much, and the likely cause.

Why: every value check of the grader compares the same way and words the
difference the same way; the hint comes from what is wrong (scaled, sign,
only at 0, only for large inputs, inf/nan), not from which test saw it.
"""
from __future__ import annotations

import numpy as np

MAX_ROWS = 5  # rows of the mismatch table


def mismatch_table(got, want, bad) -> str:
    rows = [f"  index {tuple(int(i) for i in idx)}: expected {want[tuple(idx)]:.8g}, got {got[tuple(idx)]:.8g}"
            for idx in np.argwhere(bad)[:MAX_ROWS]]
    return "\n" + "\n".join(rows)


def mismatch(got, want, *, rtol: float, atol: float, expect_nonfinite: bool = False) -> np.ndarray:
    """Where got and want disagree: |got - want| > atol + rtol*|want|; NaN and inf equal nothing.

    With `expect_nonfinite`, a NaN or inf in `want` is matched by the very same
    non-finite value in `got` at that position (a test that expects it says so).
    """
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(got - want) <= atol + rtol * np.abs(want)
    bad = ~(close & np.isfinite(got) & np.isfinite(want))
    if expect_nonfinite:
        same_nan = np.isnan(got) & np.isnan(want)
        same_inf = np.isinf(want) & (got == want)
        bad &= ~(same_nan | same_inf)
    return bad


def error_summary(got, want, bad, *, rtol: float, atol: float) -> str:
    """'k of n values differ; max abs error ..., max rel error ...' without a relative error where expected is 0."""
    a, w, b = np.atleast_1d(got), np.atleast_1d(want), np.atleast_1d(bad)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - w)
    parts = [f"{int(b.sum())} of {a.size} values differ"]
    nonfinite = b & ~(np.isfinite(a) & np.isfinite(w))
    if nonfinite.any():
        parts.append(f"{int(nonfinite.sum())} of them inf or nan")
    finite = b & ~nonfinite
    if finite.any():
        parts.append(f"max abs error {diff[finite].max():.3g}")
        rel = finite & (w != 0)
        if rel.any():
            parts.append(f"max rel error {(diff[rel] / np.abs(w[rel])).max():.3g} where expected is not 0")
    return "; ".join(parts) + f" (allowed {atol:g} + {rtol:g}*|expected|)"


def _only_where(bad, where) -> bool:
    return bool(bad.any() and where.any() and not (bad & ~where).any())


def diagnose(got, want, bad, inputs=None) -> str | None:
    """A hint chosen by what is wrong (scaled, sign, only at 0, only for large inputs, nan), or None.

    `inputs` is the test's input dict: an input of the output's shape lets the
    diagnosis say "wrong only where z is 0" or "only for large |z|".
    """
    a, w, b = np.atleast_1d(got), np.atleast_1d(want), np.atleast_1d(bad)
    if not b.any():
        return None
    if (~np.isfinite(a) & np.isfinite(w)).any():
        return ("some values are inf or nan where the expected value is finite: an overflow "
                "(exp of a large number, a division by 0, log of 0); rewrite the formula so that it stays finite")
    ok = np.isfinite(a) & np.isfinite(w)
    nz = ok & (w != 0)
    if nz.sum() >= 2 and ok.all():
        ratio = a[nz] / w[nz]
        c = float(np.median(ratio))
        if c != 0 and np.allclose(ratio, c, rtol=1e-6) and np.allclose(a[ok & (w == 0)], 0, atol=1e-12):
            if np.isclose(c, -1.0):
                return "every value has the expected size but the opposite sign: a sign is flipped"
            return (f"every value is {c:.6g} times the expected one: a factor is missing or extra "
                    "(a learning rate, 1/n, alpha, a 2 from the derivative of a square)")
    for name, value in (inputs or {}).items():
        try:
            z = np.atleast_1d(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            continue
        if z.shape != w.shape:
            continue
        if _only_where(b, z == 0):
            return (f"wrong only where {name} is exactly 0: check the value the function takes at 0 "
                    "(> versus >=, the boundary case)")
        if _only_where(b, np.abs(z) >= 50):
            return (f"right for moderate {name} but wrong for large |{name}|: the formula overflows or "
                    "loses precision there; use a stable form")
        break
    return None
