"""The ``whole_device`` preset end to end: each phase's time and the peak memory after it.

The preset (``resources/presets/whole_device.toml``: 1,000,000 wires on 2 x 2 mm, side bars,
``rate`` junctions, 100 steps) runs through the same calls as ``nwn run`` (scenario ->
deposition -> junctions -> circuit graph -> junction agents and solver set-up with the first
solve -> HDF5 header and geometry -> steps -> close), each phase timed. ``--n-wires N`` runs
it at another size with the same density: the box, the electrodes and the DC bias are scaled
by sqrt(N / 1e6) (same density, same field), so that 100,000 wires is the same film on
632 x 632 um.

Printed per phase: wall time, the process's peak resident memory so far (``ru_maxrss``) and
its resident memory after the phase. Baselines measured in the same run: one sparse
matrix-vector product with the network's nodal matrix (scipy CSR; the cheapest thing a
Kirchhoff solve can do, so the whole step is printed in units of it) and writing the
geometry's bytes with plain numpy (``np.save``) next to the HDF5 header phase. ``--cli`` also
runs the real ``nwn run`` in a fresh process and prints its wall time and peak memory.

Targets (issue 15): <= 1.5 s per step, <= 30 s from the start of the process to the first
step, <= 8 GiB peak memory, at 1,000,000 wires.

Usage::

    python benchmarks/bench_whole_device.py [--n-wires 100000] [--steps 100] [--cli]
                                            [--output FOLDER]
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before the heavy imports: start-up counts towards the first step

import argparse  # noqa: E402
import copy  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import tomllib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from nwn.engine.build import BuiltNetwork, build_simulation, deposit_wires  # noqa: E402
from nwn.engine.recording import HDF5Recorder  # noqa: E402
from nwn.engine.scenario import parse_scenario, scenario_to_toml  # noqa: E402
from nwn.geometry import Electrode, build_network, find_junctions  # noqa: E402
from nwn.resources import preset_text  # noqa: E402

PRESET = "whole_device"
GIB = 2.0**30


def peak_bytes(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory (bytes) of this process (or its finished children) so far."""
    return resource.getrusage(who).ru_maxrss * 1024.0  # Linux reports KiB


def resident_bytes() -> float:
    """Resident memory (bytes) now."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def scaled_scenario(n_wires: int | None):
    """The preset as a mapping, scaled to ``n_wires`` at the same density (None: as shipped)."""
    data = tomllib.loads(preset_text(PRESET))
    if n_wires is None:
        return data
    factor = math.sqrt(n_wires / data["network"]["n_wires"])
    data = copy.deepcopy(data)
    data["network"]["n_wires"] = int(n_wires)
    data["network"]["box"] = [side * factor for side in data["network"]["box"]]
    for electrode in data["electrodes"]:
        shape = electrode["shape"]
        for key in ("bounds", "points", "centre"):
            if key in shape:
                shape[key] = (np.asarray(shape[key], float) * factor).tolist()
        if "radius" in shape:
            shape["radius"] *= factor
        waveform = electrode["source"].get("waveform", {})
        if waveform.get("kind") == "dc":  # the same field across a smaller film
            waveform["value"] *= factor
    return data


class Phases:
    """Times and memory of consecutive phases."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float, float, float]] = []
        self._last = time.perf_counter()
        self._last_cpu = time.process_time()

    def done(self, name: str) -> float:
        now, cpu = time.perf_counter(), time.process_time()
        seconds = now - self._last
        self.rows.append((name, seconds, cpu - self._last_cpu, peak_bytes(), resident_bytes()))
        self._last, self._last_cpu = now, cpu
        return seconds

    def print(self) -> None:
        # CPU time next to wall time: on a shared machine the wall time of a phase includes
        # the time other jobs held the cores.
        print(f"  {'phase':38s} {'wall':>9s} {'CPU':>9s} {'peak RSS':>10s} {'RSS after':>10s}")
        for name, seconds, cpu, peak, rss in self.rows:
            print(f"  {name:38s} {seconds:8.3f}s {cpu:8.3f}s {peak / GIB:8.2f}GiB "
                  f"{rss / GIB:8.2f}GiB")


def spmv_seconds(network, conductance: np.ndarray, repeats: int = 5) -> float:
    """Best time of one product with the network's nodal (Laplacian) matrix, scipy CSR."""
    import scipy.sparse as sp

    edges = network.edge_nodes
    weight = np.ones(len(edges))
    weight[network.junction_edge] = conductance
    n = network.n_nodes
    adjacency = sp.coo_matrix((weight, (edges[:, 0], edges[:, 1])), shape=(n, n)).tocsr()
    adjacency = adjacency + adjacency.T
    laplacian = (sp.diags(np.asarray(adjacency.sum(axis=1)).ravel()) - adjacency).tocsr()
    x = np.random.default_rng(0).random(n)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        laplacian @ x
        best = min(best, time.perf_counter() - start)
    return best


