"""The time loop: solve the circuit, record, advance every junction agent over dt.

The simulation always holds the circuit solved at the present time ``t = step * dt``: every
driven terminal at its stimulus value at ``t``, node voltages and edge currents for the present
junction conductances. One step then

1. advances every junction agent exactly over ``dt`` at the voltage across it (stimuli are
   held constant over the step); models whose state obeys an ODE coupled to the circuit
   (``COUPLED = True``: ``hp``, ``decay_hp``) take a Runge-Kutta step instead, re-solving the
   circuit at its stages (:meth:`~nwn.engine.junctions.hp.HPModel.advance_coupled`),
2. moves to ``t + dt`` and solves Kirchhoff's laws there,
3. hands that solution to the recorders.

The solution and the conductances it used always belong together, so what is recorded and
what a :class:`Snapshot` shows is self-consistent, and taking snapshots never changes the
run (no extra solves). All randomness lives in the junction
model's per-junction streams, so the same model, network and stimuli reproduce bit-identical
runs, and :meth:`Simulation.store` / :meth:`Simulation.restore` rewind exactly.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from nwn.engine.sources import WAVEFORM_KINDS, Source
from nwn.geometry.checks import InputError, check_positive
from nwn.geometry.network import Network

__all__ = ["Recorder", "Simulation", "SimulationState", "Snapshot"]

# Stimulus values are computed for this many steps at once: one vectorized call instead of a
# Python call per step and terminal. A stimulus whose future values are not known in advance
# (an input computed during the run, :class:`~nwn.engine.online_input.OnlineInput`) declares
# how many steps may be computed ahead (its ``lookahead``), and the block shrinks to it.
_STIMULUS_BLOCK = 1024


def stimulus_block(stimuli) -> int:
    """Steps of stimulus values the time loop computes at once for these stimuli."""
    block = _STIMULUS_BLOCK
    for stimulus in stimuli:
        lookahead = getattr(stimulus, "lookahead", None)
        if lookahead is not None:
            block = min(block, max(1, int(lookahead)))
    return block


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The network's state at one instant; arrays are read-only copies.

    Attributes
    ----------
    step : int
        Step index; ``t = step * dt``.
    t : float
        Simulated time (s).
    node_voltage : ndarray, shape (N,)
        Node potentials (V); NaN on nodes of clusters that reach no driven electrode.
    edge_current : ndarray, shape (E,)
        Edge currents (A), positive from ``edge_nodes[:, 0]`` to ``edge_nodes[:, 1]``.
    terminal_current : ndarray, shape (K,)
        Current into the network through each electrode (A).
    terminal_voltage : ndarray, shape (K,)
        Potential of each electrode terminal (V).
    junction_conductance : ndarray, shape (M,)
        Conductance of every junction (S).
    junction_state : ndarray, shape (M,)
        Normalized junction state in [0, 1] (filament growth).
    junction_voltage : ndarray, shape (M,)
        Voltage across every junction (V); 0 on excluded clusters.
    conductance : float
        Two-terminal conductance (S) where exactly two terminals are driven, else NaN.
    """

    step: int
    t: float
    node_voltage: np.ndarray
    edge_current: np.ndarray
    terminal_current: np.ndarray
    terminal_voltage: np.ndarray
    junction_conductance: np.ndarray
    junction_state: np.ndarray
    junction_voltage: np.ndarray
    conductance: float


@dataclass(frozen=True, eq=False)
class SimulationState:
    """Everything needed to continue a run bit-identically (see :meth:`Simulation.store`)."""

    step: int
    model_state: dict
    solver_state: Any
    solution: Any
    junction_voltage: np.ndarray
    #: States of the stimuli that have one (inputs fed during the run), by terminal index.
    stimulus_state: tuple = ()


