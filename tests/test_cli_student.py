"""The student loop end to end through the CLI: list, fetch, check."""
import json

import pytest

from conftest import REPO, write_module

EX = "exercise1"
MODULE = "perceptron.py"


def test_version_and_help(cli):
    assert cli("--version").output.startswith("nncourse, version")
    out = cli("--help").output
    for command in ("list", "fetch", "check", "grade", "validate"):
        assert command in out
    assert "Exit status" in cli("grade", "--help").output


def test_every_command_is_listed_and_loaded_from_its_own_module():
    """Commands load lazily: the name -> module table must know each command that a module registers."""
    import importlib
    import pkgutil
    import subprocess
    import sys

    import nncourse.cli as cli_package
    code = ("import sys, nncourse.cli as c; c.main.get_command(None, 'check'); "
            "print(sorted(m for m in sys.modules if m.startswith('nncourse.cli.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['nncourse.cli.options', 'nncourse.cli.student']"
    for module in pkgutil.iter_modules(cli_package.__path__):
        importlib.import_module(f"nncourse.cli.{module.name}")
    registered = cli_package.main.commands
    assert set(registered) == set(cli_package.COMMAND_MODULES)
    for name, module in cli_package.COMMAND_MODULES.items():
        assert registered[name].callback.__module__ == f"nncourse.cli.{module}", name


def test_fetch_writes_stub_readme_and_checks(cli, tmp_path):
    res = cli("fetch", EX, "--dir", tmp_path / "ws")
    assert res.exit_code == 0, res.output
    for name in (MODULE, "README.md", "test_public.py"):
        assert (tmp_path / "ws" / name).read_bytes() == (REPO / "exercises" / EX / name).read_bytes()
    assert "nncourse check exercise1" in res.output


def test_fetch_never_overwrites(cli, tmp_path):
    mine = write_module(tmp_path, MODULE, "# my work\n")
    res = cli("fetch", EX, "--dir", tmp_path)
    assert res.exit_code == 0
    assert mine.read_text() == "# my work\n"
    assert f"kept your {mine}" in res.output
    assert (tmp_path / "README.md").exists()


def test_fetch_defaults_to_a_folder_named_after_the_exercise(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("fetch", EX).exit_code == 0
    assert (tmp_path / EX / MODULE).is_file()


def test_unknown_exercise_is_a_usage_error_listing_valid_ones(cli):
    res = cli("check", "exercise9")
    assert res.exit_code == 2
    assert "unknown exercise 'exercise9'" in res.output and "exercise1, exercise2" in res.output
    assert "Traceback" not in res.output


def test_check_on_reference_passes_everything(cli):
    res = cli("check", EX, "--dir", REPO / "solutions" / EX)
    assert res.exit_code == 0, res.output
    last = res.output.strip().splitlines()[-1]
    passed, failed = [int(w) for w in last.replace(",", "").split() if w.isdigit()]
    assert passed > 0 and failed == 0


def test_check_on_stub_fails_every_check_with_not_implemented(cli, tmp_path):
    cli("fetch", EX, "--dir", tmp_path)
    res = cli("check", EX, "--dir", tmp_path, "--json")
    assert res.exit_code == 1
    result = json.loads(res.output)
    assert result["tests"] and all(t["status"] == "failed" for t in result["tests"])
    assert all("not implemented yet" in t["message"] for t in result["tests"])


def test_check_records_last_check_for_list(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cli("fetch", EX)
    assert "fetched, not checked" in cli("list").output
    cli("check", EX)
    assert "last check: 0/" in cli("list").output


@pytest.mark.parametrize("source, expected", [
    ("import time\nwhile True:\n    pass\n", "importing it took too long"),
    ("def step(z)\n    return z\n", "SyntaxError"),
    ("import sys\nsys.exit(4)\n", "sys.exit(4)"),
    ("import os\nos._exit(7)\n", "exited with status 7"),
    ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
])
def test_check_on_broken_modules_says_what_happened(cli, tmp_path, source, expected):
    write_module(tmp_path, MODULE, source)
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 1
    assert expected in res.output
    assert "your module could not be imported" in res.output
    assert "site-packages" not in res.output  # no traceback of ours


def test_syntax_error_shows_its_line(cli, tmp_path):
    write_module(tmp_path, MODULE, "import numpy as np\n\ndef step(z):\n    return z +\n")
    res = cli("check", EX, "--dir", tmp_path)
    assert "line 4" in res.output


def test_missing_module_file_says_what_to_do(cli, tmp_path):
    res = cli("check", EX, "--dir", tmp_path)
    assert res.exit_code == 1
    assert f"no {MODULE} in {tmp_path}" in res.output and "nncourse fetch exercise1" in res.output
    assert "Traceback" not in res.output


def test_one_wrong_function_fails_only_its_own_checks(cli, tmp_path):
    source = (REPO / "solutions" / EX / MODULE).read_text()
    broken = source.replace("def step(z):", "def step(z):\n    return (np.asarray(z) >= 0).astype(int)\n\ndef _old_step(z):")
    write_module(tmp_path, MODULE, broken)
    result = json.loads(cli("check", EX, "--dir", tmp_path, "--json").output)
    failed = {t["target"] for t in result["tests"] if t["status"] != "passed"}
    assert "step" in failed
    assert "Perceptron.update" not in failed


ALL = [f"exercise{i}" for i in range(1, 7)]


@pytest.mark.parametrize("exercise", ALL)
def test_check_every_stub_fails_cleanly_and_every_reference_passes(cli, course, exercise):
    ex = course.exercise(exercise)
    stub = cli("check", exercise, "--dir", course.path(ex.stub).parent, "--json")
    assert stub.exit_code == 1
    tests = json.loads(stub.output)["tests"]
    assert tests and all(t["status"] == "failed" and "not implemented yet" in t["message"] for t in tests)
    ref = cli("check", exercise, "--dir", course.path(ex.solution).parent)
    assert ref.exit_code == 0, ref.output
    assert ref.output.strip().splitlines()[-1] == f"{len(tests)} passed, 0 failed"


def test_python_dash_m_runs_the_cli():
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "nncourse", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("nncourse, version")
