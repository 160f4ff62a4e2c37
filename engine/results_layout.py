"""How a results file's growing datasets sit on the disk: chunk shapes and compression.

The one place for this policy: :class:`nwn.engine.recording.HDF5Recorder` asks
:data:`LAYOUT` for the storage options of every row dataset it creates. HDF5 readers read
whatever chunking and filters a file holds, so files written under earlier policies (other
chunks, no compression) read exactly the same; only their size on the disk differs.

Chunks
    HDF5 allocates a growing dataset's space a whole chunk at a time, so a chunk larger than
    the rows it ends up holding is mostly empty space on the disk (a 1 s ``two_terminal_pulse``
    file once took 15.3 MB for 1.8 MB of data, its junction chunks sized for 4096 rows of which
    21 were written). The recorder knows how many rows a planned run writes (steps / interval +
    1), so each dataset's chunks hold about :data:`CHUNK_BYTES` (half to all of it), never
    more rows than the run writes, their height chosen so that the last one is as full as it
    can be. A run whose length is not known gets chunks of about :data:`CHUNK_BYTES`.
    A row wider than :data:`CHUNK_MAX` (a million junctions: 8 MB of conductances) is split
    into column blocks of about :data:`CHUNK_BYTES`, so that every chunk fits HDF5's chunk
    cache (1 MiB per dataset by default): a write of a few rows then lands in a cached chunk
    instead of reading and rewriting a large one from the disk.

Compression
    None. Measured (``benchmarks/bench_results_size.py``, figures in ``benchmarks/README.md``),
    HDF5's gzip at level 1 or h5py's lzf on the full-state arrays, with or without the byte
    shuffle, saves 6-24 % of the file but costs several times the 5 % of run time it was
    allowed: a junction row every 10 steps is ~12 bytes per junction of nearly incompressible
    floats, and compressing it takes about as long as one to three steps. :class:`Layout` keeps the
    choice (``compression``, ``level``, ``shuffle``) for that benchmark and for scripts that
    want smaller files at that price; every HDF5 reader reads gzip, lzf needs h5py's filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["CHUNK_BYTES", "CHUNK_MAX", "LAYOUT", "Layout", "chunk_shape", "expected_rows"]

#: Bytes a chunk aims at (when the run writes that much): large enough that HDF5's per-chunk
#: index and compression overheads stay small, small enough for the chunk cache.
CHUNK_BYTES = 256 * 2**10

#: Largest chunk (bytes), rows of width one aside: HDF5's default chunk cache per dataset.
CHUNK_MAX = 2**20


def expected_rows(planned_steps: int | None, every: int) -> int | None:
    """Rows a clock of interval ``every`` writes over ``planned_steps`` steps, the first state
    included (None when the number of steps is not known)."""
    if planned_steps is None:
        return None
    return int(planned_steps) // int(every) + 1


def chunk_shape(rows: int | None, width: int | None, itemsize: int) -> tuple[int, ...]:
    """The chunk shape of a growing dataset of rows.

    Parameters
    ----------
    rows : int or None
        Rows the run is expected to write (:func:`expected_rows`); None if unknown.
    width : int or None
        Values per row (None for a 1-D dataset, shape (T,)); the dataset has shape (T, width).
    itemsize : int
        Bytes per value.

    Returns
    -------
    tuple of int
        ``(chunk_rows,)`` or ``(chunk_rows, chunk_columns)``: half to all of
        :data:`CHUNK_BYTES` (a single row over :data:`CHUNK_MAX` split into column blocks),
        or one chunk of ``rows`` rows where that is smaller; of those heights, the one that
        leaves the fewest rows of the last chunk empty.
    """
    columns = None if width is None else max(1, int(width))
    row_bytes = int(itemsize) * (columns or 1)
    if columns is not None and row_bytes > CHUNK_MAX:
        blocks = -(-row_bytes // CHUNK_BYTES)
        columns = -(-columns // blocks)
        row_bytes = int(itemsize) * columns
    per_chunk = max(1, CHUNK_BYTES // row_bytes)
    if rows is not None:
        rows = max(1, int(rows))
        if rows <= per_chunk:
            per_chunk = rows  # one chunk holds the whole run
        else:
            # Of the heights from half the target up, the one leaving the fewest rows of the
            # last chunk empty (the tallest among equals): space allocated, never written.
            heights = np.arange(per_chunk, (per_chunk + 1) // 2 - 1, -1, dtype=np.int64)
            empty = -(-rows // heights) * heights - rows
            per_chunk = int(heights[np.argmin(empty)])
    return (per_chunk,) if columns is None else (per_chunk, columns)


@dataclass(frozen=True)
class Layout:
    """Storage options for the row datasets of a results file.

    Parameters
    ----------
    compression : str or None
        HDF5 filter for the ``compressed`` datasets: ``"gzip"`` (deflate), ``"lzf"``
        (h5py's own, readable only where h5py's filter is installed) or None (the default:
        see the module docstring).
    level : int or None
        gzip level (1 fastest .. 9 smallest); None for filters without one.
    shuffle : bool
        Byte-shuffle before compressing (groups the exponent bytes of floats together).
    compressed : frozenset of str
        Width kinds (:attr:`nwn.engine.results.Dataset.width`: ``"M"`` junctions, ``"N"``
        nodes, ``"K"`` electrodes, ``""`` one value) whose datasets are compressed.
    """

    compression: str | None = None
    level: int | None = 1
    shuffle: bool = True
    compressed: frozenset = frozenset({"M", "N"})

    def options(self, kind: str, width: int | None, dtype: Any, rows: int | None,
                buffer_rows: int) -> dict[str, Any]:
        """Keyword arguments of ``h5py.Group.create_dataset`` for one growing dataset.

        Parameters
        ----------
        kind : str
            The dataset's width kind (see ``compressed``).
        width : int or None
            Values per row (None: 1-D).
        dtype : numpy dtype
        rows : int or None
            Rows the run is expected to write (None if unknown).
        buffer_rows : int
            Rows the recorder buffers between writes (unused here; layouts that align
            chunks with writes may use it).
        """
        options: dict[str, Any] = {
            "chunks": chunk_shape(rows, width, np.dtype(dtype).itemsize)}
        if self.compression is not None and kind in self.compressed:
            options["compression"] = self.compression
            if self.level is not None:
                options["compression_opts"] = self.level
            options["shuffle"] = self.shuffle
        return options


#: The layout every results file is written with.
LAYOUT = Layout()
