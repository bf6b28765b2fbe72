"""A whole huddle through the HTML forms: a facilitator's laptop and three phones."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import select

from moderation_app.extensions import db
from moderation_app.models import Huddle, Participant, Rating
from moderation_app.services.reports import pseudonym
from stats import krippendorff_alpha_long

from .helpers import DOMAINS, check_page, csrf_from, login, text_of


def post_form(client, page_url: str, action: str, data: dict, **kwargs):
    soup = check_page(client.get(page_url))
    return client.post(action, data={"csrf_token": csrf_from(soup), **data}, **kwargs)


def create_huddle_by_form(laptop, vignettes=("V01", "V05")) -> Huddle:
    response = post_form(laptop, "/huddles/new", "/huddles/new", {
        "title": "Spring secondary huddle", "held_on": "2026-03-04", "phase": "secondary",
        "host_area": "West", "vignettes": list(vignettes),
    })
    assert response.status_code == 302
    huddle = db.session.execute(select(Huddle)).scalar_one()
    assert response.headers["Location"].endswith(f"/huddles/{huddle.id}")
    return huddle


def join_by_form(phone, code: str, name: str, area: str):
    soup = check_page(phone.get(f"/j/{code}", follow_redirects=True))
    assert soup.find("input", attrs={"name": "code"})["value"] == code
    return phone.post("/", data={"csrf_token": csrf_from(soup), "code": code, "name": name,
                                 "role": "SENCo", "setting": "Primary school", "area": area})


def test_whole_huddle_through_the_forms(app, county):
    laptop = app.test_client()
    phones = {name: app.test_client() for name in ("AB", "CD", "EF")}
    assert login(laptop).status_code == 302
    with app.app_context():
        huddle = create_huddle_by_form(laptop)
        huddle_id, code = huddle.id, huddle.join_code
    room = f"/huddles/{huddle_id}"

    page = text_of(check_page(laptop.get(room)))
    assert code in page and "0 joined" in page
    qr = laptop.get(f"{room}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data

    for name, area in (("AB", "West"), ("CD", "Mid County"), ("EF", "North Coast")):
        joined = join_by_form(phones[name], code, name, area)
        assert joined.status_code == 302 and joined.headers["Location"].endswith(f"/p/{huddle_id}")
        assert "HttpOnly" in joined.headers["Set-Cookie"]
        waiting = text_of(check_page(phones[name].get(f"/p/{huddle_id}")))
        assert "Waiting for the facilitator" in waiting
    lobby = text_of(check_page(laptop.get(room)))
    assert "3 joined" in lobby and all(n in lobby for n in phones)

    chosen = {
        "AB": [4, 2, 1, 1, 0, 0, 1],
        "CD": [3, 2, 1, 2, 0, 1, 0],
        "EF": [4, 3, 2, 1, 0, 0, 1],
    }
    assert post_form(laptop, room, f"{room}/open", {}).status_code == 302
    for name, levels in chosen.items():
        soup = check_page(phones[name].get(f"/p/{huddle_id}"))
        radios = soup.select("input.govuk-radios__input")
        assert len(radios) == 7 * 6
        action = soup.find("form", id="scores")["action"]
        # Some now, the rest later.
        first = {f"score-{d}": v for d, v in zip(DOMAINS[:3], levels[:3])}
        rest = {f"score-{d}": v for d, v in zip(DOMAINS[3:], levels[3:])}
        saved = phones[name].post(action, data={"csrf_token": csrf_from(soup), **first},
                                  follow_redirects=True)
        assert "Saved 3 of 7 domains" in text_of(check_page(saved))
        saved = phones[name].post(action, data={"csrf_token": csrf_from(soup), **rest},
                                  follow_redirects=True)
        soup = check_page(saved)
        assert "Saved all 7 domains" in text_of(soup)
        checked = {r["name"]: int(r["value"]) for r in soup.select("input[checked]")}
        assert checked == {f"score-{d}": v for d, v in zip(DOMAINS, levels)}

    # The projector shows the count, never a score, before and after the reveal.
    scoring = check_page(laptop.get(room))
    assert scoring.find(attrs={"data-live": "submitted"}).get_text() == "3"
    assert not scoring.select(".app-chart")
    assert post_form(laptop, room, f"{room}/reveal", {}).status_code == 302
    revealed = check_page(laptop.get(room))
    charts = revealed.select("figure.app-chart")
    assert len(charts) == 7
    slc_title = revealed.find("title", id="dist-speech-language-communication-title").get_text()
    assert "level 3: 1; level 4: 2" in slc_title
    for name in phones:
        assert name not in text_of(revealed.find("main").find("section", attrs={"aria-labelledby": "vignette-heading"}))

    # A phone can no longer change its scores, and now sees the spread with its own level.
    phone_page = check_page(phones["CD"].get(f"/p/{huddle_id}"))
    assert "How the group scored" in text_of(phone_page)
    assert len(phone_page.select(".app-chart__bar--mine")) == 7
    # A form left open on a phone is refused once the scores are revealed.
    late = post_form(phones["CD"], "/", f"/p/{huddle_id}/scores/V01", {"score-sensory": 5})
    assert late.status_code == 303
    assert "V01 were not saved" in text_of(check_page(phones["CD"].get(late.headers["Location"])))

    agreed = dict(zip(DOMAINS, [4, 2, 1, 1, 0, 0, 1]))
    recorded = post_form(laptop, room, f"{room}/consensus/V01",
                         {**{f"agreed-{d}": v for d, v in agreed.items()},
                          "note": "Speech clearly the main need"})
    assert recorded.status_code == 302
    after = check_page(laptop.get(room))
    assert after.find("select", id="agreed-sensory").find("option", selected=True)["value"] == "0"
    phone_page = text_of(check_page(phones["AB"].get(f"/p/{huddle_id}")))
    assert "Speech clearly the main need" in phone_page and "Agreed: 4" in phone_page

    # The report page: figures for the facilitator, with the per-practitioner table.
    report = check_page(laptop.get(f"{room}/report"))
    rows = {tr.find("td").get_text(): [td.get_text() for td in tr.find_all("td")]
            for tr in report.select("table")[-1].select("tbody tr")}
    assert set(rows) == set(phones)
    assert rows["AB"][3] == "100%"  # AB matched every agreed level
    assert rows["CD"][5] == "+0.00"  # one above (physical), one below (independence)
    assert "Note from the group: Speech clearly the main need" in text_of(report)

    export = laptop.get(f"{room}/export.csv")
    assert export.mimetype == "text/csv"
    table = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert list(table[0]) == ["unit", "huddle", "vignette", "version", "domain", "participant",
                              "area", "score", "submitted_at"]
    assert len(table) == 21
    frame = pd.DataFrame(table).astype({"score": int})
    with app.app_context():
        stored = db.session.execute(select(Rating)).scalars().all()
        assert len(stored) == 21
        pseudonyms = {pseudonym(p): p for p in db.session.execute(select(Participant)).scalars()}
        assert all(re.fullmatch(r"P[0-9a-f]{10}", label) for label in pseudonyms)
        for row in table:
            person = pseudonyms[row["participant"]]
            assert row["area"] == person.area.name
            assert int(row["score"]) == chosen[person.display_name][DOMAINS.index(row["domain"])]
            assert row["unit"] == f"V01@v1/{row['domain']}"
            stamp = datetime.fromisoformat(row["submitted_at"])
            assert stamp.utcoffset() == timedelta(0)
            assert abs(datetime.now(timezone.utc) - stamp) < timedelta(minutes=5)
    alpha = krippendorff_alpha_long(frame, "ordinal", rater="participant", value_domain=range(6))
    figure = report.find(class_="app-summary__number", string=re.compile(r"\d\.\d\d"))
    assert figure.get_text() == f"{alpha.alpha:.2f}"

    confirm = text_of(check_page(laptop.get(f"{room}/close")))
    assert "Close “Spring secondary huddle”?" in confirm and "1 vignette in the running order was not opened" in confirm
    assert post_form(laptop, room, f"{room}/close", {}).status_code == 302
    closed_page = check_page(phones["EF"].get(f"/p/{huddle_id}"))
    closed = text_of(closed_page)
    assert "This huddle has closed" in closed
    # Afterwards a practitioner still sees each revealed vignette: spread, own level, agreed.
    assert len(closed_page.select("figure.app-chart")) == 7
    # EF scored social interaction 3 and cognition 2, where the group agreed 2 and 1.
    assert "You: 3 · Agreed: 2" in closed and "You: 2 · Agreed: 1" in closed
    assert "Speech clearly the main need" in closed
    refused = join_by_form(app.test_client(), code, "Late", "West")
    assert refused.status_code == 422
    assert "That huddle has closed" in text_of(check_page(refused, 422))


def test_returning_device_is_the_same_practitioner(app, county, api):
    phone = app.test_client()
    codes = []
    for title in ("First", "Second"):
        created = api.call("POST", "/huddles", county.facilitator_token,
                           json={"title": title, "vignettes": ["V01"]}).get_json()
        codes.append(created["join_code"])
    assert join_by_form(phone, codes[0], "Sam K", "East Moors").status_code == 302
    soup = check_page(phone.get(f"/?code={codes[1]}"))
    assert soup.find("input", attrs={"name": "name"})["value"] == "Sam K"
    assert soup.find("select", attrs={"name": "area"}).find("option", selected=True)["value"] == "East Moors"
    assert "Welcome back" in text_of(soup)
    assert join_by_form(phone, codes[1], "Sam K", "East Moors").status_code == 302
    with app.app_context():
        people = db.session.execute(select(Participant)).scalars().all()
        assert len(people) == 2 and people[0].practitioner_id == people[1].practitioner_id
    mine = text_of(check_page(phone.get("/me")))
    assert "First" in mine and "Second" in mine


def test_forms_need_csrf_and_sign_in(app, county):
    laptop = app.test_client()
    assert laptop.get("/huddles/new").status_code == 302  # to sign in
    assert laptop.post("/login", data={"email": "fac@example.org",
                                       "password": "correct horse battery"}).status_code == 400
    assert login(laptop, password="wrong password").status_code == 401
    assert login(laptop).status_code == 302
    assert laptop.post("/huddles/new", data={"title": "x", "vignettes": ["V01"]}).status_code == 400
    reviewer = app.test_client()
    login(reviewer, "rev@example.org")
    assert reviewer.get("/huddles/new").status_code == 403
    assert reviewer.get("/admin/areas").status_code == 403


def test_join_form_errors_are_summarised(app, county):
    phone = app.test_client()
    soup = check_page(phone.get("/"))
    response = phone.post("/", data={"csrf_token": csrf_from(soup), "code": "", "name": "",
                                     "area": ""})
    page = check_page(response, 422)
    summary = page.find(class_="govuk-error-summary")
    links = {a["href"]: a.get_text() for a in summary.find_all("a")}
    assert links == {"#code": "Enter the join code shown on the screen",
                     "#name": "Enter your name or initials", "#area": "Choose your area"}


def test_phone_rejects_a_tampered_level(app, county, api):
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "T", "vignettes": ["V01"]}).get_json()
    phone = app.test_client()
    join_by_form(phone, created["join_code"], "X", "West")
    api.call("POST", f"/huddles/{created['id']}/open", county.facilitator_token)
    response = post_form(phone, f"/p/{created['id']}", f"/p/{created['id']}/scores/V01",
                         {"score-sensory": 9, "score-physical-medical": 2})
    page = check_page(response, 422)
    assert "between 0 and 5" in text_of(page.find(class_="govuk-error-summary"))
    with app.app_context():
        assert db.session.execute(select(Rating)).first() is None
    nothing = post_form(phone, f"/p/{created['id']}", f"/p/{created['id']}/scores/V01", {},
                        follow_redirects=True)  # Post/Redirect/Get: see the test below
    assert "Choose a level for at least one domain" in text_of(check_page(nothing))


def test_other_facilitator_cannot_open_the_room(app, county, api):
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "Mine", "vignettes": ["V01"]}).get_json()
    other = app.test_client()
    login(other, "other@example.org")
    for path in ("", "/report", "/export.csv", "/qr.svg"):
        assert other.get(f"/huddles/{created['id']}{path}").status_code == 403


@pytest.mark.parametrize("path", ["/", "/login", "/me"])
def test_public_pages_render(client, county, path):
    response = client.get(path)
    check_page(response)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_admin_manages_areas(app, county):
    admin = app.test_client()
    login(admin, "admin@example.org")
    added = post_form(admin, "/admin/areas", "/admin/areas", {"name": "  Far  West "},
                      follow_redirects=True)
    assert "Far West" in text_of(check_page(added))
    duplicate = post_form(admin, "/admin/areas", "/admin/areas", {"name": "far west"})
    assert "already an area called" in text_of(check_page(duplicate, 422))
    with app.app_context():
        from moderation_app.services import accounts

        area = accounts.find_area("Far West")
        area_id = area.id
    post_form(admin, "/admin/areas", f"/admin/areas/{area_id}/retire", {})
    assert {"name": "Far West"} not in app.test_client().get("/api/v1/areas").get_json()
    post_form(admin, "/admin/areas", f"/admin/areas/{area_id}/rename", {"name": "Far West Coast"})
    post_form(admin, "/admin/areas", f"/admin/areas/{area_id}/restore", {})
    assert {"name": "Far West Coast"} in app.test_client().get("/api/v1/areas").get_json()


def test_a_stale_join_link_says_so_before_the_form_is_filled(app, county, api):
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "Gone", "vignettes": ["V01"]}).get_json()
    api.call("POST", f"/huddles/{created['id']}/close", county.facilitator_token)
    page = check_page(app.test_client().get(f"/j/{created['join_code']}", follow_redirects=True))
    assert "That huddle has closed, so it takes no more joins or scores" in text_of(
        page.find(class_="govuk-error-summary"))
    fresh = check_page(app.test_client().get("/"))
    assert fresh.find(class_="govuk-error-summary") is None


def test_a_page_left_open_never_scores_the_next_vignette(app, county):
    """A phone without JavaScript keeps V01's page open while the facilitator reveals V01 and
    opens V05: its late save is refused by name and none of its choices reach V05."""
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    with app.app_context():
        huddle = create_huddle_by_form(laptop)
        huddle_id, code = huddle.id, huddle.join_code
    room = f"/huddles/{huddle_id}"
    join_by_form(phone, code, "GH", "West")
    post_form(laptop, room, f"{room}/open", {})
    old_page = check_page(phone.get(f"/p/{huddle_id}"))
    old_action = old_page.find("form", id="scores")["action"]
    assert old_action.endswith("/scores/V01")
    post_form(laptop, room, f"{room}/reveal", {})
    post_form(laptop, room, f"{room}/open", {})

    late = {f"score-{d}": 5 for d in DOMAINS}
    response = phone.post(old_action, data={"csrf_token": csrf_from(old_page), **late})
    assert response.status_code == 303
    page = check_page(phone.get(response.headers["Location"]))
    text = text_of(page)
    assert "Your scores for V01 were not saved: the facilitator had already revealed V01" in text
    assert page.find("form", id="scores")["action"].endswith("/scores/V05")
    assert page.select("input.govuk-radios__input[checked]") == []
    assert "0 of 7 domains saved" in text
    with app.app_context():
        assert db.session.execute(select(Rating)).scalars().all() == []

    # The same late save from a script asking for JSON: 409, named, nothing stored.
    response = phone.post(old_action, data={"csrf_token": csrf_from(old_page), **late},
                          headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert "V01 were not saved" in response.get_json()["error"]


def test_refused_choices_are_not_shown_as_saved(app, county):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop)
    with app.app_context():
        huddle = create_huddle_by_form(laptop)
        huddle_id, code = huddle.id, huddle.join_code
    room = f"/huddles/{huddle_id}"
    join_by_form(phone, code, "GH", "West")
    post_form(laptop, room, f"{room}/open", {})
    page = check_page(phone.get(f"/p/{huddle_id}"))
    action = page.find("form", id="scores")["action"]
    response = phone.post(action, data={"csrf_token": csrf_from(page),
                                        f"score-{DOMAINS[0]}": 2, f"score-{DOMAINS[1]}": 9})
    assert response.status_code == 422
    refused = check_page(response, 422)
    text = text_of(refused)
    assert "The score for social-interaction must be between 0 and 5" in text
    assert "Saved:" not in text and "0 of 7 domains saved" in text
    # The valid choice stays ticked, so the phone need not pick it again.
    assert refused.find("input", id=f"score-{DOMAINS[0]}-2").has_attr("checked")


def _scoring_phone(app, county, api, vignettes=("V01",)):
    """A huddle open for scoring and a phone that has joined it: (phone, huddle id)."""
    created = api.call("POST", "/huddles", county.facilitator_token,
                       json={"title": "T", "vignettes": list(vignettes)}).get_json()
    phone = app.test_client()
    join_by_form(phone, created["join_code"], "X", "West")
    api.call("POST", f"/huddles/{created['id']}/open", county.facilitator_token)
    return phone, created["id"]


def test_saving_without_javascript_lands_on_the_confirmation(app, county, api):
    phone, huddle_id = _scoring_phone(app, county, api)
    page_url = f"/p/{huddle_id}"
    before = check_page(phone.get(page_url))
    assert not before.find("a", string="Check for the reveal")  # nothing saved, nothing to await
    response = post_form(phone, page_url, f"{page_url}/scores/V01", {"score-sensory": 2})
    # 303 to the top of the main content, where the confirmation is, not to the form below it.
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{page_url}#main-content")
    page = check_page(phone.get(response.headers["Location"]))
    main = page.find("main", id="main-content")
    first = main.find(True)
    assert "govuk-notification-banner--success" in first["class"]
    assert "Saved 1 of 7 domains" in text_of(first)
    # No automatic refresh (it would lose unsaved choices), but a plain link to check.
    assert not page.find("meta", attrs={"http-equiv": "refresh"})
    link = page.find("a", string="Check for the reveal")
    assert link["href"] == page_url and link.find_parent("form", id="scores")
    api.call("POST", f"/huddles/{huddle_id}/reveal", county.facilitator_token)
    revealed = text_of(check_page(phone.get(link["href"])))
    assert "How the group scored" in revealed and "You: 2" in revealed


def test_nothing_chosen_without_javascript_redirects_to_the_error(app, county, api):
    phone, huddle_id = _scoring_phone(app, county, api)
    page_url = f"/p/{huddle_id}"
    response = post_form(phone, page_url, f"{page_url}/scores/V01", {})
    assert response.status_code == 303  # Post/Redirect/Get: a reload re-sends nothing
    assert response.headers["Location"].endswith(f"{page_url}#error-summary")
    page = check_page(phone.get(response.headers["Location"]))
    summary = page.find(class_="govuk-error-summary")
    assert summary["id"] == "error-summary"
    links = {a["href"]: a.get_text() for a in summary.find_all("a")}
    assert links == {"#scores": "Choose a level for at least one domain"}
    assert page.find(id="scores").name == "form"  # the link leads somewhere
    # Shown once: the next visit is a clean page.
    assert check_page(phone.get(page_url)).find(class_="govuk-error-summary") is None
    # A script asking for JSON still gets the refusal itself.
    soup = check_page(phone.get(page_url))
    refused = phone.post(f"{page_url}/scores/V01", data={"csrf_token": csrf_from(soup)},
                         headers={"Accept": "application/json"})
    assert refused.status_code == 422
    assert refused.get_json() == {"error": "Choose a level for at least one domain"}


def test_a_carried_error_is_dropped_once_the_vignette_moves_on(app, county, api):
    phone, huddle_id = _scoring_phone(app, county, api, vignettes=("V01", "V05"))
    page_url = f"/p/{huddle_id}"
    post_form(phone, page_url, f"{page_url}/scores/V01", {})
    api.call("POST", f"/huddles/{huddle_id}/reveal", county.facilitator_token)
    api.call("POST", f"/huddles/{huddle_id}/open", county.facilitator_token)
    page = check_page(phone.get(page_url))
    assert page.find("form", id="scores")["action"].endswith("/scores/V05")
    assert page.find(class_="govuk-error-summary") is None


def test_the_phone_save_answers_with_every_score_so_far(app, county, api):
    """The script labels each domain "Saved: N" from this answer."""
    phone, huddle_id = _scoring_phone(app, county, api)
    page_url = f"/p/{huddle_id}"
    token = csrf_from(check_page(phone.get(page_url)))
    json_headers = {"Accept": "application/json"}
    first = phone.post(f"{page_url}/scores/V01", headers=json_headers,
                       data={"csrf_token": token, f"score-{DOMAINS[0]}": 4})
    assert first.get_json() == {"saved": {DOMAINS[0]: 4}}
    second = phone.post(f"{page_url}/scores/V01", headers=json_headers,
                        data={"csrf_token": token, f"score-{DOMAINS[0]}": 2, "score-sensory": 1})
    assert second.get_json() == {"saved": {DOMAINS[0]: 2, "sensory": 1}}
    page = check_page(phone.get(page_url))
    labels = {tag.find_parent(class_="govuk-hint")["id"]: tag.get_text()
              for tag in page.select(".app-saved")}
    assert labels == {f"score-{DOMAINS[0]}-hint": "Saved: 2", "score-sensory-hint": "Saved: 1"}


def test_a_late_save_from_the_script_is_explained_after_its_reload(app, county, api):
    """On a 409 the script reloads the page: the reloaded page says why nothing was saved."""
    phone, huddle_id = _scoring_phone(app, county, api)
    page_url = f"/p/{huddle_id}"
    token = csrf_from(check_page(phone.get(page_url)))
    api.call("POST", f"/huddles/{huddle_id}/reveal", county.facilitator_token)
    late = phone.post(f"{page_url}/scores/V01", headers={"Accept": "application/json"},
                      data={"csrf_token": token, "score-sensory": 3})
    assert late.status_code == 409
    reloaded = text_of(check_page(phone.get(page_url)))
    assert "Your scores for V01 were not saved: the facilitator had already revealed" in reloaded
