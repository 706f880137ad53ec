"""Everything the plugin does once pytest is configured: options -> plan, fixtures, per-test
requirement bookkeeping, failure diagnoses, reports.

Registered by :func:`configure` (called from the entry-point module), so the decorators and pytest
types live here and the entry point itself stays free of imports.

What another layer of the plugin (recording.py) may use, and nothing else of this module:
:data:`STATE_KEY` (the run), :func:`setting` (an option and where it came from),
:func:`plans_only`, :func:`reported_id` (a test's ID in the reports), :func:`recorder_of` (a
test's requirement recorder) and :func:`hypothesis_settings`.
"""

from __future__ import annotations

import functools
import re
import time

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .errors import ConfigError
from .inputs import SuiteInputs
from .outcomes import NotTested
from .plan import TargetPlan, parse_api_selection, parse_variants, plan_targets
from .policy import Policy
from .redaction import RedactorSet

if TYPE_CHECKING:  # the ledger loads with the first test, not with the plugin
    from .ledger import TestRecorder


@dataclass
class Run:
    """One pytest run: its targets (each owning what its clients share), the clients, their
    exchange logs, and the one Policy. Kept in ``config.stash``, never in module globals."""

    plan: TargetPlan
    report_dir: Path
    policy: Policy
    """The one answer to "does this block?" (level, ``--sessionapi-fail-on``, waivers)."""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    active: bool = False
    heap_frozen: bool = False
    """The objects alive after collection are out of the collector's sight (``_freeze_heap``)."""
    redactors: RedactorSet = field(default_factory=RedactorSet)
    inputs: SuiteInputs = field(default_factory=SuiteInputs)
    """The suites' ids and clock (the ``sessionapi_inputs`` fixture); recording and replay plug
    in with ``inputs.supply_from(...)``."""
    clients: dict[str, Any] = field(default_factory=dict)
    http_clients: dict[str, list[Any]] = field(default_factory=dict)
    _ledger: Any = None
    report_paths: list[Path] = field(default_factory=list)
    document: dict[str, Any] | None = None
    parallel_run_id: str | None = None
    """pytest-xdist's run id, on the controller: the workers' shared rate-limit files carry it."""
    show: Callable[[str], None] | None = None
    """Writes one line on the terminal now, even while a test's output is captured (rate-limit
    waits on live targets)."""
    interrupt_seen: bool = False
    """Ctrl-C was pressed. From then on no failure is trusted: whatever a test reports next may be
    the interrupt dressed up by Hypothesis, a retry loop or a cleanup."""
    shown_failures: set[str] = field(default_factory=set)
    """Requirements whose statement a failure report already showed in this run."""
    setup_problems: dict[str, str | None] = field(default_factory=dict)
    """API -> the preflight's one-line problem, or None once it passed; checked once per process."""
    config: Any = None
    interrupt_held: bool = False
    """Ctrl-C was held back once while an exchange was in flight (never twice)."""
    interrupted_at: float | None = None
    """``time.monotonic()`` of the first Ctrl-C: the report is due 5 s after it."""
    busy: dict[str, str] = field(default_factory=dict)
    """API -> why the entity the target names is held by someone else (verdict ``error``)."""
    finished: bool = False
    heard_workers: set[int] = field(default_factory=set)
    """pytest-xdist workers whose ledger the controller merged (each once)."""
    failed_apis: set[str | None] = field(default_factory=set)
    """The APIs of the tests that failed (None: a test of no API), seen by the process that
    writes the report: a failed test of an API reported ``error`` is not a conformance failure."""

    @property
    def strict(self) -> bool:
        """Whether every failed requirement blocks the run, not only a failed MUST."""
        return self.policy.strict

    @property
    def ledger(self) -> Any:
        if self._ledger is None:
            from .ledger import Ledger

            self._ledger = Ledger()
        return self._ledger

    def target(self, api: str) -> Any:
        target = self.plan.target(api)
        self.redactors.register(target.redactor)
        if self.show is not None and not target.embedded:
            from .transport import target_resources

            resources = target_resources(target)
            if resources.observe_resends is None:
                # Through a weak reference: the target holds its resources, and a strong one
                # back to the run made the whole run (items, reports, ledger) outlive
                # pytest.main until a full garbage collection.
                import weakref

                state = weakref.ref(self)

                def observe(line: str) -> None:
                    found = state()
                    if found is not None and found.show is not None:
                        found.show(f"sessionapi: {api}: {line}")

                resources.observe_resends = observe
        return target

    def open_http(self, api: str, auth: Any) -> Any:
        from .transport import open_client

        client = open_client(self.target(api), auth=auth)
        self.http_clients.setdefault(api, []).append(client)
        return client

    def client(self, api: str) -> Any:
        if api not in self.clients:
            target = self.target(api)
            module = target.api.client
            self.clients[api] = module.Client(self.open_http(api, module.build_auth(target)), target)
        return self.clients[api]

    def exchange_marks(self) -> dict[Any, int]:
        from .transport import exchange_log

        marks = {}
        for clients in self.http_clients.values():
            for client in clients:
                log = exchange_log(client)
                if log is not None:
                    marks[log] = log.count
        return marks

    def exchanges_since(self, marks: dict[Any, int], limit: int = 3) -> list[Any]:
        from .transport import exchange_log

        found = []
        for clients in self.http_clients.values():
            for client in clients:
                log = exchange_log(client)
                if log is None:
                    continue
                new = log.count - marks.get(log, 0)
                if new > 0:
                    found.extend(list(log.exchanges)[-min(new, len(log.exchanges)):])
        return found[-limit:]

    def breaker(self, api: str) -> Any:
        """The API's :class:`transport.Breaker`: whether its endpoint stopped answering, and
        its run-time budget."""
        from .transport import target_resources

        return target_resources(self.target(api)).breaker

    def stopped(self, api: str) -> str | None:
        """Why ``api``'s remaining tests cannot run (its endpoint stopped answering; its budget
        is spent), noted in the run's facts; None while they can."""
        if api in self.busy:
            return self.busy[api]
        breaker = self.breaker(api)
        facts = self.ledger.facts
        if breaker.tripped is not None:
            facts.setup_problems.setdefault(api, self.redactors.text(f"{api}: {breaker.tripped}"))
            return breaker.tripped
        left = breaker.budget_left()
        if left is not None and left <= 0 or breaker.budget_spent is not None:
            line = breaker.budget_spent or (
                f"the run-time budget of {breaker.budget_s:g} s (--sessionapi-budget) was spent "
                "before every test had run"
            )
            breaker.budget_spent = line
            facts.cut_short(api, line)
            return line
        return None

    def preflight(self, api: str) -> str | None:
        """Whether ``api``'s target can be used at all (the host answers, TLS works, the
        credentials are accepted, ``base_url`` holds no path the client appends): None, or the one
        line that says what to check. Asked once per process, before the API's first test."""
        if api not in self.setup_problems:
            from .preflight import check_target

            problem = check_target(self.target(api), lambda auth: self.open_http(api, auth))
            line = None if problem is None else self.redactors.text(problem.line())
            self.setup_problems[api] = line
            if line is not None:
                self.ledger.facts.setup_problems[api] = line
        return self.setup_problems[api]

    def requests_by_api(self, attribute: str = "count") -> dict[str, int]:
        """Per API, the requests sent (``count``) or re-sent by the transport (``retries``)."""
        from .transport import exchange_log

        counts: dict[str, int] = {}
        for api, clients in self.http_clients.items():
            for client in clients:
                log = exchange_log(client)
                counts[api] = counts.get(api, 0) + (getattr(log, attribute) if log else 0)
        return counts

    def waited_by_api(self) -> dict[str, float]:
        """Per API, the seconds the transport waited before re-sends (rate limits, gateways)."""
        from .transport import target_resources

        return {
            api: round(target_resources(self.target(api)).breaker.waited_s, 3)
            for api in self.http_clients
        }

    def close(self) -> None:
        for clients in self.http_clients.values():
            for client in clients:
                client.close()
        self.http_clients.clear()
        self.clients.clear()
        for target in self.plan.resolved.values():
            target.close()


