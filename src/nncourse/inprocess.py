"""The `student` fixture for plain `python -m pytest`: the student's module, imported in this process.

Why: on their own machine students also run the public checks with pytest
itself (their IDE's test button, a debugger, breakpoints). The public checks
are written against the sandbox's proxy API (sandbox/proxy.py: `student.put`,
`fn.keep`, `obj.value()`...); this module gives the same API on the module
imported directly, with the same semantics: plain data is passed and returned
by copy (so a function that modifies its input is still caught), other
objects by reference, the student's exceptions arrive as StudentError and
warnings are recorded per call. Nothing here is a sandbox; `nncourse check`
is the one that isolates.
"""
from __future__ import annotations

import copy
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np

from nncourse.errors import StudentError
from nncourse.sandbox.proxy import RemoteCallable, RemoteObject
from nncourse.sandbox.worker import _Opaque, describe, to_plain


class _Calls:
    """Stands in for a proxy Session: the warnings of the last call."""

    def __init__(self):
        self.last_warnings: list[str] = []

    def run(self, fn, *args, **kwargs):
        """fn(*args, **kwargs) with its warnings recorded; the student's exception becomes a StudentError."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                    return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the student's exception, as the sandbox reports it
                err = describe(exc)
                raise StudentError(err["type"], err["mro"], err["message"], err["traceback"]) from exc
            finally:
                self.last_warnings = [f"{w.category.__name__}: {w.message}" for w in caught][:20]


def _inward(value):
    """An argument: LocalObjects by reference, everything else as a copy (as across the process boundary)."""
    if isinstance(value, LocalObject):
        return object.__getattribute__(value, "_obj")
    if isinstance(value, list):
        return [_inward(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_inward(v) for v in value)
    if isinstance(value, dict):
        return {k: _inward(v) for k, v in value.items()}
    return copy.deepcopy(value)


def _outward(calls: _Calls, value, want_ref: bool = False):
    """A result: a plain-data copy when possible, else a LocalObject."""
    if not want_ref:
        try:
            return to_plain(value)
        except _Opaque:
            pass
    return LocalObject(calls, value)


class LocalCallable(RemoteCallable):
    """A function or method of the student's module, called directly."""

    def __init__(self, calls: _Calls, fn, label: str):
        self._session, self._fn, self.label = calls, fn, label

    def _call(self, args, kwargs):
        return self._session.run(self._fn, *_inward(list(args)), **_inward(dict(kwargs)))

    def __call__(self, *args, **kwargs):
        return _outward(self._session, self._call(args, kwargs))

    def keep(self, *args, **kwargs):
        return _outward(self._session, self._call(args, kwargs), want_ref=True)

    def with_inputs(self, *args, **kwargs):
        inside_args, inside_kwargs = _inward(list(args)), _inward(dict(kwargs))
        out = self._session.run(self._fn, *inside_args, **inside_kwargs)
        plain = [to_plain_or_none(a) for a in inside_args]
        return _outward(self._session, out), plain, {k: to_plain_or_none(v) for k, v in inside_kwargs.items()}

    def __repr__(self) -> str:
        return f"<student callable {self.label}>"


def to_plain_or_none(value):
    try:
        return to_plain(value)
    except _Opaque:
        return None


class LocalObject(RemoteObject):
    """An object of the student's, used by reference (a RemoteObject to every check)."""

    def __init__(self, calls: _Calls, obj):
        object.__setattr__(self, "_calls", calls)
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_type", type(obj).__name__)

    def _c(self) -> _Calls:
        return object.__getattribute__(self, "_calls")

    def _o(self):
        return object.__getattribute__(self, "_obj")

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = self._c().run(getattr, self._o(), name)
        if callable(value) and not isinstance(value, (np.ndarray, np.generic)):
            return LocalCallable(self._c(), value, f"{object.__getattribute__(self, '_type')}.{name}")
        return _outward(self._c(), value)

    def __setattr__(self, name: str, value) -> None:
        self._c().run(setattr, self._o(), name, _inward(value))

    def __getitem__(self, key):
        return _outward(self._c(), self._c().run(lambda: self._o()[_inward(key)]))

    def __setitem__(self, key, value) -> None:
        self._c().run(self._o().__setitem__, _inward(key), _inward(value))

    def __call__(self, *args, **kwargs):
        return LocalCallable(self._c(), self._o(), object.__getattribute__(self, "_type"))(*args, **kwargs)

    def ref_item(self, key):
        return LocalObject(self._c(), self._c().run(lambda: self._o()[_inward(key)]))

    def assign(self, value) -> None:
        self._o()[...] = _inward(value)

    def value(self):
        return _outward(self._c(), self._o())

    def __repr__(self) -> str:
        return f"<student object of type {object.__getattribute__(self, '_type')}>"


class LocalModule:
    """`student.name(...)` on the module imported in this process (the API of proxy.StudentModule)."""

    def __init__(self, module):
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_calls", _Calls())

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        calls = object.__getattribute__(self, "_calls")
        module = object.__getattribute__(self, "_module")

        def call(*args, **kwargs):  # looked up at call time, as the sandbox does
            return getattr(module, name)(*args, **kwargs)
        return LocalCallable(calls, call, name)

    @property
    def last_warnings(self) -> list[str]:
        return list(object.__getattribute__(self, "_calls").last_warnings)

    def put(self, value):
        return LocalObject(object.__getattribute__(self, "_calls"), copy.deepcopy(value))

    def make_rng(self, seed=None):
        return LocalObject(object.__getattribute__(self, "_calls"), np.random.default_rng(seed))

    def module_attribute(self, name: str):
        calls = object.__getattribute__(self, "_calls")
        value = calls.run(getattr, object.__getattribute__(self, "_module"), name)
        return LocalCallable(calls, value, name) if callable(value) else _outward(calls, value)


def load_student(path: str | Path) -> LocalModule:
    """Import the student's module from its file (its own folder first on sys.path)."""
    path = Path(path).resolve()
    name = path.stem
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return LocalModule(module)


CONFTEST = '''"""Lets `python -m pytest` in this folder run the public checks on your {module} (in this process).

Written by `nncourse fetch`; `nncourse check {exercise}` does not need it (it runs your code in a
separate process with a time limit and explains each failure). Safe to keep or delete.
"""
from pathlib import Path

import pytest

from nncourse.inprocess import load_student


def pytest_configure(config):
    for line in ("points(n): points of a hidden test", "target(name): the function a check is about",
                 "timeout(seconds): time budget under nncourse"):
        config.addinivalue_line("markers", line)


@pytest.fixture(scope="session")
def student():
    return load_student(Path(__file__).with_name("{module}"))
'''


def conftest_text(exercise: str, module: str) -> str:
    return CONFTEST.format(exercise=exercise, module=module)
