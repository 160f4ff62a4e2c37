"""The network at one instant as a SPICE netlist, and ngspice's operating point of it.

A netlist is the network's resistor graph with its electrodes, readable by any SPICE
(ngspice, LTspice, Xyce, HSPICE), so the same circuit can be solved, probed or extended with
other devices by circuit tools. What each part becomes:

* node ``i`` of the :class:`~nwn.geometry.network.Network` is SPICE node ``n<i>``; SPICE's
  ground ``0`` is the reference of every source;
* junction ``k`` is resistor ``RJ<k>`` (1 / its conductance at that instant), a wire segment
  on edge ``e`` is ``RW<e>``, a wire-electrode contact on edge ``e`` is ``RC<e>``;
* a voltage electrode is ``V<name> <terminal> 0 DC <V>``; a ground electrode is a 0 V source
  (not a short to ``0``, so that SPICE reports its current); a series resistance ``r`` puts
  the source on node ``s<k>`` and ``RS<k>`` between it and the terminal;
* a current electrode is ``I<name> 0 <terminal> DC <A>`` (SPICE's current flows from its first
  node through the source to its second, so the current enters the network, as in nwn);
* a floating electrode is its terminal node with its contacts and nothing else.

Clusters that reach no grounded or voltage-driven electrode have no defined potential (the
solver excludes them; SPICE would stop on a singular matrix), so they are left out, named in
a comment. Values are written with 17 significant digits, which read back to the same float64.

SPICE reports a voltage source's current flowing into its positive node from the circuit and
through the source, so the current it drives into the network is ``-i(V<name>)``;
:func:`ngspice_operating_point` returns that sign already turned to nwn's (positive into the
network).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nwn.geometry.checks import InputError
from nwn.geometry.network import EDGE_CONTACT, EDGE_JUNCTION, EDGE_WIRE, Network

__all__ = ["SpiceOperatingPoint", "drive_sources", "ngspice_operating_point", "results_instant",
           "simulation_instant", "spice_netlist", "write_spice"]

#: SPICE element-name prefix of each edge kind (then the junction index or edge index).
_EDGE_PREFIX = {EDGE_JUNCTION: "RJ", EDGE_WIRE: "RW", EDGE_CONTACT: "RC"}
#: Electrode names become part of element names: SPICE allows letters, digits and _.
_NAME_SAFE = re.compile(r"[^A-Za-z0-9_]")


def _sources(network: Network, sources: Mapping) -> list:
    """One :class:`~nwn.engine.sources.Source` per electrode, in terminal order."""
    from nwn.engine.sources import Source, as_source

    if not isinstance(sources, Mapping):
        raise InputError(f"sources must map electrode names to sources (got {sources!r})")
    names = tuple(network.electrode_names)
    unknown = [n for n in sources if n not in names]
    if unknown:
        known = ", ".join(repr(n) for n in names)
        raise InputError(f"sources: electrode {unknown[0]!r} does not exist (known: {known})")
    return [as_source(sources[n], f"sources[{n!r}]") if n in sources else Source("floating")
            for n in names]


def _element_names(names) -> list[str]:
    """SPICE-safe, unique, case-insensitively distinct element suffixes for electrodes."""
    out, seen = [], set()
    for k, name in enumerate(names):
        safe = _NAME_SAFE.sub("_", name) or "e"
        if safe.lower() in seen:
            safe = f"{safe}_{k}"
        seen.add(safe.lower())
        out.append(safe)
    return out


def _edge_conductance(network: Network, junction_conductance) -> np.ndarray:
    g_junction = np.asarray(junction_conductance, dtype=np.float64)
    if g_junction.ndim == 0:
        g_junction = np.full(network.n_junctions, float(g_junction))
    if g_junction.shape != (network.n_junctions,):
        raise InputError(
            f"junction_conductance must hold one value per junction ({network.n_junctions}) "
            f"(got shape {g_junction.shape})")
    bad = ~(np.isfinite(g_junction) & (g_junction > 0))
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"junction_conductance must be finite and > 0 S for a SPICE resistor "
                         f"(got {g_junction[k]!r} S at junction {k})")
    g = np.array(network.edge_conductance, dtype=np.float64)
    g[np.asarray(network.junction_edge)] = g_junction
    return g


def spice_netlist(network: Network, junction_conductance, sources: Mapping, *,
                  title: str = "nwn-studio nanowire network", analysis: str = ".op") -> str:
    """The network as a SPICE netlist (see the module docstring for the mapping).

    Parameters
    ----------
    network : Network
    junction_conductance : float or array_like, shape (M,)
        Conductance of every junction at the instant exported (S), > 0.
    sources : mapping of str to Source or tuple
        As for :func:`~nwn.engine.solver.solve_dc`, e.g.
        ``{"left": ("voltage", 1.0), "right": ("ground",)}``; electrodes not named float.
        A waveform is taken at t = 0 (:func:`drive_sources` freezes one at another time).
    title : str, optional
        First line of the netlist (SPICE reads the first line as the title).
    analysis : str, optional
        Analysis card(s) written before ``.end`` (default ``.op``); empty for none.

    Returns
    -------
    str
        The netlist, one element per line, ending with ``.end``.

    Raises
    ------
    InputError
        On an unknown electrode name, a bad source, a non-positive conductance, or a current
        source in a cluster that no grounded or voltage-driven electrode reaches.
    """
    if not isinstance(network, Network):
        raise InputError(f"network must be a Network (got {type(network).__name__})")
    items = _sources(network, sources)
    g = _edge_conductance(network, junction_conductance)
    names = tuple(network.electrode_names)
    element = _element_names(names)
    terminal = np.asarray(network.terminal_nodes, dtype=np.int64)
    component = np.asarray(network.component, dtype=np.int64)
    reference = [s.kind in ("voltage", "ground") for s in items]
    if not any(reference):
        raise InputError("sources: no electrode is grounded or voltage-driven, so the "
                         "network has no reference potential (ground one electrode)")
    solved = np.zeros(int(component.max(initial=-1)) + 1, dtype=bool)
    solved[component[terminal[np.array(reference)]]] = True
    for k, source in enumerate(items):
        if source.kind == "current" and not solved[component[terminal[k]]]:
            raise InputError(
                f"sources: electrode {names[k]!r} (current source) reaches no grounded or "
                f"voltage-driven electrode, so its current has no return path")
    edge_nodes = np.asarray(network.edge_nodes, dtype=np.int64)
    kept = solved[component[edge_nodes[:, 0]]]
    lines = [title.splitlines()[0] if title else "nwn-studio nanowire network",
             f"* {network.mode} network: {network.n_nodes} nodes, {network.n_edges} edges "
             f"({network.n_junctions} junctions), {len(names)} electrodes",
             "* RJ<k>: junction k; RW<e>: wire segment (edge e); RC<e>: electrode contact "
             "(edge e); node n<i>: network node i"]
    n_left = int(np.count_nonzero(~kept))
    if n_left:
        lines.append(f"* left out: {n_left} edges in clusters that reach no grounded or "
                     f"voltage-driven electrode")
    for k, source in enumerate(items):
        node = f"n{terminal[k]}"
        label = element[k]
        if source.kind == "floating":
            lines.append(f"* electrode {names[k]!r}: floating, terminal {node}")
            continue
        lines.append(f"* electrode {names[k]!r}: {source.kind}, terminal {node}")
        if source.kind == "current":
            lines.append(f"I{label} 0 {node} DC {source.at(0.0):.17g}")
            continue
        value = source.at(0.0)  # 0 for ground
        if source.series_resistance > 0:
            lines.append(f"V{label} s{k} 0 DC {value:.17g}")
            lines.append(f"RS{label} s{k} {node} {source.series_resistance:.17g}")
        else:
            lines.append(f"V{label} {node} 0 DC {value:.17g}")
    junction_of = np.asarray(network.edge_junction, dtype=np.int64)
    kinds = np.asarray(network.edge_kind)
    resistance = 1.0 / g
    for e in np.flatnonzero(kept):
        kind = int(kinds[e])
        index = junction_of[e] if kind == EDGE_JUNCTION else e
        a, b = edge_nodes[e]
        lines.append(f"{_EDGE_PREFIX[kind]}{index} n{a} n{b} {resistance[e]:.17g}")
    if analysis:
        lines.append(analysis)
    lines.append(".end")
    return "\n".join(lines) + "\n"


def write_spice(path: str | os.PathLike, network: Network, junction_conductance,
                sources: Mapping, *, overwrite: bool = False, **options) -> Path:
    """Write :func:`spice_netlist` to ``path`` (``.cir``, ``.sp`` or any name).

    Parameters
    ----------
    path : str or PathLike
    network, junction_conductance, sources
        As for :func:`spice_netlist`.
    overwrite : bool, optional
        Replace an existing file (default: refuse).
    **options
        ``title``, ``analysis``.

    Returns
    -------
    Path
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise InputError(f"output {str(path)!r} already exists (choose another name)")
    text = spice_netlist(network, junction_conductance, sources, **options)
    path.write_text(text, encoding="ascii", errors="replace")
    return path


