"""Where a sweep's members run: an embedded Dask cluster, or one the user already has.

* nothing given: a :class:`distributed.LocalCluster` sized to the machine, one worker process
  per core with one thread each (numba kernels are single-threaded; threads in one process
  would fight over the interpreter, processes do not), closed again when the sweep ends;
* a :class:`distributed.Client`: its cluster, left open;
* a scheduler address (``tcp://host:8786``) or a scheduler file (``dask scheduler
  --scheduler-file``): that cluster, through a client the sweep opens and closes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from nwn.geometry.checks import InputError, check_int, check_positive

__all__ = ["CONNECT_TIMEOUT", "MAX_WORKERS", "QUIET_LOG_LEVEL", "QUIET_WORKERS", "Connection",
           "connect"]

#: Seconds to wait for a scheduler to answer before refusing the sweep.
CONNECT_TIMEOUT = 5.0

#: Most worker processes an embedded cluster starts.
MAX_WORKERS = 4096

#: Dask settings of the embedded cluster. A member computes in its worker's task thread while
#: the worker's event loop wakes up for Dask's periodic work; every wake-up takes the
#: interpreter from the member, and on a busy machine each hand-over also waits for the OS to
#: schedule the other thread. So that periodic work is made rare: no statistical profiler
#: (it samples 100 times a second: members ran 1.5-1.9x slower with it under load), the
#: event-loop health check every second instead of every 20 ms, the memory monitor every
#: second instead of every 0.1 s (members hold megabytes, not the gigabytes it guards
#: against) and the system monitor (CPU and memory for the dashboard) every 2 s instead of
#: 0.5 s. The nannies hand this configuration to the worker processes they start (and
#: restart).
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.tick.limit": "30s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


#: Module every embedded worker imports first: it leaves Ctrl-C and SIGTERM to the sweep.
WORKER_PRELOAD = "nwn.engine.sweep.worker_signals"


def _close_embedded(cluster: Any) -> None:
    """Close an embedded cluster at once: its members are all done or abandoned by then.

    A graceful close waits for every worker process to close its server and exit (4-8 s on a
    busy 2-core machine); the nannies are told the workers are going (so they do not restart
    them), the worker processes are killed, and the cluster then closes in a fraction of a
    second.
    """
    import signal

    for nanny in list(getattr(cluster, "workers", {}).values()):
        pid = getattr(nanny, "pid", None)
        close_gracefully = getattr(nanny, "close_gracefully", None)
        if pid is None or close_gracefully is None:
            continue
        try:
            close_gracefully(reason="sweep-done")
            os.kill(pid, signal.SIGKILL)
        except (OSError, RuntimeError):  # already gone: the graceful close copes
            pass
    cluster.close()


#: distributed's log records below this level are dropped while an embedded cluster lives,
#: from its start to the end of its close: they are Dask's own bookkeeping (workers coming
#: and going, "Batched Comm Closed" with its traceback as the cluster closes), not news for
#: whoever runs the sweep. Errors still show.
QUIET_LOG_LEVEL = logging.ERROR


class _QuietLogs:
    """Raises every ``distributed`` logger to :data:`QUIET_LOG_LEVEL` until :meth:`restore`.

    The loggers themselves, not only the handlers that Dask's own ``silence_logs`` quiets
    until the cluster's close is half done: a record made later in the close (or sent to a
    handler of the user's) is dropped too. Loggers made later inherit the level from
    ``distributed``; the levels set before are put back by :meth:`restore` (``close``).
    """

    def __init__(self) -> None:
        known = logging.root.manager.loggerDict
        names = ["distributed"] + [name for name, logger in list(known.items())
                                   if name.startswith("distributed.")
                                   and isinstance(logger, logging.Logger)]
        self._saved: dict[str, int] = {}
        for name in names:
            logger = logging.getLogger(name)
            if name == "distributed" or logger.level != logging.NOTSET:
                self._saved[name] = logger.level
                if logger.level < QUIET_LOG_LEVEL:
                    logger.setLevel(QUIET_LOG_LEVEL)

    def restore(self) -> None:
        for name, level in self._saved.items():
            logging.getLogger(name).setLevel(level)
        self._saved = {}

    close = restore


class _Embedded:
    """Marks the embedded cluster among the things a connection owns (closed at once)."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster


