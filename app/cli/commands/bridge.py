"""``nwn bridge``: recover the lumped stochastic law from a simulated agent network."""

from __future__ import annotations

import argparse
import json
import sys

from nwn.app.cli.commands._common import add_force, checked_report_folder, write_text


def register(subparsers: argparse._SubParsersAction) -> None:
    from nwn.app.cli.commands._common import add_cluster_options

    parser = subparsers.add_parser(
        "bridge", help="hold the network at several voltages and fit the lumped OU law",
        description="Drive the scenario's network at each constant voltage (then a read "
                    "relaxation; the holds are a sweep over the voltage, on an embedded Dask "
                    "cluster unless told otherwise), fit theta(V), the attractor g~(V), the "
                    "noise and the jumps on each two-terminal trace, and recover the lumped "
                    "law of Milano et al. 2025. Writes bridge.json and PNG figures.")
    parser.add_argument("scenario", help="scenario TOML file or preset name, e.g. bridge_filament")
    parser.add_argument("--voltages", default="4,6,8,10,12,14",
                        help="comma-separated hold voltages in V (default: %(default)s)")
    parser.add_argument("--hold", type=float, default=20.0, help="hold duration in s")
    parser.add_argument("--relax", type=float, default=10.0, help="read relaxation in s")
    parser.add_argument("--read", type=float, default=0.01, help="read voltage in V")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--threshold", type=float, default=5.0,
                        help="jump threshold in multiples of the local noise")
    add_cluster_options(parser)
    parser.add_argument("-o", "--output", required=True, help="report folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_force(parser)
    parser.set_defaults(func=run)


def _voltages(text: str) -> list[float]:
    from nwn.engine import limits
    from nwn.geometry.checks import InputError

    try:
        voltages = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InputError(f"--voltages must be comma-separated numbers (got {text!r})") from None
    # named here: the holds' waveform would name its segments instead of the option
    limits.check_levels("--voltages", voltages, "voltage")
    return voltages


def run(args: argparse.Namespace) -> int:
    from nwn.app.cli.commands._common import cluster_arguments, resolve_scenario
    from nwn.app.cli.progress import ProgressBar
    from nwn.engine.analysis.bridge import run_bridge

    scenario, _ = resolve_scenario(args.scenario)
    voltages = _voltages(args.voltages)
    from nwn.engine.analysis.bridge import check_protocol

    # named here, as typed: run_bridge checks the same under its own argument names
    check_protocol(scenario.run.dt, args.hold, args.relax, args.threshold,
                   names={"hold": "--hold", "relax": "--relax", "threshold": "--threshold"})
    from nwn.engine import limits

    limits.check_level("--read", args.read, "voltage")
    from nwn.app.render.bridge_figures import BRIDGE_FIGURES

    output = checked_report_folder(args.output, ("bridge.json", *BRIDGE_FIGURES), args,
                                   inputs=(args.scenario,))
    bar = None if args.quiet else ProgressBar("bridge")
    progress = bar
    result = run_bridge(scenario, voltages, hold=args.hold, relax=args.relax,
                        read_voltage=args.read, seed=args.seed, threshold=args.threshold,
                        progress=progress, **cluster_arguments(args))
    output.mkdir(parents=True, exist_ok=True)
    write_text(output / "bridge.json", json.dumps(result.to_dict(), indent=2, default=float))
    from nwn.app.render.bridge_figures import write_bridge_figures

    figures = write_bridge_figures(output, result)
    print(f"{'V':>6} {'tau (s)':>9} {'G_ss (S)':>11} {'g~':>7} {'sigma':>9} {'jumps/s':>8}")
    for level in result.levels:
        print(f"{level.voltage:6.3g} {level.tau:9.3g} {level.g_steady:11.4g} "
              f"{level.attractor:7.3f} {level.sigma:9.3g} {level.jump_rate:8.3g}")
    law = result.lumped
    print(f"lumped law: kp0 = {law['kp0']:.3g} /s, eta_p = {law['eta_p']:.3g} /V, "
          f"kd0 = {law['kd0']:.3g} /s, eta_d = {law['eta_d']:.3g} /V")
    print(f"wrote {output / 'bridge.json'} and {len(figures)} figures", file=sys.stderr)
    return 0
