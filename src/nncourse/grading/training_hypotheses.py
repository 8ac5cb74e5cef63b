"""Hypotheses for training helpers: early stopping replayed under known bugs, dropout's statistics.

Why: an EarlyStopping's answers are a sequence of booleans; the bug shows when the
sequence equals the one a known-wrong rule gives (patience off by one, <= for <,
min_delta ignored). Dropout is random, so its checks report statistics; the
diagnosis reads which wrong rule those statistics match.
"""
from __future__ import annotations

import re

import numpy as np

from nncourse.grading.diagnoses import NUMBER, Case, Diagnosis, hypothesis


def replay(losses, patience=5, min_delta=0.0, *, rule="right") -> tuple[list[bool], int | None]:
    """The answers of step over `losses` and the best epoch, under the right rule or a known-wrong one."""
    best, best_epoch, counter, out = np.inf, None, 0, []
    for epoch, loss in enumerate(losses):
        if rule == "equal_is_improvement":
            better = loss <= best - min_delta
        elif rule == "ignores_min_delta":
            better = loss < best
        elif rule == "min_delta_wrong_sign":
            better = loss < best + min_delta
        else:
            better = loss < best - min_delta
        if better:
            best, best_epoch, counter = loss, epoch, 0
        else:
            counter += 1
            if rule == "any_decrease_lowers_best" and loss < best:
                best = loss
        stop = counter > patience if rule == "patience_off_by_one" else counter >= patience
        out.append(bool(stop))
    return out, best_epoch


def _replay_no_reset(losses, patience, min_delta):
    best, counter, out = np.inf, 0, []
    for loss in losses:
        if loss < best - min_delta:
            best = loss
        else:
            counter += 1
        out.append(counter >= patience)
    return out


ES_RULES = {
    "patience_off_by_one": "you stop one epoch late: stop as soon as the counter reaches patience (counter >= patience)",
    "equal_is_improvement": "you count an equal loss as an improvement: improvement means val_loss < best_loss - min_delta, "
                            "strictly",
    "ignores_min_delta": "you ignore min_delta: an improvement must beat best_loss - min_delta",
    "min_delta_wrong_sign": "you add min_delta to best_loss: an improvement must beat best_loss - min_delta",
    "any_decrease_lowers_best": "you lower best_loss on every smaller loss, even one within min_delta: update best_loss "
                                "only on a real improvement",
}


@hypothesis("EarlyStopping.step", "EarlyStopping")
def early_stopping_rule(case: Case) -> list[Diagnosis] | Diagnosis | None:
    losses = (case.inputs or {}).get("val_losses")
    if losses is None or "results" not in case.what or case.got.shape != case.want.shape:
        return None
    args = case.call_args
    patience = int((case.inputs or {}).get("patience", args.get("patience", 5)))
    min_delta = float((case.inputs or {}).get("min_delta", args.get("min_delta", 0.0)))
    losses = [float(v) for v in losses]
    got = [bool(v) for v in case.got]
    if replay(losses, patience, min_delta)[0] == got:
        return None
    fitting = [Diagnosis(rule, sentence) for rule, sentence in ES_RULES.items()
               if replay(losses, patience, min_delta, rule=rule)[0] == got]
    if fitting:  # a short sequence may fit two rules: both are named
        return fitting
    if _replay_no_reset(losses, patience, min_delta) == got:
        return Diagnosis("no_reset", "you do not reset the counter on an improvement: set counter = 0 whenever "
                         "the loss improves")
    for other in range(1, 11):
        if other != patience and replay(losses, other, min_delta)[0] == got:
            words = "the default patience" if "defaults" in case.what else "patience"
            return Diagnosis("wrong_patience", f"your EarlyStopping behaves as if {words} were {other}, not {patience}")
    return None


@hypothesis("EarlyStopping.step", "Perceptron.fit")
def epoch_off_by_one(case: Case) -> Diagnosis | None:
    """A single epoch number off by one (counted from 1, or one step late)."""
    if "epoch" not in case.what or case.got.size != 1 or abs(float(case.got.flat[0] - case.want.flat[0])) != 1:
        return None
    d = float(case.got.flat[0] - case.want.flat[0])
    if case.target == "Perceptron.fit":
        return Diagnosis("off_by_one", f"your fit runs {d:+g} epoch(s) {'more' if d > 0 else 'fewer'} than asked: "
                         "for epoch in range(epochs) runs exactly `epochs` epochs")
    return Diagnosis("off_by_one", f"your epoch is {d:+g} off: epochs count from 0 (the first step call is epoch 0), "
                     "and the stop comes at counter >= patience")


