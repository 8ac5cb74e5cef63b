"""Teach, don't dictate: progressive hints (and their optional record), READMEs without the final code lines."""
from __future__ import annotations

import re
import shutil

import pytest
import yaml

from conftest import REPO, write_module
from nncourse import exchange
from nncourse.course import load_course
from nncourse.hints import load_hints

EXERCISES = [f"exercise{i}" for i in range(1, 7)]
# Lines that hand over the answer: the exact code of a formula the student must write.
DICTATED = ["dout @ W.T", "x.T @ dout", "dout.sum(axis=0)", "np.maximum(x, 0)", "np.where(x > 0", ".astype(int)",
            "np.clip(p", "np.sqrt(2 / n_in)", "rng.normal(0.0, np.sqrt", "X.T @ G", "G.sum(axis=0)", "np.divide(",
            "copy.deepcopy(params)", "p -= lr * g", "np.exp(-np.abs", "np.minimum(z, 0)",
            "np.sum(dout * s, axis=-1, keepdims=True)", "rng.permutation(n)", "X @ weights + bias"]


def grader_targets(ex_id: str) -> set[str]:
    return {m for path in (REPO / "grader" / ex_id).glob("test_*.py")
            for m in re.findall(r'target\("([^"]+)"\)', path.read_text())}


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_readme_teaches_without_printing_the_answer(ex_id):
    text = (REPO / "exercises" / ex_id / "README.md").read_text()
    assert [d for d in DICTATED if d in text] == []
    assert len(re.findall(r"not `[a-z] >= 0`", text)) <= 1
    assert re.search(r"^## .*[Tt]raps", text, re.M), "every README lists its traps"
    assert any(word in text.lower() for word in ("derive", "derivative", "chain rule"))


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_hints_are_three_levels_for_real_targets(course, ex_id):
    hints = load_hints(course, course.exercise(ex_id))
    assert hints and set(hints) <= grader_targets(ex_id)
    assert all(len(levels) == 3 and len(set(levels)) == 3 for levels in hints.values())


def test_hint_gives_the_next_level_each_time(cli, tmp_path):
    texts = []
    for _ in range(4):
        res = cli("hint", "exercise3", "affine_backward", "--dir", tmp_path)
        assert res.exit_code == 0, res.output
        texts.append(res.output)
    assert [t.split("\n", 1)[0] for t in texts] == [
        "affine_backward, hint 1 of 3 (the idea):", "affine_backward, hint 2 of 3 (the formula):",
        "affine_backward, hint 3 of 3 (the shape of the code):", "affine_backward, hint 3 of 3 (the shape of the code):"]
    assert "records hint use" not in texts[0]
    again = cli("hint", "exercise3", "affine_backward", "--dir", tmp_path, "--level", "1")
    assert again.output == texts[0]
    listing = cli("hint", "exercise3", "--dir", tmp_path).output
    assert re.search(r"affine_backward +3 of 3 seen", listing) and re.search(r"MLP.fit +0 of 3 seen", listing)
    bad = cli("hint", "exercise3", "nonsense", "--dir", tmp_path)
    assert bad.exit_code == 2 and "affine_backward" in bad.output


def test_recorded_hints_travel_with_the_submission(runner, tmp_path):
    from nncourse.cli import main
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["record_hints"] = True
    data["exercises"] = [e for e in data["exercises"] if e["id"] == "exercise1"]
    for key in ("stub", "readme", "public_checks", "solution", "grader"):
        data["exercises"][0][key] = str(REPO / data["exercises"][0][key])
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.yaml").write_text(yaml.safe_dump(data))
    root = exchange.init_exchange(tmp_path / "exchange")
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(REPO / "solutions" / "exercise1" / "perceptron.py", ws)
    base = ["--course", str(tmp_path / "course")]
    res = runner.invoke(main, [*base, "hint", "exercise1", "step", "--dir", str(ws)])
    assert "records hint use" in res.output
    # exercises/ of the copied course are the repository's: hints.yaml is found next to the README
    res = runner.invoke(main, [*base, "submit", "exercise1", "--dir", str(ws), "--student", "dana", "--exchange", str(root)])
    assert res.exit_code == 0, res.output
    (entry,), _ = exchange.collect(root, load_course(tmp_path / "course").exercise("exercise1"))
    assert [(h["target"], h["level"]) for h in entry.meta["hints"]] == [("step", 1)]
    res = runner.invoke(main, [*base, "exchange", "grade", "exercise1", "--exchange", str(root), "-j", "1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, [*base, "score", "exercise1", "--dir", str(ws)])
    assert "hints used: step (level 1)" in res.output and "score: 51 / 51" in res.output


def test_without_record_hints_nothing_is_sent(cli, tmp_path, monkeypatch):
    root = exchange.init_exchange(tmp_path / "exchange")
    monkeypatch.setenv("NNCOURSE_EXCHANGE", str(root))
    write_module(tmp_path / "ws", "perceptron.py", "x = 1\n")
    cli("hint", "exercise1", "step", "--dir", tmp_path / "ws")
    assert cli("submit", "exercise1", "--dir", tmp_path / "ws", "--student", "eve").exit_code == 0
    (entry,), _ = exchange.collect(root, load_course(REPO).exercise("exercise1"))
    assert "hints" not in entry.meta
