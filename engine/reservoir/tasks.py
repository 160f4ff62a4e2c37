"""Reservoir-computing tasks: their input, their target, their score.

Every task scores a reservoir from its input ``u`` (shape (T,), one value per input sample)
and its features (shape (F, T): F reservoir outputs, e.g. floating-pad voltages, read once
per sample). Trained tasks fit a ridge readout with intercept (:mod:`.readout`) on the first
``train_fraction`` of the samples and score it on the rest, chronologically. The defaults
follow RCbench 1.0.10 (the INRiM group's tool), so that a measured device scored here and
there gives the same number: alpha 0.1, an 80/20 chronological split, and for memory
capacity max_delay 30 with the first max_delay samples dropped.

========================  =====================================================  ===========
task                      definition                                             score
========================  =====================================================  ===========
memory-capacity           MC(tau) = squared Pearson correlation between          MC (sum)
                          u(t - tau) and its prediction on the test part;
                          MC = sum_{tau=1}^{max_delay} MC(tau). Jaeger, GMD
                          Report 152 (2001). Input: i.i.d. uniform.
nlt                       nonlinear transformation of a sine input into a        accuracy
                          square wave (``square``), the sine shifted by pi/2     = 1 - NMSE
                          (``phase-shift``), the doubled frequency
                          (``double-frequency``) or a triangle wave
                          (``triangle``); Fu et al., IJCNN (2020), Milano et
                          al., Nat. Mater. 21, 195 (2022). Targets from the
                          input's analytic signal, as RCbench (below).
narma2, narma10           NARMA response to an i.i.d. input in [0, 0.5]          NRMSE
                          (:func:`.generators.narma`, the published
                          recurrences).
mackey-glass              one-step-ahead prediction u(t + 1) of the              NRMSE
                          Mackey-Glass series (tau = 17) fed as the input.
sinx                      sin(2 pi u') of an i.i.d. input, u' = u mapped onto    NMSE
                          [0, 1] (RCbench's sin(x) task).
waveform-classification   each input period is a sine or a square wave, at      accuracy
                          random; the readout (trained on labels 0/1,
                          threshold 0.5) names it sample by sample. Paquot et
                          al., Sci. Rep. 2, 287 (2012).
kernel-rank               number of singular values s_i of the feature matrix   rank
                          with s_i^2 > threshold s_max^2 (threshold 1e-6 on the
                          Gram matrix's eigenvalues, as RCbench); Legenstein &
                          Maass, Neural Netw. 20, 323 (2007).
mackey-glass-forecast     closed loop: the one-step readout of mackey-glass,     NRMSE over
                          trained teacher forced, then fed its own prediction    the horizon
                          as the next input for ``horizon`` samples; NRMSE
                          over the horizon (normalized by the series' standard
                          deviation) and the valid-prediction time (samples
                          until the error first exceeds 0.4 standard
                          deviations, Pathak et al., PRL 120, 024102 (2018)).
generalization-rank       m input streams from one saved network state; the      rank
                          rank (singular values above 1e-3 of the largest) of
                          the (F, m) matrix of final states for m noisy copies
                          of one stream (generalization rank: low is good),
                          and for m independent streams (kernel rank, in the
                          details: high is good). Vidamour et al.,
                          Nanotechnology 33, 485203 (2022).
========================  =====================================================  ===========

The last two need the reservoir itself, driven online (the readout's output fed back as its
input, or several streams through one state): only a simulated network is scored on them
(:mod:`.online`, through ``nwn reservoir run``); their score functions here take what the
online run measured (the forecast, the states) in the context.

Definitions that deliberately differ from RCbench 1.0.10 (everything else agrees with it to
rounding, tests/test_reservoir_rcbench.py):

* NARMA-10: RCbench's ``generate_narma_target(order=10)`` is not the published NARMA-10 (it
  uses the NARMA-2 coefficients 0.4, 0.4, 0.6, 0.1, sums y(t-10..t-1) and multiplies by
  u(t-10)), and with a 10-term sum those coefficients make it diverge to infinity on the
  measured and on random inputs; here it is Atiya & Parlos's system, which stays bounded.
* NLT: RCbench rescales each target to the input's range; the NMSE of a ridge fit with
  intercept is unchanged by any affine map of the target, so that step is left out.
* A constant prediction has MC(tau) = 0 here, NaN in RCbench.
* Mackey-Glass, waveform classification, the generalization rank and the closed-loop forecast
  have no RCbench counterpart (RCbench's kernel rank is the single-stream ``kernel-rank``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nwn.engine.reservoir import generators, metrics
from nwn.engine.reservoir.readout import (
    ALPHA_GRID,
    DEFAULT_ALPHA,
    DEFAULT_TRAIN_FRACTION,
    RidgeReadout,
    choose_alpha,
    fit_ridge,
    split_index,
)
from nwn.geometry.checks import InputError, check_choice, check_int, check_positive

__all__ = ["DEFAULT_HORIZON", "DEFAULT_MAX_DELAY", "HORIZON_RANGE", "MIN_TEST_SAMPLES",
           "MIN_TRAIN_SAMPLES", "NLT_TARGETS", "RANK_THRESHOLD", "STREAMS_RANGE", "TASKS", "Task",
           "TaskResult", "check_horizon", "check_streams", "closed_loop_forecast",
           "forecast_readout", "forecast_scores", "generalization_rank",
           "kernel_rank", "make_input", "memory_capacity_bias", "nlt_targets", "score_task",
           "task_names"]

DEFAULT_MAX_DELAY = 30
#: A readout trained or tested on fewer samples than these says little: with 100 test
#: samples the memory capacity's bias alone is 30/99 = 0.3 (:func:`memory_capacity_bias`).
MIN_TRAIN_SAMPLES = 100
MIN_TEST_SAMPLES = 100
NLT_TARGETS = ("square", "phase-shift", "double-frequency", "triangle")
#: Input periods of the NLT sine and of the waveform-classification segments (samples).
DEFAULT_PERIOD = 20
DEFAULT_SEGMENT = 8
#: Closed-loop forecast: samples forecast, and the valid-time threshold (standard deviations).
DEFAULT_HORIZON = 200
VALID_TIME_THRESHOLD = 0.4
#: Allowed closed-loop horizons (samples, inclusive): at least one forecast step; beyond a
#: million the forecast's simulation alone takes days.
HORIZON_RANGE = (1, 10**6)
#: Allowed stream counts of the generalization rank (inclusive): a rank needs two streams;
#: each stream is a separate simulation from the saved state.
STREAMS_RANGE = (2, 10_000)
#: Relative singular-value threshold of the multi-stream ranks (Vidamour et al. 2022).
RANK_THRESHOLD = 1e-3


@dataclass(frozen=True)
class TaskResult:
    """The score of one task on one reservoir.

    Attributes
    ----------
    task : str
    score : float
        The task's headline figure (see the table in the module docstring).
    metric : str
        What ``score`` is ("MC", "accuracy", "NRMSE", "NMSE", "rank").
    per_delay : tuple of float or None
        MC(1) .. MC(max_delay), for memory capacity only.
    details : dict
        Further figures (e.g. every NLT target's NMSE, the readout's alpha).
    target, prediction : ndarray, shape (n_test,), or None
        For the trained single-output tasks (NLT's scored target, NARMA, Mackey-Glass, sin(x),
        waveform classification): the target on the test part and the readout's estimate of
        it, for a target-vs-prediction plot; not part of :meth:`to_dict`.
    """

    task: str
    score: float
    metric: str
    per_delay: tuple[float, ...] | None = None
    details: dict = field(default_factory=dict)
    target: np.ndarray | None = field(default=None, compare=False, repr=False)
    prediction: np.ndarray | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: task, score, metric, per_delay (MC only), details."""
        out: dict[str, Any] = {"task": self.task, "score": self.score, "metric": self.metric}
        if self.per_delay is not None:
            out["per_delay"] = list(self.per_delay)
        out.update({k: v for k, v in self.details.items() if k not in out})
        return out


