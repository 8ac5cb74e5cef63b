"""Constructor defaults, checked on what the constructor stores rather than through another method.

Why: a default belongs to __init__. Observed through step, a bug of step would
cost the constructor's points too, and a constructor that stores nothing would
be paid whenever step is right. The API names few attributes (an optimizer's
`lr`), so the instance's plain attributes are compared without naming them:
`X()` must store exactly what `X(<the documented defaults>)` stores, and every
argument must change what is stored (or the comparison would prove nothing).
"""
from __future__ import annotations

import numpy as np

from nncourse.grading.checks import fail, unusable
from nncourse.grading.diagnoses import Diagnosis
from nncourse.sandbox.proxy import RemoteObject

MAX_SHOWN = 4  # attributes listed in a message


def same(a, b) -> bool:
    """Equal plain data: same structure, numbers equal (NaN equal to NaN: a stored NaN is the same NaN)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, (dict, list, tuple)) or isinstance(b, (dict, list, tuple)):
        return False
    x, y = np.asarray(a), np.asarray(b)
    if x.dtype.kind in "biuf" and y.dtype.kind in "biuf":
        return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=x.dtype.kind == y.dtype.kind == "f"))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
        return False


def changed(a: dict, b: dict) -> list[str]:
    """The attribute names whose values differ between two attribute dicts (present in only one included)."""
    return [k for k in sorted(set(a) | set(b)) if k not in a or k not in b or not same(a[k], b[k])]


def _call(label: str, kwargs: dict) -> str:
    return f"{label}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "..."


def _attributes(obj, what: str) -> dict:
    if not isinstance(obj, RemoteObject):
        raise unusable(obj, f"{what} should build an object")
    attrs = obj.attributes()
    if not isinstance(attrs, dict):
        raise unusable(attrs, f"{what}: the attributes of the object")
    return attrs


def assert_defaults(cls, label: str, defaults: dict, others: dict, *, diagnoses: dict[str, str] | None = None):
    """`cls()` stores what `cls(**defaults)` stores, and each argument of `others` changes what is stored.

    `label` names the class in messages; `diagnoses` maps an argument to the diagnosis name of a wrong
    default for it (default "wrong_default").
    """
    __tracebackhide__ = True
    hint_defaults = ", ".join(f"{k}={v!r}" for k, v in defaults.items())
    explicit_call = _call(label, defaults)
    explicit = _attributes(cls(**defaults), explicit_call)
    owners: dict[str, list[str]] = {}
    for name, other in others.items():
        other_call = _call(label, {**defaults, name: other})
        keys = changed(explicit, _attributes(cls(**{**defaults, name: other}), other_call))
        if not keys:
            fail(label, f"the argument {name} is not stored", None,
                 f"{other_call} stores the same attributes as {explicit_call}, so the default of {name} cannot "
                 f"be checked", f"store every constructor argument in an attribute in __init__ "
                 f"(self.{name} = {name}) and read it from self in the other methods")
        for key in keys:
            owners.setdefault(key, []).append(name)
    got = _attributes(cls(), f"{label}()")
    keys = changed(explicit, got)
    if not keys:
        return
    rows = [f"attribute {k}: expected {_short(explicit.get(k, '(none)'))}, got {_short(got.get(k, '(none)'))}"
            for k in keys[:MAX_SHOWN]]
    wrong = sorted({n for k in keys for n in owners.get(k, [])}, key=list(others).index)
    found = [Diagnosis((diagnoses or {}).get(n, "wrong_default"),
                       f"your {label}() stores something else for {n} than {label}({n}={defaults[n]!r}) does: "
                       f"the default of {n} is {defaults[n]!r}") for n in wrong]
    fail(label, "wrong defaults", None,
         f"{label}() should store the same attributes as {explicit_call}:\n  " + "\n  ".join(rows),
         f"the defaults are {hint_defaults}", evidence=found)
