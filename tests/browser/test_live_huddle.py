"""The huddle as people see it: a laptop on a projector and phones at 360 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from moderation_app.extensions import db
from moderation_app.models import Huddle, Rating

from .conftest import FACILITATOR

pytestmark = pytest.mark.browser
SLC = "speech-language-communication"


def sign_in_and_create(laptop, base: str, vignettes=("V01", "V05")) -> str:
    laptop.goto(f"{base}/login")
    laptop.get_by_label("Email address").fill(FACILITATOR[0])
    laptop.get_by_label("Password").fill(FACILITATOR[1])
    laptop.get_by_role("button", name="Sign in").click()
    laptop.get_by_role("button", name="Create a huddle").click()
    laptop.get_by_label("Title").fill("Browser huddle")
    for code in vignettes:
        laptop.locator(f"input[name=vignettes][value={code}]").check()
    laptop.get_by_role("button", name="Create huddle").click()
    code = laptop.locator(".app-join__code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    return code


def join(phone, base: str, code: str, name: str, area: str) -> None:
    phone.goto(f"{base}/j/{code}")
    expect(phone.get_by_label("Join code")).to_have_value(code)
    phone.get_by_label("Your name or initials").fill(name)
    phone.get_by_label("Your role").select_option("SENCo")
    phone.get_by_label("Your area").select_option(area)
    phone.get_by_role("button", name="Join").click()
    expect(phone.get_by_role("heading", name="You have joined")).to_be_visible()


def pick(phone, domain: str, level: int) -> None:
    phone.locator(f"label[for=score-{domain}-{level}]").click()


def test_live_huddle_with_two_phones(live_server, laptop, new_phone, tmp_path):
    app, base = live_server
    code = sign_in_and_create(laptop, base)
    expect(laptop.locator(".app-join__qr")).to_be_visible()

    phones = [new_phone(), new_phone()]
    join(phones[0], base, code, "Phone One", "West")
    # The lobby refreshes itself as people join.
    expect(laptop.locator(".app-chip", has_text="Phone One")).to_be_visible(timeout=3000)
    join(phones[1], base, code, "Phone Two", "Mid County")
    expect(laptop.locator(".app-chip", has_text="Phone Two")).to_be_visible(timeout=3000)

    laptop.get_by_role("button", name="Open the first vignette for scoring").click()
    for phone in phones:  # phones move on to the vignette without a tap
        expect(phone.get_by_role("heading", name=re.compile("Reception child"))).to_be_visible(
            timeout=5000)

    # The projector's count rises within 2 s, without reloading the page.
    laptop.evaluate("window.__sameDocument = true")
    pick(phones[0], SLC, 4)
    expect(phones[0].locator("[data-save-status]")).to_have_text(re.compile("Saved: 1 of 7 domains"))
    expect(laptop.locator(".app-bigcount [data-live=submitted]")).to_have_text("1", timeout=2000)
    pick(phones[1], SLC, 3)
    pick(phones[1], "sensory", 1)
    expect(phones[1].locator("[data-save-status]")).to_have_text(re.compile("Saved: 2 of 7 domains"))
    expect(laptop.locator(".app-bigcount [data-live=submitted]")).to_have_text("2", timeout=2000)
    assert laptop.evaluate("window.__sameDocument") is True

    # Big touch targets, and nothing wider than the phone.
    box = phones[0].locator(f"label[for=score-{SLC}-2]").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 240
    assert phones[0].evaluate("document.documentElement.scrollWidth") <= 360
    phones[0].screenshot(path=str(tmp_path / "phone-scoring.png"), full_page=True)

    # Nothing of the spread shows anywhere before the reveal.
    assert laptop.locator(".app-chart").count() == 0
    laptop.get_by_role("button", name="Reveal the scores").click()
    expect(laptop.locator("figure.app-chart")).to_have_count(7)
    title = laptop.locator(f"#dist-{SLC}-title").text_content()
    assert "level 3: 1; level 4: 1" in title
    for phone, n_scored in zip(phones, (1, 2)):
        expect(phone.get_by_role("heading", name="How the group scored")).to_be_visible(timeout=5000)
        expect(phone.locator(".app-chart__bar--mine")).to_have_count(n_scored)

    laptop.get_by_label("Agreed level").first.select_option("4")
    laptop.get_by_role("button", name="Record agreed scores").click()
    expect(phones[0].get_by_text("Agreed: 4")).to_be_visible(timeout=5000)
    laptop.screenshot(path=str(tmp_path / "projector-revealed.png"), full_page=True)

    with app.app_context():
        huddle = db.session.execute(select(Huddle).where(Huddle.join_code == code)).scalar_one()
        scores = sorted((r.domain, r.score) for r in db.session.execute(
            select(Rating).where(Rating.huddle_id == huddle.id)).scalars())
    assert scores == [("sensory", 1), (SLC, 3), (SLC, 4)]


def test_phone_without_javascript_and_with_a_lost_signal(live_server, laptop, new_phone):
    app, base = live_server
    code = sign_in_and_create(laptop, base, vignettes=("V03",))
    plain = new_phone(javascript=False)
    join(plain, base, code, "No Script", "West")
    flaky = new_phone()
    join(flaky, base, code, "Flaky Signal", "West")
    expect(laptop.locator(".app-chip", has_text="Flaky Signal")).to_be_visible(timeout=3000)
    laptop.get_by_role("button", name="Open the first vignette for scoring").click()

    # Without JavaScript: reload by hand, choose, press the button.
    plain.get_by_role("link", name="Check again").click()
    pick(plain, "sensory", 4)
    pick(plain, SLC, 3)
    plain.get_by_role("button", name="Save my scores").click()
    expect(plain.get_by_text("Saved 2 of 7 domains")).to_be_visible()
    expect(plain.locator("#score-sensory-4")).to_be_checked()

    # With JavaScript but no signal: the choice waits on the phone and is sent on reconnection.
    expect(flaky.locator("form#scores")).to_be_visible(timeout=5000)
    flaky.context.set_offline(True)
    pick(flaky, "sensory", 5)
    expect(flaky.locator("[data-save-status]")).to_have_text(re.compile("No signal"))
    flaky.context.set_offline(False)
    expect(flaky.locator("[data-save-status]")).to_have_text(re.compile("Saved: 1 of 7 domains"),
                                                             timeout=10000)
    expect(laptop.locator(".app-bigcount [data-live=submitted]")).to_have_text("2", timeout=3000)


def huddle_id_for(app, code: str) -> int:
    with app.app_context():
        return db.session.execute(select(Huddle.id).where(Huddle.join_code == code)).scalar_one()


def stored_scores(app, huddle_id: int) -> list[tuple[str, int]]:
    with app.app_context():
        return sorted((r.domain, r.score) for r in db.session.execute(
            select(Rating).where(Rating.huddle_id == huddle_id)).scalars())


def pending_keys(phone) -> list[str]:
    return phone.evaluate(
        "Object.keys(localStorage).filter(k => k.startsWith('huddle-pending:'))")


def saved_label(phone, domain: str):
    return phone.locator(f"#score-{domain}-hint .app-saved")


def test_offline_choices_survive_closing_the_tab(live_server, laptop, new_phone):
    app, base = live_server
    code = sign_in_and_create(laptop, base, vignettes=("V01", "V05"))
    huddle_id = huddle_id_for(app, code)
    phone = new_phone()
    join(phone, base, code, "Closed Tab", "West")
    laptop.get_by_role("button", name="Open the first vignette for scoring").click()
    expect(phone.locator("form#scores")).to_be_visible(timeout=5000)
    action = phone.locator("form#scores").get_attribute("action")
    assert action == f"/p/{huddle_id}/scores/V01"

    # Offline: the choices themselves wait in localStorage, keyed by the save address.
    context = phone.context
    context.set_offline(True)
    pick(phone, "sensory", 5)
    pick(phone, SLC, 2)
    expect(phone.locator("[data-save-status]")).to_have_text(re.compile("No signal"))
    waiting = phone.evaluate(f"JSON.parse(localStorage.getItem('huddle-pending:{action}'))")
    assert waiting["scores"] == {"sensory": "5", SLC: "2"}
    phone.close()  # the tab is closed before the signal returns
    context.set_offline(False)
    assert stored_scores(app, huddle_id) == []

    # Reopened, the same vignette's page ticks them again at once, even before they are sent...
    reopened = context.new_page()
    reopened.route(f"**{action}", lambda route: route.abort("internetdisconnected"))
    reopened.goto(f"{base}/p/{huddle_id}")
    expect(reopened.locator("#score-sensory-5")).to_be_checked()
    expect(reopened.locator(f"#score-{SLC}-2")).to_be_checked()
    expect(reopened.locator("[data-save-status]")).to_have_text(re.compile("No signal"))
    # ...and sends them once the signal is back, then forgets them.
    reopened.unroute(f"**{action}")
    expect(reopened.locator("[data-save-status]")).to_have_text(
        re.compile("Saved: 2 of 7 domains"), timeout=10000)
    assert stored_scores(app, huddle_id) == [("sensory", 5), (SLC, 2)]
    assert pending_keys(reopened) == []
    expect(saved_label(reopened, "sensory")).to_have_text("Saved: 5")

    # Choices still waiting when their vignette is revealed are never put on the next one.
    context.set_offline(True)
    pick(reopened, "sensory", 1)
    expect(reopened.locator("[data-save-status]")).to_have_text(re.compile("No signal"))
    reopened.close()
    laptop.get_by_role("button", name="Reveal the scores").click()
    laptop.get_by_role("button", name=re.compile("Open the next vignette")).click()
    context.set_offline(False)
    later = context.new_page()
    later.goto(f"{base}/p/{huddle_id}")
    expect(later.locator("form#scores")).to_have_attribute("action", f"/p/{huddle_id}/scores/V05")
    expect(later.locator(".app-pending-lost")).to_have_text(re.compile(
        "Choices for V01 were still waiting on this phone"))
    expect(later.locator("form#scores input:checked")).to_have_count(0)
    assert pending_keys(later) == []
    assert stored_scores(app, huddle_id) == [("sensory", 5), (SLC, 2)]


def test_saved_labels_follow_what_the_server_stored(live_server, laptop, new_phone):
    app, base = live_server
    code = sign_in_and_create(laptop, base, vignettes=("V01",))
    huddle_id = huddle_id_for(app, code)
    phone = new_phone()
    join(phone, base, code, "Labels", "West")
    laptop.get_by_role("button", name="Open the first vignette for scoring").click()
    expect(phone.locator("form#scores")).to_be_visible(timeout=5000)

    # A domain saved by tapping gets its label without a reload, and a change updates it.
    expect(saved_label(phone, SLC)).to_have_count(0)
    pick(phone, SLC, 4)
    expect(saved_label(phone, SLC)).to_have_text("Saved: 4")
    pick(phone, SLC, 2)
    expect(saved_label(phone, SLC)).to_have_text("Saved: 2")
    expect(phone.locator("[data-save-status]")).to_have_text(re.compile("Saved: 1 of 7 domains"))

    # A save that landed after the page was drawn (a re-send racing a reload): the next answer
    # from the server ticks and labels it, so the page never shows a stored domain as empty.
    token = phone.locator("input[name=csrf_token]").get_attribute("value")
    landed = phone.context.request.post(
        f"{base}/p/{huddle_id}/scores/V01", headers={"Accept": "application/json"},
        form={"csrf_token": token, "score-sensory": "3", f"score-{SLC}": "2"})
    assert landed.ok and landed.json()["saved"] == {"sensory": 3, SLC: 2}
    pick(phone, "physical-medical", 1)
    expect(phone.locator("#score-sensory-3")).to_be_checked()
    expect(saved_label(phone, "sensory")).to_have_text("Saved: 3")
    expect(saved_label(phone, "physical-medical")).to_have_text("Saved: 1")
    expect(phone.locator("[data-save-status]")).to_have_text(re.compile("Saved: 3 of 7 domains"))
    assert stored_scores(app, huddle_id) == [("physical-medical", 1), ("sensory", 3), (SLC, 2)]
    # The link for phones without JavaScript is not needed here: the page follows by itself.
    expect(phone.get_by_role("link", name="Check for the reveal")).to_be_hidden()


def test_phone_without_javascript_sees_its_confirmation_and_checks_for_the_reveal(
        live_server, laptop, new_phone):
    app, base = live_server
    code = sign_in_and_create(laptop, base, vignettes=("V01",))
    huddle_id = huddle_id_for(app, code)
    plain = new_phone(javascript=False)
    join(plain, base, code, "Plain Phone", "West")
    laptop.get_by_role("button", name="Open the first vignette for scoring").click()
    plain.get_by_role("link", name="Check again").click()

    # Nothing chosen: the error is on the page's own address, so a reload re-sends nothing.
    plain.get_by_role("button", name="Save my scores").click()
    summary = plain.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose a level for at least one domain")
    expect(summary).to_be_in_viewport()
    assert plain.url.endswith(f"/p/{huddle_id}#error-summary")
    plain.reload()
    expect(plain.locator(".govuk-error-summary")).to_have_count(0)

    # Saved: the confirmation is on screen at 360 x 740, and so is a way to check for the reveal.
    pick(plain, "sensory", 4)
    pick(plain, SLC, 3)
    plain.get_by_role("button", name="Save my scores").click()
    expect(plain.get_by_text("Saved 2 of 7 domains")).to_be_in_viewport()
    check = plain.get_by_role("link", name="Check for the reveal")
    expect(check).to_be_in_viewport()
    assert plain.locator("meta[http-equiv=refresh]").count() == 0

    laptop.get_by_role("button", name="Reveal the scores").click()
    expect(laptop.locator("figure.app-chart")).to_have_count(7)
    check.click()
    expect(plain.get_by_role("heading", name="How the group scored")).to_be_visible()
    expect(plain.locator(".app-chart__bar--mine")).to_have_count(2)
