"""Mutants as small diffs: parse, strict apply, loud failure, rebase, make, and every mutant of the repo."""
import ast
import re
import shutil

import pytest

from nncourse.course import load_course
from nncourse.mutants import (MutantError, apply_hunks, load_mutant, make_mutant, mutant_files, parse_mutant,
                              rebase_mutant, write_mutant)
from nncourse.validate import _jobs_for, api_names, check_mutants, find_mutants

from conftest import REPO

REFERENCE = "".join(f"line {i}\n" for i in range(1, 21))
BUGGY = REFERENCE.replace("line 10\n", "line TEN\n")
MUTANT = """\
# bug: line 10 is spelled out
# targets: ten
# caught-by: test_ten_is_a_number
# diagnosis: the student wrote the word
--- a/mod.py
+++ b/mod.py
@@ -7,7 +7,7 @@
 line 7
 line 8
 line 9
-line 10
+line TEN
 line 11
 line 12
 line 13
"""


def test_parse_reads_header_and_hunks():
    m = parse_mutant(MUTANT, "grader/x/mutants/ten_spelled.diff")
    assert (m.name, m.bug, m.targets, m.caught_by) == ("ten_spelled", "line 10 is spelled out", ("ten",),
                                                       ("test_ten_is_a_number",))
    assert m.diagnosis == "the student wrote the word"
    assert m.module == "mod.py"
    [hunk] = m.hunks
    assert (hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len) == (7, 7, 7, 7)
    assert hunk.old[3] == "line 10\n" and hunk.new[3] == "line TEN\n"


def test_parse_without_optional_lines():
    text = "# bug: b\n# targets: a, B.c\n\n@@ -10 +10 @@\n-line 10\n+line TEN\n"
    m = parse_mutant(text, "m.diff")
    assert m.targets == ("a", "B.c") and m.caught_by == () and m.diagnosis is None
    assert apply_hunks(m, REFERENCE) == BUGGY


@pytest.mark.parametrize("text, says", [
    ("# MUTANT: old style | targets: a\n@@ -1 +1 @@\n-x\n+y\n", "line 1: not a header line"),
    ("# bug: b\n# targets: a\n", "no hunk"),
    ("# bug: b\n# targets: a\n@@ -1,2 +1,2 @@\n-line 1\n+line one\n", "has 1 old and 1 new lines, its header says 2 and 2"),
    ("# bug: b\n# targets: a\nline 1\n", "expected a hunk header"),
])
def test_malformed_file_names_the_file_and_the_problem(text, says):
    with pytest.raises(MutantError, match=re.escape(says)) as err:
        parse_mutant(text, "grader/x/mutants/bad.diff")
    assert "bad.diff" in err.value.message


def test_load_keeps_a_malformed_file_as_a_problem(tmp_path):
    path = tmp_path / "bad.diff"
    path.write_text("# bug: b\n")
    m = load_mutant(path)
    assert m.name == "bad" and "no hunk" in m.problem
    with pytest.raises(MutantError, match="no hunk"):
        apply_hunks(m, REFERENCE)


def test_apply_is_exact_and_writes_the_module(tmp_path):
    m = parse_mutant(MUTANT, "ten.diff")
    assert apply_hunks(m, REFERENCE) == BUGGY
    reference = tmp_path / "mod.py"
    reference.write_text(REFERENCE)
    written = write_mutant(m, reference, tmp_path / "out")
    assert written == tmp_path / "out" / "mod.py" and written.read_text() == BUGGY


def test_a_hunk_that_does_not_apply_names_mutant_hunk_and_first_differing_line():
    m = parse_mutant(MUTANT, "grader/x/mutants/ten.diff")
    changed = REFERENCE.replace("line 9\n", "line nine\n")
    with pytest.raises(MutantError) as err:
        apply_hunks(m, changed)
    assert err.value.message == ("mutant ten does not apply: hunk @@ -7,7 +7,7 @@ (grader/x/mutants/ten.diff): "
                                 "line 9 of the reference is 'line nine', the mutant expects 'line 9'.")