def drive_sources(drives: Mapping, t: float) -> dict:
    """Every electrode's :class:`~nwn.engine.sources.Source` frozen at its value at time ``t``.

    Parameters
    ----------
    drives : mapping of str to Source
        A simulation's drives (stimulus waveforms and series resistances).
    t : float
        Time (s); each stimulus is taken at its value then, as the simulation holds it over
        the step that starts at ``t``.
    """
    from nwn.engine.sources import WAVEFORM_KINDS, Source

    return {name: Source(drive.kind,
                         float(drive.at(float(t))) if drive.kind in WAVEFORM_KINDS else None,
                         drive.series_resistance)
            for name, drive in drives.items()}


def simulation_instant(simulation) -> tuple[Network, np.ndarray, dict]:
    """``(network, junction_conductance, sources)`` of a simulation now (for a scenario's
    initial state: right after :func:`~nwn.engine.build.build_simulation`).

    Pass them to :func:`spice_netlist`, :func:`write_spice` or
    :func:`ngspice_operating_point`.
    """
    return (simulation.network, np.array(simulation.junction_conductance),
            drive_sources(simulation.drives, simulation.t))


def results_instant(results, t: float) -> tuple[Network, np.ndarray, dict, float]:
    """``(network, junction_conductance, sources, t_row)`` recorded in a results file.

    Parameters
    ----------
    results : Results
        An open results file (:func:`nwn.engine.results.load_results`).
    t : float
        Time (s): the latest junction row at or before it is taken (``t_row``), with the
        sources of the scenario stored in the file at that time.

    Raises
    ------
    InputError
        When the file holds no junction rows or no readable scenario.
    """
    from nwn.engine.build import make_drives
    from nwn.engine.scenario import parse_scenario

    snapshot = results.snapshot_at(float(t))
    if not results.scenario_text:
        raise InputError("results file holds no scenario, so its sources are unknown")
    base = results.path.parent if getattr(results, "path", None) is not None else None
    scenario = parse_scenario(results.scenario_text, base_dir=base)
    sources = drive_sources(make_drives(scenario), snapshot.t)
    return results.network, np.array(snapshot.junction_conductance), sources, snapshot.t


