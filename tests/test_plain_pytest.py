"""`python -m pytest` in a fetched exercise folder runs the public checks on the module, in-process."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import REPO

EXERCISES = [f"exercise{i}" for i in range(1, 7)]


def pytest_in(folder):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("PYTEST_ADDOPTS", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_reference_passes_and_stub_fails_under_plain_pytest(cli, tmp_path, course, exercise):
    ex = course.exercise(exercise)
    res = cli("fetch", exercise, "--dir", tmp_path)
    assert res.exit_code == 0 and (tmp_path / "conftest.py").is_file()
    code, last = pytest_in(tmp_path)
    assert code == 1 and " passed" not in last, last
    shutil.copy(course.path(ex.solution), tmp_path / ex.module)
    code, last = pytest_in(tmp_path)
    assert code == 0 and "failed" not in last, last


def test_in_place_bug_is_caught_in_process_too(cli, tmp_path, course):
    ex = course.exercise("exercise3")
    cli("fetch", ex.id, "--dir", tmp_path)
    source = course.path(ex.solution).read_text()
    assert "def relu_backward(dout, cache):" in source
    source = source.replace("def relu_backward(dout, cache):",
                            "def relu_backward(dout, cache):\n    dout[...] = dout * (cache > 0) if hasattr(cache, 'shape') "
                            "else dout\n    return dout\n\n\ndef _unused(dout, cache):", 1)
    (tmp_path / ex.module).write_text(source)
    code, last = pytest_in(tmp_path)
    assert code == 1 and last.startswith("1 failed"), last


def test_fetch_keeps_a_conftest_of_the_students(cli, tmp_path):
    (tmp_path / "conftest.py").write_text("# mine\n")
    res = cli("fetch", "exercise1", "--dir", tmp_path)
    assert "kept your" in res.output and (tmp_path / "conftest.py").read_text() == "# mine\n"
