"""The warmed template: inside ONE bubblewrap sandbox, NumPy imported once, one forked child per submission.

Why: a fresh Python + NumPy per submission cost ~120 ms of CPU, half of what
grading exercise2 costs. This server (started by sandbox/template.py) imports
NumPy and the worker once and never runs student code itself: it forks a
child per submission, and the child confines itself before any student code:

    (trusted side: the child's own cgroup, while it waits) -> its submission
    in its own slot -> rlimits -> Landlock (read the Python tree and its own
    submission, write only its slot's work folder; no signal or ptrace out of
    its domain; the shared rules' paths are opened once, by the template) ->
    only its four fds -> a stricter seccomp filter stacked on the sandbox's
    (no new processes, signals to itself only) -> worker.serve.

A child that fails any step exits (CONFINE_FAILED) before student code runs.
The template never holds submission bytes: each child reads its own from its
go socket, so nothing of one student is in memory the next child inherits.
Control messages (JSON, fds by SCM_RIGHTS) travel on a SOCK_SEQPACKET socket.
Imports stdlib, NumPy and the files bound next to it in /opt/nncourse only.
"""
from __future__ import annotations

import gc
import json
import os
import resource
import select
import signal
import socket
import stat
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import landlock  # noqa: E402
import seccomp  # noqa: E402
import worker  # noqa: E402  (imports NumPy and protocol)
del sys.path[0]

import numpy as np  # noqa: E402

