"""``nwn sweep``: one scenario over lists of values and seeds, on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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


def run(args: argparse.Namespace) -> int:
    from nwn.app.cli.commands._common import cluster_arguments, resolve_scenario
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.output_files import check_output
    from nwn.engine.runner import override
    from nwn.engine.sweep import run_sweep
    from nwn.engine.sweep.store import partial_path
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
    try:
        result = run_sweep(scenario, vary_pairs(args.vary), seeds_from(args, scenario.seed),
                           zip=args.zip, reseed=args.reseed,
                           output=args.output, **cluster_arguments(args),
                           outputs=outputs, progress=bar)
    except KeyboardInterrupt:
        kept = Path(args.output) if Path(args.output).exists() else partial_path(args.output)
        print(f"\nnwn: interrupted; {kept} keeps every finished member: run the same "
              f"command again to continue", file=sys.stderr)
        return 130
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