class Recorder(Protocol):
    """Receives the solution of every step; declared before the run."""

    def start(self, simulation: Simulation) -> None:
        """Called once before the first recorded step of a run."""

    def record(self, simulation: Simulation, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        """Called every step with the solution at time ``t``."""

    def finish(self, simulation: Simulation) -> None:
        """Called once when a run ends, stopped or not."""


ProgressCallback = Callable[[float, float], None]


def _check_paths(network: Network, drives: Mapping[str, Source]) -> None:
    """Refuse driven electrodes that no wire path joins to any other driven electrode.

    Such an electrode would carry no current whatever the stimulus: almost always a network
    below percolation or an electrode placed where the wires do not reach.
    """
    driven = [name for name, drive in drives.items() if drive.kind != "floating"]
    if len(driven) < 2:
        return
    component = {name: int(network.component[network.terminal(name)]) for name in driven}
    for name in driven:
        partners = [other for other in driven
                    if other != name and component[other] == component[name]]
        if not partners:
            others = ", ".join(repr(o) for o in driven if o != name)
            raise InputError(
                f"electrode {name!r} is not connected to {others} by any wire path "
                f"(the network does not percolate between them: add wires, lengthen them "
                f"or move the electrodes)")


class Simulation:
    """A nanowire network, its junction agents and the stimuli driving its electrodes.

    Parameters
    ----------
    network : Network
        The circuit graph.
    model : JunctionModel
        Junction agents, one per junction of ``network`` (see :mod:`nwn.engine.junctions`).
    drives : mapping of str to Source
        What drives each electrode (:class:`~nwn.engine.sources.Source`), by name;
        electrodes not named float.
    dt : float
        Time step (s).
    recorders : sequence of Recorder, optional
        Receive every step's solution.
    solver_tolerance : float or "legacy", keyword-only
        The Kirchhoff solver's stopping tolerance (:mod:`nwn.engine.solver_tolerance`;
        scenario key ``run.solver_tolerance``).

    Examples
    --------
    >>> sim = Simulation(network, model, {"left": Source("voltage", DC(2.0)),
    ...                                   "right": Source("ground")}, dt=1e-3)
    >>> sim.run(0.5)                      # doctest: +SKIP
    >>> sim.snapshot().conductance        # doctest: +SKIP
    """

    def __init__(self, network: Network, model: Any, drives: Mapping[str, Source], *,
                 dt: float, recorders: Sequence[Recorder] = (),
                 solver_tolerance: float | str | None = None) -> None:
        from nwn.engine.solver import CircuitSolver
        from nwn.engine.solver_tolerance import DEFAULT_TOLERANCE

        self.dt = check_positive("dt", dt)
        if model.n_junctions != network.n_junctions:
            raise InputError(
                f"model has {model.n_junctions} junction agents but the network has "
                f"{network.n_junctions} junctions"
            )
        for name, source in drives.items():
            network.terminal(name)  # refuses unknown electrode names
            if not isinstance(source, Source):  # a Source checked its own kind's rules
                raise InputError(f"electrodes.{name}.source must be a Source (got "
                                 f"{type(source).__name__})")
        self.network = network
        self.model = model
        self.drives = {name: drives.get(name, Source("floating"))
                       for name in network.electrode_names}
        _check_paths(network, self.drives)
        self.recorders = list(recorders)
        self.solver = CircuitSolver(network, self.drives, tolerance=(
            DEFAULT_TOLERANCE if solver_tolerance is None else solver_tolerance))
        self.step_index = 0
        self._stop = threading.Event()
        self._driven = [(k, d.stimulus) for k, d in enumerate(self.drives.values())
                        if d.kind in WAVEFORM_KINDS]
        self._stimulus_block: np.ndarray | None = None
        self._stimulus_first = 0
        self._block_steps = stimulus_block(stimulus for _, stimulus in self._driven)
        self._conductance = model.conductance()
        self._recorded_step = -1
        self._steps_done = 0
        self._solution, self._junction_voltage = self._solve()

    # -- time ---------------------------------------------------------------------------------

    @property
    def t(self) -> float:
        """Simulated time now (s)."""
        return self.step_index * self.dt

    def steps_for(self, duration: float) -> int:
        """Number of steps covering ``duration`` seconds (rounded, at least 1)."""
        duration = check_positive("duration", duration)
        return max(1, int(round(duration / self.dt)))

    @property
    def junction_conductance(self) -> np.ndarray:
        """Conductance of every junction now, shape (M,) (S).

        A read-only view of the array the circuit was solved with (no recomputation); it
        changes in place at the next step, so copy it to keep it.
        """
        view = self._conductance.view()
        view.flags.writeable = False
        return view

    def source_values(self, step: int) -> np.ndarray:
        """Stimulus value of every terminal at step ``step``, shape (K,) (V or A)."""
        first = self._stimulus_first
        block = self._stimulus_block
        if block is None or not first <= step < first + block.shape[0]:
            first = step
            times = (np.arange(self._block_steps) + step) * self.dt
            block = np.zeros((self._block_steps, len(self.drives)))
            for k, stimulus in self._driven:
                block[:, k] = stimulus.at(times)
            if not np.all(np.isfinite(block)):
                raise InputError(f"a stimulus gave a non-finite value between t={times[0]:g} "
                                 f"and t={times[-1]:g} s")
            self._stimulus_block, self._stimulus_first = block, first
        return block[step - first]

    @property
    def solution(self) -> Any:
        """The circuit's solution at the present time (the solver's own object: read it, do not
        keep it; it changes at the next step)."""
        return self._solution

    # -- stepping -----------------------------------------------------------------------------

    def _solve(self) -> tuple[Any, np.ndarray]:
        values = self.source_values(self.step_index)
        solution = self.solver.solve(self._conductance, values)
        # the solver's scatter writes them (a fresh array per solve): junctions in clusters
        # that reach no driven electrode sit at zero bias and relax
        return solution, solution.junction_voltage

    def _junction_voltage_for(self, conductance: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Junction voltages (V) of the circuit solved with these junction conductances."""
        return self.solver.solve(conductance, values).junction_voltage

    def step(self, n: int = 1) -> None:
        """Advance ``n`` steps (no progress reporting; see :meth:`run`)."""
        for _ in range(int(n)):
            self._advance_one()

    def _advance_one(self) -> None:
        if getattr(self.model, "COUPLED", False):
            # ODE junction models (hp, decay_hp): a Runge-Kutta step that re-solves the
            # circuit at its stages, at this step's stimuli
            values = self.source_values(self.step_index)
            driven = [values[k] for k, _ in self._driven if values[k] != 0.0]
            self.model.source_sign = float(np.sign(driven[0])) if driven else 0.0
            self.model.advance_coupled(self._junction_voltage, self.dt,
                                       lambda g: self._junction_voltage_for(g, values))
        else:
            self.model.advance(self._junction_voltage, self.dt)
        self._conductance = self.model.conductance(out=self._conductance)
        self.step_index += 1
        self._solution, self._junction_voltage = self._solve()
        self._record()

    def _record(self) -> None:
        if self._recorded_step == self.step_index:
            return
        self._recorded_step = self.step_index
        for recorder in self.recorders:
            recorder.record(self, self.step_index, self.t, self._solution,
                            self._junction_voltage)

    def stop(self) -> None:
        """Ask a running :meth:`run` or :meth:`iter_run` to end after the current step.

        Safe to call from another thread.
        """
        self._stop.set()

    def run(self, duration: float, *, progress: ProgressCallback | None = None,
            report_interval: float = 0.1) -> int:
        """Advance by ``duration`` seconds, or until :meth:`stop`.

        Parameters
        ----------
        duration : float
            Simulated time to advance (s).
        progress : callable, optional
            ``progress(fraction_done, t)``, called at most every ``report_interval`` s of wall
            time and once at the end.
        report_interval : float
            Wall-clock seconds between progress calls.

        Returns
        -------
        int
            Steps taken (fewer than asked if stopped).
        """
        for _ in self.iter_run(duration, snapshot_every=0, progress=progress,
                               report_interval=report_interval):
            pass  # pragma: no cover - nothing is yielded with snapshot_every=0
        return self._steps_done

    def iter_run(self, duration: float, *, snapshot_every: int = 1,
                 progress: ProgressCallback | None = None,
                 report_interval: float = 0.1) -> Iterator[Snapshot]:
        """Advance by ``duration`` seconds, yielding a :class:`Snapshot` every few steps.

        Parameters
        ----------
        duration : float
            Simulated time to advance (s).
        snapshot_every : int
            Steps between snapshots; 0 yields none. The state after the last step is always
            yielded (if ``snapshot_every > 0``).
        progress, report_interval
            As in :meth:`run`.

        Yields
        ------
        Snapshot
            Immutable state at the snapshot's time, solved for the conductances then.
        """
        n_steps = self.steps_for(duration)
        self._stop.clear()
        self._steps_done = 0
        for recorder in self.recorders:
            recorder.start(self)
        self._record()  # the state the run starts from (once)
        last_report = time.monotonic()
        try:
            for i in range(n_steps):
                if self._stop.is_set():
                    break
                self._advance_one()
                self._steps_done = i + 1
                if snapshot_every and (i + 1) % snapshot_every == 0 and i + 1 < n_steps:
                    yield self.snapshot()
                if progress is not None and time.monotonic() - last_report >= report_interval:
                    last_report = time.monotonic()
                    progress((i + 1) / n_steps, self.t)
        finally:
            for recorder in self.recorders:
                recorder.finish(self)
        if progress is not None:
            progress(self._steps_done / n_steps, self.t)
        if snapshot_every:
            yield self.snapshot()

    # -- state --------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The state now: circuit solved at ``t`` for the present junction conductances."""
        solution, junction_voltage = self._solution, self._junction_voltage

        def frozen(array: np.ndarray) -> np.ndarray:
            array = np.array(array, dtype=np.float64, copy=True)
            array.flags.writeable = False
            return array

        return Snapshot(
            step=self.step_index,
            t=self.t,
            node_voltage=frozen(solution.node_voltage),
            edge_current=frozen(solution.edge_current),
            terminal_current=frozen(solution.terminal_current),
            terminal_voltage=frozen(solution.terminal_voltage),
            junction_conductance=frozen(self._conductance),
            junction_state=frozen(self.model.state()),
            junction_voltage=frozen(junction_voltage),
            conductance=float(solution.conductance),
        )

    def store(self) -> SimulationState:
        """Capture the full state (time, junction agents, random streams, solver history)."""
        stimulus_state = tuple((k, stimulus.get_state()) for k, stimulus in self._driven
                               if callable(getattr(stimulus, "get_state", None)))
        return SimulationState(step=self.step_index, model_state=self.model.get_state(),
                               solver_state=copy.deepcopy(self.solver.get_state()),
                               solution=copy.deepcopy(self._solution),
                               junction_voltage=self._junction_voltage.copy(),
                               stimulus_state=stimulus_state)

    def restore(self, state: SimulationState) -> None:
        """Return to a state captured by :meth:`store`; the run continues bit-identically."""
        self.step_index = state.step
        self.model.set_state(state.model_state)
        self.solver.set_state(copy.deepcopy(state.solver_state))
        self._conductance = self.model.conductance(out=self._conductance)
        self._solution = copy.deepcopy(state.solution)
        self._junction_voltage = state.junction_voltage.copy()
        stimuli = dict(self._driven)
        for k, stimulus_state in state.stimulus_state:
            stimuli[k].set_state(stimulus_state)
        # values computed ahead may belong to the abandoned future of a fed input
        self._stimulus_block = None
        self._recorded_step = -1
