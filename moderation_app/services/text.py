"""Checking free text before it is stored or looked up.

Both databases must see the same thing: PostgreSQL refuses NUL characters and a lone UTF-16
surrogate cannot be encoded at all, so such text is refused here with a message, never
passed on to fail as a server error.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import Invalid

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: The largest id the database can hold on every backend (PostgreSQL INTEGER).
MAX_ID = 2**31 - 1


def is_storable(value: str) -> bool:
    """True when ``value`` holds no control character or lone surrogate."""
    return _FORBIDDEN.search(value) is None


def clean_text(
    value: Any,
    *,
    field: str,
    label: str,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """Tidy a text field: collapse spaces (keep line breaks when ``multiline``), check it.

    Returns None for an empty optional value; raises :class:`Invalid` naming ``label``.
    """
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Invalid(f"{label} must be text", field=field)
    if not is_storable(value):
        raise Invalid(f"{label} contains characters that cannot be stored", field=field)
    if multiline:
        value = "\n".join(" ".join(line.split()) for line in value.strip().splitlines())
    else:
        value = " ".join(value.split())
    if not value:
        if required:
            raise Invalid(f"enter {label}", field=field)
        return None
    if len(value) > max_length:
        raise Invalid(f"{label} must be {max_length} characters or fewer", field=field)
    return value


def shorten(value: str, limit: int = 40) -> str:
    """Quote user input in a message without echoing all of it."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID
