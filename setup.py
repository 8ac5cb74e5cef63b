"""Packaging hook: the wheel carries the student release of this repository's course.

Why: `pip install` gives students the engine and the course without its
answers. build_py writes nncourse/_course with nncourse.release.build_release
(an allow-list: stubs, READMEs, hints, public checks, a manifest without
solution or grader paths), so the packaged release can never drift from the
course. Everything else about the package is in pyproject.toml.
"""
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithStudentRelease(build_py):
    def run(self):
        super().run()
        sys.path.insert(0, str(HERE / "src"))
        try:
            from nncourse.course import load_course
            from nncourse.release import build_release
        finally:
            sys.path.pop(0)
        target = Path(self.build_lib) / "nncourse" / "_course"
        build_release(load_course(HERE / "course.yaml", check_files=False), target)


setup(cmdclass={"build_py": BuildPyWithStudentRelease})
