"""`nncourse doctor`: each layer of the sandbox, with the versions it depends on; exit 1 where hidden grading
would refuse to run (only the weak mode here)."""
import platform
import re

import numpy as np
import pytest

from nncourse.sandbox import cgroup, isolation, landlock


@pytest.fixture
def fresh_detect():
    isolation.detect.cache_clear()
    yield
    isolation.detect.cache_clear()


def test_doctor_reports_every_layer_and_versions(cli, fresh_detect):
    res = cli("doctor")
    active = isolation.detect()
    assert res.exit_code == (0 if active.strong else 1), res.output
    lines = dict(line.split(":", 1) for line in res.output.splitlines())
    assert lines["isolation"].strip() == active.kind
    assert lines["why"].strip() == active.reason
    assert lines["cgroup"].strip() == cgroup.support().describe()
    abi = landlock.abi_version()
    assert lines["landlock"].strip().startswith(f"ABI {abi}" if abi else "not offered")
    assert lines["seccomp"].strip().startswith(("on ", "none:")), lines["seccomp"]
    if active.strong:
        assert "PID 1 included" in lines["seccomp"]
        assert lines["hidden grading"].strip() == "runs"
    if active.uid is not None:
        assert lines["host uid"].strip().startswith(f"{active.uid} (unprivileged")
    assert platform.python_version() in lines["python"]
    assert lines["numpy"].strip() == np.__version__
    assert lines["bubblewrap"].strip() == (isolation.bwrap_version() or "not installed (apt-get install bubblewrap)")


def test_doctor_fails_when_hidden_grading_would_refuse(cli, fresh_detect, monkeypatch):
    monkeypatch.setenv("NNCOURSE_ISOLATION", "rlimits")
    res = cli("doctor")
    assert res.exit_code == 1
    assert re.search(r"^isolation:\s+rlimits$", res.output, re.MULTILINE)
    assert "WEAK ISOLATION: bubblewrap switched off by NNCOURSE_ISOLATION" in res.output
    assert re.search(r"^hidden grading:\s+refused unless --allow-weak-isolation", res.output, re.MULTILINE)


def test_doctor_is_listed_in_help(cli):
    assert "doctor" in cli("--help").output
