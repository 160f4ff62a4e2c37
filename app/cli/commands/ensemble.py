"""``nwn ensemble``: one scenario over K seeds, mean and spread of G(t).

The seeds-only case of ``nwn sweep``: same cluster options, same (resumable) file layout.
"""

from __future__ import annotations

import argparse
import sys

from nwn.app.cli.commands._common import add_force


def register(subparsers: argparse._SubParsersAction) -> None:
    from nwn.app.cli.commands._common import add_cluster_options

    parser = subparsers.add_parser(
        "ensemble", help="run a scenario over K seeds; mean and spread of G(t)",
        description="Run the scenario once per seed (the seeds-only case of nwn sweep, on the "
                    "same Dask cluster options) and write every member's traces to one sweep "
                    "file, plus a PNG figure of the ensemble mean and standard deviation.")
    parser.add_argument("scenario", help="scenario TOML file or preset name")
    parser.add_argument("--seeds", type=int, default=8, help="number of members (seeds 0..K-1)")
    parser.add_argument("--first-seed", type=int, default=0, help="first seed")
    parser.add_argument("--vary", choices=("dynamics", "all"), default="dynamics",
                        help="dynamics: same device, new junction noise; all: new devices too")
    parser.add_argument("--duration", type=float, help="override run.duration (s)")
    add_cluster_options(parser)
    parser.add_argument("-o", "--output", required=True, help="results file (.h5)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_force(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from nwn.app.cli.commands._common import cluster_arguments, resolve_scenario
    from nwn.app.cli.commands.sweep import run_until_signal, seeds_from
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.ensemble import EnsembleResult
    from nwn.engine.runner import override
    from nwn.geometry.checks import check_positive

    scenario, text = resolve_scenario(args.scenario)
    seeds = seeds_from(args, scenario.seed)
    if args.duration is not None:
        check_positive("--duration", args.duration)
    scenario, _ = override(scenario, text, duration=args.duration)  # as `nwn run --duration`
    from nwn.engine.output_files import check_output
    from nwn.engine.sweep.store import partial_path

    # The sweep file itself is never overwritten (running again continues it, see nwn
    # sweep). The figure next to it is redrawn when the same ensemble runs again (the store
    # refuses a different one before anything is drawn); a figure that is not the figure of
    # this ensemble's file is replaced only with --force.
    output = check_output(args.output, "results", inputs=(args.scenario,), force=True)
    again = output.exists() or partial_path(output).exists()
    figure_path = check_output(output.with_suffix(".png"), "figure", inputs=(args.scenario,),
                               force=args.force or again, option="the figure")
    bar = None if args.quiet else ProgressBar("ensemble")
    done, code = run_until_signal(scenario, None, seeds, reseed=args.vary, output=output,
                                  progress=bar, **cluster_arguments(args))
    if code is not None:
        return code  # no figure: the ensemble is not complete
    with done as sweep:
        failures = sweep.failures()
        for line in failures[:10]:
            print(f"nwn: {line}", file=sys.stderr)
        result = EnsembleResult.from_sweep(sweep.load())
        path = sweep.path
    from nwn.app.cli import interrupts
    from nwn.app.render.bridge_figures import write_ensemble_figure

    with interrupts.polled():  # a signal now: the figure is finished, then main says so
        figure = write_ensemble_figure(figure_path, result)
    final = result.conductance[:, -1]
    print(f"{len(seeds)} members ({len(failures)} failed): final G = {np.nanmean(final):.4g} "
          f"+- {np.nanstd(final):.2g} S (mean +- std); wrote {path} and {figure}",
          file=sys.stderr)
    return 1 if failures else 0
