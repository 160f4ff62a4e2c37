"""``nwn plot``: the standard trace figure of a results file as PNG or SVG, headless."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot", help="draw the trace figure of a results file (PNG/SVG)",
        description="Draw terminal voltages, currents and the two-terminal conductance G(t) "
                    "of a results file to a PNG or SVG figure; --csv also writes the traces.")
    parser.add_argument("results", help="results file (HDF5)")
    parser.add_argument("-o", "--output", required=True, help="figure file, .png or .svg")
    parser.add_argument("--log", action="store_true", help="logarithmic conductance axis")
    parser.add_argument("--width", type=int, default=1000, help="figure width, pixels (1000)")
    parser.add_argument("--height", type=int, default=900, help="figure height, pixels (900)")
    parser.add_argument("--csv", help="also write the terminal traces to this CSV file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nwn.app.render.export import figure_format, save_plot, trace_figure, write_traces_csv
    from nwn.app.render.offscreen import ensure_qapp
    from nwn.engine.results import Results
    from nwn.geometry.checks import check_int

    figure_format(args.output)
    width = check_int("--width", args.width, minimum=64, maximum=16384)
    height = check_int("--height", args.height, minimum=64, maximum=16384)
    with Results(args.results) as results:
        ensure_qapp()
        figure = trace_figure(results, log=args.log, size=(width, height))
        try:
            save_plot(figure, args.output, width=width)
        finally:
            figure.deleteLater()
        if args.csv:
            write_traces_csv(args.csv, results)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
