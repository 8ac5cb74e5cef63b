"""What a new student does on a fresh machine, end to end, with the built wheel.

pip install the wheel into a new venv; from an empty folder: fetch exercise3,
check (the stub fails, the finished module passes), submit into an exchange;
the instructor grades from the repository; the student's `score` shows it.
The installed package carries only the student release: `grade` refuses.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

from wheel_helpers import REPO, build_wheel

EX, MODULE = "exercise3", "backprop.py"


def run(argv, cwd, env, ok=True):
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if ok is not None:
        assert (done.returncode == 0) == ok, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_fresh_install_fetch_check_submit_grade_score(tmp_path, tmp_path_factory):
    wheel = build_wheel(tmp_path / "build")
    # a student's venv is readable by the student; as root, the sandbox drops to an unprivileged uid,
    # which must be able to read the venv (pytest's root-owned tmp folders are 0700)
    env_dir = Path(tempfile.mkdtemp(prefix="nncourse-venv-"))
    os.chmod(env_dir, 0o755)
    request_cleanup(tmp_path_factory, env_dir)
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("NNCOURSE_")}
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel],
        tmp_path, clean)
    where = run([python, "-c", "import nncourse; print(nncourse.__file__)"], tmp_path, clean).stdout
    assert str(env_dir) in where, where  # the wheel, not the repository's editable install

    exchange = tmp_path / "exchange"
    student_env = {**clean, "NNCOURSE_EXCHANGE": str(exchange), "NNCOURSE_STUDENT": "newcomer"}
    nncourse = bindir / "nncourse"
    empty = tmp_path / "empty"
    empty.mkdir()
    run([python, "-m", "nncourse", "exchange", "init", exchange], REPO, clean)  # any nncourse can make one

    fetched = run([nncourse, "fetch", EX], empty, student_env)
    assert (empty / EX / MODULE).is_file() and (empty / EX / "README.md").is_file()
    assert "wrote" in fetched.stdout
    stub = run([nncourse, "check", EX], empty, student_env, ok=False)
    assert stub.returncode == 1 and "not implemented yet" in stub.stdout
    shutil.copy(REPO / "solutions" / EX / MODULE, empty / EX / MODULE)  # the student's finished work
    good = run([nncourse, "check", EX], empty, student_env)
    assert " 0 failed" in good.stdout
    refused = run([nncourse, "grade", EX, empty / EX / MODULE], empty, student_env, ok=False)
    assert "student release" in refused.stderr and "Traceback" not in refused.stderr
    run([nncourse, "submit", EX], empty, student_env)
    assert "not graded yet" in run([nncourse, "score", EX], empty, student_env, ok=False).stdout

    instructor_env = {**clean, "PYTHONPATH": str(REPO / "src")}
    graded = run([sys.executable, "-m", "nncourse", "--course", REPO, "exchange", "grade", EX,
                  "--exchange", exchange, "-j", "2"], REPO, instructor_env)
    assert "newcomer" in graded.stdout

    score = run([nncourse, "score", EX], empty, student_env)
    assert "score: 89 / 89" in score.stdout, score.stdout
    assert not list(empty.glob("**/solutions")) and not list(empty.glob("**/grader"))


def request_cleanup(factory, folder: Path) -> None:
    """Remove a folder made outside pytest's tmp tree when the session ends."""
    import atexit
    atexit.register(shutil.rmtree, folder, True)
