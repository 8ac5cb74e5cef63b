"""Exercise 2: activation functions and their derivatives.

Fill in every function below. Rules for all of them (see README.md):

- The input ``z`` may be a Python scalar, a list or a NumPy array of any shape
  (float64 or float32). Start with ``z = np.asarray(z, dtype=float)``.
- Return a float array of the same shape as ``z`` (shape ``()`` for a scalar).
- Never modify the input array (no ``z[z < 0] = 0`` on the caller's array,
  no ``z -= ...``).
- No NumPy warning (overflow, invalid value, divide by zero) and no inf/nan
  for any finite input, even ``z = -1e4`` or ``z = 1e4``.
- ``*_grad(z)`` is the derivative of the activation with respect to ``z``,
  elementwise: same shape as ``z``.

Only NumPy (and the standard library) may be imported.
"""
import numpy as np  # noqa: F401  (you will need it)


def sigmoid(z):
    """Logistic sigmoid, elementwise: s(z) = 1 / (1 + exp(-z)).

    Values lie in (0, 1); s(0) = 0.5. The formula as written overflows for
    large negative z (exp(1e4) is inf): for z < 0 use the equivalent form
    exp(z) / (1 + exp(z)), so that exp only ever sees a number <= 0.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
    raise NotImplementedError("sigmoid: not implemented yet")


def sigmoid_grad(z):
    """Derivative of the sigmoid with respect to z, elementwise.

    s'(z) = s(z) * (1 - s(z)), largest at z = 0 (0.25) and tending to 0 for
    large |z|. Must not overflow for |z| up to 1e4.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> sigmoid_grad(np.array([0.0]))
    array([0.25])
    """
    raise NotImplementedError("sigmoid_grad: not implemented yet")


def tanh(z):
    """Hyperbolic tangent, elementwise: (exp(z) - exp(-z)) / (exp(z) + exp(-z)).

    Values lie in (-1, 1); tanh(0) = 0. ``np.tanh`` is stable; the formula
    above, evaluated literally, gives inf / inf = nan for z = 1e4.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> tanh(np.array([0.0]))
    array([0.])
    """
    raise NotImplementedError("tanh: not implemented yet")


def tanh_grad(z):
    """Derivative of tanh with respect to z, elementwise: 1 - tanh(z)**2.

    Equal to 1 at z = 0, tending to 0 for large |z|.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> tanh_grad(np.array([0.0]))
    array([1.])
    """
    raise NotImplementedError("tanh_grad: not implemented yet")


def relu(z):
    """Rectified linear unit, elementwise: max(z, 0).

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape (floats)

    Example
    -------
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    """
    raise NotImplementedError("relu: not implemented yet")


def relu_grad(z):
    """Derivative of relu, elementwise: 1 where z > 0, else 0.

    relu has no derivative at exactly 0; this course takes 0 there, so
    relu_grad(0) == 0 (test ``z > 0``, not ``z >= 0``).

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape (floats 0.0 and 1.0)

    Example
    -------
    >>> relu_grad(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 1.])
    """
    raise NotImplementedError("relu_grad: not implemented yet")


def leaky_relu(z, alpha=0.01):
    """Leaky relu, elementwise: z where z > 0, alpha * z where z <= 0.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape
    alpha : float, the slope for z <= 0 (use the argument, not 0.01)

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> leaky_relu(np.array([-2.0, 0.0, 3.0]), alpha=0.1)
    array([-0.2,  0. ,  3. ])
    """
    raise NotImplementedError("leaky_relu: not implemented yet")


def leaky_relu_grad(z, alpha=0.01):
    """Derivative of leaky relu, elementwise: 1 where z > 0, alpha where z <= 0.

    At exactly 0 the slope is alpha (test ``z > 0`` for the slope 1).

    Parameters
    ----------
    z : scalar, list or ndarray of any shape
    alpha : float

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> leaky_relu_grad(np.array([-2.0, 0.0, 3.0]), alpha=0.1)
    array([0.1, 0.1, 1. ])
    """
    raise NotImplementedError("leaky_relu_grad: not implemented yet")


def elu(z, alpha=1.0):
    """Exponential linear unit, elementwise: z for z > 0, alpha * (exp(z) - 1) otherwise.

    Careful: ``np.where(z > 0, z, alpha * (np.exp(z) - 1))`` computes exp(z)
    for every element, also the large positive ones it then throws away, and
    exp(1e4) overflows. Make sure exp only ever sees values <= 0.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape
    alpha : float, the value elu tends to is -alpha for z -> -inf

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> elu(np.array([-1.0, 0.0, 2.0]))
    array([-0.63212056,  0.        ,  2.        ])
    """
    raise NotImplementedError("elu: not implemented yet")


def elu_grad(z, alpha=1.0):
    """Derivative of elu, elementwise: 1 for z > 0, alpha * exp(z) otherwise.

    So elu_grad(0) == alpha. Same overflow trap as elu.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape
    alpha : float

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> elu_grad(np.array([-1.0, 0.0, 2.0]), alpha=2.0)
    array([0.73575888, 2.        , 1.        ])
    """
    raise NotImplementedError("elu_grad: not implemented yet")


def swish(z):
    """Swish (also called SiLU), elementwise: z * sigmoid(z).

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> swish(np.array([0.0, 1.0]))
    array([0.        , 0.73105858])
    """
    raise NotImplementedError("swish: not implemented yet")


def swish_grad(z):
    """Derivative of swish, elementwise (product rule).

    d/dz [z * s(z)] = s(z) + z * s(z) * (1 - s(z)), with s the sigmoid.

    Parameters
    ----------
    z : scalar, list or ndarray of any shape

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> swish_grad(np.array([0.0]))
    array([0.5])
    """
    raise NotImplementedError("swish_grad: not implemented yet")


def softmax(z, axis=-1):
    """Softmax along ``axis``: exp(z) / sum(exp(z)), summed along that axis.

    For a batch of logits ``z`` of shape (n, k), the default axis=-1 gives one
    probability vector per row: every row is positive and sums to 1. Adding
    a constant to z along the axis does not change the result, so subtract
    ``np.max(z, axis=axis, keepdims=True)`` first: then exp never overflows,
    whatever the size of the logits.

    Parameters
    ----------
    z : list or ndarray of any shape (at least 1-D)
    axis : int, the axis along which the probabilities sum to 1

    Returns
    -------
    ndarray of z's shape

    Example
    -------
    >>> softmax(np.array([[0.0, 0.0], [0.0, np.log(3.0)]]))
    array([[0.5 , 0.5 ],
           [0.25, 0.75]])
    """
    raise NotImplementedError("softmax: not implemented yet")


def softmax_backward(dout, s):
    """Backward pass of a softmax taken along the last axis.

    Given ``s = softmax(z)`` and the upstream gradient ``dout = dL/ds``
    (both of the same shape, e.g. (n, k)), return ``dL/dz``:

        dL/dz_j = s_j * (dout_j - sum_i dout_i * s_i)

    with the sum over the last axis (keep that axis: ``keepdims=True``).

    Parameters
    ----------
    dout : list or ndarray, shape (..., k)
    s : list or ndarray, shape (..., k), each row a probability vector

    Returns
    -------
    ndarray of shape (..., k)

    Example
    -------
    >>> softmax_backward(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    array([ 0.25, -0.25])
    """
    raise NotImplementedError("softmax_backward: not implemented yet")
