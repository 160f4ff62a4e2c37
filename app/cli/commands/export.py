"""``nwn export``: the network of a scenario or a results file for circuit and graph tools."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write the network as a SPICE netlist, GraphML or an mnns wire file",
        description="Export the network of a scenario (its initial state) or of a results "
                    "file (at --time) as a SPICE netlist (junctions, wire segments and "
                    "contacts as resistors, electrodes as sources), a GraphML graph, or "
                    "MemNNetSim's wire text file.")
    parser.add_argument("source", help="scenario TOML file, preset name, or results .h5 file")
    parser.add_argument("--spice", metavar="FILE",
                        help="write a SPICE netlist here (.cir, .sp, .spice or .net)")
    parser.add_argument("--graphml", metavar="FILE",
                        help="write a GraphML graph here (.graphml or .xml)")
    parser.add_argument("--mnns", metavar="FILE",
                        help="write the wires and two line electrodes in mnns's text format "
                             "(.txt or .dat)")
    parser.add_argument("--time", type=float, default=0.0,
                        help="instant of a results file (s; the latest recorded junction row "
                             "at or before it); default 0")
    parser.add_argument("--seed", type=int, help="override a scenario's seed")
    parser.add_argument("--force", "--overwrite", dest="force", action="store_true",
                        help="replace existing output files (never the command's inputs)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nwn.engine import spice
    from nwn.geometry.checks import InputError

    if not (args.spice or args.graphml or args.mnns):
        raise InputError("export needs at least one of --spice, --graphml, --mnns")
    from nwn.app.cli.commands._common import checked_output
    from nwn.engine.output_files import atomic_path, check_distinct

    for option, name in (("--spice", args.spice), ("--graphml", args.graphml),
                         ("--mnns", args.mnns)):
        # each output's extension says its format, as for every other output of nwn
        checked_output(name, option[2:], args, inputs=(args.source,), option=option)
    check_distinct(args.spice, args.graphml, args.mnns)
    path = Path(args.source)
    if path.suffix.lower() in (".h5", ".hdf5"):
        from nwn.engine.results import load_results

        if args.seed is not None:
            raise InputError("--seed applies to scenarios, not to results files")
        from nwn.geometry.checks import check_nonnegative

        check_nonnegative("--time", args.time)  # (-1 and nan were taken as the first row)
        with load_results(path) as results:
            network, conductance, sources, t = spice.results_instant(results, args.time)
    else:
        from nwn.app.cli.commands._common import resolve_scenario
        from nwn.engine.build import build_simulation

        if args.time != 0.0:
            raise InputError(f"--time applies to results files; a scenario is exported at its "
                             f"initial state (got --time {args.time:g})")
        scenario, _ = resolve_scenario(args.source)
        simulation = build_simulation(scenario, seed=args.seed)
        network, conductance, sources = spice.simulation_instant(simulation)
        t = 0.0
    if args.mnns:
        from nwn.geometry.electrodes import Electrode
        from nwn.geometry.wire_io import save_mnns_txt

        if network.wires is None:
            raise InputError(f"{args.source!r} holds no wires to write")
        named = [Electrode(e.name, e.shape) for e in network.electrodes]
        with atomic_path(args.mnns) as temp:  # replaces the target only once complete
            save_mnns_txt(temp, network.wires, named, overwrite=True)
        print(f"mnns wire file: {args.mnns}")
    if args.spice:
        with atomic_path(args.spice) as temp:
            spice.write_spice(temp, network, conductance, sources, overwrite=True,
                              title=f"nwn-studio network of {path.name} at t = {t:g} s")
        print(f"SPICE netlist: {args.spice} (t = {t:g} s)")
    if args.graphml:
        from nwn.geometry.graph_export import write_graphml

        with atomic_path(args.graphml) as temp:
            write_graphml(temp, network, conductance, overwrite=True)
        print(f"GraphML: {args.graphml} (t = {t:g} s)")
    return 0
