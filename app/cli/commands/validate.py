"""``nwn validate``: check a scenario completely without running it."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check a scenario (keys, values, geometry) without running it",
        description="Check a scenario file: every key and value, then build the network "
                    "and check that the electrodes touch wires and are connected.")
    parser.add_argument("scenario", help="scenario TOML file or preset name")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nwn.app.cli.commands._common import scenario_of
    from nwn.engine.build import build_simulation

    scenario, _ = scenario_of(args)  # the overrides checked as nwn run checks them
    simulation = build_simulation(scenario)
    network = simulation.network
    wires = network.wires
    box = scenario.network.box
    lengths = wires.lengths
    nl2 = len(wires) / (box[0] * box[1]) * float(lengths.mean()) ** 2
    print(f"{scenario.name or args.scenario}: valid")
    print(f"  wires {len(wires)}, junctions {network.n_junctions}, "
          f"n*l^2 = {nl2:.3g} (spanning threshold ~5.64)")
    print(f"  graph {network.mode}: {network.n_nodes} nodes, {network.n_edges} edges")
    print("  " + simulation.solver.report().replace("\n", "\n  "))
    steps = scenario.run.n_steps
    print(f"  run: {steps} steps of dt = {scenario.run.dt:g} s "
          f"({scenario.run.duration:g} s), model {scenario.junction.model}")
    return 0
