"""Hidden tests of dropout_forward and dropout_backward (inverted dropout).

Masks are random: they are graded through properties only. Each statistical
bound is Hoeffding's, sized so that a correct solution fails with probability
below 1e-7: |mean - expected| <= range * sqrt(ln(2 / 1e-7) / (2 n)).
"""
import math

import numpy as np
import pytest

from nncourse.grading.checks import inputs_after, as_array, assert_close, assert_differs, assert_equal, assert_shape, assert_true, fail

P = 0.3                    # not 0.5, so that "keep with probability p" is caught
SHAPE = (400, 500)         # 200 000 units for the statistical tests
FAIL_PROB = 1e-7
HINT_DRAW = "keep = rng.random(x.shape) < 1 - p; mask = keep / (1 - p); out = x * mask"


def hoeffding(n, value_range):
    """Half-width t with P(|sample mean - expectation| > t) < FAIL_PROB for n iid values in a range."""
    return value_range * math.sqrt(math.log(2 / FAIL_PROB) / (2 * n))


def check_draw(x, p, out, mask, what):
    """A valid inverted-dropout result for x: the right values of a random draw.

    mask holds only 0 and 1/(1-p) (both, when p > 0 and there are enough units),
    its keep rate is 1 - p within Hoeffding's bound, and out = x * mask.
    """
    x = np.asarray(x, dtype=np.float64)
    out, mask = as_array(out, what=f"{what} out"), as_array(mask, what=f"{what} mask")
    assert_shape(mask, x.shape, what=f"{what} mask", inputs={"x": x},
                 hint="one mask entry per element of x: rng.random(x.shape)")
    scale = 1.0 / (1.0 - p)
    is_zero, is_scale = mask == 0, np.isclose(mask, scale, rtol=1e-6, atol=0)  # a float32 mask is fine
    # both values must appear when a correct draw misses one of them with probability < 1e-9
    both = (is_zero.any() and is_scale.any()) if (1 - p) ** mask.size + p ** mask.size < 1e-9 else True
    assert_true(bool(np.all(is_zero | is_scale)) and both,
                f"{what}: mask values for p = {p}: expected only 0 and 1/(1-p) = {scale:.6g}"
                f"{' (both present)' if p > 0 else ''}, got values {np.unique(mask)[:6]}. Hint: {HINT_DRAW}")
    rate, bound = float(np.mean(is_scale)), hoeffding(mask.size, 1.0)
    assert_true(abs(rate - (1 - p)) <= bound,
                f"{what}: fraction of kept units for x {x.shape}, p = {p}: expected {1 - p:.3f} +- {bound:.4f}, "
                f"got {rate:.4f}. Hint: p is the DROP probability; a unit is kept with probability 1 - p")
    assert_close(out, x * mask, what=f"{what} out compared with x * mask", inputs={"x": x, "p": p},
                 hint="mask must be exactly the array x was multiplied by: out = x * mask")


def forward(student, x, p, seed, what="dropout_forward(x, p, rng=...)"):
    """(out, mask) as float arrays, checked to be a valid draw (check_draw); fails unless the call returns a pair.

    The worker-side generator is seeded with (seed, 5): a stream independent of
    the `rng` fixture's, which draws x from default_rng(seed).
    """
    got = student.dropout_forward(x, p, rng=student.make_rng([seed, 5]))
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail(what, "wrong return value", None, f"expected a pair (out, mask), got {type(got).__name__}",
             "return out, mask")
    out, mask = got
    if mask is None:
        fail(what, "mask is None in training mode", {"p": p}, "",
             "mask is None only when training is False")
    check_draw(x, p, out, mask, what)
    return as_array(out, what=f"{what} out"), as_array(mask, what=f"{what} mask")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_shapes(student, rng, seed):
    x = rng.normal(size=(10, 6))
    out, mask = forward(student, x, 0.5, seed)
    assert_shape(out, x.shape, what="dropout_forward out", inputs={"x": x},
                 hint="out has the shape of x")
    assert_shape(mask, x.shape, what="dropout_forward mask", inputs={"x": x},
                 hint="one mask entry per element of x: rng.random(x.shape)")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_keep_rate_is_1_minus_p(student, rng, seed):
    x = rng.uniform(0.5, 1.5, size=SHAPE)          # no zero in x: out != 0 exactly where kept
    out, _ = forward(student, x, P, seed)
    rate = float(np.mean(out != 0))
    bound = hoeffding(out.size, 1.0)
    assert_true(abs(rate - (1 - P)) <= bound,
                f"dropout_forward: fraction of kept units for x {SHAPE}, p = {P}: expected "
                f"{1 - P:.3f} +- {bound:.4f}, got {rate:.4f}. Hint: p is the DROP probability; "
                "a unit is kept with probability 1 - p")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_mask_values_are_0_or_scale(student, seed):
    x = np.ones(SHAPE)
    _, mask = forward(student, x, P, seed)
    scale = 1.0 / (1.0 - P)
    is_zero, is_scale = mask == 0, np.isclose(mask, scale, rtol=1e-6, atol=0)  # a float32 mask is fine
    others = np.unique(mask[~(is_zero | is_scale)])
    assert_true(others.size == 0 and is_zero.any() and is_scale.any(),
                f"dropout_forward: mask values for p = {P}: expected only 0 and 1/(1-p) = {scale:.6f} "
                f"(both present), got values {np.unique(mask)[:6]}. Hint: return the scaled mask "
                "(keep / (1 - p)), the very array x is multiplied by")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_out_is_x_times_mask(student, rng, seed):
    x = rng.normal(size=(50, 40))
    out, mask = forward(student, x, P, seed)
    assert_close(out, x * mask, what="dropout_forward out compared with x * mask", inputs={"x": x, "p": P},
                 hint="mask must be exactly the array x was multiplied by: out = x * mask")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(2)
