"""mnns (MemNNetSim) wire text format: a round trip, and the junctions of the mnns oracle case.

``resources/validation/mnns_hp_dc.npz`` was computed with mnns 1.0.5 (provenance in
``resources/validation/README.md``); it lists every junction mnns found, wire-electrode
contacts included, as pairs of mnns nodes (wire i is node i, electrode k is node 120 + k).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from nwn.geometry import EDGE_CONTACT, Electrode, Wires, build_network, find_junctions
from nwn.geometry.checks import InputError
from nwn.geometry.wire_io import MNNS_LENGTH_UNIT, load_mnns_txt, save_mnns_txt
from nwn.resources import validation_path

CASE = validation_path("mnns_hp_dc.npz")


def oracle():
    with np.load(CASE) as data:
        return data["wires_m"], data["electrodes_m"], data["junction_nodes"]


def oracle_network(tmp_path):
    wires_m, electrodes_m, _ = oracle()
    electrodes = [Electrode(name, shapely.LineString(ends))
                  for name, ends in zip(("source", "drain"), electrodes_m, strict=True)]
    path = save_mnns_txt(tmp_path / "case.txt", Wires.from_endpoints(wires_m), electrodes)
    return load_mnns_txt(path, electrode_names=("source", "drain"))


def test_round_trip(tmp_path):
    wires_m, electrodes_m, _ = oracle()
    wires, electrodes = oracle_network(tmp_path)
    np.testing.assert_allclose(wires.endpoints, wires_m, rtol=1e-15, atol=1e-21)
    for electrode, ends in zip(electrodes, electrodes_m, strict=True):
        assert electrode.shape.geom_type == "LineString"
        np.testing.assert_allclose(np.asarray(electrode.shape.coords), ends, atol=1e-21)
    again = save_mnns_txt(tmp_path / "again.txt", wires, electrodes)
    assert again.read_text() == (tmp_path / "case.txt").read_text()
    rows = np.loadtxt(again)
    assert rows.shape == (2 * (120 + 2), 2)                      # electrodes, then wires
    np.testing.assert_allclose(rows[:4] * MNNS_LENGTH_UNIT, electrodes_m.reshape(-1, 2),
                               atol=1e-21)


def test_junctions_of_the_mnns_case(tmp_path):
    """nwn finds mnns's 504 junctions: the same wire pairs and the same wire-electrode
    contacts (mnns counts a contact as a junction)."""
    wires, electrodes = oracle_network(tmp_path)
    junctions = find_junctions(wires)
    network = build_network(wires, junctions, list(electrodes))
    contacts = network.edge_nodes[network.edge_kind == EDGE_CONTACT]
    assert network.n_junctions + contacts.shape[0] == 504
    _, _, mnns_nodes = oracle()
    ours = {tuple(sorted(p)) for p in junctions.pairs.tolist()}
    terminal_index = {int(t): 120 + k for k, t in enumerate(network.terminal_nodes)}
    ours |= {(int(w), terminal_index[int(t)]) for w, t in contacts.tolist()}
    assert ours == {tuple(sorted(p)) for p in mnns_nodes.tolist()}


def test_bad_files_are_named(tmp_path):
    odd = tmp_path / "odd.txt"
    odd.write_text("0 0\n1 0\n0 1\n1 1\n0.5 0.5\n")
    with pytest.raises(InputError, match="even number"):
        load_mnns_txt(odd)
    words = tmp_path / "words.txt"
    words.write_text("x y\n1 2\n")
    with pytest.raises(InputError, match="two numbers"):
        load_mnns_txt(words)
    with pytest.raises(InputError, match="existing file"):
        load_mnns_txt(tmp_path / "missing.txt")
    wires, electrodes = oracle_network(tmp_path)
    with pytest.raises(InputError, match="two line electrodes"):
        save_mnns_txt(tmp_path / "one.txt", wires, electrodes[:1])
    pad = Electrode("pad", shapely.box(0, 0, 1e-6, 1e-6))
    with pytest.raises(InputError, match="straight line"):
        save_mnns_txt(tmp_path / "pad.txt", wires, [pad, electrodes[1]])
    with pytest.raises(InputError, match="already exists"):
        save_mnns_txt(tmp_path / "case.txt", wires, electrodes)
