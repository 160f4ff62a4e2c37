"""Results file size: the same run written under the old layout (the baseline) and the new.

One seeded preset run (``two_terminal_pulse``, 1 s by default: 201 trace rows, 21 rows of
junction states) is recorded to a file under each layout, from the same pristine simulation
state, the cases interleaved ``--repeats`` times. For each layout it prints the file size, the
bytes of data the file holds, and the best run time (the run and the file's close), each next
to the baseline's as a ratio:

- ``issue #14 chunks``: the layout the size complaint was measured on (chunks of as many rows
  as the recorder buffers, up to 4096: 7.4 MB chunks of junction conductances), no filter;
- ``main before`` (the baseline): the same capped at 256 KiB per chunk, no filter;
- ``new chunks``: :func:`nwn.engine.results_layout.chunk_shape` (chunks sized from the run's
  length), no filter;
- ``new + lzf``, ``new + lzf + shuffle``, ``new + gzip 1``, ``new + gzip 1 + shuffle``: the
  new chunks with a filter on the full-state arrays (junctions, nodes);
- ``bare run``: no recorder, what any recording costs on top.

File sizes are the smallest over the repeats (the largest is named where it differs: a
compressed chunk written half full by a timed flush is written again elsewhere when it fills,
so the file depends on how many flushes the run took; ``--flush-interval 0`` flushes at every
step). Run times are the best of the repeats, wall-clock and CPU (this process); ``write/run``
is the CPU time of writing the baseline file's rows again under each layout (best of 20, the
filters' cost without the simulation's noise) over the baseline run's CPU time.
``--duration`` shortens (or lengthens) the run.

Usage::

    python benchmarks/bench_results_size.py [--preset two_terminal_pulse] [--duration 1.0]
                                            [--repeats 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from nwn.engine import HDF5Recorder, build_simulation
from nwn.engine.results_layout import Layout
from nwn.engine.runner import override, resolve_scenario


@dataclass(frozen=True)
class BufferChunks(Layout):
    """The layouts before this one: chunks of as many rows as the recorder buffers (at most
    4096, and at most ``cap`` bytes when given), no filter."""

    cap: int | None = None
    compression: str | None = None

    def options(self, kind: str, width: int | None, dtype: Any, rows: int | None,
                buffer_rows: int) -> dict[str, Any]:
        row_bytes = np.dtype(dtype).itemsize * max(1, width or 1)
        chunk_rows = max(1, min(buffer_rows, 4096, (self.cap or 2**62) // row_bytes))
        return {"chunks": (chunk_rows,) if width is None else (chunk_rows, max(1, width))}


BASELINE = "main before"
LAYOUTS: dict[str, Layout | None] = {
    "issue #14 chunks": BufferChunks(),
    BASELINE: BufferChunks(cap=256 * 2**10),
    "new chunks": Layout(compression=None),
    "new + lzf": Layout(compression="lzf", level=None, shuffle=False),
    "new + lzf + shuffle": Layout(compression="lzf", level=None, shuffle=True),
    "new + gzip 1": Layout(compression="gzip", level=1, shuffle=False),
    "new + gzip 1 + shuffle": Layout(compression="gzip", level=1, shuffle=True),
    "bare run": None,
}


def data_bytes(path: Path) -> int:
    """Bytes of the values every dataset of the file holds (what any layout must store)."""
    total = 0

    def add(name: str, item: Any) -> None:
        nonlocal total
        if isinstance(item, h5py.Dataset):
            total += item.size * item.dtype.itemsize

    with h5py.File(path, "r") as file:
        file.visititems(add)
    return total


def timed_run(scenario: Any, text: str, layout: Layout | None, path: Path,
              flush_interval: float) -> tuple[float, float]:
    """Wall and CPU seconds of the run and the file's close under ``layout`` (None: no
    recorder). CPU time (this process) is the steadier figure on a shared machine."""
    recorders = ([] if layout is None else
                 [HDF5Recorder.for_scenario(path, scenario, scenario_text=text, layout=layout,
                                            flush_interval=flush_interval)])
    simulation = build_simulation(scenario, recorders=recorders)
    start, cpu = time.perf_counter(), time.process_time()
    simulation.run(scenario.run.duration)
    for recorder in recorders:
        recorder.close()
    return time.perf_counter() - start, time.process_time() - cpu


def write_seconds(source: Path, layout: Layout, target: Path, repeats: int) -> float:
    """Best CPU seconds to write the row datasets of ``source`` under ``layout`` in the
    blocks the recorder writes (the filters' cost alone, without the run's noise)."""
    from nwn.engine.results import DATASETS

    with h5py.File(source, "r") as file:
        arrays = {d: file[d.path][...] for d in DATASETS}
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        with h5py.File(target, "w") as out:
            for d, data in arrays.items():
                width = None if data.ndim == 1 else data.shape[1]
                options = layout.options(d.width, width, data.dtype, data.shape[0], 4096)
                out.create_dataset(d.path, data=data, maxshape=(None,) + data.shape[1:],
                                   **options)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="two_terminal_pulse")
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--flush-interval", type=float, default=1.0,
                        help="the recorder's seconds between flushes (default 1, the "
                             "recorder's; 0 flushes at every step, as a slow run does)")
    args = parser.parse_args()
    scenario, text = resolve_scenario(args.preset)
    scenario, text = override(scenario, text, duration=args.duration)
    folder = Path(tempfile.mkdtemp())
    paths = {name: folder / f"case{k}.h5" for k, name in enumerate(LAYOUTS)}
    timed_run(scenario, text, None, folder / "warm.h5", 1.0)  # compile the kernels first
    best = {name: float("inf") for name in LAYOUTS}
    best_cpu = dict(best)
    sizes: dict[str, list[int]] = {name: [] for name in LAYOUTS}
    for _ in range(args.repeats):
        for name, layout in LAYOUTS.items():
            wall, cpu = timed_run(scenario, text, layout, paths[name], args.flush_interval)
            best[name], best_cpu[name] = min(best[name], wall), min(best_cpu[name], cpu)
            if layout is not None:
                sizes[name].append(paths[name].stat().st_size)
    run = scenario.run
    print(f"{args.preset}, {args.duration:g} s: {run.n_steps} steps, "
          f"{run.n_steps // run.record_every + 1} trace rows, "
          f"{run.n_steps // run.junction_every + 1} junction rows; flushes every "
          f"{args.flush_interval:g} s; best of {args.repeats}; ratios to '{BASELINE}'")
    size0 = min(sizes[BASELINE])
    time0, cpu0 = best[BASELINE], best_cpu[BASELINE]
    # The filters' cost alone: writing the baseline's rows again under each layout, as a
    # fraction of the baseline run's CPU time.
    writes = {name: write_seconds(paths[BASELINE], layout, folder / "write.h5", 20)
              for name, layout in LAYOUTS.items() if layout is not None}
    print(f"  {'layout':24s} {'file MB':>8s} {'x':>6s} {'data MB':>8s} {'file/data':>9s}"
          f" {'wall s':>7s} {'x':>6s} {'cpu s':>7s} {'x':>6s} {'write/run':>9s}")
    for name in LAYOUTS:
        times = (f"{best[name]:7.3f} {best[name] / time0:6.3f} {best_cpu[name]:7.3f}"
                 f" {best_cpu[name] / cpu0:6.3f}")
        if LAYOUTS[name] is None:
            print(f"  {name:24s} {'':>8s} {'':>6s} {'':>8s} {'':>9s} {times}")
            continue
        size = min(sizes[name])
        data = data_bytes(paths[name])
        # A compressed chunk that a timed flush wrote half full is written again elsewhere
        # when it fills: the same run's file grows with the number of flushes.
        spread = (f"  (up to {max(sizes[name]) / 1e6:.3f} MB over the repeats)"
                  if max(sizes[name]) != size else "")
        print(f"  {name:24s} {size / 1e6:8.3f} {size / size0:6.3f} {data / 1e6:8.3f}"
              f" {size / data:9.3f} {times} {writes[name] / cpu0:9.4f}{spread}")


if __name__ == "__main__":
    main()
