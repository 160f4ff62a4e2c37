""":func:`run_sweep`: many runs of one scenario on a Dask cluster, streamed into one file."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from nwn.engine.scenario import Scenario, scenario_to_toml
from nwn.engine.sweep.cluster import CONNECT_TIMEOUT, connect
from nwn.engine.sweep.keys import SweepDefinition
from nwn.engine.sweep.member import OUTPUTS, run_member
from nwn.engine.sweep.result import SweepResult
from nwn.engine.sweep.store import SweepStore
from nwn.geometry.checks import InputError

__all__ = ["SERIAL", "run_sweep"]

#: ``client=SERIAL`` runs the members one after another in this process (no cluster): for
#: small sweeps, debugging, and as the reference the distributed runs must match.
SERIAL = "serial"


def _runner_name(runner: Callable | None) -> str:
    if runner is None:
        return "default"
    module = getattr(runner, "__module__", None) or type(runner).__module__
    name = getattr(runner, "__qualname__", None) or type(runner).__qualname__
    return f"{module}.{name}"


def _check_outputs(outputs: Iterable[str], runner: Callable | None) -> tuple[str, ...]:
    if isinstance(outputs, str):
        outputs = (outputs,)
    chosen = ["trace"]
    for name in outputs:
        if name not in OUTPUTS:
            raise InputError(f"outputs: unknown output {name!r} "
                             f"(allowed: {', '.join(OUTPUTS)})")
        if name not in chosen:
            chosen.append(name)
    if runner is not None and len(chosen) > 1:
        raise InputError("outputs choose what the default runner returns; a runner of your "
                         "own returns what it returns (give outputs=('trace',))")
    return tuple(chosen)


def _check_runner(runner: Callable | None, reseed: str) -> None:
    if runner is None:
        return
    if not callable(runner):
        raise InputError(f"runner must be a callable runner(scenario) -> dict of arrays "
                         f"(got {runner!r})")
    if reseed != "all":
        raise InputError("reseed='dynamics' needs the default runner (a runner gets the "
                         "member's scenario, whose one seed drives wires and junctions)")
    import cloudpickle

    try:
        cloudpickle.dumps(runner)
    except Exception as error:
        raise InputError(f"runner cannot be sent to the workers (it does not pickle: "
                         f"{str(error).splitlines()[0] if str(error) else error!r})") from None


def _counts_message(done: int, running: int, failed: int, total: int) -> str:
    return f"{done}/{total} done, {running} running, {failed} failed"


def run_sweep(scenario: Scenario,
              vary: Mapping[str, Sequence] | Iterable[tuple[str, Sequence]] | None = None,
              seeds: Iterable[int] | None = None, *, zip: bool = False, reseed: str = "all",
              client: Any = None, workers: int | None = None,
              scheduler_file: str | Path | None = None, output: str | Path = "sweep.h5",
              outputs: Sequence[str] = ("trace",), runner: Callable | None = None,
              progress: Callable[[float, str], None] | None = None,
              should_stop: Callable[[], bool] | None = None,
              timeout: float = CONNECT_TIMEOUT) -> SweepResult:
    """Run every member of a sweep and stream the results into one HDF5 file.

    Parameters
    ----------
    scenario : Scenario
        The base scenario.
    vary : mapping or sequence of (key, values), optional
        Key paths of the scenario (as its validator names them, e.g. ``"network.n_wires"``,
        ``"electrodes[0].source.waveform.value"``) and the values each takes.
    seeds : iterable of int, optional
        Seeds of each key combination (default: the scenario's own seed). A member's seed is
        the scenario's seed, exactly as ``nwn run --seed`` sets it.
    zip : bool
        Read equal-length lists side by side (one ``case`` dimension) instead of taking their
        Cartesian product.
    reseed : {"all", "dynamics"}
        What the seed changes (:data:`nwn.engine.sweep.keys.RESEED`).
    client : distributed.Client, str or "serial", optional
        Where members run: None starts an embedded ``LocalCluster``; a client or a scheduler
        address uses that cluster; ``"serial"`` runs them here, one after another.
    workers : int, optional
        Worker processes of the embedded cluster (default: the machine's cores).
    scheduler_file : path, optional
        Connect to the scheduler described by this file instead.
    output : path
        Results file. If it (or its ``.part`` file) holds this same sweep, only the members
        still missing are run; if it holds anything else the sweep is refused.
    outputs : sequence of str
        What the default runner returns (:data:`nwn.engine.sweep.member.OUTPUTS`); the trace
        is always kept.
    runner : callable, optional
        ``runner(scenario) -> dict[str, ndarray]`` run on the worker for each member instead
        of the default run (see :mod:`nwn.engine.sweep`). A runner with a ``check(scenario)``
        method has it called here on every key combination's scenario before anything is
        sent: its InputError refuses the sweep (as a bad key value does).
    progress : callable, optional
        ``progress(fraction, message)`` after each finished member, e.g. a ProgressBar.
    should_stop : callable, optional
        Polled between members, as each finishes, and every 0.05 s while waiting on a
        cluster; True ends the sweep early: members running are cancelled and stay pending,
        so running the sweep again continues it.
    timeout : float
        Seconds to wait for a scheduler to answer.

    Returns
    -------
    SweepResult
        The results file, opened lazily.

    Raises
    ------
    InputError
        Before any work is sent: a bad key path or value (naming the member and the key
        path), a bad sweep description, an output file holding something else, a scheduler
        that does not answer.
    """
    if not isinstance(scenario, Scenario):
        raise InputError(f"scenario must be a Scenario (got {type(scenario).__name__})")
    definition = SweepDefinition.make(vary, [scenario.seed] if seeds is None else seeds,
                                      zip=zip, reseed=reseed)
    outputs = _check_outputs(outputs, runner)
    _check_runner(runner, definition.reseed)
    serial = isinstance(client, str) and client == SERIAL
    if serial and (workers is not None or scheduler_file is not None):
        raise InputError("client='serial' runs here; it takes no workers or scheduler file")
    # every member validated before launch, by the scenario and by the runner's own check
    cases = definition.case_scenarios(scenario, check=getattr(runner, "check", None))
    electrodes = tuple(e.name for e in scenario.electrodes)
    common_time = runner is None and not any(k.startswith("run.") for k in definition.keys)
    store = SweepStore.open(output, definition, scenario_text=scenario_to_toml(scenario),
                            outputs=outputs, runner=_runner_name(runner),
                            electrodes=electrodes, common_time=common_time)
    failed = True
    try:
        pending = store.pending()
        stop = should_stop if should_stop is not None else (lambda: False)
        if pending:
            task = _Tasks(definition, cases, outputs, runner)
            if serial:
                _run_here(store, task, pending, progress, stop)
            elif not stop():  # stopped already: no cluster is started for nothing
                try:
                    connection = connect(client, workers=workers,
                                         scheduler_file=scheduler_file, timeout=timeout)
                except Exception:
                    # A cluster that could not start while the sweep was being stopped (a
                    # scheduler going away with the same Ctrl-C) does not matter any more.
                    if not stop():
                        raise
                else:
                    with connection:
                        if not stop():  # the signal came while the cluster was starting
                            _run_on(connection, store, task, pending, progress, stop)
        failed = False
    finally:
        # A sweep that failed before its first member (no scheduler, say) leaves no file.
        path = store.close(discard_empty=failed)
    return SweepResult(path)


class _Tasks:
    """The arguments of each member's task."""

    def __init__(self, definition: SweepDefinition, cases: list[Scenario],
                 outputs: tuple[str, ...], runner: Callable | None) -> None:
        self.definition = definition
        self.cases = cases
        self.outputs = outputs
        self.runner = runner

    def arguments(self, index: int) -> tuple[Any, dict[str, Any]]:
        member = self.definition.member(index)
        scenario = self.definition.member_scenario(self.cases, member)
        junction_seed = member.seed if self.definition.reseed == "dynamics" else None
        return member, {"scenario": scenario, "outputs": self.outputs, "runner": self.runner,
                        "junction_seed": junction_seed}


class _Counter:
    """Done / running / failed counts and the progress call."""

    def __init__(self, store: SweepStore, n_pending: int,
                 progress: Callable[[float, str], None] | None) -> None:
        statuses = store.statuses()
        self.total = statuses.size
        self.done = int((statuses == "done").sum())
        self.failed = int((statuses == "failed").sum())
        self.n_pending = n_pending
        self.finished = 0
        self.progress = progress

    def report(self, outcome: dict[str, Any] | None, running: int) -> None:
        if outcome is not None:
            self.finished += 1
            if outcome["status"] == "done":
                self.done += 1
            else:
                self.failed += 1
        if self.progress is not None:
            # The fraction counts this run's members only, so an ETA stays honest on resume.
            self.progress(self.finished / self.n_pending,
                          _counts_message(self.done, running, self.failed, self.total))


def _run_here(store: SweepStore, task: _Tasks, pending: list[int],
              progress: Callable[[float, str], None] | None,
              should_stop: Callable[[], bool]) -> None:
    counter = _Counter(store, len(pending), progress)
    for index in pending:
        if should_stop():
            return
        counter.report(None, 1)
        member, kwargs = task.arguments(index)
        outcome = run_member(**kwargs)
        counter.report(store.write(member, outcome), 0)


#: Seconds between calls of ``should_stop`` while members run on a cluster and none finishes.
STOP_POLL = 0.05


def _next_finished(completed: Any, should_stop: Callable[[], bool]) -> Any:
    """The next finished future of ``completed``; None when none is left or, while waiting,
    ``should_stop()`` says so (polled every :data:`STOP_POLL` s, so that a window's Cancel
    does not wait for a long member to end)."""
    while not completed.has_ready():
        if completed.is_empty() or should_stop():
            return None
        time.sleep(STOP_POLL)
    return next(completed)


def _run_on(connection: Any, store: SweepStore, task: _Tasks, pending: list[int],
            progress: Callable[[float, str], None] | None,
            should_stop: Callable[[], bool]) -> None:
    """Submit members a few at a time and write each as it finishes.

    A bounded window of submitted members (twice the worker threads, at least 4) keeps the
    scheduler's queue and the results waiting on the client small, however long the sweep.
    A worker that dies takes its members with it; the scheduler reruns them elsewhere.
    """
    from distributed import as_completed

    client = connection.client
    counter = _Counter(store, len(pending), progress)
    token = uuid.uuid4().hex[:12]
    queue = iter(pending)
    in_flight: dict[str, Any] = {}
    completed = None

    def submit() -> bool:
        index = next(queue, None)
        if index is None:
            return False
        member, kwargs = task.arguments(index)
        future = client.submit(run_member, key=f"nwn-sweep-{token}-{index}", pure=False,
                               **kwargs)
        in_flight[future.key] = (member, future)
        if completed is not None:
            completed.add(future)
        return True

    window = max(4, 2 * connection.n_threads)
    for _ in range(window):
        if not submit():
            break
    completed = as_completed([future for _, future in in_flight.values()], loop=client.loop)
    counter.report(None, min(len(in_flight), connection.n_threads))
    try:
        while (future := _next_finished(completed, should_stop)) is not None:
            member, _ = in_flight.pop(future.key)
            try:
                outcome = future.result()
            except Exception as error:  # the task itself never raises: the worker went away
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                outcome = {"status": "failed", "arrays": {}, "wall_time": 0.0,
                           "worker": "", "error": f"{type(error).__name__}: {reason}"}
            future.release()
            outcome = store.write(member, outcome)
            if should_stop():
                break
            submit()
            counter.report(outcome, min(len(in_flight), connection.n_threads))
    finally:
        for _, future in in_flight.values():
            future.cancel()
