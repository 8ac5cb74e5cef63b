"""Run a test without pytest's per-test protocol when that protocol would only call it.

Why: pytest's runtest protocol (setup, call and teardown hooks, CallInfo, TestReport, fixture
requests and the setup stack) costs ~0.4 ms a test: ~50 ms of the trusted side's ~60 ms for
exercise2's 120 tests. An item qualifies when all its protocol would do is known: fixtures of the
grader plugin and parametrize values only, no markers but the grader's, and nothing but pytest's own
plugins and ours on the per-test hooks. Such an item gets what the protocol gives it: the plugin's
setup checks, fresh fixture values in pytest's order, the plugin's call wrapper, pytest's warnings
filters and assertion explanations, the call through pytest_pyfunc_call, and the same TestResult
(GraderPlugin.record). Every other item goes through pytest's protocol, and all of them do when
NNCOURSE_FULL_PROTOCOL=1 (to compare).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import time
import warnings
from typing import Callable

import pytest
from _pytest.assertion import pytest_runtest_protocol as _assertion_protocol
from _pytest.nodes import Node
from _pytest.outcomes import Exit
from _pytest.python import pytest_pyfunc_call as _pytest_pyfunc_call
from _pytest.warnings import catch_warnings_for_item

# Markers whose meaning is the grader plugin's alone (pytest does nothing with them in a test's protocol).
OUR_MARKERS = frozenset({"target", "points", "timeout", "uses_reference", "parametrize"})
# The hooks pytest calls for each test; the lean run does what these plugins' implementations do.
PER_TEST_HOOKS = ("pytest_runtest_protocol", "pytest_runtest_logstart", "pytest_runtest_logfinish",
                  "pytest_runtest_setup", "pytest_runtest_call", "pytest_runtest_teardown",
                  "pytest_runtest_makereport", "pytest_runtest_logreport", "pytest_exception_interact",
                  "pytest_fixture_setup", "pytest_fixture_post_finalizer")
KNOWN_PLUGIN_MODULES = frozenset({"_pytest.runner", "_pytest.main", "_pytest.python", "_pytest.fixtures",
                                  "_pytest.skipping", "_pytest.warnings", "_pytest.assertion",
                                  "_pytest.unittest", "_pytest.tmpdir"})  # tmpdir: for tmp_path (not ours)


def full_protocol_forced() -> bool:
    return os.environ.get("NNCOURSE_FULL_PROTOCOL", "") not in ("", "0")


def hooks_are_known(config, grader) -> bool:
    """Only pytest's own plugins listed above and the grader implement the per-test hooks (a conftest,
    an extra plugin such as `check`'s printed-output one, or an installed plugin: pytest's protocol)."""
    for name in PER_TEST_HOOKS:
        for impl in getattr(config.hook, name).get_hookimpls():
            plugin = impl.plugin
            module = getattr(plugin, "__name__", None) if isinstance(plugin, type(sys)) else type(plugin).__module__
            if plugin is not grader and module not in KNOWN_PLUGIN_MODULES:
                return False
    return True


class LeanItem:
    """How to run one qualifying item: a maker of each of its fixture values, in pytest's order."""

    def __init__(self, item, makers: list[tuple[str, Callable[[], object]]]):
        self.item = item
        self.makers = makers
        # item.runtest() asks pluggy for pytest_pyfunc_call's implementations; when pytest's is the only
        # one, it is called directly (the same function, without the hook's dispatch: ~4 us a test)
        impls = item.ihook.pytest_pyfunc_call.get_hookimpls()
        only_pytest = len(impls) == 1 and impls[0].function is _pytest_pyfunc_call
        # (a partial: no frame of ours between the test's and this module's, as in pytest's tracebacks)
        self.runtest = functools.partial(_pytest_pyfunc_call, pyfuncitem=item) if only_pytest else item.runtest


