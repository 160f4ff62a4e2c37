"""``nwn reservoir``: score what a network computes (reservoir-computing tasks).

``nwn reservoir run SCENARIO --task TASK -o rc.h5`` simulates the scenario's ``[reservoir]``
protocol and scores it; ``--recording rc.txt`` also exports the run in the INRiM / RCbench text
format. ``nwn reservoir score RECORDING --task TASK --input-pad PAD`` scores a measured (or
exported) recording in that format. ``--json`` prints one JSON object (``task``,
``score``, ``metric``, ``per_delay`` for memory capacity, and the settings and details);
without it, a readable table.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nwn.app.cli.commands._common import add_force, checked_output


def register(subparsers: argparse._SubParsersAction) -> None:
    from nwn.app.cli.commands._common import add_cluster_options

    parser = subparsers.add_parser(
        "reservoir", help="reservoir computing: score a recording or a simulated network",
        description="Reservoir-computing tasks (memory capacity, NLT, NARMA, Mackey-Glass "
                    "one-step and closed-loop forecast, sin(x), waveform classification, "
                    "kernel and generalization rank) scored with a ridge readout; defaults "
                    "follow RCbench.")
    actions = parser.add_subparsers(dest="reservoir_command", metavar="ACTION",
                                    parser_class=type(parser))
    run = actions.add_parser(
        "run", help="simulate a scenario's [reservoir] protocol and score it",
        description="Drive the scenario's input electrodes with the task's input (sample and "
                    "hold), read the features once per sample and score the task. The "
                    "scenario needs a [reservoir] table (see the rc_memory_capacity preset).")
    run.add_argument("scenario", help="scenario TOML file or preset name")
    run.add_argument("-o", "--output", default=None,
                     help="write input, features, traces and score to this HDF5 file")
    run.add_argument("--recording", default=None, metavar="TXT",
                     help="also export the run in the INRiM / RCbench text format")
    run.add_argument("--samples", type=int, default=None,
                     help="scored input samples (default: reservoir.samples)")
    run.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_force(run)
    _task_options(run, required=False)
    _online_options(run)
    run.set_defaults(func=run_run)
    score = actions.add_parser(
        "score", help="score a recording (INRiM / RCbench text format)",
        description="Score a measured or exported recording: the input is the input pad's "
                    "voltage, the features the voltages of every other pad except the ground "
                    "pads (by default the pads whose current was measured).")
    score.add_argument("recording", help="recording file (Time[s] PAD_V[V] PAD_I[A] ...)")
    score.add_argument("--input-pad", required=True, help="label of the input pad (e.g. 8)")
    score.add_argument("--ground-pad", action="append", default=None, metavar="PAD",
                       help="a ground pad, left out of the features (repeat for several; "
                            "default: the other pads with a measured current)")
    _task_options(score)
    score.set_defaults(func=run_score)
    sweep = actions.add_parser(
        "sweep", help="score tasks across a varied key and seeds (Dask sweep)",
        description="Run the scenario's [reservoir] protocol for every member of a sweep "
                    "(every combination of the --vary lists times every seed, as `nwn "
                    "sweep`) and score each --task on it; prints the mean and spread over "
                    "seeds against the first varied key. Exit code 1 if any member failed.")
    sweep.add_argument("scenario", help="scenario TOML file or preset name")
    sweep.add_argument("--task", action="append", default=None, dest="tasks", metavar="TASK",
                       help="a task to score (repeat for several; default: reservoir.task)")
    sweep.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                       help="a key path and its values, e.g. reservoir.offset=1,2,3")
    sweep.add_argument("--zip", action="store_true",
                       help="pair the --vary lists (equal lengths) instead of combining them")
    sweep.add_argument("--seeds", type=int, help="seeds per combination (default: the "
                                                 "scenario's seed)")
    sweep.add_argument("--first-seed", type=int, default=0, help="first seed (default 0)")
    sweep.add_argument("--samples", type=int, default=None,
                       help="scored input samples (default: reservoir.samples)")
    sweep.add_argument("--max-delay", type=int, default=None,
                       help="memory capacity: largest delay (default 30)")
    sweep.add_argument("--alpha", default=None,
                       help="ridge regularization, a number or 'cv' (default 0.1)")
    _online_options(sweep)
    add_cluster_options(sweep)
    sweep.add_argument("-o", "--output", required=True, help="sweep results file (.h5)")
    sweep.add_argument("--json", action="store_true", help="print the summary as JSON")
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    sweep.set_defaults(func=run_sweep_command, train_fraction=None, target=None)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _task_options(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    from nwn.engine.reservoir.tasks import DEFAULT_MAX_DELAY, NLT_TARGETS

    default = "" if required else " (default: reservoir.task)"
    parser.add_argument("--task", required=required, help="task name (memory-capacity, nlt, "
                        "narma2, narma10, mackey-glass, sinx, waveform-classification, "
                        "kernel-rank; simulated networks only: mackey-glass-forecast, "
                        f"generalization-rank){default}")
    parser.add_argument("--max-delay", type=int, default=None,
                        help=f"memory capacity: largest delay (default {DEFAULT_MAX_DELAY})")
    parser.add_argument("--alpha", default=None,
                        help="ridge regularization, a number or 'cv' (forward-chaining "
                             "cross-validation on the training part; default 0.1)")
    parser.add_argument("--train-fraction", type=float, default=None,
                        help="chronological fraction of samples that trains (default 0.8)")
    parser.add_argument("--target", default=None, choices=NLT_TARGETS,
                        help="nlt: the target whose accuracy is the score (default square)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _online_options(parser: argparse.ArgumentParser) -> None:
    from nwn.app.models.tooltip_text import range_words
    from nwn.engine.reservoir.online import DEFAULT_STREAMS
    from nwn.engine.reservoir.tasks import DEFAULT_HORIZON, HORIZON_RANGE, STREAMS_RANGE

    parser.add_argument("--horizon", type=int, default=None,
                        help="mackey-glass-forecast: samples forecast in closed loop, "
                             f"{range_words(*HORIZON_RANGE)} (default {DEFAULT_HORIZON})")
    parser.add_argument("--streams", type=int, default=None,
                        help="generalization-rank: input streams driven from one state, "
                             f"{range_words(*STREAMS_RANGE)} (default {DEFAULT_STREAMS})")


def task_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The task options given on the command line (unset ones are left to the defaults);
    InputError naming the option when one is out of its range (before any simulation)."""
    from nwn.engine.reservoir.tasks import check_horizon, check_streams
    from nwn.geometry.checks import check_nonnegative

    horizon, streams = getattr(args, "horizon", None), getattr(args, "streams", None)
    settings: dict[str, Any] = {"max_delay": args.max_delay,
                                "train_fraction": args.train_fraction, "target": args.target,
                                "horizon": None if horizon is None else
                                check_horizon(horizon, "--horizon"),
                                "streams": None if streams is None else
                                check_streams(streams, "--streams")}
    if args.alpha is not None:
        settings["alpha"] = args.alpha if args.alpha == "cv" else \
            check_nonnegative("--alpha", args.alpha)
    return {k: v for k, v in settings.items() if v is not None}