CONFINE_FAILED = 121      # the child's exit status when a confinement step failed (no student code ran)
ACK = b"A"                # the child is confined and serving
_LEN = struct.Struct("<Q")
_RLIMITS = {"cpu": resource.RLIMIT_CPU, "as": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE,
            "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE, "nproc": resource.RLIMIT_NPROC}


def _send(ctrl: socket.socket, message: dict) -> None:
    ctrl.send(json.dumps(message).encode())


def _remove_tree(path: str) -> None:
    """Remove a slot whatever its child did to the modes of its files (the template owns them all)."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        try:
            os.chmod(path, 0o700)
            names = os.listdir(path)
        except OSError:
            names = []
        for name in names:
            _remove_tree(os.path.join(path, name))
        try:
            os.rmdir(path)
        except OSError:
            pass
    else:
        try:
            os.unlink(path)
        except OSError:
            pass


def _read_exact(sock: socket.socket, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the trusted side closed the go socket")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _set_rlimits(limits: dict) -> None:
    for key, value in limits.items():
        which = _RLIMITS[key]
        _soft, hard = resource.getrlimit(which)
        cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (cap, cap))  # raises: a limit that cannot be set fails the child


def child(ctrl: socket.socket, wakeup: int, slot: str, request: dict, fds: list[int], config: dict) -> None:
    """In the forked child: confine, then serve. Never returns."""
    try:
        req_r, rep_w, out_w, err_w, go = fds
        ctrl.close()
        signal.set_wakeup_fd(-1)
        os.close(wakeup)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()  # kill(0, ...) reaches only itself
        _prctl(4, 1)  # PR_SET_DUMPABLE as in a fresh process (the template itself is not dumpable)
        go_sock = socket.socket(fileno=go)
        np.random.seed()  # a fresh process would have drawn its own seed (done while no submission waits)
        # Who I am, told by the kernel: the trusted side reads my host pid from these credentials,
        # moves me into my own cgroup, then sends my submission.
        go_sock.sendmsg([b"P"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS,
                                  struct.pack("3i", os.getpid(), os.getuid(), os.getgid()))])
        size = _LEN.unpack(_read_exact(go_sock, _LEN.size))[0]
        source = _read_exact(go_sock, size)
        submission = os.path.join(slot, "submission", f"{request['module']}.py")
        with open(submission, "wb") as f:
            f.write(source)
        os.chmod(submission, 0o400)
        del source
        work = os.path.join(slot, "work")
        os.chdir(work)
        os.environ["HOME"] = os.environ["TMPDIR"] = work
        _set_rlimits(request["rlimits"])
        os.umask(0o077)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        read, write = landlock.READ, landlock.READ | landlock.WRITE
        rules = [("/proc/self", read), (submission, landlock.READ_FILE), (work, write)]
        if landlock.restrict(rules, config["abi"], prepared=config["prepared"], opened=config["opened"] or ()) < 1:
            raise OSError("Landlock is not available")
        keep = sorted({0, 1, 2, req_r, rep_w, go})
        low = 3
        for fd in keep[3:] + [1 << 16]:
            os.closerange(low, fd)
            low = fd + 1
        if not seccomp.install(seccomp.build(self_pid=os.getpid())):
            raise OSError("the seccomp filter could not be installed")
        # What a per-submission worker looks like from inside (`python worker.py REQ REP`, as __main__).
        sys.argv = [os.path.join(os.path.dirname(worker.__file__), "worker.py"), str(req_r), str(rep_w)]
        sys.modules["__main__"] = worker
        go_sock.sendall(ACK)
        go_sock.close()
    except BaseException as exc:  # noqa: BLE001 - fail closed: no student code after a failed step
        try:
            os.write(2, f"nncourse template: confining the worker failed: {exc!r}\n".encode())
        finally:
            os._exit(CONFINE_FAILED)
    os._exit(_run(req_r, rep_w))


def _run(req_r: int, rep_w: int) -> int:
    """worker.serve, ending with the exit status Python itself would give (`python worker.py` did)."""
    import traceback
    code = 0
    try:
        worker.serve(req_r, rep_w)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - as an uncaught exception: its traceback on stderr, status 1
        try:
            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
        code = 1
    worker.flush_printed()
    return code


def warm_up() -> None:
    """Pay once, here, what every child would pay on its first request: NumPy's lazy seeding
    (~40-70 ms), the worker's reply and error paths (warnings, tracebacks, the wire format).
    Only our own code runs: no submission has been seen yet."""
    np.random.seed()
    probe = worker.Worker()
    for request in ({"op": "rng", "seed": 0}, {"op": "put", "value": [np.zeros(3), 1.5, "x"]},
                    {"op": "get", "target": 2}, {"op": "call", "target": 999, "name": "f"}):
        worker.protocol.encode(probe.handle(request))


def configure(config: dict) -> dict:
    """Work every child would repeat, done once: the shared Landlock rules resolved and opened,
    the warm-up; then every object so far (NumPy, the worker) is put out of the collector's
    reach, so a child's collections never write to the pages it shares with the template."""
    config["abi"] = landlock.abi_version()
    config["prepared"] = landlock.prepare([(path, rights) for path, rights in config["landlock"]], config["abi"])
    config["opened"] = landlock.open_prepared(config["prepared"])  # each child closes them before student code
    if config["opened"] is not None:
        config["prepared"] = []
    warm_up()
    gc.collect()
    gc.freeze()
    return config


def serve(ctrl: socket.socket) -> None:
    """Fork a child per request; reap children, remove their slots and report how each ended."""
    config = configure(json.loads(ctrl.recv(1 << 20)))
    slots_root = config["slots"]
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, str] = {}  # pid -> slot
    counter = 0
    _send(ctrl, {"ready": os.getpid()})
    while True:
        ready, _, _ = select.select([ctrl, wake_r], [], [])
        if wake_r in ready:
            try:
                os.read(wake_r, 4096)
            except BlockingIOError:
                pass
        if ctrl in ready:
            try:
                data, fds, _flags, _addr = socket.recv_fds(ctrl, 65536, 8)
            except ConnectionResetError:
                data, fds = b"", []
            if not data:
                return  # the grading process is gone: the sandbox ends with us
            request = json.loads(data)
            if len(fds) != 5:
                for fd in fds:
                    os.close(fd)
                _send(ctrl, {"tag": request.get("tag"), "error": "expected 5 file descriptors"})
                continue
            counter += 1
            slot = os.path.join(slots_root, str(counter))
            os.mkdir(slot, 0o700)
            os.mkdir(os.path.join(slot, "submission"), 0o700)
            os.mkdir(os.path.join(slot, "work"), 0o700)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                child(ctrl, wake_r, slot, request, fds, config)
            for fd in fds:
                os.close(fd)
            children[pid] = str(counter)
            _send(ctrl, {"tag": request.get("tag"), "slot": str(counter), "pid": pid})
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            slot = children.pop(pid, None)
            if slot is not None:
                _remove_tree(os.path.join(slots_root, slot))
                _send(ctrl, {"exit": slot, "status": status})


def _prctl(option: int, value: int) -> None:
    import ctypes
    if ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


if __name__ == "__main__":
    os.umask(0o077)
    _prctl(4, 0)  # PR_SET_DUMPABLE 0: no child may open our /proc/<pid>/mem
    serve(socket.socket(fileno=int(sys.argv[1])))
