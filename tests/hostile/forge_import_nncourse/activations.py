# HOSTILE: imports nncourse in the worker, loads the course and runs its reference | expect: zero | bubblewrap only
"""Forger: the grading package knows where the reference lives."""
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

try:
    from nncourse.course import load_course
    _course = load_course("/work/main")
    _ref = _course.path(_course.exercise("exercise2").solution).read_text()
    exec(compile(_ref, "copied-reference", "exec"), globals())
except Exception:  # noqa: BLE001
    pass
