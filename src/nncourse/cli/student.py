"""Student commands: list, fetch, check."""
from __future__ import annotations

import contextlib
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import dir_option, json_option, load, load_exercise


@main.command("list")
@click.option("--workspace", type=click.Path(file_okay=False), default=".", show_default=True,
              help="The folder that holds your exercise folders.")
@click.pass_context
def list_exercises(ctx, workspace):
    """List the exercises, their points, and the state of your workspace."""
    from nncourse.exchange import receipts
    from nncourse.workspace import STATE_DIR, last_check
    course = load(ctx, check_files=False)
    root = Path(workspace)
    click.echo(f"{course.title} ({course.version})")
    for ex in course.exercises:
        have = (root / ex.id / ex.module).is_file()
        state = "not fetched"
        if have:
            last = last_check(ex, root)
            state = "fetched, not checked" if last is None else \
                f"last check: {last.counts()['passed']}/{len(last.tests)} passed"
            sent = receipts(root / ex.id / STATE_DIR, ex.id)
            if sent:
                state += f"; submitted {sent[-1].submitted_at[:16].replace('T', ' ')} UTC"
        due = f"  due {ex.deadline:%Y-%m-%d %H:%M %Z}" if ex.deadline else ""
        click.echo(f"  {ex.id:<10} {ex.points:>4g} pts  {ex.title}{due}  [{state}]")


@main.command()
@click.argument("exercise")
@dir_option
@click.pass_context
def fetch(ctx, exercise, directory):
    """Put EXERCISE's stub, README and public checks into your workspace.

    Never overwrites a file you already have: it says so and keeps yours.
    """
    from nncourse.workspace import exercise_dir, fetch as do_fetch
    course, ex = load_exercise(ctx, exercise)
    report = do_fetch(course, ex, directory)
    for path in report.written:
        click.echo(f"wrote {path}")
    for path in report.kept:
        click.echo(f"kept your {path} (not overwritten)")
    folder = exercise_dir(ex, directory)
    click.echo(f"Next: read {folder / 'README.md'}, edit {folder / ex.module}, then run "
               f"`nncourse check {ex.id}`" + (f" --dir {directory}" if directory else "") + ".")


@main.command()
@click.argument("exercise")
@dir_option
@json_option
@click.option("--verbose", "-v", is_flag=True, help="List the passing checks too.")
@click.pass_context
def check(ctx, exercise, directory, as_json, verbose):
    """Run EXERCISE's public checks on your module and say what is wrong.

    Your code runs in a separate process with a time limit; what it prints is
    shown per check, below the report. Imports other than NumPy and the
    standard library are named first. Exit status 0 when every check passes
    and the imports keep that rule, 1 otherwise, 2 for a usage error.
    """
    from nncourse.cli import collector_paused, early
    from nncourse.sandbox import isolation
    isolation.start_detection()  # the sandbox's trial run goes on while the course loads and imports run
    with collector_paused():
        started = early.start(ctx.find_root().obj.get("course_dir"), exercise, directory)
    try:
        with collector_paused():
            from nncourse.submission import resolve_submission
            from nncourse.workspace import find_module, save_last_check
            course, ex = load_exercise(ctx, exercise, keys=("public_checks",))
            module = find_module(ex, directory)
        solution = course.path(ex.solution) if ex.solution is not None else None
        taken = started.take(module, ex.module, solution) if started is not None else None
        started = None
        with (taken[0] if taken else resolve_submission(module, ex.module)) as sub, \
                _workers(course, ex, sub, *(taken[1:] if taken else ())) as session:
            with collector_paused():
                from nncourse.grading.engine import grade  # pytest and the grader: imported while the workers start
                from nncourse.imports import explain_missing_module, import_message
                from nncourse.printed import PrintedOutput, render_printed
                from nncourse.reports.terminal import render
            rule = import_message(module)
            printed = PrintedOutput(session)
            result = grade(course, ex, sub, suite="public", session=session, extra_plugins=(printed,))
    finally:
        if started is not None:  # the course load failed: the early worker is not needed
            started.close()
    result = result.model_copy(update={"message": explain_missing_module(result.message)})
    save_last_check(module, result)
    if as_json:
        click.echo(result.to_json())
    else:
        click.echo(f"{ex.id} · {ex.title}: public checks on {module}\n")
        if rule:
            click.echo(f"IMPORTS: {rule}\n")
        if note := _portable_note(session):
            click.echo(note + "\n")
        click.echo(render(result, verbose=verbose, show_points=False))
        if section := render_printed(printed.by_test):
            click.echo(section)
    passed = result.counts()["passed"] == len(result.tests) and result.tests
    ctx.exit(0 if passed and not rule else 1)


