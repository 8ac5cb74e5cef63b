"""The gradebook: a SQLite file of roster, submissions, Results, extensions and adjustments."""
from nncourse.gradebook.store import (  # noqa: F401
    DEFAULT_NAME, Adjustment, Gradebook, Standing, Student, default_path)
