"""Whole time steps of the real simulation stack against one plain ``spsolve``.

Reference workload (issue 3): wires of 7 um at 0.3 wires/um^2 in a square box (n l^2 = 14.7),
left/right side-bar electrodes (DC voltage / ground), JDA graph, ``rate`` junctions with the
published connectome parameters, a DC field of 0.15 V/um so that junctions evolve. Everything
goes through the public API: ``drop_wires`` -> ``find_junctions`` -> ``build_network`` ->
``make_model`` -> ``Simulation`` with a ``TraceRecorder`` attached (recording included).

Printed per size: the whole step (ms), its split (value assembly, solve incl. amortized
refactorization, scatter of voltages/currents, junction agents, recording and loop overhead),
and the ratio of the whole step to one plain ``scipy.sparse.linalg.spsolve`` of the same
reduced system, timed in the same process (the system is assembled here independently of the
solver, from the Laplacian of the network).

Usage::

    python benchmarks/bench_step.py [--sizes 500 2000 10000] [--steps 300] [--big]
                                    [--big-steps 100] [--settle 20]
    python benchmarks/bench_step.py --scaling 10000 30000 100000 [--steps 200] [--chunk 5]
                                    [--settle 100]
    python benchmarks/bench_step.py --compare --sizes 10000 100000 [--steps 300] [--settle 0]

``--compare`` runs each size twice on one network, with the solver's earlier behaviour
(a stale factor iterated out, ``early_refactor=False``) and today's (abandoned once CG's rate
shows it stale), their steps interleaved, and prints both and their ratio.

``--scaling`` measures how the whole step grows with the network: the sizes run in one
process, their steps interleaved, and each size's cost is printed with its growth against
the first size and the exponent of that growth in the number of junctions.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import scipy.sparse as sp
from bench_solver import time_spsolve  # same timing of the baseline in both benchmarks
from scipy.sparse.csgraph import connected_components

from nwn.engine.junctions import make_model
from nwn.engine.recording import TraceRecorder
from nwn.engine.simulation import Simulation
from nwn.engine.sources import Source
from nwn.engine.stimuli import make_stimulus
from nwn.geometry import build_network, drop_wires, find_junctions, side_bars

LENGTH = 7e-6
DENSITY = 0.3e12
FIELD = 0.15e6  # V/m


def build(n_wires: int, seed: int):
    side = math.sqrt(n_wires / DENSITY)
    box = (side, side)
    wires = drop_wires(n_wires, box=box, length=LENGTH, rng=seed)
    junctions = find_junctions(wires)
    network = build_network(wires, junctions, side_bars(box, width=0.02 * side), mode="jda")
    return network, side


def plain_system(network, junction_conductance: np.ndarray, volts: float):
    """The reduced nodal system, built independently from the network's Laplacian."""
    g = network.edge_conductance.copy()
    g[network.junction_edge] = junction_conductance
    a, b = network.edge_nodes.T
    n = network.n_nodes
    laplacian = sp.coo_matrix(
        (np.concatenate([g, g, -g, -g]), (np.concatenate([a, b, a, b]),
                                          np.concatenate([a, b, b, a]))), shape=(n, n)).tocsr()
    adjacency = sp.coo_matrix((np.ones(a.size), (a, b)), shape=(n, n))
    _, label = connected_components(adjacency, directed=False)
    source, drain = network.terminal_nodes[:2]
    fixed = np.zeros(n, dtype=bool)
    fixed[[source, drain]] = True
    active = label == label[source]
    free = np.flatnonzero(active & ~fixed)
    potentials = np.zeros(n)
    potentials[source] = volts
    rhs = -laplacian[free][:, [source, drain]] @ potentials[[source, drain]]
    return laplacian[free][:, free].tocsc(), rhs


