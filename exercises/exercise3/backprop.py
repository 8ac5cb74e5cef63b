"""Exercise 3: backpropagation and a multi-layer perceptron.

Fill in every function and the MLP class below, then run
``nncourse check exercise3``. NumPy and the standard library only.

Conventions (see README.md):
- Batches are ``(n, d)``: one row per sample.
- A layer's forward returns ``(out, cache)``. The cache is yours: put in it
  whatever the backward needs (a tuple or dict of arrays works well); the
  grader only hands it back to your backward.
- A backward gets ``dout = dL/dout`` (the shape of ``out``) and returns
  ``dL/dinput``. The loss is already a mean over the batch, so a backward never
  divides by n: the gradient of a parameter is a *sum* over the batch.
- No function may modify its inputs (no ``dout[...] = 0`` on the caller's array).
"""
import numpy as np


def affine_forward(x, W, b):
    """Fully connected layer: ``out = x @ W + b``.

    Parameters
    ----------
    x : array (n, d)
        a batch of n inputs (lists are fine too).
    W : array (d, m)
        weights.
    b : array (m,)
        biases, added to every row.

    Returns
    -------
    out : array (n, m)
    cache : anything
        what ``affine_backward`` needs (x and W).

    Example
    -------
    >>> out, cache = affine_forward(np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]]), np.array([0.5]))
    >>> out
    array([[3.5]])
    """
    raise NotImplementedError("affine_forward: not implemented yet")


def affine_backward(dout, cache):
    """Backward pass of the affine layer.

    With ``out = x @ W + b`` and ``dout = dL/dout`` of shape (n, m):

        dx  (n, d)   dL/dx_ij = sum_k dout_ik W_jk
        dW  (d, m)   dL/dW_jk = sum_i x_ij dout_ik   a sum over the n samples
        db  (m,)     dL/db_k  = sum_i dout_ik        a sum over the n samples, not a mean

    (the README derives these; `nncourse hint exercise3 affine_backward` helps step by step)

    Returns
    -------
    (dx, dW, db)

    Example
    -------
    >>> out, cache = affine_forward(np.array([[1.0, 2.0]]), np.array([[1.0], [1.0]]), np.array([0.5]))
    >>> dx, dW, db = affine_backward(np.array([[1.0]]), cache)
    >>> dx, dW.T, db
    (array([[1., 1.]]), array([[1., 2.]]), array([1.]))
    """
    raise NotImplementedError("affine_backward: not implemented yet")


def relu_forward(x):
    """ReLU layer: ``out = max(x, 0)`` elementwise, any shape.

    Returns ``(out, cache)``; do not modify ``x`` (``x[x < 0] = 0`` would).

    Example
    -------
    >>> relu_forward(np.array([-2.0, 0.0, 3.0]))[0]
    array([0., 0., 3.])
    """
    raise NotImplementedError("relu_forward: not implemented yet")


def relu_backward(dout, cache):
    """Backward pass of ReLU: the gradient passes where x > 0 and is 0 where x <= 0.

    The derivative at exactly x = 0 is taken to be 0. Return a new array:
    do not zero entries of ``dout`` in place.

    Example
    -------
    >>> out, cache = relu_forward(np.array([-2.0, 0.0, 3.0]))
    >>> relu_backward(np.array([5.0, 5.0, 5.0]), cache)
    array([0., 0., 5.])
    """
    raise NotImplementedError("relu_backward: not implemented yet")


def sigmoid_forward(x):
    """Sigmoid layer: ``out = 1 / (1 + exp(-x))`` elementwise, any shape.

    Must stay finite and warning-free for |x| up to 1e4: never compute
    ``exp`` of a large positive number (use exp(-|x|) and two formulas).

    Example
    -------
    >>> sigmoid_forward(np.array([0.0]))[0]
    array([0.5])
    """
    raise NotImplementedError("sigmoid_forward: not implemented yet")


