"""nbgrader bridge: notebooks as modules, the nbgrader course tree, and the real nbgrader on it.

The slow tests run nbgrader itself (generate_assignment, validate, autograde,
generate_feedback) with a real ipykernel on a copy of the course whose
per-test timeout is short, and compare nbgrader's scores with `nncourse grade`
on the same notebooks, per student, exercise and target.
"""
from __future__ import annotations

import ast
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

from nncourse.course import load_course  # noqa: E402
from nncourse.mutants import apply_hunks, load_mutant  # noqa: E402
from nncourse.nbgrader_cells import BEGIN, END, solution_cells  # noqa: E402
from nncourse.notebook import cell_map, module_text, relabel  # noqa: E402
from nncourse.submission import resolve_submission  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SRC = Path(__import__("nncourse").__file__).resolve().parents[1]
EXERCISES = ("exercise2", "exercise5")
TIMINGS: dict[str, float] = {}


def _notebook(*cells):
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    return new_notebook(cells=[new_markdown_cell(c[1:]) if c.startswith("#md") else new_code_cell(c) for c in cells])


def _clear(source: str) -> str:
    """What nbgrader's ClearSolutions does to a cell (default code stub)."""
    out, inside = [], False
    for line in source.split("\n"):
        if BEGIN in line:
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + "# YOUR CODE HERE", indent + "raise NotImplementedError()"]
            inside = True
        elif END in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


# ---------- notebook -> module (fast) ----------

def test_module_keeps_code_cells_drops_magics_markdown_and_grader_cells():
    nb = _notebook("#md # title", "%matplotlib inline\nimport numpy as np\n!pip install x",
                   "def f(z):\n    return (z\n            != 0) + (z\n            % 2)",
                   "from nncourse.nbgrader_bridge import target_score\ntarget_score('e', 'f')")
    nb.cells[3].metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1}
    text = module_text(nb)
    assert "import numpy as np" in text and "def f(z):" in text
    assert "%matplotlib" not in text and "pip install" not in text and "target_score" not in text
    ast.parse(text)  # still Python
    cmap = cell_map(text)
    assert cmap.cells == (2, 3)
    line = text.splitlines().index("            != 0) + (z") + 1
    assert cmap.locate(line) == (3, 3)
    namespace: dict = {}
    exec(text, namespace)
    assert namespace["f"](3) == 2


def test_messages_name_the_cell_and_plain_modules_are_left_alone():
    nb = _notebook("import numpy as np", "def f(z):\n    x = (\n")
    text = module_text(nb)
    bad = text.splitlines().index("    x = (") + 1
    msg = f'SyntaxError: never closed (activations.py, line {bad})\nFile "/submission/activations.py", line {bad}'
    told = relabel(msg, "activations.py", cell_map(text))
    assert told.count("(cell 2, line 2)") == 2
    assert cell_map("import numpy\n") is None
    assert relabel(msg, "activations.py", None) == msg


def test_resolve_submission_builds_the_module_from_a_notebook(tmp_path):
    path = tmp_path / "mine.ipynb"
    nbformat.write(_notebook("import numpy as np", "def sigmoid(z):\n    return z"), str(path))
    with resolve_submission(path, "activations.py") as sub:
        assert sub.module_path.name == "activations.py"
        assert "def sigmoid(z):" in sub.module_path.read_text()
        folder = sub.module_path.parent
    assert not folder.exists()  # the temporary module is gone after grading
    (tmp_path / "junk.ipynb").write_text("{not json")
    with pytest.raises(Exception, match="not a readable Jupyter notebook"):
        resolve_submission(tmp_path / "junk.ipynb", "activations.py")


