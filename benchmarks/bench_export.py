"""Movie export speed at 720p: frames per second for 2,000- and 10,000-wire networks.

Prints, for each network, the frames per second of (a) rendering alone (canvas + overlays +
trace panel), (b) encoding blank frames alone (the ffmpeg/libx264 pipe, the baseline) and
(c) the whole export (render + encode to MP4), and the ratio of (c) to real-time playback at
30 fps. Run: ``python benchmarks/bench_export.py [--frames N]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

SCENARIO = """
seed = 11
[network]
box = [{side}, {side}]
n_wires = {n}
length = 10e-6
[[electrodes]]
name = "left"
shape = {{type = "rectangle", bounds = [0.0, 0.0, {pad}, {side}]}}
source = {{kind = "voltage", waveform = {{kind = "dc", value = 5.0}}}}
[[electrodes]]
name = "right"
shape = {{type = "rectangle", bounds = [{right}, 0.0, {side}, {side}]}}
source = {{kind = "ground"}}
[junction]
model = "rate"
[run]
dt = 1e-2
duration = 0.2
"""


def make_source(n_wires: int, n_snapshots: int):
    from nwn.app.render.movie import SnapshotSource
    from nwn.engine.build import build_simulation
    from nwn.engine.scenario import parse_scenario

    # Density n l^2 = 12, about twice the percolation threshold, as in the presets.
    side = float(np.sqrt(n_wires * (10e-6) ** 2 / 12.0))
    text = SCENARIO.format(n=n_wires, side=side, pad=0.08 * side, right=0.92 * side)
    scenario = parse_scenario(text)
    simulation = build_simulation(scenario)
    snapshots = []
    for _ in range(n_snapshots):
        simulation.run(scenario.run.dt)
        snapshots.append(simulation.snapshot())
    t = np.array([s.t for s in snapshots])
    return SnapshotSource(simulation.network, scenario.electrodes, scenario.network.box,
                          snapshots, trace_t=t,
                          terminal_current=np.array([s.terminal_current for s in snapshots]),
                          conductance=np.array([s.conductance for s in snapshots]))


def bench(n_wires: int, n_frames: int, folder: Path) -> None:
    from nwn.app.render.movie import (
        FrameRenderer,
        MovieOptions,
        MovieWriter,
        _trace_of,
        write_movie,
    )

    source = make_source(n_wires, 20)
    times = source.frame_times
    speed = (times[-1] - times[0]) * 30.0 / (n_frames - 1)
    options = MovieOptions(fps=30, size=(1280, 720), speed=speed, trace="conductance").checked(
        fmt="mp4")
    renderer = FrameRenderer(source.network, source.electrodes, source.box, options,
                             trace=_trace_of(source, "conductance", False),
                             t_range=(times[0], times[-1]))
    renderer.render_snapshot(source.snapshot_at(times[0]))  # warm up
    start = time.perf_counter()
    for k in range(n_frames):
        renderer.render_snapshot(source.snapshot_at(times[k % len(times)]))
    render_fps = n_frames / (time.perf_counter() - start)
    renderer.close()

    blank = np.zeros((720, 1280, 4), dtype=np.uint8)
    start = time.perf_counter()
    with MovieWriter(folder / "blank.mp4", (1280, 720), 30) as writer:
        for k in range(n_frames):
            blank[:, :, 1] = k  # frames differ, as a movie's do
            writer.write(blank)
    encode_fps = n_frames / (time.perf_counter() - start)

    start = time.perf_counter()
    write_movie(source, folder / "movie.mp4", options)
    export_fps = n_frames / (time.perf_counter() - start)
    print(f"{n_wires:>6} wires, {source.network.n_junctions:>6} junctions: render "
          f"{render_fps:6.1f} fps | encode blank (baseline) {encode_fps:6.1f} fps | export "
          f"{export_fps:6.1f} fps = {export_fps / encode_fps:4.2f} x baseline, "
          f"{export_fps / 30:4.2f} x real time (30 fps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=90, help="frames per measurement")
    parser.add_argument("--wires", type=int, nargs="+", default=[2000, 10000])
    args = parser.parse_args()
    from nwn.app.render.offscreen import ensure_qapp

    ensure_qapp()
    with tempfile.TemporaryDirectory() as folder:
        for n_wires in args.wires:
            bench(n_wires, args.frames, Path(folder))


if __name__ == "__main__":
    main()
