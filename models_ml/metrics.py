"""Small, shared measures: Pareto curve, top-share capture, top-k selection."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def top_k_mask(scores: ArrayLike, share: float) -> np.ndarray:
    """The ``ceil(share * n)`` highest scores (ties broken by position: deterministic)."""
    values = np.asarray(scores, dtype=np.float64)
    k = math.ceil(share * len(values))
    order = np.lexsort((np.arange(len(values)), -values))
    mask = np.zeros(len(values), dtype=bool)
    mask[order[:k]] = True
    return mask


def share_captured_by_top(predicted: ArrayLike, actual: ArrayLike, share: float) -> float:
    """Share of the actual total held by the customers ranked in the top ``share`` by prediction."""
    actual_values = np.asarray(actual, dtype=np.float64)
    total = float(actual_values.sum())
    if total <= 0:
        return 0.0
    return float(actual_values[top_k_mask(predicted, share)].sum()) / total


def pareto_curve(values: ArrayLike, points: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0)) -> dict[str, float]:
    """Share of total value held by the top x share of customers, e.g. ``{"0.2": 0.81}``."""
    ordered = np.sort(np.clip(np.asarray(values, dtype=np.float64), 0, None))[::-1]
    total = float(ordered.sum())
    if total <= 0 or len(ordered) == 0:
        return {f"{p:g}": 0.0 for p in points}
    cumulative = np.cumsum(ordered) / total
    return {f"{p:g}": round(float(cumulative[max(math.ceil(p * len(ordered)), 1) - 1]), 4) for p in points}


def f1(predicted: set[str], actual: set[str]) -> tuple[float, float, float]:
    """(precision, recall, f1); empty sets give 0 rather than dividing by zero."""
    hits = len(predicted & actual)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(actual) if actual else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score