@dataclass(frozen=True)
class Task:
    """A task: how to make its input and how to score a reservoir on it."""

    name: str
    metric: str
    summary: str
    make_input: Callable[..., tuple[np.ndarray, dict]]
    score: Callable[..., TaskResult]
    #: Whether a measured recording can be scored (the target follows from the input alone).
    from_input: bool = True
    #: Whether the task drives the reservoir online (closed loop, several streams from one
    #: state): then only a simulated network is scored, by :mod:`.online`.
    online: bool = False


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------


def _check_pair(u: Any, features: Any) -> tuple[np.ndarray, np.ndarray]:
    u = np.asarray(u, dtype=np.float64)
    x = np.asarray(features, dtype=np.float64)
    if u.ndim != 1:
        raise InputError(f"input must have shape (T,) (got {u.shape})")
    if x.ndim != 2 or x.shape[0] == 0:
        raise InputError(f"features must have shape (F, T) with F >= 1 (got {x.shape}): "
                         f"the reservoir has no features to read")
    if x.shape[1] != u.size:
        raise InputError(f"features have {x.shape[1]} samples, the input {u.size}")
    for name, array in (("input", u), ("features", x)):
        if not np.all(np.isfinite(array)):
            raise InputError(f"{name} hold NaN or infinite values")
    return u, x


