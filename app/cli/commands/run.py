"""``nwn run``: simulate a scenario headless and write the results to HDF5."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from nwn.app.cli.commands._common import add_force, checked_output, scenario_of
from nwn.app.models.palette import COLOR_MODES, DEFAULT_COLOR_MODE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run", help="simulate a scenario and write results to HDF5",
        description="Simulate a scenario (file or preset name) and write the results to an "
                    "HDF5 file, with a progress bar. Ctrl-C stops the run and keeps the file.")
    parser.add_argument("scenario", help="scenario TOML file or preset name (see `nwn presets`)")
    parser.add_argument("-o", "--output", default=None,
                        help="results file (default: <scenario name>.h5 in the current folder)")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--duration", type=float, help="override run.duration (s)")
    parser.add_argument("--movie", metavar="MOVIE",
                        help="also render the recorded run to a movie (.mp4 or .gif)")
    # Checked by MovieOptions, as nwn movie --color is: one line, exit 2.
    parser.add_argument("--movie-color", default=DEFAULT_COLOR_MODE,
                        metavar="{" + ",".join(COLOR_MODES) + "}",
                        help="what the movie colours, as nwn movie --color "
                             "(default: %(default)s)")
    parser.add_argument("--movie-fps", type=float, default=30.0, help="movie frames per second")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--full-states", action="store_true",
                        help="store junction states and node voltages at the scenario's "
                             "intervals however large the file grows (default: at most 1 GiB "
                             "of each; a huge network's rows are then stored less often)")
    add_force(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.build import build_simulation
    from nwn.engine.recording import HDF5Recorder
    from nwn.engine.results import CLOCKS as CLOCK_KEYS

    # What is stored with the results is exactly what ran.
    scenario, text = scenario_of(args)
    output = Path(args.output) if args.output else Path(
        Path(args.scenario).stem + ".h5")
    inputs = (args.scenario,)
    checked_output(output, "results", args, inputs=inputs)
    if args.movie:
        from nwn.app.render.movie import MovieOptions, movie_format
        from nwn.engine.output_files import check_distinct

        # Refuse a bad movie request before spending the run on it.
        checked_output(args.movie, "movie", args, inputs=inputs, option="--movie")
        check_distinct(output, args.movie)
        MovieOptions(fps=args.movie_fps, color=args.movie_color,
                     names={"fps": "--movie-fps", "color": "--movie-color"}).checked(
            fmt=movie_format(args.movie, name="--movie"))
    simulation = build_simulation(scenario)
    network = simulation.network
    if not args.quiet:
        print(f"{scenario.name or args.scenario}: {len(network.wires)} wires, "
              f"{network.n_junctions} junctions, {scenario.run.n_steps} steps",
              file=sys.stderr)
    from nwn.app.cli import interrupts

    # From here on a signal only sets a flag that the time loop polls, so that closing the
    # file (what was kept) is ordinary code no exception can cut short.
    with interrupts.polled() as stop:
        # An existing file (--force) is replaced only by a complete run, or one stopped on
        # purpose; a new file is written in place from the start, so that a run killed at any
        # moment leaves one (scenario text and geometry come before the first step).
        budget = {"state_budget": None} if args.full_states else {}
        recorder = HDF5Recorder.for_scenario(output, scenario, scenario_text=text,
                                             keep_existing=True, **budget)
        simulation.recorders.append(recorder)
        recorder.start(simulation)
        if not args.quiet:
            for clock, (asked, used) in recorder.widened.items():
                key = CLOCK_KEYS[clock]
                print(f"nwn: {clock} rows every {used} steps instead of run.{key} = {asked}, "
                      f"so that they stay under {recorder.state_budget / 2**30:.3g} GiB "
                      f"(--full-states keeps {asked})", file=sys.stderr)
        progress = None if args.quiet else ProgressBar("running")
        n_steps = simulation.steps_for(scenario.run.duration)
        try:
            steps = 0
            if not stop():
                steps = simulation.run(scenario.run.duration,
                                       progress=_polling(progress, simulation, stop))
            complete = steps >= n_steps  # fewer: stopped by a signal
            if complete:
                recorder.close(complete=True)
        except KeyboardInterrupt as interrupt:  # raised by a caller's own handler
            return _interrupted(recorder, output, simulation, progress,
                                interrupts.interrupt_word(interrupt),
                                interrupts.interrupt_code(interrupt))
        except Exception as error:
            raise stopped(error, recorder, output, simulation.t) from None
        if not complete:
            return _interrupted(recorder, output, simulation, progress,
                                interrupts.requested_word(), interrupts.requested_code())
        if args.movie:
            from nwn.app.render.movie import ExportCancelled, movie_from_results

            movie_progress = None if args.quiet else ProgressBar("movie frames").count
            try:
                movie_from_results(output, args.movie, fps=args.movie_fps,
                                   color=args.movie_color, trace="conductance",
                                   progress=movie_progress, cancel=stop)
            except ExportCancelled:
                print(f"nwn: {interrupts.requested_word()}; {output} is complete, the movie "
                      f"{args.movie} was not written", file=sys.stderr)
                return interrupts.requested_code()
            if not args.quiet:
                print(f"wrote {args.movie}", file=sys.stderr)
    if not args.quiet:
        summary = f"wrote {output}"
        conductance = simulation.snapshot().conductance
        if math.isfinite(conductance):  # defined with exactly two driven electrodes
            summary += f"; final two-terminal conductance {conductance:.4g} S"
        print(summary, file=sys.stderr)
    return 0


def _polling(progress, simulation, stop):
    """A progress callback (called about ten times a second) that also ends the run at the
    next step once a signal arrived (``stop()`` True)."""
    def report(fraction: float, t: float) -> None:
        if stop():
            simulation.stop()
        if progress is not None:
            progress(fraction, t)
    return report


def _interrupted(recorder, output: Path, simulation, progress, word: str, code: int) -> int:
    """Close a run stopped on purpose, keeping its rows, and say in one line what was kept."""
    try:
        recorder.close(complete=False, keep=True)
    except OSError as error:
        raise stopped(error, recorder, output, simulation.t) from None
    end_bar = "\n" if progress is not None and sys.stderr.isatty() else ""
    print(f"{end_bar}nwn: {word} at t = {simulation.t:.4g} s; {output} holds the run up to "
          f"t = {_kept_until(recorder, simulation.t):.4g} s", file=sys.stderr)
    return code


def stopped(error: Exception, recorder, output: Path, t: float) -> Exception:
    """The error that stopped a run, as one line that also says what became of ``output``.

    A ValueError stays a ValueError (bad input, exit 2); anything else is a fault (exit 1).
    """
    from nwn.geometry.checks import InputError

    try:
        kept = recorder.close(complete=False, keep=False)
    except Exception:  # noqa: BLE001 - a full disk may refuse the close too; say what is known
        kept = recorder.writing == recorder.path and output.exists()
    if kept and recorder.kept_until is None:
        where = f"{output} holds the scenario and geometry, no steps"
    elif kept:
        where = f"{output} holds the run up to t = {_kept_until(recorder, t):.4g} s " \
                f"(complete = false)"
    else:
        where = f"{output} is left as it was"
    message = getattr(error, "nwn_message", None) or \
        (str(error).splitlines()[0] if str(error) else type(error).__name__)
    if isinstance(error, ValueError):
        return InputError(f"{message}; {where}")
    fault = OSError(getattr(error, "errno", None), f"{message}; {where}")
    fault.nwn_message = f"{message}; {where}"
    return fault


def _kept_until(recorder, t: float) -> float:
    """Time of the last row on the disk (the simulation's time if the recorder cannot say)."""
    return t if recorder.kept_until is None else recorder.kept_until
