"""Resolve what a user hands in (a file, a folder, a zip) into one module file, read as data.

Why: the command-line contract accepts the module file, a directory holding it (at
its top or one level down) or a zip of either. A submission is untrusted data:
it may hold links (to the reference, to a root-only file), FIFOs and devices,
zip bombs and malformed archives, names that are not UTF-8. So nothing is
followed or trusted: every step below the path the instructor gave is opened
without following links (O_NOFOLLOW, relative to the folder already opened),
only regular files are read, every read is bounded, and the module's bytes are
copied into a private folder that is what gets graded (hashed as bytes, never
decoded, so any encoding is fine). Every problem is a SubmissionError with a
plain message that names only what is inside the submission.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nncourse.errors import SubmissionError
from nncourse.reports.sanitize import display_name

MAX_MODULE_BYTES = 1024 * 1024            # the module itself, inflated or not
MAX_ARCHIVE_BYTES = 32 * 1024 * 1024      # the zip file on disk
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_DECLARED_BYTES = 128 * 1024 * 1024  # what the zip's headers claim, all entries together
MAX_FOLDER_ENTRIES = 5000                 # entries looked at in a folder (top and one level down)
CHUNK = 64 * 1024
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # lzma's dictionary size comes from the header
_O_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass
class Submission:
    """One submission: the private copy of the module to grade, its hash and a display name."""

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


# -- opening without following links -------------------------------------------------------------------------
def _kind(mode: int) -> str:
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a device file"), (stat.S_ISBLK, "a device file"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return what
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _refuse(shown: str, mode: int, want: str = "file") -> SubmissionError:
    what = _kind(mode)
    if stat.S_ISLNK(mode):
        return SubmissionError(f"{shown} is a symbolic link: links are not graded.",
                               f"Hand in the {want} itself, not a link to it.")
    return SubmissionError(f"{shown} is {what}, not a regular {want}.", f"Hand in the {want} itself.")


def _open_at(dir_fd: int | None, name: str, shown: str, *, folder: bool) -> int:
    """Open `name` (relative to dir_fd) as a regular file or a folder, never following a link.

    lstat first, so a FIFO or device is refused without being opened at all; then
    O_NOFOLLOW|O_NONBLOCK and fstat, so a swap between the two calls is caught too.
    """
    try:
        before = os.lstat(name, dir_fd=dir_fd)
    except FileNotFoundError:
        raise SubmissionError(f"{shown}: no such file or folder.") from None
    except OSError as exc:
        raise SubmissionError(f"{shown} cannot be read ({exc.strerror}).") from None
    ok = stat.S_ISDIR if folder else stat.S_ISREG
    if not ok(before.st_mode):
        raise _refuse(shown, before.st_mode, "folder" if folder else "file")
    try:
        fd = os.open(name, _O_READ | (os.O_DIRECTORY if folder else 0), dir_fd=dir_fd)
    except OSError as exc:
        raise SubmissionError(f"{shown} cannot be read ({exc.strerror}).") from None
    after = os.fstat(fd)
    if not ok(after.st_mode) or (after.st_dev, after.st_ino) != (before.st_dev, before.st_ino):
        os.close(fd)
        raise SubmissionError(f"{shown} changed while it was being read.", "Hand it in again.")
    return fd


def _open_given(path: str) -> tuple[int, bool]:
    """The path the user gave: its folders are theirs to choose, its last part is the submission's
    and is not followed. Returns (fd, is_folder)."""
    parent, name = os.path.split(path.rstrip("/") or "/")
    shown = display_name(name or path)
    if name in ("", ".", ".."):  # the folder itself was named: it cannot be a link
        return _open_at(None, path, shown, folder=True), True
    try:
        parent_fd = os.open(parent or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        raise SubmissionError(f"{shown}: no such file or folder.") from None
    try:
        try:
            mode = os.lstat(name, dir_fd=parent_fd).st_mode
        except OSError:
            raise SubmissionError(f"{shown}: no such file or folder.") from None
        folder = stat.S_ISDIR(mode)
        return _open_at(parent_fd, name, shown, folder=folder), folder
    finally:
        os.close(parent_fd)


def _read_bounded(fd: int, shown: str, limit: int = MAX_MODULE_BYTES) -> bytes:
    """At most `limit` bytes from a regular file; a larger file is an error, not a truncated read."""
    os.set_blocking(fd, True)
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, min(CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise SubmissionError(f"{shown} is larger than {limit // 1024} KiB.",
                                  "Hand in the module only, without data or outputs in it.")


def _read_file_at(dir_fd: int, name: str, shown: str) -> bytes:
    fd = _open_at(dir_fd, name, shown, folder=False)
    try:
        return _read_bounded(fd, shown)
    finally:
        os.close(fd)


# -- folders -------------------------------------------------------------------------------------------------
def _entries(dir_fd: int, shown: str) -> list[str]:
    names = []
    with os.scandir(dir_fd) as it:
        for entry in it:
            names.append(entry.name)
            if len(names) > MAX_FOLDER_ENTRIES:
                raise SubmissionError(f"{shown} holds more than {MAX_FOLDER_ENTRIES} entries.",
                                      "Hand in the folder of this exercise only.")
    return sorted(names)


def _from_dir(dir_fd: int, shown: str, module: str) -> bytes:
    """The module at the folder's top, or in exactly one sub-folder; links are never followed."""
    names = _entries(dir_fd, shown)
    if module in names:
        return _read_file_at(dir_fd, module, f"{shown}/{module}")
    found, links, data = [], [], b""
    for name in names:
        mode = os.lstat(name, dir_fd=dir_fd).st_mode
        if stat.S_ISLNK(mode):
            links.append(name)
        if not stat.S_ISDIR(mode):
            continue
        sub_shown = f"{shown}/{display_name(name)}"
        sub_fd = _open_at(dir_fd, name, sub_shown, folder=True)
        try:
            try:
                os.lstat(module, dir_fd=sub_fd)
            except FileNotFoundError:
                continue
            found.append(sub_shown)
            if len(found) > 1:
                continue
            data = _read_file_at(sub_fd, module, f"{sub_shown}/{module}")
        finally:
            os.close(sub_fd)
    if len(found) > 1:
        where = ", ".join(found[:5])
        raise SubmissionError(f"{shown}: {len(found)} copies of {module} one level down ({where}).",
                              "Keep exactly one.")
    if found:
        return data
    if links:
        raise SubmissionError(f"{shown}: no {module} in it, only symbolic links "
                              f"({', '.join(display_name(n) for n in links[:3])}): links are not graded.",
                              f"Put your {module} itself in the folder.")
    raise SubmissionError(f"{shown}: no {module} in it (looked at its top and one level down).",
                          f"Put your {module} there.")