def _check_length(task: str, n: int, dropped: int = 0,
                  train_fraction: float = DEFAULT_TRAIN_FRACTION) -> int:
    """Samples usable after ``dropped``; refuses too few for a training and a test part."""
    usable = n - dropped
    split = split_index(max(usable, 0), train_fraction)
    if split < MIN_TRAIN_SAMPLES or usable - split < MIN_TEST_SAMPLES:
        need = MIN_TRAIN_SAMPLES + MIN_TEST_SAMPLES
        while split_index(need, train_fraction) < MIN_TRAIN_SAMPLES or \
                need - split_index(need, train_fraction) < MIN_TEST_SAMPLES:
            need += 1
        dropped_text = f"{dropped} dropped, then " if dropped else ""
        raise InputError(f"{task} needs at least {dropped + need} samples ({dropped_text}"
                         f">= {MIN_TRAIN_SAMPLES} to train and >= {MIN_TEST_SAMPLES} to test "
                         f"with train_fraction {train_fraction:g}); got {n}")
    return usable


def _alpha(alpha: float | str, x_train: np.ndarray, y_train: np.ndarray) -> float:
    if isinstance(alpha, str):
        if alpha != "cv":
            raise InputError(f"alpha must be a number >= 0 or 'cv' (got {alpha!r})")
        return choose_alpha(x_train, y_train, ALPHA_GRID)
    return float(alpha)


def _fit_and_predict(x: np.ndarray, y: np.ndarray, alpha: float | str,
                     train_fraction: float) -> tuple[np.ndarray, np.ndarray, RidgeReadout]:
    """Train on the first part, predict the rest; returns (y_test, prediction, readout)."""
    split = split_index(x.shape[1], train_fraction)
    y = np.atleast_2d(y)
    chosen = _alpha(alpha, x[:, :split], y[:, :split])
    readout = fit_ridge(x[:, :split], y[:, :split], chosen)
    return y[:, split:], readout.predict(x[:, split:]), readout


def _uniform(n: int, rng: np.random.Generator, **_: Any) -> tuple[np.ndarray, dict]:
    return rng.uniform(0.0, 1.0, n), {}


# --------------------------------------------------------------------------------------------
# Memory capacity
# --------------------------------------------------------------------------------------------


def memory_capacity(u: Any, features: Any, *, max_delay: int = DEFAULT_MAX_DELAY,
                    alpha: float | str = DEFAULT_ALPHA,
                    train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any) -> TaskResult:
    """Memory capacity (module docstring); the first ``max_delay`` samples are dropped."""
    u, x = _check_pair(u, features)
    max_delay = check_int("max_delay", max_delay, minimum=1)
    n = _check_length("memory-capacity", u.size, max_delay, train_fraction)
    targets = np.stack([u[max_delay - d: u.size - d] for d in range(1, max_delay + 1)])
    y_test, prediction, readout = _fit_and_predict(x[:, max_delay:], targets, alpha,
                                                   train_fraction)
    per_delay = tuple(metrics.squared_correlation(y_test[d], prediction[d])
                      for d in range(max_delay))
    return TaskResult("memory-capacity", float(sum(per_delay)), "MC", per_delay,
                      {"alpha": readout.alpha, "max_delay": max_delay,
                       "train_samples": split_index(n, train_fraction),
                       "test_samples": n - split_index(n, train_fraction),
                       "bias": memory_capacity_bias(n - split_index(n, train_fraction),
                                                    max_delay)})


