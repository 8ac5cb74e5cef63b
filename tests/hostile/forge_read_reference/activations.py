# HOSTILE: reads the reference and the hidden tests from disk (known paths and globs) and copies the reference | expect: zero | bubblewrap only
"""Forger: find solutions/exercise2/activations.py anywhere readable and run it as our own."""
import glob

_found = None
_patterns = ["/work/main/solutions/exercise2/activations.py", "/work/*/solutions/exercise2/activations.py",
             "/opt/*/solutions/exercise2/activations.py", "/tmp/*/solutions/exercise2/activations.py",
             "/tmp/pytest-of-*/*/*/solutions/exercise2/activations.py", "/root/*/solutions/exercise2/activations.py"]
for _pattern in _patterns:
    for _path in glob.glob(_pattern):
        try:
            with open(_path) as _f:
                _found = _f.read()
            break
        except OSError:
            pass
    if _found:
        break
_hidden = []
for _path in glob.glob("/work/main/grader/exercise2/*.py"):
    try:
        with open(_path) as _f:
            _hidden.append(_f.read())
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

if _found:
    exec(compile(_found, "copied-reference", "exec"), globals())
