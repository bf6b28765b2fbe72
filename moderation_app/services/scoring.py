"""Turn stored scores into the figures people see, by way of :mod:`stats`."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Select

from ..models import HuddleItem, Rating

from stats.calibration import calibrate_raters
from stats.descriptives import unit_descriptives


def domain_distribution(scores: list[int], scale: list[int]) -> dict[str, Any]:
    """The spread of one domain's scores: ``{n, counts: {"level": count}, median}``."""
    if not scores:
        return {"n": 0, "counts": {str(level): 0 for level in scale}, "median": None}
    summary = unit_descriptives(
        pd.DataFrame({"unit": 0, "score": scores}), value_domain=scale
    ).units[0]
    return {
        "n": summary.n,
        "counts": {str(int(level)): count for level, count in zip(scale, summary.counts)},
        "median": summary.median,
    }


def calibration_against_consensus(pairs: list[tuple[int, int | None]]) -> dict[str, Any]:
    """One participant's (score, agreed score) pairs summarised for the huddle report."""
    if not pairs:
        return {"n_compared": 0, "share_equal": None, "share_within_one": None,
                "mean_signed_difference": None}
    (result,) = calibrate_raters(
        pd.DataFrame(
            {
                "rater": 0,
                "score": [score for score, _ in pairs],
                "reference": pd.array([agreed for _, agreed in pairs], dtype="Float64"),
            }
        )
    )
    return {
        "n_compared": result.n_compared,
        "share_equal": result.share_exact,
        "share_within_one": result.share_within_one,
        "mean_signed_difference": result.mean_signed_difference,
    }


def boundaries_crossed(counts: dict[str, int], boundaries: list[dict[str, Any]]) -> list[str]:
    """The decision boundaries a spread of scores straddles: a disagreement that matters.

    A boundary between levels ``low`` and ``high`` is crossed when someone scored ``low`` or
    below and someone ``high`` or above (for example a 2 and a 4 across "specialist support
    considered" between 3 and 4).
    """
    used = [int(level) for level, n in counts.items() if n > 0]
    if len(used) < 2:
        return []
    lowest, highest = min(used), max(used)
    return [
        b["label"] or f"between {b['between'][0]} and {b['between'][1]}"
        for b in boundaries
        if lowest <= b["between"][0] and highest >= b["between"][1]
    ]


def revealed_only(query: Select) -> Select:
    """Keep ratings of vignettes whose first scores have been revealed in their huddle.

    Nothing is counted before the group has seen it. A vignette re-opened for a rescore
    after the discussion stays revealed: its first scores were shown.
    """
    return query.join(
        HuddleItem,
        (HuddleItem.huddle_id == Rating.huddle_id)
        & (HuddleItem.vignette_version_id == Rating.vignette_version_id),
    ).where(HuddleItem.revealed_at.is_not(None))
