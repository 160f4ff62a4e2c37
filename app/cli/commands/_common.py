"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path

# Scenarios are resolved where scripts resolve them (file, preset name or TOML text).
from nwn.engine.runner import resolve_scenario

__all__ = ["add_cluster_options", "add_force", "checked_output", "checked_report_folder",
           "cluster_arguments", "resolve_scenario", "scenario_of", "write_text"]


def add_cluster_options(parser) -> None:
    """``--workers N | --scheduler ADDRESS | --scheduler-file FILE | --serial``: where the
    runs of a sweep go (``nwn sweep``, ``nwn ensemble``, ``nwn bridge``)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int,
                       help="worker processes of the embedded Dask cluster (default: the cores)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on this Dask scheduler, e.g. tcp://HOST:8786")
    where.add_argument("--scheduler-file", metavar="FILE",
                       help="run on the Dask scheduler this file describes")
    where.add_argument("--serial", action="store_true",
                       help="run one after another in this process (no cluster)")


def cluster_arguments(args) -> dict:
    """The ``client``, ``workers`` and ``scheduler_file`` arguments of
    :func:`nwn.engine.sweep.run_sweep` from :func:`add_cluster_options`' options."""
    from nwn.engine.sweep import SERIAL
    from nwn.engine.sweep.cluster import MAX_WORKERS
    from nwn.geometry.checks import check_int

    workers = None if args.workers is None else check_int("--workers", args.workers, minimum=1,
                                                          maximum=MAX_WORKERS)
    return {"client": SERIAL if args.serial else args.scheduler, "workers": workers,
            "scheduler_file": args.scheduler_file}


def add_force(parser: argparse.ArgumentParser) -> None:
    """``--force``: the one option that lets a command replace an existing output file."""
    parser.add_argument("--force", action="store_true",
                        help="replace existing output files (never the command's inputs)")


def checked_output(path: str | None, kind: str | None, args: argparse.Namespace, *,
                   inputs: tuple = (), option: str = "-o") -> Path | None:
    """``path`` checked by :func:`nwn.engine.output_files.check_output` before any work
    (format, not an input, not existing unless ``--force``); None passes through."""
    from nwn.engine.output_files import check_output

    if path is None:
        return None
    return check_output(path, kind, inputs=inputs, force=getattr(args, "force", False),
                        option=option)


def checked_report_folder(folder: str, names: tuple[str, ...], args: argparse.Namespace, *,
                          inputs: tuple = ()) -> Path:
    """A report folder whose files ``names`` may be written: refuses a file given as the
    folder, an input among the names, and existing report files without ``--force``."""
    from nwn.geometry.checks import InputError

    output = Path(folder)
    if output.exists() and not output.is_dir():
        raise InputError(f"-o must be a folder (got the file {str(output)!r})")
    if output.is_dir():
        for name in names:
            checked_output(output / name, None, args, inputs=inputs)
    else:  # to be made: its parent must take it
        from nwn.engine.output_files import check_output

        check_output(output, None, force=True, option="-o")
    return output


def write_text(path: Path, text: str) -> Path:
    """Write a text file completely or not at all (temporary name, then renamed)."""
    from nwn.engine.output_files import atomic_path

    with atomic_path(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return path


def scenario_of(args: argparse.Namespace):
    """The scenario ``args.scenario`` with the ``--seed`` / ``--duration`` overrides the command
    has, each checked under its option's name: ``nwn validate`` and ``nwn run`` accept and
    refuse exactly the same. Returns ``(scenario, text)`` as
    :func:`nwn.engine.runner.override` does."""
    from nwn.engine import limits
    from nwn.engine.runner import override
    from nwn.geometry.checks import check_positive

    scenario, text = resolve_scenario(args.scenario)
    seed = getattr(args, "seed", None)
    duration = getattr(args, "duration", None)
    if seed is not None:
        seed = limits.check_seed("--seed", seed)
    if duration is not None:
        check_positive("--duration", duration)
    return override(scenario, text, duration=duration, seed=seed)