@pytest.mark.slow
def test_check_and_submit_take_a_notebook(cli, tmp_path, monkeypatch, course):
    from nncourse import exchange
    ex = course.exercise("exercise5")
    reference = course.path(ex.solution).read_text()
    ws = tmp_path / "ws"
    ws.mkdir()
    broken = reference.replace("def l1_grad(", "def l1_grad((", 1)
    nbformat.write(_notebook("#md # my work", "%load_ext autoreload", broken), str(ws / "exercise5.ipynb"))
    res = cli("check", "exercise5", "--dir", ws)
    assert res.exit_code == 1 and re.search(r"cell 3, line \d+", res.output), res.output
    nbformat.write(_notebook("#md # my work", "%load_ext autoreload", reference), str(ws / "exercise5.ipynb"))
    res = cli("check", "exercise5", "--dir", ws)
    assert res.exit_code == 0, res.output
    root = exchange.init_exchange(tmp_path / "exchange")
    monkeypatch.setenv("NNCOURSE_EXCHANGE", str(root))
    res = cli("submit", "exercise5", "--dir", ws, "--student", "alice")
    assert res.exit_code == 0, res.output
    entries, _ = exchange.collect(root, ex)
    handed = entries[0].module.read_text()
    assert entries[0].module.name == ex.module and "def l1_grad(" in handed and "%load_ext" not in handed


# ---------- source cells (fast) ----------

@pytest.mark.parametrize("exercise", ["exercise1", "exercise2", "exercise3", "exercise4", "exercise5", "exercise6"])
def test_released_cells_show_the_stub_api_and_hide_the_reference(course, exercise):
    ex = course.exercise(exercise)
    stub = course.path(ex.stub).read_text()
    reference = course.path(ex.solution).read_text()
    cells = solution_cells(stub, reference)
    released = "\n\n".join(_clear(c.source) for c in cells)
    namespace: dict = {}
    exec(compile(released, "released", "exec"), namespace)  # imports cleanly: helpers regions are safe
    stub_ns: dict = {}
    exec(compile(stub, "stub", "exec"), stub_ns)
    import inspect
    for name, obj in stub_ns.items():
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(namespace[name]) == inspect.getdoc(obj), name
            if inspect.isfunction(obj):
                assert inspect.signature(namespace[name]) == inspect.signature(obj), name
    ref_only = {n.name for n in ast.parse(reference).body if getattr(n, "name", "").startswith("_")}
    for name in ref_only:
        assert name not in released, f"{exercise}: the reference's {name} reaches the release"
    assert "nncourse-leak-marker" not in released
    source = "\n\n".join(c.source for c in cells)
    assert all(name in source for name in ref_only)  # ...while the source notebook has them


def test_hide_and_restore_student_code_round_trip():
    pytest.importorskip("nbgrader")
    from nncourse.nbgrader_preprocessors import HideStudentCode, RestoreStudentCode
    nb = _notebook("import sys\nprint('x', file=sys.stderr)", "target_score('e', 'f')")
    nb.cells[1].metadata["nbgrader"] = {"grade": True, "solution": False, "points": 1}
    nb, res = HideStudentCode().preprocess(nb, {})
    assert nb.cells[0].source == "" and "target_score" in nb.cells[1].source
    nb, res = RestoreStudentCode().preprocess(nb, res)
    assert "stderr" in nb.cells[0].source


# ---------- the real nbgrader (slow) ----------

def _run(args, cwd, env, timeout=900):
    started = time.monotonic()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done, time.monotonic() - started


def _course_copy(tmp: Path) -> Path:
    """The course with a 2-second test timeout, so the endless loop costs seconds, not minutes."""
    root = tmp / "course"
    root.mkdir()
    for folder in ("exercises", "solutions", "grader"):
        shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    text = (REPO / "course.yaml").read_text()
    (root / "course.yaml").write_text(re.sub(r"test_timeout: \d+", "test_timeout: 2", text, count=1))
    return root


