"""Scores of a prediction against its target, as the reservoir-computing literature uses them.

All take 1-D arrays of equal length T (the test part of a series).
"""

from __future__ import annotations

import numpy as np

__all__ = ["classification_accuracy", "nmse", "nrmse", "squared_correlation",
           "valid_prediction_time"]


def squared_correlation(target: np.ndarray, prediction: np.ndarray) -> float:
    """Squared Pearson correlation cov(y, p)^2 / (var y var p) (memory capacity per delay).

    0 when either series is constant (a constant prediction recalls nothing); RCbench returns
    NaN there instead.
    """
    y = np.asarray(target, dtype=np.float64) - np.mean(target)
    p = np.asarray(prediction, dtype=np.float64) - np.mean(prediction)
    var_y, var_p = float(y @ y), float(p @ p)
    if var_y == 0 or var_p == 0:
        return 0.0
    return float((y @ p) ** 2 / (var_y * var_p))


def nmse(target: np.ndarray, prediction: np.ndarray) -> float:
    """Normalized mean squared error mean((y - p)^2) / var(y) (population variance)."""
    y = np.asarray(target, dtype=np.float64)
    variance = float(np.var(y))
    if variance == 0:
        return float("nan")
    return float(np.mean((y - np.asarray(prediction, dtype=np.float64)) ** 2) / variance)


def nrmse(target: np.ndarray, prediction: np.ndarray) -> float:
    """Normalized root mean squared error, sqrt(:func:`nmse`)."""
    return float(np.sqrt(nmse(target, prediction)))


def classification_accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    """Fraction of samples whose predicted class equals the true one."""
    labels = np.asarray(labels)
    return float(np.mean(labels == np.asarray(predicted)))


def valid_prediction_time(truth: np.ndarray, prediction: np.ndarray, scale: float,
                          threshold: float = 0.4) -> int:
    """Number of leading samples whose error stays within ``threshold * scale``.

    The valid prediction time of a closed-loop forecast: the first sample where
    ``|truth - prediction| / scale`` exceeds ``threshold`` (the normalized-error criterion with
    threshold 0.4 of Pathak et al., Phys. Rev. Lett. 120, 024102 (2018); ``scale`` is the
    series' standard deviation). The whole horizon if it never does.
    """
    error = np.abs(np.asarray(truth, dtype=np.float64) - np.asarray(prediction)) / scale
    beyond = np.flatnonzero(~(error <= threshold))
    return int(beyond[0]) if beyond.size else int(error.size)
