"""``nwn ensemble``: one scenario over K seeds, mean and spread of G(t)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ensemble", help="run a scenario over K seeds; mean and spread of G(t)",
        description="Run the scenario once per seed and write every two-terminal trace with "
                    "the ensemble mean and standard deviation to HDF5, plus a PNG figure.")
    parser.add_argument("scenario", help="scenario TOML file or preset name")
    parser.add_argument("--seeds", type=int, default=8, help="number of members (seeds 0..K-1)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed")
    parser.add_argument("--vary", choices=("dynamics", "all"), default="dynamics",
                        help="dynamics: same device, new junction noise; all: new devices too")
    parser.add_argument("--duration", type=float, help="override run.duration (s)")
    parser.add_argument("-o", "--output", required=True, help="results file (.h5)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    import h5py

    from nwn.app.cli.commands._common import resolve_scenario
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.ensemble import run_ensemble
    from nwn.geometry.checks import check_int, check_positive

    scenario, text = resolve_scenario(args.scenario)
    count = check_int("--seeds", args.seeds, minimum=1, maximum=100_000)
    first = check_int("--first-seed", args.first_seed, minimum=0)
    if args.duration is not None:
        scenario = dataclasses.replace(scenario, run=dataclasses.replace(
            scenario.run, duration=check_positive("--duration", args.duration)))
    output = Path(args.output)
    bar = None if args.quiet else ProgressBar("ensemble")
    progress = bar
    result = run_ensemble(scenario, range(first, first + count), vary=args.vary,
                          progress=progress)
    output.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(output, "w") as file:
        file.attrs["scenario"] = text
        file.attrs["vary"] = result.vary
        file.create_dataset("seeds", data=result.seeds)
        file.create_dataset("t", data=result.t).attrs["units"] = "s"
        file.create_dataset("conductance", data=result.conductance).attrs["units"] = "S"
        file.create_dataset("mean", data=result.mean).attrs["units"] = "S"
        file.create_dataset("std", data=result.std).attrs["units"] = "S"
        file.create_dataset("terminal_current",
                            data=result.terminal_current).attrs["units"] = "A"
    from nwn.app.render.bridge_figures import write_ensemble_figure

    figure = write_ensemble_figure(output.with_suffix(".png"), result)
    final = result.conductance[:, -1]
    print(f"{count} members: final G = {final.mean():.4g} +- {final.std():.2g} S "
          f"(mean +- std); wrote {output} and {figure}", file=sys.stderr)
    return 0
