"""`nncourse grade` on a class: 50 submissions in one call, bad ones contained, order kept, resumable."""
import json
import zipfile

import pytest

from nncourse.mutants import apply_hunks, load_mutant, mutant_files

from conftest import REPO, write_module

EX = "exercise2"
MODULE = "activations.py"


@pytest.fixture(scope="module")
def class_of_50(tmp_path_factory):
    """50 submissions: references in three forms, variants, mutants, and five broken ones."""
    root = tmp_path_factory.mktemp("class")
    reference = (REPO / "solutions" / EX / MODULE).read_text()
    subs, expect = [], []
    good = [reference] + [p.read_text() for p in sorted((REPO / "tests" / "variants" / EX).glob(f"*/{MODULE}"))]
    mutants = [apply_hunks(load_mutant(p), reference) for p in mutant_files(REPO / "grader" / EX)]
    broken = {
        "hang": "while True:\n    pass\n",
        "syntax": "def sigmoid(z)\n    return z\n",
        "exit": "import sys\nsys.exit(0)\n",
        "crash": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n",
    }
    for i in range(50 - len(broken) - 1):
        kind = i % 3
        source = good[i % len(good)] if kind != 2 else mutants[i % len(mutants)]
        student = root / f"student{i:02d}"
        if kind == 1:  # a folder holding the module one level down
            path = write_module(student / "work", MODULE, source).parents[1]
        elif i % 5 == 0:  # a zip
            write_module(student, MODULE, source)
            path = student.with_suffix(".zip")
            with zipfile.ZipFile(path, "w") as zf:
                zf.write(student / MODULE, f"hw/{MODULE}")
        else:
            path = write_module(student, MODULE, source)
        subs.append(path)
        expect.append("full" if kind != 2 else "partial")
    for name, source in broken.items():
        subs.append(write_module(root / name, MODULE, source))
        expect.append("zero")
    subs.append(root / "nobody" / MODULE)  # does not exist
    expect.append("error")
    return subs, expect


@pytest.mark.slow
def test_grade_50_submissions_in_one_call(cli, class_of_50, tmp_path):
    subs, expect = class_of_50
    res = cli("grade", EX, *subs, "--json", "--jobs", "2", "--out", tmp_path / "out")
    assert res.exit_code == 1  # one submission could not be graded (it does not exist)
    results = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(results) == 50
    assert [r["submission"] for r in results] == [str(s) for s in subs]  # order given
    for result, want in zip(results, expect):
        if want == "full":
            assert result["score"] == result["max_score"] > 0, result["submission"]
        elif want == "partial":
            assert 0 < result["score"] < result["max_score"]
        elif want == "zero":
            assert result["status"] == "graded" and result["score"] == 0
            assert "could not be imported" in result["message"]
        else:
            assert result["status"] == "error" and "no such file" in result["message"]

    # a rerun reuses what --out holds: nothing is graded twice
    again = cli("grade", EX, *subs[:6], "--out", tmp_path / "out")
    assert again.exit_code == 0
    assert again.stderr.count("(already graded)") == 6
