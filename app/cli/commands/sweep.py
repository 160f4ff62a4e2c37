"""``nwn sweep``: one scenario over lists of values and seeds, on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    from nwn.app.cli.commands._common import add_cluster_options

    parser = subparsers.add_parser(
        "sweep", help="run a scenario over lists of values and seeds (Dask), into one file",
        description="Run the scenario once per member: every combination of the --vary lists "
                    "(or the lists side by side with --zip) times every seed, on an embedded "
                    "Dask cluster (one process per core) or on the cluster at --scheduler. "
                    "Members stream into one HDF5 file that xarray opens with the sweep's "
                    "dimensions; running the same command again continues an interrupted "
                    "sweep. Exit code 1 if any member failed.")
    parser.add_argument("scenario", help="scenario TOML file or preset name")
    parser.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="a key path of the scenario and its values, e.g. "
                             "junction.params.eta_p=5,10,20 (repeat for more keys)")
    parser.add_argument("--zip", action="store_true",
                        help="pair the --vary lists (equal lengths) instead of combining them")
    parser.add_argument("--seeds", type=int,
                        help="seeds per combination: S, S+1, ..., S+K-1 (default: the "
                             "scenario's own seed)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed S (default 0)")
    parser.add_argument("--reseed", choices=("all", "dynamics"), default="all",
                        help="all: the seed draws new wires and junction noise (as nwn run "
                             "--seed); dynamics: same wires, new junction noise")
    add_cluster_options(parser)
    parser.add_argument("--duration", type=float, help="override run.duration (s)")
    parser.add_argument("--output-state", action="append", default=[],
                        metavar="junctions|nodes|fit",
                        help="also keep final junction states (junctions), node voltages "
                             "every run.snapshot_every steps (nodes) or the fitted lumped "
                             "law (fit); comma-separated or repeated")
    parser.add_argument("-o", "--output", required=True, help="results file (.h5)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def vary_pairs(items: list[str]) -> list[tuple[str, list]]:
    """``["KEY=V1,V2", ...]`` as (key, values) pairs, in order (a key given twice stays twice
    so that the sweep can refuse it)."""
    from nwn.engine.sweep import parse_values
    from nwn.geometry.checks import InputError

    pairs = []
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--vary must be KEY=V1,V2,... such as "
                             f"junction.params.eta_p=5,10 (got {item!r})")
        pairs.append((key.strip(), parse_values(key.strip(), text)))
    return pairs


def seeds_from(args: argparse.Namespace, default: int) -> list[int]:
    """``--seeds K --first-seed S`` as the seeds S .. S+K-1 (the scenario's seed if no K)."""
    from nwn.engine.sweep import MAX_MEMBERS
    from nwn.geometry.checks import check_int

    first = check_int("--first-seed", args.first_seed, minimum=0)
    if args.seeds is None:
        return [default]
    count = check_int("--seeds", args.seeds, minimum=1, maximum=MAX_MEMBERS)
    return list(range(first, first + count))


def run_until_signal(scenario: Any, *args: Any, output: str | Path, **options: Any
                     ) -> tuple[Any, int | None]:
    """:func:`nwn.engine.sweep.run_sweep`, ended between members by Ctrl-C or SIGTERM.

    Inside, a signal only sets the flag of :mod:`nwn.app.cli.interrupts`, which the sweep polls:
    members running are cancelled and stay pending, the file is closed with every finished
    member in it (under its ``.part`` name), and running the same command again continues it.
    A ``.part`` file that holds no finished member (the signal came while the cluster was
    starting, or during the first members) holds nothing worth keeping: it is removed, and
    the line says that nothing was kept (the same command starts the sweep afresh). This is
    the one place that decides it, for ``nwn sweep``, ``nwn ensemble`` and ``nwn reservoir
    sweep`` alike.

    Returns
    -------
    (SweepResult or None, int or None)
        The result and None when the sweep ran to its end (a signal after its last member
        included: :func:`nwn.app.cli.main.main` then reports it); else None and the exit code
        (130, 143 for SIGTERM), the one line saying what was kept printed.
    """
    from nwn.app.cli import interrupts
    from nwn.engine.sweep import run_sweep

    end_bar = "\n" if options.get("progress") is not None and sys.stderr.isatty() else ""
    try:
        with interrupts.polled() as stop:
            result = run_sweep(scenario, *args, output=output, should_stop=stop, **options)
    except KeyboardInterrupt as interrupt:  # raised by a caller's own handler
        word, code = interrupts.interrupt_word(interrupt), interrupts.interrupt_code(interrupt)
    else:
        if not (stop() and not result.complete):
            return result, None
        word, code = interrupts.requested_word(), interrupts.requested_code()
    print(f"{end_bar}nwn: {word}{_what_was_kept(output)}", file=sys.stderr)
    return None, code


def _what_was_kept(output: str | Path) -> str:
    """The end of the line of an interrupted sweep: what its ``.part`` file keeps, or that
    nothing was kept (a ``.part`` file without a finished member is removed)."""
    from nwn.engine.sweep.result import SweepResult
    from nwn.engine.sweep.store import partial_path

    part = partial_path(output)
    if not part.exists():
        if Path(output).exists():  # the signal came as the last member was written
            return f"; {output} holds the complete sweep"
        return _NOTHING_KEPT
    try:
        with SweepResult(part) as result:
            finished, failed = result.n_done + result.n_failed, result.n_failed
            total = result.definition.n_members
    except ValueError:  # cut short in a flush (a second signal cannot do that): left alone
        return f"; {part} keeps every finished member: run the same command again to continue"
    if not finished:
        part.unlink()
        return _NOTHING_KEPT
    return (f"; {part} keeps the {finished} of {total} members finished ({failed} failed): "
            f"run the same command again to continue")


_NOTHING_KEPT = (" before any member finished; nothing was kept (run the same command again "
                 "to start the sweep)")


def run(args: argparse.Namespace) -> int:
    from nwn.app.cli.commands._common import cluster_arguments, resolve_scenario
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.output_files import check_output
    from nwn.engine.runner import override
    from nwn.geometry.checks import check_positive

    # A sweep file is never overwritten: the same command continues it, another is refused.
    check_output(args.output, "results", inputs=(args.scenario,), force=True)
    scenario, text = resolve_scenario(args.scenario)
    if args.duration is not None:
        check_positive("--duration", args.duration)
    scenario, _ = override(scenario, text, duration=args.duration)  # as `nwn run --duration`
    outputs = ["trace"] + [name.strip() for text in args.output_state
                           for name in text.split(",") if name.strip()]
    bar = None if args.quiet else ProgressBar("sweep")
    result, code = run_until_signal(scenario, vary_pairs(args.vary),
                                    seeds_from(args, scenario.seed), zip=args.zip,
                                    reseed=args.reseed, output=args.output,
                                    **cluster_arguments(args), outputs=outputs, progress=bar)
    if code is not None:
        return code
    with result:
        failures = result.failures()
        total = result.definition.n_members
        for line in failures[:10]:
            print(f"nwn: {line}", file=sys.stderr)
        if len(failures) > 10:
            print(f"nwn: ... and {len(failures) - 10} more failed members", file=sys.stderr)
        print(f"wrote {result.path}: {result.n_done} of {total} members done, "
              f"{len(failures)} failed", file=sys.stderr)
    return 1 if failures else 0