STATE_KEY = pytest.StashKey[Run]()
RECORDER_KEY = pytest.StashKey[Any]()
MARKS_KEY = pytest.StashKey[dict[Any, int]]()


def setting(config: pytest.Config, ini: str) -> tuple[str | None, str, Path]:
    """The option's value, where it came from, and the folder relative paths resolve against:
    the command line beats the ini file; a path on the command line is relative to where pytest
    was invoked, a path in the ini file to the ini file's folder."""
    value = config.getoption(ini)
    if value is not None:
        return value, f"--{ini.replace('_', '-')}", config.invocation_params.dir
    value = config.getini(ini)
    base = config.inipath.parent if config.inipath else config.rootpath
    return (value or None), f"ini option {ini}", base


def configure(config: pytest.Config) -> None:
    try:
        selection_value, selection_origin, _ = setting(config, "sessionapi_api")
        selection = parse_api_selection(selection_value, selection_origin)
        variants_value, variants_origin, _ = setting(config, "sessionapi_reference_variant")
        variants = parse_variants(variants_value, variants_origin)
        config_value, config_origin, config_base = setting(config, "sessionapi_config")
        config_path = None
        if config_value:
            # As typed on the command line (pytest runs where it was invoked), so messages name
            # the file the way the user does; from the ini file, anchored at the ini's folder.
            config_path = Path(config_value)
            if config_origin.startswith("ini") and not config_path.is_absolute():
                config_path = config_base / config_path
        import os

        plan = plan_targets(config_path, selection, variants, os.environ)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    report_value, report_origin, report_base = setting(config, "sessionapi_report_dir")
    # The default is relative to where pytest runs, never to the rootdir: with the suites
    # installed from a wheel the rootdir can be inside site-packages.
    report_dir = report_base / report_value if report_value else config.invocation_params.dir / "reports"
    from .config import check_writable_folder

    try:
        check_writable_folder(
            report_dir, report_origin if report_value else "the report folder",
            report_value,
        )
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    strict_cli = config.getoption("sessionapi_strict")
    strict = bool(strict_cli) if strict_cli is not None else bool(config.getini("sessionapi_strict"))
    try:
        policy = _policy(config, strict)
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    state = Run(plan=plan, report_dir=report_dir, policy=policy)
    state.config = config
    config.stash[STATE_KEY] = state
    state.show = _terminal_line(config)
    _watch_interrupts(config, state)
    config.add_cleanup(_forget_hypothesis_scans)  # runs in one process must not keep each other alive
    # Registered before pytest's unraisableexception plugin registers its clean-up (plugins
    # configure in reverse registration order), so it runs after that one's gc.collect().
    config.add_cleanup(functools.partial(_thaw_heap, state))
    runtime = RuntimePlugin(state)
    config.pluginmanager.register(runtime, "sessionapi-runtime")
    config.pluginmanager.register(ControllerFirst(runtime), "sessionapi-controller-first")
    from .evidence import PLUGIN_NAME, EvidencePlugin

    config.pluginmanager.register(EvidencePlugin(), PLUGIN_NAME)
    from .junit_names import PLUGIN_NAME as JUNIT_NAMES, JUnitNames

    config.pluginmanager.register(JUnitNames(config), JUNIT_NAMES)


