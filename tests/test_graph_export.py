"""networkx export: the graph holds the circuit, and networkx's resistance distance (its own
Laplacian pseudo-inverse) equals the two-terminal resistance nwn's solver gives."""

from __future__ import annotations

import numpy as np
import pytest

from nwn.engine.solver import solve_dc
from nwn.geometry import build_network, drop_wires, find_junctions, side_bars
from nwn.geometry.checks import InputError
from nwn.geometry.graph_export import write_graphml

nx = pytest.importorskip("networkx")

BOX = (30e-6, 30e-6)


def small_network(mode: str):
    wires = drop_wires(90, box=BOX, length=9e-6, rng=3)             # n l^2 = 8.1
    return build_network(wires, find_junctions(wires), side_bars(BOX, width=3e-6), mode=mode,
                         contact_resistance=2.0)


@pytest.mark.parametrize("mode", ["jda", "mnr"])
def test_resistance_distance_is_the_two_terminal_resistance(mode):
    network = small_network(mode)
    g = 10.0 ** np.random.default_rng(4).uniform(-4.0, -2.0, network.n_junctions)
    graph = network.to_networkx(g)
    left, right = network.terminal("left"), network.terminal("right")
    cluster = graph.subgraph(nx.node_connected_component(graph, left))
    assert right in cluster
    by_resistance = nx.resistance_distance(cluster, left, right, weight="resistance")
    by_conductance = nx.resistance_distance(cluster, left, right, weight="conductance",
                                            invert_weight=False)
    dc = solve_dc(network, g, {"left": ("voltage", 1.0), "right": ("ground",)})
    resistance = 1.0 / dc.terminal_current["left"]
    assert by_resistance == pytest.approx(resistance, rel=1e-9)
    assert by_conductance == pytest.approx(resistance, rel=1e-9)
    # the comparison can fail: one junction on the path changed moves networkx's answer
    k = int(np.argmax(np.abs(dc.edge_current[network.junction_edge])))
    wrong = g.copy()
    wrong[k] *= 1.01
    changed = network.to_networkx(wrong).subgraph(cluster.nodes)
    assert abs(nx.resistance_distance(changed, left, right, weight="resistance")
               / resistance - 1) > 1e-5


def test_nodes_and_edges_carry_the_network():
    network = small_network("mnr")
    graph = network.to_networkx()
    assert graph.number_of_nodes() == network.n_nodes
    assert graph.number_of_edges() == network.n_edges
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert kinds == {"junction", "wire", "contact"}
    e = int(np.flatnonzero(network.edge_kind == 1)[0])            # a wire segment
    a, b = network.edge_nodes[e]
    data = graph.edges[int(a), int(b)]
    assert data["edge"] == e and data["conductance"] == network.edge_conductance[e]
    k = 7
    a, b = network.edge_nodes[network.junction_edge[k]]
    assert graph.edges[int(a), int(b)]["junction"] == k
    assert "conductance" not in graph.edges[int(a), int(b)]      # set by the junction model
    t = network.terminal("right")
    assert graph.nodes[t]["electrode"] == "right" and graph.nodes[t]["wire"] == -1
    assert (graph.nodes[0]["x"], graph.nodes[0]["y"]) == tuple(network.node_position[0])


def test_graphml_round_trip(tmp_path):
    network = small_network("jda")
    g = np.full(network.n_junctions, 2e-3)
    path = write_graphml(tmp_path / "net.graphml", network, g)
    back = nx.read_graphml(path, node_type=int)
    assert back.number_of_nodes() == network.n_nodes
    assert back.number_of_edges() == network.n_edges
    a, b = network.edge_nodes[network.junction_edge[0]]
    assert back.edges[int(a), int(b)]["conductance"] == 2e-3
    assert back.nodes[network.terminal("left")]["electrode"] == "left"
    with pytest.raises(InputError, match="already exists"):
        write_graphml(path, network, g)
    with pytest.raises(InputError, match="junction_conductance"):
        network.to_networkx(np.zeros(network.n_junctions))