def test_no_fuzz_and_no_offset():
    """The same lines one line lower do not apply: only rebase moves a hunk."""
    with pytest.raises(MutantError, match="line 7 of the reference is 'line 6'"):
        apply_hunks(parse_mutant(MUTANT, "ten.diff"), "line 0\n" + REFERENCE.replace("line 20\n", ""))
    with pytest.raises(MutantError, match="the reference ends at line 10"):
        apply_hunks(parse_mutant(MUTANT, "ten.diff"), "".join(REFERENCE.splitlines(True)[:10]))


def test_make_round_trip_and_header():
    text = make_mutant(REFERENCE, BUGGY, "mod.py", bug="line 10 is spelled out", targets=["ten"],
                       caught_by=["test_ten_is_a_number"], diagnosis="the student wrote the word")
    assert text == MUTANT
    m = parse_mutant(text, "ten.diff")
    assert apply_hunks(m, REFERENCE) == BUGGY


def test_make_keeps_a_missing_final_newline():
    edited = REFERENCE[:-1]  # the last line loses its newline
    m = parse_mutant(make_mutant(REFERENCE, edited, "mod.py", bug="b", targets=["a"]), "m.diff")
    assert apply_hunks(m, REFERENCE) == edited


@pytest.mark.parametrize("edited, bug, targets, says", [
    (REFERENCE, "b", ["a"], "same as the reference"),
    (BUGGY, " ", ["a"], "needs its bug"),
    (BUGGY, "b", [], "at least one target"),
    (BUGGY, "two\nlines", ["a"], "one line"),
])
def test_make_refuses_what_is_not_a_mutant(edited, bug, targets, says):
    with pytest.raises(MutantError, match=says):
        make_mutant(REFERENCE, edited, "mod.py", bug=bug, targets=targets)


def test_rebase_moves_hunks_when_lines_moved():
    m = parse_mutant(MUTANT, "ten.diff")
    moved = "new docstring\n\nmore\n" + REFERENCE
    outcome = rebase_mutant(m, moved)
    assert outcome.status == "rebased", outcome.detail
    again = parse_mutant(outcome.text, "ten.diff")
    assert again.hunks[0].header == "@@ -10,7 +10,7 @@"
    assert (again.bug, again.targets, again.caught_by, again.diagnosis) == (m.bug, m.targets, m.caught_by, m.diagnosis)
    assert apply_hunks(again, moved) == moved.replace("line 10\n", "line TEN\n")


def test_rebase_takes_new_context_around_an_unchanged_bug():
    m = parse_mutant(MUTANT, "ten.diff")
    edited_context = REFERENCE.replace("line 8\n", "line eight\n").replace("line 12\n", "")
    outcome = rebase_mutant(m, edited_context)
    assert outcome.status == "rebased", outcome.detail
    assert apply_hunks(parse_mutant(outcome.text, "ten.diff"), edited_context) == \
        edited_context.replace("line 10\n", "line TEN\n")


def test_rebase_leaves_an_applying_mutant_alone():
    assert rebase_mutant(parse_mutant(MUTANT, "ten.diff"), REFERENCE).status == "up to date"


@pytest.mark.parametrize("reference, says", [
    (REFERENCE.replace("line 10\n", "line 10 (renamed)\n"), "not found"),
    (REFERENCE.replace("line 10\n", "line 10\nline 10\n").replace("line 9\n", "x\n"), "found 2 times"),
])
def test_rebase_says_which_hunk_needs_a_hand_edit(reference, says):
    outcome = rebase_mutant(parse_mutant(MUTANT, "ten.diff"), reference)
    assert outcome.status == "hand edit"
    assert "hunk @@ -7,7 +7,7 @@" in outcome.detail and says in outcome.detail
    assert outcome.text == ""


