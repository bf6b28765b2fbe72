"""A whole huddle through the JSON API, with three participants, checked against the
stored rows and against an independent calculation of Krippendorff's alpha."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from moderation_app.extensions import db
from moderation_app.models import (
    ConsensusScore,
    Huddle,
    Participant,
    Practitioner,
    Rating,
)

from .helpers import DOMAINS

SLC = "speech-language-communication"


def ordinal_alpha_by_pairs(units: dict[object, list[int]]) -> float:
    """Krippendorff's ordinal alpha written out pair by pair (Krippendorff 2011, sec. C).

    A second witness for the app's figure: every ordered pair of values within a unit
    adds 1/(m_u - 1) to the coincidence of its two values.
    """
    coincidence: dict[tuple[int, int], float] = defaultdict(float)
    for values in units.values():
        m = len(values)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            coincidence[(values[i], values[j])] += 1 / (m - 1)
    levels = sorted({c for c, _ in coincidence})
    n_c = {c: sum(v for (a, _), v in coincidence.items() if a == c) for c in levels}
    n = sum(n_c.values())

    def delta2(c: int, k: int) -> float:
        low, high = min(c, k), max(c, k)
        inner = sum(n_c[g] for g in levels if low <= g <= high)
        return (inner - (n_c[c] + n_c[k]) / 2) ** 2

    observed = sum(v * delta2(c, k) for (c, k), v in coincidence.items())
    expected = sum(n_c[c] * n_c[k] * delta2(c, k) for c in levels for k in levels)
    return 1 - (n - 1) * observed / expected


def test_whole_huddle_through_the_api(app, api, county):
    fac = county.facilitator_token

    # The catalogue a script would read first.
    vignettes = api.call("GET", "/vignettes", fac).get_json()
    assert len(vignettes) >= 12
    v01 = next(v for v in vignettes if v["code"] == "V01")
    assert v01["scale"] == {"min": 0, "max": 5}
    assert [d["key"] for d in v01["domains"]] == DOMAINS
    areas = api.call("GET", "/areas").get_json()
    assert {"name": "West"} in areas

    created = api.call("POST", "/huddles", fac, json={
        "title": "Autumn primary moderation", "vignettes": ["V01", "V05"],
        "date": "2026-11-20", "phase": "primary", "host_area": "West",
    })
    assert created.status_code == 201
    huddle_id, code = created.get_json()["id"], created.get_json()["join_code"]
    assert len(code) >= 6 and not set(code) & set("0O1IL2Z5S8B")

    tokens = {}
    for name, area in (("AB", "West"), ("CD", "Mid County"), ("EF", "North Coast")):
        joined = api.call("POST", "/join", json={"join_code": code.lower(), "name": name,
                                                  "area": area, "role": "SENCo"})
        assert joined.status_code == 201
        assert joined.get_json()["huddle_id"] == huddle_id
        tokens[name] = joined.get_json()["participant_token"]
    # Joining again from the same device is the same practitioner, with the same token.
    again = api.call("POST", "/join", json={"join_code": code, "name": "A.B.", "area": "West",
                                             "participant_token": tokens["AB"]})
    assert again.status_code == 201 and again.get_json()["participant_token"] == tokens["AB"]

    state = api.call("GET", f"/huddles/{huddle_id}/state", tokens["CD"]).get_json()
    assert (state["status"], state["vignette"], state["joined"], state["submitted"]) == (
        "lobby", None, 3, 0)
    assert api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", tokens["AB"],
                    json={"scores": {SLC: 3}}).status_code == 409

    opened = api.call("POST", f"/huddles/{huddle_id}/open", fac)
    assert opened.status_code == 200
    assert opened.get_json()["vignette"]["code"] == "V01"
    assert api.call("POST", f"/huddles/{huddle_id}/open", fac).status_code == 409

    sent = {
        "V01": {
            "AB": dict(zip(DOMAINS, [4, 2, 1, 1, 0, 0, 1])),
            "CD": dict(zip(DOMAINS, [3, 2, 1, 2, 0, 0, 0])),
            "EF": dict(zip(DOMAINS[:4], [4, 3, 2, 1])),
        },
        "V05": {
            "AB": dict(zip(DOMAINS, [1, 2, 2, 3, 1, 0, 1])),
            "CD": dict(zip(DOMAINS, [1, 2, 3, 4, 1, 0, 2])),
            "EF": dict(zip(DOMAINS, [2, 1, 2, 3, 0, 0, 1])),
        },
    }
    agreed = {
        "V01": dict(zip(DOMAINS, [4, 2, 1, 1, 0, 0, 1])),
        "V05": dict(zip(DOMAINS, [1, 2, 2, 3, 1, 0, 1])),
    }

    for index, code_ in enumerate(("V01", "V05")):
        if index:
            assert api.call("POST", f"/huddles/{huddle_id}/open", fac).status_code == 200
        for name, scores in sent[code_].items():
            # Some now and the rest later: the first two domains, then the others.
            first = dict(list(scores.items())[:2])
            rest = dict(list(scores.items())[2:])
            assert api.call("PUT", f"/huddles/{huddle_id}/ratings/{code_}", tokens[name],
                            json={"scores": {**first, SLC: 5}}).status_code == 200
            response = api.call("PUT", f"/huddles/{huddle_id}/ratings/{code_}", tokens[name],
                                json={"scores": first})
            assert response.status_code == 200
            if rest:
                response = api.call("PUT", f"/huddles/{huddle_id}/ratings/{code_}",
                                    tokens[name], json={"scores": rest})
            assert response.get_json()["scores"] == scores

        live = api.call("GET", f"/huddles/{huddle_id}/state", fac).get_json()
        assert live["status"] == "scoring" and live["submitted"] == 3
        assert live["complete"] == sum(len(s) == 7 for s in sent[code_].values())
        assert "distribution" not in live and "my_scores" not in live
        mine = api.call("GET", f"/huddles/{huddle_id}/state", tokens["EF"]).get_json()
        assert "distribution" not in mine and mine["my_scores"] == sent[code_]["EF"]

        assert api.call("POST", f"/huddles/{huddle_id}/reveal", tokens["AB"]).status_code == 403
        revealed = api.call("POST", f"/huddles/{huddle_id}/reveal", fac)
        assert revealed.status_code == 200
        distribution = revealed.get_json()["distribution"]
        for domain in DOMAINS:
            values = [s[domain] for s in sent[code_].values() if domain in s]
            assert distribution[domain]["n"] == len(values)
            assert distribution[domain]["counts"] == {
                str(level): values.count(level) for level in range(6)}
            assert distribution[domain]["median"] == (statistics.median(values) if values else None)
        assert api.call("PUT", f"/huddles/{huddle_id}/ratings/{code_}", tokens["AB"],
                        json={"scores": {SLC: 0}}).status_code == 409

        recorded = api.call("PUT", f"/huddles/{huddle_id}/consensus/{code_}", fac,
                            json={"scores": agreed[code_], "note": f"agreed {code_}"})
        assert recorded.status_code == 200
        seen = api.call("GET", f"/huddles/{huddle_id}/state", tokens["CD"]).get_json()
        assert seen["distribution"] == distribution
        assert seen["consensus"] == {"scores": agreed[code_], "note": f"agreed {code_}"}

    assert api.call("POST", f"/huddles/{huddle_id}/open", fac).status_code == 409  # none left

    # Exactly the rows sent are stored: one per (vignette, domain, participant), round 1.
    with app.app_context():
        rows = db.session.execute(
            select(Rating.vignette_version_id, Rating.domain, Participant.display_name,
                   Rating.round, Rating.score).join(Participant)
        ).all()
        codes = {r.vignette_version_id: r.vignette_version.vignette.code
                 for r in db.session.execute(select(Rating)).scalars()}
        stored = {(codes[v], d, n, rnd, s) for v, d, n, rnd, s in rows}
        name_of = {"AB": "A.B.", "CD": "CD", "EF": "EF"}
        expected = {(c, d, name_of[n], 1, s)
                    for c, by_name in sent.items() for n, scores in by_name.items()
                    for d, s in scores.items()}
        assert stored == expected and len(rows) == len(expected)
        assert db.session.execute(select(func.count()).select_from(Practitioner)).scalar() == 3
        assert db.session.execute(select(func.count()).select_from(ConsensusScore)).scalar() == 14

    report = api.call("GET", f"/huddles/{huddle_id}/report", fac).get_json()
    assert len(report["items"]) == 14
    for item in report["items"]:
        values = [s[item["domain"]] for s in sent[item["vignette"]].values() if item["domain"] in s]
        assert item["n"] == len(values)
        assert item["counts"] == {str(level): values.count(level) for level in range(6)}
        assert item["median"] == statistics.median(values)
        assert item["consensus"] == agreed[item["vignette"]][item["domain"]]

    units = {(c, d): [s[d] for s in by_name.values() if d in s]
             for c, by_name in sent.items() for d in DOMAINS}
    assert report["krippendorff_alpha"]["ordinal"] == pytest.approx(
        ordinal_alpha_by_pairs(units), abs=1e-12)

    by_name = {p["participant"]: p for p in report["participants"]}
    for name, shown in (("AB", "A.B."), ("CD", "CD"), ("EF", "EF")):
        diffs = [s - agreed[c][d] for c in sent for d, s in sent[c][name].items()]
        entry = by_name[shown]
        assert entry["n_scored"] == len(diffs)
        assert entry["share_equal"] == pytest.approx(sum(x == 0 for x in diffs) / len(diffs))
        assert entry["share_within_one"] == pytest.approx(
            sum(abs(x) <= 1 for x in diffs) / len(diffs))
        assert entry["mean_signed_difference"] == pytest.approx(sum(diffs) / len(diffs))

    assert api.call("POST", f"/huddles/{huddle_id}/close", fac).status_code == 200
    assert api.call("POST", f"/huddles/{huddle_id}/close", fac).status_code == 409
    assert api.call("POST", "/join", json={"join_code": code, "name": "GH",
                                           "area": "West"}).status_code == 404
    assert api.call("PUT", f"/huddles/{huddle_id}/ratings/V05", tokens["AB"],
                    json={"scores": {SLC: 1}}).status_code == 409
    closed = api.call("GET", f"/huddles/{huddle_id}/state", tokens["AB"])
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"


@pytest.fixture
def running(api, county):
    """A huddle with one participant, V01 open for scoring."""
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "Checks", "vignettes": ["V01", "V02"]}).get_json()
    token = api.call("POST", "/join", json={"join_code": created["join_code"], "name": "P",
                                            "area": "West"}).get_json()["participant_token"]
    api.call("POST", f"/huddles/{created['id']}/open", county.facilitator_token)
    return created["id"], created["join_code"], token


def rating_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Rating)).scalar_one()


@pytest.mark.parametrize("scores, status", [
    ({"no-such-domain": 3}, 422),
    ({SLC: 6}, 422),
    ({SLC: -1}, 422),
    ({SLC: "3"}, 422),
    ({SLC: True}, 422),
    ({SLC: 2.5}, 422),
    ({SLC: 3, "sensory": 9}, 422),
    ({}, 422),
    ("3", 422),
])
def test_bad_ratings_are_refused_and_nothing_is_stored(app, api, running, scores, status):
    huddle_id, _, token = running
    response = api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", token, json={"scores": scores})
    assert response.status_code == status
    assert isinstance(response.get_json()["error"], str) and response.get_json()["error"]
    assert rating_count(app) == 0


def test_rating_auth_and_state_rules(app, api, county, running):
    huddle_id, _, token = running
    url = f"/huddles/{huddle_id}/ratings/V01"
    assert api.call("PUT", url, json={"scores": {SLC: 1}}).status_code == 401
    assert api.call("PUT", url, "hp_not-a-real-token", json={"scores": {SLC: 1}}).status_code == 401
    assert api.call("PUT", url, county.facilitator_token,
                    json={"scores": {SLC: 1}}).status_code == 403
    # V02 is in the huddle but not open; V99 is not in it.
    assert api.call("PUT", f"/huddles/{huddle_id}/ratings/V02", token,
                    json={"scores": {SLC: 1}}).status_code == 409
    assert api.call("PUT", f"/huddles/{huddle_id}/ratings/V99", token,
                    json={"scores": {SLC: 1}}).status_code == 404
    response = api.call("PUT", url, token, data="{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]
    assert rating_count(app) == 0
    assert api.call("PUT", url, token, json={"scores": {SLC: 1}}).status_code == 200
    assert api.call("PUT", url, token, json={"scores": {SLC: 2}}).status_code == 200
    with app.app_context():
        assert [r.score for r in db.session.execute(select(Rating)).scalars()] == [2]


def test_a_participant_token_cannot_create_a_huddle(app, api, county):
    good = {"title": "T", "vignettes": ["V01"]}
    code = api.call("POST", "/huddles", county.facilitator_token, json=good).get_json()
    participant = api.call("POST", "/join", json={
        "join_code": code["join_code"], "name": "AB", "area": "West"}).get_json()
    refused = api.call("POST", "/huddles", participant["participant_token"], json=good)
    assert refused.status_code == 401
    assert refused.get_json() == {"error": "this needs a facilitator's token"}
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Huddle)).scalar_one() == 1


def test_create_huddle_errors(app, api, county):
    good = {"title": "T", "vignettes": ["V01"]}
    assert api.call("POST", "/huddles", json=good).status_code == 401
    assert api.call("POST", "/huddles", "hs_wrong", json=good).status_code == 401
    assert api.call("POST", "/huddles", county.reviewer_token, json=good).status_code == 401

    for body in (
        {"title": "", "vignettes": ["V01"]},
        {"title": "T", "vignettes": []},
        {"title": "T", "vignettes": ["V01", "V01"]},
        {"title": "T", "vignettes": ["NOPE"]},
        {"title": "T", "vignettes": "V01"},
        {"title": "T", "vignettes": ["V01"], "date": "2026-02-30"},
        {"title": "T", "vignettes": ["V01"], "phase": "nursery"},
        {"title": "T", "vignettes": ["V01"], "host_area": "Atlantis"},
        {"vignettes": ["V01"]},
    ):
        response = api.call("POST", "/huddles", county.facilitator_token, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]
    assert api.call("POST", "/huddles", county.facilitator_token, json=[1]).status_code == 400
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Huddle)).scalar_one() == 0
    admin = api.call("POST", "/huddles", county.admin_token, json=good)
    assert admin.status_code == 201


def test_join_errors(app, api, running):
    huddle_id, code, token = running
    assert api.call("POST", "/join", json={"join_code": "ZZZZZZ", "name": "X",
                                           "area": "West"}).status_code == 404
    for body in (
        {"join_code": code, "name": "  ", "area": "West"},
        {"join_code": code, "name": "X", "area": "Atlantis"},
        {"join_code": code, "name": "X"},
        {"join_code": code, "name": "X", "area": "West", "participant_token": "hp_unknown"},
    ):
        response = api.call("POST", "/join", json=body)
        assert response.status_code == 422, body
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Participant)).scalar_one() == 1


def test_roles_and_privacy(app, api, county, running):
    huddle_id, code, token = running
    other, fac = county.other_token, county.facilitator_token
    for method, path in (("GET", "state"), ("GET", "report"), ("POST", "reveal"),
                         ("POST", "close"), ("POST", "open")):
        assert api.call(method, f"/huddles/{huddle_id}/{path}", other).status_code == 403, path
    assert api.call("GET", f"/huddles/{huddle_id}/report", token).status_code == 403
    assert api.call("PUT", f"/huddles/{huddle_id}/consensus/V01", token,
                    json={"scores": {SLC: 1}}).status_code == 403
    assert api.call("GET", f"/huddles/{huddle_id}/state").status_code == 401
    assert api.call("GET", "/huddles/9999/state", fac).status_code == 404
    # A participant of another huddle sees nothing of this one.
    second = api.call("POST", "/huddles", other, json={"title": "B", "vignettes": ["V03"]}).get_json()
    stranger = api.call("POST", "/join", json={"join_code": second["join_code"], "name": "S",
                                               "area": "West"}).get_json()["participant_token"]
    assert api.call("GET", f"/huddles/{huddle_id}/state", stranger).status_code == 403
    assert api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", stranger,
                    json={"scores": {SLC: 1}}).status_code == 403
    # Nobody, the facilitator included, sees a distribution before the reveal.
    api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", token, json={"scores": {SLC: 4}})
    for who in (fac, token):
        state = api.call("GET", f"/huddles/{huddle_id}/state", who).get_json()
        assert "distribution" not in state and "consensus" not in state
    report = api.call("GET", f"/huddles/{huddle_id}/report", fac).get_json()
    # The report's spread covers revealed vignettes only, like everything else.
    assert all(item["n"] == 0 for item in report["items"] if item["vignette"] == "V01")
    assert api.call("PUT", f"/huddles/{huddle_id}/consensus/V01", fac,
                    json={"scores": {SLC: 4}}).status_code == 409


def test_cofacilitator_can_run_the_huddle(api, county):
    created = api.call("POST", "/huddles", county.facilitator_token, json={
        "title": "Shared", "vignettes": ["V01"], "cofacilitators": ["other@example.org"]}).get_json()
    huddle_id = created["id"]
    assert api.call("POST", f"/huddles/{huddle_id}/open", county.other_token).status_code == 200
    assert api.call("POST", f"/huddles/{huddle_id}/reveal", county.other_token).status_code == 200
    assert api.call("GET", f"/huddles/{huddle_id}/report", county.other_token).status_code == 200
    assert api.call("POST", f"/huddles/{huddle_id}/close", county.reviewer_token).status_code == 403


def test_state_etag_allows_cheap_polling(api, running, county):
    huddle_id, _, token = running
    first = api.call("GET", f"/huddles/{huddle_id}/state", token)
    etag = first.headers["ETag"]
    unchanged = api.call("GET", f"/huddles/{huddle_id}/state", token,
                         headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", token, json={"scores": {SLC: 1}})
    changed = api.call("GET", f"/huddles/{huddle_id}/state", county.facilitator_token,
                       headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["submitted"] == 1


def test_report_alpha_is_explained_when_undefined(api, running, county):
    huddle_id, _, token = running
    report = api.call("GET", f"/huddles/{huddle_id}/report", county.facilitator_token).get_json()
    assert report["krippendorff_alpha"]["ordinal"] is None
    assert report["krippendorff_alpha"]["reason"]
    assert Counter(item["vignette"] for item in report["items"]) == {"V01": 7, "V02": 7}