def test_dropout_forward_expected_value_is_x(student, rng, seed):
    x = rng.uniform(0.5, 1.5, size=SHAPE)
    out, _ = forward(student, x, P, seed)
    bound = hoeffding(out.size, 1.5 / (1 - P))      # out ranges over [0, 1.5 / (1 - p)]
    got, want = float(out.mean()), float(x.mean())
    assert_true(abs(got - want) <= bound,
                f"dropout_forward: mean of out for x {SHAPE} uniform in [0.5, 1.5], p = {P}: expected "
                f"mean(x) = {want:.4f} +- {bound:.4f}, got {got:.4f}. Hint: inverted dropout scales the "
                "kept units by 1 / (1 - p) so that E[out] = x")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_p_zero_keeps_everything(student, rng, seed):
    x = rng.normal(size=(20, 7))
    out, mask = forward(student, x, 0.0, seed)
    assert_close(out, x, what="dropout_forward(x, p=0.0) out", inputs={"x": x},
                 hint="with p = 0 every unit is kept (probability 1) and scaled by 1 / (1 - 0) = 1")
    forward(student, x, P, seed)  # and the same x with p > 0 is really dropped: "return x" is not dropout


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_eval_mode_returns_x(student, rng, seed):
    x = rng.normal(size=(8, 5))
    got = student.dropout_forward(x, P, training=False)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail("dropout_forward(x, p, training=False)", "wrong return value", None,
             f"expected a pair (out, None), got {type(got).__name__}", "return out, mask")
    assert_close(got[0], x, what="dropout_forward(x, p, training=False) out", inputs={"x": x, "p": P},
                 hint="in evaluation mode inverted dropout is the identity: no drop, no scaling")
    forward(student, x, P, seed)  # training mode on the same x drops units: "return x" is not dropout


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_eval_mode_mask_is_none(student, rng, seed):
    x = rng.normal(size=(8, 5))
    forward(student, x, P, seed)  # training mode gives a valid mask first
    got = student.dropout_forward(x, P, training=False)
    assert_true(isinstance(got, (tuple, list)) and len(got) == 2,
                f"dropout_forward(x, p, training=False): expected a pair (out, mask), got {type(got).__name__}")
    assert_close(got[0], x, what="dropout_forward(x, p, training=False) out", inputs={"x": x, "p": P},
                 hint="in evaluation mode inverted dropout is the identity: no drop, no scaling")
    mask = got[1]
    assert_true(mask is None,
                f"dropout_forward(x, p, training=False): mask: expected None, got {type(mask).__name__}. "
                "Hint: return x, None when training is False")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_same_seed_same_mask(student, rng, seed):
    x = rng.normal(size=(30, 20))
    _, mask1 = forward(student, x, 0.5, seed + 11)
    _, mask2 = forward(student, x, 0.5, seed + 11)
    assert_equal(mask2, mask1, what="dropout_forward masks from two generators with the same seed",
                 inputs={"x": x}, hint="draw the mask from the rng argument, not from np.random or a new generator")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_different_seeds_differ(student, rng, seed):
    x = rng.normal(size=(30, 20))                  # 600 units: equal masks have probability 2**-600
    _, mask1 = forward(student, x, 0.5, seed + 1)
    _, mask2 = forward(student, x, 0.5, seed + 2)
    assert_differs(mask1, mask2, what="dropout_forward(x, 0.5, rng=...) mask",  # NaN never counts as a difference
                   message="dropout_forward: masks from generators with two different seeds for x (30, 20), p = 0.5: "
                   "expected different masks, got the same. Hint: draw from the rng argument; do not "
                   "create np.random.default_rng(0) inside the function")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_without_rng(student):
    x = np.ones((40, 50))
    got = student.dropout_forward(x, 0.5)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail("dropout_forward(x, 0.5)", "wrong return value", None,
             f"expected a pair (out, mask), got {type(got).__name__}", "return out, mask")
    check_draw(x, 0.5, got[0], got[1], "dropout_forward(x, 0.5) with rng=None")
    mask = as_array(got[1], what="dropout_forward(x, 0.5) mask")
    assert_true(mask.shape == x.shape and np.all((mask == 0) | np.isclose(mask, 2.0, rtol=1e-6, atol=0)),
                f"dropout_forward(x, 0.5) with rng=None: expected a mask of shape {x.shape} with values "
                f"0 and 2, got shape {mask.shape}, values {np.unique(mask)[:6]}. Hint: when rng is None, "
                "use rng = np.random.default_rng()")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_units_are_independent(student, seed):
    x = np.ones((50, 40))
    _, mask = forward(student, x, 0.5, seed)
    try:
        full = np.broadcast_to(mask, x.shape)      # a per-feature mask (40,) would broadcast
    except ValueError:
        fail("dropout_forward mask", "wrong shape", {"x": x}, f"expected {x.shape}, got {mask.shape}",
             "draw one number per element: rng.random(x.shape)")
    same_rows, same_cols = bool(np.all(full == full[0])), bool(np.all(full == full[:, :1]))
    assert_true(not same_rows and not same_cols,
                "dropout_forward: mask for x (50, 40), p = 0.5: expected an independent draw per unit, "
                f"got the same mask in every {'row' if same_rows else 'column'}. Hint: draw "
                "rng.random(x.shape), one number per element, not one per feature or per sample")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_list_input(student, seed):
    x = np.round(np.random.default_rng(seed).normal(size=(6, 10)), 3).tolist()
    out, mask = forward(student, x, 0.5, seed, what="dropout_forward(list x, p)")
    assert_close(out, np.asarray(x) * mask, what="dropout_forward(list x, p) out", inputs={"x": x},
                 hint="convert the input with np.asarray(x)")


