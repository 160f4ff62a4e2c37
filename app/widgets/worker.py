"""The one worker-thread boundary: a simulation runs in a QThread, the GUI draws from the
latest snapshot.

The worker drives :meth:`Simulation.iter_run` and *publishes* each snapshot into a
lock-protected :class:`LatestSlot` (overwriting the previous one) and a bounded
:class:`SnapshotHistory`; it never waits for the GUI. The GUI polls the slot on a timer at
display rate and redraws only when something new arrived, so a slow frame skips snapshots
instead of slowing the physics. Terminal traces come from :class:`LiveTraceRecorder`, an
engine recorder filled on every step by the worker and read (copied under a lock) by the plots.

Pause, step and stop all go through :meth:`Simulation.stop` (thread-safe); the simulation
object is touched by the GUI thread only while no run is in flight.

Other long work (depositing wires, finding junctions, building the circuit graph, compiling
kernels at launch) goes through :class:`BackgroundJob`, and the frames of the deposition film
are made by a :class:`FrameMaker` thread: the GUI thread only draws what they hand back.
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore

# one line per error wherever the window shows one (kept importable from here)
from nwn.app.models.error_text import error_message
from nwn.app.models.thread_priority import lower_thread_priority
from nwn.engine.recording import TraceRecorder

__all__ = ["STOP_WAIT_S", "BackgroundJob", "FrameMaker", "LatestSlot", "LiveTraceRecorder",
           "RunController", "SimulationWorker", "SnapshotHistory", "error_message",
           "left_running"]

#: frames per second the optional real-time pacing aims at
PACE_FPS = 30.0
#: longest wait (s) for the step in flight when a run's controller shuts down (the window
#: closing): a step takes about 1 s at a million wires, so one still going after 30 is hung
STOP_WAIT_S = 30.0
#: worker threads whose step was still going when their controller gave up waiting for it
_LEFT_RUNNING: list[QtCore.QThread] = []


class LatestSlot:
    """Holds only the newest value; ``take`` returns it once (None if nothing new)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = None
        self._fresh = False

    def put(self, value) -> None:
        with self._lock:
            self._value = value
            self._fresh = True

    def take(self):
        with self._lock:
            if not self._fresh:
                return None
            self._fresh = False
            return self._value

    def peek(self):
        with self._lock:
            return self._value

    def clear(self) -> None:
        with self._lock:
            self._value = None
            self._fresh = False


class BackgroundJob(QtCore.QObject):
    """Runs functions in Python threads; each result comes back on the GUI thread.

    :meth:`submit` returns a ticket; a newer :meth:`submit` (or :meth:`cancel`) makes every
    older ticket stale, and a stale result is dropped instead of delivered, so a deposition
    asked for twice shows only the second. The function itself is not interrupted (it must not
    touch widgets); it ends on its own and its result is discarded.

    Signals
    -------
    busyChanged(str)
        The message of the job now running, "" when none is.
    """

    busyChanged = QtCore.Signal(str)
    _done = QtCore.Signal(int, object)
    _error = QtCore.Signal(int, str)
    _said = QtCore.Signal(int, str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._ticket = 0
        self._callbacks: dict[int, tuple] = {}
        self._threads: list[threading.Thread] = []
        self.message = ""
        # Queued: emitted from the job's thread, delivered in the thread this object lives in.
        self._done.connect(self._deliver, QtCore.Qt.ConnectionType.QueuedConnection)
        self._error.connect(self._deliver_error, QtCore.Qt.ConnectionType.QueuedConnection)
        self._said.connect(self._show_said, QtCore.Qt.ConnectionType.QueuedConnection)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def submit(self, message: str, function, on_done, on_error=None) -> int:
        """Run ``function(say)`` in a thread; then ``on_done(result)`` (or ``on_error(line)``)
        on the GUI thread, unless a later submit or cancel came first.

        ``message`` says what it does, for the busy indicator; ``say(text)``, callable from the
        thread, replaces it as the work moves on ("finding junctions...")."""
        self._ticket += 1
        ticket = self._ticket
        self._callbacks = {ticket: (on_done, on_error)}
        self.message = message
        self.busyChanged.emit(message)

        def say(text: str) -> None:
            self._said.emit(ticket, text)

        def work() -> None:
            lower_thread_priority()  # the GUI thread comes first (app.models.thread_priority)
            try:
                result = function(say)
            except Exception as error:  # noqa: BLE001 - becomes one line in the window
                self._error.emit(ticket, error_message(error))
            else:
                self._done.emit(ticket, result)

        thread = threading.Thread(target=work, name="nwn-background", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return ticket

    def _show_said(self, ticket: int, text: str) -> None:
        if ticket in self._callbacks:
            self.message = text
            self.busyChanged.emit(text)

    def cancel(self) -> None:
        """Drop the results of every job submitted so far."""
        self._ticket += 1
        if self._callbacks:
            self._callbacks = {}
            self.message = ""
            self.busyChanged.emit("")

    def wait(self, timeout: float = 30.0) -> bool:
        """Block (processing events) until every job delivered; for tests and shutdown."""
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents,
                                                  20)
            time.sleep(0.002)
        return not self.busy

    def join(self, timeout: float = 10.0) -> None:
        """Wait for the threads themselves to end (window closing)."""
        self.cancel()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _take(self, ticket: int):
        callbacks = self._callbacks.pop(ticket, None)
        if callbacks is not None and not self._callbacks:
            self.message = ""
            self.busyChanged.emit("")
        return callbacks

    def _deliver(self, ticket: int, result) -> None:
        callbacks = self._take(ticket)
        if callbacks is not None:
            callbacks[0](result)

    def _deliver_error(self, ticket: int, message: str) -> None:
        callbacks = self._take(ticket)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](message)


