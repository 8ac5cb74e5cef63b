"""Collect a suite once, run its items for many submissions: pytest's fixed costs paid once per process.

Why: configuring pytest, importing and collecting a suite's files and tearing the
session down cost about half a second, more than grading exercise2 itself. Here one
pytest session collects the suite, and its run loop (pytest_runtestloop) takes
submissions one after another and runs every item's protocol for each. The last
item of a submission is run with nextitem=None, so every fixture (whatever its
scope) is torn down before the next submission: nothing of one reaches the next.
Grader files stay plain pytest files; what does not depend on the submission is
kept across submissions only through nncourse.grading.memo.
"""
from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from pathlib import Path
from typing import Callable, Iterable

import pytest

try:  # the lean loop borrows a few pytest internals; a pytest without them runs its own protocol only
    from nncourse.grading import lean
except ImportError:  # pragma: no cover - depends on the installed pytest
    lean = None

# pytest's plugins a grading session does without: each adds work to every test (logging's handlers,
# the terminal's report lines, capture's fd swaps: ~20% of the trusted side's time per submission) or to
# start-up; none decides an outcome. What grader code prints goes to a sink per job instead (quiet()).
UNUSED_PLUGINS = [arg for name in ("cacheprovider", "terminal", "logging", "faulthandler", "stepwise", "junitxml",
                                   "pastebin", "doctest", "setuponly", "setupplan", "legacypath", "capture",
                                   "unraisableexception", "threadexception")  # these two: 5 gc.collect() at exit
                  for arg in ("-p", f"no:{name}")]

Job = Callable[["RunLoop"], None]  # grades one submission: binds the plugin, calls loop.run_items()


class RunLoop:
    """The pytest plugin that replaces pytest's run loop: every job runs every collected item once."""

    def __init__(self, grader, jobs: Iterable[Job]):
        self.grader = grader  # the GraderPlugin pytest collected with; each job re-points it
        self.jobs = jobs
        self.collection_errors: list[str] = []
        self._session = None
        self._items: list = []
        self._plans: list | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        self._session = session
        self.collection_errors = list(self.grader.collection_errors)
        # as pytest's own loop: after a collection error nothing runs (the Result says why)
        self._items = [] if session.testsfailed else list(session.items)
        for item in self._items:
            _remember_markers(item)
        _remember_hook_proxies(session)
        for job in self.jobs:
            with quiet():
                job(self)
            _forget_reports(session.config)
        return True

    def run_items(self) -> None:
        """Every item once, the whole setup stack torn down after the last: a lean run (lean.py) for
        each item whose protocol would only call it, pytest's runtest protocol for the others."""
        items, session = self._items, self._session
        if session is None:
            return
        hook = session.config.hook
        plans = self._lean_plans() if lean is not None and not lean.full_protocol_forced() else [None] * len(items)
        # the setup stack is pytest's protocol's alone: each of its items tears down to the next of its items
        next_full: list = [None] * len(items)
        following = None
        for i in range(len(items) - 1, -1, -1):
            next_full[i] = following
            if plans[i] is None:
                following = items[i]
        for i, item in enumerate(items):
            if plans[i] is not None:
                lean.run(plans[i], self.grader, session)
            else:
                hook.pytest_runtest_protocol(item=item, nextitem=next_full[i])

    def _lean_plans(self) -> list:
        """Each item's lean run (None: pytest's protocol), worked out once for the session."""
        if self._plans is None:
            try:
                known = lean.hooks_are_known(self._session.config, self.grader)
                self._plans = [lean.plan(item, self.grader) if known else None for item in self._items]
            except Exception:  # noqa: BLE001 - pytest internals not as expected: its protocol for every item
                self._plans = [None] * len(self._items)
        return self._plans


def _remember_markers(item) -> None:
    """The item's markers and keywords, looked up once rather than on every submission (pytest walks
    the item's parents ~6 times per test for skip, xfail, filterwarnings and usefixtures, and again
    for each report's keywords: ~10% of the trusted side). A marker added at run time
    (item.add_marker) empties the item's memory."""
    lookup, add, memory = item.iter_markers_with_node, item.add_marker, {}

    def iter_markers_with_node(name=None):
        if name not in memory:
            memory[name] = list(lookup(name))
        return iter(memory[name])

    def get_closest_marker(name, default=None):  # the grader plugin asks ~6 times per test
        if name not in memory:
            memory[name] = list(lookup(name))
        found = memory[name]
        return found[0][1] if found else default

    def add_marker(*args, **kwargs):
        memory.clear()
        item.__dict__.pop("_nncourse_marks", None)  # what plugin.py read of the markers
        return add(*args, **kwargs)
    item.iter_markers_with_node, item.add_marker = iter_markers_with_node, add_marker
    item.get_closest_marker = get_closest_marker
    item._nncourse_remembers_markers = True
    # Every report copies the item's keywords, which chain through each parent node on every
    # iteration (~36 nested iterations per test): one flat mapping with the same keys and values.
    item.keywords = {key: item.keywords[key] for key in item.keywords}


