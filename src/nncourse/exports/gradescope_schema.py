"""A JSON schema of Gradescope's results.json, written from its documented fields.

Why: our tests validate what we write against the documented shape, so a typo
in a key or a wrong type (execution_time a number, a status 'ok') fails here,
not on Gradescope. Unknown keys are refused: Gradescope ignores them silently.
"""
from __future__ import annotations

VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
OUTPUT_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}

TEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "score": {"type": "number"},
        "max_score": {"type": "number", "minimum": 0},
        "status": {"enum": ["passed", "failed"]},
        "name": {"type": "string"},
        "name_format": OUTPUT_FORMAT,
        "number": {"type": "string"},
        "output": {"type": "string"},
        "output_format": OUTPUT_FORMAT,
        "tags": {"type": "array", "items": {"type": "string"}},
        "visibility": VISIBILITY,
        "extra_data": {"type": "object"},
    },
}

RESULTS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "properties": {
        "score": {"type": "number"},
        "execution_time": {"type": ["string", "number"]},
        "output": {"type": "string"},
        "output_format": OUTPUT_FORMAT,
        "test_output_format": OUTPUT_FORMAT,
        "test_name_format": OUTPUT_FORMAT,
        "visibility": VISIBILITY,
        "stdout_visibility": VISIBILITY,
        "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": TEST},
        "leaderboard": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": ["number", "string"]},
                           "order": {"enum": ["asc", "desc"]}}}},
    },
}
