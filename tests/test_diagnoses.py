"""The diagnoses: each hypothesis fires on its bug, stays silent on right values, never matches NaN."""
import numpy as np
import pytest

from nncourse.grading import diagnoses as dg
from nncourse.grading.checks import CheckFailed, assert_close, assert_matches_numeric_grad, assert_true

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3))
W = RNG.normal(size=(3, 4))
Z = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, 5.0])


def names(got, want, **kw):
    return [d.name for d in dg.diagnose(got, want, **kw)]


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# (name, got, want, keyword arguments of diagnose): each is a known bug's numbers
BUGS = [
    ("factor_n", 6 * W, W, dict(inputs={"X": X}, what="grads['W1']", target="MLP.loss_and_grads")),
    ("factor_inverse_n", W / 6, W, dict(inputs={"X": X}, what="dW", target="affine_backward")),
    ("factor_2", 2 * W, W, dict(inputs={"params": {"W": W}, "lam": 0.1}, target="l2_grad")),
    ("factor_lam", 0.3 * W, W, dict(inputs={"lam": 0.3}, target="l1_grad")),
    ("factor_one_minus_p", 0.6 * X, X, dict(inputs={"x": X, "p": 0.4}, target="dropout_forward")),
    ("sign_flip", -W, W, dict(inputs={}, target="Perceptron.update")),
    ("transpose", W.T, W, dict(what="dW", target="affine_backward")),
    ("off_by_one", np.array([4.0, 7.0, 9.0]), np.array([3.0, 6.0, 8.0]), dict(target="EarlyStopping.step")),
    ("at_zero", (Z >= 0).astype(float), (Z > 0).astype(float), dict(inputs={"z": Z}, target="relu_grad")),
    ("int_division", np.array([1.0, 2.0, 3.0, 0.0]), np.array([1.5, 2.25, 3.5, 0.75]), dict()),
    ("missing_term", sigmoid(Z) + sigmoid(Z) * (1 - sigmoid(Z)),
     sigmoid(Z) + Z * sigmoid(Z) * (1 - sigmoid(Z)), dict(inputs={"z": Z}, target="swish_grad")),
    ("missing_square", 1 - np.tanh(Z), 1 - np.tanh(Z) ** 2, dict(inputs={"z": Z}, target="tanh_grad")),
    ("derivative_on_output", Z * (1 - Z), sigmoid(Z) * (1 - sigmoid(Z)), dict(inputs={"z": Z}, target="sigmoid_grad")),
    ("softmax_axis", np.exp(X) / np.exp(X).sum(axis=0), np.exp(X) / np.exp(X).sum(axis=1, keepdims=True),
     dict(inputs={"z": X}, target="softmax")),
    ("extra_axis", W.reshape(3, 4, 1), W, dict()),
    ("axis_kept", np.tile(W.sum(axis=0), (3, 1)) / 3, W.sum(axis=0), dict(what="db")),
]


@pytest.mark.parametrize("name,got,want,kw", BUGS, ids=[b[0] for b in BUGS])
def test_each_hypothesis_fires_on_its_bug(name, got, want, kw):
    assert name in names(got, want, **kw)


@pytest.mark.parametrize("name,got,want,kw", BUGS, ids=[b[0] for b in BUGS])
def test_no_diagnosis_when_got_equals_want(name, got, want, kw):
    assert dg.diagnose(want, want, **kw) == []
    assert dg.diagnose(want * (1 + 1e-9), want, **kw) == []  # within tolerance is equal


def test_overflow_names_where_it_starts():
    z = np.array([-1e4, -800.0, -50.0, -1.0, 0.0, 1.0, 50.0])
    want = sigmoid(np.clip(z, -700, 700))
    got = want.copy()
    got[:2] = np.nan
    [d] = dg.diagnose(got, want, inputs={"z": z}, target="sigmoid")
    assert d.name == "overflow" and "|z| = 800" in d.sentence


def test_a_random_wrong_value_gets_no_diagnosis():
    got = RNG.normal(size=(3, 4))
    assert dg.diagnose(got, W, inputs={"X": X}, what="dW", target="affine_backward") == []


def test_nan_never_matches():
    got = 6 * W
    got[0, 0] = np.nan
    assert dg.diagnose(got, W, inputs={"X": X}, what="dW") == []
    assert not dg.agrees(np.array([np.nan]), np.array([np.nan]))


def test_two_hypotheses_fitting_the_same_numbers_are_both_named():
    # A transposed square matrix that is also -1 times the right one (antisymmetric): both causes fit.
    want = np.array([[0.0, 1.0, -2.0], [-1.0, 0.0, 3.0], [2.0, -3.0, 0.0]])
    found = [d.name for d in dg.diagnose(want.T, want, what="dW")]
    assert {"sign_flip", "transpose"} <= set(found)
    assert "Or:" in dg.explain(dg.diagnose(want.T, want, what="dW"))