def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid: dout times the local slope s (1 - s), s = sigmoid(x).

    Tip: keep ``s`` in the cache, so the backward needs no exp at all.

    Example
    -------
    >>> out, cache = sigmoid_forward(np.array([0.0]))
    >>> sigmoid_backward(np.array([1.0]), cache)
    array([0.25])
    """
    raise NotImplementedError("sigmoid_backward: not implemented yet")


def tanh_forward(x):
    """Tanh layer: ``out = tanh(x)`` elementwise, any shape; finite for |x| up to 1e4.

    Example
    -------
    >>> tanh_forward(np.array([0.0]))[0]
    array([0.])
    """
    raise NotImplementedError("tanh_forward: not implemented yet")


def tanh_backward(dout, cache):
    """Backward pass of tanh: dout times the local slope 1 - t^2, t = tanh(x).

    Example
    -------
    >>> out, cache = tanh_forward(np.array([0.0]))
    >>> tanh_backward(np.array([2.0]), cache)
    array([2.])
    """
    raise NotImplementedError("tanh_backward: not implemented yet")


def binary_cross_entropy(p, y):
    """Mean binary cross-entropy, as a Python float.

        BCE = -mean over i of [ y_i * log(p_i) + (1 - y_i) * log(1 - p_i) ]

    Parameters
    ----------
    p : array (n,) or (n, 1)
        predicted probabilities of class 1, in [0, 1]. Flatten an (n, 1)
        column first: (n, 1) against (n,) would broadcast to (n, n).
    y : array (n,)
        labels in {0, 1}.

    Must be finite and warning-free where p is exactly 0 or 1 (clip p to
    [eps, 1 - eps] with a tiny eps such as 1e-12 before the log).

    Example
    -------
    >>> binary_cross_entropy(np.array([0.5, 0.5]), np.array([0, 1]))
    0.6931471805599453
    """
    raise NotImplementedError("binary_cross_entropy: not implemented yet")


class MLP:
    """A multi-layer perceptron for classification.

    ``MLP([d_in, h1, ..., d_out], activation="relu", seed=None)``

    - Hidden layers: affine then ``activation`` ("relu", "sigmoid" or "tanh").
    - Output layer: affine then sigmoid with binary cross-entropy when
      ``d_out == 1``; affine then softmax with cross-entropy when ``d_out > 1``.
    - ``self.params``: ``{"W1": (d_in, h1), "b1": (h1,), ..., "WL": (h_last, d_out),
      "bL": (d_out,)}``, drawn with ``np.random.default_rng(seed)``:
      for relu He initialisation (mean 0, variance 2 / n_in), for sigmoid and
      tanh Xavier/Glorot (mean 0, variance 2 / (n_in + n_out)); a normal or a
      uniform draw with that variance. Biases start at 0.
    - Every method reads the weights from ``self.params`` (the grader may
      replace that dict with ``m.params = {...}``).

    Example
    -------
    >>> m = MLP([2, 3, 1], activation="tanh", seed=0)
    >>> sorted(m.params), m.params["W1"].shape, m.params["b2"].shape
    (['W1', 'W2', 'b1', 'b2'], (2, 3), (1,))
    """

    def __init__(self, layer_sizes, activation="relu", seed=None):
        raise NotImplementedError("MLP: not implemented yet")

    def forward(self, X):
        """Output probabilities for X (n, d_in).

        Returns (n, 1) probabilities of class 1 when d_out == 1, otherwise
        (n, d_out) softmax probabilities whose rows sum to 1.
        """
        raise NotImplementedError("MLP.forward: not implemented yet")

    def loss_and_grads(self, X, y):
        """Mean loss over the batch and its gradient for every param.

        ``y`` holds integer labels (n,): 0/1 when d_out == 1, else class
        indices. With z the output logits, the gradient at the output is

            dL/dz = (p - y) / n              sigmoid + BCE, p (n, 1)
            dL/dz = (p - one_hot(y)) / n     softmax + cross-entropy

        then backpropagate through every layer with the functions above.

        Returns
        -------
        loss : float
        grads : dict with the keys and shapes of ``self.params``.
        """
        raise NotImplementedError("MLP.loss_and_grads: not implemented yet")

    def predict(self, X):
        """Integer labels (n,): 1 where p > 0.5 when d_out == 1, else the argmax of each row."""
        raise NotImplementedError("MLP.predict: not implemented yet")

    def fit(self, X, y, epochs=1000, learning_rate=0.1, batch_size=None, seed=None):
        """Train by gradient descent: for each batch, every param moves by -learning_rate * its gradient.

        With ``batch_size=None`` each epoch is one step on the full batch.
        Otherwise each epoch shuffles the samples with
        ``np.random.default_rng(seed)`` (one generator for the whole fit) and
        steps on consecutive slices of ``batch_size`` samples; the last slice
        may be smaller (do not drop it).

        Returns
        -------
        list of float
            one mean loss per epoch (``len == epochs``).
        """
        raise NotImplementedError("MLP.fit: not implemented yet")
