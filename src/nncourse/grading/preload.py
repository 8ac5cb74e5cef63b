"""Import in `nncourse grade`, before it forks its grading processes, what each would import at its first task.

Why: a grading process is forked from the command's process: what that process has imported, every
grading process has for free; what a grading process imports itself, it pays once per process (pytest's
plugins, the template's modules: ~25 ms for exercise2; scikit-learn, ~0.9 s, for a suite that imports
it). Only the modules a suite's files import at their top from known packages (the standard library,
pytest, NumPy, SciPy, scikit-learn, nncourse) are imported here, never a suite's own files: a name that
a suite could map to a file of its own must not be taken by an installed module of that name.
"""
from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

KNOWN_PACKAGES = frozenset({"numpy", "scipy", "sklearn", "nncourse", "pytest", "_pytest", "threadpoolctl"})
# What every grading process imports on its first task: pytest's plugins (at configure), the rng
# fixture's numpy.random, the template's modules, the notebook relabelling of a Result, and the
# threadpoolctl of init_grading_process.
ALWAYS = ("_pytest.helpconfig", "_pytest.skipping", "_pytest.unittest", "_pytest.debugging", "pdb",
          "numpy.random", "nncourse.notebook", "nncourse.sandbox.template", "nncourse.sandbox.portable",
          "threadpoolctl")


def suite_imports(suite: Path) -> list[str]:
    """The modules of known packages the suite's files import at their top level, in order."""
    files = sorted(suite.glob("*.py")) if suite.is_dir() else [suite]
    names: list[str] = []
    for path in files:
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
        except (OSError, SyntaxError, ValueError):  # the grading process reports it, as a collection error
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append(node.module)
    known = KNOWN_PACKAGES | frozenset(sys.stdlib_module_names)
    return [name for name in dict.fromkeys(names) if name.split(".")[0] in known]


def preload(suite: Path) -> None:
    """Import them now; one that fails to import is left to the grading process (which says why)."""
    for name in (*ALWAYS, *suite_imports(suite)):
        if name in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - only a head start: the grading process imports it as it always did
            pass