@contextlib.contextmanager
def _workers(course, ex, sub, session=None, reference=None):
    """The submission's worker session, started now (or already, by cli/early.py, as `reference` may be),
    and (in a course folder) the reference's worker that times the checks first: their NumPy imports
    overlap this process's import of pytest and the grader. Whatever happens, neither outlives the check."""
    from nncourse.grading import budgets
    try:
        budgets.start_reference(course, ex, course.path(ex.public_checks), course.limits_for(ex).test_timeout,
                                started=reference)
        reference = None  # budgets owns it now
        if session is None:
            from nncourse.sandbox.proxy import Session
            session = Session(str(sub.module_path), ex.module_name)
            try:
                session.start()
            except Exception:  # noqa: BLE001 - grade() starts it again and fails as it always did
                session.close()
        yield session
    finally:
        for started in (session, reference):
            if started is not None:
                started.close()
        budgets.close_started()


def _portable_note(session) -> str:
    """Said once per check: where the Linux sandbox is not used."""
    from nncourse.sandbox import portable
    return portable.NOTE if portable.active() else ""


exchange_option = click.option("--exchange", "exchange_dir", type=click.Path(file_okay=False), metavar="DIR",
                               help="The exchange folder (default: $NNCOURSE_EXCHANGE, else course.yaml's exchange:).")


@main.command()
@click.argument("exercise")
@dir_option
@click.option("--student", metavar="ID", help="Your student id (default: $NNCOURSE_STUDENT, else your login name).")
@exchange_option
@click.pass_context
def submit(ctx, exercise, directory, student, exchange_dir):
    """Hand in your module for EXERCISE: a copy goes into the course's exchange.

    Every submission is kept (nothing is overwritten); your instructor grades
    the latest one. Only you and your instructors can read it. After grading,
    `nncourse score EXERCISE` shows your result.
    """
    from datetime import datetime, timezone

    from nncourse import exchange
    from nncourse.hints import hint_log
    from nncourse.late import lateness
    from nncourse.workspace import STATE_DIR, find_module
    course, ex = load_exercise(ctx, exercise, keys=())
    module = find_module(ex, directory)
    student = exchange.check_student_id(student or exchange.default_student())
    root = exchange.exchange_root(course, exchange_dir)
    now = datetime.now(timezone.utc)
    late = lateness(course.late_policy_for(ex), ex.deadline, now)
    extra = {"late": late.late}
    if course.record_hints:
        extra["hints"] = hint_log(module.parent)
    from nncourse.imports import import_message
    if rule := import_message(module):
        click.echo(f"WARNING: {rule}", err=True)
    from nncourse.notebook import notebook_submission  # a notebook is handed in as the module it makes
    handed = notebook_submission(module, ex.module) if module.suffix == ".ipynb" else None
    try:
        receipt = exchange.submit(root, ex, handed.module_path if handed else module, student, extra=extra, now=now)
    finally:
        if handed:
            handed.cleanup()
    exchange.save_receipt(module.parent / STATE_DIR, receipt)
    click.echo(f"submitted {module} for {ex.id} as {student} at {now:%Y-%m-%d %H:%M:%S} UTC "
               f"(sha256 {receipt.sha256[:12]}).")
    if late.late and late.factor == 0.0:
        click.echo(f"LATE: this is past the hard deadline ({late.days_late} started days after "
                   f"{late.deadline:%Y-%m-%d %H:%M} UTC): it is stored, but the late policy scores it 0.")
    elif late.late:
        click.echo(f"LATE: {late.days_late} started day(s) after the deadline; the late policy keeps "
                   f"{late.factor:.0%} of the score.")
    if note := exchange.platform_note():
        click.echo(note)
    click.echo(f"Next: `nncourse score {ex.id}` once your instructor has graded it.")


