"""Many phones submitting while the facilitator reveals: no score slips in after the reveal."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from moderation_app.extensions import db
from moderation_app.models import Participant, Rating

SLC = "speech-language-communication"


def test_ratings_racing_the_reveal(app, api, county):
    fac = county.facilitator_token
    created = api.call("POST", "/huddles", fac, json={"title": "Race", "vignettes": ["V01"]}).get_json()
    huddle_id = created["id"]
    tokens = [
        api.call("POST", "/join", json={"join_code": created["join_code"], "name": f"P{i}",
                                        "area": "West"}).get_json()["participant_token"]
        for i in range(8)
    ]
    api.call("POST", f"/huddles/{huddle_id}/open", fac)

    last_accepted: dict[str, int] = {}
    statuses: list[int] = []
    stop = threading.Event()
    lock = threading.Lock()

    def phone(token: str) -> None:
        client = app.test_client()
        score = 0
        while not stop.is_set():
            score = (score + 1) % 6
            response = client.put(f"/api/v1/huddles/{huddle_id}/ratings/V01",
                                  json={"scores": {SLC: score}},
                                  headers={"Authorization": f"Bearer {token}"})
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 200:
                    last_accepted[token] = score
            if response.status_code == 409:
                return

    threads = [threading.Thread(target=phone, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    revealed = app.test_client().post(f"/api/v1/huddles/{huddle_id}/reveal",
                                      headers={"Authorization": f"Bearer {fac}"})
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert revealed.status_code == 200
    assert set(statuses) <= {200, 409} and 409 in statuses and 200 in statuses

    with app.app_context():
        stored = {
            p.practitioner.token_digest: r.score
            for r, p in db.session.execute(select(Rating, Participant).join(Participant)).all()
        }
    from moderation_app.services.tokens import digest

    # Every score accepted is the score stored, and the reveal counted exactly those.
    assert stored == {digest(t): s for t, s in last_accepted.items()}
    counts = revealed.get_json()["distribution"][SLC]["counts"]
    assert counts == {str(level): list(stored.values()).count(level) for level in range(6)}
