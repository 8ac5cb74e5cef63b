"""Hidden tests of EarlyStopping: when step stops, best_loss/best_epoch, the deep copy of params.

Losses are dyadic fractions (exact in binary), so `best_loss - min_delta` has
no rounding and the boundary case "exactly min_delta better" is well defined.
"""
import numpy as np
import pytest

from nncourse.grading.checks import as_array, assert_close, assert_equal, fail
from nncourse.grading.defaults import assert_defaults

HINT_RULE = ("improvement: val_loss < best_loss - min_delta (then counter = 0), otherwise counter += 1; "
             "step returns counter >= patience")


def small_params():
    return {"W": np.array([[0.5, -1.0], [2.0, 0.25]]), "b": np.array([0.125, -0.5])}


def run_steps(stopper, losses, params=None):
    """The list of step() results, as Python bools (a non-bool result fails)."""
    params = small_params() if params is None else params
    results = []
    for loss in losses:
        got = stopper.step(loss, params)
        if not isinstance(got, (bool, np.bool_)):
            fail("EarlyStopping.step(val_loss, params)", "wrong return type", None,
                 f"expected a bool, got {type(got).__name__} {got!r}", "return counter >= patience")
        results.append(bool(got))
    return results


def expect_steps(student, losses, want, what, **kwargs):
    stopper = student.EarlyStopping(**kwargs)
    got = run_steps(stopper, losses)
    assert_equal(got, want, what=what, inputs={"val_losses": losses, **kwargs}, hint=HINT_RULE)
    return stopper


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(1)
def test_early_stopping_step_returns_bool(student):
    # bools with the right values: no constant answer is right on this sequence
    expect_steps(student, [1.0, 0.5, 2.0], [False, False, True], "EarlyStopping(patience=1).step results",
                 patience=1)
    losses = [1.0, 0.5, 0.75, 0.25, 0.5, 0.625, 0.125, 0.25, 0.0625, 0.5, 0.75]
    expect_steps(student, losses, [False] * 5 + [True] + [False] * 4 + [True],
                 "EarlyStopping(patience=2).step results", patience=2)


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(2)
def test_early_stopping_step_stops_exactly_at_patience(student):
    expect_steps(student, [1.0, 1.25, 1.5, 1.75], [False, False, False, True],
                 "EarlyStopping(patience=3).step results", patience=3)
    expect_steps(student, [1.0, 2.0], [False, True], "EarlyStopping(patience=1).step results", patience=1)


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(2)
def test_early_stopping_step_counter_resets_on_improvement(student):
    losses = [1.0, 1.25, 1.5, 0.75, 1.0, 1.25, 1.5]
    expect_steps(student, losses, [False] * 6 + [True], "EarlyStopping(patience=3).step results",
                 patience=3)


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(1)
def test_early_stopping_step_equal_loss_is_not_improvement(student):
    expect_steps(student, [1.0, 1.0, 1.0], [False, False, True],
                 "EarlyStopping(patience=2).step results with a constant loss", patience=2)


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(2)
def test_early_stopping_step_min_delta(student):
    # best 2.0; 1.75 is exactly min_delta better (not an improvement); 1.5 is; 1.375 and 1.3125 are not
    losses = [2.0, 1.75, 1.5, 1.375, 1.3125]
    stopper = expect_steps(student, losses, [False, False, False, False, True],
                           "EarlyStopping(patience=2, min_delta=0.25).step results",
                           patience=2, min_delta=0.25)
    assert_close(as_array(stopper.best_loss, what="EarlyStopping.best_loss"), 1.5,
                 what="EarlyStopping(patience=2, min_delta=0.25).best_loss", inputs={"val_losses": losses},
                 hint="a loss less than min_delta below best_loss is not an improvement and does not "
                      "change best_loss")


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(1)
def test_early_stopping_step_tracks_best_loss(student):
    losses = [3.0, 2.0, 2.5, 1.0, 1.5, 1.25]
    stopper = expect_steps(student, losses, [False] * 6, "EarlyStopping(patience=10).step results",
                           patience=10)
    assert_close(as_array(stopper.best_loss, what="EarlyStopping.best_loss"), 1.0,
                 what="EarlyStopping.best_loss", inputs={"val_losses": losses},
                 hint="store the loss of each improvement in best_loss")


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(2)
def test_early_stopping_step_best_epoch_is_0_based(student):
    stopper = student.EarlyStopping(patience=10)
    run_steps(stopper, [3.0])
    assert_equal(stopper.best_epoch, 0, what="EarlyStopping.best_epoch after one step",
                 inputs={"val_losses": [3.0]}, hint="the first step call is epoch 0")
    losses = [3.0, 2.0, 2.5, 1.0, 1.5, 1.25]
    run_steps(stopper, losses[1:])
    assert_equal(stopper.best_epoch, 3, what="EarlyStopping.best_epoch", inputs={"val_losses": losses},
                 hint="best_epoch is the 0-based number of the step call with the best loss")


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(2)
def test_early_stopping_step_best_params_is_deep_copy(student):
    params = small_params()
    live = student.put({k: v.copy() for k, v in params.items()})
    stopper = student.EarlyStopping(patience=3)
    run_steps(stopper, [1.0], params=live)
    # the training loop updates the arrays in place after the step, as an optimizer does
    live.ref_item("W").assign(params["W"] - 10.0)
    live.ref_item("b").assign(params["b"] + 10.0)
    best = stopper.best_params
    if not isinstance(best, dict):
        fail("EarlyStopping.best_params", "wrong type", None, f"expected a dict, got {type(best).__name__}",
             "store a deep copy of the params dict")
    assert_equal(sorted(best), sorted(params), what="EarlyStopping.best_params keys", hint="copy every key")
    for key, value in params.items():  # a copy is bit for bit: no tolerance
        assert_close(best[key], value, rtol=0, atol=0,
                     what=f"EarlyStopping.best_params[{key!r}] after params[{key!r}] was updated in place",
                     hint="dict(params) or params.copy() still shares the arrays; use copy.deepcopy(params) "
                          "or {k: v.copy() for k, v in params.items()}")