@dataclass(frozen=True, eq=False)
class SpiceOperatingPoint:
    """ngspice's DC operating point of a netlist written by :func:`spice_netlist`.

    Attributes
    ----------
    node_voltage : ndarray, shape (N,)
        V at every network node; NaN on nodes left out of the netlist.
    terminal_current : dict of str to float
        A into the network through each driven electrode (nwn's sign), NaN when floating.
    values : dict of str to float
        Every vector ngspice wrote, by its lower-case name (``v(n3)``, ``i(vleft)``).
    """

    node_voltage: np.ndarray
    terminal_current: dict
    values: dict


def _read_raw(path: Path) -> dict[str, float]:
    """The first point of a binary (or ASCII) SPICE raw file, by vector name."""
    data = path.read_bytes()
    marker_binary, marker_ascii = b"Binary:\n", b"Values:\n"
    binary = data.find(marker_binary)
    at = binary if binary >= 0 else data.find(marker_ascii)
    if at < 0:
        raise RuntimeError(f"ngspice raw file {str(path)!r} holds no values")
    header = data[:at].decode("ascii", errors="replace").splitlines()
    names, n_vars, reading = [], 0, False
    for line in header:
        if line.startswith("No. Variables:"):
            n_vars = int(line.split(":")[1])
        elif line.startswith("Variables:"):
            reading = True
        elif reading and line.strip():
            names.append(line.split()[1].lower())
    names = names[:n_vars]
    if binary >= 0:
        values = np.frombuffer(data, dtype="<f8", count=n_vars,
                               offset=at + len(marker_binary))
    else:
        body = data[at + len(marker_ascii):].decode("ascii").split()
        values = np.array([float(v) for v in body[1:1 + n_vars]])
    return dict(zip(names, values.tolist(), strict=True))


