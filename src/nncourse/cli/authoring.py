"""Authoring commands: `nncourse mutant new|show|list|rebase` (mutants as small diffs)."""
from __future__ import annotations

import re
from pathlib import Path

import click

from nncourse.cli import main
from nncourse.cli.options import load
from nncourse.errors import UsageError


@main.group()
def mutant():
    """Known-wrong variants of a reference, kept as small diffs in grader/<id>/mutants/<name>.diff.

    \b
    nncourse mutant new exercise2 sigmoid_naive --from edited.py --bug "..." --targets sigmoid
    nncourse mutant show exercise2 sigmoid_naive [--diff]
    nncourse mutant list [EXERCISE]
    nncourse mutant rebase [EXERCISE]
    """


def _exercises(ctx, exercise):
    course = load(ctx)
    return course, ([course.exercise(exercise)] if exercise else course.exercises)


def _one(ctx, exercise, name):
    from nncourse.mutants import SUFFIX, load_mutant
    course = load(ctx)
    ex = course.exercise(exercise)
    path = course.path(ex.grader) / "mutants" / f"{name}{SUFFIX}"
    if not path.is_file():
        raise UsageError(f"{ex.id} has no mutant {name!r} ({path} does not exist).",
                         f"List them with `nncourse mutant list {ex.id}`.")
    return course, ex, load_mutant(path)


@mutant.command("new")
@click.argument("exercise")
@click.argument("name")
@click.option("--from", "edited", required=True, type=click.Path(dir_okay=False, exists=True),
              help="A copy of the reference with the bug written in.")
@click.option("--bug", required=True, help="The bug in one sentence, as a student would make it.")
@click.option("--targets", required=True, help="Comma-separated API names that must lose points (e.g. MLP.forward).")
@click.option("--caught-by", default="", help="Comma-separated grader tests expected to catch it (optional).")
@click.option("--diagnosis", default=None, help="The diagnosis the grader must give for it (optional).")
@click.option("--force", is_flag=True, help="Replace an existing mutant of that name.")
@click.pass_context
def new(ctx, exercise, name, edited, bug, targets, caught_by, diagnosis, force):
    """Write grader/<id>/mutants/NAME.diff: the diff from the reference to EDITED_FILE, with its header."""
    from nncourse.mutants import SUFFIX, make_mutant, parse_mutant
    from nncourse.validate import api_names
    course = load(ctx)
    ex = course.exercise(exercise)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise UsageError(f"mutant name {name!r} must be lowercase letters, digits and underscores "
                         "(it says the bug: sigmoid_naive, adam_no_bias_correction).")
    wanted = [t.strip() for t in targets.split(",") if t.strip()]
    known = set(api_names(course.path(ex.stub)))
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UsageError(f"unknown target(s) {', '.join(unknown)} for {ex.id}.",
                         f"Targets are API names of the stub: {', '.join(sorted(known))}.")
    path = course.path(ex.grader) / "mutants" / f"{name}{SUFFIX}"
    if path.exists() and not force:
        raise UsageError(f"{path} already exists.", "Pick another name or pass --force.")
    reference = course.path(ex.solution).read_text(encoding="utf-8")
    text = make_mutant(reference, Path(edited).read_text(encoding="utf-8"), ex.module, bug=bug, targets=wanted,
                       caught_by=[t.strip() for t in caught_by.split(",") if t.strip()], diagnosis=diagnosis)
    parse_mutant(text, path)  # what we write must read back
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path} ({len(text.splitlines())} lines). Check it: nncourse validate {ex.id}")


@mutant.command("show")
@click.argument("exercise")
@click.argument("name")
@click.option("--diff", "as_diff", is_flag=True, help="Print the mutant file (header and diff), not the module.")
@click.pass_context
def show(ctx, exercise, name, as_diff):
    """Print the mutant applied to the current reference (or, with --diff, the file itself)."""
    from nncourse.mutants import apply_hunks
    course, ex, m = _one(ctx, exercise, name)
    if as_diff:
        click.echo(m.path.read_text(encoding="utf-8"), nl=False)
        return
    click.echo(apply_hunks(m, course.path(ex.solution).read_text(encoding="utf-8")), nl=False)


@mutant.command("list")
@click.argument("exercise", required=False)
@click.pass_context
def list_(ctx, exercise):
    """One line per mutant: exercise, name, whether it applies, targets and the bug."""
    from nncourse.mutants import MutantError, apply_hunks, load_mutant, mutant_files
    course, exercises = _exercises(ctx, exercise)
    broken = 0
    for ex in exercises:
        reference = course.path(ex.solution).read_text(encoding="utf-8")
        for path in mutant_files(course.path(ex.grader)):
            m = load_mutant(path)
            try:
                apply_hunks(m, reference)
                state = "ok"
            except MutantError as exc:
                state, broken = "STALE", broken + 1
                click.echo(f"{ex.id:<10} {m.name:<40} {state:<5} {exc.message}")
                continue
            click.echo(f"{ex.id:<10} {m.name:<40} {state:<5} {', '.join(m.targets)}: {m.bug}")
    if broken:
        click.echo(f"{broken} mutant(s) do not apply; try `nncourse mutant rebase`.", err=True)
        ctx.exit(1)


@mutant.command("rebase")
@click.argument("exercise", required=False)
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.pass_context
def rebase(ctx, exercise, dry_run):
    """Move each mutant's hunks to where their lines are now in the reference (a unique match only).

    Mutants that still apply are left alone; those whose lines cannot be found
    exactly once are listed for a hand edit (exit status 1).
    """
    from nncourse.mutants import load_mutant, mutant_files, rebase_mutant
    course, exercises = _exercises(ctx, exercise)
    counts = {"up to date": 0, "rebased": 0, "hand edit": 0}
    for ex in exercises:
        reference = course.path(ex.solution).read_text(encoding="utf-8")
        for path in mutant_files(course.path(ex.grader)):
            outcome = rebase_mutant(load_mutant(path), reference)
            counts[outcome.status] += 1
            if outcome.status == "rebased":
                if not dry_run:
                    path.write_text(outcome.text, encoding="utf-8")
                click.echo(f"{ex.id} {outcome.mutant.name}: rebased ({outcome.detail})")
            elif outcome.status == "hand edit":
                click.echo(f"{ex.id} {outcome.mutant.name}: needs a hand edit: {outcome.detail}")
    click.echo(", ".join(f"{n} {status}" for status, n in counts.items()) + (" (dry run)" if dry_run else ""))
    ctx.exit(1 if counts["hand edit"] else 0)
