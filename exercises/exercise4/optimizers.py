"""Exercise 4: optimizers and learning-rate schedules.

You write three optimizers (SGD, Momentum, Adam) and three learning-rate
schedules. Read README.md first: it derives every update rule and lists the
traps the grader checks.

The common contract of the optimizers:

- ``params`` and ``grads`` are dicts ``{name: np.ndarray}`` with the same keys
  and shapes (``"W1", "b1", ...``).
- ``step(params, grads)`` updates every array of ``params`` **in place**: after
  the call, ``params[k]`` must still be the very same array object, with new
  values (write ``p -= ...`` or ``p[...] = ...``, never ``params[k] = ...``).
  It returns nothing and never modifies ``grads``.
- Each optimizer keeps separate state (velocity, moments) for each key.
- ``lr`` is a public attribute: a schedule may change ``opt.lr`` between two
  steps, and the next step must use the new value.

Run the public checks with ``nncourse check exercise4``.
"""
import numpy as np  # noqa: F401  (you will need it)


class SGD:
    """Plain (stochastic) gradient descent.

    Update, for every key k:  ``p -= lr * g``  with ``p = params[k]``, ``g = grads[k]``.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, stored in the attribute ``lr``.

    Example
    -------
    >>> params = {"w": np.array([1.0, 2.0])}
    >>> w = params["w"]
    >>> SGD(lr=0.1).step(params, {"w": np.array([1.0, -1.0])})
    >>> w                      # the same array object, updated in place
    array([0.9, 2.1])
    """

    def __init__(self, lr=0.01):
        raise NotImplementedError("SGD: not implemented yet")

    def step(self, params, grads):
        """Apply one SGD update to every array of ``params``, in place. Returns None."""
        raise NotImplementedError("SGD.step: not implemented yet")


class Momentum:
    """Gradient descent with (heavy-ball) momentum, PyTorch's convention.

    For every key k, with a velocity ``v`` (same shape as the param, starting at 0):

        v = beta * v + g
        p -= lr * v

    ``v`` is a running, decaying sum of past gradients: with a constant gradient
    it grows towards ``g / (1 - beta)``, i.e. 10 * g for beta = 0.9. Note that
    ``lr`` is NOT inside ``v`` and ``g`` is NOT multiplied by ``(1 - beta)``.

    Parameters
    ----------
    lr : float, default 0.01
        Learning rate, attribute ``lr``.
    beta : float, default 0.9
        Momentum coefficient.

    Example
    -------
    >>> opt = Momentum(lr=0.1, beta=0.9)
    >>> params = {"w": np.array([0.0])}
    >>> opt.step(params, {"w": np.array([1.0])})   # v = 1.0
    >>> opt.step(params, {"w": np.array([1.0])})   # v = 0.9 * 1.0 + 1.0 = 1.9
    >>> params["w"]                                # 0 - 0.1 * 1.0 - 0.1 * 1.9
    array([-0.29])
    """

    def __init__(self, lr=0.01, beta=0.9):
        raise NotImplementedError("Momentum: not implemented yet")

    def step(self, params, grads):
        """Apply one momentum update to every array of ``params``, in place. Returns None."""
        raise NotImplementedError("Momentum.step: not implemented yet")


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction.

    The optimizer counts its steps: ``t`` is 1 during the first call of ``step``,
    2 during the second, ... (one count for the whole optimizer, not one per key).
    For every key k, with moments ``m`` and ``v`` (same shape as the param,
    starting at 0):

        m     = beta1 * m + (1 - beta1) * g
        v     = beta2 * v + (1 - beta2) * g**2
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        p    -= lr * m_hat / (sqrt(v_hat) + eps)

    ``eps`` is added AFTER the square root. On the first step
    ``m_hat = g`` and ``v_hat = g**2``, so every param moves by about
    ``lr * sign(g)``, whatever the size of g.

    Parameters
    ----------
    lr : float, default 0.001
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    eps : float, default 1e-8

    Example
    -------
    >>> params = {"w": np.array([1.0, 1.0])}
    >>> Adam(lr=0.1).step(params, {"w": np.array([5.0, -0.5])})
    >>> params["w"]                      # about 1 - 0.1 * sign(g)
    array([0.9, 1.1])
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        raise NotImplementedError("Adam: not implemented yet")

    def step(self, params, grads):
        """Apply one Adam update to every array of ``params``, in place. Returns None."""
        raise NotImplementedError("Adam.step: not implemented yet")


def exponential_decay(lr0, decay_rate, t):
    """Learning rate at the 0-based step ``t``: ``lr0 * decay_rate**t``.

    Returns a float; ``t`` may be a Python int or a NumPy integer.

    >>> exponential_decay(0.1, 0.5, 0)
    0.1
    >>> exponential_decay(0.1, 0.5, 2)
    0.025
    """
    raise NotImplementedError("exponential_decay: not implemented yet")


def step_decay(lr0, factor, step_size, t):
    """Learning rate at the 0-based step ``t``: ``lr0 * factor**(t // step_size)``.

    The rate stays constant for ``step_size`` steps, then is multiplied by
    ``factor`` (integer division: steps 0..step_size-1 use lr0). Returns a float.

    >>> [step_decay(1.0, 0.5, 3, t) for t in range(7)]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25]
    """
    raise NotImplementedError("step_decay: not implemented yet")


def inverse_time_decay(lr0, decay_rate, t):
    """Learning rate at the 0-based step ``t``: ``lr0 / (1 + decay_rate * t)``.

    Returns a float.

    >>> inverse_time_decay(1.0, 0.5, 2)
    0.5
    """
    raise NotImplementedError("inverse_time_decay: not implemented yet")
