"""The exchange: a shared folder where students drop submissions and find their own feedback.

Why: on a shared machine (a JupyterHub) every student can write into the same
folder, so the folder's modes are the privacy. nbgrader's exchange is
world-readable; this one is not:

    EXCHANGE/                 0755  the instructor's
      inbound/                3733  drop-only: write and search, no listing; sticky (nobody
                                    removes or renames another's entry); setgid (entries get
                                    the instructors' group)
        <exercise>.<token>/   2750  one submission, its name unguessable (128 random bits):
          <module>.py         0640  the module as submitted
          submission.json     0640  student id, UTC time, sha256, hint use
      feedback/               0711  search only, no listing
        <token>/              0700  owned by the submitter when grading runs as root,
          result.json         0600  the graded Result, filtered for the student

A student finds their feedback through the token they received at submit
time (kept in the workspace's .nncourse/submissions.jsonl); nobody can list
inbound/ or feedback/, and a submission's files are readable only by its owner
and the instructors' group. Every entry is written under a temporary name and
renamed; nothing is ever overwritten. The time that counts for the late policy
is the kernel's (ctime of the files), not the student's claim.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import stat
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from nncourse.course import Course, Exercise
from nncourse.errors import NncourseError, SubmissionError, UsageError
from nncourse import visibility
from nncourse.result import Result

INBOUND, FEEDBACK = "inbound", "feedback"
META, RESULT = "submission.json", "result.json"
RECEIPTS = "submissions.jsonl"
INBOUND_MODE, FEEDBACK_ROOT_MODE = 0o3733, 0o711
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
POSIX = os.name == "posix"


class ExchangeError(NncourseError):
    """The exchange folder is missing, unusable or holds something unexpected."""


@dataclass(frozen=True)
class Receipt:
    """What the student keeps after `submit`: enough to find their feedback later."""

    exercise: str
    student: str
    token: str
    submitted_at: str
    sha256: str
    exchange: str
    late_note: str = ""

    def line(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


@dataclass(frozen=True)
class Inbound:
    """One submission found in inbound/ by the instructor."""

    folder: Path
    token: str
    student: str
    module: Path
    claimed_at: datetime
    stored_at: datetime      # the kernel's time: the latest ctime/mtime of the entry's files
    sha256: str
    owner_uid: int
    intact: bool             # the module still has the sha256 recorded at submit time
    meta: dict


# -- where ----------------------------------------------------------------------------------
def exchange_root(course: Course, explicit: str | os.PathLike | None = None) -> Path:
    """--exchange, then $NNCOURSE_EXCHANGE, then course.yaml's `exchange:` (relative to the course)."""
    value = explicit or os.environ.get("NNCOURSE_EXCHANGE") or course.exchange
    if not value:
        raise ExchangeError("no exchange is set up for this course.",
                            "Set NNCOURSE_EXCHANGE to the exchange folder your instructor gave you "
                            "(or pass --exchange DIR).")
    path = Path(value).expanduser()
    return path if path.is_absolute() else course.root / path


def init_exchange(root: Path, group: str | None = None) -> Path:
    """Create (or repair the modes of) an exchange; `group` is the instructors' group (POSIX)."""
    try:
        return _init(root, group)
    except OSError as exc:
        raise ExchangeError(f"the exchange {root} could not be set up: {exc.strerror or exc}.") from None