def _remember_hook_proxies(session) -> None:
    """item.ihook asks the session for the hooks of the item's folder ~14 times per test, and the
    session works out the conftest files of that folder each time; after collection they are fixed."""
    find, proxies = session.gethookproxy, {}

    def gethookproxy(fspath):
        if fspath not in proxies:
            proxies[fspath] = find(fspath)
        return proxies[fspath]
    session.gethookproxy = gethookproxy


@contextlib.contextmanager
def quiet():
    """sys.stdout and sys.stderr go to /dev/null while a job runs: a print in a grader, a reference or
    a check must not reach the grading process's own output (`grade --json` lines)."""
    global _DEVNULL
    if _DEVNULL is None or _DEVNULL.closed:
        _DEVNULL = open(os.devnull, "w")  # noqa: SIM115 - kept for the process's life
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = _DEVNULL
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


_DEVNULL = None


def _forget_reports(config) -> None:
    """The terminal reporter keeps every report; a long-lived session must not (memory)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.stats.clear()


def run_suite(path: Path, grader, jobs: Iterable[Job], extra_plugins: tuple = ()) -> int:
    """pytest.main on one suite with our plugins, without pytest's terminal reporter (it prints nothing).

    Suites of different exercises share file names (test_softmax.py, test_public.py):
    their modules are dropped from sys.modules after collection, so a process that
    grades several exercises never reuses another suite's module (items keep theirs).
    """
    root = path if path.is_dir() else path.parent
    # --confcutdir: pytest looks no higher than the suite's folder, for conftest files and for the folders
    # it lists on its way down to the suite (with `-c /dev/null` it started from /: every entry of /tmp or
    # of site-packages went through its collection hooks, ~50 ms of a student's `check`).
    args = [str(path), *UNUSED_PLUGINS, "--import-mode=importlib", "--rootdir", str(root),
            "--confcutdir", str(root), "-c", os.devnull, "-W", "ignore::DeprecationWarning"]
    loop = RunLoop(grader, _after_collection(root, jobs))
    try:
        with _no_plugin_autoload():
            return int(pytest.main(args, plugins=[grader, loop, *extra_plugins]))
    finally:
        _forget_modules_under(root)


def _after_collection(root: Path, jobs: Iterable[Job]):
    """The jobs, once collection is over and the suite's modules are forgotten."""
    _forget_modules_under(root)
    yield from jobs


def _forget_modules_under(root: Path) -> None:
    prefix = str(root.resolve()) + os.sep
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and os.path.abspath(file).startswith(prefix):
            del sys.modules[name]


@contextlib.contextmanager
def _no_plugin_autoload():
    """Installed pytest plugins (hypothesis, benchmark...) are not ours: skip them (~0.5 s)."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old


class SuiteStopped(RuntimeError):
    """The long-lived pytest session ended (an internal pytest error): the job was not run."""


class CollectedSuite:
    """A suite collected once by a pytest session living in its own thread; run(job) grades one submission.

    Why a thread: pytest.main does not return between submissions, so the session
    waits in its run loop for the next job while the caller (a pool task, a Dask
    task) returns one Result per call. Jobs run one at a time.
    """

    def __init__(self, path: Path, grader):
        self.path = path
        self._jobs: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._ended = ""  # why the session ended, when it did
        self._thread = threading.Thread(target=self._serve, args=(grader,),
                                        name=f"nncourse-suite-{path.name}", daemon=True)
        self._thread.start()

    def run(self, job: Job) -> None:
        """Run one job in the session's thread and wait for it; its exception is raised here."""
        done, failure = threading.Event(), []

        def wrapped(loop: RunLoop) -> None:
            try:
                job(loop)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                failure.append(exc)
            finally:
                done.set()

        with self._lock:
            if not self._thread.is_alive():
                raise SuiteStopped(f"the pytest session of {self.path} has stopped ({self._ended})")
            self._jobs.put(wrapped)
            while not done.wait(0.2):
                if not self._thread.is_alive():
                    raise SuiteStopped(f"the pytest session of {self.path} stopped while grading ({self._ended})")
        if failure:
            raise failure[0]

    def _serve(self, grader) -> None:
        try:
            code = run_suite(self.path, grader, iter(self._jobs.get, None))
            self._ended = f"pytest exit status {code}"
        except BaseException as exc:  # noqa: BLE001 - reported by run()
            self._ended = f"{type(exc).__name__}: {exc}"

    def alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)
