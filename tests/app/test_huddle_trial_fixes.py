"""What a new-user trial found: resent scores keep their time, agreed scores can be taken
back and the note changed alone, a closed huddle's running order reads true, the state is
checked before the body, and staff hear why a huddle's state is not theirs to see."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from moderation_app.extensions import db
from moderation_app.models import ConsensusScore, HuddleItem, Participant, Rating
from moderation_app.services.reports import as_utc

from .helpers import DOMAINS, check_page, csrf_from, login, text_of

SLC = "speech-language-communication"
IND = "independence-self-care"
LONG_AGO = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def huddle(api, county):
    """A huddle of V01, V02 and V03 with two participants, V01 open for scoring."""
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "Trial", "vignettes": ["V01", "V02", "V03"]}).get_json()
    tokens = [
        api.call("POST", "/join", json={"join_code": created["join_code"], "name": name,
                                        "area": "West"}).get_json()["participant_token"]
        for name in ("AB", "CD")
    ]
    assert api.call("POST", f"/huddles/{created['id']}/open",
                    county.facilitator_token).status_code == 200
    return created["id"], tokens


def stored_ratings(app) -> dict[tuple[str, str], tuple[int, datetime]]:
    """(participant name, domain) -> (score, submitted_at in UTC), straight from the table."""
    with app.app_context():
        rows = db.session.execute(
            select(Participant.display_name, Rating.domain, Rating.score, Rating.submitted_at)
            .join(Participant, Rating.participant_id == Participant.id)
        ).all()
        return {(name, domain): (score, as_utc(at)) for name, domain, score, at in rows}


def stored_consensus(app, code: str = "V01") -> tuple[dict[str, int], str | None]:
    with app.app_context():
        items = db.session.execute(select(HuddleItem)).scalars().all()
        item = next(i for i in items if i.vignette_version.vignette.code == code)
        rows = db.session.execute(
            select(ConsensusScore.domain, ConsensusScore.score)
            .where(ConsensusScore.item_id == item.id)
        ).all()
        return {d: s for d, s in rows}, item.consensus_note


# --- 1. submitted_at --------------------------------------------------------------------


def test_an_unchanged_resend_keeps_its_submitted_at(app, api, county, huddle):
    huddle_id, (ab, cd) = huddle
    url = f"/huddles/{huddle_id}/ratings/V01"
    assert api.call("PUT", url, ab, json={"scores": {SLC: 3, "sensory": 1}}).status_code == 200
    assert api.call("PUT", url, cd, json={"scores": {SLC: 2}}).status_code == 200
    with app.app_context():
        db.session.execute(update(Rating).values(submitted_at=LONG_AGO))
        db.session.commit()

    # The phone re-sends every ticked domain: SLC unchanged, sensory changed, one new.
    before = datetime.now(timezone.utc)
    response = api.call("PUT", url, ab,
                        json={"scores": {SLC: 3, "sensory": 2, "cognition-learning": 4}})
    assert response.status_code == 200
    assert response.get_json()["scores"] == {SLC: 3, "sensory": 2, "cognition-learning": 4}
    rows = stored_ratings(app)
    assert set(rows) == {("AB", SLC), ("AB", "sensory"), ("AB", "cognition-learning"),
                         ("CD", SLC)}
    assert rows[("AB", SLC)] == (3, LONG_AGO)
    assert rows[("CD", SLC)] == (2, LONG_AGO)
    for domain, score in (("sensory", 2), ("cognition-learning", 4)):
        stored_score, at = rows[("AB", domain)]
        assert stored_score == score
        assert before - timedelta(seconds=1) <= at <= datetime.now(timezone.utc)

    # The export shows the first time for the unchanged score.
    assert api.call("POST", f"/huddles/{huddle_id}/reveal",
                    county.facilitator_token).status_code == 200
    laptop = app.test_client()
    login(laptop)
    export = laptop.get(f"/huddles/{huddle_id}/export.csv")
    table = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    stamps = {(r["domain"], r["score"]): r["submitted_at"] for r in table}
    assert len(table) == 4
    assert stamps[(SLC, "3")] == LONG_AGO.isoformat(timespec="seconds")
    assert stamps[("sensory", "2")] != LONG_AGO.isoformat(timespec="seconds")


# --- 2. taking an agreed score back, changing the note alone -----------------------------


@pytest.fixture
def revealed(app, api, county, huddle):
    """V01 scored, revealed and agreed in every domain with a note."""
    huddle_id, (ab, _) = huddle
    fac = county.facilitator_token
    api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", ab, json={"scores": {SLC: 3}})
    assert api.call("POST", f"/huddles/{huddle_id}/reveal", fac).status_code == 200
    agreed = dict(zip(DOMAINS, [3, 2, 1, 1, 0, 0, 1]))
    response = api.call("PUT", f"/huddles/{huddle_id}/consensus/V01", fac,
                        json={"scores": agreed, "note": "first note"})
    assert response.status_code == 200
    return huddle_id, agreed


def test_null_clears_an_agreed_score_and_others_stay(app, api, county, revealed):
    huddle_id, agreed = revealed
    url = f"/huddles/{huddle_id}/consensus/V01"
    response = api.call("PUT", url, county.facilitator_token,
                        json={"scores": {IND: None, "sensory": 4}})
    assert response.status_code == 200, response.get_json()
    expected = {**{d: s for d, s in agreed.items() if d != IND}, "sensory": 4}
    assert response.get_json() == {"vignette": "V01", "scores": expected, "note": "first note"}
    assert stored_consensus(app) == (expected, "first note")
    # Clearing a domain that has no agreed score is harmless.
    assert api.call("PUT", url, county.facilitator_token,
                    json={"scores": {IND: None}}).status_code == 200
    assert stored_consensus(app) == (expected, "first note")
    state = api.call("GET", f"/huddles/{huddle_id}/state", county.facilitator_token).get_json()
    assert state["consensus"] == {"scores": expected, "note": "first note"}


def test_the_note_can_change_alone(app, api, county, revealed):
    huddle_id, agreed = revealed
    url = f"/huddles/{huddle_id}/consensus/V01"
    fac = county.facilitator_token
    response = api.call("PUT", url, fac, json={"note": "second note"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"vignette": "V01", "scores": agreed, "note": "second note"}
    assert stored_consensus(app) == (agreed, "second note")
    assert api.call("PUT", url, fac, json={"scores": {}, "note": "third note"}).status_code == 200
    assert stored_consensus(app) == (agreed, "third note")
    # Every agreed score taken back, the note kept: the phones still see the note.
    assert api.call("PUT", url, fac, json={"scores": {d: None for d in DOMAINS}}).status_code == 200
    assert stored_consensus(app) == ({}, "third note")
    state = api.call("GET", f"/huddles/{huddle_id}/state", fac).get_json()
    assert state["consensus"] == {"scores": {}, "note": "third note"}
    assert api.call("PUT", url, fac, json={"note": None}).status_code == 200
    assert stored_consensus(app) == ({}, None)
    assert "consensus" not in api.call("GET", f"/huddles/{huddle_id}/state", fac).get_json()


@pytest.mark.parametrize("body", [
    {},
    {"scores": {}},
    {"scores": None},
    {"scores": {"no-such-domain": None}},
    {"scores": {IND: None, SLC: 9}},
    {"scores": {IND: None, SLC: "2"}},
    {"scores": {IND: None}, "note": 5},
    {"scores": "3", "note": "x"},
])
def test_bad_consensus_bodies_store_nothing(app, api, county, revealed, body):
    huddle_id, agreed = revealed
    response = api.call("PUT", f"/huddles/{huddle_id}/consensus/V01", county.facilitator_token,
                        json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]
    assert stored_consensus(app) == (agreed, "first note")


def test_consensus_state_comes_before_the_body(app, api, county, huddle):
    huddle_id, _ = huddle
    fac = county.facilitator_token
    url = f"/huddles/{huddle_id}/consensus/V01"
    for body in ({}, {"scores": {SLC: 9}}, {"scores": {SLC: None}}, {"note": "x"}):
        assert api.call("PUT", url, fac, json=body).status_code == 409, body
    api.call("POST", f"/huddles/{huddle_id}/reveal", fac)
    api.call("POST", f"/huddles/{huddle_id}/close", fac)
    for body in ({}, {"scores": {"nope": 1}}, {"scores": {SLC: None}}, {"note": "x"}):
        assert api.call("PUT", url, fac, json=body).status_code == 409, body
    assert stored_consensus(app) == ({}, None)


def room_form(laptop, huddle_id: int):
    soup = check_page(laptop.get(f"/huddles/{huddle_id}"))
    form = soup.find("form", id="consensus")
    data = {"csrf_token": csrf_from(soup)}
    for select_ in form.find_all("select"):
        chosen = select_.find("option", selected=True)
        data[select_["name"]] = chosen["value"] if chosen else ""
    data["note"] = form.find("textarea", attrs={"name": "note"}).get_text()
    return soup, form["action"], data


def test_not_agreed_yet_in_the_room_takes_the_score_back(app, api, county, revealed):
    huddle_id, agreed = revealed
    laptop = app.test_client()
    login(laptop)
    _, action, data = room_form(laptop, huddle_id)
    assert data[f"agreed-{IND}"] == str(agreed[IND]) and data["note"].strip() == "first note"

    data[f"agreed-{IND}"] = ""
    response = laptop.post(action, data=data, follow_redirects=True)
    assert "Agreed scores recorded for 6 of 7 domains" in text_of(check_page(response))
    expected = {d: s for d, s in agreed.items() if d != IND}
    assert stored_consensus(app) == (expected, "first note")
    soup, _, data = room_form(laptop, huddle_id)
    assert data[f"agreed-{IND}"] == ""
    assert "agreed 6 of 7" in text_of(soup.find("section", attrs={"aria-labelledby": "order-heading"}))

    # Only the note changes; then every level set back to "Not agreed yet".
    data["note"] = "changed in the room"
    laptop.post(action, data=data)
    assert stored_consensus(app) == (expected, "changed in the room")
    data.update({f"agreed-{d}": "" for d in DOMAINS})
    response = laptop.post(action, data=data, follow_redirects=True)
    assert "No domain of this vignette has an agreed score now" in text_of(check_page(response))
    assert stored_consensus(app) == ({}, "changed in the room")


# --- 3. labels of a closed huddle -------------------------------------------------------


def test_a_closed_room_labels_unrevealed_and_partly_agreed_vignettes(app, api, county, huddle):
    huddle_id, (ab, _) = huddle
    fac = county.facilitator_token
    api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", ab, json={"scores": {SLC: 3}})
    api.call("POST", f"/huddles/{huddle_id}/reveal", fac)
    api.call("PUT", f"/huddles/{huddle_id}/consensus/V01", fac,
             json={"scores": dict(zip(DOMAINS[:3], [3, 2, 1]))})
    api.call("POST", f"/huddles/{huddle_id}/open", fac)  # V02 being scored
    api.call("PUT", f"/huddles/{huddle_id}/ratings/V02", ab, json={"scores": {SLC: 2}})

    laptop = app.test_client()
    login(laptop)
    confirm = text_of(check_page(laptop.get(f"/huddles/{huddle_id}/close")))
    assert "has an agreed score for 3 of 7 domains" in confirm
    assert "Scores for V02" in confirm and "have not been revealed" in confirm
    assert "1 vignette in the running order was not opened" in confirm

    open_room = check_page(laptop.get(f"/huddles/{huddle_id}"))
    order = open_room.find("section", attrs={"aria-labelledby": "order-heading"})
    assert [tag.get_text() for tag in order.select(".govuk-tag")] == [
        "revealed", "scoring", "pending"]

    assert api.call("POST", f"/huddles/{huddle_id}/close", fac).status_code == 200
    room = check_page(laptop.get(f"/huddles/{huddle_id}"))
    order = room.find("section", attrs={"aria-labelledby": "order-heading"})
    lines = [text_of(li).strip() for li in order.find_all("li")]
    assert [tag.get_text() for tag in order.select(".govuk-tag")] == [
        "revealed", "not revealed (closed)", "not opened (closed)"]
    assert lines[0].endswith("revealed agreed 3 of 7")
    assert "scoring" not in text_of(order).lower()
    assert "closed before these scores were revealed" in text_of(room)
    # The stored states are left as they were.
    with app.app_context():
        states = {i.vignette_version.vignette.code: i.state
                  for i in db.session.execute(select(HuddleItem)).scalars()}
    assert states == {"V01": "revealed", "V02": "scoring", "V03": "pending"}


def test_a_fully_agreed_vignette_is_labelled_agreed(app, api, county, revealed):
    huddle_id, _ = revealed
    laptop = app.test_client()
    login(laptop)
    order = check_page(laptop.get(f"/huddles/{huddle_id}")).find(
        "section", attrs={"aria-labelledby": "order-heading"})
    assert text_of(order.find("li")).split("revealed")[-1].strip() == "agreed"


# --- 4. the state is checked before the body --------------------------------------------


@pytest.mark.parametrize("body", [
    {"scores": {SLC: 9}},
    {"scores": {"no-such-domain": 1}},
    {"scores": {}},
    {},
])
def test_ratings_not_open_are_409_whatever_the_body(app, api, county, huddle, body):
    huddle_id, (ab, _) = huddle
    fac = county.facilitator_token
    # V02 is not yet open.
    assert api.call("PUT", f"/huddles/{huddle_id}/ratings/V02", ab, json=body).status_code == 409
    api.call("POST", f"/huddles/{huddle_id}/reveal", fac)
    response = api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", ab, json=body)
    assert response.status_code == 409 and "revealed" in response.get_json()["error"]
    api.call("POST", f"/huddles/{huddle_id}/close", fac)
    response = api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", ab, json=body)
    assert response.status_code == 409 and "closed" in response.get_json()["error"]
    assert stored_ratings(app) == {}


def test_an_open_vignette_still_refuses_a_bad_score(app, api, huddle):
    huddle_id, (ab, _) = huddle
    response = api.call("PUT", f"/huddles/{huddle_id}/ratings/V01", ab, json={"scores": {SLC: 9}})
    assert response.status_code == 422
    assert stored_ratings(app) == {}


# --- 5. who may see the live state -------------------------------------------------------


def test_other_staff_are_told_the_huddle_is_run_by_others(app, api, county, huddle):
    huddle_id, _ = huddle
    for token in (county.other_token, county.reviewer_token):
        response = api.call("GET", f"/huddles/{huddle_id}/state", token)
        assert response.status_code == 403
        assert response.get_json() == {"error": "this huddle is run by other facilitators"}
    # A practitioner of another huddle is still told they have not joined this one.
    second = api.call("POST", "/huddles", county.other_token,
                      json={"title": "B", "vignettes": ["V03"]}).get_json()
    stranger = api.call("POST", "/join", json={"join_code": second["join_code"], "name": "S",
                                               "area": "West"}).get_json()["participant_token"]
    response = api.call("GET", f"/huddles/{huddle_id}/state", stranger)
    assert response.status_code == 403
    assert response.get_json() == {"error": "you have not joined this huddle"}
    # The page's own polling, signed in as another facilitator, gets the same answer.
    browser = app.test_client()
    login(browser, "other@example.org")
    response = browser.get(f"/api/v1/huddles/{huddle_id}/state")
    assert response.status_code == 403
    assert response.get_json() == {"error": "this huddle is run by other facilitators"}
