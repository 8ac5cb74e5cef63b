"""The student products (the wheel and `nncourse release`) carry no answer.

Each solution holds a planted line `# nncourse-leak-marker-<id>`; the wheel is
built from a copy of this repository and both products are listed file by file
and searched for the markers and for any byte-identical solution, hidden test
or mutant. The wheel's bundled release must equal a fresh release of the course.
"""
from __future__ import annotations

import hashlib
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from wheel_helpers import build_sdist, build_wheel
from nncourse.course import load_course
from nncourse.release import build_release

MARKER = "nncourse-leak-marker-"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def secret_digests() -> dict[str, str]:
    """sha256 -> path of every solution, hidden test and mutant (what no student product may hold)."""
    out = {}
    for top in ("solutions", "grader"):
        for path in (REPO / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                out[_digest(path.read_bytes())] = str(path.relative_to(REPO))
    return out


def assert_no_secret(files: dict[str, bytes]) -> None:
    """files: name in the product -> bytes."""
    secrets = secret_digests()
    assert len(secrets) > 20, "the secret set is suspiciously small"
    for name, data in files.items():
        parts = Path(name).parts
        assert not {"solutions", "grader", "mutants"} & set(parts), name
        assert MARKER.encode() not in data, f"{name} holds a solution's leak marker"
        assert _digest(data) not in secrets, f"{name} is a copy of {secrets[_digest(data)]}"
        if name.endswith("course.yaml"):
            manifest = yaml.safe_load(data)
            assert manifest["release"] == "student"
            for ex in manifest["exercises"]:
                assert not {"solution", "grader", "thresholds"} & set(ex), ex
            assert b"reference over" not in data  # the instructor's comments on thresholds


def test_every_solution_holds_its_marker(course):
    for ex in course.exercises:
        assert f"{MARKER}{ex.id}" in course.path(ex.solution).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def test_release_holds_exactly_the_student_files(course, tmp_path):
    written = build_release(course, tmp_path / "rel")
    expected = {Path("course.yaml")}
    for ex in course.exercises:
        for name in (ex.module, "README.md", "test_public.py") + (("hints.yaml",) if
                                                                  (course.path(ex.readme).parent / "hints.yaml").is_file() else ()):
            expected.add(Path("exercises", ex.id, name))
    on_disk = {p.relative_to(tmp_path / "rel") for p in (tmp_path / "rel").rglob("*") if p.is_file()}
    assert on_disk == expected == set(written)
    assert_no_secret({str(p): (tmp_path / "rel" / p).read_bytes() for p in on_disk})
    release = load_course(tmp_path / "rel")
    assert release.is_release and [e.id for e in release.exercises] == [e.id for e in course.exercises]
    assert all(e.solution is None and e.grader is None for e in release.exercises)


def test_wheel_holds_the_release_and_no_answer(wheel, course, tmp_path):
    with zipfile.ZipFile(wheel) as zf:
        files = {name: zf.read(name) for name in zf.namelist() if not name.endswith("/")}
    print("\n".join(sorted(files)))  # the listing, for the record (pytest -s)
    assert_no_secret(files)
    bundled = {name.removeprefix("nncourse/_course/"): data for name, data in files.items()
               if name.startswith("nncourse/_course/")}
    build_release(course, tmp_path / "fresh")
    fresh = {str(p.relative_to(tmp_path / "fresh")).replace("\\", "/"): p.read_bytes()
             for p in (tmp_path / "fresh").rglob("*") if p.is_file()}
    assert bundled == fresh, "the packaged release drifted from the course"
    assert "nncourse/cli/student.py" in files and "nncourse/release.py" in files


def test_sdist_holds_no_answer(tmp_path):
    """The source distribution builds the wheel's release, so it carries the course manifest and the
    exercises' student files, but no solution, hidden test or mutant."""
    with tarfile.open(build_sdist(tmp_path)) as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert "course.yaml" in files and "setup.py" in files
    manifest = files.pop("course.yaml")  # the instructors' manifest: it names solution paths, nothing more
    assert MARKER.encode() not in manifest
    assert_no_secret(files)


def test_release_cli_and_instructor_commands_refuse_a_release(cli, tmp_path):
    res = cli("release", "--dir", tmp_path / "rel")
    assert res.exit_code == 0, res.output
    from click.testing import CliRunner
    from nncourse.cli import main
    runner = CliRunner()
    for args in (["grade", "exercise1", str(tmp_path)], ["validate", "exercise1"], ["release", "--dir", "x"]):
        res = runner.invoke(main, ["--course", str(tmp_path / "rel"), *args])
        assert res.exit_code == 1, res.output
        assert "student release" in res.output and "Traceback" not in res.output


def test_release_refuses_a_folder_with_other_files(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    res = cli("release", "--dir", tmp_path)
    assert res.exit_code == 1 and "not empty" in res.output
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_bundled_release_is_the_last_resort(tmp_path, monkeypatch):
    from nncourse import manifest as course_mod  # where course.find_course_root and BUNDLED live
    monkeypatch.delenv("NNCOURSE_COURSE", raising=False)
    monkeypatch.setattr(course_mod, "BUNDLED", tmp_path / "bundled")
    (tmp_path / "bundled").mkdir()
    (tmp_path / "bundled" / "course.yaml").write_text("x")
    monkeypatch.chdir(tmp_path / "bundled")
    assert course_mod.find_course_root() == (tmp_path / "bundled").resolve()
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    if not any((p / "course.yaml").is_file() for p in [empty, *empty.parents]):
        assert course_mod.find_course_root() == tmp_path / "bundled"


def test_nothing_points_outside_the_repository():
    """The course is self-contained: its API is docs/API.md and the READMEs, not a file elsewhere."""
    hits = []
    for top in ("exercises", "src", "docs", "grader"):
        for path in (REPO / top).rglob("*"):
            if not path.is_file() or path.suffix not in (".py", ".md", ".yaml", ".txt") \
                    or path == REPO / "docs" / "AUTHORING.md":
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            hits += [f"{path.relative_to(REPO)}: {needle}" for needle in ("COURSE_API", "../shared", "/work/shared")
                     if needle in text]
    assert not hits, hits