def _students(tree: Path, course, exercise: str) -> dict[str, str]:
    """Submitted notebooks of four students, built from the released notebook: name -> what they hold."""
    ex = course.exercise(exercise)
    release = nbformat.read(str(tree / "release" / exercise / f"{exercise}.ipynb"), as_version=4)
    source = nbformat.read(str(tree / "source" / exercise / f"{exercise}.ipynb"), as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}

    def filled(edit=None):
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid].replace(BEGIN, "").replace(END, "")
                if edit:
                    edit(gid, cell)
        return nb

    reference = course.path(ex.solution).read_text()
    mutant_file = sorted(course.path(ex.grader).glob("mutants/*.diff"))[0]
    mutated = apply_hunks(load_mutant(mutant_file), reference)

    def mutant(gid, cell):  # the whole mutated reference in the first answer cell, the others emptied
        first = next(g for g in answers if g.startswith("answer-"))
        cell.source = mutated if gid == first else ""

    def broken(gid, cell):
        if gid == list(answers)[-1]:
            cell.source = cell.source.replace("\n", "\n    x = (\n", 2)

    first_api = next(n.name for n in ast.parse(course.path(ex.stub).read_text()).body
                     if isinstance(n, ast.FunctionDef))

    def hostile(gid, cell):  # one function loops forever; the notebook prints to stderr
        if gid == f"answer-{first_api}":
            cell.source += "\n\n\ndef {}(*args, **kwargs):\n    while True:\n        pass\n".format(first_api)
            cell.source += "\nimport sys\nprint('debug noise', file=sys.stderr)\n"

    made = {"alice": filled(), "bob": filled(mutant), "carol": filled(broken), "dave": filled(hostile),
            "eve": nbformat.from_dict(json.loads(json.dumps(release)))}  # eve hands in the release untouched
    made.pop("eve" if exercise == "exercise2" else "dave")  # four students per exercise keep it under minutes
    for student, nb in made.items():
        folder = tree / "submitted" / student / exercise
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{exercise}.ipynb"))
    what = {"alice": "correct", "bob": mutant_file.name, "carol": "syntax error", "dave": "loop + stderr",
            "eve": "nothing done"}
    return {student: what[student] for student in made}


def _python3_kernel() -> None:
    """nbgrader runs notebooks in the python3 kernel: install its spec into this environment if missing."""
    from jupyter_client.kernelspec import KernelSpecManager
    if "python3" not in KernelSpecManager().find_kernel_specs():
        subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix"], check=True,
                       capture_output=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    pytest.importorskip("nbgrader")
    pytest.importorskip("ipykernel")
    _python3_kernel()
    from nncourse.nbgrader_release import build_nbgrader_release, course_id_for
    tmp = tmp_path_factory.mktemp("nbgrader")
    root = _course_copy(tmp)
    course = load_course(root)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "NNCOURSE_COURSE": str(root)}
    tree = tmp / "tree"
    started = time.monotonic()
    build_nbgrader_release(course, tree, list(EXERCISES))
    TIMINGS["release"] = time.monotonic() - started
    students = {}
    for exercise in EXERCISES:
        _, TIMINGS[f"generate {exercise}"] = _run(["nbgrader", "generate_assignment", exercise], tree, env)
        students[exercise] = _students(tree, course, exercise)
        _, TIMINGS[f"autograde {exercise}"] = _run(["nbgrader", "autograde", exercise], tree, env)
    _, TIMINGS["generate_feedback"] = _run(["nbgrader", "generate_feedback", EXERCISES[1]], tree, env)
    nncourse = {}
    for exercise in EXERCISES:
        paths = [str(tree / "submitted" / s / exercise / f"{exercise}.ipynb") for s in students[exercise]]
        done, TIMINGS[f"nncourse grade {exercise}"] = _run(
            [sys.executable, "-m", "nncourse", "grade", exercise, *paths, "--json", "--jobs", "2"], tree, env)
        results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        nncourse[exercise] = dict(zip(students[exercise], results))
    from nbgrader.api import Gradebook
    nbgrader_scores = {}
    with Gradebook(f"sqlite:///{tree / 'gradebook.db'}", course_id=course_id_for(course)) as gb:
        for exercise in EXERCISES:
            for student in students[exercise]:
                sub = gb.find_submission_notebook(exercise, exercise, student)
                nbgrader_scores[exercise, student] = (sub.score, {g.name: g.score for g in sub.grades})
    print("\nnbgrader timings (s):", {k: round(v, 1) for k, v in TIMINGS.items()})
    return dict(tree=tree, course=course, students=students, nncourse=nncourse, nbgrader=nbgrader_scores)


@pytest.mark.slow
def test_nbgrader_scores_equal_nncourse_grade_per_student_exercise_and_target(graded):
    for exercise in EXERCISES:
        for student, what in graded["students"][exercise].items():
            result = graded["nncourse"][exercise][student]
            total, by_cell = graded["nbgrader"][exercise, student]
            assert total == pytest.approx(result["score"]), f"{exercise} {student} ({what})"
            for test in {t["target"] for t in result["tests"]}:
                mine = sum(t["points"] for t in result["tests"] if t["target"] == test)
                cell = "test-" + re.sub(r"[^A-Za-z0-9_-]", "-", test)
                assert by_cell[cell] == pytest.approx(mine), f"{exercise} {student} {test}"
        scores = {s: graded["nncourse"][exercise][s]["score"] for s in graded["students"][exercise]}
        most = graded["nncourse"][exercise]["alice"]["max_score"]
        assert scores["alice"] == most > scores["bob"] > 0 and scores["carol"] == 0, (exercise, scores)


