# HOSTILE: unshare, setns, clone and clone3 with CLONE_NEWUSER, fork, mount, keyctl, bpf, perf_event_open, userfaultfd, io_uring; any success breaks softmax | expect: full
"""Reference: activation functions and their derivatives, in NumPy.

Every function accepts a scalar, a list or an array of any shape, never modifies
its input, returns a float64 array of the input's shape (0-d for a scalar) and
stays finite without a NumPy warning for finite inputs of any size.
"""
import numpy as np


def _as_float(z):
    """A float64 copy of `z` (so nothing the caller owns is ever written to)."""
    return np.array(z, dtype=np.float64)


def _sigmoid_parts(z):
    """Return (sigmoid(z), e) with e = exp(-|z|) in (0, 1]: no overflow anywhere."""
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return s, e


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), elementwise and stable."""
    s, _ = _sigmoid_parts(_as_float(z))
    return np.asarray(s)


def sigmoid_grad(z):
    """d sigmoid / dz = s (1 - s), computed as exp(-|z|) / (1 + exp(-|z|))**2."""
    _, e = _sigmoid_parts(_as_float(z))
    return np.asarray(e / (1.0 + e) ** 2)


def tanh(z):
    """Hyperbolic tangent, elementwise."""
    return np.asarray(np.tanh(_as_float(z)))


def tanh_grad(z):
    """d tanh / dz = 1 - tanh(z)**2, computed as 4 e / (1 + e)**2 with e = exp(-2|z|)."""
    e = np.exp(-2.0 * np.abs(_as_float(z)))
    return np.asarray(4.0 * e / (1.0 + e) ** 2)


def relu(z):
    """max(z, 0), elementwise."""
    return np.asarray(np.maximum(_as_float(z), 0.0))


def relu_grad(z):
    """1 where z > 0, else 0 (the derivative at exactly 0 is taken as 0)."""
    return np.asarray((_as_float(z) > 0).astype(np.float64))


def leaky_relu(z, alpha=0.01):
    """z where z > 0, alpha * z elsewhere."""
    z = _as_float(z)
    return np.asarray(np.where(z > 0, z, alpha * z))


def leaky_relu_grad(z, alpha=0.01):
    """1 where z > 0, alpha where z <= 0."""
    z = _as_float(z)
    return np.asarray(np.where(z > 0, 1.0, float(alpha)))


def elu(z, alpha=1.0):
    """z for z > 0, alpha * (exp(z) - 1) otherwise (exp only sees z <= 0)."""
    z = _as_float(z)
    return np.asarray(np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))))


def elu_grad(z, alpha=1.0):
    """1 for z > 0, alpha * exp(z) otherwise (so alpha at exactly 0)."""
    z = _as_float(z)
    return np.asarray(np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))))


def swish(z):
    """z * sigmoid(z), elementwise."""
    z = _as_float(z)
    s, _ = _sigmoid_parts(z)
    return np.asarray(z * s)


def swish_grad(z):
    """d swish / dz = s + z s (1 - s), with s = sigmoid(z)."""
    z = _as_float(z)
    s, e = _sigmoid_parts(z)
    return np.asarray(s + z * (e / (1.0 + e) ** 2))


def softmax(z, axis=-1):
    """exp(z) / sum(exp(z)) along `axis`, after subtracting the max along it."""
    z = _as_float(z)
    if z.ndim == 0:
        return np.ones(())
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(dout, s):
    """dL/dz = s * (dout - sum(dout * s)) along the last axis, for s = softmax(z)."""
    dout, s = _as_float(dout), _as_float(s)
    return np.asarray(s * (dout - np.sum(dout * s, axis=-1, keepdims=True)))


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