@pytest.mark.target("dropout_forward")
@pytest.mark.points(1)
def test_dropout_forward_does_not_modify_x(student, rng, seed):
    x = rng.normal(size=(10, 6))
    got, args_after, _ = inputs_after(student.dropout_forward, x, 0.5, rng=student.make_rng([seed, 5]))
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        fail("dropout_forward(x, 0.5)", "wrong return value", None,
             f"expected a pair (out, mask), got {type(got).__name__}", "return out, mask")
    check_draw(x, 0.5, got[0], got[1], "dropout_forward(x, 0.5, rng=...)")
    # unchanged means bit for bit: no tolerance
    assert_close(args_after[0], x, rtol=0, atol=0, what="dropout_forward(x, p): x after the call", inputs={"x": x},
                 hint="out = x * mask builds a new array; x *= mask overwrites the caller's x")


@pytest.mark.target("dropout_backward")
@pytest.mark.points(2)
def test_dropout_backward_is_dout_times_mask(student, rng):
    dout = rng.normal(size=(7, 6))
    mask = (rng.random(size=(7, 6)) < 0.6) / 0.6
    got = student.dropout_backward(dout, mask)
    assert_close(got, dout * mask, what="dropout_backward(dout, mask)", inputs={"dout": dout, "mask": mask},
                 hint="out = x * mask, so dx = dout * mask (the mask already holds the 1 / (1 - p) scale)")


@pytest.mark.target("dropout_backward")
@pytest.mark.points(1)
def test_dropout_backward_mask_none_returns_dout(student, rng):
    dout = rng.normal(size=(5, 4))
    got = student.dropout_backward(dout, None)
    assert_close(got, dout, what="dropout_backward(dout, None)", inputs={"dout": dout},
                 hint="mask None means evaluation mode, where out = x: dx = dout")
    mask = (rng.random(size=(5, 4)) < 0.6) / 0.6  # and a real mask is applied: "return dout" is not the rule
    assert_close(student.dropout_backward(dout, mask), dout * mask, what="dropout_backward(dout, mask)",
                 inputs={"dout": dout, "mask": mask}, hint="dx = dout * mask")


@pytest.mark.target("dropout_backward")
@pytest.mark.points(1)
def test_dropout_backward_does_not_modify_inputs(student, rng):
    dout = rng.normal(size=(7, 6))
    mask = (rng.random(size=(7, 6)) < 0.5) / 0.5
    got, args_after, _ = inputs_after(student.dropout_backward, dout, mask)
    assert_close(got, dout * mask, what="dropout_backward(dout, mask)", inputs={"dout": dout, "mask": mask},
                 hint="dx = dout * mask")
    # unchanged means bit for bit: no tolerance
    assert_close(args_after[0], dout, rtol=0, atol=0, what="dropout_backward(dout, mask): dout after the call",
                 inputs={"dout": dout}, hint="return dout * mask; dout *= mask overwrites the caller's array")
    assert_close(args_after[1], mask, rtol=0, atol=0, what="dropout_backward(dout, mask): mask after the call",
                 inputs={"mask": mask}, hint="do not write into the mask")
