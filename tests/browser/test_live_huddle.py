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
