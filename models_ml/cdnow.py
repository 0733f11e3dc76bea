"""Validation of the repeat-purchase model on real data: CDNOW (Fader, Hardie & Lee 2005).

The CDNOW files ship inside the ``lifetimes`` wheel; they are read from the package files
(``importlib.resources``), never through ``lifetimes.datasets`` (which imports
``pkg_resources``) and never over the network. Calibration runs to 1997-09-30 and the holdout
to 1998-06-30 (39 + 39 weeks), the split the paper publishes.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from models_ml.clv import (
    BetaGeoParams,
    GammaGammaParams,
    bgnbd_expected_transactions,
    fit_bgnbd,
    fit_gamma_gamma,
    gamma_gamma_expected_spend,
)
from models_ml.metrics import share_captured_by_top

CALIBRATION_END = date(1997, 9, 30)
HOLDOUT_END = date(1998, 6, 30)
DAYS_PER_WEEK = 7.0


@dataclass(frozen=True)
class CdnowSummary:
    """Per-customer calibration RFM (weeks) and holdout actuals."""

    frame: pd.DataFrame  # customer_id, x, t_x, T, m (mean repeat spend), holdout_x, holdout_spend
    holdout_weeks: float


def load_cdnow_sample() -> pd.DataFrame:
    """The 2,357-customer CDNOW sample: ``customer_id, date, cds, spend``."""
    path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    with path.open("r", encoding="ascii") as handle:
        frame = pd.read_csv(
            handle,
            sep=r"\s+",
            header=None,
            names=["master_id", "customer_id", "date", "cds", "spend"],
            dtype={"master_id": str, "customer_id": str, "date": str},
        )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame[["customer_id", "date", "cds", "spend"]]


def summarise(
    transactions: pd.DataFrame,
    calibration_end: date = CALIBRATION_END,
    holdout_end: date = HOLDOUT_END,
) -> CdnowSummary:
    """RFM in weeks as the paper defines it: purchases on one day count as one transaction."""
    daily = transactions.groupby(["customer_id", "date"], as_index=False)["spend"].sum()
    cal_end, hold_end = pd.Timestamp(calibration_end), pd.Timestamp(holdout_end)
    cal = daily[daily["date"] <= cal_end]
    first = cal.groupby("customer_id")["date"].min().rename("first")
    cal = cal.join(first, on="customer_id")
    repeats = cal[cal["date"] > cal["first"]]
    per_customer = pd.DataFrame({"first": first})
    per_customer["x"] = repeats.groupby("customer_id").size()
    per_customer["last"] = cal.groupby("customer_id")["date"].max()
    per_customer["m"] = repeats.groupby("customer_id")["spend"].mean()
    hold = daily[(daily["date"] > cal_end) & (daily["date"] <= hold_end)]
    per_customer["holdout_x"] = hold.groupby("customer_id").size()
    per_customer["holdout_spend"] = hold.groupby("customer_id")["spend"].sum()
    per_customer = per_customer.fillna({"x": 0, "m": 0.0, "holdout_x": 0, "holdout_spend": 0.0})
    per_customer["t_x"] = (per_customer["last"] - per_customer["first"]).dt.days / DAYS_PER_WEEK
    per_customer["T"] = (cal_end - per_customer["first"]).dt.days / DAYS_PER_WEEK
    frame = per_customer.reset_index()[["customer_id", "x", "t_x", "T", "m", "holdout_x", "holdout_spend"]]
    frame = frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
    return CdnowSummary(frame=frame, holdout_weeks=(hold_end - cal_end).days / DAYS_PER_WEEK)


def validate_cdnow() -> dict[str, object]:
    """Fit on calibration, predict the holdout; return parameters and holdout errors."""
    summary = summarise(load_cdnow_sample())
    frame = summary.frame
    bg: BetaGeoParams = fit_bgnbd(frame["x"], frame["t_x"], frame["T"])
    gg: GammaGammaParams = fit_gamma_gamma(frame["x"], frame["m"])
    expected_x = bgnbd_expected_transactions(bg, summary.holdout_weeks, frame["x"], frame["t_x"], frame["T"])
    expected_spend = gamma_gamma_expected_spend(gg, frame["x"], frame["m"])
    predicted_value = expected_x * expected_spend
    actual_x = frame["holdout_x"].to_numpy(dtype=float)
    actual_spend = frame["holdout_spend"].to_numpy(dtype=float)
    return {
        "customers": int(len(frame)),
        "bgnbd": bg.as_dict(),
        "gamma_gamma": gg.as_dict(),
        "holdout_weeks": summary.holdout_weeks,
        "holdout_transactions_actual": float(actual_x.sum()),
        "holdout_transactions_predicted": round(float(expected_x.sum()), 2),
        "holdout_transactions_error_pct": round(
            100.0 * (float(expected_x.sum()) - actual_x.sum()) / actual_x.sum(), 2
        ),
        "holdout_transactions_mae": round(float(np.mean(np.abs(expected_x - actual_x))), 4),
        "holdout_spend_mae": round(float(np.mean(np.abs(predicted_value - actual_spend))), 4),
        "holdout_spend_predicted": round(float(predicted_value.sum()), 2),
        "holdout_spend_actual": round(float(actual_spend.sum()), 2),
        "top20_share_of_holdout_spend": round(share_captured_by_top(predicted_value, actual_spend, 0.2), 4),
    }