def plan(item, grader) -> LeanItem | None:
    """The item's lean run, or None when it needs pytest's protocol."""
    if type(item) is not pytest.Function or getattr(item, "_fixtureinfo", None) is None:
        return None
    if any(mark.name not in OUR_MARKERS for mark in item.iter_markers()):
        return None
    if any(type(node).setup is not Node.setup for node in item.listchain()[:-1]):
        return None  # a package's setup_module
    params = getattr(item, "callspec", None)
    params = params.params if params is not None else {}
    makers = []
    for name in item.fixturenames:
        if name in params:
            makers.append((name, lambda value=params[name]: value))
            continue
        fixturedefs = item._fixtureinfo.name2fixturedefs.get(name)
        if not fixturedefs:
            return None
        fixturedef = fixturedefs[-1]
        func = fixturedef.func  # what pytest calls for it
        if getattr(func, "__self__", None) is not grader or fixturedef.scope != "function" \
                or fixturedef.argnames or not inspect.isfunction(getattr(func, "__func__", None)) \
                or inspect.isgeneratorfunction(func):
            return None
        makers.append((name, func))
    return LeanItem(item, makers)


def run(lean: LeanItem, grader, session) -> None:
    """One item as pytest's protocol would run it, its outcome recorded by the grader plugin."""
    item = lean.item
    with _catching_warnings(item):
        assertion = _assertion_protocol(item)  # pytest_assertrepr_compare's explanations in `assert`s
        next(assertion)
        try:
            _setup_and_call(lean, grader, session)
        finally:
            assertion.close()


@contextlib.contextmanager
def _catching_warnings(item):
    """pytest's catch_warnings_for_item for an item without filterwarnings markers: the same filters (those
    in force, then pytest's, the ini's and -W's) and records, the filter list built once rather than per test."""
    mutated = getattr(warnings, "_filters_mutated", None)
    if mutated is None:  # another Python's warnings module: pytest's own way
        with catch_warnings_for_item(item.config, ihook=item.ihook, when="runtest", item=item):
            yield
        return
    key = (id(item.config), tuple(warnings.filters))
    filters = _FILTERS.get(key)
    if filters is None:
        with catch_warnings_for_item(item.config, ihook=None, when="runtest", item=None, record=False):
            filters = list(warnings.filters)
        if len(_FILTERS) > 16:
            _FILTERS.clear()
        _FILTERS[key] = filters
    with warnings.catch_warnings(record=True) as log:
        warnings.filters[:] = filters
        mutated()
        try:
            yield
        finally:
            for message in log:
                item.ihook.pytest_warning_recorded.call_historic(
                    kwargs=dict(warning_message=message, nodeid=item.nodeid, when="runtest", location=None))


_FILTERS: dict[tuple, list] = {}


def _setup_and_call(lean: LeanItem, grader, session) -> None:
    item = lean.item
    start = time.perf_counter()
    try:
        grader.check_can_run(item)
        funcargs = {}
        for name, make in lean.makers:
            funcargs[name] = make()
    except (Exit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - a failed setup, as pytest reports it
        _record(grader, session, item, time.perf_counter() - start, _without_this_frame(exc))
        return
    saved = item.funcargs
    item.funcargs = funcargs
    start = time.perf_counter()
    try:
        with grader.running(item):
            lean.runtest()
    except (Exit, KeyboardInterrupt):
        raise
    except BaseException as exc:  # noqa: BLE001 - the test's failure, as pytest reports it
        _record(grader, session, item, time.perf_counter() - start, _without_this_frame(exc))
        return
    finally:
        item.funcargs = saved
    _record(grader, session, item, time.perf_counter() - start, None)


def _record(grader, session, item, duration: float, exc: BaseException | None) -> None:
    unittest = sys.modules.get("unittest")
    if unittest is not None and isinstance(exc, unittest.SkipTest):  # pytest's unittest plugin does this
        try:
            pytest.skip(str(exc))
        except pytest.skip.Exception as skipped:
            exc = _without_this_frame(skipped)
    if exc is not None and not isinstance(exc, pytest.skip.Exception):
        session.testsfailed += 1  # as pytest's session counts failed reports
    grader.record(item, duration, exc is None, exc, None)


def _without_this_frame(exc: BaseException) -> BaseException:
    """The traceback from the test's (or fixture's) frame on, as pytest's (whose own frames are dropped)."""
    tb = exc.__traceback__
    return exc.with_traceback(tb.tb_next) if tb is not None and tb.tb_next is not None else exc
