"""A Jupyter notebook as a student module: its code cells, in order, become the module.

Why: students on JupyterHub write notebooks, not modules. The module keeps a
`# nncourse: cell N` line before each cell's code, so any message that names a
module line (a syntax error, a traceback) can be told as "cell N, line L" of
the notebook, even after the module was submitted and graded elsewhere.
Left out: markdown cells, nbgrader's autograder-test cells (they call the
grader, they are not the student's code), IPython magics (`%...`, `%%...`)
and shell escapes (`!...`), which are blanked so line numbers stay true.
"""
from __future__ import annotations

import bisect
import hashlib
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nncourse.errors import SubmissionError

HEADER = "# nncourse: module built from the code cells of a notebook\n"
CELL_MARK = re.compile(r"^# nncourse: cell (\d+)$")
MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024
# `%magic`, `%%cell_magic`, `!shell`; not `% 2` or `!= b` continuing an expression from the line above
_IPYTHON_ONLY = re.compile(r"^\s*(%%?[A-Za-z_]|![^=])")


@dataclass(frozen=True)
class CellMap:
    """Where each cell's code starts in the module: module line -> (cell number, line in cell)."""

    starts: tuple[int, ...]  # module line (1-based) of each included cell's first code line
    cells: tuple[int, ...]  # that cell's number in the notebook (1-based, markdown cells counted)

    def locate(self, line: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self.starts, line) - 1
        if i < 0 or line < self.starts[i]:
            return None
        return self.cells[i], line - self.starts[i] + 1


def read_notebook(path: str | Path):
    """The notebook at `path` (nbformat v4), or SubmissionError in plain words."""
    import nbformat
    path = Path(path)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(f"{path}: larger than {MAX_NOTEBOOK_BYTES} bytes.")
        return nbformat.read(str(path), as_version=4)
    except SubmissionError:
        raise
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a bad file
        raise SubmissionError(f"{path}: not a readable Jupyter notebook ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0][:200] if str(exc) else 'unreadable'}).",
                              "Save it again from Jupyter (File > Save) and hand in the .ipynb file.") from None


def module_bytes(data: bytes, shown: str) -> bytes:
    """The module (UTF-8) made of a notebook's bytes, read as data; SubmissionError in plain words."""
    import nbformat
    try:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a bad file
        raise SubmissionError(f"{shown}: not a readable Jupyter notebook ({type(exc).__name__}).",
                              "Save it again from Jupyter (File > Save) and hand in the .ipynb file.") from None
    return module_text(nb).encode("utf-8")


def is_grader_cell(cell) -> bool:
    """nbgrader's autograder-test cell: graded, not a solution; it calls the grader, it is not student code."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def _python_lines(source: str) -> list[str]:
    return ["" if _IPYTHON_ONLY.match(line) else line for line in source.splitlines()]


def module_text(nb) -> str:
    """The module made of the notebook's student code cells, each after a `# nncourse: cell N` line."""
    parts = [HEADER]
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code" or is_grader_cell(cell):
            continue
        parts.append(f"# nncourse: cell {number}\n")
        parts.extend(line + "\n" for line in _python_lines(cell.source))
        parts.append("\n")
    return "".join(parts)


def cell_map(text: str) -> CellMap | None:
    """The map of a module built by module_text (read from its marker lines); None for any other module."""
    if not text.startswith(HEADER):
        return None
    starts, cells = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if m := CELL_MARK.match(line):
            starts.append(number + 1)
            cells.append(int(m.group(1)))
    return CellMap(tuple(starts), tuple(cells))


def relabel(message: str, module: str, cmap: CellMap | None) -> str:
    """Add "(cell N, line L)" after every `<module>..., line K` in a message."""
    if not cmap or not message or module not in message:
        return message
    pattern = re.compile(re.escape(module) + r"(\"?,? line )(\d+)")

    def where(m: re.Match) -> str:
        found = cmap.locate(int(m.group(2)))
        return m.group(0) + (f" (cell {found[0]}, line {found[1]})" if found else "")
    return pattern.sub(where, message)


def relabel_result(result, module_path: str | Path, module: str):
    """The Result with module line numbers also told as notebook cells, when the module came from a notebook."""
    try:
        with open(module_path, encoding="utf-8", errors="replace") as fh:
            cmap = cell_map(fh.read())
    except OSError:
        return result
    if cmap is None:
        return result
    tests = [t.model_copy(update={"message": relabel(t.message, module, cmap)}) for t in result.tests]
    return result.model_copy(update={"message": relabel(result.message, module, cmap), "tests": tests})


def write_module(notebook: str | Path, module: str, folder: str | Path) -> Path:
    """Write the module of `notebook` as folder/<module>; returns its path."""
    target = Path(folder) / module
    target.write_text(module_text(read_notebook(notebook)), encoding="utf-8")
    return target


def notebook_submission(path: str | Path, module: str):
    """A Submission whose module is built from the notebook at `path` (in a temporary folder)."""
    from nncourse.submission import Submission
    tmpdir = tempfile.mkdtemp(prefix="nncourse-nb-")
    try:
        target = write_module(path, module, tmpdir)
    except BaseException:
        import shutil
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    sha = hashlib.sha256(target.read_bytes()).hexdigest()
    return Submission(target.resolve(), sha, str(path), tmpdir)