@pytest.mark.slow
def test_an_endless_loop_and_stderr_cost_only_their_own_function(graded):
    result = graded["nncourse"]["exercise2"]["dave"]
    total, by_cell = graded["nbgrader"]["exercise2", "dave"]
    zero = {cell for cell, score in by_cell.items() if score == 0}
    assert zero == {"test-sigmoid"}, by_cell  # the looping function, and nothing else
    assert total == result["max_score"] - sum(t["max_points"] for t in result["tests"] if t["target"] == "sigmoid")


@pytest.mark.slow
def test_syntax_error_is_told_as_a_notebook_cell(graded):
    message = graded["nncourse"]["exercise2"]["carol"]["message"]
    assert re.search(r"\(cell \d+, line 2\)", message), message


def _grader_lines(course, exercise) -> set[str]:
    """Distinctive lines of the hidden tests (what must never reach a student)."""
    ex = course.exercise(exercise)
    lines = set()
    for test_file in course.path(ex.grader).glob("test_*.py"):
        lines |= {line.strip() for line in test_file.read_text().splitlines()
                  if len(line.strip()) > 40 and not line.strip().startswith(("#", '"', "def test_"))}
    return lines


def _contains(text: str, line: str) -> bool:
    """`line` in `text` as is, JSON-escaped (a notebook) or HTML-escaped (a feedback page)."""
    return any(form in text for form in (line, json.dumps(line)[1:-1], html.escape(line), html.escape(line, False)))


@pytest.mark.slow
def test_release_and_feedback_hold_no_solution_or_hidden_test(graded):
    """Eve handed in the released notebook untouched: her feedback must hold nothing the release may not."""
    tree, course = graded["tree"], graded["course"]
    for exercise in EXERCISES:
        reference = course.path(course.exercise(exercise).solution).read_text()
        helpers = {n.name for n in ast.parse(reference).body if getattr(n, "name", "").startswith("_")}
        source = (tree / "source" / exercise / f"{exercise}.ipynb").read_text()
        assert helpers and all(h in source for h in helpers)  # the checks below can fail: the source has them
        grader_lines = _grader_lines(course, exercise)
        assert grader_lines
        untouched = [tree / "release" / exercise / f"{exercise}.ipynb"]
        untouched += list((tree / "feedback" / "eve").rglob(f"{exercise}.html"))
        for path in untouched:
            text = path.read_text()
            assert "nncourse-leak-marker" not in text and BEGIN not in text, path
            assert not [h for h in helpers if h in text], path
            assert not [line for line in grader_lines if _contains(text, line)], path
        for path in (tree / "feedback").rglob(f"{exercise}.html"):  # bob's own code is the mutated reference
            assert not [line for line in grader_lines if _contains(path.read_text(), line)], path
    assert list((tree / "feedback" / "eve").rglob("*.html"))


@pytest.mark.slow
def test_nbgrader_validate_passes_the_source_and_fails_the_release(graded):
    tree = graded["tree"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "NNCOURSE_COURSE": str(graded["course"].root)}
    done, _ = _run(["nbgrader", "validate", "source/exercise5/exercise5.ipynb"], tree, env)
    assert "passes all the tests" in done.stdout, done.stdout
    done, _ = _run(["nbgrader", "validate", "--invert", "release/exercise5/exercise5.ipynb"], tree, env)
    assert "does not pass any tests" in done.stdout, done.stdout


def test_release_needs_a_destination_and_keeps_out_of_the_course(cli, tmp_path):
    res = cli("release")
    assert res.exit_code == 2 and "--nbgrader" in res.output
    res = cli("release", "--nbgrader", REPO / "exercises")
    assert res.exit_code == 1 and "inside the course folder" in res.output and "Traceback" not in res.output
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    res = cli("release", "--nbgrader", tmp_path / "busy")
    assert res.exit_code == 1 and "not empty" in res.output
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
