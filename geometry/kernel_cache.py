"""Keeps numba's on-disk kernel cache true to the source it was compiled from.

numba caches a compiled kernel beside its module (``__pycache__/*.nbi`` index, ``*.nbc``
code) and checks only the modification time and size of the file that defines it. A kernel
that calls a kernel of another file or reads another file's constants (the solver's CG calls
the supernodal solve; its kernels read the source kinds of ``engine/sources.py``) keeps the
old machine code when only that other file changes, e.g. after ``git pull`` in an editable
install, and runs it without a word.

So before any kernel runs, :func:`refresh` compares a stamp of each layer's sources (the
path, size and modification time of every ``.py`` file) with the one recorded beside its
cache when the cache was last known good, and removes the cached indexes of every layer at
or above the lowest one that changed (a layer may use the layers below it: geometry <
engine < app), which numba then compiles afresh (~35 s for all of them on the 2-core
development machine; what did not change below it is kept). It runs once per process, from
``nwn.geometry``'s import, which every process that runs a kernel makes (networks, junctions
and the solver's inputs come from it); it costs about a millisecond, and it does nothing
where the sources or their caches cannot be written (an installed copy is rewritten whole by
an upgrade, so numba's own check suffices there).

This module lives in the lowest layer so that it runs first; it knows the other layers only
as folders beside it, and imports none of them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["LAYERS", "STAMP_NAME", "refresh"]

#: The layers' folders beside this one, lowest first: each may use the ones before it.
LAYERS = ("geometry", "engine", "app")
#: The file beside each layer's top ``__pycache__`` recording the sources its cache matches.
STAMP_NAME = "nwn-kernel-sources.stamp"

_done = False


def refresh(root: Path | None = None) -> list[str]:
    """Drop the cached kernels of the layers whose sources, or whose lower layers' sources,
    changed since their cache was last known good; record the new stamps.

    Parameters
    ----------
    root : Path, optional
        The folder holding the layers' folders (default: the one holding this package).

    Returns
    -------
    list of str
        The layers whose cached kernels were dropped.
    """
    global _done
    if root is None:
        if _done:
            return []
        _done = True
        root = Path(__file__).resolve().parent.parent
    dropped = []
    digest = hashlib.sha256()
    for layer in LAYERS:
        folder = root / layer
        if not folder.is_dir():
            continue
        digest.update(_sources_stamp(folder))
        stamp = digest.hexdigest()  # this layer's sources and all below it
        record = folder / "__pycache__" / STAMP_NAME
        try:
            known = record.read_text()
        except OSError:
            known = None
        if known == stamp:
            continue
        # changed, or none recorded yet (a cache of unknown sources): dropped alike
        try:
            for index in folder.rglob("__pycache__/*.nbi"):
                index.unlink(missing_ok=True)
            record.parent.mkdir(exist_ok=True)
            partial = record.with_name(f"{STAMP_NAME}.{os.getpid()}")
            partial.write_text(stamp)
            os.replace(partial, record)
        except OSError:
            continue  # read-only: numba keeps its own (per-file) check
        dropped.append(layer)
    return dropped


def _sources_stamp(folder: Path) -> bytes:
    """The relative path, size and modification time (ns) of every ``.py`` file under
    ``folder``, sorted, as bytes."""
    entries = []
    for directory, subdirectories, files in os.walk(folder):
        subdirectories[:] = sorted(d for d in subdirectories if d != "__pycache__")
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                status = os.stat(path)
                entries.append(f"{os.path.relpath(path, folder)}\0{status.st_size}\0"
                               f"{status.st_mtime_ns}")
    return "\n".join(sorted(entries)).encode()
