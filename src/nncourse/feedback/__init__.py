"""Feedback a student can open: pages with plots per submission, and the class report for instructors."""