def print_result(result: Any, as_json: bool) -> None:
    """Print a TaskResult as one JSON object or as a table."""
    data = result.to_dict()
    if as_json:
        print(json.dumps(data, default=float))
        return
    print(f"{'task':<16s} {result.task}")
    print(f"{'score':<16s} {result.score:.6g} ({result.metric})")
    for key, value in data.items():
        if key in ("task", "score", "metric", "per_delay"):
            continue
        if isinstance(value, float):
            value = f"{value:.6g}"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value) or "-"
        print(f"{key:<16s} {value}")
    if result.per_delay is not None:
        print("\n  tau  MC(tau)")
        for tau, value in enumerate(result.per_delay, start=1):
            print(f"  {tau:3d}  {value:.4f}")


def run_score(args: argparse.Namespace) -> int:
    from nwn.engine.reservoir import read_recording, score_recording
    from nwn.engine.reservoir.tasks import get_task

    get_task(args.task)  # an unknown task is refused before the file is read
    recording = read_recording(args.recording)
    result = score_recording(recording, args.task, args.input_pad, args.ground_pad,
                             **task_settings(args))
    print_result(result, args.json)
    return 0


def run_run(args: argparse.Namespace) -> int:
    """``nwn reservoir run``. Ctrl-C or SIGTERM before the outputs are written ends it with one
    line and nothing written; while they are written, they are finished first."""
    from nwn.app.cli import interrupts

    try:
        return _run_run(args)
    except KeyboardInterrupt as interrupt:
        outputs = " and ".join(p for p in (args.output, args.recording) if p is not None)
        end_bar = "\n" if not args.quiet and sys.stderr.isatty() else ""
        print(f"{end_bar}nwn: {interrupts.interrupt_word(interrupt)} during the reservoir "
              f"run; nothing was written"
              + (f" ({outputs}: written only once the run is scored)" if outputs else ""),
              file=sys.stderr)
        return interrupts.interrupt_code(interrupt)


