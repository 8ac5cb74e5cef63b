"""The import rule, checked statically before a student's module runs.

Why: the grader provides NumPy and the Python standard library, nothing else.
A module that still imports matplotlib (left over from plotting the loss)
fails at import on the grading machine and scores 0 everywhere; saying so
before anything runs, naming the import and the line, costs the student one
edit instead of a lost submission. Imports under `if __name__ == "__main__":`
never run when the grader imports the module, so they are allowed.
"""
from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

PROVIDED = {"numpy", "__future__"}
RULE = ("the grader provides only NumPy and the Python standard library. Plotting and other experiments "
        "go under `if __name__ == \"__main__\":` at the end of your file (with their imports): "
        "the grader never runs that part.")


@dataclass(frozen=True)
class ForeignImport:
    name: str   # the top-level package, e.g. "matplotlib"
    line: int


def _stdlib() -> set[str]:
    names = set(getattr(sys, "stdlib_module_names", ()))
    return names | set(sys.builtin_module_names)


def _is_main_guard(node: ast.AST) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value == "__main__")


def foreign_imports(source: str) -> list[ForeignImport]:
    """Imports of packages other than NumPy and the standard library (outside a __main__ guard).

    A module that does not parse has none here: the check's own report names its syntax error.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    allowed = PROVIDED | _stdlib()
    found: dict[str, int] = {}
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if _is_main_guard(node):
            stack.extend(node.orelse)
            continue
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top not in allowed and (top not in found or node.lineno < found[top]):
                found[top] = node.lineno
        stack.extend(ast.iter_child_nodes(node))
    return sorted((ForeignImport(n, line) for n, line in found.items()), key=lambda f: f.line)


def import_message(module: Path) -> str | None:
    """One message naming every foreign import and the rule, or None when the module keeps it."""
    try:
        source = Path(module).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = foreign_imports(source)
    if not found:
        return None
    what = ", ".join(f"{f.name} (line {f.line})" for f in found)
    return f"{Path(module).name} imports {what}, which the grader does not provide: {RULE}"


def explain_missing_module(message: str) -> str:
    """The runtime twin: a load error 'No module named X' gets the rule after it."""
    if "ModuleNotFoundError" in message and RULE not in message:
        return f"{message}\nThe import rule: {RULE}"
    return message
