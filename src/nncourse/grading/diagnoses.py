"""Name the bug from the numbers: hypotheses tested against the expected values, on the trusted side.

Why: a failed check says what came back; a good teaching assistant also says
why. Each hypothesis is a small named function that builds the value a known
bug would give (or tests a relation such as "every entry is exactly n times
the right one") and fits only when the student's numbers agree with it and the
right value does not. Nothing here trusts student code: `got` is plain data.
When two hypotheses fit, both are named; when none does, there is no diagnosis.
"""
from __future__ import annotations

import contextvars
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

#: The API name the running test grades (set by the grading plugin around each test).
current_target: contextvars.ContextVar[str] = contextvars.ContextVar("nncourse_target", default="")

MATCH_RTOL = 1e-6  # a hypothesis must reproduce the student's numbers this closely (at least)
MATCH_ATOL = 1e-10
LARGE_INPUT = 20.0  # |input| from which exp, log and 1 - s lose their footing


@dataclass(frozen=True)
class Case:
    """What a failed value check knows: the API name, the checked thing, got, want and the inputs."""
    target: str
    what: str
    got: np.ndarray
    want: np.ndarray
    inputs: dict = field(default_factory=dict)
    rtol: float = 1e-6
    atol: float = 1e-8

    @property
    def call_args(self) -> dict[str, float]:
        """Numeric keyword arguments named in the checked expression, e.g. alpha=2.5 in 'elu(z, alpha=2.5)'."""
        return {k: float(v) for k, v in re.findall(r"\b(\w+)=(-?\d+(?:\.\d*)?(?:e-?\d+)?)", self.what)}

    @property
    def tol(self) -> tuple[float, float]:
        return max(10 * self.rtol, MATCH_RTOL), max(10 * self.atol, MATCH_ATOL)

    def fits(self, candidate) -> bool:
        """The student's numbers agree with `candidate` and the right values do not (NaN equals nothing)."""
        return agrees(self.got, candidate, *self.tol) and not agrees(self.want, candidate, *self.tol)

    def arrays(self, shape=None) -> dict[str, np.ndarray]:
        """The numeric inputs as float arrays (only those of `shape` when given)."""
        out = {}
        for name, value in (self.inputs or {}).items():
            arr = _numeric(value)
            if arr is not None and (shape is None or arr.shape == shape):
                out[name] = arr
        return out


@dataclass(frozen=True)
class Diagnosis:
    name: str
    sentence: str
    weak: bool = False  # named only when no other hypothesis fits
    exclusive: bool = False  # explains the numbers by itself (an input written in place): the others are consequences


Hypothesis = Callable[[Case], "Diagnosis | None"]
GENERIC: list[Hypothesis] = []
BY_TARGET: dict[str, list[Hypothesis]] = {}


def hypothesis(*targets: str):
    """Register a hypothesis: generic without targets, else tried only for those API names."""
    def register(fn: Hypothesis) -> Hypothesis:
        if not targets:
            GENERIC.append(fn)
        for t in targets:
            BY_TARGET.setdefault(t, []).append(fn)
        return fn
    return register


def _numeric(value) -> np.ndarray | None:
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001 - an input we cannot read is simply not used
        return None
    if arr.dtype.kind not in "biuf" or arr.dtype.kind == "b" and arr.ndim == 0:
        return None
    return arr.astype(np.float64)


def agrees(a, b, rtol: float = MATCH_RTOL, atol: float = MATCH_ATOL) -> bool:
    """Same shape, every entry finite, |a - b| <= atol + rtol * |b| everywhere."""
    a, b = _numeric(a), _numeric(b)
    if a is None or b is None or a.shape != b.shape or a.size == 0:
        return False
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def _num(x: float) -> str:
    return f"{x:.6g}"


# --- entry points ------------------------------------------------------------------------

def diagnose(got, want, *, target: str | None = None, what: str = "", inputs: dict | None = None,
             rtol: float = 1e-6, atol: float = 1e-8) -> list[Diagnosis]:
    """Every hypothesis that fits (target-specific first, then generic); [] when got equals want."""
    got_arr, want_arr = _numeric(got), _numeric(want)
    if got_arr is None or want_arr is None:
        return _missing_keys(got, want)
    if got_arr.shape == want_arr.shape:
        both_nan = np.isnan(got_arr) & np.isnan(want_arr)
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: NaN, not a match, no warning
            close = np.abs(got_arr - want_arr) <= atol + rtol * np.abs(want_arr)
        if np.all(close | both_nan | (got_arr == want_arr)):
            return []
    case = Case(target if target is not None else current_target.get(), what, got_arr, want_arr,
                dict(inputs or {}), rtol, atol)
    found: list[Diagnosis] = []
    for fn in BY_TARGET.get(case.target, []) + GENERIC:
        try:
            out = fn(case)
        except (ValueError, TypeError, ArithmeticError, IndexError, KeyError):
            out = None  # a hypothesis that cannot be built for these inputs does not fit
        for d in (out if isinstance(out, list) else [out] if out is not None else []):
            if d.name not in {f.name for f in found}:
                found.append(d)
    exclusive = [d for d in found if d.exclusive]
    strong = [d for d in found if not d.weak]
    return exclusive or strong or found[:1]


