"""nwn's reservoir tasks against RCbench 1.0.10 (the INRiM group's tool), same settings.

Agreement to 1e-6 on the measured recording and on synthetic echo-state reservoirs, for every
task both implement. RCbench's NARMA-10 is not the published system (see
nwn.engine.reservoir.tasks) and diverges on these inputs: that test shows the difference.
"""

from __future__ import annotations

import functools
import logging

import numpy as np
import pytest
from rc_reservoirs import MEASURED, EchoState
from rcbench.tasks.kernelrank import KernelRankEvaluator
from rcbench.tasks.memorycapacity import MemoryCapacityEvaluator
from rcbench.tasks.narma import NarmaEvaluator, generate_narma_target
from rcbench.tasks.nlt import NltEvaluator
from rcbench.tasks.sinx import SinxEvaluator

from nwn.engine.reservoir import make_input, read_recording, score_task
from nwn.engine.reservoir.generators import narma, normalize
from nwn.engine.reservoir.scoring import recording_features

logging.getLogger("rcbench").setLevel(logging.ERROR)

ALPHA = 0.1
NLT_NAMES = {"square_wave": "square", "pi_half_shifted": "phase-shift",
             "double_frequency": "double-frequency", "triangular_wave": "triangle"}


@functools.lru_cache(maxsize=1)
def _measured():
    recording = read_recording(MEASURED)
    u, features, _ = recording_features(recording, "8", ["17"])
    return u, features, recording.time


def _synthetic(task, seed):
    u, _ = make_input(task, 2000, seed)
    return u, EchoState(n=25, seed=seed).run(u), np.arange(u.size) * 0.2


def _cases(task):
    return [pytest.param(_measured, id="measured")] + [
        pytest.param(lambda s=seed: _synthetic(task, s), id=f"esn{seed}") for seed in (1, 2)]


@pytest.mark.parametrize("data", _cases("memory-capacity"))
def test_memory_capacity(data):
    u, features, _ = data()
    theirs = MemoryCapacityEvaluator(u, features.T, max_delay=30).calculate_total_memory_capacity(
        feature_selection_method="pca", num_features="all", regression_alpha=ALPHA,
        train_ratio=0.8)
    ours = score_task("memory-capacity", u, features)
    assert ours.score == pytest.approx(theirs["total_memory_capacity"], abs=1e-6)
    np.testing.assert_allclose(ours.per_delay, [theirs["delay_results"][d] for d in range(1, 31)],
                               atol=1e-6)


@pytest.mark.parametrize("data", _cases("nlt"))
def test_nonlinear_transformation(data):
    u, features, time = data()
    evaluator = NltEvaluator(u, features.T, time)
    ours = score_task("nlt", u, features)
    for theirs_name, name in NLT_NAMES.items():
        theirs = evaluator.run_evaluation(theirs_name, metric="NMSE", num_features="all",
                                          regression_alpha=ALPHA)["accuracy"]
        assert ours.details[f"{name}_nmse"] == pytest.approx(theirs, abs=1e-6), name


@pytest.mark.parametrize("data", _cases("narma2"))
def test_narma2(data):
    u, features, _ = data()
    theirs = NarmaEvaluator(u, features.T, order=2).run_evaluation(
        metric="RNMSE", num_features="all", regression_alpha=ALPHA)["accuracy"]
    assert score_task("narma2", u, features).score == pytest.approx(theirs, abs=1e-6)


@pytest.mark.parametrize("data", _cases("narma10"))
def test_narma10_differs_deliberately(data):
    # RCbench's "NARMA-10" runs NARMA-2's coefficients over a 10-term sum: it blows up to
    # infinity on these inputs, so there is no score to compare; nwn's (the published
    # system) stays bounded and the same readout scores it.
    u, features, _ = data()
    with np.errstate(over="ignore", invalid="ignore"):
        theirs = generate_narma_target(u, 10)
    assert not np.all(np.isfinite(theirs))
    ours = narma(normalize(u, 0, 0.5), 10)
    assert np.all(np.isfinite(ours)) and 0.0 < ours.max() < 2.0
    assert np.isfinite(score_task("narma10", u, features).score)


@pytest.mark.parametrize("data", _cases("sinx"))
def test_sinx(data):
    u, features, _ = data()
    theirs = SinxEvaluator(u, features.T).run_evaluation(
        metric="NMSE", num_features="all", regression_alpha=ALPHA)["accuracy"]
    assert score_task("sinx", u, features).score == pytest.approx(theirs, abs=1e-6)


@pytest.mark.parametrize("data", _cases("kernel-rank"))
@pytest.mark.parametrize("include_input", [False, True])
def test_kernel_rank(data, include_input):
    u, features, _ = data()
    theirs = KernelRankEvaluator(features.T, input_signal=u if include_input else None)
    ours = score_task("kernel-rank", u, features, include_input=include_input)
    assert ours.score == theirs.run_evaluation()["kernel_rank"]
