"""`nncourse doctor`: which isolation is active and why, with the versions it depends on; always exit 0."""
import platform
import re

import numpy as np
import pytest

from nncourse.sandbox import isolation


@pytest.fixture
def fresh_detect():
    isolation.detect.cache_clear()
    yield
    isolation.detect.cache_clear()


def test_doctor_reports_isolation_and_versions(cli, fresh_detect):
    res = cli("doctor")
    assert res.exit_code == 0, res.output
    active = isolation.detect()
    lines = dict(line.split(":", 1) for line in res.output.splitlines())
    assert lines["isolation"].strip() == active.kind
    assert lines["why"].strip() == active.reason
    assert platform.python_version() in lines["python"]
    assert lines["numpy"].strip() == np.__version__
    assert lines["new processes"].strip().startswith(("refused", "allowed"))
    assert lines["bubblewrap"].strip() == (isolation.bwrap_version() or "not installed (apt-get install bubblewrap)")


def test_doctor_says_when_the_fallback_is_forced(cli, fresh_detect, monkeypatch):
    monkeypatch.setenv("NNCOURSE_ISOLATION", "rlimits")
    res = cli("doctor")
    assert res.exit_code == 0
    assert re.search(r"^isolation:\s+rlimits$", res.output, re.MULTILINE)
    assert "WEAK ISOLATION: bubblewrap switched off by NNCOURSE_ISOLATION" in res.output


def test_doctor_is_listed_in_help(cli):
    assert "doctor" in cli("--help").output
