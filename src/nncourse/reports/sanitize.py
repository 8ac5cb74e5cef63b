"""Make student-chosen text safe to show: no control characters, no paths of the grading machine.

Why: a message, an exception text, a file name or printed output comes from the
student. Rendered raw, `\\x1b[2K\\r` rewrites an instructor's table row (a 0/180
submission shown as 180/180), and a traceback shows where the grader keeps the
course and its scratch folders. Everything that renders student text calls
`clean` (multi-line) or `one_line` first; JSON needs neither, but costs nothing.
Imports nothing of nncourse: the sandbox, intake and every report may use it.
"""
from __future__ import annotations

import functools
import os
import re
import sys
import tempfile

# C0 controls but newline and tab, DEL, C1 controls; bidi overrides and isolates (text that reads
# differently from how it is stored); line/paragraph separators; lone surrogates (undecodable bytes).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff]")
_UNSAFE_LINE = re.compile(_UNSAFE.pattern[:-1] + "\n\t]")
REPLACEMENT = "\ufffd"
_NAMED = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    ch = match.group()
    if "\ud800" <= ch <= "\udfff":
        return REPLACEMENT
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text) -> str:
    """Control characters escaped (`\\x1b`, `\\r`, `\\x9b`...), newlines and tabs kept."""
    return _UNSAFE.sub(_escape, text if type(text) is str else str(text))


def one_line(text) -> str:
    """As `clean`, and newlines and tabs escaped too: for table cells and names."""
    return _UNSAFE_LINE.sub(_escape, text if type(text) is str else str(text))


def display_name(name) -> str:
    """A file or folder name as a person can read it: bytes that are not UTF-8 become U+FFFD.

    Names from the OS arrive as str with surrogate escapes (or as bytes); such a
    str cannot be written as UTF-8 JSON, so it is decoded lossily here, once.
    """
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    return raw.decode("utf-8", "replace")


# -- paths of the grading machine -----------------------------------------------------------------------------
_SCRATCH = re.compile(r"""(?:/[^\s"':,()\[\]]+)?/nncourse-(?:worker|sub)-[A-Za-z0-9_]+(?:/submission|/\.worker)?""")
# Inside the bubblewrap sandbox (sandbox/isolation.py): the module, the worker's code, its scratch (cwd, TMPDIR).
_SANDBOX = re.compile(r"(?<![\w.<>-])/(?:submission|opt/nncourse|work)(?=/|\b)")


@functools.lru_cache(maxsize=1)
def _python_prefixes() -> tuple[str, ...]:
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    found |= {os.path.realpath(p) for p in list(found)}
    return tuple(p for p in found if p and p != "/")


def scrub_paths(text: str, *, roots: tuple[str, ...] = (), module_name: str | None = None) -> str:
    """Paths of the grading machine replaced by neutral names; the student's own file name stays.

    `<scratch>` for a worker's or an unpacked submission's private folder (the
    module in it is shown as its bare file name), `<course>` for the course root
    and other `roots`, `<python>` for the interpreter's install, `<tmp>` for the temp folder.
    """
    text = _SCRATCH.sub("<scratch>", text)
    named = [(r, "<course>") for r in roots if r] + [(p, "<python>") for p in _python_prefixes()]
    named += [(tempfile.gettempdir(), "<tmp>"), (os.path.expanduser("~"), "~")]
    for prefix, label in sorted(named, key=lambda item: -len(item[0])):
        if prefix.rstrip("/"):
            text = re.sub(r"(?<![\w.-])" + re.escape(prefix.rstrip("/")) + r"(?=/|\b)", label, text)
    text = _SANDBOX.sub("<scratch>", text)  # last: a host root such as /work/course is named above
    if module_name:
        text = text.replace(f"<scratch>/{module_name}", module_name)
    return text


def student_text(text, *, roots: tuple[str, ...] = (), module_name: str | None = None) -> str:
    """Text the student's code chose, ready for feedback: paths scrubbed, control characters escaped."""
    return clean(scrub_paths(text if type(text) is str else str(text), roots=roots, module_name=module_name))
