"""Recorded endpoints, the pytest side: ``--sessionapi-record=DIR`` and ``--sessionapi-replay=DIR``.

The cassettes, the scrubbing and the replaying transport are in :mod:`pytest_sessionapi.cassettes`
(imported only when one of the two options is given, so an ordinary run pays nothing for them).
A replay's targets are the recorded ``targets.toml`` tables (:class:`ReplayPlan`); the hooks of
:class:`TrafficPlugin` tell the recorder or replayer which test is running, put the preflight's
requests in a cassette of their own, and turn a request the recording does not hold into a
failed test whose message names the test, the request and the cassette.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from .errors import ConfigError
from .plan import TargetPlan
from .registry import all_apis
from .runtime import setting


@dataclass
class ReplayPlan(TargetPlan):
    """The targets of a replay: each API's recorded ``targets.toml`` table, its secrets
    placeholders (nothing is sent anywhere), its transport the cassettes."""

    replayer: Any = None

    @property
    def embedded(self) -> bool:
        return False

    def describe(self, api: str) -> str:
        if api in self.not_run:
            return f"not-run ({self.not_run[api]})"
        assert self.replayer is not None
        recorded = self.replayer.index[api]
        return (
            f"recording {self.config_path} (recorded {recorded.get('recorded_at')} from "
            f"{recorded['target'].get('description')}), replayed offline"
        )

    def target(self, api: str) -> Any:
        if api not in self.resolved:
            from .config import SECRET_SUFFIX, build_target
            from .transport import target_resources

            assert self.replayer is not None
            descriptor = all_apis()[api]
            table = dict(self.replayer.index[api]["target"]["table"])
            table["max_rps"] = 0  # nothing to pace: no endpoint is there
            environ = {
                str(value): f"replayed-{key.removesuffix(SECRET_SUFFIX)}-placeholder"
                for key, value in table.items()
                if key.endswith(SECRET_SUFFIX) and value
            }
            target = build_target(descriptor, table, environ, f"recording {self.config_path}")
            recorded = self.replayer.index[api]["target"]
            if recorded.get("embedded"):  # its preflight looked for no leftovers: neither does this
                target = replace(target, replays_embedded=True)
            target_resources(target).traffic = self.replayer
            self.resolved[api] = target
        return self.resolved[api]

    def recording_entry(self, api: str) -> dict[str, Any] | None:
        """What conformance.json says of the recording an API was replayed from."""
        if self.replayer is None or api not in self.replayer.index:
            return None
        recorded = self.replayer.index[api]
        return {
            "replayed_from": str(self.config_path),
            "recorded_at": recorded.get("recorded_at"),
            "recorded_target": recorded["target"].get("description"),
            "recorded_with": recorded.get("tool", {}).get("version"),
            "replayed_tests": list(self.replayer.replayed.get(api, [])),
        }


def replay_plan(root: Path, origin: str, selection: list[str] | None) -> ReplayPlan:
    from .cassettes import Replayer, load_index

    index = load_index(root, origin)
    known = list(all_apis())
    wanted = selection or known
    not_run = {name: "not selected by --sessionapi-api" for name in known if name not in wanted}
    selected = []
    for name in known:
        if name not in wanted:
            continue
        if name not in index:
            not_run[name] = f"not in the recording {root}"
            continue
        selected.append(name)
    if not selected:
        raise ConfigError(f"{origin}: none of the selected APIs ({', '.join(wanted)}) is in the recording {root}")
    return ReplayPlan(root, selected, not_run, replayer=Replayer(root, index))


# --------------------------------------------------------------------------------------------
# pytest wiring


def configure(config: Any) -> None:
    """Called once the runtime is configured: turns ``--sessionapi-record`` /
    ``--sessionapi-replay`` into a recorder or a replay plan, and registers the hooks that tell
    them which test is running."""
    from .runtime import STATE_KEY

    record_value, record_origin, record_base = setting(config, "sessionapi_record")
    replay_value, replay_origin, replay_base = setting(config, "sessionapi_replay")
    if not (record_value or replay_value):
        return
    state = config.stash[STATE_KEY]

    if record_value and replay_value:
        raise pytest.UsageError("--sessionapi-record and --sessionapi-replay exclude each other: give one")
    if replay_value:
        if config.getoption("sessionapi_config") or config.getini("sessionapi_config"):
            raise pytest.UsageError(
                "--sessionapi-replay runs against the recording, not a targets file: drop --sessionapi-config"
            )
        if state.plan.variants:
            raise pytest.UsageError(
                "--sessionapi-reference-variant applies to the embedded reference only; drop it or drop --sessionapi-replay"
            )
        try:
            plan = replay_plan(
                _folder(replay_value, replay_origin, replay_base), replay_origin,
                state.plan.selected if len(state.plan.selected) < len(all_apis()) else None,
            )
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        state.plan = plan
        traffic: Any = plan.replayer
        _replay_hypothesis_profile(config, traffic.index[plan.selected[0]].get("hypothesis") or {})
    else:
        from .cassettes import Recorder
        from .config import check_writable_folder

        try:
            check_writable_folder(
                _folder(record_value, record_origin, record_base), record_origin, record_value
            )
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        traffic = Recorder(_folder(record_value, record_origin, record_base), state.redactors.text)
        traffic.hypothesis_seed = config.getoption("hypothesis_seed", None)
    state.inputs.supply_from(traffic.supply)
    config.pluginmanager.register(TrafficPlugin(state, traffic), "sessionapi-traffic")


def _folder(value: str, origin: str, base: Path) -> Path:
    path = Path(value)
    if origin.startswith("ini") and not path.is_absolute():
        path = base / path
    return path


def seed_hypothesis(config: Any) -> None:
    """The seed a recorded run's property-based tests draw from, so that a replay draws the same
    examples under a profile that is not derandomized (``sessionapi-thorough``; the default
    ``sessionapi-ci`` is derandomized and ignores it). It goes where Hypothesis's own pytest
    plugin takes ``--hypothesis-seed`` from, the option, before that plugin's ``pytest_configure``
    reads it (this runs first: see the entry point). ``--hypothesis-seed`` on the command line
    wins. A problem with the options or the recording is left to :func:`configure` to report."""
    if config.getoption("hypothesis_seed", None) is not None:
        return
    record_value, _, _ = setting(config, "sessionapi_record")
    replay_value, replay_origin, replay_base = setting(config, "sessionapi_replay")
    if record_value and not replay_value:
        import random

        config.option.hypothesis_seed = random.SystemRandom().getrandbits(64)
    elif replay_value and not record_value:
        seed = _recorded_seed(config, _folder(replay_value, replay_origin, replay_base))
        if seed is not None:
            config.option.hypothesis_seed = seed


def _recorded_seed(config: Any, root: Path) -> Any:
    """The seed the selected APIs were recorded with. One run has one seed and one profile:
    APIs recorded in separate runs replay together only under the same profile, and, unless it
    is derandomized (the seed unused), the same seed."""
    from .cassettes import load_index
    from .plan import parse_api_selection

    try:
        index = load_index(root, "")
        selection = parse_api_selection(*setting(config, "sessionapi_api")[:2])
    except ConfigError:
        return None
    recorded = {api: index[api].get("hypothesis") or {} for api in (selection or all_apis()) if api in index}
    drawn_by = {
        (h.get("profile"), None if h.get("derandomize", True) else str(h.get("forced_seed")))
        for h in recorded.values()
    }
    if len(drawn_by) > 1:
        raise pytest.UsageError(
            f"--sessionapi-replay: {', '.join(recorded)} were recorded in separate runs under other "
            f"Hypothesis profiles or seeds, and one run has one of each; replay them one at a time "
            f"(--sessionapi-api=NAME)"
        )
    return next((h["forced_seed"] for h in recorded.values() if h.get("forced_seed") is not None), None)


def _replay_hypothesis_profile(config: Any, recorded: dict[str, Any]) -> None:
    """Replay under the recorded Hypothesis profile, unless the command line names its own:
    other settings draw other examples, which the cassettes do not hold. Loaded at configure
    time, as Hypothesis' own --hypothesis-profile is: a test takes its settings when collected."""
    from hypothesis import settings

    import pytest_sessionapi.hypothesis_profiles  # noqa: F401 - registers the suites' profiles

    profile = recorded.get("profile")
    if profile and config.getoption("hypothesis_profile", None) is None:
        try:
            settings.load_profile(profile)
        except Exception:  # noqa: BLE001 - a profile this installation does not register
            pass


