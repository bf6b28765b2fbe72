"""The facilitator's screens: create a huddle, run it on the projector, read its report."""

from __future__ import annotations

import io
from collections.abc import Callable

import segno
import pandas as pd
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..auth_loader import role_required, web_viewer
from ..charts import spread_dots
from ..exports import xlsx_response
from ..forms import ConsensusForm, EmptyForm, HuddleForm, choices
from ..models import Huddle
from ..services import accounts, drift, huddles, reports
from ..services.errors import ServiceError

bp = Blueprint("facilitator", __name__, url_prefix="/huddles")

RUNNERS = ("facilitator", "admin")


def site_url() -> str:
    """The address phones use to reach this server (``PUBLIC_URL``, else this request's)."""
    return (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")


def join_url(huddle) -> str:
    """The address practitioners open (and the QR code encodes)."""
    return site_url() + url_for("practitioner.join_link", code=huddle.join_code)


def _own_huddle(huddle_id: int):
    huddle = huddles.get_huddle(huddle_id)
    huddles.require_facilitator(huddle, web_viewer())
    return huddle


@bp.get("/")
@login_required
def index():
    mine = huddles.huddles_for(current_user) if current_user.can_facilitate else []
    return render_template("facilitator/index.html", huddles=mine)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*RUNNERS)
def new():
    form = HuddleForm()
    versions = huddles.latest_versions()
    form.vignettes.choices = choices(
        [(v.vignette.code, f"{v.vignette.code} · {v.title} ({v.phase})") for v in versions]
    )
    form.host_area.choices = choices(
        [("", "No host area")] + [(a.name, a.name) for a in accounts.list_areas()]
    )
    form.cofacilitators.choices = choices(
        [(u.email, u.email) for u in accounts.facilitators() if u.id != current_user.id]
    )
    if form.validate_on_submit():
        # Keep the order in which vignettes were ticked in the page (the running order).
        ordered = [c for c in request.form.getlist("vignettes")]
        try:
            huddle = huddles.create_huddle(
                current_user,
                title=form.title.data,
                vignette_codes=ordered,
                held_on=form.held_on.data,
                phase=form.phase.data or None,
                host_area=form.host_area.data or None,
                cofacilitator_emails=form.cofacilitators.data,
            )
        except ServiceError as exc:
            target = getattr(form, exc.field or "", None) or form.title
            target.errors = list(target.errors) + [exc.message]
        else:
            flash(f"Huddle created. Join code {huddle.join_code}.", "success")
            return redirect(url_for("facilitator.room", huddle_id=huddle.id))
    host = form.host_area.data or request.args.get("host_area") or None
    # Anchors for the chosen phase, or the best two of each phase before one is chosen.
    phases = [form.phase.data] if form.phase.data else list(drift.PHASES)
    anchors = [a for phase in phases
               for a in drift.suggest_anchors(host_area=host, phase=phase,
                                              limit=3 if form.phase.data else 2)]
    return render_template("facilitator/new.html", form=form, versions=versions,
                           anchors={a.code: a for a in anchors})


@bp.get("/<int:huddle_id>")
@login_required
def room(huddle_id: int):
    """The control room, shown on the projector. Only group figures appear here."""
    huddle = _own_huddle(huddle_id)
    state = huddles.live_state(huddle, web_viewer())
    item = huddle.current_item
    consensus_form = ConsensusForm()
    if item is not None and item.consensus_note:
        consensus_form.note.data = item.consensus_note
    return render_template(
        "facilitator/room.html",
        huddle=huddle,
        state=state,
        item=item,
        join_url=join_url(huddle),
        site_url=site_url(),
        action_form=EmptyForm(),
        consensus_form=consensus_form,
        consensus=item.consensus_scores() if item is not None else {},
        level_labels=(
            {level["value"]: level["label"] for level in item.vignette_version.framework.levels}
            if item is not None
            else {}
        ),
        participants=huddle.participants,
        running_order=huddles.running_order(huddle),
    )


@bp.get("/<int:huddle_id>/qr.svg")
@login_required
def qr(huddle_id: int):
    huddle = _own_huddle(huddle_id)
    buffer = io.BytesIO()
    segno.make(join_url(huddle), error="m").save(
        buffer, kind="svg", scale=8, border=2, title=f"QR code to join {huddle.title}"
    )
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


def _action(huddle_id: int, action: Callable[[Huddle], str | None]) -> Response:
    huddle = _own_huddle(huddle_id)
    if not EmptyForm().validate_on_submit():
        flash("That button had expired. Try again.", "info")
        return redirect(url_for("facilitator.room", huddle_id=huddle.id))
    try:
        message = action(huddle)
    except ServiceError as exc:
        if exc.status in (401, 403, 404):
            raise
        flash(exc.message, "info")
    else:
        if message:
            flash(message, "success")
    return redirect(url_for("facilitator.room", huddle_id=huddle.id))


@bp.post("/<int:huddle_id>/open")
@login_required
def open_next(huddle_id: int):
    def act(huddle):
        huddles.open_next(huddle, web_viewer())  # the screen itself shows what changed

    return _action(huddle_id, act)


@bp.post("/<int:huddle_id>/reveal")
@login_required
def reveal(huddle_id: int):
    def act(huddle):
        huddles.reveal(huddle, web_viewer())

    return _action(huddle_id, act)


@bp.post("/<int:huddle_id>/rescore")
@login_required
def rescore(huddle_id: int):
    def act(huddle):
        huddles.rescore(huddle, web_viewer())

    return _action(huddle_id, act)


