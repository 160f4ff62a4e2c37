"""Source kinds: one set of rules for the file-level spec, the runtime source and the solver."""

from __future__ import annotations

import numpy as np
import pytest

from nwn.engine import solver_kernels
from nwn.engine.scenario import SourceSpec
from nwn.engine.solver import CircuitSolver
from nwn.engine.sources import SOURCE_KINDS, Source, as_source
from nwn.engine.stimuli import DC, make_stimulus
from nwn.geometry.checks import InputError
from nwn.geometry.network import EDGE_CONTACT, EDGE_JUNCTION, Network

PULSE = {"kind": "pulse", "amplitude": 2.0, "width": 0.1, "period": 0.2}

# (kind, waveform given, series resistance) -> the one message, whichever form is built
REFUSED = [
    (("battery", None, 0.0), "source.kind must be one of 'voltage', 'current', 'ground', "
                             "'floating' (got 'battery')"),
    (("voltage", None, 0.0), "source: a voltage source needs a 'waveform'"),
    (("current", None, 0.0), "source: a current source needs a 'waveform'"),
    (("ground", PULSE, 0.0), "source: a ground electrode takes no waveform"),
    (("floating", PULSE, 0.0), "source: a floating electrode takes no waveform"),
    # a grounded terminal behind a resistance is a 0 V voltage source behind it; the solver
    # used to take it while scenario files refused it
    (("ground", None, 20.0), "source.series_resistance applies to voltage sources only "
                             "(got kind 'ground')"),
    (("current", PULSE, 20.0), "source.series_resistance applies to voltage sources only "
                               "(got kind 'current')"),
    (("voltage", PULSE, -1.0), "source.series_resistance must be >= 0"),
]


@pytest.mark.parametrize("args,message", REFUSED, ids=[str(a[:1] + a[2:]) for a, _ in REFUSED])
def test_spec_and_runtime_source_refuse_with_one_message(args, message):
    kind, waveform, series = args
    with pytest.raises(InputError) as spec_error:
        SourceSpec(kind, waveform, series)
    stimulus = None if waveform is None else make_stimulus(waveform)
    with pytest.raises(InputError) as source_error:
        Source(kind, stimulus, series)
    assert str(spec_error.value).startswith(message)
    assert str(source_error.value) == str(spec_error.value)


def test_the_solver_takes_the_same_sources_and_names_the_electrode():
    with pytest.raises(InputError, match=r"^sources\['b'\]\.series_resistance applies to "
                                         r"voltage sources only \(got kind 'ground'\)"):
        CircuitSolver(two_wire_network(), {"a": ("voltage", 1.0), "b": ("ground", None, 5.0)})
    with pytest.raises(InputError, match=r"^sources\['b'\] must be a Source or a tuple"):
        as_source(object(), "sources['b']")


def test_runtime_source_derives_from_the_spec():
    spec = SourceSpec("voltage", PULSE, 50.0)
    source = Source.from_spec(spec)
    assert (source.kind, source.series_resistance) == ("voltage", 50.0)
    t = np.linspace(0.0, 1.0, 101)
    np.testing.assert_array_equal(source.at(t), make_stimulus(PULSE).at(t))
    assert source.stimulus.to_spec() == make_stimulus(PULSE).to_spec()
    ground = Source.from_spec(SourceSpec("ground"))
    assert ground == Source("ground") and ground.at(0.3) == 0.0
    np.testing.assert_array_equal(ground.at(t), np.zeros_like(t))


def test_a_number_is_a_constant_level():
    assert Source("voltage", 1.5) == Source("voltage", DC(1.5))
    assert Source("current", -2e-3, where="x").at(7.0) == -2e-3
    with pytest.raises(InputError, match=r"source\.stimulus must be a finite number \(got nan\)"):
        Source("voltage", float("nan"))
    with pytest.raises(InputError, match="source.stimulus must be a number or a waveform with an at"):
        Source("voltage", "1 V")


def test_kernel_codes_are_the_positions_of_the_kinds():
    codes = (solver_kernels.KIND_VOLTAGE, solver_kernels.KIND_CURRENT,
             solver_kernels.KIND_GROUND, solver_kernels.KIND_FLOATING)
    assert [SOURCE_KINDS[c] for c in codes] == ["voltage", "current", "ground", "floating"]


def two_wire_network():
    """Wire nodes 0 and 1 joined by one junction; electrode 'a' on 0, 'b' on 1."""
    return Network(
        mode="jda", n_nodes=4, edge_nodes=np.array([[0, 1], [2, 0], [3, 1]]),
        edge_kind=np.array([EDGE_JUNCTION, EDGE_CONTACT, EDGE_CONTACT], dtype=np.int8),
        edge_conductance=np.array([np.nan, 1.0, 1.0]), junction_edge=np.array([0]),
        edge_junction=np.array([0, -1, -1]), electrode_names=("a", "b"),
        terminal_nodes=np.array([2, 3]), node_position=np.zeros((4, 2)),
        node_wire=np.array([0, 1, -1, -1]), component=np.zeros(4, dtype=np.int64),
    )


def test_series_resistance_behind_a_voltage_source_adds_in_series():
    # 1 ohm contacts, a 2 ohm junction and 3 ohm in series with the source: 1 V / 7 ohm
    network = two_wire_network()
    sol = CircuitSolver(network, {"a": Source("voltage", 1.0, 3.0), "b": Source("ground")}
                        ).solve(np.array([0.5]))
    assert sol.terminal_current[0] == pytest.approx(1.0 / 7.0, rel=1e-13)


def test_simulation_takes_sources_only():
    from nwn.engine.junctions import make_model
    from nwn.engine.simulation import Simulation

    network = two_wire_network()
    model = make_model("ohmic", 1, params={"g": 0.5}, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match=r"^electrodes\.a\.source must be a Source \(got tuple\)"):
        Simulation(network, model, {"a": ("voltage", 1.0), "b": Source("ground")}, dt=1e-3)
    sim = Simulation(network, model, {"a": Source("voltage", 1.0), "b": Source("ground")},
                     dt=1e-3)
    # 1 ohm contacts around a 2 ohm junction
    assert sim.snapshot().terminal_current[0] == pytest.approx(1.0 / 4.0, rel=1e-13)