RAN_OUT = "which holds no more exchanges"
"""How the replayer says a test asked for more than its cassette holds (cassettes.Replayer)."""


class TrafficPlugin:
    """Tells the recorder or replayer which test is running (setup to the end of teardown, so
    fixture clean-ups belong to their test), and reports a replay that does not fit."""

    def __init__(self, state: Any, traffic: Any) -> None:
        self.state = state
        self.traffic = traffic

    def _api(self, item: Any) -> str | None:
        marker = item.get_closest_marker("sessionapi")
        if marker is None or not marker.args or marker.args[0] not in self.state.plan.selected:
            return None
        return str(marker.args[0])

    def _attach(self, api: str) -> Any:
        from .transport import target_resources

        target = self.state.target(api)
        shared = target_resources(target)
        if shared.traffic is None:
            shared.traffic = self.traffic
        return target

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: Any) -> None:
        from .outcomes import NotTested
        from .runtime import plans_only, reported_id

        api = self._api(item)
        if api is None or plans_only(item.config):
            return
        self._attach(api)
        if api not in self.state.setup_problems:
            # The preflight's requests in a cassette of their own: whichever test runs first,
            # in the recording or in a replay of part of it, they are found.
            key = f"{api} preflight"
            self.traffic.begin(key, api)
            try:
                self.state.preflight(api)
            finally:
                self.traffic.end(key, api)
        test = reported_id(item)
        if self.traffic.replaying and not self.traffic.has_cassette(test):
            self.state.ledger.facts.tests_started[api] += 1
            if test in (self.traffic.index[api].get("tests") or []):
                # The recording says the test ran, and its cassette is gone: the replay cannot
                # be complete, and must not read as conformant.
                line = (
                    f"replay: the cassette of {test} is missing ({self.traffic.cassette_path(test)}), "
                    f"though the recording lists the test as run; re-record it (--sessionapi-record)"
                )
                self.state.ledger.facts.replay_gap(api, line)
                raise NotTested(line)
            raise NotTested(
                f"replay: the recording {self.traffic.root} holds no cassette for this test "
                f"({self.traffic.cassette_path(test)}): it did not run when the recording was made"
            )
        self.traffic.begin(test, api)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(self, item: Any) -> Iterator[None]:
        try:
            return (yield)
        except BaseException:
            message = self._mismatch(item)
            if message is not None:
                from .runtime import recorder_of

                # The recording does not fit: what the test had not judged was not tested.
                recorder_of(item).settle_unrecorded("not-tested", message)
            raise

    def _mismatch(self, item: Any) -> str | None:
        if not self.traffic.replaying:
            return None
        from .runtime import reported_id

        return self.traffic.mismatches.get(reported_id(item))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: Any, call: Any) -> Iterator[Any]:
        report = yield
        message = self._mismatch(item)
        if message is not None and not getattr(item, "_sessionapi_mismatch_shown", False):
            item._sessionapi_mismatch_shown = True
            api = self._api(item)
            if RAN_OUT in message:
                # The cassette ran out: the test went further than the recording (a recording
                # cut short, a cassette truncated). What it did not reach is not tested; the API
                # is incomplete, with the line naming the cassette, and the exit status not 0.
                report.outcome = "skipped"
                path, lineno, _ = item.reportinfo()
                report.longrepr = (str(path), (lineno or 0) + 1, message)
                if api is not None:
                    self.state.ledger.facts.replay_gap(api, message)
                return report
            # A replay that does not fit otherwise is a failed test, with the one line that says
            # why, and the API's verdict 'error' with that line: never a conformance failure of
            # the endpoint.
            report.outcome = "failed"
            report.longrepr = message
            if api is not None:
                self.state.ledger.facts.setup_problems.setdefault(api, message)
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: Any, nextitem: Any) -> Iterator[None]:
        try:
            return (yield)
        finally:
            api = self._api(item)
            if api is not None and self.traffic.current is not None:
                from .runtime import reported_id

                self.traffic.end(reported_id(item), api)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: Any) -> None:
        if self.traffic.replaying:
            return
        from .runtime import hypothesis_settings

        hypothesis = {**hypothesis_settings(session.config), "forced_seed": self.traffic.hypothesis_seed}
        for api in self.state.plan.selected:
            if api not in self.traffic.started:
                continue
            target = self.state.target(api)
            plan = self.state.plan
            table = plan.tables.get(api) if not plan.embedded else dict(target.api.reference.EMBEDDED_TABLE)
            self.traffic.write_index(api, target, dict(table or {}), hypothesis, self.state.redactors.text)
