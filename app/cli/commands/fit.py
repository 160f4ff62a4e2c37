"""``nwn fit TRACE -o REPORT_DIR``: fit the lumped law to a trace and measure its noise and jumps.

Writes ``REPORT_DIR/fit.json`` (parameters with uncertainties, RMS relative error and the
stochastic measures) and PNG figures (trace with fit, residuals, increment histogram, PSD,
drift against state), and prints a short summary.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nwn.app.cli.commands._common import add_force, checked_report_folder
from nwn.geometry.checks import InputError, check_positive

__all__ = ["register", "run"]


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``fit`` parser to ``subparsers`` and return it."""
    parser = subparsers.add_parser(
        "fit", help="fit the lumped law to a conductance trace and analyse its noise and jumps",
        description="Fit the lumped law to a trace and measure its noise and jumps: writes "
                    "REPORT_DIR/fit.json (parameters with uncertainties, RMS relative error, "
                    "the stochastic measures) and PNG figures (trace with fit, residuals, "
                    "increment histogram, PSD, drift against state).")
    parser.add_argument("trace", metavar="TRACE",
                        help="text trace (columns t, I, V[, R, G]) or nwn HDF5 result")
    parser.add_argument("-o", "--output", required=True, metavar="REPORT_DIR",
                        help="directory for fit.json and the PNG figures")
    parser.add_argument("--columns", default=None,
                        help="roles of the text columns, e.g. t,I,V or t,-,V,G (- skips one)")
    parser.add_argument("--electrodes", default=None, metavar="A,B",
                        help="HDF5 only: the two electrodes across which V is taken")
    parser.add_argument("--model", choices=("single", "parallel"), default="single",
                        help="published single-element law (default) or two in parallel")
    parser.add_argument("--initial-state", choices=("fit", "data"), default="fit",
                        help="fit G0 (default) or pin it to the first sample")
    parser.add_argument("--starts", type=int, default=12, help="starting points (default 12)")
    parser.add_argument("--threshold", type=float, default=5.0,
                        help="jump threshold in multiples of the local noise (default 5)")
    parser.add_argument("--no-stochastic", action="store_true",
                        help="skip the noise/jump analysis")
    parser.add_argument("--no-figures", action="store_true", help="write fit.json only")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar (the starting points done)")
    add_force(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the fit described by ``args``; return the exit code.

    Ctrl-C or SIGTERM before the report is written ends the command with one line and
    nothing written; while it is written, it is finished first (all the files or none)."""
    from nwn.app.cli import interrupts

    try:
        return _fit(args)
    except KeyboardInterrupt as interrupt:
        print(f"nwn: {interrupts.interrupt_word(interrupt)} while fitting; nothing was "
              f"written (the report in {args.output} is written once the fit is done)",
              file=sys.stderr)
        return interrupts.interrupt_code(interrupt)


def _fit(args: argparse.Namespace) -> int:
    from nwn.engine.analysis.fit import fit_deterministic
    from nwn.engine.analysis.residuals import analyze_residuals
    from nwn.engine.analysis.traces import read_trace

    electrodes = None
    if getattr(args, "electrodes", None):
        electrodes = [name.strip() for name in args.electrodes.split(",")]
        if len(electrodes) != 2:
            raise InputError(f"--electrodes must name two electrodes (got {args.electrodes!r})")
    threshold = check_positive("--threshold", getattr(args, "threshold", 5.0))
    from nwn.app.render.report_figures import report_files

    figures = not getattr(args, "no_figures", False)
    output = checked_report_folder(args.output, report_files(figures=figures), args,
                                   inputs=(args.trace,))
    trace = read_trace(args.trace, columns=getattr(args, "columns", None), electrodes=electrodes)
    from nwn.app.cli.progress import ProgressBar

    fit = fit_deterministic(trace, model=getattr(args, "model", "single"),
                            initial_state=getattr(args, "initial_state", "fit"),
                            n_starts=getattr(args, "starts", 12),
                            report=None if getattr(args, "quiet", False)
                            else ProgressBar("fitting (starts)").count)
    stochastic = None
    if not getattr(args, "no_stochastic", False):
        stochastic = analyze_residuals(fit, threshold=threshold)
    from nwn.app.cli import interrupts
    from nwn.app.render.report_figures import write_fit_report

    # All the report or none of it: a signal now only sets the flag, and nwn.app.cli.main
    # says, once the files are in place, that the command had finished.
    with interrupts.polled():
        written = write_fit_report(output, fit, stochastic, figures=figures)
    print(_summary(fit, stochastic, output, len(written) - 1))
    return 0


def _summary(fit, stochastic, output: Path, n_figures: int) -> str:
    lines = [f"{fit.source}: {fit.t.size} samples, {fit.model} model, RMS relative error "
             f"{100 * fit.rms_relative_error:.2f} % (max {100 * fit.max_relative_error:.1f} %)"]
    from nwn.engine.analysis.fit import unidentified

    loose = unidentified(fit)
    for name, value in fit.parameters.items():
        std = fit.uncertainties[name]
        flag = " (at bound)" if name in fit.at_bound else ""
        flag = " (pinned)" if name not in fit.free else flag
        flag = " (not determined by this trace: +/- exceeds the value)" if name in loose \
            else flag
        lines.append(f"  {name:8s} = {value:.5g} +/- {std:.2g}{flag}")
    if stochastic is not None:
        law = stochastic.power_law
        lines.append(f"  noise sigma = {stochastic.sigma:.3g} S/s^0.5; "
                     f"{stochastic.jump_times.size} jumps, rate {stochastic.rate:.3g} /s "
                     f"[{stochastic.rate_low:.3g}, {stochastic.rate_high:.3g}]"
                     + ("" if law is None else f", size exponent {law.alpha:.2f} "
                        f"[{law.low:.2f}, {law.high:.2f}]"))
    lines.append(f"wrote {output / 'fit.json'} and {n_figures} figures")
    return "\n".join(lines)
