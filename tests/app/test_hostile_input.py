"""Input meant to break things is refused with a 4xx and nothing is stored, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from moderation_app.content import ContentError, load_directory
from moderation_app.extensions import db
from moderation_app.models import Huddle, Participant

from .helpers import check_page, csrf_from, login

SLC = "speech-language-communication"


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def huddle(api, county):
    return api.call("POST", "/huddles", county.facilitator_token,
                    json={"title": "Hostile", "vignettes": ["V01"]}).get_json()


@pytest.mark.parametrize("bad", ["A\x00B", "\ud800", "tab\x07bell"])
def test_unstorable_text_is_refused(app, api, county, huddle, bad):
    joins = [
        {"join_code": huddle["join_code"], "name": bad, "area": "West"},
        {"join_code": huddle["join_code"], "name": "ok", "area": "West", "role": bad},
        {"join_code": huddle["join_code"], "name": "ok", "area": "West", "setting": bad},
        {"join_code": huddle["join_code"], "name": "ok", "area": bad},
    ]
    for body in joins:
        response = api.call("POST", "/join", json=body)
        assert response.status_code == 422, body
    assert count(app, Participant) == 0
    for body in ({"title": bad, "vignettes": ["V01"]},
                 {"title": "t", "vignettes": [bad]},
                 {"title": "t", "vignettes": ["V01"], "host_area": bad},
                 {"title": "t", "vignettes": ["V01"], "cofacilitators": [bad]}):
        assert api.call("POST", "/huddles", county.facilitator_token, json=body).status_code == 422
    assert count(app, Huddle) == 1
    if bad == "\ud800":
        return  # a form post carries bytes: a lone surrogate can only arrive in JSON escapes
    client = app.test_client()
    soup = check_page(client.get("/login"))
    response = client.post("/login", data={"csrf_token": csrf_from(soup), "email": bad,
                                           "password": "whatever1"})
    assert response.status_code in (400, 401)


def test_consensus_note_is_checked_and_can_be_cleared(api, county, huddle):
    fac = county.facilitator_token
    api.call("POST", f"/huddles/{huddle['id']}/open", fac)
    api.call("POST", f"/huddles/{huddle['id']}/reveal", fac)
    url = f"/huddles/{huddle['id']}/consensus/V01"
    assert api.call("PUT", url, fac, json={"scores": {SLC: 3}, "note": "a\x00b"}).status_code == 422
    assert api.call("PUT", url, fac, json={"scores": {SLC: 3}, "note": "first"}).get_json()["note"] == "first"
    kept = api.call("PUT", url, fac, json={"scores": {SLC: 4}}).get_json()
    assert kept == {"vignette": "V01", "scores": {SLC: 4}, "note": "first"}
    cleared = api.call("PUT", url, fac, json={"scores": {SLC: 4}, "note": ""}).get_json()
    assert cleared["note"] is None


def test_deep_json_huge_bodies_and_huge_ids(api, county, huddle):
    deep = "[" * 50000 + "]" * 50000
    response = api.call("POST", "/join", data=deep, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]
    big = api.call("POST", "/join", data='{"name": "' + "x" * 400_000 + '"}',
                   content_type="application/json")
    assert big.status_code == 413 and big.is_json
    for huddle_id in (2**31, 2**63, 2**70):
        assert api.call("GET", f"/huddles/{huddle_id}/state",
                        county.facilitator_token).status_code == 404
    # Without a token nothing is learnt about which huddles exist.
    assert api.call("POST", "/huddles/999/open").status_code == 401
    assert api.call("POST", f"/huddles/{huddle['id']}/open").status_code == 401


def test_long_lists_are_not_echoed_back(api, county):
    codes = [f"X{i:05d}" for i in range(40)]
    response = api.call("POST", "/huddles", county.facilitator_token,
                        json={"title": "t", "vignettes": codes})
    assert response.status_code == 422 and len(response.get_json()["error"]) < 200


def test_private_pages_are_not_cached(app, county, huddle):
    laptop = app.test_client()
    login(laptop)
    for path in (f"/huddles/{huddle['id']}", f"/huddles/{huddle['id']}/report",
                 f"/huddles/{huddle['id']}/export.csv"):
        assert laptop.get(path).headers["Cache-Control"] == "no-store", path


def test_loader_reports_odd_yaml_instead_of_crashing(app, tmp_path):
    framework = (tmp_path / "content" / "frameworks")
    framework.mkdir(parents=True)
    framework.joinpath("odd.yaml").write_text(
        "key: odd\nname: Odd\nversion: 1\nscale: {min: 0, max: 1, levels: "
        "[{value: 0, label: a, descriptor: b}, {value: 1, label: c, descriptor: d}]}\n"
        "decision_boundaries: 5\n"
        "domains: [{key: one, name: One, levels: {0: x, '1': y}}]\n"
    )
    (tmp_path / "content" / "V1.md").write_text(
        "---\ncode: V1\ntitle: {a: 1}\nphase: primary\nversion: 1\nframework: [odd]\n---\nText\n")
    (tmp_path / "content" / "V2.md").write_text(
        "---\ncode: V2\ntitle: t\nphase: primary\nversion: 1\n---\n" + "word " * 20000)
    with app.app_context(), pytest.raises(ContentError) as raised:
        load_directory(tmp_path / "content")
    text = "\n".join(raised.value.problems)
    assert "decision_boundaries must be a list" in text
    assert "'levels' must describe every value 0..1" in text
    assert "title must be text" in text and "framework must be a framework's key" in text
    assert "a vignette may be at most 64 KB" in text


def test_enormous_numbers_and_keys_are_refused_briefly(app, api, county, huddle):
    token = api.call("POST", "/join", json={"join_code": huddle["join_code"], "name": "AB",
                                            "area": "West"}).get_json()["participant_token"]
    api.call("POST", f"/huddles/{huddle['id']}/open", county.facilitator_token)
    url = f"/api/v1/huddles/{huddle['id']}/ratings/V01"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    digits = api.client.put(url, data='{"scores": {"sensory": ' + "9" * 5000 + "}}",
                            headers=headers)
    assert digits.status_code == 422
    assert digits.get_json() == {"error": "a number in the request has too many digits"}
    long_key = api.client.put(url, json={"scores": {"x" * 100_000: 1}}, headers=headers)
    assert long_key.status_code == 422
    assert len(long_key.get_json()["error"]) < 400
    with app.app_context():
        from moderation_app.models import Rating
        assert db.session.execute(select(func.count()).select_from(Rating)).scalar_one() == 0


@pytest.mark.parametrize("date", ["2025-1-1", "2025-01-1", " 2025/01/01", "01-01-2025"])
def test_dates_must_be_written_in_full(api, county, date):
    response = api.call("POST", "/huddles", county.facilitator_token,
                        json={"title": "T", "vignettes": ["V01"], "date": date})
    assert response.status_code == 422
    assert response.get_json() == {"error": "date must be written YYYY-MM-DD"}