@bp.get("/<int:huddle_id>/close")
@login_required
def confirm_close(huddle_id: int):
    """Ask before closing: closing is for good, and unrevealed scores will not count."""
    huddle = _own_huddle(huddle_id)
    if huddle.status == "closed":
        return redirect(url_for("facilitator.room", huddle_id=huddle.id))
    return render_template(
        "facilitator/close.html",
        huddle=huddle,
        unrevealed=huddles.unrevealed_scored_items(huddle),
        pending=[i for i in huddle.items if i.state == "pending"],
        part_agreed=[e for e in huddles.running_order(huddle)
                     if e.item.state == "revealed" and e.agreed_domains < e.n_domains],
    )


@bp.post("/<int:huddle_id>/close")
@login_required
def close(huddle_id: int):
    def act(huddle):
        huddles.close(huddle, web_viewer())
        return "The huddle is closed. Thank you."

    return _action(huddle_id, act)


@bp.post("/<int:huddle_id>/consensus/<vignette_code>")
@login_required
def consensus(huddle_id: int, vignette_code: str):
    huddle = _own_huddle(huddle_id)
    form = ConsensusForm()
    if not form.validate_on_submit():
        flash("; ".join(e for errs in form.errors.values() for e in errs), "info")
        return redirect(url_for("facilitator.room", huddle_id=huddle.id))
    # Every domain's list is sent: "Not agreed yet" (an empty value) takes back that
    # domain's agreed score.
    scores: dict[str, int | None] = {}
    for key, value in request.form.items():
        if key.startswith("agreed-"):
            try:
                scores[key.removeprefix("agreed-")] = int(value) if value != "" else None
            except ValueError:
                flash(f"'{value}' is not a level on the scale.", "info")
                return redirect(url_for("facilitator.room", huddle_id=huddle.id))
    try:
        item = huddles.record_consensus(huddle, web_viewer(), vignette_code, scores,
                                        form.note.data)
    except ServiceError as exc:
        if exc.status in (401, 403, 404):
            raise
        flash(exc.message, "info")
    else:
        agreed = huddles.agreed_domain_count(item)
        total = len(item.vignette_version.framework.domain_keys)
        if agreed == 0:
            flash("Saved. No domain of this vignette has an agreed score now.", "success")
        elif agreed < total:
            flash(f"Agreed scores recorded for {agreed} of {total} domains.", "success")
        else:
            flash(f"Agreed scores recorded for all {total} domains.", "success")
    return redirect(url_for("facilitator.room", huddle_id=huddle.id) + "#consensus")


@bp.get("/<int:huddle_id>/report")
@login_required
def report(huddle_id: int):
    huddle = _own_huddle(huddle_id)
    return render_template("facilitator/report.html", huddle=huddle,
                           report=reports.huddle_report(huddle), spread_dots=spread_dots,
                           follow_ups=reports.follow_ups)


@bp.get("/<int:huddle_id>/report.xlsx")
@login_required
def report_xlsx(huddle_id: int):
    huddle = _own_huddle(huddle_id)
    report = reports.huddle_report(huddle)
    items = pd.DataFrame([
        {"vignette": r["vignette"], "version": r["version"], "domain": r["domain"], "n": r["n"],
         **{f"level {k}": v for k, v in r["counts"].items()}, "median": r["median"],
         "agreed": r["consensus"], "reference": r["reference"], "within_one": r["within_one"],
         "crosses": "; ".join(r["crosses"]), "note": r["note"]}
        for r in report["items"]
    ])
    agreement = report["agreement"] or {}
    figures = pd.DataFrame([
        {"figure": "Krippendorff's alpha (ordinal)",
         "value": report["krippendorff_alpha"]["ordinal"]},
        {"figure": "percent exact", "value": agreement.get("percent_exact")},
        {"figure": "percent within one", "value": agreement.get("percent_within_one")},
        {"figure": "halo index", "value": report["halo"]["index"]},
        {"figure": "alpha before discussion (rescored)",
         "value": report["discussion_effect"]["alpha_before"]},
        {"figure": "alpha after discussion (rescored)",
         "value": report["discussion_effect"]["alpha_after"]},
        {"figure": "share of changed scores moved toward the agreed score",
         "value": report["discussion_effect"]["share_moved_toward_consensus"]},
        {"figure": "share of changed scores moved toward the first median",
         "value": report["discussion_effect"]["share_moved_toward_first_median"]},
        {"figure": "scores changed in the rescore", "value": report["discussion_effect"]["n_changed"]},
    ])
    major = pd.DataFrame([{**m, "crosses": "; ".join(m["crosses"])}
                          for m in report["major_disagreements"]])
    people = pd.DataFrame([{k: v for k, v in p.items() if k != "participant_id"}
                           for p in report["participants"]])
    return xlsx_response(
        {"Disagreements that matter": major, "Spread and agreed": items,
         "Vignettes": pd.DataFrame(report["vignettes"]), "Agreement": figures,
         "Follow-ups": pd.DataFrame({"suggestion": reports.follow_ups(report)}),
         "Practitioners": people},
        f"huddle-{huddle.id}-report.xlsx",
        [f"Huddle report: {huddle.title}, {huddle.held_on.isoformat()}.",
         "For the facilitator: the Practitioners sheet holds individual figures; do not share."],
    )


@bp.get("/<int:huddle_id>/export.csv")
@login_required
def export_csv(huddle_id: int):
    huddle = _own_huddle(huddle_id)
    filename = f"huddle-{huddle.id}-ratings.csv"
    return Response(
        reports.ratings_csv(huddle),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
