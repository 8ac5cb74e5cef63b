"""Gradescope results.json files for a whole gradebook: FOLDER/EXERCISE/STUDENT/results.json."""
from __future__ import annotations

import json
from pathlib import Path


def write_gradescope(book, folder: Path, visibility: str) -> int:
    """One Gradescope results.json per student and exercise: FOLDER/EXERCISE/STUDENT/results.json."""
    from nncourse.exports.gradescope import results_json
    from nncourse.feedback.write import safe_name
    n = 0
    for s in book.latest():
        target = folder / safe_name(s.exercise) / safe_name(s.student) / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        result = book.result(s.result_id).model_copy(update={"score": s.final_score})
        target.write_text(json.dumps(results_json(result, hidden_visibility=visibility), indent=1) + "\n",
                          encoding="utf-8")
        n += 1
    return n
