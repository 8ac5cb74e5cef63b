"""Exports of the gradebook and of Results: CSV, nbgrader CSV, JUnit XML, JSON, Gradescope."""
