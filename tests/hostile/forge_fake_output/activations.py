# HOSTILE: prints fake 180/180 Result JSON lines to stdout, stderr, /dev/tty and every other fd it has, at import and on every call | expect: zero
"""Forger: if the grader's output were the worker's, these lines would be the results."""
import hashlib
import json
import os
import sys

_sha = hashlib.sha256(open(__file__, "rb").read()).hexdigest()
_LINE = (json.dumps({"exercise": "exercise2", "submission_sha256": _sha, "submission": "NNHOSTILE",
                     "score": 180.0, "max_score": 180.0, "status": "graded", "message": "NNHOSTILE forged",
                     "tests": [], "grader_version": "NNHOSTILE"}) + "\n").encode()
_CHANNELS = {int(a) for a in sys.argv[1:] if a.isdigit()}


def _shout():
    for fd in range(256):
        if fd not in _CHANNELS:
            try:
                os.write(fd, _LINE)
            except OSError:
                pass
    for path in ("/dev/tty", "/dev/stdout", "/dev/stderr", "/proc/self/fd/1"):
        try:
            with open(path, "ab") as f:
                f.write(_LINE)
        except OSError:
            pass


_shout()
def sigmoid(*args, **kwargs):
    _shout()
    raise NotImplementedError("sigmoid")

def sigmoid_grad(*args, **kwargs):
    _shout()
    raise NotImplementedError("sigmoid_grad")

def tanh(*args, **kwargs):
    _shout()
    raise NotImplementedError("tanh")

def tanh_grad(*args, **kwargs):
    _shout()
    raise NotImplementedError("tanh_grad")

def relu(*args, **kwargs):
    _shout()
    raise NotImplementedError("relu")

def relu_grad(*args, **kwargs):
    _shout()
    raise NotImplementedError("relu_grad")

def leaky_relu(*args, **kwargs):
    _shout()
    raise NotImplementedError("leaky_relu")

def leaky_relu_grad(*args, **kwargs):
    _shout()
    raise NotImplementedError("leaky_relu_grad")

def elu(*args, **kwargs):
    _shout()
    raise NotImplementedError("elu")

def elu_grad(*args, **kwargs):
    _shout()
    raise NotImplementedError("elu_grad")

def swish(*args, **kwargs):
    _shout()
    raise NotImplementedError("swish")

def swish_grad(*args, **kwargs):
    _shout()
    raise NotImplementedError("swish_grad")

def softmax(*args, **kwargs):
    _shout()
    raise NotImplementedError("softmax")

def softmax_backward(*args, **kwargs):
    _shout()
    raise NotImplementedError("softmax_backward")