def run_phases(n_wires: int | None, steps: int, folder: Path) -> None:
    phases = Phases()
    phases.rows.append(("imports (process start)", phases._last - _T0, phases._last_cpu,
                        peak_bytes(), resident_bytes()))
    scenario = parse_scenario(scaled_scenario(n_wires))
    text = scenario_to_toml(scenario)
    phases.done("scenario")
    wires = deposit_wires(scenario)
    phases.done(f"deposition ({len(wires):,} wires)")
    junctions = find_junctions(wires)
    phases.done(f"junctions ({len(junctions.pairs):,})")
    electrodes = tuple(Electrode(e.name, e.geometry()) for e in scenario.electrodes)
    spec = scenario.network
    network = build_network(wires, junctions, list(electrodes), mode=spec.mode,
                            wire_resistivity=spec.wire_resistivity,
                            contact_resistance=spec.contact_resistance)
    phases.done(f"circuit graph ({network.n_nodes:,} nodes)")
    built = BuiltNetwork(wires=wires, junctions=junctions, electrodes=electrodes,
                         network=network)
    simulation = build_simulation(scenario, built=built)
    phases.done("agents + solver set-up + first solve")
    output = folder / "whole_device.h5"
    recorder = HDF5Recorder.for_scenario(output, scenario, scenario_text=text)
    simulation.recorders.append(recorder)
    recorder.start(simulation)
    phases.done("results file: header + geometry")
    simulation.step(1)
    first = phases.done("first step")
    to_first_step = time.perf_counter() - _T0
    per_step = []
    for _ in range(steps - 1):
        start = time.perf_counter()
        simulation.step(1)
        per_step.append(time.perf_counter() - start)
    phases.done(f"{steps - 1} more steps")
    recorder.close(complete=True)
    phases.done("close")
    file_bytes = output.stat().st_size

    # Baselines, same run.
    geometry_bytes = sum(a.nbytes for a in (wires.endpoints, junctions.pairs, junctions.points,
                                            network.edge_nodes))
    start = time.perf_counter()
    np.save(folder / "geometry_baseline.npy",
            np.concatenate([a.ravel().view(np.uint8) for a in (
                wires.endpoints, junctions.pairs, junctions.points, network.edge_nodes)]))
    save_seconds = time.perf_counter() - start
    spmv = spmv_seconds(network, simulation.junction_conductance)

    print(f"whole_device at {len(wires):,} wires, {network.n_junctions:,} junctions, "
          f"{network.n_nodes:,} nodes, {steps} steps")
    phases.print()
    steps_arr = np.array(per_step if per_step else [first])
    print(f"  per step: median {np.median(steps_arr):.3f} s "
          f"(range {steps_arr.min():.3f}-{steps_arr.max():.3f} s) = "
          f"{np.median(steps_arr) / spmv:.0f} x one nodal SpMV ({spmv * 1e3:.1f} ms, same run)"
          f"   [target <= 1.5 s at 1M wires]")
    timings = simulation.solver.timings
    print(f"  solver over {timings['steps']} solves: {timings['iterations']} CG iterations, "
          f"{timings['factorizations']} factorizations ({timings['factorize']:.2f} s), CG "
          f"{timings['solve']:.2f} s, assembly {timings['assembly']:.2f} s, scatter "
          f"{timings['scatter']:.2f} s")
    print(f"  process start to first step: {to_first_step:.1f} s   [target <= 30 s at 1M]")
    print(f"  peak memory: {peak_bytes() / GIB:.2f} GiB   [target <= 8 GiB at 1M]")
    print(f"  results file {file_bytes / 2**20:.0f} MiB; geometry {geometry_bytes / 2**20:.0f} "
          f"MiB written by np.save in {save_seconds:.2f} s (baseline of the header phase)")


def run_cli(n_wires: int | None, folder: Path) -> None:
    """The real ``nwn run`` of the (scaled) preset in a fresh process: wall and peak memory."""
    scenario = parse_scenario(scaled_scenario(n_wires))
    path = folder / "scenario.toml"
    path.write_text(scenario_to_toml(scenario))
    output = folder / "cli.h5"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nwn.app.cli", "run", str(path), "-o", str(output),
                    "-q", "--force"], check=True)
    wall = time.perf_counter() - start
    print(f"  nwn run (fresh process, {scenario.run.n_steps} steps): {wall:.1f} s, peak "
          f"{peak_bytes(resource.RUSAGE_CHILDREN) / GIB:.2f} GiB, file "
          f"{output.stat().st_size / 2**20:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-wires", type=int, default=None,
                        help="wires (default: the preset's 1,000,000), same density")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--cli", action="store_true", help="also time a real `nwn run`")
    parser.add_argument("--output", default=None,
                        help="folder for the results files (default: a temporary one)")
    args = parser.parse_args()
    try:
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
              f"{os.cpu_count()} cores")
    except OSError:
        pass
    with tempfile.TemporaryDirectory(dir=args.output) as name:
        folder = Path(name)
        run_phases(args.n_wires, args.steps, folder)
        if args.cli:
            for child in folder.iterdir():
                child.unlink()
            run_cli(args.n_wires, folder)


if __name__ == "__main__":
    main()
