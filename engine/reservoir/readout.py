"""The linear readout: ridge regression with intercept, fitted on a chronological split.

A reservoir's features are fixed; only a linear map from them to the target is trained:

    y_hat(t) = w . x(t) + b,    (w, b) = argmin  sum_t (y(t) - w . x(t) - b)^2 + alpha |w|^2

on the training samples (the intercept ``b`` is not penalized). It is solved in closed form
on the features and target centred by their training means, as the least-squares problem
``[X_c; sqrt(alpha) I] w = [y_c; 0]`` (better conditioned than the normal equations, and still
defined for ``alpha = 0`` with collinear features, where it gives the minimum-norm solution).
This is the same estimator as scikit-learn's ``Ridge(alpha, fit_intercept=True)``, which
RCbench uses.

Time series are never shuffled: the first ``train_fraction`` of the samples train, the rest
test (:func:`split_index`, ``int(n * train_fraction)`` as RCbench). A regularization chosen by
cross-validation (:func:`choose_alpha`) looks only at the training part, by forward chaining:
the training part is cut into ``folds + 1`` consecutive blocks, fold ``i`` trains on blocks
``0..i-1`` and validates on block ``i``, and the alpha with the lowest mean validation mean
squared error wins (the larger alpha on a tie).

Array shapes follow the project's convention: features are (F, T), F features by T samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nwn.geometry.checks import InputError, check_int, check_nonnegative, check_range

__all__ = ["ALPHA_GRID", "DEFAULT_ALPHA", "DEFAULT_TRAIN_FRACTION", "RidgeReadout",
           "choose_alpha", "fit_ridge", "split_index"]

#: RCbench's regularization for memory capacity (the INRiM group's published setting).
DEFAULT_ALPHA = 0.1
#: Fraction of the samples that train the readout (RCbench: 80/20, chronological).
DEFAULT_TRAIN_FRACTION = 0.8
#: The grid :func:`choose_alpha` searches when the regularization is cross-validated.
ALPHA_GRID = (1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


@dataclass(frozen=True, eq=False)
class RidgeReadout:
    """A fitted linear readout.

    Attributes
    ----------
    weights : ndarray, shape (O, F)
        One row of weights per target.
    intercept : ndarray, shape (O,)
    alpha : float
        The regularization it was fitted with.
    """

    weights: np.ndarray
    intercept: np.ndarray
    alpha: float

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predictions, shape (O, T), for features of shape (F, T)."""
        features = np.asarray(features, dtype=np.float64)
        return self.weights @ features + self.intercept[:, None]


def split_index(n_samples: int, train_fraction: float = DEFAULT_TRAIN_FRACTION) -> int:
    """Number of training samples: the first ``int(n_samples * train_fraction)``."""
    check_range("train_fraction", train_fraction, 0.0, 1.0, inclusive=False)
    return int(n_samples * train_fraction)


def _as_targets(target: np.ndarray, n_samples: int) -> np.ndarray:
    target = np.asarray(target, dtype=np.float64)
    if target.ndim == 1:
        target = target[None, :]
    if target.ndim != 2 or target.shape[1] != n_samples:
        raise InputError(f"target must have shape (T,) or (O, T) with T = {n_samples} samples "
                         f"(got {target.shape})")
    return target


def fit_ridge(features: np.ndarray, target: np.ndarray, alpha: float = DEFAULT_ALPHA
              ) -> RidgeReadout:
    """Fit ridge regression with intercept.

    Parameters
    ----------
    features : array, shape (F, T)
    target : array, shape (T,) or (O, T)
        One or several targets, fitted independently with the same features.
    alpha : float
        L2 penalty on the weights (not on the intercept), >= 0.

    Returns
    -------
    RidgeReadout
    """
    alpha = check_nonnegative("alpha", alpha)
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2:
        raise InputError(f"features must have shape (F, T) with T >= 2 (got {x.shape})")
    y = _as_targets(target, x.shape[1])
    x_mean = x.mean(axis=1)
    y_mean = y.mean(axis=1)
    design = (x - x_mean[:, None]).T
    rhs = (y - y_mean[:, None]).T
    n_features = design.shape[1]
    if alpha > 0:
        design = np.vstack([design, np.sqrt(alpha) * np.eye(n_features)])
        rhs = np.vstack([rhs, np.zeros((n_features, rhs.shape[1]))])
    weights = np.linalg.lstsq(design, rhs, rcond=None)[0].T
    intercept = y_mean - weights @ x_mean
    return RidgeReadout(weights=weights, intercept=intercept, alpha=float(alpha))


def choose_alpha(features: np.ndarray, target: np.ndarray,
                 alphas: Sequence[float] = ALPHA_GRID, folds: int = 5) -> float:
    """The alpha of ``alphas`` with the lowest forward-chaining validation error.

    Only the samples given are used: pass the training part. For several targets the mean
    squared error is averaged over them.

    Parameters
    ----------
    features : array, shape (F, T)
    target : array, shape (T,) or (O, T)
    alphas : sequence of float
    folds : int
        Validation blocks; the data are cut into ``folds + 1`` consecutive blocks.

    Returns
    -------
    float
    """
    folds = check_int("folds", folds, minimum=1)
    x = np.asarray(features, dtype=np.float64)
    y = _as_targets(target, x.shape[1])
    alphas = [check_nonnegative("alpha", a) for a in alphas]
    if not alphas:
        raise InputError("alphas must hold at least one value")
    edges = np.linspace(0, x.shape[1], folds + 2).astype(int)
    if np.any(np.diff(edges) < 2):
        raise InputError(f"{x.shape[1]} training samples are too few for {folds} "
                         f"forward-chaining folds")
    best, best_error = alphas[0], np.inf
    for alpha in alphas:
        errors = []
        for i in range(1, folds + 1):
            fitted = fit_ridge(x[:, : edges[i]], y[:, : edges[i]], alpha)
            validation = slice(edges[i], edges[i + 1])
            residual = y[:, validation] - fitted.predict(x[:, validation])
            errors.append(np.mean(residual**2))
        error = float(np.mean(errors))
        if error < best_error or (error == best_error and alpha > best):
            best, best_error = alpha, error
    return float(best)
