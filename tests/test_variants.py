"""Correct solutions in other styles than the reference get full marks (tests/variants/<id>/<style>/)."""
from pathlib import Path

import pytest

from nncourse.grading.batch import grade_many

from conftest import REPO

VARIANTS = sorted(Path(REPO / "tests" / "variants").glob("*/*/*.py"))


def test_every_exercise_has_at_least_three_variants(course):
    for ex in course.exercises:
        styles = [p for p in VARIANTS if p.parts[-3] == ex.id and p.name == ex.module]
        assert len(styles) >= 3, f"{ex.id} has {len(styles)} variants"


@pytest.mark.slow
@pytest.mark.parametrize("exercise", [f"exercise{i}" for i in range(1, 7)])
def test_variants_get_full_marks(exercise):
    paths = [str(p) for p in VARIANTS if p.parts[-3] == exercise]
    results = list(grade_many(str(REPO), exercise, paths, jobs=2))
    for path, result in zip(paths, results):
        lost = [f"{t.name}: {t.message[:200]}" for t in result.tests if t.status != "passed"]
        assert result.score == result.max_score > 0, f"{path} lost points:\n" + "\n".join(lost)
        diagnosed = [f"{t.name}: {t.diagnosis}" for t in result.tests if t.diagnosis or t.diagnosis_names]
        assert not diagnosed, f"{path} (a correct variant) got a diagnosis:\n" + "\n".join(diagnosed)
