"""The vignette library report for admins: how each vignette version is scored across huddles.

For each version: agreement (ordinal alpha, with each domain in each huddle a unit), and per
domain the share of pairs within one level, the county's mean score against the vignette's
reference score, and a note when the domain is a candidate for rewording.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import select

from stats import krippendorff_alpha_long, percent_agreement

from ..extensions import db
from ..models import VignetteVersion
from .county import boundary_crossings, revealed_scores
from .drift import domain_names

#: A domain is a candidate for rewording when fewer than this share of pairs of scores are
#: within one level, or the county's mean is this far from the reference score.
LOW_WITHIN_ONE = 0.8
FAR_FROM_REFERENCE = 1.0


def library_report(scale: list[int] | None = None) -> list[dict[str, Any]]:
    """One entry per vignette version that has revealed scores, least consistent first."""
    scale = scale or list(range(6))
    frame = revealed_scores()
    if frame.empty:
        return []
    names = domain_names()
    crossings = boundary_crossings(frame)
    versions = {v.id: v for v in db.session.execute(select(VignetteVersion)).scalars()}
    out = []
    for version_id, part in frame.groupby("version"):
        version = versions[int(version_id)]
        alpha = krippendorff_alpha_long(part, "ordinal", value_domain=scale)
        domains = []
        for domain, scores in part.groupby("domain", sort=True):
            within = percent_agreement(scores, tolerance=1.0).proportion
            reference = version.reference_scores.get(domain)
            mean = float(scores["score"].mean())
            reasons = []
            if within is not None and within < LOW_WITHIN_ONE:
                reasons.append(f"only {within:.0%} of pairs of scores within one level")
            if reference is not None and abs(mean - reference) >= FAR_FROM_REFERENCE:
                reasons.append(f"scored {mean - reference:+.1f} from its reference on average")
            crossed = crossings[(crossings["version"] == int(version_id))
                                & (crossings["domain"] == domain)]["crossed"]
            if crossed.any():
                reasons.insert(0, f"first scores crossed a decision boundary in "
                                  f"{int(crossed.sum())} of {len(crossed)} huddles")
            domains.append({
                "domain": domain, "domain_name": names.get(domain, domain),
                "boundary_crossings": int(crossed.sum()),
                "n_scores": int(len(scores)), "within_one": within, "mean": mean,
                "reference": reference, "reword": reasons,
            })
        out.append({
            "vignette": version.vignette.code, "version": version.version,
            "title": version.title, "phase": version.phase,
            "huddles": int(part["huddle"].nunique()), "n_scores": int(len(part)),
            "alpha": alpha.alpha, "alpha_reason": alpha.reason, "domains": domains,
        })
    out.sort(key=lambda v: (v["alpha"] is None, v["alpha"] if v["alpha"] is not None else 0))
    return out


def as_rows(report: list[dict[str, Any]]) -> pd.DataFrame:
    """The report flattened to one row per vignette version and domain (for exports)."""
    return pd.DataFrame([
        {"vignette": v["vignette"], "version": v["version"], "title": v["title"],
         "alpha": v["alpha"], "domain": d["domain"], "n_scores": d["n_scores"],
         "within_one": d["within_one"], "mean": d["mean"], "reference": d["reference"],
         "boundary_crossings": d["boundary_crossings"],
         "reword": "; ".join(d["reword"])}
        for v in report for d in v["domains"]
    ])