def test_weak_hypotheses_yield_to_strong_ones():
    z = np.array([-1.0, 0.0, 1.0, 30.0, 40.0])
    want = np.where(z > 0, 1.0, 0.0)
    got = want.copy()
    got[1] = 1.0  # wrong at exactly 0 (a strong, specific cause)
    assert names(got, want, inputs={"z": z}, target="relu_grad") == ["at_zero"]


def test_seed_property_messages():
    same = "Perceptron: two Perceptron(8, seed=123) must have equal weights: expected equal, got [1]... and [2]..."
    diff = ("Perceptron: Perceptron(8, seed=1) and Perceptron(8, seed=2) must have different random weights: "
            "expected different, got [0.]... for both.")
    assert [d.name for d in dg.diagnose_property(same)] == ["seed_ignored"]
    assert [d.name for d in dg.diagnose_property(diff)] == ["seed_fixed"]
    assert dg.diagnose_property("step: expected a float, got a list") == []


def test_warnings_and_dtypes_and_shapes():
    assert [d.name for d in dg.warning_evidence(["RuntimeWarning: overflow encountered in exp"])] == ["overflow"]
    assert [d.name for d in dg.warning_evidence(["RuntimeWarning: divide by zero encountered in log"])] == ["log_of_zero"]
    assert [d.name for d in dg.dtype_evidence(np.array([True]), "iu")] == ["dtype_bool"]
    assert dg.dtype_evidence(np.array([1]), "iu") == []
    assert [d.name for d in dg.shape_evidence(np.zeros((3, 1)), (3,))] == ["extra_axis"]
    assert dg.shape_evidence(np.zeros((3, 2)), (3,)) == []


def test_checks_put_the_diagnosis_first():
    token = dg.current_target.set("MLP.loss_and_grads")
    try:
        with pytest.raises(CheckFailed) as info:
            assert_close(6 * W, W, what="grads['W1']", inputs={"X": X})
    finally:
        dg.current_target.reset(token)
    exc = info.value
    assert exc.diagnosis_names == ["factor_n"]
    assert str(exc).startswith("Likely cause: your gradient is exactly n = 6")
    assert "wrong values" in str(exc)


def test_numeric_gradient_check_diagnoses_transpose():
    x = RNG.normal(size=(3, 2))
    with pytest.raises(CheckFailed) as info:
        assert_matches_numeric_grad((2 * x).T, lambda v: float(np.sum(v ** 2)), x, what="grad")
    assert info.value.diagnosis_names == ["transpose"]


def test_a_check_without_a_fitting_cause_has_no_diagnosis():
    with pytest.raises(CheckFailed) as info:
        assert_close(RNG.normal(size=4), np.ones(4), what="f(x)")
    assert info.value.diagnosis is None and not str(info.value).startswith("Likely cause")
    with pytest.raises(CheckFailed) as info:
        assert_true(False, "f: wrong. Hint: none")
    assert info.value.diagnosis is None


def test_early_stopping_rules_that_fit_the_same_answers_are_both_named():
    # a constant loss with patience 2: "stops one epoch late" and "an equal loss counts as better" both give F, F, F
    found = names([False, False, False], [False, False, True], inputs={"val_losses": [1.0, 1.0, 1.0], "patience": 2},
                  what="EarlyStopping(patience=2).step results", target="EarlyStopping.step")
    assert {"patience_off_by_one", "equal_is_improvement"} <= set(found)


def _result(tests):
    from nncourse.result import Result, ResultStatus, TestResult
    return Result(exercise="e", submission_sha256="0", score=0.0, max_score=1.0, status=ResultStatus.graded, grader_version="v",
                  tests=[TestResult(name=n, target=t, points=0.0, max_points=1.0, status=s, diagnosis_names=d,
                                    diagnosis="x" if d else None) for n, t, s, d in tests])


def test_validate_counts_declared_diagnoses_on_failing_tests_of_the_targets():
    from pathlib import Path

    from nncourse.mutants import Mutant
    from nncourse.validate_diagnoses import coverage, diagnoses_on_correct_code
    m1 = Mutant("a", Path("a.diff"), targets=("f",), diagnosis="transpose")
    m2 = Mutant("b", Path("b.diff"), targets=("f",), diagnosis="sign_flip")
    m3 = Mutant("c", Path("c.diff"), targets=("f",))
    results = {"mutant-a": _result([("t1", "f", "failed", ["transpose"])]),
               "mutant-b": _result([("t1", "g", "failed", ["sign_flip"])]),  # not on its target: does not count
               "mutant-c": _result([("t1", "f", "failed", ["transpose"])])}  # declares nothing: does not count
    done, total, misses = coverage([m1, m2, m3], results)
    assert (done, total) == (1, 3) and len(misses) == 2
    assert diagnoses_on_correct_code({"reference": _result([("t1", "f", "passed", [])])}) == []
    assert diagnoses_on_correct_code({"seed-2": _result([("t1", "f", "failed", ["offset"])])})
