"""JSON API ``/api/v1``: a contract used by scripts outside this repository.

Documented in ``docs/api.md``. Success is 200 with a JSON body (201 for creations);
errors are ``{"error": "..."}`` with the status the service layer chose.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest as HTTPBadRequest

from ..auth_loader import api_viewer
from ..extensions import JOIN_LIMIT, limiter
from ..services import accounts, calibration, drift, huddles, reports
from ..services.errors import BadRequest, Forbidden, Invalid, Unauthorized

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _json_body() -> dict[str, Any]:
    try:
        body = request.get_json(force=True, silent=False)
    except (HTTPBadRequest, RecursionError, ValueError) as exc:
        if any("digits" in str(e) for e in _exception_chain(exc) if isinstance(e, ValueError)):
            # Python refuses to read integers of more than 4,300 digits.
            raise Invalid("a number in the request has too many digits") from None
        raise BadRequest("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    return body


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"{name} must be text", field=name)
    return value


@bp.get("/vignettes")
def list_vignettes():
    api_viewer()
    return jsonify(
        [
            {
                "code": v.vignette.code,
                "title": v.title,
                "version": v.version,
                "phase": v.phase,
                "domains": [{"key": d["key"], "name": d["name"]} for d in v.framework.domains],
                "scale": {"min": v.framework.scale_min, "max": v.framework.scale_max},
            }
            for v in huddles.latest_versions()
        ]
    )


@bp.get("/areas")
def list_areas():
    return jsonify([{"name": a.name} for a in accounts.list_areas()])


@bp.post("/huddles")
def create_huddle():
    user = api_viewer().user
    if user is None or not user.can_facilitate:
        # The contract: without a facilitator's (or admin's) token, 401.
        raise Unauthorized("this needs a facilitator's token")
    body = _json_body()
    codes = body.get("vignettes")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise Invalid("vignettes must be a list of vignette codes", field="vignettes")
    cofacilitators = body.get("cofacilitators") or []
    if not isinstance(cofacilitators, list) or not all(isinstance(c, str) for c in cofacilitators):
        raise Invalid("cofacilitators must be a list of email addresses", field="cofacilitators")
    title = body.get("title")
    if not isinstance(title, str):
        raise Invalid("title is required", field="title")
    huddle = huddles.create_huddle(
        user,
        title=title,
        vignette_codes=codes,
        held_on=huddles.parse_date(body.get("date")),
        phase=_optional_text(body, "phase"),
        host_area=_optional_text(body, "host_area"),
        cofacilitator_emails=cofacilitators,
    )
    return jsonify(id=huddle.id, join_code=huddle.join_code), 201


@bp.post("/join")
@limiter.shared_limit(JOIN_LIMIT, scope="join")
def join():
    body = _json_body()
    for name in ("join_code", "name", "area"):
        if not isinstance(body.get(name), str):
            raise Invalid(f"{name} is required", field=name)
    result = huddles.join_huddle(
        body["join_code"],
        name=body["name"],
        area=body["area"],
        role=_optional_text(body, "role"),
        setting=_optional_text(body, "setting"),
        participant_token=_optional_text(body, "participant_token"),
    )
    return (
        jsonify(
            participant_token=result.participant_token,
            huddle_id=result.participant.huddle_id,
            participant_id=result.participant.id,
        ),
        201,
    )


@bp.get("/huddles/<int:huddle_id>/state")
def state(huddle_id: int):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    # Every change anyone could see bumps the huddle's revision, so the revision and who is
    # asking make the ETag: an unchanged poll is answered without building the state.
    etag = huddles.state_etag(huddle, viewer)
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        response = jsonify(huddles.live_state(huddle, viewer))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


@bp.post("/huddles/<int:huddle_id>/open")
def open_next(huddle_id: int):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    item = huddles.open_next(huddle, viewer)
    return jsonify(status=huddle.status, vignette=huddles.vignette_payload(item))


@bp.post("/huddles/<int:huddle_id>/rescore")
def rescore(huddle_id: int):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    item = huddles.rescore(huddle, viewer)
    return jsonify(status=huddle.status, vignette=huddles.vignette_payload(item))


@bp.put("/huddles/<int:huddle_id>/ratings/<vignette_code>")
def put_ratings(huddle_id: int, vignette_code: str):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    body = _json_body()
    scores = huddles.submit_ratings(huddle, viewer, vignette_code, body.get("scores"))
    return jsonify(vignette=vignette_code, scores=scores)


@bp.post("/huddles/<int:huddle_id>/reveal")
def reveal(huddle_id: int):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    distribution = huddles.reveal(huddle, viewer)
    return jsonify(
        status=huddle.status,
        vignette=huddle.current_item.vignette_version.vignette.code,
        distribution=distribution,
    )


@bp.put("/huddles/<int:huddle_id>/consensus/<vignette_code>")
def put_consensus(huddle_id: int, vignette_code: str):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    body = _json_body()
    item = huddles.record_consensus(
        huddle, viewer, vignette_code, body.get("scores"), body.get("note", huddles.KEEP_NOTE)
    )
    return jsonify(vignette=vignette_code, scores=item.consensus_scores(), note=item.consensus_note)


@bp.post("/huddles/<int:huddle_id>/close")
def close(huddle_id: int):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    huddles.close(huddle, viewer)
    return jsonify(id=huddle.id, status=huddle.status)


@bp.get("/huddles/<int:huddle_id>/report")
def report(huddle_id: int):
    viewer = api_viewer()
    huddle = huddles.get_huddle(huddle_id)
    huddles.require_facilitator(huddle, viewer)
    return jsonify(reports.huddle_report(huddle))


@bp.get("/drift")
def area_drift():
    """Area drift for reviewers and admins: the drift command's JSON without raters."""
    viewer = api_viewer()
    if viewer.user is None:
        raise Forbidden("area drift needs a reviewer's or admin's token")
    user = viewer.user
    if user.role not in ("reviewer", "admin"):
        raise Forbidden("area drift is for reviewers and admins")
    phase = request.args.get("phase") or None
    if phase is not None and phase not in drift.PHASES:
        raise Invalid(f"phase must be one of {', '.join(drift.PHASES)}", field="phase")
    model = request.args.get("model") or "linear"
    if model not in ("linear", "ordinal"):
        raise Invalid("model must be linear or ordinal", field="model")
    view = drift.reviewer_drift(period=request.args.get("period") or None, phase=phase,
                                model=model)
    return jsonify({**view.payload, "reason": view.reason, "available_periods": view.periods})


@bp.get("/me/calibration")
def my_calibration():
    """A practitioner's own calibration across all their huddles (their token only)."""
    viewer = api_viewer()
    if viewer.practitioner is None:
        raise Forbidden("this needs a participant token: a calibration belongs to its practitioner")
    return jsonify(calibration.my_calibration(viewer.practitioner))
