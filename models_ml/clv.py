"""BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader, Hardie & Lee 2005b), vectorised.

Written against the papers' likelihoods with scipy rather than the ``lifetimes`` fitters: the
package is unmaintained (it imports ``pkg_resources``), and a fit here is a few numpy lines.
The implementation reproduces the published CDNOW parameters (see ``tests/ml/test_clv.py``).

Inputs per customer: ``x`` repeat transactions, ``t_x`` time of the last one, ``T`` age, all
measured from the first transaction, in a fixed time unit (weeks for CDNOW, days for the bank).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import OptimizeResult, minimize
from scipy.special import betaln, gammaln, hyp2f1

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BetaGeoParams:
    r: float
    alpha: float
    a: float
    b: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


def _as_arrays(*values: ArrayLike) -> tuple[Array, ...]:
    return tuple(np.asarray(v, dtype=np.float64) for v in values)


def bgnbd_log_likelihood(params: BetaGeoParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
    """Per-customer log-likelihood, eq. (6) of Fader, Hardie & Lee (2005)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(alpha + T)
    has_repeat = x > 0
    # log(a / (b + x - 1)) is only defined (and only used) for customers with repeats.
    safe = np.where(has_repeat, b + x - 1, 1.0)
    a4 = np.log(a) - np.log(safe) - (r + x) * np.log(alpha + t_x)
    # log(exp(a3) + exp(a4)) without overflow (logaddexp), a4 only where x > 0.
    return a1 + a2 + np.where(has_repeat, np.logaddexp(a3, a4), a3)


# Log-parameters stay in a box: a degenerate population (no dropout, no rate heterogeneity)
# drives a parameter to infinity, and the box stops the search there instead of wandering.
LOG_BOUND = 15.0


def _minimise(negll: Callable[[Array], float], start: Array) -> OptimizeResult:
    """L-BFGS-B on bounded log-parameters, polished once more from its own answer."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)

    def finite(log_params: Array) -> float:
        with np.errstate(all="ignore"):
            value = negll(log_params)
        return value if np.isfinite(value) else 1e300

    result = minimize(finite, start, method="L-BFGS-B", bounds=bounds, options={"maxiter": 500})
    return minimize(finite, result.x, method="L-BFGS-B", bounds=bounds, options={"maxiter": 500, "ftol": 1e-12})


def fit_bgnbd(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> BetaGeoParams:
    """Maximum likelihood over log-parameters (keeps them positive), deterministic start."""
    x, t_x, T = _as_arrays(x, t_x, T)
    scale = float(np.mean(T)) or 1.0  # start alpha near the time scale of the data

    def negll(log_params: Array) -> float:
        r, alpha, a, b = np.exp(log_params)
        ll = bgnbd_log_likelihood(BetaGeoParams(r, alpha, a, b), x, t_x, T)
        return -float(np.sum(ll))

    start = np.log([1.0, scale / 10.0, 1.0, 1.0])
    result = _minimise(negll, start)
    r, alpha, a, b = np.exp(result.x)
    return BetaGeoParams(float(r), float(alpha), float(a), float(b))


def bgnbd_expected_transactions(
    params: BetaGeoParams, t: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> Array:
    """E[Y(t) | x, t_x, T]: expected repeat transactions in the next ``t`` units, eq. (10)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    z = t / (alpha + T + t)
    hyp = hyp2f1(r + x, b + x, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp)
    safe = np.where(x > 0, b + x - 1, 1.0)
    denominator = 1 + np.where(x > 0, a / safe * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return numerator / denominator


def bgnbd_probability_alive(params: BetaGeoParams, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> Array:
    x, t_x, T = _as_arrays(x, t_x, T)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    safe = np.where(x > 0, b + x - 1, 1.0)
    odds = np.where(x > 0, a / safe * ((alpha + T) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + odds)


def gamma_gamma_log_likelihood(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> Array:
    """Per-customer log-likelihood of mean spend ``m`` over ``x`` transactions (x > 0)."""
    x, m = _as_arrays(x, m)
    p, q, v = params.p, params.q, params.v
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + (p * x) * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )


def fit_gamma_gamma(x: ArrayLike, m: ArrayLike) -> GammaGammaParams:
    x, m = _as_arrays(x, m)
    keep = (x > 0) & (m > 0)
    x, m = x[keep], m[keep]

    def negll(log_params: Array) -> float:
        p, q, v = np.exp(log_params)
        return -float(np.sum(gamma_gamma_log_likelihood(GammaGammaParams(p, q, v), x, m)))

    start = np.log([1.0, 2.0, float(np.median(m)) or 1.0])
    result = _minimise(negll, start)
    p, q, v = np.exp(result.x)
    return GammaGammaParams(float(p), float(q), float(v))


def gamma_gamma_expected_spend(params: GammaGammaParams, x: ArrayLike, m: ArrayLike) -> Array:
    """E[M | x, m]: shrinks a customer's mean spend towards the population mean (q > 1)."""
    x, m = _as_arrays(x, m)
    p, q, v = params.p, params.q, params.v
    population_mean = p * v / (q - 1)
    weight = p * x / (p * x + q - 1)
    return (1 - weight) * population_mean + weight * np.where(x > 0, m, 0.0)