def _missing_keys(got, want) -> list[Diagnosis]:
    """Two key lists: the student's lacks some (the biases, say); or two dtype names."""
    dtypes = ("float16", "float32", "float64", "int32", "int64")
    if isinstance(got, str) and isinstance(want, str) and got in dtypes and want in dtypes:
        return [Diagnosis("wrong_dtype", f"your array is {got}, not {want}: NumPy's draws and np.zeros give float64 "
                          f"unless you ask otherwise; drop the dtype argument or .astype({got}) that changes it")]
    if not (isinstance(got, list) and isinstance(want, list) and all(isinstance(k, str) for k in got + want)):
        return []
    missing = [k for k in want if k not in got]
    if not missing or any(k not in want for k in got):
        return []
    which = "the biases" if all(k.startswith("b") for k in missing) else "some keys"
    return [Diagnosis("missing_keys", f"your result has no entry for {which} ({', '.join(missing)}): return one for "
                      "every key of params, with zeros where the gradient is 0")]


def explain(found: list[Diagnosis]) -> str | None:
    """One sentence, or the fitting causes side by side; None when nothing fits."""
    if not found:
        return None
    if len(found) == 1:
        return found[0].sentence
    return "The numbers fit more than one cause: " + " Or: ".join(d.sentence for d in found[:3])


# --- property checks (seed, copies, in-place writes) ------------------------------------

SEED_WORDS = re.compile(r"\bseeds?\b|\brng\b|generator", re.I)


def diagnose_property(message: str, *, target: str | None = None) -> list[Diagnosis]:
    """A failed free-form property (two draws compared, an input compared with its copy)."""
    target = target if target is not None else current_target.get()
    text = message.split("Hint:")[0]
    found = []
    if SEED_WORDS.search(text) and re.search(r"\b(same|equal|different|differ|reproduc)", text):
        if re.search(r"expected (equal|the same)|must have equal|same seed", text) and "different" not in text.split("expected")[-1]:
            found.append(SEED_IGNORED)
        elif re.search(r"different|differ|fresh|without a seed", text):
            found.append(SEED_FIXED)
    found += _variance_property(text) + _loss_grows(text)
    from nncourse.grading.training_hypotheses import dropout_property  # registered with the others below
    return found + dropout_property(text)


NUMBER = r"(-?\d+(?:\.\d*)?(?:e[-+]?\d+)?)"


def _variance_property(text: str) -> list[Diagnosis]:
    """An init variance check: which known formula the measured mean(W**2) matches."""
    m = re.search(r"W\d* \((\d+), (\d+)\).*expected mean\(W\*\*2\) = " + NUMBER + r".*?got " + NUMBER, text)
    if not m:
        return []
    n_in, n_out, want, got = int(m[1]), int(m[2]), float(m[3]), float(m[4])
    formulas = {"He's 2 / n_in": 2 / n_in, "LeCun's 1 / n_in": 1 / n_in, "Xavier's 2 / (n_in + n_out)": 2 / (n_in + n_out)}
    for label, var in formulas.items():
        for name, value, how in (
                ("std_is_variance", var ** 2, f"the square of {label} ({var:.4g}): you pass the variance as the std; "
                 "a normal draw takes sqrt(variance) as its std"),
                ("uniform_bound", var / 3, f"a third of {label} ({var:.4g}): a uniform draw on [-sqrt(v), sqrt(v)] "
                 "has variance v / 3; use the bound sqrt(3 * v)"),
                ("wrong_init_variance", var, f"{label}, not the formula for this activation: He's 2 / n_in for relu, "
                 "Xavier's 2 / (n_in + n_out) for sigmoid and tanh")):
            if abs(got - value) <= 0.03 * value and abs(want - value) > 0.05 * value:
                return [Diagnosis(name, f"the variance of your weights, {got:.4g}, is {how}")]
    return []


def _loss_grows(text: str) -> list[Diagnosis]:
    m = re.search(r"loss must go down.*got " + NUMBER + " -> " + NUMBER, text)
    if not m or not float(m[2]) > float(m[1]):
        return []
    return [Diagnosis("gradient_ascent", f"your loss grows ({m[1]} -> {m[2]}): the update steps along the gradient; "
                      "step against it, p -= learning_rate * g")]


SEED_IGNORED = Diagnosis("seed_ignored", "two runs with the same seed drew different numbers, so your code ignores "
                         "the seed: make one generator from it, np.random.default_rng(seed), and draw everything "
                         "from that generator (or from the rng you are given)")
