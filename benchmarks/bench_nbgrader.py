"""Benchmark: `nbgrader autograde` with nncourse's test cells against `nncourse grade`, same notebooks.

Builds the nbgrader tree of one exercise (`nncourse release --nbgrader`), runs
`nbgrader generate_assignment`, hands in N student notebooks (the reference and
the course's mutants, each put into the released notebook), then times
`nbgrader autograde` (serial: one kernel per notebook, each grading in
nncourse's sandbox) and `nncourse grade --jobs J` on the same .ipynb files,
and checks that both give the same total per student. Prints figures; asserts
nothing about speed.
Usage: python benchmarks/bench_nbgrader.py [--exercise exercise2] [--students 6] [--jobs 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"


def run(cmd: list[str], cwd: Path, env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started, done.stdout


def student_notebooks(tree: Path, course, exercise: str, count: int) -> list[str]:
    """count students: the reference, then one mutant each, in the released notebook's first answer cell."""
    import nbformat
    from nncourse.mutants import apply_hunks, load_mutant
    ex = course.exercise(exercise)
    reference = course.path(ex.solution).read_text(encoding="utf-8")
    codes = [reference] + [apply_hunks(load_mutant(p), reference)
                           for p in sorted(course.path(ex.grader).glob("mutants/*.diff"))]
    release = tree / "release" / exercise / f"{exercise}.ipynb"
    students = []
    for i, code in enumerate((codes * count)[:count]):
        nb = nbformat.read(str(release), as_version=4)
        answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
        for cell in answers:
            cell.source = ""
        answers[0].source = code
        student = f"s{i:03d}"
        folder = tree / "submitted" / student / exercise
        folder.mkdir(parents=True)
        nbformat.write(nb, str(folder / f"{exercise}.ipynb"))
        students.append(student)
    return students


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="exercise2")
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    from nncourse.course import load_course
    from nncourse.nbgrader_release import build_nbgrader_release, course_id_for
    course = load_course(REPO)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
           "NNCOURSE_COURSE": str(REPO)}
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        tree = Path(tmp) / "tree"
        started = time.perf_counter()
        build_nbgrader_release(course, tree, [args.exercise])
        t_release = time.perf_counter() - started
        t_generate, _ = run(["nbgrader", "generate_assignment", args.exercise], tree, env)
        students = student_notebooks(tree, course, args.exercise, args.students)
        t_nbgrader, _ = run(["nbgrader", "autograde", args.exercise], tree, env)
        paths = [str(tree / "submitted" / s / args.exercise / f"{args.exercise}.ipynb") for s in students]
        t_nncourse, out = run([sys.executable, "-m", "nncourse", "grade", args.exercise, *paths, "--json",
                               "--jobs", str(args.jobs)], tree, env)
        t_serial, _ = run([sys.executable, "-m", "nncourse", "grade", args.exercise, *paths, "--json",
                           "--jobs", "1"], tree, env)
        mine = [json.loads(line)["score"] for line in out.splitlines() if line.startswith("{")]
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{tree / 'gradebook.db'}", course_id=course_id_for(course)) as gb:
            theirs = [gb.find_submission(args.exercise, s).score for s in students]
    n = len(students)
    print(f"{args.exercise}: {n} student notebooks, {os.cpu_count()} cores")
    print(f"  release --nbgrader (grades the source once)  {t_release:7.1f} s")
    print(f"  nbgrader generate_assignment                 {t_generate:7.1f} s")
    print(f"  nbgrader autograde (serial, kernel each)     {t_nbgrader:7.1f} s  {t_nbgrader / n:5.1f} s/notebook")
    print(f"  nncourse grade --jobs 1                      {t_serial:7.1f} s  {t_serial / n:5.1f} s/notebook")
    print(f"  nncourse grade --jobs {args.jobs}                      {t_nncourse:7.1f} s  "
          f"{t_nncourse / n:5.1f} s/notebook")
    print(f"  autograde / grade --jobs {args.jobs}: {t_nbgrader / t_nncourse:.2f}x")
    same = all(abs(a - b) < 1e-6 for a, b in zip(mine, theirs))
    print(f"  same totals per student: {same} (nncourse {mine}; nbgrader {theirs})")


if __name__ == "__main__":
    main()