def _freeze_heap(state: Run) -> None:
    """Move every object alive once the suites are collected (modules, items, catalogues: they
    live until the process ends) out of the garbage collector's sight, until :func:`_thaw_heap`.
    Full collections over them (pytest's unraisableexception plugin runs two at the end of every
    run) cost a BioT run 0.30-0.35 s of CPU, 0.06-0.07 s frozen, and found nothing: a test's own
    objects are collected as before. Only in a run of the suites, never in an unrelated one."""
    import gc

    if not state.heap_frozen:
        gc.freeze()
        state.heap_frozen = True
    global _FROZEN_AT_EXIT
    if not _FROZEN_AT_EXIT:
        import atexit

        # The interpreter's own collections as it exits cost a BioT run 0.25-0.35 s of its 3 s
        # (measured from the last atexit handler to the process's end: 0.03 s with this). They
        # only run finalizers of garbage cycles left at exit, which nothing of a run needs: the
        # reports, journal and cassettes are written and closed when the run ends, and pytest's
        # own check for unraisable exceptions ran at its clean-up.
        atexit.register(gc.freeze)
        _FROZEN_AT_EXIT = True


_FROZEN_AT_EXIT = False
"""Whether this process hides its objects from the collector at exit (once a run of the suites
ran in it; see :func:`_freeze_heap`)."""


def _thaw_heap(state: Run) -> None:
    """Give the frozen objects back to the collector once the run is over (a run inside another
    process, pytester's, must not leave that process's objects frozen)."""
    import gc

    if state.heap_frozen:
        gc.unfreeze()
        state.heap_frozen = False


def _forget_hypothesis_scans() -> None:
    import sys

    if "hypothesis.internal.constants_ast" in sys.modules:  # Hypothesis ran: no import for nothing
        from .hypothesis_profiles import forget_scanned_modules

        forget_scanned_modules()


def _policy(config: pytest.Config, strict: bool) -> Policy:
    from datetime import date

    from .policy import load_waivers, parse_duration, parse_fail_on, parse_requirement_selection

    fail_on_value, fail_on_origin, _ = setting(config, "sessionapi_fail_on")
    fail_on = parse_fail_on(fail_on_value, strict, fail_on_origin)
    budget_value, budget_origin, _ = setting(config, "sessionapi_budget")
    budget_s = parse_duration(budget_value, budget_origin)
    waivers_value, waivers_origin, waivers_base = setting(config, "sessionapi_waivers")
    waivers: list[Any] = []
    if waivers_value:
        path = Path(waivers_value)
        if waivers_origin.startswith("ini") and not path.is_absolute():
            path = waivers_base / path
        waivers = load_waivers(path, date.today())
    selection_value, selection_origin, _ = setting(config, "sessionapi_requirement")
    patterns = parse_requirement_selection(selection_value, selection_origin)
    return Policy(fail_on, tuple(waivers), patterns, budget_s)


def _terminal_line(config: pytest.Config) -> Callable[[str], None]:
    def show(line: str) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        capture = config.pluginmanager.get_plugin("capturemanager")
        if reporter is None:
            return
        if capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(line, yellow=True)
        else:
            reporter.write_line(line, yellow=True)

    return show


def _watch_interrupts(config: pytest.Config, state: Run) -> None:
    """Note a Ctrl-C the moment it arrives, then let Python raise KeyboardInterrupt as usual.

    Code between the signal and pytest (Hypothesis, a soft check, a retry or cleanup loop) may turn
    the KeyboardInterrupt into something else or swallow it; the note survives, so the run still
    ends as interrupted and no failure recorded after it is believed."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    previous = original = signal.getsignal(signal.SIGINT)
    if not callable(previous):
        if not _is_xdist_worker(config):
            return  # SIGINT ignored or handled by the OS default: leave it so
        # execnet starts pytest-xdist's workers with SIGINT ignored: a Ctrl-C on the terminal
        # then reached only the controller, and each worker went on with its test until xdist
        # gave up on it (seconds later), its sessions open and its ledger lost. A worker takes
        # the Ctrl-C its process group gets like a serial run: it stops, tears its fixtures
        # down (the suites release their sessions) and sends the controller what it found.
        previous = signal.default_int_handler

    def on_interrupt(signum: int, frame: Any) -> None:
        if state.interrupted_at is None:
            state.interrupted_at = time.monotonic()
        state.interrupt_seen = True
        state.ledger.facts.interrupted_by_user()
        import sys

        transport = sys.modules.get("pytest_sessionapi.transport")
        interrupts = transport.INTERRUPTS if transport is not None else None
        if interrupts is not None and interrupts.shielded and not interrupts.deferred:
            # A clean-up is releasing the suite's sessions (interrupt_shield.cleanup): let it
            # finish; the next exchange outside it, or the next test, stops the run.
            interrupts.deferred = True
            interrupts.pending.set()
            return
        if interrupts is not None and interrupts.in_flight and not interrupts.shielded \
                and not state.interrupt_held:
            # An exchange is in flight: let its answer be read (a create's session id must reach
            # the suite's bookkeeping to be released), and raise as the next exchange starts, or
            # after INTERRUPT_HOLD_S whatever happens.
            state.interrupt_held = True
            held = transport.INTERRUPTS.pending
            held.set()

            def raise_now() -> None:
                if held.is_set() and not interrupts.shielded:
                    held.clear()
                    import os

                    os.kill(os.getpid(), signal.SIGINT)

            timer = threading.Timer(INTERRUPT_HOLD_S, raise_now)
            timer.daemon = True
            timer.start()
            return
        previous(signum, frame)

    signal.signal(signal.SIGINT, on_interrupt)
    config.add_cleanup(lambda: signal.signal(signal.SIGINT, original))


def _ignore_interrupts_from_now() -> None:
    """The report is written, and its ``exit_status`` is what the process returns: a Ctrl-C now
    must not end the process otherwise (with 2, or killed by the signal) and contradict it. The
    handler of before the run comes back at pytest's clean-up (:func:`_watch_interrupts`)."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _is_xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _is_xdist_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.getplugin("dsession") is not None


