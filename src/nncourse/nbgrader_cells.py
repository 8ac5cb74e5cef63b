"""Stub + reference -> the code cells of an nbgrader source notebook.

Why: the released notebook must show the API (signatures, docstrings) exactly
as the stub does, and hide only the code. Each stub function or method keeps
its `def` line and docstring outside nbgrader's solution delimiters; only the
reference body goes between them, so nbgrader's ClearSolutions leaves
`raise NotImplementedError()` inside a function with the right signature.
Code the reference has and the stub lacks (private helpers, constants, extra
imports, private methods) goes in a delimited region inside
`try: ... except NotImplementedError: pass`: cleared, it is harmless at import
time, where a bare top-level `raise NotImplementedError()` would make every
test of an otherwise finished notebook fail.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass
class CodeCell:
    """One code cell: `kind` is "plain" (the stub's header), "answer" (nbgrader solution) or "helpers"."""

    kind: str
    name: str
    source: str


def _lines(text: str, node: ast.AST) -> list[str]:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return text.splitlines()[first - 1:node.end_lineno]


def _docstring_end(node) -> int | None:
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0].end_lineno
    return None


def _indent(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def _reindent(lines: list[str], old: str, new: str) -> list[str]:
    if old == new:
        return list(lines)
    return [new + line[len(old):] if line.startswith(old) else line for line in lines]


def _body_lines(text: str, node) -> list[str]:
    """The body of a def after its docstring, as source lines."""
    all_lines = text.splitlines()
    doc_end = _docstring_end(node)
    rest = node.body[1:] if doc_end else node.body
    if not rest:
        return []
    return all_lines[rest[0].lineno - 1:node.end_lineno]


def _head_lines(text: str, node) -> list[str]:
    """A def's decorators, signature and docstring: what the student sees."""
    all_lines = text.splitlines()
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    end = _docstring_end(node) or node.body[0].lineno - 1
    return all_lines[first - 1:end]


def _answer_function(stub_text: str, stub_node, ref_text: str, ref_node) -> list[str]:
    head = _head_lines(stub_text, stub_node)
    body = _body_lines(ref_text, ref_node)
    stub_indent = _indent(stub_text.splitlines()[stub_node.body[0].lineno - 1])
    ref_indent = _indent(body[0]) if body else stub_indent
    return [*head, stub_indent + BEGIN, *_reindent(body, ref_indent, stub_indent), stub_indent + END]


def _helpers_region(lines: list[str], indent: str) -> list[str]:
    """Reference-only code in a cleared-safe region, at the given indentation."""
    base = _indent(lines[0]) if lines else indent
    inner = indent + "    "
    return [f"{indent}try:  # helpers of your own (optional) go here, indented like this line's body",
            inner + BEGIN, *_reindent(lines, base, inner), inner + END,
            f"{indent}except NotImplementedError:  # left as released, this region defines nothing: fine",
            f"{indent}    pass"]


def _answer_class(stub_text: str, stub_node: ast.ClassDef, ref_text: str, ref_node: ast.ClassDef) -> list[str]:
    out = _head_lines(stub_text, stub_node)
    stub_methods = {n.name: n for n in stub_node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    stub_plain = {ast.unparse(n) for n in stub_node.body if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    indent = _indent(stub_text.splitlines()[stub_node.body[0].lineno - 1])
    extras: list[str] = []  # private methods and attributes: one region at the end of the class
    ref_body = ref_node.body[1:] if _docstring_end(ref_node) else ref_node.body
    for node in ref_body:
        if getattr(node, "name", None) in stub_methods:
            out += ["", *_answer_function(stub_text, stub_methods[node.name], ref_text, node)]
        elif ast.unparse(node) in stub_plain:
            out += _reindent(_lines(ref_text, node), _indent(_lines(ref_text, node)[0]), indent)
        else:
            extras += ["", *_lines(ref_text, node)] if extras else _lines(ref_text, node)
    if extras:
        out += ["", *_helpers_region(extras, indent)]
    return out


def _is_def(node) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def solution_cells(stub_text: str, ref_text: str) -> list[CodeCell]:
    """The code cells of one exercise's source notebook, in the reference's order."""
    stub, ref = ast.parse(stub_text), ast.parse(ref_text)
    stub_defs = {n.name: n for n in stub.body if _is_def(n)}
    first_def = next((n for n in stub.body if _is_def(n)), None)
    header_end = (min([first_def.lineno, *(d.lineno for d in first_def.decorator_list)]) - 1
                  if first_def else len(stub_text.splitlines()))
    cells = [CodeCell("plain", "header", "\n".join(stub_text.splitlines()[:header_end]).strip("\n"))]
    stub_plain = {ast.unparse(n) for n in stub.body if not _is_def(n)}
    extras: list[str] = []
    ref_nodes = ref.body[1:] if _docstring_end(ref) else ref.body

    def flush():
        if extras:
            cells.append(CodeCell("helpers", f"helpers-{len(cells)}", "\n".join(_helpers_region(extras, ""))))
            extras.clear()

    for node in ref_nodes:
        name = getattr(node, "name", None)
        if name in stub_defs:
            flush()
            stub_node = stub_defs.pop(name)
            if isinstance(node, ast.ClassDef):
                lines = _answer_class(stub_text, stub_node, ref_text, node)
            else:
                lines = _answer_function(stub_text, stub_node, ref_text, node)
            cells.append(CodeCell("answer", name, "\n".join(lines)))
        elif ast.unparse(node) not in stub_plain:
            extras.extend(["", *_lines(ref_text, node)] if extras else _lines(ref_text, node))
    flush()
    for name, node in stub_defs.items():  # in the stub, not in the reference: shown as the stub has it
        cells.append(CodeCell("answer", name, "\n".join(_lines(stub_text, node))))
    return cells
