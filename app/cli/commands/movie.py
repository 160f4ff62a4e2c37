"""``nwn movie``: render a results file (or a scenario's deposition) to MP4 or GIF, headless."""

from __future__ import annotations

import argparse
import sys

from nwn.app.cli.commands._common import add_force, checked_output
from nwn.app.models.palette import COLOR_MODES, DEFAULT_COLOR_MODE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "movie", help="render a results file or a deposition to an MP4/GIF movie",
        description="Render the recorded network states of a results file to a movie (.mp4 or "
                    ".gif), drawn as the app draws them; with --deposition, a movie of a "
                    "scenario's film forming batch by batch up to and past percolation.")
    parser.add_argument("source", help="results file (HDF5), or with --deposition a scenario "
                                       "TOML file or preset name")
    parser.add_argument("-o", "--output", required=True, help="movie file, .mp4 or .gif")
    parser.add_argument("--deposition", action="store_true",
                        help="SOURCE is a scenario: show its deposition")
    parser.add_argument("--fps", type=float, default=30.0, help="frames per second (30)")
    parser.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT pixels (1280x720)")
    parser.add_argument("--speed", type=float,
                        help="simulated seconds per movie second (default: every recorded "
                             "state once, at most 10 s of movie)")
    parser.add_argument("--start", type=float, help="first simulated time (s)")
    parser.add_argument("--end", type=float, help="last simulated time (s)")
    parser.add_argument("--color", default=DEFAULT_COLOR_MODE,
                        metavar="{" + ",".join(COLOR_MODES) + "}",
                        help="what the network is coloured by (default: %(default)s)")
    parser.add_argument("--log", action="store_true", default=None,
                        help="logarithmic colour scale")
    parser.add_argument("--trace", nargs="?", const="conductance", default=None,
                        help="side panel with the conductance (default) or current trace")
    parser.add_argument("--no-time", action="store_true", help="hide the simulated time")
    parser.add_argument("--no-scale-bar", action="store_true", help="hide the scale bar")
    parser.add_argument("--no-colorbar", action="store_true", help="hide the colour bar")
    parser.add_argument("--no-names", action="store_true", help="hide electrode names")
    parser.add_argument("--duration", type=float, default=8.0,
                        help="with --deposition: movie seconds of deposition (8)")
    parser.add_argument("--until", default="all",
                        help="with --deposition: all | percolation (all)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_force(parser)
    parser.set_defaults(func=run)


#: how messages name the movie's settings: as the options this command takes them
OPTION_NAMES = {name: "--" + name.replace("_", "-")
                for name in ("fps", "size", "speed", "start", "end", "color", "trace",
                             "duration", "until")}


def options_from(args: argparse.Namespace):
    """:class:`MovieOptions` from parsed arguments (validated; a refusal names the option)."""
    from nwn.app.render.movie import MovieOptions, movie_format, parse_size

    return MovieOptions(
        fps=args.fps, size=parse_size(args.size, name="--size"), speed=args.speed,
        start=args.start, end=args.end, color=args.color, log=args.log, trace=args.trace,
        show_time=not args.no_time, show_scale_bar=not args.no_scale_bar,
        show_colorbar=not args.no_colorbar, show_names=not args.no_names, names=OPTION_NAMES,
    ).checked(fmt=movie_format(args.output, name="-o"))


def run(args: argparse.Namespace) -> int:
    from nwn.app.cli.progress import ProgressBar
    from nwn.app.render.movie import ExportCancelled, deposition_movie, write_movie
    from nwn.app.render.offscreen import ensure_qapp
    from nwn.engine.results import Results

    options = options_from(args)
    output = checked_output(args.output, "movie", args, inputs=(args.source,))
    ensure_qapp()
    progress = None if args.quiet else ProgressBar("rendering frames").count

    from nwn.app.cli import interrupts

    if args.deposition:
        from nwn.app.cli.commands._common import resolve_scenario

        scenario, _ = resolve_scenario(args.source)
    # From here on a signal only sets a flag, checked before every frame: the export then
    # stops and deletes its partial file as ordinary code (no exception cuts that short).
    with interrupts.polled() as stop:
        try:
            if args.deposition:
                deposition_movie(scenario, output, options, duration=args.duration,
                                 until=args.until, progress=progress, cancel=stop)
            else:
                with Results(args.source) as results:
                    write_movie(results, output, options, progress=progress, cancel=stop)
        except ExportCancelled:
            print(f"nwn: {interrupts.requested_word()}; {output} was not written",
                  file=sys.stderr)
            return interrupts.requested_code()
    if not args.quiet:
        print(f"wrote {output}", file=sys.stderr)
    return 0
