"""Helpers for HTTP tests: a JSON client and an HTML page checker."""

from __future__ import annotations

import re
from collections import Counter

from bs4 import BeautifulSoup

PASSWORD = "correct horse battery"
#: The domain keys of the shipped needs framework, in its order.
DOMAINS = [
    "speech-language-communication",
    "social-interaction",
    "cognition-learning",
    "social-emotional-mental-health",
    "sensory",
    "physical-medical",
    "independence-self-care",
]


class Api:
    """A small JSON client over the Flask test client."""

    def __init__(self, client):
        self.client = client

    def call(self, method: str, path: str, token: str | None = None, json=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(
            "/api/v1" + path, method=method, json=json, headers=headers, **kwargs
        )


def check_page(response, status: int = 200) -> BeautifulSoup:
    """Parse an HTML response and check the rules every page keeps."""
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.title and soup.title.string.strip(), "every page has a title"
    ids = Counter(tag["id"] for tag in soup.find_all(id=True))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    leaked = [tag for tag in soup.find_all(True)
              if any(value in ("None", "none") for value in tag.attrs.values())]
    assert not leaked, f"an attribute holds a Python None: {leaked[:3]}"
    for field in soup.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit"):
            continue
        field_id = field.get("id")
        assert field_id and soup.find("label", attrs={"for": field_id}), f"no label for {field}"
    return soup


def csrf_from(soup: BeautifulSoup) -> str:
    token = soup.find("input", attrs={"name": "csrf_token"})
    assert token is not None, "the form carries a CSRF token"
    return token["value"]


def login(client, email: str = "fac@example.org", password: str = PASSWORD):
    soup = check_page(client.get("/login"))
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(soup)}
    )


def text_of(soup: BeautifulSoup) -> str:
    return re.sub(r"\s+", " ", soup.get_text(" "))
