"""Import rules of the package: a small untrusted surface, layers that only look down."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "nncourse"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package of `path`
                base = ".".join(path.relative_to(PKG.parent).with_suffix("").parts[:-node.level])
                found.add(f"{base}.{node.module}" if node.module else base)
            else:
                found.add(node.module or "")
    return found


def nncourse_imports(path: Path) -> set[str]:
    return {m for m in imports_of(path) if m.startswith("nncourse")}


def test_worker_imports_only_the_protocol_and_numpy():
    allowed = {"nncourse.sandbox.protocol", "nncourse.sandbox", "protocol"}
    stdlib_ok = {"importlib.util", "os", "sys", "traceback", "warnings", "numpy", "__future__"}
    # (the seccomp filter, Landlock and cgroups are applied from outside: sandbox/confine.py)
    for module in imports_of(PKG / "sandbox" / "worker.py") | imports_of(PKG / "sandbox" / "protocol.py"):
        assert module in allowed | stdlib_ok | {"json", "math", "struct"}, module


@pytest.mark.parametrize("path", sorted((PKG / "reports").glob("*.py")), ids=lambda p: p.name)
def test_reports_import_only_the_result_model(path):
    assert nncourse_imports(path) <= {"nncourse.result", "nncourse.reports.sanitize"}


def test_nothing_below_the_cli_imports_the_cli():
    for path in PKG.rglob("*.py"):
        if "cli" not in path.relative_to(PKG).parts and path.name != "__main__.py":
            assert not any(m.startswith("nncourse.cli") for m in nncourse_imports(path)), path


def test_grading_never_imports_reports():
    for path in (PKG / "grading").glob("*.py"):
        assert not any(m.startswith("nncourse.reports") for m in nncourse_imports(path)), path


def test_modules_stay_small():
    for path in PKG.rglob("*.py"):
        lines = len(path.read_text().splitlines())
        assert lines <= 400, f"{path.name} has {lines} lines"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= 60, f"{path.name}:{node.name} has {length} lines"
