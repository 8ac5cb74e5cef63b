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


class ResultTooLarge(Exception):
    """A result array larger than a reply may carry: refused before it is copied."""


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
        if obj.nbytes > protocol.MAX_REPLY_ARRAY_BYTES:  # refused before a copy: 320 MB would take seconds
            raise ResultTooLarge(f"an array of {obj.nbytes} bytes is more than a reply may carry "
                                 f"({protocol.MAX_REPLY_ARRAY_BYTES} bytes)")
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

# -- stand-ins: the trusted reference answers for some names of the student's module ----------
# (the trusted side is sandbox/callbacks.py; a shim's callback travels on the reply channel and
# its answer on the request channel, while the request that runs the student's code is pending)
_SHIM_FILE = "<reference stand-in>"
_SHIM_GLOBAL = "__nncourse_stand_in__"
_MISSING = object()
_FunctionType = type(lambda: None)  # types.FunctionType, without one more import in the worker


class StandInFailed(Exception):
    """The reference, standing in for one of the student's functions, could not answer."""


def _shim_code(attr: str, name: str):
    namespace: dict = {}
    source = f"def {attr}(*args, **kwargs):\n    return {_SHIM_GLOBAL}({name!r}, args, kwargs)\n"
    exec(compile(source, _SHIM_FILE, "exec"), namespace)  # noqa: S102 - fixed template, checked names
    return namespace[attr].__code__


class Shims:
    """Swaps named functions (or methods) of the student's module for callbacks, and back.

    A plain function gets the shim's code object, so every alias of it (a dict of
    layers, `act = relu_forward`) calls back too; anything else is rebound by name.
    """

    def __init__(self, req_fd: int, rep_fd: int):
        self.req_fd, self.rep_fd = req_fd, rep_fd
        self.saved: list[tuple] = []
        self.state: dict[str, list | None] = {}

    def install(self, module, specs) -> None:
        self.restore()
        for spec in specs:
            name, state = str(spec["name"]), spec.get("state")
            owner_name, _, attr = name.rpartition(".")
            owner = getattr(module, owner_name, None) if owner_name else module
            if owner is None or not attr.isidentifier() or (owner_name and not isinstance(owner, type)):
                continue
            homes = owner.__mro__ if isinstance(owner, type) else (owner,)
            current = next((vars(h)[attr] for h in homes if attr in vars(h)), None)
            self.state[name] = list(state) if state is not None else None
            if isinstance(current, _FunctionType) and not current.__code__.co_freevars:
                if current.__code__.co_filename != _SHIM_FILE:  # an alias of a name already swapped
                    self.saved.append(("code", current, current.__code__))
                    current.__globals__[_SHIM_GLOBAL] = self.call
                    current.__code__ = _shim_code(attr, name)
            elif isinstance(current, _FunctionType) or (owner is module and callable(current)):
                self.saved.append(("attr", owner, attr, vars(owner).get(attr, _MISSING)))
                setattr(owner, attr, _FunctionType(_shim_code(attr, name), {_SHIM_GLOBAL: self.call}, attr))

    def restore(self) -> None:
        while self.saved:
            entry = self.saved.pop()
            if entry[0] == "code":
                entry[1].__code__ = entry[2]
                entry[1].__globals__.pop(_SHIM_GLOBAL, None)
            elif entry[3] is _MISSING:
                delattr(entry[1], entry[2])
            else:
                setattr(entry[1], entry[2], entry[3])
        self.state = {}

    def call(self, name: str, args: tuple, kwargs: dict):
        """What a shim does: send (name, plain args, instance state), wait, return the answer."""
        state_names, obj = self.state.get(name), None
        if state_names is not None:
            if not args:
                raise TypeError(f"{name}() was called without its instance")
            obj, args = args[0], args[1:]
        try:
            message = {"callback": name, "args": to_plain(list(args)), "kwargs": to_plain(dict(kwargs))}
            if obj is not None:
                message["state"] = {k: to_plain(getattr(obj, k)) for k in state_names if hasattr(obj, k)}
        except _Opaque:
            raise StandInFailed(f"{name}: an argument is not plain data (arrays, numbers, lists, tuples, "
                                "dicts), so the reference cannot stand in for it") from None
        try:
            protocol.write_frame(self.rep_fd, message)
        except protocol.ProtocolError as exc:
            raise StandInFailed(f"{name}: its arguments could not be sent: {exc}") from None
        reply = protocol.read_frame(self.req_fd)
        if type(reply) is not dict or "callback_error" in reply:
            raise StandInFailed(str(reply.get("callback_error") if type(reply) is dict else f"{name}: no answer"))
        if obj is not None:
            for key, value in (reply.get("state") or {}).items():
                setattr(obj, key, value)
        return reply.get("callback_value")