def memory_capacity_bias(test_samples: int, max_delay: int = DEFAULT_MAX_DELAY) -> float:
    """Expected MC of features that carry no information about the input.

    A readout of such features predicts, on the test part, a series independent of each
    target; the squared correlation of two independent series of n samples has mean
    1 / (n - 1) (exactly, for Gaussian series), so the estimator's bias on the total is
    ``max_delay / (test_samples - 1)``: 0.051 for RCbench's 3000-sample protocol (594 test
    samples, max_delay 30). A measured MC is meaningful only well above it.
    """
    return max_delay / (test_samples - 1)


# --------------------------------------------------------------------------------------------
# Nonlinear transformation
# --------------------------------------------------------------------------------------------


def nlt_targets(u: Any) -> dict[str, np.ndarray]:
    """The four NLT targets of a (sine-like) input, from its analytic signal.

    With s = (u - mean u) / max|u - mean u| and a(t) = s + i H[s] (Hilbert transform):
    square = sign(s); phase-shift = H[s] (the quadrature, pi/2 behind); double-frequency =
    s^2 - mean(s^2); triangle = the symmetric triangle wave of the unwrapped phase arg a(t).
    These are RCbench's definitions, written from the signal so that a measured input, whose
    phase is not known, gets the same targets as a simulated one.
    """
    from scipy.signal import hilbert, sawtooth

    u = np.asarray(u, dtype=np.float64)
    s = u - np.mean(u)
    peak = float(np.max(np.abs(s)))
    if peak == 0:
        raise InputError("the input is constant: it carries no signal to compute with")
    s = s / peak
    analytic = hilbert(s)
    squared = s**2
    return {
        "square": np.sign(s),
        "phase-shift": np.imag(analytic),
        "double-frequency": squared - np.mean(squared),
        "triangle": sawtooth(np.unwrap(np.angle(analytic)), width=0.5),
    }


def _sine_input(n: int, rng: np.random.Generator, *, period: int = DEFAULT_PERIOD,
                **_: Any) -> tuple[np.ndarray, dict]:
    period = check_int("period", period, minimum=4)
    return np.sin(2 * np.pi * np.arange(n) / period), {"period": period}


def nonlinear_transformation(u: Any, features: Any, *, target: str = "square",
                             alpha: float | str = DEFAULT_ALPHA,
                             train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any
                             ) -> TaskResult:
    """NLT: NMSE and accuracy 1 - NMSE of every target; ``target``'s accuracy is the score."""
    u, x = _check_pair(u, features)
    check_choice("target", target, NLT_TARGETS)
    _check_length("nlt", u.size, 0, train_fraction)
    details: dict[str, Any] = {}
    names = list(NLT_TARGETS)
    targets = nlt_targets(u)
    y_test, prediction, readout = _fit_and_predict(x, np.stack([targets[k] for k in names]),
                                                   alpha, train_fraction)
    for k, name in enumerate(names):
        error = metrics.nmse(y_test[k], prediction[k])
        details[f"{name}_nmse"] = error
        details[f"{name}_accuracy"] = 1.0 - error
    details.update(target=target, alpha=readout.alpha)
    k = names.index(target)
    return TaskResult("nlt", details[f"{target}_accuracy"], "accuracy", details=details,
                      target=y_test[k], prediction=prediction[k])


# --------------------------------------------------------------------------------------------
# NARMA, sin(x), Mackey-Glass
# --------------------------------------------------------------------------------------------


