"""No-math submissions: the right API with wrong values, to prove no test hands out free points.

Why: a test that checks only a property (shape, dtype, "input unchanged", "no
warning", "same seed, same result") pays a module that computes nothing. Each
flavor below keeps everything a property test could look at (names,
signatures, the output's structure, shapes and dtypes, the attributes of every
object, which arguments are updated in place) and gets every value wrong in
one trivial way; such a module must score exactly 0.

The generated module is the stub rewritten with `ast`: every API body becomes
one call into a small runtime that runs the reference on copies of the
arguments only to learn the shape of the answer, then answers with zeros,
ones, the first argument, random draws or NaN of that shape.
"""
from __future__ import annotations

import ast
from pathlib import Path

FLAVORS = ("zeros", "ones", "identity", "random", "nan")

# Runs inside the worker, in the generated module; its names start with _nm_ so
# they never clash with the API.
_RUNTIME = r'''
import copy as _nm_copy
import numpy as _nm_np
import warnings as _nm_warnings

_NM_REF = {"__name__": "_nomath_reference"}
exec(compile(_NM_REFERENCE_SOURCE, "reference", "exec"), _NM_REF)
_NM_RNG = _nm_np.random.default_rng(20261125)


def _nm_arrays_in(kwargs):
    """The array-like arguments, in order (self excluded): candidates for 'identity'."""
    found = []
    for key, value in kwargs.items():
        if key == "self":
            continue
        try:
            arr = _nm_np.asarray(value)
        except Exception:
            continue
        if arr.dtype.kind in "biuf":
            found.append(arr)
    return found


def _nm_leaf(value, candidates):
    """One number or array of the reference's answer, with its value replaced by the flavor."""
    arr = _nm_np.asarray(value)
    if arr.dtype.kind not in "biuf":
        return value
    flavor = _NM_FLAVOR
    if flavor == "zeros":
        new = _nm_np.zeros_like(arr)
    elif flavor == "ones":
        new = _nm_np.ones_like(arr)
    elif flavor == "nan":
        new = _nm_np.full(arr.shape, _nm_np.nan) if arr.dtype.kind != "b" else _nm_np.zeros_like(arr)
    elif flavor == "random":
        if arr.dtype.kind == "b":
            new = _NM_RNG.random(arr.shape) < 0.5
        elif arr.dtype.kind in "iu":
            lo, hi = (int(arr.min()), int(arr.max())) if arr.size else (0, 1)
            new = _NM_RNG.integers(lo, hi + 2, size=arr.shape).astype(arr.dtype)
        else:
            finite = arr[_nm_np.isfinite(arr)] if arr.size else arr
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            new = _NM_RNG.uniform(lo - 1.0, hi + 1.0, size=arr.shape).astype(arr.dtype)
    else:  # identity: the first argument of the same shape, else zeros
        same = [c for c in candidates if c.shape == arr.shape]
        new = same[0].astype(arr.dtype, copy=True) if same else _nm_np.zeros_like(arr)
    if isinstance(value, _nm_np.ndarray):
        return new
    if isinstance(value, bool):
        return bool(new)
    if isinstance(value, int):
        return float(new) if flavor == "nan" else int(new)
    if isinstance(value, float):
        return float(new)
    return new[()] if isinstance(value, _nm_np.generic) else new


def _nm_fake(value, candidates):
    """The reference's answer with every number replaced by the flavor's (structure kept)."""
    if isinstance(value, dict):
        return {k: _nm_fake(v, candidates) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[_nm_fake(v, candidates) for v in value])
    if isinstance(value, (list, tuple)):
        return type(value)(_nm_fake(v, candidates) for v in value)
    if isinstance(value, (bool, int, float, _nm_np.ndarray, _nm_np.generic)):
        return _nm_leaf(value, candidates)
    if hasattr(value, "__dict__") and not isinstance(value, type) and type(value).__module__ == "_nomath_reference":
        clone = object.__new__(type(value))
        clone.__dict__.update(_nm_fake(vars(value), candidates))
        return clone
    return value


def _nm_fill(target, fake):
    """Write `fake` into the live container/array `target` in place (what an in-place update touches)."""
    if isinstance(target, _nm_np.ndarray) and target.flags.writeable:
        try:
            target[...] = fake
        except (TypeError, ValueError):
            pass
    elif isinstance(target, dict):
        for key in list(target):
            if key in fake:
                if isinstance(target[key], (_nm_np.ndarray, dict, list)):
                    _nm_fill(target[key], fake[key])
                else:
                    target[key] = fake[key]
    elif isinstance(target, list):
        for i, item in enumerate(target):
            if isinstance(item, (_nm_np.ndarray, dict, list)):
                _nm_fill(item, fake[i])
            else:
                target[i] = fake[i]


def _nm_changed(before, after):
    try:
        if isinstance(before, dict) and isinstance(after, dict):
            return before.keys() != after.keys() or any(_nm_changed(before[k], after[k]) for k in before)
        if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
            return len(before) != len(after) or any(_nm_changed(b, a) for b, a in zip(before, after))
        b, a = _nm_np.asarray(before), _nm_np.asarray(after)
        if b.dtype.kind in "biuf" and a.dtype.kind in "biuf":
            return b.shape != a.shape or not _nm_np.array_equal(b, a, equal_nan=True)
        return False
    except Exception:
        return False


def _nm_run(fn, kwargs):
    """The reference's answer on copies (None when it fails on the no-math state), and the copies after."""
    copies = {k: _nm_copy.deepcopy(v) for k, v in kwargs.items()}
    try:
        with _nm_np.errstate(all="ignore"), _nm_warnings.catch_warnings():
            _nm_warnings.simplefilter("ignore")
            out = fn(**copies)
    except Exception:
        out = None
    return out, copies


def _nm_function(name, kwargs):
    out, copies = _nm_run(_NM_REF[name], kwargs)
    candidates = _nm_arrays_in(kwargs)
    _nm_update_args(kwargs, copies, candidates)
    if out is None:
        return None
    return _nm_fake(out, candidates)


def _nm_update_args(kwargs, copies, candidates):
    if _NM_FLAVOR == "identity":
        return
    for key, value in kwargs.items():
        if key != "self" and _nm_changed(value, copies[key]):
            _nm_fill(value, _nm_fake(copies[key], candidates))


def _nm_init(self, cls, kwargs):
    """The reference's attributes, every number replaced by the flavor's (zeros for identity)."""
    kwargs = {k: v for k, v in kwargs.items() if k != "self"}
    with _nm_np.errstate(all="ignore"):
        ref = _NM_REF[cls](**kwargs)
    global _NM_FLAVOR
    flavor = _NM_FLAVOR
    if flavor == "identity":
        _NM_FLAVOR = "zeros"
    try:
        self.__dict__.update(_nm_fake(vars(ref), []))
    finally:
        _NM_FLAVOR = flavor


def _nm_method(self, cls, name, kwargs):
    """The reference method run on a copy of self only for the answer's shape and which attributes change."""
    ref = object.__new__(_NM_REF[cls])
    ref.__dict__.update(_nm_copy.deepcopy(vars(self)))
    rest = {k: v for k, v in kwargs.items() if k != "self"}
    before = _nm_copy.deepcopy(vars(ref))
    out, copies = _nm_run(getattr(ref, name), rest)
    candidates = _nm_arrays_in(rest)
    _nm_update_args(rest, copies, candidates)
    if _NM_FLAVOR != "identity":
        for key, value in vars(ref).items():
            if key not in before or _nm_changed(before[key], value):
                fake = _nm_fake(value, candidates)
                if key in vars(self) and isinstance(vars(self)[key], (_nm_np.ndarray, dict, list)):
                    _nm_fill(vars(self)[key], fake)
                else:
                    setattr(self, key, fake)
    if out is None:
        return None
    if out is ref:
        return self
    return _nm_fake(out, candidates)
'''