def _init(root: Path, group: str | None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    gid = _gid(group) if group else None
    for name, mode in ((INBOUND, INBOUND_MODE), (FEEDBACK, FEEDBACK_ROOT_MODE)):
        folder = root / name
        folder.mkdir(exist_ok=True)
        if gid is not None:
            os.chown(folder, -1, gid)
        os.chmod(folder, mode)
    return root


def _gid(group: str) -> int:
    import grp
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise UsageError(f"no group named {group!r} on this machine.") from None


def _inbound(root: Path, *, writing: bool) -> Path:
    if not root.is_dir():
        raise ExchangeError(f"the exchange folder {root} does not exist.",
                            "Check NNCOURSE_EXCHANGE (or course.yaml's exchange:), or ask your instructor "
                            "to create it with `nncourse exchange init`.")
    inbound = root / INBOUND
    if not inbound.is_dir():
        raise ExchangeError(f"{root} is not an exchange (it has no {INBOUND}/ folder).",
                            "Ask your instructor to run `nncourse exchange init` on it.")
    if writing and not os.access(inbound, os.W_OK | os.X_OK):
        raise ExchangeError(f"you may not write into {inbound}.",
                            "Ask your instructor to fix its permissions (`nncourse exchange init`).")
    return inbound


# -- the student's side -----------------------------------------------------------------------
def default_student() -> str:
    import getpass
    return os.environ.get("NNCOURSE_STUDENT") or getpass.getuser()


def check_student_id(student: str) -> str:
    if not STUDENT_ID.match(student or ""):
        raise UsageError(f"{student!r} is not a usable student id.",
                         "Use letters, digits and . _ @ - (at most 64 characters), e.g. your login name.")
    return student


def submit(root: Path, ex: Exercise, module: Path, student: str, *, extra: dict | None = None,
           now: datetime | None = None) -> Receipt:
    """Store `module` as a new submission of `student`; never overwrites, never half-written."""
    check_student_id(student)
    inbound = _inbound(root, writing=True)
    try:
        data = module.read_bytes()
    except OSError as exc:
        raise SubmissionError(f"{module}: cannot be read ({exc.strerror or exc}).") from None
    now = now or datetime.now(timezone.utc)
    token = secrets.token_hex(16)
    meta = {"exercise": ex.id, "student": student, "module": ex.module,
            "submitted_at": now.isoformat(), "sha256": hashlib.sha256(data).hexdigest(),
            "uid": os.getuid() if POSIX else None, **(extra or {})}
    old_umask = os.umask(0o027) if POSIX else None
    staging = inbound / f".tmp-{secrets.token_hex(16)}"
    try:
        staging.mkdir(mode=0o2750 if POSIX else 0o777)
        _write_new(staging / ex.module, data)
        _write_new(staging / META, json.dumps(meta, indent=1).encode())
        final = inbound / f"{ex.id}.{token}"
        os.rename(staging, final)  # same folder: atomic; the name is new (128 random bits)
    except PermissionError:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExchangeError(f"you may not write into {inbound}.",
                            "Ask your instructor to fix its permissions.") from None
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise ExchangeError(f"the submission could not be stored in {inbound}: {exc.strerror or exc}.") from None
    finally:
        if old_umask is not None:
            os.umask(old_umask)
    return Receipt(ex.id, student, token, meta["submitted_at"], meta["sha256"], str(root))


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o640)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def save_receipt(state_dir: Path, receipt: Receipt) -> None:
    state_dir.mkdir(exist_ok=True)
    with open(state_dir / RECEIPTS, "a", encoding="utf-8") as out:
        out.write(receipt.line() + "\n")


