"""``nwn plot``: the standard trace figure of a results file as PNG or SVG, headless."""

from __future__ import annotations

import argparse
import sys

from nwn.app.cli.commands._common import add_force, checked_output


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plot", help="draw the trace figure of a results file (PNG/SVG)",
        description="Draw terminal voltages, currents and the two-terminal conductance G(t) "
                    "of a results file to a PNG or SVG figure; --csv also writes the traces. "
                    "For a sweep file (nwn sweep): the final (or --average: time-averaged) "
                    "conductance against the first varied key, mean and +-1 std over the "
                    "seeds, one line per value of the other keys.")
    parser.add_argument("results", help="results file (HDF5)")
    parser.add_argument("-o", "--output", required=True, help="figure file, .png or .svg")
    parser.add_argument("--log", action="store_true", help="logarithmic conductance axis")
    parser.add_argument("--width", type=int, default=1000, help="figure width, pixels (1000)")
    parser.add_argument("--height", type=int, default=900, help="figure height, pixels (900)")
    parser.add_argument("--csv", help="also write the terminal traces to this CSV file")
    parser.add_argument("--average", action="store_true",
                        help="sweep files: time-averaged instead of final conductance")
    add_force(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from nwn.app.render.export import figure_format, save_plot, trace_figure, write_traces_csv
    from nwn.app.render.offscreen import ensure_qapp
    from nwn.engine.output_files import check_distinct
    from nwn.engine.results import Results
    from nwn.geometry.checks import check_int

    figure_format(args.output)
    checked_output(args.output, "figure", args, inputs=(args.results,))
    checked_output(args.csv, "csv", args, inputs=(args.results,), option="--csv")
    check_distinct(args.output, args.csv)
    width = check_int("--width", args.width, minimum=64, maximum=16384)
    height = check_int("--height", args.height, minimum=64, maximum=16384)
    if _is_sweep(args.results):
        return _plot_sweep(args, width)
    from nwn.engine.output_files import atomic_paths

    with Results(args.results) as results:
        ensure_qapp()
        figure = trace_figure(results, log=args.log, size=(width, height))
        outputs = [args.output] + ([args.csv] if args.csv else [])
        try:
            # the figure and the CSV, both or neither (a failed CSV leaves no new figure)
            with atomic_paths(*outputs) as temps:
                save_plot(figure, temps[0], width=width)
                if args.csv:
                    write_traces_csv(temps[1], results)
        finally:
            figure.deleteLater()
    print(f"wrote {args.output}" + (f" and {args.csv}" if args.csv else ""), file=sys.stderr)
    return 0


def _is_sweep(path: str) -> bool:
    """Whether ``path`` is a sweep file (``nwn sweep``, ``nwn ensemble``)."""
    import h5py

    from nwn.engine.sweep.store import FORMAT

    try:
        with h5py.File(path, "r") as file:
            value = file.attrs.get("format", "")
    except OSError:
        return False  # not HDF5 at all: the results reader says so in its own words
    return (value.decode() if isinstance(value, bytes) else str(value)) == FORMAT


def _plot_sweep(args: argparse.Namespace, width: int) -> int:
    from nwn.app.render.sweep_figures import write_sweep_figure
    from nwn.engine.sweep import open_sweep
    from nwn.geometry.checks import InputError

    if args.csv:
        raise InputError("--csv applies to results of one run, not to a sweep file")
    with open_sweep(args.results) as result:
        write_sweep_figure(args.output, result, reduce="mean" if args.average else "final",
                           width=width)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0