@hypothesis("dropout_backward")
def dropout_backward_unscaled(case: Case) -> Diagnosis | None:
    dout, mask = (case.arrays().get(k) for k in ("dout", "mask"))
    if dout is None or mask is None or dout.shape != mask.shape:
        return None
    if case.fits(dout * (mask != 0)):
        return Diagnosis("not_rescaled", "your gradient uses the 0/1 keep pattern: multiply dout by the mask itself, "
                         "which already holds the scale 1/(1 - p)")
    return None


def dropout_property(text: str) -> list[Diagnosis]:
    """Dropout's statistics in a property message: which wrong rule they match."""
    m = re.search(r"kept units .*p = " + NUMBER + r".*expected " + NUMBER + r" \+- " + NUMBER + ", got " + NUMBER, text)
    if m and abs(float(m[4]) - float(m[1])) <= float(m[3]):
        return [Diagnosis("keep_drop_swapped", f"you keep about a fraction p = {m[1]} of the units: p is the DROP "
                          "probability, so keep a unit with probability 1 - p (rng.random(shape) >= p)")]
    m = re.search(r"mask values for p = " + NUMBER + r".*got values \[0\.?\s+" + NUMBER + r"\]", text)
    if m:
        p, v = float(m[1]), float(m[2])
        if v == 1.0:
            return [Diagnosis("not_rescaled", "your mask holds 0 and 1: inverted dropout scales the kept units by "
                              "1 / (1 - p), so that the expected output equals x")]
        if abs(v - 1 / p) < 1e-6:
            return [Diagnosis("scale_by_1_over_p", "your kept units are scaled by 1/p: scale by 1 / (1 - p), "
                              "p being the drop probability")]
    if "same mask in every row" in text:
        return [Diagnosis("shared_mask", "one mask row is shared by every sample: draw one number per element, "
                          "rng.random(x.shape)")]
    if "the last, smaller batch was dropped" in text:
        return [Diagnosis("drops_last_batch", "your loop skips the last, smaller batch: cut with "
                          "range(0, n, batch_size) and take order[start:start + batch_size]")]
    m = re.search(r"every sample must be used once per epoch.*got samples \[([\d, ]+)\] unused", text)
    if m:
        return [Diagnosis("drops_last_batch", f"samples {m[1]} are never used: your loop skips the last, smaller "
                          "batch; cut with range(0, n, batch_size) and take order[start:start + batch_size]")]
    if re.search(r"expected a (list|float)[^.]*?, got (ndarray|an? (0-d )?array)", text) or \
            re.search(r"expected a (list|float).*got ndarray", text):
        return [Diagnosis("returns_array", "you return a NumPy array where a plain Python value is wanted: return "
                          "float(...) for a number, a list for a history (history.append(...))")]
    if "still holds its old values" in text:
        return [Diagnosis("rebinds_array", "params[key] now holds a new array and the caller's array was left behind: "
                          "update it in place, params[key] -= ..., so that everyone holding the array sees the step")]
    if re.search(r"training=False\): mask: expected None", text):
        return [Diagnosis("active_in_eval", "in evaluation mode dropout does nothing: return x, None")]
    return []


@hypothesis("SoftmaxClassifier.loss_and_grads")
def regularisation_term(case: Case) -> Diagnosis | None:
    """The reg term missing from the gradient, on the bias, or without its 1/2."""
    reg, W, b = case.call_args.get("reg"), case.arrays().get("W"), case.arrays().get("b")
    if not reg or W is None:
        return None
    want = case.want
    if 'grads["W"]' in case.what and want.shape == W.shape and case.fits(want - reg * W):
        return Diagnosis("missing_reg_grad", "your gradient of W lacks the penalty's term: add reg * W "
                         "(the derivative of 0.5 * reg * sum(W**2))")
    if 'grads["b"]' in case.what and b is not None and want.shape == b.shape and case.fits(want + reg * b):
        return Diagnosis("reg_on_bias", "your gradient of b contains reg * b: the penalty covers W only")
    if "loss" in case.what and want.size == 1:
        if case.fits(want + 0.5 * reg * np.sum(W ** 2)):
            return Diagnosis("missing_half", "your penalty is reg * sum(W**2): it is 0.5 * reg * sum(W**2), "
                             "whose gradient is reg * W")
        if b is not None and case.fits(want + 0.5 * reg * np.sum(b ** 2)):
            return Diagnosis("reg_on_bias", "your loss also penalises b: the penalty is 0.5 * reg * sum(W**2) only")
    return None


def _confusion(y_true, y_pred, k):
    cm = np.zeros((k, k))
    np.add.at(cm, (y_true.astype(int), y_pred.astype(int)), 1)
    return cm


