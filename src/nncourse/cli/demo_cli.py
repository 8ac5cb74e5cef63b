"""`nncourse demo [DIR]`: grade a generated sample class end to end and write every output."""
from __future__ import annotations

import time
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import load


@main.command()
@click.argument("folder", default="nncourse-demo", type=click.Path(file_okay=False), metavar="[DIR]")
@click.option("--students", type=click.IntRange(8, 500), default=40, show_default=True)
@click.option("--exercise", "exercises", multiple=True, metavar="EX",
              help="Exercises to hand in (repeatable; default: exercise2 and exercise3).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="Parallel grading processes.")
@click.option("--no-plots", is_flag=True, help="Feedback pages without plots (faster).")
@click.pass_context
def demo(ctx, folder, students, exercises, jobs, no_plots):
    """Grade a generated class of STUDENTS in DIR (default ./nncourse-demo) and write every output.

    About 40 students hand in correct solutions in several styles, buggy ones
    (the course's mutants), broken files and late work (one with an
    extension, one resubmission). Then: grade, gradebook, late policy, the
    class summary, CSV, Gradescope results, feedback pages, class report.
    A rerun reuses the graded Results kept in DIR/results.
    """
    from nncourse.exports import csv_export
    from nncourse.feedback.class_report import write_class_report
    from nncourse.feedback.write import write_feedback
    from nncourse.gradebook import Gradebook, Student
    from nncourse.gradebook.render import summary_table
    from nncourse.gradebook.summary import class_summary
    from nncourse.grading.batch import grade_many
    from nncourse.sample_class import make_class, prepare
    from nncourse.cli.export_cli import write_gradescope

    course = load(ctx)
    chosen = [course.exercise(e) for e in (exercises or ("exercise2", "exercise3"))]
    out = Path(folder)
    prepare(out)
    started = time.monotonic()
    roster, hands, extensions = make_class(course, out, chosen, students)
    click.echo(f"Generated {len(roster)} students and {len(hands)} submissions of "
               f"{', '.join(e.id for e in chosen)} in {out}/submissions.")
    timings = {}
    with Gradebook(out / "gradebook.db", course) as book:
        book.add_students([Student(r["id"], r["name"], r["email"]) for r in roster])
        for ex in chosen:
            mine = [h for h in hands if h.exercise == ex.id]
            t0 = time.monotonic()
            results = grade_many(str(course.root), ex.id, [str(h.path) for h in mine], jobs=jobs,
                                 out_dir=out / "results")
            for hand, result in zip(mine, results):
                book.record(result.model_copy(update={"student": hand.student}), student=hand.student,
                            submitted_at=hand.submitted_at, submission_path=hand.path)
            timings[f"grade {ex.id}"] = time.monotonic() - t0
            click.echo(f"Graded {len(mine)} submissions of {ex.id} in {timings[f'grade {ex.id}']:.0f} s.")
        for sid, eid, extension in extensions:
            book.extend(sid, eid, extension)
            click.echo(f"Extension: {sid} has {extension.days} more days on {eid} (rescored).")
        victim = next((s for s in book.latest() if s.raw_score < s.max_score and not s.days_late), None)
        if victim:
            book.adjust(victim.student, victim.exercise, delta=2, who="demo",
                        why="manual regrade: partial credit for a correct idea")
            click.echo(f"Adjustment: {victim.student} {victim.exercise} +2 points (the graded score is kept).")
        click.echo("")
        click.echo(summary_table(class_summary(book, course)))
        click.echo("")
        exports = out / "exports"
        exports.mkdir(parents=True, exist_ok=True)
        (exports / "grades.csv").write_text(csv_export.class_csv(book, course), encoding="utf-8")
        (exports / "nbgrader-grades.csv").write_text(csv_export.nbgrader_csv(book, course), encoding="utf-8")
        n_gs = write_gradescope(book, out / "gradescope", "after_published")
        t0 = time.monotonic()
        written = write_feedback(course, book, out / "feedback", plots=not no_plots, jobs=jobs)
        timings["feedback"] = time.monotonic() - t0
        pages = write_class_report(book, course, out / "report", "../feedback")
    sizes = [b for w in written for b in w.plot_bytes]
    sample = next((w for w in written if w.plot_bytes), written[0] if written else None)
    click.echo("Written:")
    click.echo(f"  gradebook       {out / 'gradebook.db'}   (nncourse gradebook --gradebook {out / 'gradebook.db'})")
    click.echo(f"  CSV             {exports / 'grades.csv'}")
    click.echo(f"  nbgrader CSV    {exports / 'nbgrader-grades.csv'}")
    click.echo(f"  Gradescope      {out / 'gradescope'}/EXERCISE/STUDENT/results.json ({n_gs} files)")
    click.echo(f"  feedback pages  {out / 'feedback'}/STUDENT/EXERCISE.html and .md ({len(written)} pages, "
               f"{len(sizes)} plots, largest {max(sizes, default=0) / 1024:.0f} KB)"
               + (f"; e.g. {sample.html}" if sample else ""))
    click.echo(f"  class report    {pages[0]} (and {len(pages) - 1} exercise pages)")
    click.echo(f"Done in {time.monotonic() - started:.0f} s (feedback pages {timings.get('feedback', 0):.0f} s).")
