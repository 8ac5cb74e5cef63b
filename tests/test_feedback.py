"""Feedback pages: escaping, what they show, the plots (made through the sandbox) and their size."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from gradebook_helpers import make_result
from nncourse.feedback import probes
from nncourse.feedback.figures import Figures, make_figures
from nncourse.feedback.page import Scores, feedback_html, feedback_markdown
from nncourse.feedback.plots import MAX_PNG_BYTES
from nncourse.gradebook import Gradebook

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "<script>alert(1)</script>\x1b[2J\x00 ``` </pre><img src=x onerror=alert(2)>"


def _pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)]


def test_student_chosen_text_is_escaped_everywhere(course):
    ex = course.exercise("exercise2")
    result = make_result(student=HOSTILE, message=HOSTILE, diagnosis=HOSTILE)
    result.tests[2].message = HOSTILE
    result.tests[2].instructor_detail = "SECRET grader traceback"
    html = feedback_html(course, ex, result, Figures(notes=[HOSTILE]), Scores.of(result, ex))
    assert "<script" not in html and "<img src=x" not in html and "</pre><img" not in html
    assert "\x1b" not in html and "\x00" not in html and "\\x1b[2J\\x00" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "SECRET" not in html
    md = feedback_markdown(course, ex, result, Figures(), Scores.of(result, ex))
    assert "SECRET" not in md and "\x1b" not in md
    assert "````text" in md  # the fence is longer than the ``` inside the message
    assert "<script>" not in md.replace("````text\n" + HOSTILE.replace("\x1b", "\\x1b").replace("\x00", "\\x00"), "")


def test_page_shows_final_raw_late_and_adjustment(tmp_path, course):
    ex = course.exercise("exercise2")
    deadline = ex.deadline
    with Gradebook(tmp_path / "g.db", course) as book:
        book.record(make_result(points=(3, 3, 4), max_each=4), student="s1",
                    submitted_at=deadline + timedelta(days=1, hours=2))
        book.adjust("s1", ex.id, delta=1, why="regrade <b>", who="ta")
        [s] = book.latest()
        result = book.result(s.result_id)
    html = feedback_html(course, ex, result, Figures(), Scores.of(result, ex, s))
    assert 'id="score">Score: 9 / 180' in html  # 10 graded, 80 % for 2 started days, +1
    assert "Graded score: 10 / 180" in html and "penalty 2 points" in html
    assert "Adjusted +1 by ta: regrade &lt;b&gt;" in html


def _mutant(ex_dir: str, name: str, module: str, tmp_path: Path) -> Path:
    folder = REPO / "grader" / ex_dir / "mutants" / name
    target = tmp_path / module
    if (folder / module).is_file():
        target.write_bytes((folder / module).read_bytes())
        return target
    from nncourse.sample_class import _apply_diff  # the mutants as .diff files
    source = _apply_diff(folder.with_suffix(".diff"), (REPO / "solutions" / ex_dir / module).read_text(), module)
    assert source is not None
    target.write_text(source)
    return target


@pytest.mark.slow
def test_activation_plot_marks_the_wrong_region(tmp_path, course):
    ex = course.exercise("exercise2")
    module = _mutant("exercise2", "relu_grad_one_at_zero", ex.module, tmp_path)
    reference = probes.load_reference(str(course.path(ex.solution)), ex.module_name)
    with probes.Probe(str(module), ex.module_name) as probe:
        curves = {c.name: c for c in probes.activation_curves(probe.student, reference)}
    relu = curves["relu"]
    assert not relu.wrong("value").any()
    assert list(relu.z[relu.wrong("grad")]) == [0.0]  # exactly the point z = 0
    assert not any(c.wrong("grad").any() for n, c in curves.items() if n != "relu")
    figures = make_figures(course, ex, make_result(), str(module))
    assert [p.title for p in figures.plots] == ["relu and relu_grad"]
    assert all(0 < len(p.png) < MAX_PNG_BYTES for p in figures.plots)


@pytest.mark.slow
def test_backprop_probes_tell_a_correct_gradient_from_a_wrong_one(tmp_path, course):
    ex = course.exercise("exercise3")
    reference = probes.load_reference(str(course.path(ex.solution)), ex.module_name)
    with probes.Probe(str(course.path(ex.solution)), ex.module_name) as probe:
        good = probes.gradient_check(probe.student, reference)
        training = probes.moons_training(probe.student, reference)
    assert set(good.errors) == {"W1", "b1", "W2", "b2"} and max(good.errors.values()) < 1e-6
    assert training.losses == pytest.approx(training.ref_losses) and training.accuracy > 0.95
    bad_module = _mutant("exercise3", "affine_backward_dx_forgets_W", ex.module, tmp_path)
    with probes.Probe(str(bad_module), ex.module_name) as probe:
        bad = probes.gradient_check(probe.student, reference)
    assert bad.errors["W1"] > 1e-3 and bad.errors["W2"] < 1e-6  # the error is in the first layer's tensors
    figures = make_figures(course, ex, make_result("exercise3"), str(bad_module))
    assert [p.title for p in figures.plots] == ["Gradient check per parameter tensor", "Training loss",
                                               "Decision boundary on make_moons"]
    sizes = [len(p.png) for p in figures.plots]
    assert all(1000 < n < MAX_PNG_BYTES for n in sizes), sizes


@pytest.mark.slow
def test_a_module_that_does_not_import_gets_a_note_not_a_crash(tmp_path, course):
    ex = course.exercise("exercise3")
    module = tmp_path / ex.module
    module.write_text("def broken(:\n")
    figures = make_figures(course, ex, make_result("exercise3"), str(module))
    assert figures.plots == [] and "could not be imported" in figures.notes[0]


def test_write_feedback_from_the_gradebook(tmp_path, course):
    from nncourse.feedback.write import write_feedback
    with Gradebook(tmp_path / "g.db", course) as book:
        book.record(make_result(), student="../../evil", submitted_at=datetime(2026, 12, 1, tzinfo=timezone.utc))
        [w] = write_feedback(course, book, tmp_path / "fb", plots=False)
    assert w.html.parent.parent == tmp_path / "fb" and w.html.name == "exercise2.html"
    assert w.markdown.read_text().startswith("# Activations")
    assert "student <strong id=\"student\">../../evil</strong>" in w.html.read_text()
