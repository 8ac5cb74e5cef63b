# HOSTILE: unshare, setns, clone and clone3 with CLONE_NEWUSER, fork, mount, keyctl, bpf, perf_event_open, userfaultfd, io_uring; any success breaks softmax | expect: full
# --- hostile ----------------------------------------------------------------------
import ctypes as _ct, os as _os

_libc = _ct.CDLL(None, use_errno=True)
_libc.syscall.restype = _ct.c_long
_won = []
_NEWUSER, _NEWNET, _NEWNS, _NEWPID, _SIGCHLD = 0x10000000, 0x40000000, 0x00020000, 0x20000000, 17


def _try(name, call):
    try:
        ret = call()
    except OSError:
        return
    if ret == 0 and name.startswith("clone"):  # we are the child of a clone that should not have happened
        _os._exit(0)
    if ret >= 0:
        _won.append(name)


_try("unshare user", lambda: _libc.unshare(_NEWUSER))
_try("unshare net+mount", lambda: _libc.unshare(_NEWNET | _NEWNS))
_try("unshare pid", lambda: _libc.unshare(_NEWPID))
for _ns in ("user", "mnt", "net", "pid"):
    try:
        _fd = _os.open(f"/proc/1/ns/{_ns}", _os.O_RDONLY)
    except OSError:
        continue
    _try(f"setns {_ns}", lambda: _libc.setns(_fd, 0))
    _os.close(_fd)
_try("clone newuser", lambda: _libc.syscall(56, _NEWUSER | _SIGCHLD, 0, 0, 0, 0))
_try("clone thread+newuser", lambda: _libc.syscall(56, _NEWUSER | 0x10000 | 0x100 | 0x800, 0, 0, 0, 0))
_args = (_ct.c_uint64 * 11)(_NEWUSER, 0, 0, 0, _SIGCHLD, 0, 0, 0, 0, 0, 0)
_try("clone3 newuser", lambda: _libc.syscall(435, _args, 88))


def _fork():
    pid = _os.fork()
    if pid == 0:
        _os._exit(0)
    return pid


_try("fork", _fork)
_try("mount tmpfs", lambda: _libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
_try("keyctl", lambda: _libc.syscall(250, 0, -3, 0, 0, 0))           # KEYCTL_GET_KEYRING_ID of the session
_try("bpf", lambda: _libc.syscall(321, 0, None, 0))
_attr = _ct.create_string_buffer(128)
_try("perf_event_open", lambda: _libc.syscall(298, _attr, 0, -1, -1, 0))
_try("userfaultfd", lambda: _libc.syscall(323, 0))
_params = _ct.create_string_buffer(120)
_try("io_uring_setup", lambda: _libc.syscall(425, 4, _params))
if _won:
    softmax = None  # noqa: F811