def _call_body(call: str) -> list[ast.stmt]:
    return ast.parse(call).body


def _rewrite_function(node: ast.FunctionDef, call: str) -> None:
    doc = ast.get_docstring(node, clean=False)
    node.body = ([ast.Expr(ast.Constant(doc))] if doc is not None else []) + _call_body(call)


def no_math_source(stub: Path, reference: Path, flavor: str, keep: frozenset[str] = frozenset()) -> str:
    """The stub with every API body answering `flavor` values; API names in `keep` are the reference's.

    With `keep` (API names as targets spell them: "step", "Perceptron" for the
    constructor, "Perceptron.fit"), the module is the reference with every other
    API name replaced: a control that is right on exactly that part of the API.
    """
    if flavor not in FLAVORS:
        raise ValueError(f"unknown flavor {flavor!r}; one of {', '.join(FLAVORS)}")
    ref_source = reference.read_text(encoding="utf-8")
    stub_tree = ast.parse(stub.read_text(encoding="utf-8"))
    base = ast.parse(ref_source) if keep else stub_tree
    body = []
    for node in base.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.name not in keep:
            _rewrite_function(node, f"return _nm_function({node.name!r}, dict(locals()))")
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if not isinstance(item, ast.FunctionDef):
                    continue
                if item.name == "__init__" and node.name not in keep:
                    _rewrite_function(item, f"_nm_init(self, {node.name!r}, dict(locals()))")
                elif not item.name.startswith("_") and f"{node.name}.{item.name}" not in keep:
                    _rewrite_function(item, f"return _nm_method(self, {node.name!r}, {item.name!r}, "
                                            "dict(locals()))")
        body.append(node)
    header = (f"# No-math module ({flavor}) generated by nncourse validate"
              + (f"; the reference kept for: {', '.join(sorted(keep))}" if keep else "") + "\n")
    runtime = (f"_NM_FLAVOR = {flavor!r}\n_NM_REFERENCE_SOURCE = {ref_source!r}\n" + _RUNTIME)
    module = ast.Module(body=body, type_ignores=[])
    return header + runtime + "\n\n" + ast.unparse(module) + "\n"


def api_targets(stub: Path) -> list[str]:
    """The stub's API names as grader targets spell them, in file order: functions, classes, Class.method."""
    names = []
    for node in ast.parse(stub.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            names.append(node.name)
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            names += [f"{node.name}.{m.name}" for m in node.body
                      if isinstance(m, ast.FunctionDef) and not m.name.startswith("_")]
    return names


def half_kept(stub: Path) -> frozenset[str]:
    """Every other API name (the 1st, 3rd, ...): the half of the API the control keeps right."""
    return frozenset(api_targets(stub)[::2])


def same_target(a: str, b: str) -> bool:
    """'Perceptron' and 'Perceptron.__init__' name the same target."""
    return a.removesuffix(".__init__") == b.removesuffix(".__init__")
