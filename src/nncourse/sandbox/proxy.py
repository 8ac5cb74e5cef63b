"""The trusted side of the process boundary: call student code as if it were local.

Why: tests write `student.sigmoid(z)`; this module turns that into a request to
a worker process (sandbox/process.py), restarts a dead worker, remembers a
module that cannot be imported, and turns every way a call can fail into a
trusted exception. Nothing from the worker is unpickled: replies are protocol
frames of plain data.
"""
from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from nncourse.errors import ModuleLoadError, StudentError, UnusableObject, WorkerDied, WorkerTimeout
from nncourse.reports.sanitize import clean, one_line, student_text
from nncourse.sandbox import callbacks, protocol
from nncourse.sandbox.limits import Limits
from nncourse.sandbox.process import WorkerProcess

PROTOCOL_FAULT = ("your code's result could not be read (something wrote to the grader's channel; "
                  "this test fails and the next one gets a fresh process)")


class Session:
    """The student's module across a whole test session: restarts a dead worker.

    A load failure (syntax error, exception, hang or exit at import) is
    remembered, so every later test fails at once with the same message.
    worker_factory makes each worker (engine.new_session may choose the warmed template's).
    """

    worker_factory = staticmethod(lambda *args: default_worker(*args))

    def __init__(self, module_path: str, module_name: str, limits: Limits | None = None):
        self.module_path, self.module_name = str(module_path), module_name
        self.limits = limits or Limits()
        self.worker: WorkerProcess | None = None
        self.generation = 0
        self.load_error: Exception | None = None
        self.deadline: float | None = None
        self.last_warnings: list[str] = []
        self.stand_ins: callbacks.StandIns | None = None  # the reference answers for these names now
        self.hung: dict[str, str] = {}  # API name -> why it is not called again (it timed out before)
        self._shimmed = False
        self.request_id = 0

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> None:
        """Start a worker (cheap to call early: importing numpy overlaps other work)."""
        if self.worker is None or not self.worker.alive():
            if self.worker is not None:
                self.worker.kill()
            self.worker = self.worker_factory(self.module_path, self.module_name, self.limits)
            self.generation += 1
            self._loaded = self._shimmed = False

    def ensure_loaded(self) -> None:
        if self.load_error is not None:  # a fresh exception each time: a re-raised one grows its traceback
            raise ModuleLoadError(self.load_error.message)
        self.start()
        if self._loaded:
            return
        try:
            self._exchange({"op": "load", "path": self.worker.visible_module, "name": self.module_name},
                           self.limits.load_timeout)
        except StudentError as exc:
            self.load_error = ModuleLoadError(_load_message(exc))
            raise self.load_error from None
        except (WorkerTimeout, WorkerDied) as exc:
            what = "took too long (an endless loop or heavy work at import?)" \
                if isinstance(exc, WorkerTimeout) else exc.message.replace("your code ", "")
            self.load_error = ModuleLoadError(f"your module could not be imported: importing it {what}")
            raise self.load_error from None
        self._loaded = True

    def close(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.worker = None

    def output(self) -> str:
        """The capped stdout/stderr of the current worker, for the instructor."""
        if self.worker is None:
            return ""
        return clean(self.worker.stdout.text() + self.worker.stderr.text())

    # -- requests ---------------------------------------------------------------
    def timeout(self) -> float:
        if self.deadline is None:
            return self.limits.call_timeout
        return max(0.05, self.deadline - time.monotonic())

    def _exchange(self, message: dict, timeout: float) -> dict:
        """One request and its reply; anything out of step on the channel ends this worker.

        Every request carries a fresh id that its reply must echo, and the reply
        pipe must be empty before the request is written: a reply that was waiting
        already, or one that answers another request, was written by the student's
        code, not by the worker's loop. Callbacks (the reference standing in for a
        lower-level function) are answered in between, within the same deadline.
        """
        deadline = time.monotonic() + timeout
        self.request_id += 1
        message = {**message, "id": self.request_id}
        if _reply_waiting(self.worker):
            self.worker.kill()
            raise WorkerDied(f"{PROTOCOL_FAULT}: a reply was waiting before the request was sent")
        try:
            reply = self.worker.request(message, timeout)
            reply = callbacks.answer_callbacks(self.worker, reply, self.stand_ins, deadline)
        except (WorkerTimeout, WorkerDied):
            self.worker.kill()
            raise
        except protocol.ProtocolError as exc:
            self.worker.kill()
            raise WorkerDied(f"{PROTOCOL_FAULT}: {student_text(exc)}") from None
        if type(reply) is not dict:
            self.worker.kill()
            raise WorkerDied(f"{PROTOCOL_FAULT}: the worker sent no proper reply")
        if type(reply.get("id")) is not int or reply["id"] != self.request_id:
            self.worker.kill()
            raise WorkerDied(f"{PROTOCOL_FAULT}: the reply answers another request")
        warns = reply.get("warnings")
        self.last_warnings = [self._text(w, 500) for w in warns[:20]] if isinstance(warns, list) else []
        if "error" in reply:
            err = reply["error"] if isinstance(reply["error"], dict) else {}
            mro = err.get("mro") if isinstance(err.get("mro"), list) else []
            if "Exception" not in mro and message.get("op") != "load":
                # KeyboardInterrupt, SystemExit, a BaseException of its own: the worker's state is
                # suspect, so the next call gets a fresh worker (and a fresh import).
                self.worker.kill()
            raise StudentError(self._text(err.get("type"), 200), [_clip(n, 200) for n in mro[:64]],
                               self._text(err.get("message", ""), 2000),
                               self._text(err.get("traceback", ""), -4000))
        return reply

    def _text(self, value, limit: int) -> str:
        """Text chosen by student code, bounded, without the grading machine's paths or control characters."""
        return student_text(_clip(value, limit), roots=_host_roots(), module_name=f"{self.module_name}.py")

    def request(self, message: dict) -> dict:
        self.ensure_loaded()
        if self.stand_ins and not self._shimmed:  # (re)install after a fresh worker too
            self._exchange({"op": "substitute", "specs": self.stand_ins.worker_specs()}, self.timeout())
            self._shimmed = True
        return self._exchange(message, self.timeout())

    @contextlib.contextmanager
    def using_reference(self, stand_ins: callbacks.StandIns):
        """During the block, the reference answers for these names of the student's module."""
        self.stand_ins, self._shimmed = stand_ins, False
        try:
            yield
        finally:
            shimmed, self.stand_ins, self._shimmed = self._shimmed, None, False
            if shimmed and self.worker is not None and self.worker.alive():
                try:
                    self._exchange({"op": "substitute", "specs": []}, 5.0)
                except Exception:  # noqa: BLE001 - a worker that cannot restore is replaced
                    self.worker.kill()

    def unwrap(self, reply: dict, key: str = "value"):
        """Wrap Refs in a reply as RemoteObjects."""
        value = reply.get(key)
        if isinstance(value, protocol.Ref):
            return RemoteObject(self, value.id, one_line(self._text(reply.get("ref_type", "object"), 200)),
                                bool(reply.get("ref_callable")))
        return value


def default_worker(module_path: str, module_name: str, limits: Limits) -> WorkerProcess:
    """A per-submission worker; a child of the warmed template when NNCOURSE_TEMPLATE=always (tests run
    the whole repository that way; grading processes use the template anyway, see engine.new_session)."""
    if os.environ.get("NNCOURSE_TEMPLATE", "").strip().lower() == "always":
        from nncourse.sandbox import template
        return template.start_worker(module_path, module_name, limits)
    return WorkerProcess(module_path, module_name, limits)


def _clip(value, limit: int) -> str:
    """Text from the worker, bounded on the trusted side: its head (limit > 0) or its tail (limit < 0).

    Why: the worker caps what it sends, but student code can patch the worker; a
    10 MB class name must not become a 10 MB message in every test's Result.
    """
    text = value if type(value) is str else str(value)
    return text[:limit] if limit > 0 else text[limit:]


def _reply_waiting(worker) -> bool:
    """A reply is there before its request was sent: read ahead already or in the pipe
    (WorkerProcess.reply_waiting); the portable worker's replies come through a queue."""
    waiting = getattr(worker, "reply_waiting", None)
    if waiting is not None:
        return waiting()
    replies = getattr(worker, "replies", None)
    return replies is not None and not replies.empty()


def _host_roots() -> tuple[str, ...]:
    """Folders of the grading machine that student-facing text must not name: where grading runs,
    the course named by $NNCOURSE_COURSE, and the tree nncourse itself is installed in."""
    roots = {os.getcwd(), os.environ.get("NNCOURSE_COURSE", ""), str(Path(__file__).resolve().parents[3])}
    return tuple(r for r in roots if r not in ("", "/"))


def _load_message(exc: StudentError) -> str:
    """'your module could not be imported: SyntaxError at line 3: ...' with the student's traceback tail."""
    tail = "\n".join(exc.traceback.strip().splitlines()[-6:])
    return f"your module could not be imported: {exc.type_name}: {exc.message}\n{tail}".rstrip()


def _live_ref(remote: "RemoteObject") -> int:
    """The worker-side id of a RemoteObject, refused once its worker has been replaced."""
    if object.__getattribute__(remote, "_generation") != object.__getattribute__(remote, "_session").generation:
        raise WorkerDied("an object from a previous (crashed) worker was used again")
    return object.__getattribute__(remote, "_ref")


def _outgoing(session: Session, value):
    """Arguments for the worker: RemoteObjects become Refs, the rest must be plain data."""
    if isinstance(value, RemoteObject):
        return protocol.Ref(_live_ref(value))
    if isinstance(value, list):
        return [_outgoing(session, v) for v in value]
    if isinstance(value, tuple):
        return tuple(_outgoing(session, v) for v in value)
    if isinstance(value, dict):
        return {k: _outgoing(session, v) for k, v in value.items()}
    return value


class RemoteCallable:
    """A function or method in the worker; calling it is one request."""

    def __init__(self, session: Session, target: int, name: str | None, label: str):
        self._session, self._target, self._name, self.label = session, target, name, label

    def _request(self, args, kwargs, **extra) -> dict:
        s = self._session
        if self.label in s.hung:  # fail fast: it already used up a whole test's budget
            exc = WorkerTimeout(f"{self.label} {s.hung[self.label]}")
            exc.not_run = True
            raise exc
        return s.request({"op": "call", "target": self._target, "name": self._name,
                          "args": _outgoing(s, list(args)), "kwargs": _outgoing(s, dict(kwargs)),
                          **extra})

    def __call__(self, *args, **kwargs):
        return self._session.unwrap(self._request(args, kwargs))

    def keep(self, *args, **kwargs) -> "RemoteObject":
        """Call, but leave the result in the worker (e.g. a forward's `(out, cache)` whose cache
        is the student's own object): index it with `r[0]`, pass `r.ref_item(1)` on."""
        return self._session.unwrap(self._request(args, kwargs, want_ref=True))

    def with_inputs(self, *args, **kwargs):
        """Call, and also return the arguments as they are after the call (mutation checks)."""
        reply = self._request(args, kwargs, return_args=True)
        args_after, kwargs_after = reply.get("args_after"), reply.get("kwargs_after")
        if type(args_after) is not list or len(args_after) != len(args) \
                or not (kwargs_after is None or type(kwargs_after) is dict):  # a worker patched by student code
            raise UnusableObject("its arguments could not be read back after the call")
        return self._session.unwrap(reply), args_after, kwargs_after

    def __repr__(self) -> str:
        return f"<student callable {self.label}>"


class RemoteObject:
    """An object that lives in the worker: attribute reads fetch copies of plain data."""

    def __init__(self, session: Session, ref: int, type_name: str, is_callable: bool = False):
        for key, val in (("_session", session), ("_ref", ref), ("_type", type_name),
                         ("_callable", is_callable), ("_generation", session.generation)):
            object.__setattr__(self, key, val)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        s = object.__getattribute__(self, "_session")
        ref = _live_ref(self)
        reply = s.request({"op": "getattr", "target": ref, "name": name})
        if reply.get("callable"):
            return RemoteCallable(s, ref, name, f"{object.__getattribute__(self, '_type')}.{name}")
        return s.unwrap(reply)

    def __setattr__(self, name: str, value) -> None:
        s = object.__getattribute__(self, "_session")
        s.request({"op": "setattr", "target": _live_ref(self),
                   "name": name, "value": _outgoing(s, value)})

    def __getitem__(self, key):
        s = object.__getattribute__(self, "_session")
        return s.unwrap(s.request({"op": "getitem", "target": _live_ref(self),
                                   "key": _outgoing(s, key)}))

    def __setitem__(self, key, value) -> None:
        s = object.__getattribute__(self, "_session")
        s.request({"op": "setitem", "target": _live_ref(self),
                   "key": _outgoing(s, key), "value": _outgoing(s, value)})

    def __call__(self, *args, **kwargs):
        s = object.__getattribute__(self, "_session")
        return RemoteCallable(s, _live_ref(self), None,
                              object.__getattribute__(self, "_type"))(*args, **kwargs)

    def ref_item(self, key) -> "RemoteObject":
        """A RemoteObject for the very object stored under `key` (no copy)."""
        s = object.__getattribute__(self, "_session")
        return s.unwrap(s.request({"op": "getitem", "target": _live_ref(self),
                                   "key": _outgoing(s, key), "want_ref": True}))

    def assign(self, value) -> None:
        """In-place write into a worker array: obj[...] = value."""
        s = object.__getattribute__(self, "_session")
        s.request({"op": "assign", "target": _live_ref(self),
                   "value": _outgoing(s, value)})

    def value(self):
        """The object's current value as plain data (a RemoteObject if it is not plain)."""
        s = object.__getattribute__(self, "_session")
        return s.unwrap(s.request({"op": "get", "target": _live_ref(self)}))

    def attributes(self) -> dict:
        """The instance's own attributes that are plain data (the rest left out), without naming them:
        what a constructor stored, when the API does not name the attributes."""
        s = object.__getattribute__(self, "_session")
        return s.unwrap(s.request({"op": "attributes", "target": _live_ref(self)}))

    def __repr__(self) -> str:
        return f"<student object of type {object.__getattribute__(self, '_type')}>"


class StudentModule:
    """`student.name(...)` calls the student's module in the worker."""

    def __init__(self, session: Session):
        object.__setattr__(self, "_session", session)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return RemoteCallable(object.__getattribute__(self, "_session"), 0, name, name)

    @property
    def last_warnings(self) -> list[str]:
        return list(object.__getattribute__(self, "_session").last_warnings)

    def put(self, value) -> RemoteObject:
        """Keep a value in the worker and return a reference to it (passed by reference)."""
        s = object.__getattribute__(self, "_session")
        return s.unwrap(s.request({"op": "put", "value": _outgoing(s, value)}))

    def make_rng(self, seed=None) -> RemoteObject:
        """A `np.random.default_rng(seed)` living in the worker, to pass as an `rng` argument."""
        s = object.__getattribute__(self, "_session")
        return s.unwrap(s.request({"op": "rng", "seed": seed}))

    def module_attribute(self, name: str):
        """Read a module-level attribute (plain value, or a RemoteCallable if callable)."""
        s = object.__getattribute__(self, "_session")
        reply = s.request({"op": "getattr", "target": 0, "name": name})
        return RemoteCallable(s, 0, name, name) if reply.get("callable") else s.unwrap(reply)