def _regression(task: str, metric: str, u: np.ndarray, x: np.ndarray, y: np.ndarray,
                alpha: float | str, train_fraction: float, **details: Any) -> TaskResult:
    y_test, prediction, readout = _fit_and_predict(x, y, alpha, train_fraction)
    error = metrics.nmse(y_test[0], prediction[0])
    details.update(nmse=error, nrmse=float(np.sqrt(error)), alpha=readout.alpha)
    return TaskResult(task, details[metric.lower()], metric, details=details,
                      target=y_test[0], prediction=prediction[0])


def _narma_score(order: int) -> Callable[..., TaskResult]:
    def score(u: Any, features: Any, *, alpha: float | str = DEFAULT_ALPHA,
              train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any) -> TaskResult:
        u, x = _check_pair(u, features)
        _check_length(f"narma{order}", u.size, 0, train_fraction)
        target = generators.narma(generators.normalize(u, 0.0, 0.5), order)
        return _regression(f"narma{order}", "NRMSE", u, x, target, alpha, train_fraction,
                           order=order)
    score.__doc__ = (f"NARMA-{order}: NRMSE of the readout's estimate of the NARMA-{order} "
                     f"response to the input mapped onto [0, 0.5].")
    return score


def _narma_input(n: int, rng: np.random.Generator, **_: Any) -> tuple[np.ndarray, dict]:
    return rng.uniform(0.0, 0.5, n), {}


def sinx(u: Any, features: Any, *, alpha: float | str = DEFAULT_ALPHA,
         train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any) -> TaskResult:
    """sin(x): NMSE of the readout's estimate of sin(2 pi u'), u' = u mapped onto [0, 1]."""
    u, x = _check_pair(u, features)
    _check_length("sinx", u.size, 0, train_fraction)
    target = np.sin(2 * np.pi * generators.normalize(u))
    result = _regression("sinx", "NMSE", u, x, target, alpha, train_fraction)
    result.details["accuracy"] = 1.0 - result.score
    return result


def _mackey_glass_input(n: int, rng: np.random.Generator, **_: Any) -> tuple[np.ndarray, dict]:
    # One extra sample: the last feature row predicts it. The series is deterministic; the
    # seed picks where on the attractor it starts.
    start = float(rng.uniform(0.0, 500.0))
    series = generators.mackey_glass(n + 1, transient=1000.0 + round(start))
    return generators.normalize(series), {}


def _mackey_glass_series(n: int, rng: np.random.Generator, **_: Any
                         ) -> tuple[np.ndarray, dict]:
    # as _mackey_glass_input, without the extra sample: a forecast runs on the series itself
    start = float(rng.uniform(0.0, 500.0))
    return generators.normalize(generators.mackey_glass(n, transient=1000.0 + round(start))), {}


def mackey_glass_one_step(u: Any, features: Any, *, alpha: float | str = DEFAULT_ALPHA,
                          train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any
                          ) -> TaskResult:
    """Mackey-Glass one-step prediction: NRMSE of the estimate of u(t + 1) from x(t)."""
    u, x = _check_pair(u, features)
    _check_length("mackey-glass", u.size - 1, 0, train_fraction)
    return _regression("mackey-glass", "NRMSE", u[:-1], x[:, :-1], u[1:], alpha,
                       train_fraction)


# --------------------------------------------------------------------------------------------
# Waveform classification
# --------------------------------------------------------------------------------------------