# -- zips ----------------------------------------------------------------------------------------------------
def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why one zip entry may not be in a submission (None when it is fine)."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in parts:
        return "has an absolute path or '..' in its path"
    kind = (info.external_attr >> 16) & 0o170000
    if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
        return f"is {_kind(kind)}"
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.compress_type not in ZIP_METHODS:
        return f"uses an unsupported compression method ({info.compress_type}); use plain zip (deflate)"
    return None


def _module_entries(infos: list[zipfile.ZipInfo], module: str) -> list[zipfile.ZipInfo]:
    out = []
    for info in infos:
        name = info.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        if not info.is_dir() and parts and parts[-1] == module and len(parts) <= 2 and "__MACOSX" not in parts:
            out.append(info)
    return out


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    """Inflate one entry in bounded chunks: stop at the cap whatever its header says (the CRC is checked at the end)."""
    chunks, total = [], 0
    with zf.open(info) as member:
        while True:
            chunk = member.read(CHUNK)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > MAX_MODULE_BYTES:
                raise SubmissionError(f"{shown} is larger than {MAX_MODULE_BYTES // 1024} KiB once unpacked.",
                                      "Hand in the module only.")
            chunks.append(chunk)


def _from_zip(fd: int, shown: str, module: str) -> bytes:
    size = os.fstat(fd).st_size
    if size > MAX_ARCHIVE_BYTES:
        raise SubmissionError(f"{shown} is a zip of {size // 2**20} MiB; at most {MAX_ARCHIVE_BYTES // 2**20} MiB.",
                              "Zip the exercise folder only.")
    os.set_blocking(fd, True)
    try:
        with os.fdopen(os.dup(fd), "rb") as raw, zipfile.ZipFile(raw) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise SubmissionError(f"{shown} holds {len(infos)} entries; at most {MAX_ZIP_ENTRIES}.",
                                      "Zip the exercise folder only.")
            if sum(i.file_size for i in infos) > MAX_ZIP_DECLARED_BYTES:
                raise SubmissionError(f"{shown} would unpack to more than {MAX_ZIP_DECLARED_BYTES // 2**20} MiB.",
                                      "Zip the exercise folder only.")
            for info in infos:
                problem = _entry_problem(info)
                if problem:
                    raise SubmissionError(f"{shown}: the entry {display_name(info.filename)!r} {problem}.",
                                          "Make the zip again from ordinary files.")
            members = _module_entries(infos, module)
            if len(members) != 1:
                what = "no" if not members else f"{len(members)} copies of"
                raise SubmissionError(f"{shown}: {what} {module} at the top of the zip or one folder down.")
            member = members[0]
            inner = f"{shown}: {display_name(member.filename)}"
            if member.file_size > MAX_MODULE_BYTES:
                raise SubmissionError(f"{inner} is larger than {MAX_MODULE_BYTES // 1024} KiB once unpacked.",
                                      "Hand in the module only.")
            return _inflate(zf, member, inner)
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError, UnicodeError, OverflowError, IndexError, KeyError) as exc:
        reason = str(exc).split(" for file ")[0][:80] or type(exc).__name__  # zipfile names the entry; keep the cause
        raise SubmissionError(f"{shown}: not a readable zip file ({display_name(reason)}).",
                              "Make the zip again (no password, ordinary compression).") from None