class FrameMaker:
    """A thread that turns the newest request into a frame; the GUI takes the newest frame.

    ``make(request)`` runs in the thread; :meth:`request` replaces any request not yet started
    (latest wins) and :attr:`frames` (a :class:`LatestSlot`) holds the newest
    ``(request, frame)``. The GUI thread never computes a frame, it only draws one. After
    each frame the thread rests ``rest`` times as long as the frame took. ``made()``, if
    given, is called in the thread after each frame is put (emitting a Qt signal there
    tells the GUI thread at once instead of at its next poll).
    """

    def __init__(self, make, *, name: str = "nwn-frames", rest: float = 1.0,
                 made=None) -> None:
        self._make = make
        self._made = made
        self.rest = float(rest)
        self.frames = LatestSlot()
        self._wanted = None
        self._condition = threading.Condition()
        self._stopped = False
        self.failed: str | None = None
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def request(self, value) -> None:
        with self._condition:
            self._wanted = value
            self._condition.notify()

    def stop(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        lower_thread_priority()
        while True:
            with self._condition:
                while self._wanted is None and not self._stopped:
                    self._condition.wait()
                if self._stopped:
                    return
                value, self._wanted = self._wanted, None
            started = time.perf_counter()
            try:
                frame = self._make(value)
            except Exception as error:  # noqa: BLE001 - the GUI shows it as one line
                self.failed = error_message(error)
                return
            self.frames.put((value, frame))
            if self._made is not None:
                self._made()
            # Rest as long as the frame took: making frames shares the interpreter lock with
            # the GUI thread, which must keep at least half of it to stay responsive.
            with self._condition:
                if not self._stopped:
                    self._condition.wait(self.rest * (time.perf_counter() - started))


def _snapshot_bytes(snapshot) -> int:
    return sum(getattr(snapshot, name).nbytes for name in (
        "node_voltage", "edge_current", "terminal_current", "terminal_voltage",
        "junction_conductance", "junction_state", "junction_voltage"))


class SnapshotHistory:
    """The snapshots of a run, bounded in memory, for the time slider.

    When the budget is reached every other snapshot is dropped and only every second later one
    is kept, so the history always spans the whole run at a coarser spacing.

    Parameters
    ----------
    budget_bytes : int
        Memory the stored snapshots may use.
    max_count : int
        Most snapshots kept, whatever their size.
    """

    def __init__(self, *, budget_bytes: int = 256 * 2**20, max_count: int = 2000) -> None:
        self._lock = threading.Lock()
        self.budget_bytes = int(budget_bytes)
        self.max_count = int(max_count)
        self._items: list = []
        self._stride = 1
        self._seen = 0
        self._capacity: int | None = None

    def append(self, snapshot) -> None:
        with self._lock:
            if self._capacity is None:
                size = max(_snapshot_bytes(snapshot), 1)
                self._capacity = max(4, min(self.max_count, self.budget_bytes // size))
            keep = self._seen % self._stride == 0
            self._seen += 1
            if not keep:
                return
            self._items.append(snapshot)
            if len(self._items) > self._capacity:
                del self._items[1::2]
                self._stride *= 2

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int):
        with self._lock:
            return self._items[index]

    def times(self) -> np.ndarray:
        with self._lock:
            return np.array([s.t for s in self._items])

    def snapshots(self) -> list:
        """All stored snapshots, in time order (a copy of the list, taken under the lock)."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items = []
            self._stride = 1
            self._seen = 0
            self._capacity = None


class LiveTraceRecorder(TraceRecorder):
    """The engine's :class:`~nwn.engine.recording.TraceRecorder`, locked, plus the trace of
    one probed junction.

    Filled by the worker thread; :meth:`arrays` copies everything under the lock for the plots.
    Rows are decimated by two whenever ``max_rows`` is reached (bounded memory, whole run).

    Attributes
    ----------
    probe : int
        Junction whose conductance and voltage are traced (-1: none); set from the GUI.
    """

    def __init__(self, *, max_rows: int = 20_000) -> None:
        self._lock = threading.Lock()
        self.probe = -1
        super().__init__(max_rows=max_rows)

    def reset(self) -> None:
        with self._lock:
            super().reset()
            self._probe_rows: list[tuple[float, float, float]] = []
            self._probe_of_rows = -1

    def record(self, simulation, step: int, t: float, solution, junction_voltage) -> None:
        probe = self.probe
        with self._lock:
            if probe != self._probe_of_rows:
                self._probe_rows = []
                self._probe_of_rows = probe
            if 0 <= probe < len(junction_voltage):
                conductance = simulation.junction_conductance[probe]
                self._probe_rows.append((t, float(conductance), float(junction_voltage[probe])))
                if len(self._probe_rows) > self.max_rows:
                    del self._probe_rows[::2]
            super().record(simulation, step, t, solution, junction_voltage)

    def arrays(self) -> dict[str, np.ndarray]:
        """Copies: ``t`` (T,) s, ``terminal_current`` (T, K) A, ``terminal_voltage`` (T, K) V,
        ``conductance`` (T,) S, and ``probe`` (P, 3) rows of (t, G, V) of the probed
        junction."""
        with self._lock:
            out = {"t": self.t, "terminal_current": self.terminal_current,
                   "terminal_voltage": self.terminal_voltage,
                   "conductance": self.conductance,
                   "probe": np.array(self._probe_rows, dtype=np.float64).reshape(-1, 3)}
        if out["t"].size == 0:
            out["terminal_current"] = out["terminal_voltage"] = np.zeros((0, 0))
        return out


class SimulationWorker(QtCore.QObject):
    """Lives in the worker thread; runs the simulation when asked (queued signal)."""

    started = QtCore.Signal()
    finished = QtCore.Signal(str)   # "done" | "paused" | "stepped"
    failed = QtCore.Signal(str)
    progress = QtCore.Signal(float, float)

    def __init__(self, slot: LatestSlot, history: SnapshotHistory) -> None:
        super().__init__()
        self.slot = slot
        self.history = history
        self.simulation = None
        self.steps_per_frame = 10
        self.paced = True
        self.draw_enabled = True

    @QtCore.Slot(float, str)
    def run(self, duration: float, reason: str) -> None:
        """Advance ``duration`` seconds, publishing a snapshot every ``steps_per_frame``."""
        simulation = self.simulation
        if simulation is None:
            self.failed.emit("no simulation to run")
            return
        self.started.emit()
        every = max(1, int(self.steps_per_frame))
        frame = 1.0 / PACE_FPS
        next_frame = time.monotonic()
        steps_asked = simulation.steps_for(duration)
        first_step = simulation.step_index
        try:
            for snapshot in simulation.iter_run(
                    duration, snapshot_every=every if self.draw_enabled else steps_asked,
                    progress=lambda fraction, t: self.progress.emit(fraction, t)):
                self.slot.put(snapshot)
                self.history.append(snapshot)
                if self.paced:
                    # Pace to the display rate: a fixed clock, never the GUI's drawing.
                    next_frame += frame
                    delay = next_frame - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    else:
                        next_frame = time.monotonic()
        except Exception as error:  # noqa: BLE001 - shown as one line in the window
            self.failed.emit(error_message(error))
            return
        done = simulation.step_index - first_step >= steps_asked
        self.finished.emit(reason if done else "paused")


def _stop_thread(worker: SimulationWorker, thread: QtCore.QThread,
                 timeout_s: float | None = None) -> bool:
    """Stop the worker's run and end its thread; True once the thread has ended.

    The run stops after the step it is in, and only letting that step end stops it safely (a
    step cannot be aborted); this waits for it, at most ``timeout_s`` seconds when given.
    """
    if worker.simulation is not None:
        worker.simulation.stop()
    thread.quit()
    if timeout_s is None:
        return thread.wait()
    return thread.wait(QtCore.QDeadlineTimer(max(0, round(timeout_s * 1000))))


def left_running() -> int:
    """How many worker threads :meth:`RunController.shutdown` gave up waiting for are still
    in their step. A process that is done must then end with ``os._exit``: an interpreter
    exit would wait for them without limit (the controllers' exit clean-up), and Qt aborts
    the process if a running thread's object is destroyed."""
    _LEFT_RUNNING[:] = [thread for thread in _LEFT_RUNNING if thread.isRunning()]
    return len(_LEFT_RUNNING)


class RunController(QtCore.QObject):
    """Owns the worker thread and the run state machine (idle/running, pause, step, stop).

    Signals
    -------
    stateChanged(str)
        ``"idle"``, ``"running"``, ``"paused"``, ``"done"`` or ``"failed"``.
    failed(str)
        One-line error from the run.
    progress(float, float)
        Fraction of the requested run done and simulated time (s).
    """

    stateChanged = QtCore.Signal(str)
    failed = QtCore.Signal(str)
    progress = QtCore.Signal(float, float)
    _request = QtCore.Signal(float, str)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.slot = LatestSlot()
        self.history = SnapshotHistory()
        self.traces = LiveTraceRecorder()
        self.worker = SimulationWorker(self.slot, self.history)
        self.thread = QtCore.QThread()
        self.thread.setObjectName("nwn-simulation")
        self.worker.moveToThread(self.thread)
        self._request.connect(self.worker.run, QtCore.Qt.ConnectionType.QueuedConnection)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.progress.connect(self.progress)
        self.thread.start()
        # A QThread destroyed while it runs aborts the process (Qt's qFatal): a script that
        # ended without closing the window (a benchmark's SystemExit, a diagnostic that just
        # returns) died with "QThread: Destroyed while thread 'nwn-simulation' is still
        # running". This stops it when the controller goes, or at interpreter exit.
        self._finalizer = weakref.finalize(self, _stop_thread, self.worker, self.thread)
        self.state = "idle"
        self.simulation = None
        self.duration = 0.0
        self.hdf5 = None

    # -- setup --------------------------------------------------------------------------------

    def set_simulation(self, simulation, *, duration: float, recorders: Sequence = (),
                       initial=None) -> None:
        """Use a new simulation (only while no run is in flight). ``initial``: its
        :meth:`~nwn.engine.simulation.Simulation.snapshot` now, if taken in a worker thread
        (copying every array of a million-wire network took the GUI thread 0.7-2.6 s)."""
        if self.busy:
            raise RuntimeError("cannot replace the simulation during a run")
        self.simulation = simulation
        self.duration = float(duration)
        self.worker.simulation = simulation
        self.slot.clear()
        self.history.clear()
        self.traces.reset()
        simulation.recorders.append(self.traces)
        simulation.recorders.extend(recorders)
        if initial is None:
            initial = simulation.snapshot()
        self.slot.put(initial)
        self.history.append(initial)
        self._set_state("idle")

    @property
    def busy(self) -> bool:
        return self.state == "running"

    @property
    def remaining(self) -> float:
        """Simulated time left of the scenario's duration (s)."""
        if self.simulation is None:
            return 0.0
        return max(0.0, self.duration - self.simulation.t)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)

    # -- commands -----------------------------------------------------------------------------

    def start(self) -> bool:
        """Run (or resume) to the end of the scenario's duration."""
        if self.simulation is None or self.busy:
            return False
        remaining = self.remaining
        if remaining < 0.5 * self.simulation.dt:
            self._set_state("done")
            return False
        self._set_state("running")
        self._request.emit(remaining, "done")
        return True

    def step(self, n: int = 1) -> bool:
        """Advance ``n`` steps and pause."""
        if self.simulation is None or self.busy:
            return False
        self._set_state("running")
        self._request.emit(n * self.simulation.dt, "stepped")
        return True

    def pause(self) -> None:
        """Stop after the current step; :meth:`start` resumes."""
        if self.simulation is not None and self.busy:
            self.simulation.stop()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block (processing events) until no run is in flight; for shutdown and tests."""
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents,
                                                  20)
            time.sleep(0.002)
        return not self.busy

    def shutdown(self, timeout_s: float = STOP_WAIT_S) -> bool:
        """Stop any run and end the worker thread (the window closing); True once it has ended.

        The run stops after its step in flight; this waits for that step at most
        ``timeout_s`` seconds. A step still going then (hung: a window that never closed
        otherwise) is left to finish on its own, the thread with it: one line on stderr says
        so, False is returned and :func:`left_running` counts it; the studio's
        :func:`~nwn.app.widgets.launch.main` then ends the process without waiting for it.
        """
        if _stop_thread(self.worker, self.thread, timeout_s):
            self._finalizer.detach()  # nothing left to stop at exit
            return True
        print(f"nwn-studio: the run's step in flight did not end within {timeout_s:g} s of "
              f"closing; closing without it (the step is left unfinished)", file=sys.stderr)
        if self.thread not in _LEFT_RUNNING:
            _LEFT_RUNNING.append(self.thread)
        return False

    # -- worker replies -----------------------------------------------------------------------

    def _on_finished(self, reason: str) -> None:
        if reason == "stepped":
            reason = "paused"
        if reason == "done" and self.remaining >= 0.5 * self.simulation.dt:
            reason = "paused"
        self._set_state(reason)

    def _on_failed(self, message: str) -> None:
        self._set_state("failed")
        self.failed.emit(message)