def _waveform_input(n: int, rng: np.random.Generator, *, segment: int = DEFAULT_SEGMENT,
                    **_: Any) -> tuple[np.ndarray, dict]:
    segment = check_int("segment", segment, minimum=4)
    n_segments = -(-n // segment)
    kinds = rng.integers(0, 2, n_segments)  # 1: square
    phase = 2 * np.pi * np.arange(segment) / segment
    sine, square = np.sin(phase), np.where(phase < np.pi, 1.0, -1.0)
    u = np.concatenate([square if k else sine for k in kinds])[:n]
    labels = np.repeat(kinds, segment)[:n].astype(np.float64)
    return u, {"labels": labels, "segment": segment}


def waveform_classification(u: Any, features: Any, *, labels: Any = None,
                            alpha: float | str = DEFAULT_ALPHA,
                            train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any
                            ) -> TaskResult:
    """Sine vs square: accuracy of the thresholded (0.5) readout on the test samples."""
    u, x = _check_pair(u, features)
    if labels is None:
        raise InputError("waveform-classification needs the labels of its input (0 sine, 1 "
                         "square), which only the task's own input provides")
    labels = np.asarray(labels, dtype=np.float64)
    if labels.shape != u.shape or not np.all(np.isin(labels, (0.0, 1.0))):
        raise InputError(f"labels must be 0 or 1, one per sample ({u.size})")
    _check_length("waveform-classification", u.size, 0, train_fraction)
    y_test, prediction, readout = _fit_and_predict(x, labels, alpha, train_fraction)
    accuracy = metrics.classification_accuracy(y_test[0], prediction[0] > 0.5)
    return TaskResult("waveform-classification", accuracy, "accuracy",
                      details={"alpha": readout.alpha}, target=y_test[0],
                      prediction=prediction[0])


# --------------------------------------------------------------------------------------------
# Ranks
# --------------------------------------------------------------------------------------------


def kernel_rank(u: Any, features: Any, *, threshold: float = 1e-6,
                include_input: bool = False, **_: Any) -> TaskResult:
    """Kernel rank of the (F, T) feature matrix, optionally with the input as a row.

    Counts singular values s_i with s_i^2 > threshold * s_max^2, i.e. eigenvalues of the Gram
    matrix above ``threshold`` times the largest (RCbench's linear kernel rank). The features
    are not centred, as in RCbench.
    """
    u, x = _check_pair(u, features)
    threshold = check_positive("threshold", threshold)
    if include_input:
        x = np.vstack([u[None, :], x])
    singular = np.linalg.svd(x, compute_uv=False)
    rank = int(np.count_nonzero(singular**2 > threshold * singular[0] ** 2))
    return TaskResult("kernel-rank", float(rank), "rank",
                      details={"features": int(x.shape[0]), "threshold": threshold,
                               "include_input": bool(include_input)})


def generalization_rank(states: Any, threshold: float = RANK_THRESHOLD) -> int:
    """Generalization rank of the (F, m) matrix of states reached from m noisy input streams.

    The number of singular values above ``threshold`` times the largest (Vidamour et al.
    2022; RCbench's GeneralizationRankEvaluator). Low is good: noisy versions of one input
    should map to nearly the same state.
    """
    m = np.asarray(states, dtype=np.float64)
    if m.ndim != 2 or min(m.shape) == 0:
        raise InputError(f"states must have shape (F, m) (got {m.shape})")
    threshold = check_positive("threshold", threshold)
    singular = np.linalg.svd(m, compute_uv=False)
    return int(np.count_nonzero(singular > threshold * singular[0]))


def _online_only(task: str) -> InputError:
    return InputError(f"{task} drives the reservoir online (its own output or several input "
                      f"streams fed back to it), so it scores a simulated network only: run "
                      f"it with `nwn reservoir run SCENARIO --task {task}`")


def check_horizon(value: Any, name: str = "horizon") -> int:
    """A closed-loop forecast horizon (samples) in :data:`HORIZON_RANGE`; InputError names
    ``name``."""
    return check_int(name, value, minimum=HORIZON_RANGE[0], maximum=HORIZON_RANGE[1])


def check_streams(value: Any, name: str = "streams") -> int:
    """A stream count of the generalization rank in :data:`STREAMS_RANGE`; InputError names
    ``name``."""
    return check_int(name, value, minimum=STREAMS_RANGE[0], maximum=STREAMS_RANGE[1])


def stream_ranks(u: Any, features: Any, *, kernel_states: Any = None,
                 generalization_states: Any = None, threshold: float = RANK_THRESHOLD,
                 **_: Any) -> TaskResult:
    """Generalization rank (the score) and multi-stream kernel rank of a simulated network.

    Parameters
    ----------
    u, features
        The wash-out input and features before the streams (only checked).
    kernel_states, generalization_states : array, shape (F, m)
        Final states after m independent streams and after m noisy copies of one stream, all
        from the same network state (:func:`.online.run_streams`).
    """
    if kernel_states is None or generalization_states is None:
        raise _online_only("generalization-rank")
    kernel = np.asarray(kernel_states, dtype=np.float64)
    general = np.asarray(generalization_states, dtype=np.float64)
    kr = generalization_rank(kernel, threshold)
    gr = generalization_rank(general, threshold)
    return TaskResult("generalization-rank", float(gr), "rank",
                      details={"generalization_rank": gr, "kernel_rank": kr,
                               "difference": kr - gr, "streams": int(kernel.shape[1]),
                               "features": int(kernel.shape[0]), "threshold": threshold})


# --------------------------------------------------------------------------------------------
# Closed-loop forecasting
# --------------------------------------------------------------------------------------------


def forecast_readout(u: Any, features: Any, *, alpha: float | str = DEFAULT_ALPHA,
                     train_fraction: float = DEFAULT_TRAIN_FRACTION
                     ) -> tuple[RidgeReadout, np.ndarray, np.ndarray]:
    """The one-step readout x(t) -> u(t + 1), trained as :func:`mackey_glass_one_step` trains it.

    Returns
    -------
    readout : RidgeReadout
    target, prediction : ndarray, shape (n_test,)
        The open-loop (teacher-forced) test part and its one-step prediction.
    """
    u, x = _check_pair(u, features)
    _check_length("mackey-glass-forecast", u.size, 1, train_fraction)
    y_test, prediction, readout = _fit_and_predict(x[:, :-1], u[1:], alpha, train_fraction)
    return readout, y_test[0], prediction[0]


def forecast_scores(truth: Any, prediction: Any, scale: float,
                    threshold: float = VALID_TIME_THRESHOLD) -> dict[str, Any]:
    """NRMSE over the horizon (RMS error / ``scale``) and the valid-prediction time (samples)."""
    truth = np.asarray(truth, dtype=np.float64)
    prediction = np.asarray(prediction, dtype=np.float64)
    error = float(np.sqrt(np.mean((truth - prediction) ** 2)) / scale)
    return {"nrmse": error,
            "valid_time": metrics.valid_prediction_time(truth, prediction, scale, threshold)}


def mackey_glass_forecast(u: Any, features: Any, *, forecast: Any = None, truth: Any = None,
                          threshold: float = VALID_TIME_THRESHOLD,
                          alpha: float | str = DEFAULT_ALPHA,
                          train_fraction: float = DEFAULT_TRAIN_FRACTION, **_: Any
                          ) -> TaskResult:
    """Closed-loop Mackey-Glass forecast: NRMSE over the horizon (the score), valid time.

    Parameters
    ----------
    u, features
        The teacher-forced part: input (T,) and features (F, T) after the wash-out.
    forecast, truth : array, shape (H,)
        The readout's closed-loop forecast (as fed back) and the true continuation, from
        :func:`.online.run_forecast`.
    """
    if forecast is None or truth is None:
        raise _online_only("mackey-glass-forecast")
    readout, y_test, one_step = forecast_readout(u, features, alpha=alpha,
                                                 train_fraction=train_fraction)
    scale = float(np.std(np.asarray(u, dtype=np.float64)))
    scores = forecast_scores(truth, forecast, scale, threshold)
    truth = np.asarray(truth, dtype=np.float64)
    return TaskResult("mackey-glass-forecast", scores["nrmse"], "NRMSE",
                      details={"valid_time": scores["valid_time"], "horizon": int(truth.size),
                               "one_step_nrmse": metrics.nrmse(y_test, one_step),
                               "threshold": threshold, "scale": scale,
                               "alpha": readout.alpha},
                      target=truth, prediction=np.asarray(forecast, dtype=np.float64))


def closed_loop_forecast(step: Callable[[float], np.ndarray], readout: RidgeReadout,
                         last_features: np.ndarray, truth: Any, *, scale: float,
                         threshold: float = VALID_TIME_THRESHOLD,
                         bounds: tuple[float, float] | None = None) -> dict[str, Any]:
    """Run a reservoir autonomously on its own predictions and score the forecast.

    Parameters
    ----------
    step : callable
        ``step(u) -> features`` (shape (F,)): drive the reservoir with one input sample and
        return its features after it.
    readout : RidgeReadout
        Trained (teacher forced) to predict u(t + 1) from the features x(t).
    last_features : array, shape (F,)
        Features after the last teacher-forced input sample.
    truth : array, shape (H,)
        The true continuation of the series over the horizon H.
    scale : float
        Standard deviation of the series (normalizes the error).
    threshold : float
        Valid-prediction-time threshold (:func:`.metrics.valid_prediction_time`).
    bounds : (float, float), optional
        Predictions are clipped to this range before they are scored and fed back (the input
        window a physical source can apply); None: not clipped.

    Returns
    -------
    dict
        ``prediction`` (H,), ``nrmse`` over the horizon and ``valid_time`` (samples).
    """
    truth = np.asarray(truth, dtype=np.float64)
    features = np.asarray(last_features, dtype=np.float64)
    prediction = np.empty(truth.size)
    for h in range(truth.size):
        value = float(readout.predict(features[:, None])[0, 0])
        if bounds is not None:
            value = min(max(value, bounds[0]), bounds[1])
        prediction[h] = value
        if h + 1 < truth.size:  # the last prediction needs no further step
            features = np.asarray(step(value), dtype=np.float64)
    return {"prediction": prediction, **forecast_scores(truth, prediction, scale, threshold)}


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


TASKS: dict[str, Task] = {task.name: task for task in (
    Task("memory-capacity", "MC", "recall u(t - tau), tau = 1..max_delay", _uniform,
         memory_capacity),
    Task("nlt", "accuracy", "sine -> square / phase shift / double frequency / triangle",
         _sine_input, nonlinear_transformation),
    Task("narma2", "NRMSE", "NARMA-2 response", _narma_input, _narma_score(2)),
    Task("narma10", "NRMSE", "NARMA-10 response", _narma_input, _narma_score(10)),
    Task("mackey-glass", "NRMSE", "one-step prediction of the Mackey-Glass series",
         _mackey_glass_input, mackey_glass_one_step),
    Task("sinx", "NMSE", "sin(2 pi u) of a random input", _uniform, sinx),
    Task("waveform-classification", "accuracy", "sine vs square, sample by sample",
         _waveform_input, waveform_classification, from_input=False),
    Task("kernel-rank", "rank", "rank of the feature matrix", _uniform, kernel_rank),
    Task("mackey-glass-forecast", "NRMSE", "closed-loop forecast of the Mackey-Glass series "
         "(simulated networks)", _mackey_glass_series, mackey_glass_forecast,
         from_input=False, online=True),
    Task("generalization-rank", "rank", "ranks of final states over many input streams "
         "(simulated networks)", _uniform, stream_ranks, from_input=False, online=True),
)}


def task_names() -> tuple[str, ...]:
    """Names of every task, in the order of :data:`TASKS`."""
    return tuple(TASKS)


def get_task(name: str) -> Task:
    """The task called ``name``; one line naming the known ones otherwise."""
    if name not in TASKS:
        raise InputError(f"unknown task {name!r} (tasks: {', '.join(TASKS)})")
    return TASKS[name]


def make_input(name: str, n_samples: int, rng: np.random.Generator | int = 0,
               **options: Any) -> tuple[np.ndarray, dict]:
    """The task's input u (shape (T,)) and what its score needs besides (e.g. labels).

    Inputs lie in [0, 1] (memory capacity, sin(x), kernel rank, Mackey-Glass), [0, 0.5]
    (NARMA) or [-1, 1] (NLT's sine, the waveforms); a protocol maps them onto a voltage.
    """
    task = get_task(name)
    n_samples = check_int("samples", n_samples, minimum=2)
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    return task.make_input(n_samples, rng, **options)


def score_task(name: str, u: Any, features: Any, context: Mapping[str, Any] | None = None,
               **settings: Any) -> TaskResult:
    """Score the reservoir ``features`` (F, T) driven by ``u`` (T,) on the task ``name``.

    ``context`` is what :func:`make_input` returned beside the input; ``settings`` are the
    task's options (alpha, train_fraction, max_delay, target, threshold, ...).
    """
    task = get_task(name)
    merged = dict(context or {})
    merged.update({k: v for k, v in settings.items() if v is not None})
    return task.score(u, features, **merged)
