"""Resolve what a user hands in (a file, a folder, a zip) into one module file.

Why: DESIGN.md's contract accepts the module file, a directory holding it (at
its top or one level down) or a zip of either; everything after this works on
a single module path plus the sha256 of its bytes (source is hashed as bytes,
never decoded, so any encoding is fine).
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nncourse.errors import SubmissionError

MAX_MODULE_BYTES = 2 * 1024 * 1024


@dataclass
class Submission:
    """One submission: the module to grade, its hash and a display name."""

    module_path: Path
    sha256: str
    name: str
    _tmpdir: str | None = field(default=None, repr=False)

    def cleanup(self) -> None:
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _from_dir(folder: Path, module: str) -> Path:
    direct = folder / module
    if direct.is_file():
        return direct
    found = sorted(p for p in folder.glob(f"*/{module}") if p.is_file())
    if len(found) == 1:
        return found[0]
    if found:
        raise SubmissionError(f"{folder}: {len(found)} copies of {module} one level down.",
                              "Keep exactly one.")
    raise SubmissionError(f"{folder}: no {module} in it (looked at its top and one level down).",
                          f"Put your {module} there.")


def _from_zip(archive: Path, module: str) -> tuple[Path, str]:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{archive}: not a readable zip file ({exc}).") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()
                   and PurePosixPath(m.filename).name == module
                   and len(PurePosixPath(m.filename).parts) <= 2
                   and "__MACOSX" not in m.filename]
        if len(members) != 1:
            what = "no" if not members else f"{len(members)} copies of"
            raise SubmissionError(f"{archive}: {what} {module} at the top of the zip or one folder down.")
        member = members[0]
        if member.file_size > MAX_MODULE_BYTES:
            raise SubmissionError(f"{archive}: {module} is larger than {MAX_MODULE_BYTES} bytes.")
        tmpdir = tempfile.mkdtemp(prefix="nncourse-sub-")
        target = Path(tmpdir) / module
        target.write_bytes(zf.read(member))  # written under our own name: no path from the zip is used
        return target, tmpdir


def resolve_submission(path: str | Path, module: str) -> Submission:
    """The module file inside `path` (file, folder or zip), hashed; SubmissionError if absent."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder.")
    tmpdir = None
    if path.suffix == ".ipynb" and path.is_file():  # a notebook: its code cells become the module
        from nncourse.notebook import notebook_submission
        return notebook_submission(path, module)
    if path.is_dir():
        module_path = _from_dir(path, module)
    elif zipfile.is_zipfile(path):
        module_path, tmpdir = _from_zip(path, module)
    else:
        module_path = path
        if path.suffix != ".py":
            raise SubmissionError(f"{path}: expected {module}, a folder holding it, or a zip of either.")
    if module_path.stat().st_size > MAX_MODULE_BYTES:
        raise SubmissionError(f"{module_path}: larger than {MAX_MODULE_BYTES} bytes.")
    return Submission(module_path.resolve(), sha256_file(module_path), str(path), tmpdir)
