"""Exercise 1: the perceptron.

Fill in every function and method below (NumPy only), then run

    nncourse check exercise1

Conventions: X is a batch of shape (n, d), one row per sample; x is one sample
of shape (d,); labels y are the integers 0 and 1. Never modify your inputs.
"""
import numpy as np


def step(z):
    """Heaviside step function: 1 where z > 0, else 0.

    step(z) = 1 if z > 0
              0 if z <= 0      (so step(0) == 0: the boundary belongs to class 0)

    Parameters
    ----------
    z : scalar, list or np.ndarray of any shape

    Returns
    -------
    np.ndarray of ints, same shape as z (0-d for a scalar).

    >>> step(np.array([-2.0, 0.0, 3.0]))
    array([0, 0, 1])
    >>> int(step(0.0))             # step(0.0) itself is a 0-d int array (or numpy int)
    0
    """
    raise NotImplementedError("step: not implemented yet")


class Perceptron:
    """Rosenblatt's perceptron: a linear binary classifier.

    The model computes a net input  z = x @ weights + bias  and predicts
    step(z). It learns with the perceptron rule, one sample at a time.

    Parameters
    ----------
    n_inputs : int
        Number of features d.
    learning_rate : float
        Step size of the perceptron rule (default 0.1).
    seed : int or None
        Seed of np.random.default_rng(seed), the only source of randomness.

    Attributes
    ----------
    weights : np.ndarray of float64, shape (n_inputs,)
        Small random values drawn from np.random.default_rng(seed), every
        |w| < 0.5 (e.g. rng.normal(0.0, 0.01, n_inputs)). Same seed, same
        weights.
    bias : float
        Starts at 0.0.
    learning_rate : float
        The argument, stored as is.

    >>> p = Perceptron(3, seed=0)
    >>> p.weights.shape, p.bias, p.learning_rate
    ((3,), 0.0, 0.1)
    """

    def __init__(self, n_inputs, learning_rate=0.1, seed=None):
        raise NotImplementedError("Perceptron: not implemented yet")

    def net_input(self, X):
        """Net input z = X @ weights + bias.

        X of shape (n, d) gives shape (n,); one sample x of shape (d,) gives a
        0-d value. X may be a list or a float32 array.

        >>> p.weights, p.bias = np.array([1.0, -2.0]), 0.5
        >>> p.net_input(np.array([[1.0, 1.0], [3.0, 0.0]]))
        array([-0.5,  3.5])
        """
        raise NotImplementedError("Perceptron.net_input: not implemented yet")

    def predict(self, X):
        """Class labels step(net_input(X)), ints 0/1: (n, d) -> (n,), (d,) -> 0-d.

        A net input of exactly 0 gives class 0.

        >>> p.weights, p.bias = np.array([1.0, -2.0]), 0.5
        >>> p.predict(np.array([[1.0, 1.0], [3.0, 0.0]]))
        array([0, 1])
        """
        raise NotImplementedError("Perceptron.predict: not implemented yet")

    def update(self, x, y):
        """One step of the perceptron rule on one sample x (d,) with label y in {0, 1}.

            error   = y - predict(x)          # -1, 0 or +1
            weights = weights + learning_rate * error * x
            bias    = bias    + learning_rate * error

        A correctly classified sample (error 0) changes nothing. Do not modify x.

        Returns
        -------
        int : the error, -1, 0 or 1.

        >>> p.weights, p.bias, p.learning_rate = np.array([1.0, -2.0]), 0.5, 0.1
        >>> p.update(np.array([1.0, 1.0]), 1)    # predicted 0, should be 1
        1
        >>> p.weights, p.bias                    # moved towards x
        (array([ 1.1, -1.9]), 0.6)
        """
        raise NotImplementedError("Perceptron.update: not implemented yet")

    def fit(self, X, y, epochs=100):
        """Train with the perceptron rule, starting from the current weights.

        Each epoch calls update(X[i], y[i]) for i = 0, 1, ..., n-1 in this
        order (no shuffling) and counts the samples whose error was non-zero.
        That count is appended to a list. Training stops right after the first
        epoch with 0 errors (that 0 is recorded), or after `epochs` epochs.

        Parameters
        ----------
        X : (n, d) array; y : (n,) labels in {0, 1}; epochs : int

        Returns
        -------
        list of int : the number of misclassified samples in each epoch run.

        >>> X_and = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y_and = np.array([0, 0, 0, 1])
        >>> Perceptron(2, seed=0).fit(X_and, y_and)
        [2, 2, 3, 2, 2, 3, 2, 1, 0]

        (with weights drawn as rng.normal(0.0, 0.01, 2); another draw gives other counts)
        """
        raise NotImplementedError("Perceptron.fit: not implemented yet")
