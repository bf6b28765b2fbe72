"""A private rescore after the discussion (round 2): stored beside the first scores, which
alone feed the independent statistics; the report says what the discussion did."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation_app.extensions import db
from moderation_app.models import Participant, Rating

from .helpers import DOMAINS, check_page, login, text_of
from .test_api_huddle import ordinal_alpha_by_pairs

SLC, SOCIAL, COGNITION = DOMAINS[:3]
FIRST = {"AB": {SLC: 4, SOCIAL: 1, COGNITION: 2}, "CD": {SLC: 2, SOCIAL: 2, COGNITION: 2},
         "EF": {SLC: 5, SOCIAL: 1, COGNITION: 3}, "GH": {SLC: 3, SOCIAL: 3, COGNITION: 1}}
AGREED = {SLC: 4, SOCIAL: 1, COGNITION: 2}
SECOND = {"AB": {SLC: 4, SOCIAL: 1, COGNITION: 2}, "CD": {SLC: 3, SOCIAL: 1, COGNITION: 2},
          "EF": {SLC: 4, SOCIAL: 2, COGNITION: 2}, "GH": {SLC: 4, SOCIAL: 3, COGNITION: 1}}


def test_rescore_round_two(app, api, client, county):
    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "Rescore",
                                                      "vignettes": ["V01", "V05"]}).get_json()
    hid = created["id"]
    tokens = {n: api.call("POST", "/join", json={"join_code": created["join_code"], "name": n,
                                                 "area": "West"}).get_json()["participant_token"]
              for n in FIRST}
    assert api.call("POST", f"/huddles/{hid}/rescore", fac).status_code == 409  # lobby
    api.call("POST", f"/huddles/{hid}/open", fac)
    for name, scores in FIRST.items():
        api.call("PUT", f"/huddles/{hid}/ratings/V01", tokens[name], json={"scores": scores})
    assert api.call("POST", f"/huddles/{hid}/rescore", fac).status_code == 409  # not revealed
    api.call("POST", f"/huddles/{hid}/reveal", fac)
    api.call("PUT", f"/huddles/{hid}/consensus/V01", fac, json={"scores": AGREED})

    assert api.call("POST", f"/huddles/{hid}/rescore", tokens["AB"]).status_code == 403
    opened = api.call("POST", f"/huddles/{hid}/rescore", fac)
    assert opened.status_code == 200
    body = opened.get_json()
    assert (body["status"], body["vignette"]["code"], body["vignette"]["round"]) == (
        "scoring", "V01", 2)
    state = api.call("GET", f"/huddles/{hid}/state", tokens["CD"]).get_json()
    assert state["my_scores"] == {} and "distribution" not in state
    for name, scores in SECOND.items():
        saved = api.call("PUT", f"/huddles/{hid}/ratings/V01", tokens[name], json={"scores": scores})
        assert saved.status_code == 200 and saved.get_json()["scores"] == scores
    revealed = api.call("POST", f"/huddles/{hid}/reveal", fac).get_json()
    assert revealed["distribution"][SLC]["counts"] == {"0": 0, "1": 0, "2": 0, "3": 1, "4": 3,
                                                       "5": 0}
    assert api.call("POST", f"/huddles/{hid}/rescore", fac).status_code == 409  # once only

    with app.app_context():
        rows = db.session.execute(
            select(Participant.display_name, Rating.round, Rating.domain, Rating.score)
            .join(Participant)).all()
    stored = {(n, r, d): s for n, r, d, s in rows}
    expected = {(n, 1, d): s for n, by in FIRST.items() for d, s in by.items()}
    expected |= {(n, 2, d): s for n, by in SECOND.items() for d, s in by.items()}
    assert stored == expected and len(rows) == len(expected)

    report = api.call("GET", f"/huddles/{hid}/report", fac).get_json()
    first_units = {d: [FIRST[n][d] for n in FIRST] for d in AGREED}
    second_units = {d: [SECOND[n][d] for n in SECOND] for d in AGREED}
    # Independent statistics use the first scores only.
    assert report["krippendorff_alpha"]["ordinal"] == pytest.approx(
        ordinal_alpha_by_pairs(first_units), abs=1e-12)
    effect = report["discussion_effect"]
    assert effect["alpha_before"] == pytest.approx(ordinal_alpha_by_pairs(first_units), abs=1e-12)
    assert effect["alpha_after"] == pytest.approx(ordinal_alpha_by_pairs(second_units), abs=1e-12)
    changed = [(FIRST[n][d], SECOND[n][d], AGREED[d]) for n in FIRST for d in AGREED
               if FIRST[n][d] != SECOND[n][d]]
    assert effect["n_changed"] == len(changed) == 6
    toward = sum(abs(b - c) < abs(a - c) for a, b, c in changed) / len(changed)
    assert effect["share_moved_toward_consensus"] == pytest.approx(toward)
    assert effect["n_rescored_vignettes"] == 1 and effect["reason"] is None

    login(client)
    page = check_page(client.get(f"/huddles/{hid}/report"))
    assert "What the discussion did" in text_of(page)


def test_no_rescore_says_so(api, county):
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "Plain", "vignettes": ["V01"]}).get_json()
    report = api.call("GET", f"/huddles/{created['id']}/report", county.facilitator_token)
    effect = report.get_json()["discussion_effect"]
    assert (effect["alpha_before"], effect["alpha_after"], effect["share_moved_toward_consensus"]) \
        == (None, None, None)
    assert effect["reason"] == "no vignette was rescored after its discussion"


def test_first_scores_stay_in_every_report_during_and_after_a_rescore(app, api, client, county):
    """Re-opening a vignette for a rescore, even closing the huddle mid-rescore, keeps its
    first (revealed) scores in the report, the export, the county figures and drift."""
    from moderation_app.services import county as county_service
    from moderation_app.services import drift

    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "Mid", "vignettes": ["V01"]}).get_json()
    hid = created["id"]
    tokens = {n: api.call("POST", "/join", json={"join_code": created["join_code"], "name": n,
                                                 "area": "West"}).get_json()["participant_token"]
              for n in FIRST}
    api.call("POST", f"/huddles/{hid}/open", fac)
    for name, scores in FIRST.items():
        api.call("PUT", f"/huddles/{hid}/ratings/V01", tokens[name], json={"scores": scores})
    api.call("POST", f"/huddles/{hid}/reveal", fac)
    before = api.call("GET", f"/huddles/{hid}/report", fac).get_json()
    api.call("POST", f"/huddles/{hid}/rescore", fac)
    api.call("PUT", f"/huddles/{hid}/ratings/V01", tokens["AB"], json={"scores": {SLC: 1}})
    during = api.call("GET", f"/huddles/{hid}/report", fac).get_json()
    assert api.call("POST", f"/huddles/{hid}/close", fac).status_code == 200
    after = api.call("GET", f"/huddles/{hid}/report", fac).get_json()
    for report in (during, after):
        assert report["krippendorff_alpha"] == before["krippendorff_alpha"]
        assert [i["counts"] for i in report["items"]] == [i["counts"] for i in before["items"]]
    login(client)
    exported = client.get(f"/huddles/{hid}/export.csv").get_data(as_text=True).splitlines()
    assert len(exported) == 1 + sum(len(s) for s in FIRST.values())
    room = text_of(check_page(client.get(f"/huddles/{hid}")))
    assert "revealed; rescore not revealed (closed)" in room
    with app.app_context():
        assert len(county_service.revealed_scores()) == sum(len(s) for s in FIRST.values())
        assert len(drift.rating_table()) == sum(len(s) for s in FIRST.values())


def test_scores_never_revealed_count_nowhere(app, api, county):
    """Scores of a vignette closed before its reveal stay out of drift and county figures."""
    from moderation_app.services import county as county_service
    from moderation_app.services import drift

    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "Shut", "vignettes": ["V01"]}).get_json()
    token = api.call("POST", "/join", json={"join_code": created["join_code"], "name": "ZZ",
                                            "area": "West"}).get_json()["participant_token"]
    api.call("POST", f"/huddles/{created['id']}/open", fac)
    api.call("PUT", f"/huddles/{created['id']}/ratings/V01", token, json={"scores": {SLC: 5}})
    with app.app_context():
        assert drift.rating_table().empty and county_service.revealed_scores().empty
    api.call("POST", f"/huddles/{created['id']}/close", fac)
    with app.app_context():
        assert drift.rating_table().empty and county_service.revealed_scores().empty
