"""The practitioner's phone: join with a code, read the vignette, score, see the spread.

Works without JavaScript; ``static/js/phone.js`` only adds live updates and saving
that survives a patchy signal.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..auth_loader import device_practitioner, web_viewer
from ..exports import csv_response, xlsx_response
from ..extensions import JOIN_LIMIT, limiter
from ..forms import JoinForm, choices
from ..services import accounts, calibration, huddles
from ..services.errors import NotFound, ServiceError

bp = Blueprint("practitioner", __name__)

NO_HUDDLE = "No open huddle has that code. Check the code on the screen."
CLOSED_HUDDLE = (
    "That huddle has closed, so it takes no more joins or scores. If you took part, "
    "\"Your huddles\" on this phone shows your results."
)
NOTHING_CHOSEN = "Choose a level for at least one domain"
#: Errors from a save without JavaScript, carried across the redirect back to the page:
#: ``{"vignette": code, "errors": [[field id, message], ...]}``.
SCORE_ERRORS = "score_errors"


def _no_huddle_message(code: str) -> str:
    found = huddles.find_by_join_code(code)
    if found is not None and found.status == "closed":
        return CLOSED_HUDDLE
    return NO_HUDDLE


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/j/<code>")
def join_link(code: str):
    """The short link the QR code encodes."""
    return redirect(url_for("practitioner.start", code=huddles.normalise_join_code(code)))


@bp.route("/", methods=["GET", "POST"])
@limiter.shared_limit(JOIN_LIMIT, scope="join", methods=["POST"])
def start():
    """Join a huddle: the first page on a phone."""
    practitioner = device_practitioner()
    form = JoinForm()
    form.area.choices = choices(
        [("", "Choose your area")] + [(a.name, a.name) for a in accounts.list_areas()]
    )
    if request.method == "GET":
        remembered = huddles.last_details(practitioner)
        form.code.data = request.args.get("code", "")
        form.name.data = remembered.get("name", "")
        form.role.data = remembered.get("role", "")
        form.setting.data = remembered.get("setting", "")
        form.area.data = remembered.get("area", "")
        if form.code.data and huddles.find_open_by_join_code(form.code.data) is None:
            form.code.errors = [_no_huddle_message(form.code.data)]
    if form.validate_on_submit():
        token = request.cookies.get(current_app.config["PRACTITIONER_COOKIE"])
        if practitioner is None:
            token = None  # a stale cookie: start afresh rather than refuse
        try:
            result = huddles.join_huddle(
                form.code.data,
                name=form.name.data,
                area=form.area.data,
                role=form.role.data or None,
                setting=form.setting.data or None,
                participant_token=token,
            )
        except NotFound:
            form.code.errors = list(form.code.errors) + [_no_huddle_message(form.code.data)]
        except ServiceError as exc:
            target = getattr(form, exc.field or "", None) or form.name
            target.errors = list(target.errors) + [exc.message]
        else:
            response = redirect(url_for("practitioner.huddle", huddle_id=result.participant.huddle_id))
            response.set_cookie(
                current_app.config["PRACTITIONER_COOKIE"],
                result.participant_token,
                max_age=int(timedelta(days=current_app.config["PRACTITIONER_COOKIE_DAYS"]).total_seconds()),
                httponly=True,
                samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
            return response
    status = 422 if form.errors and request.method == "POST" else 200
    return render_template("practitioner/join.html", form=form, returning=practitioner is not None), status


@bp.get("/p/<int:huddle_id>")
def huddle(huddle_id: int):
    """What the phone shows now: waiting, scoring, the revealed spread, or closed."""
    huddle_row = huddles.get_huddle(huddle_id)
    viewer = web_viewer()
    participant = huddles.participant_in(huddle_row, viewer.practitioner)
    if participant is None:
        flash("Join this huddle first with its code.", "info")
        return redirect(url_for("practitioner.start"))
    carried = session.pop(SCORE_ERRORS, None) or {}
    errors = carried.get("errors", []) if _is_open(huddle_row, carried.get("vignette", "")) else []
    return _phone_page(huddle_row, viewer, participant, [tuple(e) for e in errors])


def _phone_page(huddle_row, viewer, participant, errors=(), unsaved=None) -> str:
    """The phone's page for the huddle's current state; ``unsaved`` keeps refused choices
    (only ever for the vignette that is open now)."""
    state = huddles.live_state(huddle_row, viewer)
    item = huddle_row.current_item
    saved = state.get("my_scores", {})
    return render_template(
        "practitioner/huddle.html",
        huddle=huddle_row,
        participant=participant,
        state=state,
        item=item,
        framework=item.vignette_version.framework if item is not None else None,
        errors=list(errors),
        saved=saved,
        chosen={**saved, **(unsaved or {})},
        results=huddles.results_for(huddle_row, participant) if state["status"] == "closed" else [],
    )


@bp.post("/p/<int:huddle_id>/scores/<vignette_code>")
def save_scores(huddle_id: int, vignette_code: str):
    """Save the levels picked so far (some now, the rest later, changeable until the reveal)."""
    huddle_row = huddles.get_huddle(huddle_id)
    viewer = web_viewer()
    participant = huddles.participant_in(huddle_row, viewer.practitioner)
    if participant is None:
        if _wants_json():
            return jsonify(error="join this huddle first"), 403
        flash("Join this huddle first with its code.", "info")
        return redirect(url_for("practitioner.start"))
    scores: dict[str, int] = {}
    bad: list[tuple[str, str]] = []
    for key, value in request.form.items():
        if key.startswith("score-") and value != "":
            domain = key.removeprefix("score-")
            try:
                scores[domain] = int(value)
            except ValueError:
                bad.append((f"score-{domain}", f"'{value}' is not a level on the scale"))
    if not _is_open(huddle_row, vignette_code):
        # A page left open from an earlier vignette: never carry its choices onto the one
        # that is open now, and say plainly which vignette they were for.
        message = _not_open_message(huddle_row, vignette_code)
        flash(message, "warning")  # the script reloads on 409, so the page says it too
        if _wants_json():
            return jsonify(error=message), 409
        return redirect(url_for("practitioner.huddle", huddle_id=huddle_id), code=303)
    if not bad and not scores:
        if _wants_json():
            return jsonify(error=NOTHING_CHOSEN), 422
        # Post/Redirect/Get: the error shows on the page itself, so a reload re-sends nothing.
        session[SCORE_ERRORS] = {"vignette": vignette_code, "errors": [["scores", NOTHING_CHOSEN]]}
        return redirect(url_for("practitioner.huddle", huddle_id=huddle_id) + "#error-summary",
                        code=303)
    error_list: list[tuple[str, str]] = list(bad)
    error_status = 422
    saved: dict[str, int] = {}
    if not bad:
        try:
            saved = huddles.submit_ratings(huddle_row, viewer, vignette_code, scores)
        except ServiceError as exc:
            if exc.status in (401, 403, 404):
                raise
            error_list.append(
                (f"score-{exc.field}" if exc.field else "scores", _sentence(exc.message))
            )
            error_status = exc.status
    if _wants_json():
        if error_list:
            return jsonify(error=error_list[0][1]), error_status
        # Every score stored so far for this vignette, so the phone can label each domain.
        return jsonify(saved=saved)
    if not error_list:
        total = len(huddle_row.current_item.vignette_version.framework.domain_keys)
        if len(saved) < total:
            flash(f"Saved {len(saved)} of {total} domains. Come back for the rest before the reveal.", "success")
        else:
            flash(f"Saved all {total} domains. You can change them until the reveal.", "success")
        # Land on the confirmation (the first thing in the main content), not below it.
        return redirect(url_for("practitioner.huddle", huddle_id=huddle_id) + "#main-content",
                        code=303)
    return _phone_page(huddle_row, viewer, participant, error_list, scores), error_status


def _is_open(huddle_row, vignette_code: str) -> bool:
    item = huddle_row.current_item
    return (
        huddle_row.status == "scoring"
        and item is not None
        and item.vignette_version.vignette.code == vignette_code
    )


def _not_open_message(huddle_row, vignette_code: str) -> str:
    code = vignette_code[:20]
    if huddle_row.status == "closed":
        return f"Your scores for {code} were not saved: the huddle has closed."
    item = next(
        (i for i in huddle_row.items if i.vignette_version.vignette.code == vignette_code), None
    )
    if item is not None and item.state == "revealed":
        return (
            f"Your scores for {code} were not saved: the facilitator had already revealed "
            f"{code}'s scores. This page now shows where the huddle is."
        )
    return f"Your scores for {code} were not saved: {code} is not open for scoring."


def _sentence(message: str) -> str:
    """A service message as a sentence for the phone: capital first letter."""
    return message[:1].upper() + message[1:]


@bp.get("/me")
def my_huddles():
    """The huddles this device has joined, so a practitioner can find their way back."""
    practitioner = device_practitioner()
    memberships = sorted(practitioner.memberships, key=lambda p: p.joined_at, reverse=True) if practitioner else []
    return render_template("practitioner/mine.html", memberships=memberships)


@bp.get("/me/calibration")
def my_calibration():
    """This device's practitioner's own calibration: private, for them alone."""
    practitioner = device_practitioner()
    report = calibration.my_calibration(practitioner) if practitioner is not None else None
    response = make_response(render_template("practitioner/calibration.html", report=report))
    response.headers["Cache-Control"] = "no-store"
    return response


def _my_tables() -> dict[str, pd.DataFrame]:
    """The practitioner's own figures as tables: by domain, against references, differences."""
    practitioner = device_practitioner()
    report = calibration.my_calibration(practitioner) if practitioner is not None else None

    def by_domain(rows: list[dict]) -> pd.DataFrame:
        return pd.DataFrame(
            [{**{k: v for k, v in d.items() if k != "ci95"},
              "ci95_low": d["ci95"][0] if d["ci95"] else None,
              "ci95_high": d["ci95"][1] if d["ci95"] else None} for d in rows],
            columns=["domain", "domain_name", "n", "mean_signed_difference", "ci95_low",
                     "ci95_high", "share_exact", "share_within_one"])

    differences = [{**m, "crosses": "; ".join(m["crosses"])}
                   for m in (report["major_differences"] if report else [])]
    return {
        "Against agreed scores": by_domain(report["domains"] if report else []),
        "Against references": by_domain(report["against_reference"] if report else []),
        "Differences that matter": pd.DataFrame(differences),
        "Largest differences": pd.DataFrame(report["largest_differences"] if report else []),
    }


@bp.get("/me/calibration.xlsx")
def my_calibration_xlsx():
    """The practitioner's own report as a workbook, for them to keep."""
    response = xlsx_response(_my_tables(), "my-calibration.xlsx",
                             ["Your first scores against what groups agreed. Only you have this."])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/me/calibration.csv")
def my_calibration_csv():
    """The practitioner's own figures by domain, for them to keep."""
    response = csv_response(_my_tables()["Against agreed scores"], "my-calibration.csv")
    response.headers["Cache-Control"] = "no-store"
    return response

