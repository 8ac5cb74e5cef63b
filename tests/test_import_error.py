"""An unimportable module gives its one message once, with the student's own file names."""
import pytest

from nncourse.grading.engine import grade
from nncourse.grading.plugin import NOT_IMPORTED
from nncourse.submission import resolve_submission


@pytest.mark.slow
@pytest.mark.parametrize("source, says", [
    ("import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z)\n", "SyntaxError"),
    ("import numpy as np\nraise ValueError('boom')\n", "ValueError: boom"),
])
def test_unimportable_module_gives_one_message(course, tmp_path, source, says):
    (tmp_path / "activations.py").write_text(source)
    ex = course.exercise("exercise2")
    with resolve_submission(str(tmp_path / "activations.py"), ex.module) as sub:
        result = grade(course, ex, sub, suite="public")
    assert says in result.message and 'File "activations.py", line' in result.message
    assert "/submission" not in result.message and "nncourse-worker" not in result.message
    assert "<frozen" not in result.message
    assert result.tests and all(t.message == NOT_IMPORTED for t in result.tests)