class Connection:
    """A Dask client for one sweep, and whatever the sweep must close when it ends."""

    def __init__(self, client: Any, *, owned: tuple = ()) -> None:
        self.client = client
        self._owned = owned

    @property
    def n_threads(self) -> int:
        """Worker threads of the cluster now (at least 1)."""
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # a cluster busy starting workers answers later
            return 1

    def close(self) -> None:
        for thing in self._owned:
            try:
                if isinstance(thing, _Embedded):
                    _close_embedded(thing.cluster)
                else:
                    thing.close()
            except Exception:  # closing must not hide the sweep's own outcome
                pass

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _checked_address(address: str, source: str = "") -> str:
    """``address`` if Dask can connect to something like it (``HOST:PORT``,
    ``tcp://HOST:PORT``, another of Dask's schemes); else InputError, one line."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            _, port = parse_host_port(location)  # (an empty host is this machine)
            if not 0 < port < 65536:
                raise ValueError(f"port {port} is not in 1..65535")
    except (ValueError, TypeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InputError(f"scheduler address {address!r}{source} is not HOST:PORT or "
                         f"tcp://HOST:PORT such as tcp://127.0.0.1:8786 ({reason})") from None
    return address


def _address_in(scheduler_file: str | Path) -> str:
    """The scheduler address in a file written by ``dask scheduler --scheduler-file``."""
    import json

    path = Path(scheduler_file)
    if path.is_dir():
        raise InputError(f"scheduler file {str(scheduler_file)!r} is a folder, not a file")
    if not path.is_file():
        raise InputError(f"scheduler file {str(scheduler_file)!r} does not exist")
    try:
        address = json.loads(path.read_text(encoding="utf-8")).get("address")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        address = None
    if not isinstance(address, str):
        raise InputError(f"scheduler file {str(scheduler_file)!r} is not one that `dask "
                         f"scheduler --scheduler-file` writes (JSON holding the scheduler's "
                         f"address)")
    return _checked_address(address, f" (in {str(scheduler_file)!r})")


def connect(client: Any = None, *, workers: int | None = None,
            scheduler_file: str | Path | None = None,
            timeout: float = CONNECT_TIMEOUT) -> Connection:
    """Open the cluster a sweep runs on (see the module docstring).

    Parameters
    ----------
    client : distributed.Client or str, optional
        A client, or a scheduler address such as ``"tcp://127.0.0.1:8786"``.
    workers : int, optional
        Worker processes of the embedded cluster (default: the machine's cores).
    scheduler_file : path, optional
        A scheduler file written by ``dask scheduler --scheduler-file``.
    timeout : float
        Seconds to wait for a scheduler to answer.

    Raises
    ------
    InputError
        One line when a scheduler does not answer within ``timeout`` or the options clash.
    """
    import dask
    import distributed

    timeout = check_positive("timeout", timeout)
    given = [name for name, value in (("client", client), ("scheduler_file", scheduler_file))
             if value is not None]
    if len(given) > 1 or (given and workers is not None):
        raise InputError("give one of workers (an embedded cluster), a scheduler address or "
                         "a scheduler file")
    if isinstance(client, distributed.Client):
        return Connection(client)
    if client is not None and not isinstance(client, str):
        raise InputError(f"client must be a distributed.Client or a scheduler address such "
                         f"as 'tcp://127.0.0.1:8786' (got {client!r})")
    if client is not None or scheduler_file is not None:
        where = client if client is not None else f"the scheduler file {scheduler_file}"
        # Checked here: a Client made of a malformed address fails half-made, and its
        # clean-up at exit then printed a traceback after waiting 10 s.
        address = (_checked_address(client) if client is not None else
                   _address_in(scheduler_file))
        try:
            remote = distributed.Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InputError(f"no Dask scheduler answers at {where} within {timeout:g} s "
                             f"({reason})") from None
        return Connection(remote, owned=(remote,))
    n = check_int("workers", workers if workers is not None else (os.cpu_count() or 1),
                  minimum=1, maximum=MAX_WORKERS)
    from nwn.engine.sweep.worker_signals import starting_workers

    quiet = _QuietLogs()
    cluster = None
    try:
        # Loopback only, and any free port for the scheduler's web page (several may run at
        # once). Workers started inside starting_workers() never see a Ctrl-C.
        with dask.config.set(QUIET_WORKERS), starting_workers():
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1,
                                               processes=True, host="127.0.0.1",
                                               dashboard_address="127.0.0.1:0",
                                               silence_logs=QUIET_LOG_LEVEL,
                                               preload=[WORKER_PRELOAD])
        local = distributed.Client(cluster, set_as_default=False)
    except BaseException:  # a KeyboardInterrupt delivered as the start-up ends, say
        if cluster is not None:
            _close_embedded(cluster)
        quiet.restore()
        raise
    return Connection(local, owned=(local, _Embedded(cluster), quiet))
