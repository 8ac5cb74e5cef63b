"""Exercise 5: regularization.

Fill in every function and the EarlyStopping class below, then run
``nncourse check exercise5``. NumPy and the standard library only.

Conventions (see README.md):
- ``params`` is a dict of arrays: ``{"W1": (n_in, n_out), "b1": (n_out,), "W2": ...}``.
- Weights are the params whose key starts with "W" (W, W1, W2, W3, ...).
  Biases (keys starting with "b") are never penalised.
- No function may modify its inputs.
"""
import numpy as np


def l2_penalty(params, lam):
    """L2 penalty (weight decay) of the weights, as a Python float.

        penalty = 0.5 * lam * sum over every weight array W of sum(W ** 2)

    The 0.5 makes the gradient simply ``lam * W``. Biases are skipped.

    Parameters
    ----------
    params : dict[str, np.ndarray]
        e.g. {"W1": (d, h), "b1": (h,), "W2": (h, k), "b2": (k,)}.
    lam : float
        regularization strength, >= 0.

    Returns
    -------
    float

    Example
    -------
    >>> l2_penalty({"W": np.array([[1.0, -2.0]]), "b": np.array([5.0])}, 0.1)
    0.25
    """
    raise NotImplementedError("l2_penalty: not implemented yet")


def l2_grad(params, lam):
    """Gradient of ``l2_penalty(params, lam)`` with respect to every param.

        d penalty / d W = lam * W        for every weight
        d penalty / d b = 0              for every bias (same shape as b)

    Returns
    -------
    dict[str, np.ndarray]
        the same keys and shapes as ``params``.

    Example
    -------
    >>> l2_grad({"W": np.array([[1.0, -2.0]]), "b": np.array([5.0])}, 0.1)
    {'W': array([[ 0.1, -0.2]]), 'b': array([0.])}
    """
    raise NotImplementedError("l2_grad: not implemented yet")


def l1_penalty(params, lam):
    """L1 penalty (lasso) of the weights, as a Python float.

        penalty = lam * sum over every weight array W of sum(|W|)

    Biases are skipped.

    Example
    -------
    >>> l1_penalty({"W": np.array([[1.0, -2.0]]), "b": np.array([5.0])}, 0.1)
    0.30000000000000004
    """
    raise NotImplementedError("l1_penalty: not implemented yet")


def l1_grad(params, lam):
    """(Sub)gradient of ``l1_penalty(params, lam)`` with respect to every param.

        d penalty / d W = lam * sign(W)  for every weight; sign(0) = 0
        d penalty / d b = 0              for every bias (same shape as b)

    |w| has no derivative at w = 0; the convention here is 0 there.

    Returns
    -------
    dict[str, np.ndarray]
        the same keys and shapes as ``params``.

    Example
    -------
    >>> l1_grad({"W": np.array([[1.0, 0.0, -2.0]]), "b": np.array([5.0])}, 0.1)
    {'W': array([[ 0.1,  0. , -0.1]]), 'b': array([0.])}
    """
    raise NotImplementedError("l1_grad: not implemented yet")


def dropout_forward(x, p, training=True, rng=None):
    """Inverted dropout.

    Training: each unit of ``x`` is kept independently with probability
    ``1 - p`` and dropped (set to 0) with probability ``p``; kept units are
    scaled by ``1 / (1 - p)`` so that the expected value of ``out`` is ``x``::

        mask[i] = 1 / (1 - p)  with probability 1 - p,  else 0
        out = x * mask

    Evaluation (``training=False``): ``out`` equals ``x`` and ``mask`` is None.

    Parameters
    ----------
    x : array-like, any shape, e.g. (n, d)
    p : float in [0, 1)
        drop probability (p = 0 keeps everything).
    training : bool
    rng : np.random.Generator or None
        the source of randomness; when None, use ``np.random.default_rng()``.
        Never use the global ``np.random.seed``/``np.random.rand``.

    Returns
    -------
    out : np.ndarray, the shape of x
    mask : np.ndarray of the shape of x (values 0 or 1 / (1 - p)), or None

    Example
    -------
    >>> out, mask = dropout_forward(np.ones((2, 3)), 0.5, rng=np.random.default_rng(0))
    >>> np.unique(mask)              # dropped units 0, kept ones 1 / (1 - 0.5)
    array([0., 2.])
    >>> bool(np.all(out == np.ones((2, 3)) * mask))
    True
    """
    raise NotImplementedError("dropout_forward: not implemented yet")


def dropout_backward(dout, mask):
    """Backward pass of dropout_forward.

    Since ``out = x * mask`` elementwise, ``dL/dx = dL/dout * mask``.
    When ``mask`` is None (evaluation mode, out = x), ``dL/dx = dout``.

    Parameters
    ----------
    dout : np.ndarray, the shape of x
    mask : np.ndarray of the shape of x, or None (the mask dropout_forward returned)

    Returns
    -------
    np.ndarray, the shape of dout

    Example
    -------
    >>> dropout_backward(np.array([1.0, 2.0]), np.array([0.0, 2.0]))
    array([0., 4.])
    """
    raise NotImplementedError("dropout_backward: not implemented yet")


class EarlyStopping:
    """Stop training once the validation loss stops improving.

    Call ``step(val_loss, params)`` once per epoch. A loss *improves* when

        val_loss < best_loss - min_delta          (strictly)

    On an improvement: store ``best_loss``, ``best_epoch`` (the 0-based number
    of this ``step`` call: the first call is epoch 0) and a DEEP copy of
    ``params`` in ``best_params`` (the training loop keeps updating the arrays
    of ``params`` in place), and reset the counter to 0. Otherwise the counter
    grows by 1. ``step`` returns True once the counter reaches ``patience``.

    Attributes
    ----------
    best_loss : float      (starts at +inf, so the first step always improves)
    best_epoch : int       (0-based)
    best_params : dict[str, np.ndarray]

    Example
    -------
    >>> es = EarlyStopping(patience=2)
    >>> [es.step(loss, {"W": np.zeros(1)}) for loss in [1.0, 0.5, 0.6, 0.7]]
    [False, False, False, True]
    >>> es.best_loss, es.best_epoch
    (0.5, 1)
    """

    def __init__(self, patience=5, min_delta=0.0):
        raise NotImplementedError("EarlyStopping: not implemented yet")

    def step(self, val_loss, params):
        """Record one epoch's validation loss; return True when training should stop."""
        raise NotImplementedError("EarlyStopping.step: not implemented yet")