def _runs_the_suites(config: pytest.Config) -> bool:
    """Whether this run is about the suites: a sessionapi option or ini setting is given, or
    what pytest was asked to collect holds the packaged or checkout suites. An unrelated test
    run in the same environment (the plugin is installed, not used) hears nothing of it."""
    # Every option of the group has the ini name as its dest (plugin.py), so the options the
    # command line parsed name the ini settings too, without importing the entry point back.
    for dest, value in vars(config.option).items():
        if not dest.startswith("sessionapi_"):
            continue
        if value is not None:
            return True
        try:
            if config.getini(dest):
                return True
        except ValueError:  # an option without an ini mirror
            continue
    try:
        from .launch import suites_path

        suites = suites_path().resolve()
    except SystemExit:
        return False
    for arg in config.args:
        if arg.replace("/", ".").startswith("pytest_sessionapi.suites"):
            return True
        path = Path(arg.partition("::")[0])
        path = (path if path.is_absolute() else config.invocation_params.dir / path).resolve()
        if path.is_relative_to(suites) or suites.is_relative_to(path):
            return True
    return False


def report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(STATE_KEY, None)
    if state is None or not _runs_the_suites(config):
        return None
    from .registry import all_apis

    plan = state.plan
    source = "embedded reference endpoints" if plan.embedded else str(plan.config_path)
    lines = [
        f"sessionapi: targets from {source}; reports to {state.report_dir}"
        + ("; strict (SHOULD failures count)" if state.strict else "")
    ]
    lines += [f"  {name}: {plan.describe(name)}" for name in all_apis()]
    return lines


