"""What `run_autograder` runs inside Gradescope's container: grade one submission, write results.json.

Why: Gradescope shows whatever /autograder/results/results.json says, and
nothing when it is missing; so this writes one in every case, a failure
result with a hidden traceback when grading itself breaks. The root is
$NNCOURSE_AUTOGRADER_DIR (default /autograder) so a test can run it on a fake tree.
"""
from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from nncourse.exports.gradescope import failure_json, results_json

CONFIG = "nncourse-autograder.json"


def _student(metadata: dict) -> tuple[str | None, datetime | None]:
    users = metadata.get("users") or [{}]
    who = users[0].get("email") or users[0].get("id") if isinstance(users[0], dict) else None
    created = metadata.get("created_at")
    try:
        when = datetime.fromisoformat(created) if isinstance(created, str) else None
    except ValueError:
        when = None
    return (str(who) if who else None), when


def run(root: Path) -> dict:
    """Grade root/submission with the course in root/source; the results.json dict."""
    from nncourse.course import load_course
    from nncourse.grading.engine import grade
    from nncourse.submission import resolve_submission
    started = time.monotonic()
    config = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
    course = load_course(root / "source" / "course")
    ex = course.exercise(config["exercise"])
    meta_path = root / "submission_metadata.json"
    metadata = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    student, created = _student(metadata)
    try:
        sub = resolve_submission(root / "submission", ex.module)
    except Exception as exc:  # noqa: BLE001 - a missing file is the student's, told in one sentence
        message = getattr(exc, "message", str(exc)).replace(str(root / "submission"), "your submission")
        return failure_json(f"{message} Upload {ex.module}.") | {"tests": [{
            "name": f"{ex.module} found", "score": 0.0, "max_score": float(ex.points), "status": "failed",
            "output": message, "visibility": "visible"}]}
    with sub:
        graded = grade(course, ex, sub, suite="hidden")
        public = grade(course, ex, sub, suite="public") if config.get("public_checks", True) else None
    graded = graded.model_copy(update={"student": student, "submitted_at": created})
    return results_json(graded, public=public, hidden_visibility=config.get("hidden_visibility", "after_published"),
                        elapsed=time.monotonic() - started)


def main() -> int:
    root = Path(os.environ.get("NNCOURSE_AUTOGRADER_DIR", "/autograder"))
    out = root / "results" / "results.json"
    try:
        data = run(root)
    except BaseException as exc:  # noqa: BLE001 - always write a results.json
        data = failure_json(f"{type(exc).__name__}: {exc}", exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    print(f"wrote {out}: score {data.get('score')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
