"""The untrusted side: loads the student's module and answers calls.

Why: student code must never run in the process that decides the score. This
process is started as `python -I worker.py REQ_FD REP_FD` by sandbox/proxy.py; it
reads requests and writes replies as protocol frames on two dedicated pipes,
never on stdout. It imports nothing of nncourse but protocol.py. It is confined from outside
before it starts (sandbox/confine.py: cgroup, rlimits, namespaces or Landlock,
seccomp), so nothing here depends on its own cooperation.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import traceback
import warnings

import numpy as np

try:  # run as a file (the normal case) or imported as part of the package (tests)
    from . import protocol
except ImportError:  # pragma: no cover - exercised in the subprocess
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import protocol  # type: ignore[no-redef]
    del sys.path[0]

_TB_LIMIT = 4000


class _Opaque(Exception):
    """A result that is not plain data: it is kept in the worker behind a Ref."""


def to_plain(obj, depth=0):
    """A plain-data copy of obj (base types, base ndarrays), or raise _Opaque."""
    if depth > protocol.MAX_DEPTH:
        raise _Opaque
    if obj is None or isinstance(obj, (bool, np.bool_)):
        return None if obj is None else bool(obj)
    if isinstance(obj, np.generic):
        if obj.dtype.kind not in protocol.ALLOWED_KINDS:
            raise _Opaque
        return obj.copy()
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, np.ndarray):
        arr = np.array(obj, subok=False, copy=True)
        if arr.dtype.kind == "O":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise _Opaque from None
        if arr.dtype.kind not in protocol.ALLOWED_KINDS:
            raise _Opaque
        return arr
    if isinstance(obj, (list, tuple)):
        items = [to_plain(x, depth + 1) for x in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {to_plain(k, depth + 1): to_plain(v, depth + 1) for k, v in obj.items()}
    raise _Opaque


class Worker:
    """Holds the student's module and the objects handed out as Refs."""

    def __init__(self):
        self.objects: dict[int, object] = {}
        self.next_id = 1

    # -- references ---------------------------------------------------------
    def keep(self, obj) -> protocol.Ref:
        ref = protocol.Ref(self.next_id)
        self.objects[ref.id] = obj
        self.next_id += 1
        return ref

    def resolve(self, value):
        """Turn Refs inside request arguments back into the live objects."""
        if isinstance(value, protocol.Ref):
            if value.id not in self.objects:
                raise LookupError(f"unknown object reference {value.id}")
            return self.objects[value.id]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def reply_value(self, obj, want_ref=False):
        """Plain data if possible, else a Ref with the object's type and callability."""
        if not want_ref:
            try:
                return {"value": to_plain(obj)}
            except _Opaque:
                pass
        return {"value": self.keep(obj), "ref_type": type(obj).__name__,
                "ref_callable": callable(obj)}

    # -- operations ---------------------------------------------------------
    def op_load(self, req):
        path, name = req["path"], req["name"]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        self.objects[0] = module
        return {"value": None}

    def op_call(self, req):
        target = self.resolve(protocol.Ref(req["target"]))
        fn = getattr(target, req["name"]) if req.get("name") else target
        args = self.resolve(list(req.get("args", [])))
        kwargs = self.resolve(dict(req.get("kwargs", {})))
        out = self.reply_value(fn(*args, **kwargs), req.get("want_ref", False))
        if req.get("return_args"):
            out["args_after"] = self._plain_or_none(args)
            out["kwargs_after"] = self._plain_or_none(kwargs)
        return out

    @staticmethod
    def _plain_or_none(obj):
        try:
            return to_plain(obj)
        except _Opaque:
            return None

    def op_getattr(self, req):
        value = getattr(self.resolve(protocol.Ref(req["target"])), req["name"])
        if callable(value) and not isinstance(value, (np.ndarray, np.generic)):
            return {"value": None, "callable": True}
        return self.reply_value(value)

    def op_setattr(self, req):
        setattr(self.resolve(protocol.Ref(req["target"])), req["name"], self.resolve(req["value"]))
        return {"value": None}

    def op_getitem(self, req):
        obj = self.resolve(protocol.Ref(req["target"]))
        return self.reply_value(obj[self.resolve(req["key"])], req.get("want_ref", False))

    def op_setitem(self, req):
        obj = self.resolve(protocol.Ref(req["target"]))
        obj[self.resolve(req["key"])] = self.resolve(req["value"])
        return {"value": None}

    def op_assign(self, req):
        obj = self.resolve(protocol.Ref(req["target"]))
        obj[...] = self.resolve(req["value"])
        return {"value": None}

    def op_put(self, req):
        return {"value": self.keep(self.resolve(req["value"])), "ref_type": "value",
                "ref_callable": False}

    def op_get(self, req):
        return self.reply_value(self.resolve(protocol.Ref(req["target"])))

    def op_rng(self, req):
        rng = np.random.default_rng(req.get("seed"))
        return {"value": self.keep(rng), "ref_type": "Generator", "ref_callable": False}

    def op_release(self, req):
        for ref_id in req.get("targets", []):
            if ref_id:
                self.objects.pop(ref_id, None)
        return {"value": None}

    # -- dispatch -------------------------------------------------------------
    def handle(self, req) -> dict:
        handler = getattr(self, "op_" + str(req.get("op")), None)
        if handler is None:
            return {"error": {"type": "ProtocolError", "mro": ["ProtocolError"],
                              "message": f"unknown op {req.get('op')!r}", "traceback": ""}}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                    reply = handler(req)
            except BaseException as exc:  # noqa: BLE001 - everything is reported, even SystemExit
                reply = {"error": describe(exc)}
        reply["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught][:20]
        return reply


def describe(exc: BaseException) -> dict:
    """An exception as plain text: its type, base classes, message and a short traceback."""
    if isinstance(exc, SyntaxError):
        tb = "".join(traceback.format_exception_only(type(exc), exc))
    else:  # the student's own frames only: the worker's are noise to them
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if os.path.basename(f.filename) not in ("worker.py", "protocol.py")]
        tb = "".join(["Traceback (most recent call last):\n", *traceback.format_list(frames),
                      *traceback.format_exception_only(type(exc), exc)])
    if isinstance(exc, SystemExit):
        message = f"called sys.exit({exc.code!r})"
    else:
        try:
            message = str(exc)
        except Exception:  # noqa: BLE001 - hostile __str__
            message = "<unprintable message>"
    return {"type": type(exc).__name__, "mro": [c.__name__ for c in type(exc).__mro__],
            "message": message[:2000], "traceback": tb[-_TB_LIMIT:]}


def serve(req_fd: int, rep_fd: int) -> None:
    worker = Worker()
    while True:
        try:
            req = protocol.read_frame(req_fd)
        except EOFError:
            return
        reply = worker.handle(req)
        try:
            protocol.write_frame(rep_fd, reply)
        except protocol.ProtocolError as exc:
            protocol.write_frame(rep_fd, {"error": {
                "type": "ResultTooLarge", "mro": ["ResultTooLarge"],
                "message": f"the result could not be sent back: {exc}", "traceback": ""},
                "warnings": []})


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
