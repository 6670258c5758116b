"""Masking secrets in Factory options before anything is written or shown.

An option whose key names a secret (password, secret, token, key, credential, auth) is masked
whole, at any depth of a JSON value; a URL with a password (a DSN) keeps everything but the
password. Every text the report carries (failure messages, repro programs) is passed through
``Masker.redact`` too, since the kit prints options in them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["MASK", "Masker", "is_secret_key", "mask_url"]

MASK = "***"

_SECRET_KEY = re.compile(r"pass|secret|token|key|credential|auth", re.IGNORECASE)


def is_secret_key(key: str) -> bool:
    """Whether an option named ``key`` holds a secret (``db_password``, ``apiKey``, ``token``)."""
    return _SECRET_KEY.search(key) is not None


def mask_url(value: str) -> str:
    """``value`` with the password of its URL user info masked; unchanged if it has none."""
    if "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return value
    if not password:
        return value
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{parts.username or ''}:{MASK}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass
class Masker:
    """Masks the secrets of one set of options, and redacts them from free text."""

    secrets: list[tuple[str, str]]
    """Each secret string found in the options and what replaces it in text."""

    @classmethod
    def for_options(cls, options: dict[str, Any]) -> Masker:
        """A masker for the secrets found anywhere in ``options``."""
        found: list[tuple[str, str]] = []
        _collect(options, found, secret=False)
        longest_first = sorted(set(found), key=lambda pair: len(pair[0]), reverse=True)
        return cls(longest_first)

    def mask(self, value: Any, *, secret: bool = False) -> Any:
        """``value`` (an option value, a dict of options) with its secrets masked."""
        if isinstance(value, dict):
            return {
                key: self.mask(item, secret=secret or is_secret_key(str(key))) for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.mask(item, secret=secret) for item in value]
        if secret and value is not None:
            return MASK
        if isinstance(value, str):
            return mask_url(value)
        return value

    def option_argument(self, key: str, value: Any) -> str:
        """``key=value`` for ``--world-opt``, with ``value`` masked; JSON unless a plain string."""
        masked = self.mask({key: value})[key]
        if isinstance(masked, str) and not _reads_as_json(masked):
            return f"{key}={masked}"
        return f"{key}={json.dumps(masked)}"

    def redact(self, text: str) -> str:
        """``text`` with every secret string replaced by its masked form."""
        for secret, replacement in self.secrets:
            text = text.replace(secret, replacement)
        return text


def _reads_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _collect(value: Any, found: list[tuple[str, str]], *, secret: bool) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _collect(item, found, secret=secret or is_secret_key(str(key)))
    elif isinstance(value, list):
        for item in value:
            _collect(item, found, secret=secret)
    elif secret and value is not None and str(value):
        found.append((str(value), MASK))
    elif isinstance(value, str) and mask_url(value) != value:
        found.append((value, mask_url(value)))
