"""nbgrader preprocessors that keep the student's code out of nbgrader's kernel during autograde.

Why: nbgrader runs every cell of a submission in a plain Jupyter kernel, with
no sandbox: a student's cell can loop forever, print to stderr from a thread
(nbgrader zeroes any test cell with stderr output) or touch the grading
machine. With nncourse's test cells the kernel never needs the student's code
(the test cells grade the notebook file in nncourse's sandbox), so autograde
empties the student's code cells before Execute and puts them back right
after: the autograded notebook and its feedback still show the code.
nbgrader_config.py from `nncourse release --nbgrader` installs them with
`c.Autograde.autograde_preprocessors = autograde_preprocessors()`.
"""
from __future__ import annotations

from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from nncourse.notebook import is_grader_cell

_STASH = "nncourse_student_code"


class HideStudentCode(NbGraderPreprocessor):
    """Empty every code cell that is not an autograder-test cell; keep its source in resources."""

    def preprocess(self, nb, resources):
        stash = resources.setdefault(_STASH, {})
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and not is_grader_cell(cell):
                stash[index] = cell.source
                cell.source = ""
        return nb, resources


class RestoreStudentCode(NbGraderPreprocessor):
    """Put back what HideStudentCode took (after Execute), so feedback shows the student's code."""

    def preprocess(self, nb, resources):
        for index, source in resources.pop(_STASH, {}).items():
            nb.cells[index].source = source
        return nb, resources


def autograde_preprocessors() -> list:
    """nbgrader's own autograde chain with Execute wrapped by HideStudentCode / RestoreStudentCode."""
    from nbgrader.converters.autograde import Autograde
    chain = list(Autograde.class_traits()["autograde_preprocessors"].default())
    at = chain.index(Execute)
    return [*chain[:at], HideStudentCode, Execute, RestoreStudentCode, *chain[at + 1:]]