def test_cli_new_show_list_rebase(tmp_path, runner, monkeypatch):
    from nncourse.cli import main
    course = _copy_course(tmp_path, "exercise2")
    monkeypatch.setenv("NNCOURSE_COURSE", str(course))
    reference = (course / "solutions/exercise2/activations.py").read_text()
    edited = tmp_path / "edited.py"
    assert "np.maximum(_as_float(z), 0.0)" in reference
    edited.write_text(reference.replace("np.maximum(_as_float(z), 0.0)", "np.maximum(_as_float(z), 1.0)", 1))
    args = ["mutant", "new", "exercise2", "relu_floor_one", "--from", str(edited), "--bug", "relu clips at 1",
            "--targets", "relu"]
    made = runner.invoke(main, args)
    assert made.exit_code == 0, made.output
    diff = (course / "grader/exercise2/mutants/relu_floor_one.diff").read_text()
    assert diff.startswith("# bug: relu clips at 1\n# targets: relu\n--- a/activations.py\n")
    assert len(diff.splitlines()) < 15
    assert runner.invoke(main, args).exit_code == 2  # exists: needs --force
    assert runner.invoke(main, args[:3] + ["Bad Name"] + args[4:]).exit_code == 2
    unknown = runner.invoke(main, args[:-1] + ["relu, nope"] + ["--force"])
    assert unknown.exit_code == 2 and "unknown target(s) nope" in unknown.output
    shown = runner.invoke(main, ["mutant", "show", "exercise2", "relu_floor_one"])
    assert shown.output == edited.read_text()
    assert runner.invoke(main, ["mutant", "show", "exercise2", "relu_floor_one", "--diff"]).output == diff
    # the reference gains lines at the top: list flags every mutant, rebase repairs them all
    (course / "solutions/exercise2/activations.py").write_text("# a new first comment\n\n" + reference)
    listed = runner.invoke(main, ["mutant", "list", "exercise2"])
    assert listed.exit_code == 1 and "relu_floor_one" in listed.output and "does not apply: hunk @@" in listed.output
    rebased = runner.invoke(main, ["mutant", "rebase", "exercise2"])
    assert rebased.exit_code == 0, rebased.output
    assert "0 up to date" in rebased.output and "0 hand edit" in rebased.output
    assert runner.invoke(main, ["mutant", "list", "exercise2"]).exit_code == 0
    shown = runner.invoke(main, ["mutant", "show", "exercise2", "relu_floor_one"])
    assert shown.output == "# a new first comment\n\n" + edited.read_text()


def test_validate_reports_a_mutant_that_does_not_apply_as_a_fail_record(tmp_path):
    root = _copy_course(tmp_path, "exercise1")
    solution = root / "solutions/exercise1/perceptron.py"
    solution.write_text(solution.read_text().replace("import numpy as np\n", "import numpy\nnp = numpy\n", 1))
    course = load_course(root, check_files=False)
    ex = course.exercise("exercise1")
    jobs = _jobs_for(course, ex, 0, tmp_path)
    stale = {k: v for k, v in jobs.items() if isinstance(v, str)}
    assert stale, "some mutant's hunk covers the import line"
    records = check_mutants(course, ex, {k: v for k, v in stale.items()})
    failed = [r for r in records if r.check.removeprefix("mutant ").removesuffix(" caught") in
              {k.removeprefix("mutant-") for k in stale}]
    assert failed and all(not r.ok and re.match(r"mutant \w+ does not apply: hunk @@ -\d+,\d+ \+\d+,\d+ @@", r.detail)
                          for r in failed)


def _copy_course(tmp_path, ex_id):
    root = tmp_path / "course"
    for part in ("exercises", "solutions", "grader"):
        shutil.copytree(REPO / part / ex_id, root / part / ex_id)
    shutil.copy(REPO / "course.yaml", root / "course.yaml")
    return root


# --- every mutant of the repository ----------------------------------------------------------------

EXERCISES = [f"exercise{i}" for i in range(1, 7)]


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_every_mutant_in_the_repo_applies_and_targets_api_names(course, ex_id):
    ex = course.exercise(ex_id)
    reference = course.path(ex.solution).read_text(encoding="utf-8")
    names = set(api_names(course.path(ex.stub)))
    grader_tests = {name for path in course.path(ex.grader).glob("test_*.py")
                    for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), flags=re.M)}
    mutants = find_mutants(course, ex)
    assert len(mutants) == len(mutant_files(course.path(ex.grader))) >= 8
    for m in mutants:
        source = apply_hunks(m, reference)  # raises with the hunk when it does not apply
        assert source != reference
        ast.parse(source, filename=f"{m.name}.diff")  # the mutant is a bug, not a syntax error
        assert m.bug and m.targets and set(m.targets) <= names, f"{m.name}: targets {m.targets} not in the API"
        unknown = set(m.caught_by) - grader_tests
        assert not unknown, f"{m.name}: caught-by names tests that are not in {ex.grader}: {sorted(unknown)}"
        assert len(m.path.read_text(encoding="utf-8").splitlines()) < 60, f"{m.name}: not a small diff"
