"""Mutants as small diffs: a header that says the bug, then a unified diff against the reference.

Why: a known-wrong variant is its bug, not a copy of the module. Kept as the
change, a reader sees the bug at once, and a fix to the reference reaches every
mutant. A mutant applies strictly (exact context, no fuzz, no offset), so one
that drifted from the reference fails loudly instead of grading something else;
`rebase` moves the hunks where that is mechanical.

File format (grader/<id>/mutants/<name>.diff):

    # bug: sigmoid overflows: exp(-z) for large negative z
    # targets: sigmoid
    # caught-by: test_sigmoid_no_warning_for_large_z      (optional)
    # diagnosis: ...                                       (optional)
    --- a/activations.py
    +++ b/activations.py
    @@ -10,7 +10,7 @@
    ...
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from nncourse.errors import CourseError

SUFFIX = ".diff"
CONTEXT = 3
HEADER_KEYS = ("bug", "targets", "caught-by", "diagnosis")
HEADER_LINE = re.compile(r"^# (?P<key>[a-z-]+): ?(?P<value>.*?)\s*$")
HUNK_HEADER = re.compile(r"^@@ -(?P<a>\d+)(?:,(?P<b>\d+))? \+(?P<c>\d+)(?:,(?P<d>\d+))? @@")
NO_NEWLINE = "\\ No newline at end of file"


class MutantError(CourseError):
    """A mutant file that cannot be read, or that does not apply to the current reference."""


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: tuple[str, ...]  # each starts with " ", "-" or "+" and keeps its line ending

    @property
    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    @property
    def old(self) -> list[str]:
        """The reference lines this hunk expects: context and removed lines."""
        return [line[1:] for line in self.lines if line[0] in " -"]

    @property
    def new(self) -> list[str]:
        return [line[1:] for line in self.lines if line[0] in " +"]

    @property
    def old_index(self) -> int:
        """0-based index of the first reference line the hunk covers (an empty hunk inserts after old_start)."""
        return self.old_start - 1 if self.old_len else self.old_start


@dataclass(frozen=True)
class Mutant:
    name: str
    path: Path
    bug: str = ""
    targets: tuple[str, ...] = ()
    caught_by: tuple[str, ...] = ()
    diagnosis: str | None = None
    hunks: tuple[Hunk, ...] = ()
    problem: str | None = None  # why the file could not be read (validate reports it)
    module: str = ""  # the file name in the '+++ b/<module>' line


def _split(items: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in items.split(",") if t.strip())


def parse_mutant(text: str, path: Path | str) -> Mutant:
    """The mutant in `text` (from file `path`); MutantError naming the file and line on a malformed one."""
    path = Path(path)
    name = path.name[:-len(SUFFIX)] if path.name.endswith(SUFFIX) else path.stem
    lines = text.splitlines(keepends=True)
    head: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].startswith("#"):
        match = HEADER_LINE.match(lines[i])
        if not match or match["key"] not in HEADER_KEYS:
            raise MutantError(f"{path}: line {i + 1}: not a header line "
                              f"(expected '# <key>: <text>' with key one of {', '.join(HEADER_KEYS)}).")
        head[match["key"]] = match["value"]
        i += 1
    while i < len(lines) and not lines[i].strip():  # blank lines between header and diff
        i += 1
    module = ""
    if i < len(lines) and lines[i].startswith("--- "):
        if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
            raise MutantError(f"{path}: line {i + 2}: a '--- ' line must be followed by a '+++ ' line.")
        module = lines[i + 1][4:].strip().removeprefix("b/")
        i += 2
    hunks = []
    while i < len(lines):
        hunk, i = _parse_hunk(lines, i, path)
        hunks.append(hunk)
    if not hunks:
        raise MutantError(f"{path}: no hunk: a mutant needs at least one '@@ -a,b +c,d @@' hunk.")
    return Mutant(name, path, head.get("bug", ""), _split(head.get("targets", "")),
                  _split(head.get("caught-by", "")), head.get("diagnosis"), tuple(hunks), module=module)


def _parse_hunk(lines: list[str], i: int, path: Path) -> tuple[Hunk, int]:
    match = HUNK_HEADER.match(lines[i])
    if not match:
        raise MutantError(f"{path}: line {i + 1}: expected a hunk header '@@ -a,b +c,d @@', "
                          f"got {lines[i].rstrip()!r}.")
    a, c = int(match["a"]), int(match["c"])
    b = int(match["b"]) if match["b"] is not None else 1
    d = int(match["d"]) if match["d"] is not None else 1
    start, body, old, new = i, [], 0, 0
    i += 1
    while i < len(lines) and (old < b or new < d or lines[i].startswith("\\")):
        line = lines[i]
        if line.startswith("\\"):
            if not body:
                raise MutantError(f"{path}: line {i + 1}: '{NO_NEWLINE}' with no line before it.")
            body[-1] = body[-1].rstrip("\r\n")
        elif line[:1] in (" ", "-", "+") or line in ("\n", "\r\n"):
            line = line if line[:1] in (" ", "-", "+") else " " + line  # an editor stripped a blank context line
            old += line[0] in " -"
            new += line[0] in " +"
            body.append(line)
        else:
            break
        i += 1
    if (old, new) != (b, d):
        raise MutantError(f"{path}: line {start + 1}: hunk {lines[start].strip()} has {old} old and {new} new "
                          f"lines, its header says {b} and {d}.")
    return Hunk(a, b, c, d, tuple(body)), i


def load_mutant(path: Path | str) -> Mutant:
    """Parse a mutant file; an unreadable or malformed one becomes a Mutant whose `problem` says why."""
    path = Path(path)
    try:
        return parse_mutant(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError) as exc:
        return Mutant(path.name.removesuffix(SUFFIX), path, problem=f"{path}: cannot be read ({exc}).")
    except MutantError as exc:
        return Mutant(path.name.removesuffix(SUFFIX), path, problem=exc.message)


def mutant_files(grader: Path) -> list[Path]:
    """grader/<id>/mutants/*.diff, sorted by name."""
    return sorted((Path(grader) / "mutants").glob(f"*{SUFFIX}"))


def _show(line: str) -> str:
    return repr(line.rstrip("\r\n")) if line.endswith("\n") else repr(line) + " (no newline at end)"


def apply_hunks(mutant: Mutant, reference: str) -> str:
    """The reference with the mutant's hunks applied at exactly their line numbers, context matched exactly."""
    if mutant.problem:
        raise MutantError(mutant.problem)
    ref = reference.splitlines(keepends=True)
    out, pos = [], 0
    for hunk in mutant.hunks:
        at = hunk.old_index
        if at < pos:
            raise _not_applying(mutant, hunk, "it overlaps the hunk before it")
        want = hunk.old
        for k, line in enumerate(want):
            if at + k >= len(ref):
                raise _not_applying(mutant, hunk, f"the reference ends at line {len(ref)}, "
                                                  f"the hunk expects line {at + k + 1} to be {_show(line)}")
            if ref[at + k] != line:
                raise _not_applying(mutant, hunk, f"line {at + k + 1} of the reference is {_show(ref[at + k])}, "
                                                  f"the mutant expects {_show(line)}")
        out += ref[pos:at] + hunk.new
        pos = at + len(want)
    return "".join(out + ref[pos:])


def _not_applying(mutant: Mutant, hunk: Hunk, why: str) -> MutantError:
    return MutantError(f"mutant {mutant.name} does not apply: hunk {hunk.header} ({mutant.path}): {why}.",
                       f"Run `nncourse mutant rebase` or edit {mutant.path.name} by hand.")


def write_mutant(mutant: Mutant, reference: Path, folder: Path) -> Path:
    """Apply the mutant to the reference file and write it as `folder/<reference's name>`; the path."""
    source = apply_hunks(mutant, Path(reference).read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(reference).name
    path.write_text(source, encoding="utf-8")
    return path


def header_text(bug: str, targets: tuple[str, ...] | list[str], caught_by=(), diagnosis: str | None = None) -> str:
    """The '# key: value' header lines of a mutant file."""
    for label, value in (("bug", bug), ("diagnosis", diagnosis or "")):
        if "\n" in value:
            raise MutantError(f"the {label} must be one line.")
    lines = [f"# bug: {bug.strip()}", f"# targets: {', '.join(targets)}"]
    if caught_by:
        lines.append(f"# caught-by: {', '.join(caught_by)}")
    if diagnosis:
        lines.append(f"# diagnosis: {diagnosis.strip()}")
    return "\n".join(lines) + "\n"


def diff_text(reference: str, edited: str, module: str, context: int = CONTEXT) -> str:
    """The unified diff turning `reference` into `edited` ('' when they are the same)."""
    old, new = reference.splitlines(keepends=True), edited.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old, new, f"a/{module}", f"b/{module}", n=context):
        if line.startswith(("---", "+++")):
            line = line.rstrip() + "\n"
        elif line.startswith("@@"):
            line = _full_range_header(line)
        out.append(line if line.endswith("\n") else line + "\n" + NO_NEWLINE + "\n")
    return "".join(out)


def _full_range_header(line: str) -> str:
    """'@@ -a,b +c,d @@' always with both lengths (difflib leaves out ',1')."""
    match = HUNK_HEADER.match(line)
    a, c = match["a"], match["c"]
    b, d = match["b"] or "1", match["d"] or "1"
    return f"@@ -{a},{b} +{c},{d} @@\n"


def make_mutant(reference: str, edited: str, module: str, *, bug: str, targets, caught_by=(),
                diagnosis: str | None = None) -> str:
    """The text of a mutant file: header and the diff from the reference to the edited copy."""
    if not bug.strip():
        raise MutantError("a mutant needs its bug in words (--bug).")
    if not targets:
        raise MutantError("a mutant needs at least one target (--targets A,B).")
    diff = diff_text(reference, edited, module)
    if not diff:
        raise MutantError("the edited copy is the same as the reference: there is no bug to keep.")
    return header_text(bug, tuple(targets), tuple(caught_by), diagnosis) + diff


def mutant_text(mutant: Mutant, reference: str, edited: str) -> str:
    """The mutant's file rewritten with a fresh diff from the reference to `edited`, header kept."""
    return make_mutant(reference, edited, mutant.module or "module.py", bug=mutant.bug or "?",
                       targets=mutant.targets or ("?",), caught_by=mutant.caught_by, diagnosis=mutant.diagnosis)


@dataclass(frozen=True)
class Rebase:
    """What rebase did to one mutant: 'up to date', 'rebased' (text is the new file) or 'hand edit' (why)."""
    mutant: Mutant
    status: str
    detail: str = ""
    text: str = ""


def _find(ref: list[str], block: list[str]) -> list[int]:
    n = len(block)
    return [i for i in range(len(ref) - n + 1) if ref[i:i + n] == block]


def _relocate(hunk: Hunk, ref: list[str]) -> tuple[int, Hunk] | str:
    """(0-based start, hunk with old context taken from `ref`) where the hunk now fits, or why not."""
    old = hunk.old
    where = _find(ref, old) if old else []
    if len(where) == 1:
        return where[0], hunk
    # The context may have changed around an unchanged bug: find the changed core alone.
    body = list(hunk.lines)
    first = next((k for k, line in enumerate(body) if line[0] != " "), None)
    last = max((k for k, line in enumerate(body) if line[0] != " "), default=None)
    core = body[first:last + 1] if first is not None else []
    core_old = [line[1:] for line in core if line[0] in " -"]
    if not core_old:
        return (f"hunk {hunk.header} only adds lines and its context "
                f"is found {len(where)} times in the reference")
    spots = _find(ref, core_old)
    if len(spots) != 1:
        count = "not found" if not spots else f"found {len(spots)} times"
        return (f"hunk {hunk.header}: its removed lines starting {_show(core_old[0])} are {count} "
                f"in the reference")
    return spots[0], Hunk(0, len(core_old), 0, sum(line[0] in " +" for line in core), tuple(core))


def rebase_mutant(mutant: Mutant, reference: str) -> Rebase:
    """Re-locate each hunk by its lines in the current reference (a unique match only) and rewrite the diff."""
    if mutant.problem:
        return Rebase(mutant, "hand edit", mutant.problem)
    try:
        apply_hunks(mutant, reference)
        return Rebase(mutant, "up to date")
    except MutantError:
        pass
    ref = reference.splitlines(keepends=True)
    placed = []
    for hunk in mutant.hunks:
        found = _relocate(hunk, ref)
        if isinstance(found, str):
            return Rebase(mutant, "hand edit", found)
        placed.append((*found, hunk))
    placed.sort(key=lambda item: item[0])
    out, pos = [], 0
    for start, moved, hunk in placed:
        if start < pos:
            return Rebase(mutant, "hand edit", f"hunk {hunk.header} now overlaps another hunk")
        out += ref[pos:start] + moved.new
        pos = start + len(moved.old)
    edited = "".join(out + ref[pos:])
    text = mutant_text(mutant, reference, edited)
    where = ", ".join(f"hunk {hunk.header} found at line {start + 1}" for start, _, hunk in placed)
    return Rebase(mutant, "rebased", where, text)