def _api_of_item(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("sessionapi")
    if marker is None:
        return None
    if not marker.args or not isinstance(marker.args[0], str):
        raise pytest.UsageError(f"{item.nodeid}: use @pytest.mark.sessionapi('<api name>')")
    return marker.args[0]


def _declared(item: pytest.Item) -> tuple[str, ...]:
    ids: list[str] = []
    for marker in item.iter_markers("sessionapi_requirement"):
        ids.extend(str(arg) for arg in marker.args)
    return tuple(dict.fromkeys(ids))


def _where(item: pytest.Item) -> tuple[str, int]:
    """The test's file as the reports name it, and its line: where its warnings are shown."""
    return reported_id(item).partition("::")[0], (item.location[1] or 0) + 1


def reported_id(item: pytest.Item) -> str:
    """The test's ID in the reports: ``suites/<api>/test_x.py::test_y`` however the suites were
    launched (from a checkout, from the wheel with ``--pyargs``, from another directory), so two
    reports of the same suites can be compared line by line."""
    parts = Path(str(item.path)).parts
    from .registry import all_apis

    for index in range(len(parts) - 2, -1, -1):
        if parts[index] == "suites" and parts[index + 1] in all_apis():
            name = "/".join(parts[index:])
            _, sep, rest = item.nodeid.partition("::")
            return f"{name}{sep}{rest}"
    return item.nodeid


def recorder_of(item: pytest.Item) -> Any:
    """The test's requirement recorder (the ``sessionapi_conformance`` fixture), made once."""
    recorder = item.stash.get(RECORDER_KEY, None)
    if recorder is None:
        from .ledger import TestRecorder

        state = _state(item.config)
        recorder = TestRecorder(reported_id(item), _declared(item), state.policy)
        item.stash[RECORDER_KEY] = recorder
    return recorder


def _state(config: pytest.Config) -> Run:
    return config.stash[STATE_KEY]


def _server_error_watch(item: pytest.Item, state: Run, recorder: Any) -> Any:
    """Every answer of the test judged under its API's no-5xx requirement, when it declares it."""
    from contextlib import nullcontext

    from .registry import all_apis

    api = _api_of_item(item)
    requirement_id = all_apis()[api].server_error_requirement if api else None
    if requirement_id is None or requirement_id not in recorder.declared:
        return nullcontext()
    from .server_errors import watching

    return watching(state, recorder, api, requirement_id)


def _client_readability_watch(item: pytest.Item, state: Run, recorder: Any) -> Any:
    """Every answer of the test read by the vendor's client, when the test declares that."""
    from contextlib import nullcontext

    from .registry import all_apis

    api = _api_of_item(item)
    requirement_id = all_apis()[api].client_readable_requirement if api else None
    if requirement_id is None or requirement_id not in recorder.declared:
        return nullcontext()
    from .client_readability import watching

    return watching(state, recorder, all_apis()[api], requirement_id)


def _named_field(message: str, body: str) -> str:
    """The first word of a failure message that is a key of the JSON body (``ipv6Address``)."""
    import re

    for word in re.findall(r"[A-Za-z_@][A-Za-z0-9_]{2,}", message):
        if f'"{word}"' in body:
            return word
    return ""


def _buried(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The first ``kind`` in ``exc``, its exception groups and its chain of causes."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        stack.extend((current.__cause__, current.__context__))
    return None


_STATUS_ORDER = ("pass", "fail", "waived", "skip", "not-tested", "not-run")


def _by_status(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(status, counts[status]) for status in _STATUS_ORDER if counts.get(status)]


def hypothesis_settings(config: pytest.Config) -> dict[str, Any]:
    """The profile the suites' property-based tests ran under and the seed, if one was given:
    with ``derandomize`` (the default ``sessionapi-ci`` profile) the same run generates the same
    inputs; otherwise ``--hypothesis-seed=<seed>`` repeats it."""
    import sys

    if "hypothesis" not in sys.modules:  # no property-based test was imported
        return {}
    from hypothesis import settings

    current = settings()
    seed = config.getoption("hypothesis_seed", None)
    return {
        "profile": settings.get_current_profile_name(),
        "derandomize": bool(current.derandomize),
        "max_examples": current.max_examples,
        "seed": None if seed is None else str(seed),
    }


def plans_only(config: pytest.Config) -> bool:
    """``--setup-plan`` and ``--setup-only`` go through the setup hooks but run no test."""
    return bool(getattr(config.option, "setupplan", False) or getattr(config.option, "setuponly", False))


def _unjudged(exc: BaseException, state: Run, api: str | None) -> str | None:
    """Why a test that raised ``exc`` judged nothing it had not judged yet, or None when its
    exception is a judgement (a failed check, a broken answer)."""
    if api is None:
        return None
    from .transport import BudgetSpent, EndpointStopped, StillRateLimited

    stopped = state.stopped(api)
    if stopped is not None:
        return f"not tested: {stopped}"
    limited = _buried(exc, StillRateLimited)
    if limited is not None:
        return f"not tested: the endpoint's rate limit held: {limited}"
    other = _buried(exc, EndpointStopped) or _buried(exc, BudgetSpent)
    return f"not tested: {other}" if other is not None else None


INTERRUPT_HOLD_S = 1.5
"""The longest Ctrl-C waits for an exchange in flight (see ``_watch_interrupts``)."""

WORKERS_WAIT_S = 3.5
"""How long after Ctrl-C the controller of an interrupted parallel run waits for its workers'
ledgers: the report must be written within 5 s of the signal."""


def _timed_out(exc: BaseException) -> bool:
    """pytest-timeout's failure (``Failed: Timeout >600.0s``): the test was cut short, which says
    nothing about the requirements it had not judged yet."""
    return isinstance(exc, pytest.fail.Exception) and str(exc.msg).startswith("Timeout")


class ControllerFirst:
    """pytest-xdist, on the controller: the report is written before xdist's own sessionfinish,
    which waits up to 10 s for each worker to exit (an interrupted worker may not)."""

    def __init__(self, runtime: RuntimePlugin) -> None:
        self.runtime = runtime

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if _is_xdist_controller(session.config):
            self.runtime.finish(session, exitstatus)


class RuntimePlugin:
    def __init__(self, state: Run) -> None:
        self.state = state  # for the hooks pytest calls without a config

    # -- collection ------------------------------------------------------------------------
    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        # A run of one API never imports another API's suite (its conftest pulls in that API's
        # package, Hypothesis strategies and reference): deselecting after collection cost a
        # Control Center run 0.1-0.2 s of imports it never used. The suites' folder of an API
        # is named after it (``suites/<api>/``, also inside the wheel).
        if collection_path.parent.name != "suites" or not (collection_path.parent / "conftest.py").is_file():
            return None
        from .registry import all_apis

        if collection_path.name in all_apis() and collection_path.name not in self.state.plan.selected:
            return True
        return None

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        # Before -k is applied: `-k CC-IPV6-NEVER-NULL` selects the tests of that requirement.
        if item.get_closest_marker("sessionapi") is not None:
            item.extra_keyword_matches.update(_declared(item))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        state = _state(config)
        keep: list[pytest.Item] = []
        dropped: list[pytest.Item] = []
        suite_items: list[tuple[pytest.Item, str]] = []
        from .policy import selected
        from .registry import all_apis
        from .server_errors import declare_on_client_tests

        for descriptor in all_apis().values():
            if descriptor.server_error_requirement:
                declare_on_client_tests(items, descriptor.name, descriptor.server_error_requirement)
            if descriptor.client_readable_requirement:
                declare_on_client_tests(items, descriptor.name, descriptor.client_readable_requirement)
        patterns = state.policy.requirement_patterns
        for item in items:
            api = _api_of_item(item)
            if api is None:
                keep.append(item)
                continue
            if api not in all_apis():
                raise pytest.UsageError(f"{item.nodeid}: unknown API '{api}' in sessionapi marker")
            wanted = not patterns or any(selected(rid, patterns) for rid in _declared(item))
            if api in state.plan.selected and wanted:
                keep.append(item)
                suite_items.append((item, api))
            else:
                dropped.append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep
        if not suite_items:
            return
        from .requirements import CatalogueError, api_of

        state.active = True
        _freeze_heap(state)
        ledger = state.ledger
        from .requirements import find_requirement

        for item, api in suite_items:
            ledger.facts.suite_tests[api] += 1
            declared = _declared(item)
            if not declared:
                raise pytest.UsageError(
                    f"{item.nodeid}: a suite test must declare the requirements it checks "
                    f"(@pytest.mark.sessionapi_requirement('ID', ...))"
                )
            for requirement_id in declared:
                if api_of(requirement_id) != api:
                    raise pytest.UsageError(
                        f"{item.nodeid}: requirement {requirement_id} does not belong to {api}"
                    )
                try:
                    ledger.declare(requirement_id, reported_id(item))
                    level = find_requirement(requirement_id).level
                    # JUnit XML shows the requirement IDs and levels on every test case.
                    item.user_properties.append(("requirement", f"{requirement_id} ({level})"))
                except KeyError:
                    raise pytest.UsageError(
                        f"{item.nodeid}: unknown requirement {requirement_id} "
                        f"(not in the {api} catalogue)"
                    ) from None
                except CatalogueError as exc:
                    raise pytest.UsageError(str(exc)) from None

    # -- running ---------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        api = _api_of_item(item)
        if api is None or plans_only(item.config):
            return
        state = _state(item.config)
        if state.interrupt_seen:
            # Ctrl-C came, and something between the signal and pytest swallowed it (a clean-up,
            # a retry loop): the run must still stop here, not go on test after test.
            raise KeyboardInterrupt("Ctrl-C: the run stops")
        state.ledger.facts.tests_started[api] += 1
        item.stash[MARKS_KEY] = state.exchange_marks()
        state.breaker(api).start_budget(state.policy.budget_s)
        problem = state.preflight(api)
        if problem is not None:
            from .outcomes import skip_at_test

            raise skip_at_test(f"not run: {problem}")
        stopped = state.stopped(api)
        if stopped is not None:
            raise NotTested(f"not run: {stopped}")

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        if item.get_closest_marker("sessionapi") is None:
            return (yield)
        state = _state(item.config)
        recorder = recorder_of(item)
        try:
            with _server_error_watch(item, state, recorder), \
                    _client_readability_watch(item, state, recorder):
                result = yield
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            if state.interrupt_seen:
                # Whatever this is, it came after Ctrl-C: the interrupt, dressed up or swallowed.
                raise KeyboardInterrupt from exc
            from .ledger import RequirementFailure, attributed_requirements, describe_exception

            unjudged = _unjudged(exc, state, _api_of_item(item))
            if unjudged is not None:
                # No answer was judged: the endpoint stopped answering, the budget is spent, or
                # the account stayed rate limited. What the test had not judged is not-tested.
                recorder.settle_unrecorded("not-tested", unjudged)
                if not recorder.blocking_failures():
                    raise NotTested(unjudged) from None
                raise RequirementFailure(recorder.failure_text(recorder.blocking_failures())) from None

            if isinstance(exc, pytest.skip.Exception | pytest.xfail.Exception):
                blocking = recorder.blocking_failures()
                if blocking:
                    # A failure the test already recorded is not undone by giving up afterwards.
                    raise RequirementFailure(recorder.failure_text(blocking)) from None
                raise
            if _timed_out(exc):
                recorder.settle_unrecorded("not-tested", f"not reached: the test timed out ({exc.msg})")
                state.ledger.facts.cut_short(_api_of_item(item) or "?", f"{recorder.nodeid} timed out")
                raise
            attributed = attributed_requirements(exc)
            if attributed:
                # A hard check stopped the test: what it did not reach was not tested, not failed.
                recorder.settle_unrecorded(
                    "not-tested", f"not reached: the test stopped at {', '.join(attributed)}"
                )
            else:
                recorder.settle_unrecorded("fail", describe_exception(exc))
            if not recorder.blocking_failures():
                recorder.warn_advisories(_where(item))
                return None
            raise
        if state.interrupt_seen:
            raise KeyboardInterrupt("Ctrl-C: the run stops")
        blocking = recorder.blocking_failures()
        if blocking:
            from .ledger import RequirementFailure

            raise RequirementFailure(recorder.failure_text(blocking))
        recorder.warn_advisories(_where(item))
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Iterator[pytest.TestReport]:
        report: pytest.TestReport = yield
        api = _api_of_item(item)
        if api is None:
            return report
        if report.skipped and isinstance(report.longrepr, tuple):
            # pytest drops the "Skipped: " of its own skips; a NotTested spelled its class path.
            path, line, reason = report.longrepr
            report.longrepr = (path, line, re.sub(r"^[\w.]*NotTested: ", "Skipped: ", reason))
        state = _state(item.config)
        recorder = recorder_of(item)
        excinfo = call.excinfo
        if state.interrupt_seen:
            pass  # settled below, at teardown: nothing this test says any more is believed
        elif report.skipped and excinfo is not None:
            status = "not-tested" if excinfo.errisinstance(NotTested) else "skip"
            reason = str(excinfo.value.msg if hasattr(excinfo.value, "msg") else excinfo.value)
            recorder.settle_unrecorded(status, reason)
            from .outcomes import TargetBusy

            if excinfo.errisinstance(TargetBusy):
                state.busy.setdefault(api, reason)
                state.ledger.facts.setup_problems.setdefault(api, state.redactors.text(reason))
        elif report.when == "setup" and report.failed and excinfo is not None:
            from .ledger import describe_exception

            recorder.settle_unrecorded("fail", f"could not set up: {describe_exception(excinfo.value)}")
        elif report.when == "call" and report.passed:
            # ``pass`` means a check judged an answer; a requirement the test declared but never
            # recorded was not judged, whatever the test's outcome.
            recorder.settle_unrecorded(
                "not-tested", "the test ended without judging it (no check recorded a result)"
            )
        if report.failed and excinfo is not None:
            self._diagnose(report, excinfo, state, item)
        self._redact(report, state)
        if report.when == "teardown":  # pytest reports a teardown even after a failed setup
            facts = state.ledger.facts
            if state.interrupt_seen:
                recorder.discard("not tested: the run was interrupted during this test")
            else:
                facts.tests_finished[api] += 1
            state.ledger.absorb(recorder)
        return report

    def _diagnose(self, report: pytest.TestReport, excinfo: Any, state: Run, item: pytest.Item) -> None:
        """Replace tracebacks that say nothing to a vendor with what happened on the wire."""
        import httpx

        from .http_checks import UnusableResponse
        from .ledger import RequirementFailure
        from .transport import describe_transport_error

        exchanges = state.exchanges_since(item.stash.get(MARKS_KEY, {}))
        wire = ""
        if exchanges:
            # The last exchange in full (the one the failure is most likely about), with the
            # field the failure names kept in view, and a curl line that sends it again.
            focus = _named_field(str(excinfo.value), exchanges[-1].response_body)
            earlier = [e.summary() for e in exchanges[:-1]]
            wire = (
                "\n\nlast exchanges (credentials masked):\n"
                + "".join(f"{text}\n" for text in earlier)
                + exchanges[-1].full(focus=focus)
                + "\n\nreproduce (masked values from environment variables):\n  "
                + exchanges[-1].curl()
            )
        path, lineno, _ = report.location
        where = f"{path}:{(lineno or 0) + 1}"
        # Hypothesis and Schemathesis wrap what went wrong (groups, chained causes); a vendor
        # needs the same one paragraph whichever test met the broken endpoint.
        transport_error = _buried(excinfo.value, httpx.TransportError)
        unusable = _buried(excinfo.value, UnusableResponse)
        from .ledger import attributed_requirements

        recorder = recorder_of(item)
        failures = recorder.blocking_failures()
        hard_check = bool(attributed_requirements(excinfo.value)) and bool(failures)
        if excinfo.errisinstance(RequirementFailure) or hard_check:
            # The requirement first: JUnit's failure message is the first line CI systems show.
            # A hard check inside Hypothesis or Schemathesis shows the same, plus the falsifying
            # example Hypothesis noted, instead of the frames of both plugins.
            text = recorder.failure_text(failures, state.shown_failures) if failures else str(excinfo.value)
            notes = [
                note for note in getattr(excinfo.value, "__notes__", [])
                if note.startswith(("Falsifying", "Reproduce", "You can reproduce"))
            ]
            report.longrepr = "\n".join([text, *notes, f"  at {where}"]) + wire
        elif transport_error is not None:
            report.longrepr = (
                f"{where}: no usable answer from the endpoint: "
                f"{describe_transport_error(transport_error)}{wire}"
            )
        elif unusable is not None:
            report.longrepr = f"{where}: unusable answer: {unusable}{wire}"
        elif wire and report.longrepr is not None:
            report.sections.append(("sessionapi exchanges", wire.strip()))

    def _redact(self, report: pytest.TestReport, state: Run) -> None:
        if report.longrepr is not None:
            text = str(report.longrepr)
            masked = state.redactors.text(text)
            if masked != text:
                report.longrepr = masked
        report.sections = [(title, state.redactors.text(body)) for title, body in report.sections]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Where failed tests belong (on the controller too: xdist forwards every report)."""
        if report.failed:
            from .requirements import api_of

            apis = {
                api_of(str(value).split()[0])
                for name, value in report.user_properties if name == "requirement"
            }
            self.state.failed_apis.update(apis or {None})

    # -- end of run ------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        config = self.state.config
        if config is not None and not config.getoption("fulltrace", False):
            # pytest's terminal renders the whole traceback (funcargs, the source of every frame)
            # and shows only its last line: under Hypothesis and httpx that took an xdist worker
            # seconds, during which the controller waited for its ledger to write the report.
            excinfo.traceback = excinfo.traceback[-1:]
        facts = self.state.ledger.facts
        if excinfo.errisinstance(pytest.exit.Exception):
            facts.stop(f"pytest.exit(): {getattr(excinfo.value, 'msg', excinfo.value)}")
        else:
            facts.interrupted_by_user()
        self._hear_out_workers()

    def _hear_out_workers(self, wait_s: float = WORKERS_WAIT_S) -> None:
        """pytest-xdist, on the controller of an interrupted run: its event loop has stopped, so
        the workers' last words (each one's ledger, sent as it finishes) would be lost with the
        report. Ctrl-C reaches every process of the group: each worker tears its fixtures down
        (the suites release the sessions they opened) and finishes; hear each of them out, for
        ``wait_s`` at most, so the report holds what they found."""
        import queue as queues

        dsession = self.state.config.pluginmanager.getplugin("dsession") if self.state.config else None
        events = getattr(dsession, "queue", None)
        if events is None:
            return
        pending = set(getattr(dsession, "_active_nodes", ()))
        # The report's modules load while the workers tear down (0.5 s and more on a busy
        # machine, taken from the 5 s otherwise).
        from . import evidence, reports  # noqa: F401

        # From the signal, not from now: the controller may hear of its own KeyboardInterrupt
        # late (a busy machine, a report being merged), and the report is due 5 s after Ctrl-C.
        ends = min(time.monotonic(), self.state.interrupted_at or time.monotonic()) + wait_s
        while pending and time.monotonic() < ends:
            try:
                name, kwargs = events.get(timeout=0.05)
            except queues.Empty:
                continue
            node = kwargs.get("node")
            if name == "workerfinished":
                self.pytest_testnodedown(node, None)
                pending.discard(node)
            elif name == "errordown":
                self.pytest_testnodedown(node, kwargs.get("error"))
                pending.discard(node)
            elif name == "testreport":
                self.pytest_runtest_logreport(kwargs["rep"])
        # A worker not heard, or cut while it collected, says nothing of some selected API: it
        # was interrupted, so incomplete, never "not run".
        self.state.ledger.apis_collected.update(self.state.plan.selected)
        for node in pending:
            self.state.ledger.facts.stop(
                f"pytest-xdist worker {node.gateway.id} did not finish within {wait_s:g} s of the "
                "interrupt: what it found is not in the report"
            )

    def pytest_internalerror(self, excrepr: Any, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        self.state.ledger.facts.stop(
            f"pytest internal error ({excinfo.typename}: {str(excinfo.value)[:200]})"
        )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """pytest-xdist, on the controller: keep each API's tests on one worker (see parallel.py).
        Only for ``--dist load`` (what ``-n`` alone means); another mode the user chose stays."""
        if config.getvalue("dist") != "load":
            return None
        from .parallel import ApiGroupScheduling

        return ApiGroupScheduling(config, log)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """pytest-xdist, on the controller: a worker finished; add what its suite tests found."""
        state = _state(node.config)
        if id(node) in state.heard_workers:
            return  # heard out already, at the interrupt (see _hear_out_workers)
        state.heard_workers.add(id(node))
        state.parallel_run_id = getattr(node, "workerinput", {}).get("testrunuid")
        wire = getattr(node, "workeroutput", {}).get("sessionapi")
        if wire is not None:
            from .ledger import Ledger

            state.ledger.merge(Ledger.from_dict(wire))
            state.active = state.active or bool(wire["apis_collected"])
        if error:
            state.ledger.facts.stop(f"pytest-xdist worker {node.gateway.id} went down ({error})")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.finish(session, exitstatus)

    def finish(self, session: pytest.Session, exitstatus: int) -> None:
        """Write the report, once: on the controller of a parallel run as early as its
        sessionfinish (:class:`ControllerFirst`), before pytest-xdist waits for its workers to
        go, so an interrupted run's report is there within seconds; anywhere else last, after
        the fixtures' teardown (what a clean-up sends is counted)."""
        config = session.config
        state = _state(config)
        if state.finished:
            return
        state.finished = True
        try:
            ledger = state.ledger
            facts = ledger.facts
            if not _is_xdist_controller(config):
                facts.requests.update(state.requests_by_api())
                facts.resent.update(state.requests_by_api("retries"))
                for api, seconds in state.waited_by_api().items():
                    facts.waited_s[api] = facts.waited_s.get(api, 0.0) + seconds
                facts.hypothesis = hypothesis_settings(config)
            for reason in (session.shouldfail, session.shouldstop):
                if reason:
                    facts.stop(f"{reason} (-x / --maxfail)" if "failure" in str(reason) else str(reason))
            if _is_xdist_worker(config):
                # The controller writes the one report, from every worker's ledger.
                config.workeroutput["sessionapi"] = ledger.to_dict()  # type: ignore[attr-defined]
                return
            interrupted_controller = _is_xdist_controller(config) and state.interrupt_seen \
                and bool(state.plan.selected)
            if not (state.active and sum(facts.tests_started.values())) and not interrupted_controller:
                # Nothing ran (--collect-only, -k selecting nothing): keep the last report. The
                # controller of an interrupted parallel run writes one even if no worker was heard
                # in time: an interrupted run always leaves its incomplete report.
                return
            from .evidence import of as evidence_of
            from .reports import build_document, write_reports

            policy = state.policy
            document = build_document(
                state.plan, ledger, policy=policy, started_at=state.started_at,
                redact=state.redactors, evidence=evidence_of(config),
            )
            ledger.exit_status = policy.exit_status(
                int(exitstatus), ledger,
                verdicts=[entry["verdict"] for entry in document["apis"].values()],
                failed_apis=state.failed_apis,
            )
            document["exit_status"] = session.exitstatus = ledger.exit_status
            state.document = document
            state.report_paths = write_reports(state.report_dir, document, state.redactors)
            _ignore_interrupts_from_now()
        finally:
            state.close()
            if state.parallel_run_id:
                from .transport import remove_shared_limits

                remove_shared_limits(state.parallel_run_id)

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        state = _state(config)
        if not state.document:
            return
        from .verdicts import UNTESTED
        terminalreporter.section("sessionapi conformance")
        if state.document.get("interrupted"):
            terminalreporter.write_line(state.document["interrupted"], yellow=True)
        for name, entry in state.document["apis"].items():
            line = f"{name}: {entry['verdict']}"
            if entry["requirements"] and entry["verdict"] != "error":
                failed = [
                    r["id"] for r in entry["requirements"] if r["status"] == "fail" and r["level"] == "MUST"
                ]
                advisory = [
                    r["id"] for r in entry["requirements"] if r["status"] == "fail" and r["level"] != "MUST"
                ]
                line += " (" + "; ".join(
                    f"{level}: " + ", ".join(
                        f"{count} {status}" for status, count in _by_status(counts)
                    )
                    for level, counts in entry["summary"].items() if counts
                ) + ")"
                if failed:
                    line += f"; failed: {', '.join(failed)}"
                if advisory:
                    line += f"; SHOULD not met: {', '.join(advisory)}"
                untested = [r["id"] for r in entry["requirements"]
                            if r["status"] in UNTESTED and r["level"] == "MUST"]
                if entry["verdict"] == "incomplete" and untested:
                    line += f"; MUST not tested: {', '.join(untested)}"
                waived = [r["id"] for r in entry["requirements"] if r["status"] == "waived"]
                if waived:
                    line += f"; waived: {', '.join(waived)}"
            for waiver in entry.get("waivers", []):
                if waiver["state"] == "stale":
                    line += (
                        f"\n  stale waiver: {waiver['requirement']} did not fail in this run "
                        f"(expires {waiver['expires']}); remove it once the fix is confirmed"
                    )
            if entry.get("verdict_reason"):
                line += f"\n  {entry['verdict_reason']}"
            markup = {"conformant": {"green": True}, "nonconformant": {"red": True}}.get(
                entry["verdict"], {"yellow": True}
            )
            terminalreporter.write_line(line, **markup)
        for path in state.report_paths:
            terminalreporter.write_line(f"report: {path}")

    # -- fixtures --------------------------------------------------------------------------
    @pytest.fixture
    def sessionapi_target(self, request: pytest.FixtureRequest) -> Any:
        """The effective target (settings, secrets, redactor) of the API the test is marked with."""
        return _state(request.config).target(_marked_api(request))

    @pytest.fixture
    def sessionapi_entity(self, sessionapi_target: Any) -> Callable[[str], str]:
        """``entity("iccid_in_session")``: the entity the target names under that key; when it
        names none, the test stops here and its requirements are reported not-tested."""

        def entity(key: str) -> str:
            value = sessionapi_target.entity(key)
            if value is None:
                raise NotTested(
                    f"{sessionapi_target.api.name}: the target names no '{key}' "
                    f"(add it to the [{sessionapi_target.api.name}] table to test this)"
                )
            return value

        return entity

    @pytest.fixture
    def sessionapi_client(self, request: pytest.FixtureRequest) -> Any:
        """The API's client, authenticated with the target's credentials; one per API per run."""
        return _state(request.config).client(_marked_api(request))

    @pytest.fixture
    def sessionapi_open_client(self, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
        """``open(auth=None)``: a fresh ``httpx.Client`` on the same target with other (or no)
        credentials, through the same transport layer; closed after the test."""
        state = _state(request.config)
        api = _marked_api(request)
        opened: list[Any] = []

        def open_client(auth: Any = None) -> Any:
            client = state.open_http(api, auth)
            opened.append(client)
            return client

        yield open_client
        for client in opened:
            client.close()

    @pytest.fixture(scope="session")
    @classmethod
    def sessionapi_inputs(cls, request: pytest.FixtureRequest) -> SuiteInputs:
        """The run's ids and clock (:class:`pytest_sessionapi.inputs.SuiteInputs`): every id the
        suites make up and every instant they send or judge against comes from ``uuid4()`` and
        ``now()``; recorded and replayed with the run. A conftest may override it, e.g. with
        ``sessionapi_inputs.using(now=...)``."""
        return _state(request.config).inputs

    @pytest.fixture
    def sessionapi_conformance(self, request: pytest.FixtureRequest) -> TestRecorder:
        """Per-test requirement recorder: ``with sessionapi_conformance.check(ID): ...``,
        ``sessionapi_conformance.record_batch(verdicts)``, ``.stop_not_tested(reason)``."""
        return recorder_of(request.node)


def _marked_api(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("sessionapi")
    if marker is None or not marker.args:
        raise pytest.UsageError(
            f"{request.node.nodeid}: sessionapi fixtures need @pytest.mark.sessionapi('<api>')"
        )
    return marker.args[0]
