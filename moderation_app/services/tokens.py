"""Secret tokens: generated with :mod:`secrets`, stored only as SHA-256 digests."""

import hashlib
import secrets

STAFF_PREFIX = "hs_"
PRACTITIONER_PREFIX = "hp_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
