"""Results as JUnit XML: one <testsuite> per graded submission, one <testcase> per test.

Why: CI systems (GitLab, Jenkins, GitHub test reporters) show JUnit XML; a
failed test carries its message, a grader error or timeout is an <error>.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from nncourse.exports.text import clean
from nncourse.result import Result, TestStatus


def _xml_text(text: str) -> str:
    """XML 1.0 has no place for most control characters: clean() shows them as \\xNN."""
    return clean(text)


def junit_xml(results: list[tuple[str, Result]], name: str = "nncourse") -> str:
    """`results` are (suite name, Result) pairs, e.g. ('alice.exercise2', result)."""
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for suite_name, result in results:
        counts = result.counts()
        suite = ET.SubElement(root, "testsuite", name=_xml_text(suite_name), tests=str(len(result.tests)),
                              failures=str(counts["failed"]), errors=str(counts["error"] + counts["timeout"]),
                              skipped="0", time=f"{result.duration:.3f}")
        props = ET.SubElement(suite, "properties")
        for key in ("exercise", "student", "score", "raw_score", "late_penalty", "max_score", "status",
                    "grader_version", "submission_sha256"):
            value = getattr(result, key)
            if value is not None:
                ET.SubElement(props, "property", name=key,
                              value=_xml_text(value.value if hasattr(value, "value") else str(value)))
        for test in result.tests:
            case = ET.SubElement(suite, "testcase", classname=_xml_text(f"{result.exercise}.{test.target}"),
                                 name=_xml_text(test.name), time=f"{test.duration:.3f}")
            summary = f"{test.points:g}/{test.max_points:g} points"
            message = _xml_text(test.message)
            first = message.splitlines()[0][:300] if message else summary
            if test.status == TestStatus.failed:
                ET.SubElement(case, "failure", message=first, type="AssertionError").text = \
                    f"{summary}\n{message}" + (f"\nlikely cause: {_xml_text(test.diagnosis)}" if test.diagnosis else "")
            elif test.status in (TestStatus.error, TestStatus.timeout):
                ET.SubElement(case, "error", message=first, type=test.status.value).text = f"{summary}\n{message}"
            else:
                ET.SubElement(case, "system-out").text = summary
        if result.message:
            ET.SubElement(suite, "system-err").text = _xml_text(result.message)
        totals["tests"] += len(result.tests)
        totals["failures"] += counts["failed"]
        totals["errors"] += counts["error"] + counts["timeout"]
        totals["time"] += result.duration
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
