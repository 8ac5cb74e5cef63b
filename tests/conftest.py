"""Shared fixtures: the bundled course, a CLI runner, small hand-written submissions."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nncourse.course import load_course

REPO = Path(__file__).resolve().parents[1]
HOSTILE = Path(__file__).resolve().parent / "hostile"


@pytest.fixture(scope="session")
def course():
    return load_course(REPO / "course.yaml")


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def cli(runner, monkeypatch):
    """Invoke `nncourse ARGS...` on the bundled course; returns the click Result."""
    from nncourse.cli import main
    monkeypatch.setenv("NNCOURSE_COURSE", str(REPO))

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    return invoke


def write_module(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return path
