"""`check` for a student: print output per check, the import rule, and the portable worker."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import REPO, write_module
from nncourse.imports import RULE, foreign_imports
from nncourse.printed import cap

EX, MODULE = "exercise1", "perceptron.py"
REFERENCE = (REPO / "solutions" / EX / MODULE).read_text()


def with_prints(source: str) -> str:
    """The reference, printing at import and on every step() call."""
    return source.replace("def step(z):", "def step(z):\n    print('step got', z)", 1) + "\nprint('imported!')\n"


def test_foreign_imports_outside_the_main_guard():
    source = ("import numpy as np\nimport numpy.linalg\nimport os, json\nfrom collections import deque\n"
              "from . import sibling\nimport matplotlib.pyplot as plt\n"
              "def f():\n    import scipy.special\n    return 1\n"
              "if __name__ == '__main__':\n    import pandas\n    import matplotlib\nelse:\n    import sklearn\n")
    found = [(f.name, f.line) for f in foreign_imports(source)]
    assert found == [("matplotlib", 6), ("scipy", 8), ("sklearn", 14)]
    assert foreign_imports("import numpy\nif __name__ == '__main__':\n    import matplotlib\n") == []
    assert foreign_imports("def broken(:\n") == []


def test_check_shows_prints_per_check_apart_from_our_messages(cli, tmp_path):
    write_module(tmp_path, MODULE, with_prints(REFERENCE))
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 0, res.output
    report, printed = res.output.split("--- what your code printed", 1)
    assert "step got" not in report and "imported!" not in report
    first = printed.split("\n", 1)[1]
    assert first.startswith("test_step_values_and_zero:\n  | imported!\n  | step got [-2.  0.  3.]")
    assert "test_fit_learns_and_but_not_xor:" in printed and "lines not shown" in printed  # capped
    assert all(line.startswith(("  | ", "test_")) or not line for line in first.splitlines())


def test_cap_keeps_head_and_tail():
    text = "\n".join(f"line {i}" for i in range(100))
    out = cap(text, head=3, tail=2)
    assert out.splitlines() == ["line 0", "line 1", "line 2", "[... 95 lines not shown ...]", "line 98", "line 99"]
    assert len(cap("x" * 100000)) < 4000


def test_failing_check_still_shows_what_was_printed(cli, tmp_path):
    broken = with_prints(REFERENCE).replace("print('step got', z)", "print('step got', z)\n    return z", 1)
    write_module(tmp_path, MODULE, broken)
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 1
    assert "step got" in res.output.split("--- what your code printed", 1)[1]


def test_matplotlib_import_gets_the_rule_first(cli, tmp_path):
    write_module(tmp_path, MODULE, "import matplotlib.pyplot as plt\n" + REFERENCE)
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 1, res.output  # the checks pass here, but the grader would not have matplotlib
    head = res.output.split("\n\n")[1]
    assert head.startswith("IMPORTS: perceptron.py imports matplotlib (line 1)") and RULE in head
    assert res.output.count(RULE) == 1
    guarded = REFERENCE + "\nif __name__ == '__main__':\n    import matplotlib.pyplot as plt\n    plt.plot([1])\n"
    write_module(tmp_path, MODULE, guarded)
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 0 and "IMPORTS" not in res.output


def test_missing_package_at_runtime_names_the_rule(cli, tmp_path):
    write_module(tmp_path, MODULE, "import nncourse_no_such_package\n" + REFERENCE)
    res = cli("check", EX, "--dir", tmp_path, "--json")
    result = json.loads(res.output)
    assert "No module named 'nncourse_no_such_package'" in result["message"] and RULE in result["message"]


# -- the portable worker, forced on Linux ------------------------------------------------------------
@pytest.fixture
def portable(monkeypatch):
    """NNCOURSE_PORTABLE=1, and every Linux-only layer booby-trapped: the portable path must not touch them."""
    from nncourse.sandbox import confine, isolation, landlock, limits, seccomp

    def trap(*_a, **_k):
        raise AssertionError("the portable worker used a Linux-only sandbox layer")
    monkeypatch.setenv("NNCOURSE_PORTABLE", "1")
    monkeypatch.setattr(isolation, "detect", trap)
    monkeypatch.setattr(limits, "apply_limits", trap)
    monkeypatch.setattr(confine, "apply_limits", trap)
    monkeypatch.setattr(confine, "preexec_steps", trap)
    monkeypatch.setattr(confine, "plan_worker", trap)
    monkeypatch.setattr(landlock, "restrict", trap)
    monkeypatch.setattr(seccomp, "install", trap)


def fast_course(tmp_path: Path) -> Path:
    """The course manifest with exercise1 only and a 3 s test budget (for the endless loop)."""
    data = yaml.safe_load((REPO / "course.yaml").read_text())
    data["exercises"] = [e for e in data["exercises"] if e["id"] == EX]
    data["limits"]["test_timeout"] = 3
    for key in ("stub", "readme", "public_checks", "solution", "grader"):
        data["exercises"][0][key] = str(REPO / data["exercises"][0][key])
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "course.yaml").write_text(yaml.safe_dump(data))
    return tmp_path


def test_portable_check_passes_the_reference_and_says_so_once(cli, tmp_path, portable):
    write_module(tmp_path, MODULE, with_prints(REFERENCE))
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 0, res.output
    assert res.output.count("portable mode") == 1
    assert "  | step got" in res.output


def test_portable_check_survives_loops_and_crashes(runner, tmp_path, portable):
    from nncourse.cli import main
    course = fast_course(tmp_path / "course")
    ws = tmp_path / "ws"
    source = REFERENCE.replace("def step(z):", "def step(z):\n    while True:\n        pass", 1)
    source = source.replace("def net_input(self, X):", "def net_input(self, X):\n        import os\n"
                            "        os._exit(3)", 1)
    write_module(ws, MODULE, source)
    res = runner.invoke(main, ["--course", str(course), "check", EX, "--dir", str(ws), "--json"])
    result = json.loads(res.output)
    by_name = {t["name"]: t for t in result["tests"]}
    assert by_name["test_step_values_and_zero"]["status"] == "timeout"
    assert "exited with status 3" in by_name["test_net_input_batch_and_single"]["message"]
    assert by_name["test_perceptron_initial_state"]["status"] == "passed"  # a fresh child after each death
    assert not list(Path(ws).glob("nncourse-worker-*"))


def test_stub_fails_in_portable_mode_too(cli, tmp_path, portable):
    shutil.copy(REPO / "exercises" / EX / MODULE, tmp_path / MODULE)
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 1 and "not implemented yet" in res.output
