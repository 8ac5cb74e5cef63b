"""The course content holds together: stubs, references and READMEs agree with each other."""
import ast
import doctest
import importlib.util
import sys

import pytest

from nncourse.validate import api_names, find_mutants

from conftest import REPO

EXERCISES = [f"exercise{i}" for i in range(1, 7)]
STDLIB = set(sys.stdlib_module_names)


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=EXERCISES)
def ex(request, course):
    return course.exercise(request.param)


def test_stub_and_reference_have_the_same_api(course, ex):
    stub, ref = course.path(ex.stub), course.path(ex.solution)
    assert api_names(stub) == api_names(ref)
    assert len(api_names(stub)) >= 4


def test_every_stub_function_raises_not_implemented(course, ex):
    tree = ast.parse(course.path(ex.stub).read_text())
    classes = {m: c for c in ast.walk(tree) if isinstance(c, ast.ClassDef) for m in c.body}
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                 and (not n.name.startswith("_") or n.name == "__init__")]
    assert functions
    for fn in functions:
        owner = classes.get(fn)
        documented = ast.get_docstring(fn) or (fn.name == "__init__" and ast.get_docstring(owner))
        assert documented, f"{fn.name} has no docstring"
        last = fn.body[-1]
        assert isinstance(last, ast.Raise) and "NotImplementedError" in ast.unparse(last), fn.name


def test_stub_docstring_examples_hold_for_the_reference(course, ex):
    """The tiny examples in the stub's docstrings are true: run them against the reference."""
    ref = load(course.path(ex.solution), f"ref_{ex.id}")
    tree = ast.parse(course.path(ex.stub).read_text())
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    attempted, globs = 0, dict(vars(ref))  # shared, in file order: a method's example may use its class's
    nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))]
    for node in sorted(nodes, key=lambda n: getattr(n, "lineno", 0)):
        if ast.get_docstring(node):
            name = getattr(node, "name", ex.id)
            test = parser.get_doctest(ast.get_docstring(node), globs, name, ex.id, 0)
            result = runner.run(test, out=lambda s: None, clear_globs=False)
            globs.update(test.globs)  # DocTest works on a copy
            assert result.failed == 0, f"{ex.id}: an example in {name}'s docstring is wrong"
            attempted += result.attempted
    assert attempted >= 3, f"{ex.id}: the stub shows only {attempted} examples"


@pytest.mark.parametrize("kind", ["stub", "solution"])
def test_student_side_modules_import_only_numpy_and_stdlib(course, ex, kind):
    tree = ast.parse(course.path(getattr(ex, kind)).read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                assert top == "numpy" or top in STDLIB, f"{kind} imports {name}"


def test_readme_teaches_and_states_the_rules(course, ex):
    text = course.path(ex.readme).read_text()
    assert f"nncourse check {ex.id}" in text
    assert "warning" in text.lower()
    assert len(text.splitlines()) > 100


def test_every_exercise_has_at_least_eight_mutants_with_headers(course, ex):
    mutants = find_mutants(course, ex)
    assert len(mutants) >= 8
    names = set(api_names(course.path(ex.stub)))
    for m in mutants:
        assert m.problem is None, m.problem
        assert m.bug, f"{m.name}: no '# bug: ...' header line"
        assert m.targets, f"{m.name}: no '# targets: ...' header line"
        assert set(m.targets) <= names, f"{m.name}: unknown target {m.targets}"
        assert m.module == ex.module, f"{m.name}: diff of {m.module!r}, the exercise's module is {ex.module!r}"


def test_no_mutant_is_a_whole_copy_of_the_module(course, ex):
    """Mutants are small diffs (grader/<id>/mutants/<name>.diff), never a copy of the reference."""
    copies = sorted(p.relative_to(REPO).as_posix() for p in (course.path(ex.grader) / "mutants").rglob("*.py"))
    assert not copies, f"whole-module mutants left: {copies}; convert them with `nncourse mutant new`"