def _looks_like_zip(fd: int) -> bool:
    magic = os.pread(fd, 4, 0)
    return magic in (b"PK\x03\x04", b"PK\x05\x06")


# -- the one entry point -------------------------------------------------------------------------------------
def resolve_submission(path: str | os.PathLike, module: str) -> Submission:
    """The module inside `path` (file, folder or zip), copied privately and hashed; SubmissionError if unusable."""
    given = os.fspath(path)
    shown = display_name(os.path.basename(given.rstrip("/")) or given)
    fd, folder = _open_given(given)
    try:
        data = _module_bytes(fd, folder, given, shown, module)
    except OSError as exc:  # anything the checks did not name: still the submission's problem, not a crash
        raise SubmissionError(f"{shown} cannot be read ({exc.strerror or type(exc).__name__}).") from None
    finally:
        os.close(fd)
    tmpdir = tempfile.mkdtemp(prefix="nncourse-sub-")
    target = Path(tmpdir, module)  # our own name: nothing from the submission names a path here
    target.write_bytes(data)
    return Submission(target, hashlib.sha256(data).hexdigest(), display_name(given), tmpdir)


def _module_bytes(fd: int, folder: bool, given: str, shown: str, module: str) -> bytes:
    if folder:
        return _from_dir(fd, shown, module)
    if given.endswith(".py"):
        return _read_bounded(fd, shown)
    if given.endswith(".ipynb"):  # a notebook: its code cells become the module
        from nncourse.notebook import MAX_NOTEBOOK_BYTES, module_bytes
        return module_bytes(_read_bounded(fd, shown, MAX_NOTEBOOK_BYTES), shown)
    if given.endswith(".zip") or _looks_like_zip(fd):
        return _from_zip(fd, shown, module)
    raise SubmissionError(f"{shown}: expected {module}, a folder holding it, or a zip of either.")