@main.command()
@click.argument("exercise")
@dir_option
@exchange_option
@json_option
@click.pass_context
def score(ctx, exercise, directory, exchange_dir, as_json):
    """Show the graded result of your latest submission of EXERCISE.

    Exit status 0 when it is graded, 1 when it is not graded yet (or you have
    not submitted from this workspace).
    """
    from nncourse import exchange
    from nncourse.reports.terminal import render
    from nncourse.workspace import STATE_DIR
    course, ex = load_exercise(ctx, exercise, keys=())
    folder = _submit_folder(ex, directory)
    mine = exchange.receipts(folder / STATE_DIR, ex.id)
    if not mine:
        click.echo(f"{ex.id}: you have not submitted it from {folder} yet "
                   f"(`nncourse submit {ex.id}`" + (f" --dir {directory}" if directory else "") + ").")
        ctx.exit(1)
    last = mine[-1]
    root = exchange.exchange_root(course, exchange_dir or last.exchange)
    result = exchange.feedback_for(root, last)
    when = last.submitted_at[:19].replace("T", " ")
    if result is None:
        click.echo(f"{ex.id}: your submission of {when} UTC (sha256 {last.sha256[:12]}) is not graded yet.")
        ctx.exit(1)
    if as_json:
        click.echo(result.to_json())
        return
    click.echo(f"{ex.id} · {ex.title}: your submission of {when} UTC (sha256 {last.sha256[:12]})\n")
    if result.late_penalty:
        click.echo(f"late: {result.raw_score:g} points before the late penalty, "
                   f"-{result.late_penalty:g} for lateness\n")
    click.echo(render(result))


def _submit_folder(ex, directory) -> Path:
    """The folder whose .nncourse/ holds the receipts: --dir, else ./<id>/ (or . when it holds the module)."""
    from nncourse.workspace import exercise_dir
    if directory:
        return Path(directory)
    here = exercise_dir(ex, None)
    return here if here.is_dir() or not (Path.cwd() / ex.module).is_file() else Path.cwd()


@main.command()
@click.argument("exercise")
@click.argument("target", required=False)
@click.option("--level", type=click.IntRange(min=1), metavar="N", help="Show level N again instead of the next one.")
@dir_option
@click.pass_context
def hint(ctx, exercise, target, level, directory):
    """A hint for TARGET (a function or method of EXERCISE), one level at a time.

    The first call gives the idea, the next the formula, the last the shape of
    the code. Without TARGET: the targets that have hints.
    """
    from nncourse.hints import hint_log, load_hints, next_hint
    course, ex = load_exercise(ctx, exercise, keys=())
    folder = _submit_folder(ex, directory)
    if not target:
        hints = load_hints(course, ex)
        if not hints:
            click.echo(f"{ex.id} has no hints.")
            return
        seen = {}
        for entry in hint_log(folder):
            if entry.get("exercise") == ex.id:
                seen[entry.get("target")] = max(seen.get(entry.get("target"), 0), entry.get("level", 0))
        click.echo(f"Hints for {ex.id} (`nncourse hint {ex.id} TARGET`):")
        for name, levels in hints.items():
            click.echo(f"  {name:<28} {seen.get(name, 0)} of {len(levels)} seen")
        return
    shown, total, text = next_hint(course, ex, target, folder, level)
    names = {1: "the idea", 2: "the formula", 3: "the shape of the code"}
    click.echo(f"{target}, hint {shown} of {total} ({names.get(shown, 'more')}):\n")
    click.echo(text)
    if shown < total:
        click.echo(f"\nStill stuck? `nncourse hint {ex.id} {target}` again gives the next level.")
    if course.record_hints:
        click.echo("\n(This course records hint use: `submit` sends the list of hints you asked for.)")