def _run_run(args: argparse.Namespace) -> int:
    from nwn.app.cli.commands._common import resolve_scenario
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.reservoir.experiment import run_reservoir, write_reservoir_results
    from nwn.engine.reservoir.recordings import check_pad_labels, write_recording
    from nwn.engine.reservoir.tasks import get_task
    from nwn.geometry.checks import InputError, check_int

    if args.task is not None:
        get_task(args.task)
    if args.seed is not None:
        check_int("--seed", args.seed, minimum=0)
    if args.samples is not None:
        check_int("--samples", args.samples, minimum=2)
    scenario, text = resolve_scenario(args.scenario)
    if scenario.reservoir is None:
        raise InputError(f"scenario {args.scenario!r} has no [reservoir] table (see `nwn "
                         f"presets --show rc_memory_capacity`)")
    from nwn.engine.output_files import check_distinct

    checked_output(args.output, "results", args, inputs=(args.scenario,))
    checked_output(args.recording, "text", args, inputs=(args.scenario,),
                   option="--recording")
    check_distinct(args.output, args.recording)
    if args.recording is not None:
        check_pad_labels([e.name for e in scenario.electrodes])
    from nwn.app.cli import interrupts

    progress = None if args.quiet else ProgressBar("reservoir")
    run = run_reservoir(scenario, task=args.task, samples=args.samples, seed=args.seed,
                        settings=task_settings(args), progress=progress)
    # Both files or neither being cut short: a signal now only sets the flag, and
    # nwn.app.cli.main says, once they are written, that the command had finished.
    with interrupts.polled():
        if args.output is not None:
            write_reservoir_results(args.output, run, scenario_text=text)
        if args.recording is not None:
            write_recording(args.recording, run.sample_times, run.electrode_names,
                            run.electrode_voltage, run.electrode_current)
    print_result(run.result, args.json)
    if not args.quiet:
        written = [p for p in (args.output, args.recording) if p is not None]
        if written:
            print(f"wrote {' and '.join(written)}", file=sys.stderr)
    return 0


def sweep_summary(result: Any, tasks: list[str]) -> list[dict[str, Any]]:
    """Mean and standard deviation over seeds of each task's score, per value of the first
    varied key (or per case of a zipped sweep); a sweep over seeds alone, one row per seed
    (``key`` ``"seed"``: it used to be one row labelled ``case`` / ``None``)."""
    import numpy as np

    from nwn.engine.reservoir.sweeps import output_name

    data = result.dataset
    rows: list[dict[str, Any]] = []
    names = [output_name(t) for t in tasks]
    first = data[names[0]]
    key_dim = next((d for d in first.dims if d != "seed"), "seed")
    labels = data[key_dim].values.tolist()
    for index, label in enumerate(labels):
        row: dict[str, Any] = {"key": key_dim, "value": label}
        for task, name in zip(tasks, names, strict=True):
            values = data[name].isel({key_dim: index})
            values = np.asarray(values.values, dtype=np.float64).ravel()
            values = values[np.isfinite(values)]
            row[task] = float(values.mean()) if values.size else float("nan")
            row[f"{task}_std"] = float(values.std()) if values.size > 1 else 0.0
            row[f"{task}_n"] = int(values.size)
        rows.append(row)
    return rows


def _mean_std(rows: list[dict[str, Any]], task: str) -> str:
    """``mean +- std`` of one task's per-seed scores (the seeds that finished)."""
    import numpy as np

    values = np.array([row[task] for row in rows if row[f"{task}_n"]], dtype=np.float64)
    if not values.size:
        return f"{'nan':>18s} +- {'':<7s}"
    return f"{values.mean():>18.4f} +- {values.std() if values.size > 1 else 0.0:<7.4f}"


def run_sweep_command(args: argparse.Namespace) -> int:
    from nwn.app.cli.commands._common import cluster_arguments, resolve_scenario
    from nwn.app.cli.commands.sweep import run_until_signal, seeds_from, vary_pairs
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.output_files import check_output
    from nwn.engine.reservoir.sweeps import TaskRunner
    from nwn.geometry.checks import InputError, check_int

    # A sweep file is never overwritten: the same command continues it, another is refused.
    check_output(args.output, "results", inputs=(args.scenario,), force=True)
    scenario, _ = resolve_scenario(args.scenario)
    if scenario.reservoir is None:
        raise InputError(f"scenario {args.scenario!r} has no [reservoir] table (see `nwn "
                         f"presets --show rc_memory_capacity`)")
    tasks = args.tasks or [scenario.reservoir.task]
    samples = None if args.samples is None else check_int("--samples", args.samples,
                                                          minimum=2)
    runner = TaskRunner(tuple(tasks), task_settings(args), samples)
    bar = None if args.quiet else ProgressBar("sweep")
    result, code = run_until_signal(scenario, vary_pairs(args.vary),
                                    seeds_from(args, scenario.seed), zip=args.zip,
                                    output=args.output, runner=runner, progress=bar,
                                    **cluster_arguments(args))
    if code is not None:
        return code
    with result:
        failures = result.failures()
        for line in failures[:10]:
            print(f"nwn: {line}", file=sys.stderr)
        rows = sweep_summary(result, tasks) if result.n_done else []
    if args.json:
        print(json.dumps({"tasks": tasks, "rows": rows, "failed": len(failures)}))
    else:
        key = rows[0]["key"] if rows else "seed"
        print(f"{key:<24s}" + "".join(f"{t:>29s}" for t in tasks))
        for row in rows:
            cells = "".join(f"{row[t]:>18.4f} +- {row[t + '_std']:<7.4f}" for t in tasks)
            print(f"{str(row['value']):<24s}{cells}")
        if key == "seed" and len(rows) > 1:  # the spread over the seeds, below them
            cells = "".join(f"{_mean_std(rows, t)}" for t in tasks)
            print(f"{f'mean of {len(rows)} seeds':<24s}{cells}")
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 1 if failures else 0
