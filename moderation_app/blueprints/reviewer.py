"""Reviewers: area drift across the LA, with small groups suppressed."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from flask import Blueprint, abort, render_template, request, url_for

from ..auth_loader import role_required
from ..charts import forest_plot, heat_class, period_plot
from ..exports import csv_response, xlsx_response
from ..services import county, drift

bp = Blueprint("reviewer", __name__)

EXPORT_COLUMNS = ("table", "area", "domain", "period", "offset", "ci95_low", "ci95_high",
                  "n_raters", "n_ratings", "flag", "status", "suppressed")


def _filters() -> dict[str, str | None]:
    """The period and phase chosen on the page; an unknown phase is a 404, not a guess."""
    period = request.args.get("period") or None
    phase = request.args.get("phase") or None
    if phase is not None and phase not in drift.PHASES:
        abort(404)
    return {"period": period, "phase": phase}


@bp.get("/drift")
@role_required("reviewer", "admin")
def page():
    chosen = _filters()
    view = drift.reviewer_drift(**chosen)
    payload = view.payload
    domains = sorted({row["domain"] for row in payload["area_domains"]})
    areas = [row["area"] for row in payload["areas"]]
    cells = {(row["area"], row["domain"]): row for row in payload["area_domains"]}
    threshold = 0.5
    return render_template(
        "reviewer/drift.html",
        view=view,
        payload=payload,
        chosen=chosen,
        phases=drift.PHASES,
        areas=areas,
        domains=domains,
        domain_names=drift.domain_names(),
        cells=cells,
        heat_class=heat_class,
        suppressed_text=drift.SUPPRESSED_TEXT,
        forest=forest_plot(
            payload["areas"], threshold=threshold,
            title="Each area's offset from the county with its 95% interval",
        ) if payload["areas"] else None,
        over_time=period_plot(
            payload["periods"], periods=view.periods if chosen["period"] is None
            else [chosen["period"]],
            title="Each area's offset in each term",
        ),
        threshold=threshold,
        export_args={k: v for k, v in chosen.items() if v},
    )


def _export_name(chosen: dict[str, str | None], extension: str) -> str:
    """``area-drift[-term][-phase].ext``: a filtered file says what it holds."""
    parts = ["area-drift"] + [re.sub(r"[^a-z0-9]+", "-", v.lower()).strip("-")
                              for v in (chosen["period"], chosen["phase"]) if v]
    return "-".join(parts) + "." + extension


@bp.get("/county")
@role_required("reviewer", "admin")
def county_page():
    return render_template("reviewer/county.html", report=county.county_report(),
                           suppressed_text=drift.SUPPRESSED_TEXT)


def _rows(payload: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for table in ("areas", "area_domains", "periods"):
        for row in payload[table]:
            ci = row.get("ci95") or [None, None]
            rows.append([table, row["area"], row.get("domain"), row.get("period"),
                         row.get("offset"), ci[0], ci[1], row.get("n_raters"),
                         row.get("n_ratings"), row.get("flag"), row["status"],
                         row["suppressed"]])
    return rows


def _drift_table(chosen: dict[str, str | None]) -> pd.DataFrame:
    table = pd.DataFrame(_rows(drift.reviewer_drift(**chosen).payload), columns=EXPORT_COLUMNS)
    return table.astype({"n_raters": "Int64", "n_ratings": "Int64"})


@bp.get("/drift.csv")
@role_required("reviewer", "admin")
def export_csv():
    chosen = _filters()
    return csv_response(_drift_table(chosen), _export_name(chosen, "csv"))


@bp.get("/drift.xlsx")
@role_required("reviewer", "admin")
def export_xlsx():
    chosen = _filters()
    about = [
        "Offsets are in scale points from the county (the unweighted mean of the areas) for "
        "the same vignette and domain; positive means higher scores.",
        f"Figures resting on fewer than {drift.MIN_GROUP} practitioners are suppressed (left "
        "empty, suppressed = TRUE).",
        f"Term: {chosen['period'] or 'all terms'}; phase: {chosen['phase'] or 'all phases'}",
        "Source: " + url_for("reviewer.page", _external=True,
                             **{k: v for k, v in chosen.items() if v}),
    ]
    return xlsx_response({"Area drift": _drift_table(chosen)}, _export_name(chosen, "xlsx"),
                         about)


def _county_tables() -> dict[str, pd.DataFrame]:
    report = county.county_report()
    domains = [{**{k: v for k, v in d.items() if k != "drift"},
                "drift": "; ".join(f"{c['area']} {c['flag']}" for c in d["drift"])}
               for d in report["domains"]]
    return {
        "Disagreements that matter": pd.DataFrame(report["major_disagreements"]),
        "Training needs": pd.DataFrame(domains),
        "Agreement by term": pd.DataFrame(report["agreement_by_term"]),
        "Taking part by area": pd.DataFrame(report["participation_by_area"]),
        "Taking part by term": pd.DataFrame(report["participation_by_term"]),
    }


@bp.get("/county.xlsx")
@role_required("reviewer", "admin")
def county_xlsx():
    return xlsx_response(_county_tables(), "county-report.xlsx", [
        f"Figures resting on fewer than {drift.MIN_GROUP} practitioners are left empty "
        "(suppressed = TRUE).",
        "Agreement is among the people in the same huddle, from first (independent) scores.",
    ])


@bp.get("/county.csv")
@role_required("reviewer", "admin")
def county_csv():
    return csv_response(_county_tables()["Training needs"], "county-training-needs.csv")
