r"""Simulated huddles with known area and rater effects, for validating the drift models.

Each vignette has a true need per domain; a rater's score is that need plus their area's
offset, their own severity and noise, on a latent scale. In the **ordinal** process the
latent score is rounded to the nearest level and clipped to the scale (a thresholded
latent score, as a rater choosing the nearest descriptor would); in the **linear** process
it is kept as it is, so the linear drift model holds exactly.

Huddles are hosted by one area and draw most practitioners from it, with a few visitors,
and areas may see needier or less needy vignettes than others (``need_bias``): raw area
means then mislead, while a model that adjusts for the vignette does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import StatsInputError

__all__ = ["SimulatedCounty", "simulate_county"]


@dataclass(frozen=True)
class SimulatedCounty:
    """Ratings with the truth behind them.

    Attributes
    ----------
    ratings : pandas.DataFrame
        One row per rating: unit, domain, rater, area, score, period, huddle.
    area_offset : dict of str to float
        The true offsets, summing to zero (latent scale points).
    rater_severity : dict of str to float
        Each rater's true deviation from their area.
    """

    ratings: pd.DataFrame
    area_offset: dict[str, float]
    rater_severity: dict[str, float]


def simulate_county(
    *,
    area_offsets: Sequence[float],
    raters_per_area: int = 10,
    n_vignettes: int = 30,
    n_domains: int = 4,
    n_huddles: int = 40,
    vignettes_per_huddle: int = 2,
    locals_per_huddle: int = 8,
    visitors_per_huddle: int = 3,
    rater_sd: float = 0.4,
    noise_sd: float = 0.6,
    need_bias: float = 0.8,
    n_periods: int = 3,
    scale: tuple[int, int] = (0, 5),
    process: str = "ordinal",
    drift_from_period: int = 1,
    seed: int = 0,
) -> SimulatedCounty:
    """Simulate a county's huddles.

    Parameters
    ----------
    area_offsets : sequence of float
        True offset of each area (centred to sum to zero before use).
    raters_per_area, n_vignettes, n_domains, n_huddles, vignettes_per_huddle : int
        The design's size.
    locals_per_huddle, visitors_per_huddle : int
        Practitioners from the host area, and from anywhere, at each huddle.
    rater_sd, noise_sd : float
        Spread of rater severities and of a rating's noise (latent scale points).
    need_bias : float
        How strongly an area's huddles pick needier vignettes: the areas are spread
        from -need_bias to +need_bias.
    n_periods : int
        Huddles are split evenly into this many periods, in order.
    scale : (int, int)
        The scale's lowest and highest level (ordinal process).
    process : {"ordinal", "linear"}
        Thresholded latent score, or the latent score itself.
    drift_from_period : int
        The area offsets apply from this period on (1 = throughout); before it every
        area scores like the county, so the drift begins part-way.
    seed : int
        Seed of the random generator.

    Returns
    -------
    SimulatedCounty

    Examples
    --------
    >>> county = simulate_county(area_offsets=[0.0, 0.8, -0.8], seed=1)
    >>> sorted(county.area_offset.items())
    [('A1', 0.0), ('A2', 0.8), ('A3', -0.8)]
    >>> county.ratings["score"].isin(range(6)).all()
    np.True_
    """
    if process not in ("ordinal", "linear"):
        raise StatsInputError(f"process must be 'ordinal' or 'linear'; got {process!r}")
    rng = np.random.default_rng(seed)
    offsets = np.asarray(area_offsets, dtype=float)
    offsets = offsets - offsets.mean()
    K = len(offsets)
    low, high = scale
    need = rng.uniform(low + 0.5, high - 0.5, (n_vignettes, n_domains))
    rater_area = np.repeat(np.arange(K), raters_per_area)
    severity = rng.normal(0.0, rater_sd, len(rater_area))
    area_need = np.linspace(-need_bias, need_bias, K) if K > 1 else np.zeros(1)
    vignette_need = need.mean(axis=1) - need.mean()
    units, domains, raters, scores, huddles = [], [], [], [], []
    for h in range(n_huddles):
        host = int(rng.integers(K))
        local = rng.choice(
            np.flatnonzero(rater_area == host), min(locals_per_huddle, raters_per_area),
            replace=False,
        )
        visitors = rng.choice(len(rater_area), visitors_per_huddle, replace=False)
        people = np.unique(np.concatenate([local, visitors]))
        weight = np.exp(area_need[host] * vignette_need)
        chosen = rng.choice(n_vignettes, vignettes_per_huddle, replace=False, p=weight / weight.sum())
        drifting = h * n_periods // n_huddles + 1 >= drift_from_period
        for v in chosen:
            latent = (
                need[v][None, :]
                + drifting * offsets[rater_area[people]][:, None]
                + severity[people][:, None]
                + rng.normal(0.0, noise_sd, (len(people), n_domains))
            )
            if process == "ordinal":
                latent = np.clip(np.rint(latent), low, high)
            for i, r in enumerate(people):
                units += [f"V{v + 1:02d}"] * n_domains
                domains += [f"D{d + 1}" for d in range(n_domains)]
                raters += [f"R{r + 1:03d}"] * n_domains
                scores += latent[i].tolist()
                huddles += [h] * n_domains
    huddle = np.asarray(huddles)
    ratings = pd.DataFrame(
        {
            "unit": units,
            "domain": domains,
            "rater": raters,
            "area": [f"A{rater_area[int(r[1:]) - 1] + 1}" for r in raters],
            "score": scores,
            "period": [f"P{p + 1}" for p in (huddle * n_periods // n_huddles)],
            "huddle": huddle,
        }
    )
    return SimulatedCounty(
        ratings=ratings,
        area_offset={f"A{k + 1}": float(offsets[k]) for k in range(K)},
        rater_severity={f"R{r + 1:03d}": float(severity[r]) for r in range(len(rater_area))},
    )