def make_simulation(n_wires: int, settle: int, early_refactor: bool = True, built=None):
    """The reference workload through the public API, run ``settle`` steps (compiled, settled).

    ``early_refactor=False`` keeps the solver's earlier behaviour of iterating a stale factor
    out (``CircuitSolver(early_refactor=...)``), for a comparison in the same run; ``built``
    reuses a ``(network, side)`` already built.

    Returns the simulation, its network, the bias (V) and the seconds taken to build the
    network (deposition, junctions, graph).
    """
    t0 = time.perf_counter()
    network, side = build(n_wires, seed=n_wires) if built is None else built
    t_build = time.perf_counter() - t0
    volts = FIELD * side
    model = make_model("rate", network.n_junctions, rng=np.random.default_rng(1),
                       initial={"uniform": [0.0, 0.05]})
    left, right = network.electrode_names[:2]
    sim = Simulation(network, model, {left: Source("voltage", make_stimulus(
        {"kind": "dc", "value": volts})), right: Source("ground")}, dt=2e-3,
        recorders=[TraceRecorder()])
    sim.solver.early_refactor = early_refactor
    if settle:
        sim.run(settle * sim.dt)
    return sim, network, volts, t_build


def run_scaling(sizes: list[int], steps: int, chunk: int, settle: int) -> None:
    """Whole-step cost against network size, the sizes' steps interleaved in one process.

    Chunks of ``chunk`` steps alternate between the sizes (order reversed every round), so
    the machine's slow drifts in speed (a shared VM varies by +-30 % over seconds) fall on
    every size alike; each size runs the same steps of the same physics.
    """
    sims = [make_simulation(n, settle)[0] for n in sizes]
    spent = [0.0] * len(sims)
    iterations = [0] * len(sims)
    rounds = max(1, steps // chunk)
    for r in range(rounds):
        order = range(len(sims)) if r % 2 == 0 else reversed(range(len(sims)))
        for k in order:
            sim = sims[k]
            before = sim.solver.timings["iterations"]
            t0 = time.perf_counter()
            sim.run(chunk * sim.dt)
            spent[k] += time.perf_counter() - t0
            iterations[k] += sim.solver.timings["iterations"] - before
    n_steps = rounds * chunk
    print(f"scaling, {n_steps} steps per size after {settle} settling steps, interleaved "
          f"in chunks of {chunk}:")
    base = None
    for k, (sim, n_wires) in enumerate(zip(sims, sizes, strict=True)):
        per_step = spent[k] / n_steps
        junctions = sim.network.n_junctions
        line = (f"  {n_wires:>7} wires {junctions:>7} junctions  whole step "
                f"{per_step * 1e3:8.2f} ms ({iterations[k] / n_steps:.1f} CG it/step)")
        if base is None:
            base = (per_step, junctions)
        else:
            growth = per_step / base[0]
            ratio = junctions / base[1]
            line += (f"  x{growth:.1f} for x{ratio:.1f} junctions: exponent "
                     f"{math.log(growth) / math.log(ratio):.2f}")
        print(line)


def run_compare(n_wires: int, steps: int, settle: int, chunk: int) -> None:
    """The whole step with the stale factor iterated out (before) and abandoned early
    (after), on one network in one process, their steps interleaved in chunks."""
    built = build(n_wires, seed=n_wires)
    sims = {early: make_simulation(n_wires, settle, early, built)[0] for early in (False, True)}
    cpu = dict.fromkeys(sims, 0.0)
    wall = dict.fromkeys(sims, 0.0)
    for key in sims:
        for name in list(sims[key].solver.timings):
            sims[key].solver.timings[name] = 0
    rounds = max(1, steps // chunk)
    for r in range(rounds):
        for early in ((False, True) if r % 2 == 0 else (True, False)):
            sim = sims[early]
            t0, c0 = time.perf_counter(), time.process_time()
            sim.run(chunk * sim.dt)
            wall[early] += time.perf_counter() - t0
            cpu[early] += time.process_time() - c0
    n_steps = rounds * chunk
    print(f"{n_wires:>7} wires  {built[0].n_junctions:>7} junctions  {n_steps} steps after "
          f"{settle}, interleaved in chunks of {chunk}:")
    for early, label in ((False, "before (early_refactor=False)"),
                         (True, "after  (early_refactor=True) ")):
        tm = sims[early].solver.timings
        print(f"        {label} whole step {cpu[early] / n_steps * 1e3:8.3f} ms CPU "
              f"({wall[early] / n_steps * 1e3:8.3f} ms wall), {tm['iterations'] / n_steps:.1f} "
              f"CG it/step, {tm['factorizations']} factorizations")
    v_before = sims[False].snapshot().terminal_current
    v_after = sims[True].snapshot().terminal_current
    print(f"        ratio before / after {cpu[False] / cpu[True]:.2f} (CPU), "
          f"{wall[False] / wall[True]:.2f} (wall); terminal currents agree to "
          f"{np.max(np.abs(v_before - v_after)) / np.max(np.abs(v_before)):.1e} relative")


def run_size(n_wires: int, steps: int, settle: int = 20) -> None:
    sim, network, volts, t_build = make_simulation(n_wires, settle)  # compiled and settled
    timings = sim.solver.timings
    for key in list(timings):
        timings[key] = 0
    # Agents timed alone on the same voltages, same number of steps, on a copy of the state.
    twin = make_model("rate", network.n_junctions, rng=np.random.default_rng(1),
                      initial={"uniform": [0.0, 0.05]})
    voltage = sim.snapshot().junction_voltage.copy()
    conductance = np.empty(network.n_junctions)
    t0 = time.perf_counter()
    for _ in range(steps):
        twin.advance(voltage, sim.dt)
        twin.conductance(out=conductance)
    t_agents = (time.perf_counter() - t0) / steps

    t0 = time.perf_counter()
    sim.run(steps * sim.dt)
    t_step = (time.perf_counter() - t0) / steps
    per = {key: timings[key] / steps for key in ("assembly", "solve", "factorize", "scatter")}
    iterations = timings["iterations"] / steps

    matrix, rhs = plain_system(network, sim.snapshot().junction_conductance, volts)
    t_sp = time_spsolve(matrix, rhs, 3 if n_wires > 20000 else 7)
    other = t_step - sum(per.values()) - t_agents
    print(f"{n_wires:>7} wires  {network.n_junctions:>7} junctions  free nodes {matrix.shape[0]:>7}"
          f"  (built in {t_build:.2f} s)")
    print(f"        whole step {t_step * 1e3:8.3f} ms = assembly {per['assembly'] * 1e3:.3f}"
          f" + solve {per['solve'] * 1e3:.3f} + refactor {per['factorize'] * 1e3:.3f}"
          f" + scatter {per['scatter'] * 1e3:.3f} + agents {t_agents * 1e3:.3f}"
          f" + recording/loop {other * 1e3:.3f} ms   ({iterations:.1f} CG it/step)")
    print(f"        plain spsolve {t_sp * 1e3:8.3f} ms   ratio whole step / spsolve = "
          f"{t_step / t_sp:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--big", action="store_true", help="add 30,000 and 100,000 wires")
    parser.add_argument("--big-steps", type=int, default=None,
                        help="steps above 10,000 wires (default: max(20, steps / 10)); the "
                             "refactorization cycle there is 20-60 steps long, so short runs "
                             "show a window of it rather than its average")
    parser.add_argument("--settle", type=int, default=20,
                        help="steps run before timing (default 20); at 100,000 wires the "
                             "first factorization stays in use through the initial "
                             "transient for ~55 steps, so 20 time that transient")
    parser.add_argument("--scaling", type=int, nargs="+", metavar="WIRES",
                        help="instead: whole-step cost of these sizes, interleaved in one run "
                             "(e.g. --scaling 10000 100000), growth against the first")
    parser.add_argument("--chunk", type=int, default=5,
                        help="steps per turn with --scaling or --compare (default 5)")
    parser.add_argument("--compare", action="store_true",
                        help="instead: each size with the stale factor iterated out (the "
                             "solver's earlier behaviour) and abandoned early, interleaved")
    args = parser.parse_args()
    if args.scaling:
        run_scaling(args.scaling, args.steps, args.chunk, args.settle)
        return
    sizes = list(args.sizes) + ([30000, 100000] if args.big else [])
    big_steps = args.big_steps if args.big_steps else max(20, args.steps // 10)
    for n_wires in sizes:
        n_steps = args.steps if n_wires <= 10000 else big_steps
        if args.compare:
            run_compare(n_wires, n_steps, args.settle, args.chunk)
        else:
            run_size(n_wires, n_steps, args.settle)


if __name__ == "__main__":
    main()
