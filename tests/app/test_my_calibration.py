"""A practitioner's own calibration: figures checked by hand, private to their token."""

from __future__ import annotations

import statistics

import pytest

from .helpers import DOMAINS, check_page, text_of

SLC, SOCIAL = DOMAINS[0], DOMAINS[1]


def run_huddle(api, fac: str, codes: list[str], people: dict[str, dict[str, dict[str, int]]],
               agreed: dict[str, dict[str, int]], tokens: dict[str, str], note: str = "") -> int:
    """One huddle: each person scores, the facilitator reveals and records ``agreed``."""
    created = api.call("POST", "/huddles", fac, json={"title": "Cal", "vignettes": codes}).get_json()
    for name in people:
        body = {"join_code": created["join_code"], "name": name, "area": "West"}
        if name in tokens:
            body["participant_token"] = tokens[name]
        tokens[name] = api.call("POST", "/join", json=body).get_json()["participant_token"]
    for code in codes:
        assert api.call("POST", f"/huddles/{created['id']}/open", fac).status_code == 200
        for name, by_code in people.items():
            api.call("PUT", f"/huddles/{created['id']}/ratings/{code}", tokens[name],
                     json={"scores": by_code[code]})
        api.call("POST", f"/huddles/{created['id']}/reveal", fac)
        api.call("PUT", f"/huddles/{created['id']}/consensus/{code}", fac,
                 json={"scores": agreed[code], "note": note or None})
    assert api.call("POST", f"/huddles/{created['id']}/close", fac).status_code == 200
    return created["id"]


def test_calibration_across_huddles_is_private_and_correct(api, client, county):
    fac = county.facilitator_token
    tokens: dict[str, str] = {}
    # Huddle 1: AB scores SLC above the agreed level on both vignettes.
    run_huddle(api, fac, ["V01", "V05"],
               {"AB": {"V01": {SLC: 5, SOCIAL: 2}, "V05": {SLC: 3, SOCIAL: 3}},
                "CD": {"V01": {SLC: 4, SOCIAL: 2}, "V05": {SLC: 1, SOCIAL: 4}}},
               {"V01": {SLC: 4, SOCIAL: 2}, "V05": {SLC: 1}}, tokens, note="Speech is key")
    # Huddle 2: the same phone (token) again.
    run_huddle(api, fac, ["V02"], {"AB": {"V02": {SLC: 4, SOCIAL: 1}}},
               {"V02": {SLC: 3, SOCIAL: 1}}, tokens)

    mine = api.call("GET", "/me/calibration", tokens["AB"])
    assert mine.status_code == 200
    # Strict JSON: no NaN anywhere (huddle 2 recorded no note).
    import json

    report = json.loads(mine.get_data(as_text=True), parse_constant=pytest.fail)
    assert all(m["note"] is None for m in report["major_differences"] if m["vignette"] == "V02")
    # Differences across a boundary are named, so the page never calls them well calibrated.
    assert not any("well calibrated" in s for s in report["suggestions"])
    assert any("other side of a decision boundary" in s for s in report["suggestions"])
    assert report["huddles"] == 2 and report["n_scores"] == 5  # V05 social had no agreed score
    by_domain = {d["domain"]: d for d in report["domains"]}
    slc = [5 - 4, 3 - 1, 4 - 3]
    assert by_domain[SLC]["n"] == 3
    assert by_domain[SLC]["mean_signed_difference"] == pytest.approx(statistics.mean(slc))
    assert by_domain[SLC]["share_exact"] == 0.0
    assert by_domain[SLC]["share_within_one"] == pytest.approx(2 / 3)
    assert by_domain[SOCIAL]["n"] == 2 and by_domain[SOCIAL]["mean_signed_difference"] == 0.0
    assert by_domain[SOCIAL]["share_exact"] == 1.0
    assert report["overall"]["share_within_one"] == pytest.approx(4 / 5)
    top = report["largest_differences"][0]
    assert (top["vignette"], top["domain"], top["yours"], top["agreed"], top["note"]) == (
        "V05", SLC, 3, 1, "Speech is key")
    assert report["suggestions"]
    # 3 against an agreed 1 straddles the 2|3 boundary; 5 against 4 and 4 against 3 do not
    # cross 2|3, but 4 against 3 crosses 3|4.
    majors = {(m["vignette"], m["domain"]): m["crosses"] for m in report["major_differences"]}
    assert majors == {
        ("V05", SLC): ["Targeted support beyond ordinarily available provision"],
        ("V02", SLC): ["Specialist support or statutory assessment considered"],
    }

    # CD sees only CD's own figures.
    theirs = api.call("GET", "/me/calibration", tokens["CD"]).get_json()
    assert theirs["huddles"] == 1
    assert {d["domain"]: d["mean_signed_difference"] for d in theirs["domains"]} == {
        SLC: pytest.approx(0.0), SOCIAL: pytest.approx(0.0)}
    # Staff and strangers are refused.
    assert api.call("GET", "/me/calibration", fac).status_code == 403
    assert api.call("GET", "/me/calibration", county.reviewer_token).status_code == 403
    assert api.call("GET", "/me/calibration").status_code == 401

    # The page on AB's phone shows the same figures, and nothing about CD.
    client.set_cookie("huddle_practitioner", tokens["AB"], domain="huddle.test")
    page = check_page(client.get("/me/calibration"))
    text = text_of(page)
    assert "80% of your 5 scores within one level" in text
    assert "CD" not in text
    assert client.get("/me/calibration").headers["Cache-Control"] == "no-store"
    assert "/me/calibration" in str(check_page(client.get("/me")))


def test_calibration_before_any_agreed_score(api, client, county):
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "Early", "vignettes": ["V01"]}).get_json()
    token = api.call("POST", "/join", json={"join_code": created["join_code"], "name": "EF",
                                            "area": "West"}).get_json()["participant_token"]
    report = api.call("GET", "/me/calibration", token).get_json()
    assert (report["huddles"], report["domains"], report["overall"]) == (0, [], None)
    assert report["huddles_joined"] == 1
    client.set_cookie("huddle_practitioner", token, domain="huddle.test")
    assert "agreed scores, your comparison appears here" in text_of(
        check_page(client.get("/me/calibration")))
