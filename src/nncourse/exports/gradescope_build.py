"""`nncourse gradescope build EXERCISE`: the autograder zip Gradescope asks for.

Why: Gradescope builds an image from setup.sh and runs run_autograder for each
submission. The zip carries everything: a copy of this nncourse package (no
network index needed for it), a course folder with only this exercise (its
grader and reference never reach students: Gradescope keeps source/ private),
and a small config file.
"""
from __future__ import annotations

import io
import json
import zipfile
from importlib import metadata
from pathlib import Path

import yaml

import nncourse
from nncourse.course import FILE_KEYS, MANIFEST, Course, Exercise
from nncourse.exports.gradescope_run import CONFIG

FALLBACK_DEPS = ["numpy>=1.24", "scikit-learn>=1.3", "pytest>=7.4", "click>=8.1", "matplotlib>=3.7",
                 "pydantic>=2.5", "pyyaml>=6.0", "rich>=13"]

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder image (Ubuntu).
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip python3-venv
# bubblewrap gives the sandbox its strong isolation. Some Gradescope hosts refuse the
# user namespaces it needs; then grading stops with a message naming the problem, and
# the course may allow nncourse's weaker process-only isolation instead (see `nncourse doctor`).
apt-get install -y --no-install-recommends bubblewrap || echo "bubblewrap not installed: see the note above"
python3 -m venv /opt/nncourse
/opt/nncourse/bin/pip install --upgrade pip
/opt/nncourse/bin/pip install /autograder/source/nncourse
/opt/nncourse/bin/python -c "import nncourse, numpy, pytest"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission: grade /autograder/submission into
# /autograder/results/results.json. A results.json is written even when grading breaks.
AG="${NNCOURSE_AUTOGRADER_DIR:-/autograder}"
PY="${NNCOURSE_PYTHON:-/opt/nncourse/bin/python}"
[ -x "$PY" ] || PY=python3
mkdir -p "$AG/results"
cd "$AG" || exit 0
rm -f "$AG/results/results.json"
NNCOURSE_AUTOGRADER_DIR="$AG" "$PY" -m nncourse.exports.gradescope_run
if [ ! -s "$AG/results/results.json" ]; then
  cat > "$AG/results/results.json" <<'JSON'
{"score": 0.0, "output": "Autograder failed: the grader could not start. Your submission was not graded; tell your instructor.", "stdout_visibility": "hidden", "tests": [{"name": "Autograder failed", "score": 0.0, "max_score": 0.0, "status": "failed", "output": "run_autograder: the Python grader wrote no results.json; see the autograder's stdout.", "visibility": "hidden"}]}
JSON
fi
exit 0
"""


def _package_files() -> list[tuple[str, bytes]]:
    """This nncourse's source (src layout) and a pyproject listing its dependencies."""
    pkg = Path(nncourse.__file__).resolve().parent
    files = [(f"nncourse/src/nncourse/{p.relative_to(pkg).as_posix()}", p.read_bytes())
             for p in sorted(pkg.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
             and p.suffix in (".py", ".json", ".yaml", ".css", ".html", ".txt")]
    try:
        deps = [r for r in (metadata.requires("nncourse") or []) if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        deps = []
    deps = deps or FALLBACK_DEPS
    pyproject = "\n".join([
        '[build-system]', 'requires = ["setuptools>=68"]', 'build-backend = "setuptools.build_meta"', '',
        '[project]', 'name = "nncourse"', f'version = "{nncourse.__version__}"', 'requires-python = ">=3.10"',
        "dependencies = [" + ", ".join(json.dumps(d) for d in deps) + "]", '',
        '[tool.setuptools.packages.find]', 'where = ["src"]', ''])
    return files + [("nncourse/pyproject.toml", pyproject.encode())]


def _course_files(course: Course, ex: Exercise) -> list[tuple[str, bytes]]:
    """course.yaml with only this exercise, and that exercise's files at the same relative paths."""
    raw = yaml.safe_load((course.root / MANIFEST).read_text(encoding="utf-8"))
    raw["exercises"] = [e for e in raw["exercises"] if e.get("id") == ex.id]
    files = [("course/" + MANIFEST, yaml.safe_dump(raw, sort_keys=False).encode())]
    for key in FILE_KEYS:
        rel = Path(getattr(ex, key))
        src = course.path(rel)
        paths = sorted(p for p in src.rglob("*") if p.is_file()) if src.is_dir() else [src]
        for path in paths:
            inner = path.relative_to(course.root)
            if "__pycache__" in inner.parts or "mutants" in inner.parts:
                continue
            files.append((f"course/{inner.as_posix()}", path.read_bytes()))
    return files


def build_autograder(course: Course, ex: Exercise, out: Path, *, hidden_visibility: str = "after_published",
                     public_checks: bool = True) -> list[str]:
    """Write the zip; return its member names."""
    config = {"exercise": ex.id, "hidden_visibility": hidden_visibility, "public_checks": public_checks}
    members = [("setup.sh", SETUP_SH.encode()), ("run_autograder", RUN_AUTOGRADER.encode()),
               (CONFIG, json.dumps(config, indent=1).encode()),
               *_course_files(course, ex), *_package_files()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buffer.getvalue())
    return [name for name, _ in members]