class Worker:
    """Holds the student's module and the objects handed out as Refs."""

    def __init__(self, req_fd: int = -1, rep_fd: int = -1):
        self.objects: dict[int, object] = {}
        self.next_id = 1
        self.shims = Shims(req_fd, rep_fd)

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

    def op_attributes(self, req):
        """The object's own attributes that are plain data (the others left out): what __init__ stored."""
        out = {}
        for key, value in vars(self.resolve(protocol.Ref(req["target"]))).items():
            try:
                if type(key) is str:
                    out[key] = to_plain(value)
            except _Opaque:
                pass
        return {"value": out}

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

    def op_substitute(self, req):
        """Install the stand-ins of req["specs"] (none: restore the student's own functions)."""
        self.shims.install(self.objects[0], list(req.get("specs") or []))
        return {"value": None}

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
            except ResultTooLarge as exc:  # as when the encoded reply is too large (serve): same words
                reply = {"error": too_large(exc)}
            except BaseException as exc:  # noqa: BLE001 - everything is reported, even SystemExit
                reply = {"error": describe(exc)}
        reply["warnings"] = [f"{w.category.__name__}: {w.message}"[:500] for w in caught[:20]]
        flush_printed()
        return reply


def too_large(exc: Exception) -> dict:
    return {"type": "ResultTooLarge", "mro": ["ResultTooLarge"],
            "message": f"the result could not be sent back: {exc}", "traceback": ""}


def flush_printed() -> None:
    """What the student printed reaches the trusted side before the reply does (print debugging, per check)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - student code may have replaced or closed the stream
            pass


def describe(exc: BaseException) -> dict:
    """An exception as plain text: its type, base classes, message and a short traceback."""
    if isinstance(exc, SyntaxError):
        if isinstance(exc.filename, str):  # the student's own file name, not the sandbox's path
            exc.filename = os.path.basename(exc.filename)
        tb = "".join(traceback.format_exception_only(type(exc), exc))
    else:  # the student's own frames only, by file name: the worker's are noise to them
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if os.path.basename(f.filename) not in ("worker.py", "protocol.py", _SHIM_FILE)
                  and not f.filename.startswith("<frozen ")]
        for frame in frames:
            frame.filename = os.path.basename(frame.filename)
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
    """Answer requests until the channel closes; every reply echoes its request's id.

    The seccomp filter is already in force: the launcher installs it before this
    interpreter starts (sandbox/seccomp.py), so it covers every process of the sandbox.
    """
    worker = Worker(req_fd, rep_fd)
    while True:
        try:
            req = protocol.read_frame(req_fd)
        except EOFError:
            return
        request_id = req.get("id") if isinstance(req, dict) else None
        reply = worker.handle(req)
        reply["id"] = request_id
        try:
            protocol.write_frame(rep_fd, reply, protocol.MAX_REPLY_ARRAY_BYTES, protocol.MAX_HEADER_BYTES)
        except protocol.ProtocolError as exc:
            protocol.write_frame(rep_fd, {"error": too_large(exc), "warnings": [], "id": request_id})


if __name__ == "__main__":
    serve(int(sys.argv[1]), int(sys.argv[2]))
