"""Build this repository's wheel from a clean copy (no network: --no-build-isolation)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COPIED = ("src", "exercises", "solutions", "grader", "course.yaml", "pyproject.toml", "setup.py",
          "MANIFEST.in", "README.md")


def copy_repo(workdir: Path) -> Path:
    """A copy of the repository's sources (solutions and grader included: what a build could leak)."""
    src = workdir / "repo"
    for name in COPIED:
        item = REPO / name
        if item.is_dir():
            shutil.copytree(item, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_course"))
        else:
            src.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, src / name)
    return src


def build_wheel(workdir: Path) -> Path:
    """The nncourse wheel built from a copy of the repository."""
    src, out = copy_repo(workdir), workdir / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q",
                           "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = out.glob("nncourse-*.whl")
    return path


def build_sdist(workdir: Path) -> Path:
    """The source distribution (python -m build --sdist), built from a copy of the repository."""
    src, out = copy_repo(workdir), workdir / "dist"
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = out.glob("nncourse-*.tar.gz")
    return path
