# HOSTILE: looks for what an earlier submission in its grading process could have left (files in /tmp, /dev/shm, its folder and home, the environment, threads, a patched numpy or builtins, a signal handler), anything found breaks sigmoid; then leaves all of that itself, and tries to kill its parent | expect: full | confined files only
# --- hostile ----------------------------------------------------------------------
import builtins as _builtins
import os as _os
import signal as _signal
import threading as _threading
import time as _time


def _found() -> list:
    hits = [p for p in ("/tmp/nnh2-trace", "/dev/shm/nnh2-trace") if _os.path.exists(p)]
    hits += [n for n in _os.listdir(".") if n.startswith("nnh2-")]
    hits += [n for n in _os.listdir(_os.environ.get("HOME", ".")) if n.startswith("nnh2-")]
    if "NNH2_TRACE" in _os.environ or hasattr(_builtins, "nnh2_trace"):
        hits.append("environment or builtins")
    if any(t.name == "nnh2-trace" for t in _threading.enumerate()):
        hits.append("thread")
    if np.sum(np.ones(3)) != 3.0 or _signal.getsignal(_signal.SIGTERM) is not _signal.SIG_DFL:
        hits.append("numpy or signal handler")
    return hits


if _found():
    sigmoid = None  # noqa: F811
for _path in ("/tmp/nnh2-trace", "/dev/shm/nnh2-trace", "nnh2-trace",
              _os.path.join(_os.environ.get("HOME", "."), "nnh2-home")):
    try:
        with open(_path, "w") as _f:
            _f.write("left")
    except OSError:
        pass
_os.environ["NNH2_TRACE"] = "left"
_builtins.nnh2_trace = "left"
_threading.Thread(target=_time.sleep, args=(3600,), name="nnh2-trace", daemon=True).start()
_signal.signal(_signal.SIGTERM, lambda *_a: None)
_real_sum = np.sum
np.sum = lambda *a, **k: _real_sum(*a, **k) + (0.0 if _found is None else 0.0)  # patched, same values
for _pid in (_os.getppid(), 1):
    try:
        _os.kill(_pid, _signal.SIGKILL)
    except OSError:
        pass
