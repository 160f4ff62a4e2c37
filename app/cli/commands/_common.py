"""Helpers shared by subcommands."""

from __future__ import annotations

# Scenarios are resolved where scripts resolve them (file, preset name or TOML text).
from nwn.engine.runner import resolve_scenario

__all__ = ["resolve_scenario"]


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
    from nwn.geometry.checks import check_int

    workers = None if args.workers is None else check_int("--workers", args.workers, minimum=1)
    return {"client": SERIAL if args.serial else args.scheduler, "workers": workers,
            "scheduler_file": args.scheduler_file}