def receipts(state_dir: Path, exercise: str) -> list[Receipt]:
    """The student's own submissions of `exercise`, oldest first."""
    try:
        lines = (state_dir / RECEIPTS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            data = json.loads(line)
            if data.get("exercise") == exercise:
                out.append(Receipt(**data))
        except (ValueError, TypeError):
            continue
    return out


def feedback_for(root: Path, receipt: Receipt) -> Result | None:
    """The published Result of this submission, or None while it is not graded."""
    path = root / FEEDBACK / receipt.token / RESULT
    try:
        return Result.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except PermissionError:
        raise ExchangeError(f"the feedback in {path.parent} is not readable by you.",
                            "Ask your instructor: it should belong to the account that submitted.") from None
    except (OSError, ValueError) as exc:
        raise ExchangeError(f"the feedback in {path.parent} could not be read ({exc}).") from None


# -- the instructor's side ----------------------------------------------------------------------
def collect(root: Path, ex: Exercise) -> tuple[list[Inbound], list[str]]:
    """Every submission of `ex` in inbound/ (and a note for each entry that is not usable)."""
    inbound = _inbound(root, writing=False)
    found, notes = [], []
    for folder in sorted(inbound.glob(f"{ex.id}.*")):
        try:
            found.append(_read_entry(folder, ex))
        except (OSError, ValueError, KeyError, SubmissionError) as exc:
            notes.append(f"{folder.name}: skipped ({exc})")
    return found, notes


def _read_entry(folder: Path, ex: Exercise) -> Inbound:
    if folder.is_symlink() or not folder.is_dir():
        raise ValueError("not a submission folder")
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    module = folder / ex.module
    st = os.lstat(module)
    if not stat.S_ISREG(st.st_mode):
        raise SubmissionError(f"{ex.module} is not a regular file")
    stamps = [os.lstat(p) for p in (folder, module, folder / META)]
    stored = max(max(s.st_ctime, s.st_mtime) for s in stamps)
    data = module.read_bytes()
    student = check_student_id(str(meta["student"]))
    return Inbound(folder, folder.name.split(".", 1)[1], student, module,
                   datetime.fromisoformat(meta["submitted_at"]),
                   datetime.fromtimestamp(stored, timezone.utc), hashlib.sha256(data).hexdigest(),
                   os.lstat(folder).st_uid, hashlib.sha256(data).hexdigest() == meta.get("sha256"), meta)


def owner_name(entry: Inbound) -> str | None:
    """The login name of the account that made the entry (POSIX), or None."""
    if not POSIX:
        return None
    import pwd
    try:
        return pwd.getpwuid(entry.owner_uid).pw_name
    except KeyError:
        return None


def identity_note(entry: Inbound) -> str:
    """A warning when the account that submitted is not the student id it claims (on a shared machine)."""
    owner = owner_name(entry)
    if owner is None or owner == entry.student or entry.owner_uid == os.geteuid():
        return ""
    return f"submitted by the account {owner!r} under the student id {entry.student!r}"


def latest_per_student(entries: list[Inbound]) -> list[Inbound]:
    """Each student's last submission by the kernel's time, students in sorted order."""
    latest: dict[str, Inbound] = {}
    for entry in entries:
        if entry.student not in latest or entry.stored_at > latest[entry.student].stored_at:
            latest[entry.student] = entry
    return [latest[s] for s in sorted(latest)]


def publish(root: Path, entry: Inbound, result: Result, level: str = "full") -> Path:
    """Write what the student may see of the Result (course.yaml `feedback` level) into feedback/<token>/,
    readable only by the submitter."""
    try:
        return _publish(root, entry, visibility.for_student(result, level))
    except OSError as exc:
        raise ExchangeError(f"the feedback of {entry.student} could not be written into {root / FEEDBACK}: "
                            f"{exc.strerror or exc}.", "Nothing was lost: run `nncourse exchange grade` again.") from None


def _publish(root: Path, entry: Inbound, result: Result) -> Path:
    folder = root / FEEDBACK / entry.token
    staging = root / FEEDBACK / f".tmp-{secrets.token_hex(16)}"
    staging.mkdir(mode=0o700)
    _write_new(staging / RESULT, result.to_json().encode())
    if POSIX and os.geteuid() == 0:
        for path in (staging / RESULT, staging):
            os.chown(path, entry.owner_uid, -1)
        os.chmod(staging / RESULT, 0o600)
    elif POSIX:
        # Without root the folder cannot be given away: the unguessable token is the only key.
        os.chmod(staging, 0o711)
        os.chmod(staging / RESULT, 0o644)
    if folder.exists():  # a regrade replaces the feedback of the same submission
        old = root / FEEDBACK / f".old-{secrets.token_hex(16)}"
        os.rename(folder, old)
        os.rename(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, folder)
    return folder / RESULT


def platform_note() -> str:
    return "" if POSIX else (f"note: on {sys.platform} the exchange's folder modes are not enforced; "
                             "use it only on your own machine.")