@hypothesis("precision_recall_f1")
def precision_recall_swapped(case: Case) -> Diagnosis | None:
    yt, yp = case.arrays().get("y_true"), case.arrays().get("y_pred")
    m = re.search(r": (precision|recall)$", case.what)
    if yt is None or yp is None or not m or case.want.ndim != 1:
        return None
    cm = _confusion(yt, yp, case.want.size)
    with np.errstate(all="ignore"):
        other = np.diag(cm) / (cm.sum(axis=1) if m[1] == "precision" else cm.sum(axis=0))
    if case.fits(np.nan_to_num(other)):
        swapped = "recall" if m[1] == "precision" else "precision"
        return Diagnosis("precision_recall_swapped", f"your {m[1]} is the {swapped}: precision divides the hits by "
                         "the predicted counts (column sums of the confusion matrix), recall by the true counts (row sums)")
    return None


@hypothesis("confusion_matrix")
def confusion_size_from_data(case: Case) -> Diagnosis | None:
    yt, yp = case.arrays().get("y_true"), case.arrays().get("y_pred")
    if yt is None or yp is None or case.got.ndim != 2 or case.got.shape == case.want.shape:
        return None
    if case.got.shape[0] == int(max(yt.max(), yp.max())) + 1:
        return Diagnosis("size_from_data", f"your matrix is {case.got.shape[0]} x {case.got.shape[0]}, sized from the "
                         f"largest label seen: size it from n_classes ({case.want.shape[0]}), so that absent classes "
                         "keep their row and column")
    return None


@hypothesis("Perceptron.fit")
def fit_history_stop(case: Case) -> Diagnosis | None:
    """The error history goes on after a 0, or stops just before recording it."""
    got, want = case.got, case.want
    if got.ndim != 1 or want.ndim != 1 or not want.size or want[-1] != 0:
        return None
    if got.size > want.size and np.array_equal(got[:want.size], want) and not got[want.size:].any():
        return Diagnosis("no_early_stop", "your fit goes on after an epoch with 0 errors: stop right after "
                         "appending that 0 (the data is separated, nothing more will change)")
    if got.size == want.size - 1 and np.array_equal(got, want[:-1]):
        return Diagnosis("stops_before_recording", "your fit stops before appending the epoch with 0 errors: "
                         "append the count first, then break when it is 0")
    return None


@hypothesis("Perceptron.update")
def update_error_sign(case: Case) -> Diagnosis | None:
    if "return value" not in case.what or case.got.size != 1 or case.want.size != 1 or case.want.flat[0] == 0:
        return None
    if case.got.flat[0] == -case.want.flat[0]:
        return Diagnosis("sign_flip", "your error has the wrong sign: error = y - predict(x) (target minus prediction)")
    return None


@hypothesis("Perceptron.update")
def update_abs_error(case: Case) -> Diagnosis | None:
    if "return value" not in case.what or case.got.size != 1 or case.want.size != 1 or case.want.flat[0] >= 0:
        return None
    if case.got.flat[0] == abs(case.want.flat[0]):
        return Diagnosis("abs_error", "your update returns whether the sample was wrong (|error|): return the signed "
                         "error y - predict(x), which is -1, 0 or 1")
    return None


@hypothesis("Perceptron.predict")
def predict_at_zero(case: Case) -> Diagnosis | None:
    got, want = case.got, case.want
    if "net input is exactly 0" not in case.what or got.shape != want.shape:
        return None
    if not np.all((got == want) | ((got == 1) & (want == 0))):  # only 0 -> 1 flips, as >= 0 makes them
        return None
    return Diagnosis("at_zero", "a net input of exactly 0 must give class 0: use step(net_input(X)), that is > 0, "
                     "not >= 0")


UPDATE_WHAT = re.compile(r"(weights|bias) after update\((?:list )?x, y=(\d)\) on a sample (?:predicted|already predicted) (\d)"
                         r".*\(lr " + NUMBER + r"\)")


@hypothesis("Perceptron.update")
def update_step_size(case: Case) -> Diagnosis | None:
    """The start values are want - lr * error * x: replay the update without lr, or without the bias."""
    m, x = UPDATE_WHAT.search(case.what), case.arrays().get("x")
    if not m:
        return None
    error, lr = int(m[2]) - int(m[3]), float(m[4])
    if error == 0:
        return None
    if m[1] == "bias":
        if case.fits(case.want - lr * error):
            return Diagnosis("bias_not_updated", "your update leaves the bias unchanged: the bias moves too, "
                             "bias += learning_rate * error")
        return None
    if x is None or x.shape != case.want.shape:
        return None
    start = case.want - lr * error * x
    if case.fits(start + error * x):
        return Diagnosis("ignores_learning_rate", "your update adds error * x without the learning rate: "
                         "weights += learning_rate * error * x")
    return None