def ngspice_operating_point(network: Network, junction_conductance, sources: Mapping, *,
                            executable: str = "ngspice",
                            timeout: float = 300.0) -> SpiceOperatingPoint:
    """Solve the network's netlist with ngspice in batch mode (``.op``) and read it back.

    An independent solver of the same circuit: ngspice's sparse LU on its modified nodal
    analysis, against nwn's preconditioned conjugate gradient on the reduced Laplacian.

    Parameters
    ----------
    network, junction_conductance, sources
        As for :func:`spice_netlist`.
    executable : str, optional
        The ngspice program (default ``ngspice`` on the PATH).
    timeout : float, optional
        Seconds before ngspice is stopped.

    Returns
    -------
    SpiceOperatingPoint
        Read from ngspice's binary raw file (float64, no rounding).

    Raises
    ------
    InputError
        When ngspice is not installed, or as :func:`spice_netlist`.
    RuntimeError
        When ngspice fails; the message holds the end of its log.
    """
    program = shutil.which(executable)
    if program is None:
        raise InputError(f"executable {executable!r} is not on the PATH (install ngspice, "
                         f"e.g. apt-get install ngspice)")
    text = spice_netlist(network, junction_conductance, sources)
    with tempfile.TemporaryDirectory(prefix="nwn-spice-") as folder:
        circuit, raw = Path(folder) / "network.cir", Path(folder) / "network.raw"
        circuit.write_text(text, encoding="ascii", errors="replace")
        done = subprocess.run([program, "-b", "-r", str(raw), str(circuit)],
                              capture_output=True, text=True, timeout=timeout, cwd=folder,
                              check=False)
        log = (done.stdout + done.stderr).strip()
        # ngspice reports netlist errors as lines starting with "Error" (the title, echoed
        # as "Circuit: ...", may hold the word too)
        failed = any(line.strip().lower().startswith("error") for line in log.splitlines())
        if done.returncode != 0 or not raw.is_file() or failed:
            raise RuntimeError(f"ngspice failed (exit {done.returncode}): {log[-2000:]}")
        values = _read_raw(raw)
    voltage = np.full(network.n_nodes, np.nan)
    for i in range(network.n_nodes):
        voltage[i] = values.get(f"v(n{i})", np.nan)
    items = _sources(network, sources)
    element = _element_names(network.electrode_names)
    current = {}
    for k, (name, source) in enumerate(zip(network.electrode_names, items, strict=True)):
        if source.kind == "current":
            current[name] = source.at(0.0)
        elif source.kind in ("voltage", "ground"):
            current[name] = -values[f"i(v{element[k].lower()})"]
        else:
            current[name] = np.nan
    return SpiceOperatingPoint(node_voltage=voltage, terminal_current=current, values=values)