@pytest.mark.target("EarlyStopping.step")
@pytest.mark.points(2)
def test_early_stopping_step_restores_best_params_in_training(student, rng):
    # a simulated run: each epoch an optimizer moves the weights in place, then validation
    val_losses = [1.0, 0.75, 0.625, 0.5625, 0.59375, 0.5, 0.6875, 0.625, 0.75, 0.875, 1.0, 1.25]
    patience, best_epoch, stop_epoch = 3, 5, 8
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.zeros(4), "W2": rng.normal(size=(4, 1)), "b2": np.zeros(1)}
    live = student.put({k: v.copy() for k, v in params.items()})
    stopper = student.EarlyStopping(patience=patience)
    history, stopped_at = [], None
    for epoch, loss in enumerate(val_losses):
        for key in params:
            params[key] = params[key] - 0.1 * rng.normal(size=params[key].shape)
            live.ref_item(key).assign(params[key])
        history.append({k: v.copy() for k, v in params.items()})
        if run_steps(stopper, [loss], params=live)[0]:
            stopped_at = epoch
            break
    assert_equal(stopped_at, stop_epoch, what=f"EarlyStopping(patience={patience}): epoch where step returned True",
                 inputs={"val_losses": val_losses}, hint=HINT_RULE)
    assert_equal(stopper.best_epoch, best_epoch, what="EarlyStopping.best_epoch after the run",
                 inputs={"val_losses": val_losses}, hint="best_epoch is the 0-based epoch of the lowest loss")
    best = stopper.best_params
    if not isinstance(best, dict):
        fail("EarlyStopping.best_params", "wrong type", None, f"expected a dict, got {type(best).__name__}",
             "store a deep copy of the params dict")
    for key in params:  # a copy is bit for bit: no tolerance
        assert_close(best.get(key), history[best_epoch][key], rtol=0, atol=0,
                     what=f"EarlyStopping.best_params[{key!r}] after training",
                     inputs={"val_losses": val_losses},
                     hint="best_params must hold the weights of the best epoch, not the last ones: deep-copy "
                          "params when the loss improves")


@pytest.mark.target("EarlyStopping")
@pytest.mark.points(1)
def test_early_stopping_defaults_patience_5_min_delta_0(student):
    # The defaults are checked on what the constructor stores (grading/defaults.py), never through
    # step: EarlyStopping() must store exactly what EarlyStopping(patience=5, min_delta=0.0) stores,
    # so a bug in step costs EarlyStopping.step's points only.
    assert_defaults(student.EarlyStopping, "EarlyStopping", {"patience": 5, "min_delta": 0.0},
                    {"patience": 2, "min_delta": 0.25},
                    diagnoses={"patience": "wrong_patience", "min_delta": "wrong_min_delta"})