SEED_FIXED = Diagnosis("seed_fixed", "two runs that should draw different numbers drew the same ones, so your code "
                       "uses a fixed seed or no randomness: draw from np.random.default_rng(seed) with the seed "
                       "(or the rng) you are given, never a constant seed of your own")


WARNING_CAUSES = (
    ("overflow encountered", "overflow", "NumPy warned: {w}; exp of a large argument overflows: rewrite the formula "
     "so that exp only sees arguments <= 0 (a branch on the sign, np.logaddexp, or subtract the max)"),
    ("divide by zero encountered in log", "log_of_zero", "NumPy warned: {w}; log(0) is -inf: clip the "
     "probabilities away from 0 and 1 (np.clip(p, eps, 1 - eps)) or work with logits"),
    ("divide by zero encountered", "zero_division", "NumPy warned: {w}; a division by 0: "
     "handle the zero denominator on purpose (np.divide(..., where=den > 0) or a branch)"),
    ("invalid value encountered in divide", "zero_division", "NumPy warned: {w}; a division 0/0 or inf/inf: "
     "handle a zero denominator on purpose (np.divide(..., where=den > 0)), and keep every exp argument <= 0"),
)


def warning_evidence(warnings: list[str]) -> list[Diagnosis]:
    """The diagnosis a NumPy warning points at (overflow in exp, log of 0, division by 0)."""
    for needle, name, text in WARNING_CAUSES:  # the first cause in this order wins: overflow explains the rest
        for w in sorted(set(warnings)):
            if needle in w:
                return [Diagnosis(name, text.format(w=w.strip()))]
    return []


def shape_evidence(got, shape) -> list[Diagnosis]:
    """A shape that differs from the wanted one only by an axis of length 1."""
    try:
        have, want = tuple(np.shape(got)), tuple(shape)
    except Exception:  # noqa: BLE001
        return []
    if have != want and [s for s in have if s != 1] == [s for s in want if s != 1]:
        return [Diagnosis("extra_axis", f"your result has shape {have} where {want} is expected: the same numbers "
                          "with an axis of length 1 added or missing; return "
                          + ("a scalar (no np.atleast_1d, ndmin=1 or [..])" if not want else
                             "that shape (ravel or reshape, keepdims=False)"))]
    return []


def missing_check(exc_name: str) -> list[Diagnosis]:
    """An invalid input went through (or failed later, elsewhere): the check is missing."""
    return [Diagnosis("missing_check", f"your function does not check this input: test it first and raise {exc_name} "
                      "with a sentence saying what is wrong, before using it (NumPy indexing accepts -1 silently)")]


def dtype_evidence(got, kinds: str) -> list[Diagnosis]:
    """The diagnosis of a wrong dtype kind (bool, float or int where another kind is wanted)."""
    try:
        kind = np.asarray(got).dtype.kind
    except Exception:  # noqa: BLE001
        return []
    if kind == "b" and set(kinds) & set("iu"):
        return [Diagnosis("dtype_bool", "you return booleans, the result of a comparison: convert them to whole "
                          "numbers with .astype(int)")]
    if kind == "f" and set(kinds) & set("iu") and "f" not in kinds:
        return [Diagnosis("dtype_float", "you return floats (1.0, 0.0) where whole-number labels are wanted: "
                          "np.where(cond, 1.0, 0.0) and float arithmetic make floats; convert with .astype(int)")]
    if kind in "iu" and kinds == "f":
        return [Diagnosis("dtype_int", "you return integers where floats are wanted: build the array as floats "
                          "(np.zeros(..., dtype=float), or .astype(float))")]
    return []


def attach(exc: BaseException, found: list[Diagnosis]) -> BaseException:
    """Put the diagnosis on a failed check: `exc.diagnosis` (sentence), `exc.diagnosis_names`, and first in its text."""
    sentence = explain(found)
    exc.diagnosis = sentence
    exc.diagnosis_names = [d.name for d in found]
    if sentence and exc.args:
        exc.args = (f"Likely cause: {sentence}.\n{exc.args[0]}",) + tuple(exc.args[1:])
    return exc


def attach_values(exc: BaseException, evidence, *, what: str, inputs: dict | None) -> BaseException:
    """`attach` for a value check: evidence is (got, want, rtol, atol), or the diagnoses already found."""
    if isinstance(evidence, list):
        return attach(exc, evidence)
    got, want, rtol, atol = evidence
    try:
        found = diagnose(got, want, what=what, inputs=inputs, rtol=rtol, atol=atol)
    except Exception:  # noqa: BLE001 - a diagnosis is a bonus; it must never hide the failure itself
        found = []
    return attach(exc, found)


def attach_property(exc: BaseException) -> BaseException:
    """`attach` for a free-form property check (its message is all it knows)."""
    return attach(exc, diagnose_property(str(exc.args[0]) if exc.args else ""))


# The hypotheses register themselves on import (kept in their own modules, one job each).
from nncourse.grading import (  # noqa: E402,F401
    hypotheses, optimizer_hypotheses, target_hypotheses, training_hypotheses)
