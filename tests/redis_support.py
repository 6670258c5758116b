"""Finding the Redis our own tests use, and refusing to pass silently without one.

Tests that need Redis call ``redis_url()``: with ``WORLDSPEC_SKIP_REDIS=1`` they are skipped
with that reason; otherwise an unreachable server fails them, loudly, so CI cannot go green
without having run them. ``delete_keys`` removes what a test left under its own key prefix.
The few commands needed are spoken in RESP over a socket, so no Redis client is required.
"""

from __future__ import annotations

import os
import socket
from typing import Final
from urllib.parse import urlsplit

import pytest

SKIP_ENV_VAR: Final = "WORLDSPEC_SKIP_REDIS"
URL_ENV_VAR: Final = "WORLDSPEC_REDIS_URL"
DEFAULT_URL: Final = "redis://127.0.0.1:6379"

Reply = bytes | int | list["Reply"] | None


class _Connection:
    """One connection to the database ``url`` names; ``call`` sends a command, returns its reply."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._socket = socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 6379), timeout=5
        )
        self._replies = self._socket.makefile("rb")
        if parts.path.strip("/"):
            self.call("SELECT", parts.path.strip("/"))

    def call(self, *words: str) -> Reply:
        encoded = [word.encode() for word in words]
        frame = b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(word), word) for word in encoded)
        self._socket.sendall(frame)
        return self._read()

    def _read(self) -> Reply:
        line = self._replies.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"-":
            raise OSError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self._replies.read(int(rest) + 2)[:-2]
        if kind == b"*":
            return None if int(rest) < 0 else [self._read() for _ in range(int(rest))]
        return bytes(rest)

    def close(self) -> None:
        self._replies.close()
        self._socket.close()


def redis_url() -> str:
    """The URL of the Redis to use, after checking it answers PING."""
    if os.environ.get(SKIP_ENV_VAR) == "1":
        pytest.skip(f"{SKIP_ENV_VAR}=1: Redis tests skipped on request")
    url = os.environ.get(URL_ENV_VAR, DEFAULT_URL)
    try:
        connection = _Connection(url)
        try:
            answer = connection.call("PING")
        finally:
            connection.close()
        if answer != b"PONG":
            raise OSError(f"PING answered {answer!r}")
    except OSError as error:
        pytest.fail(
            f"Redis at {url} is unreachable ({error}). Start it (.ci/run does), set {URL_ENV_VAR}, "
            f"or set {SKIP_ENV_VAR}=1 to skip these tests knowingly.",
            pytrace=False,
        )
    return url


def delete_keys(url: str, prefix: str) -> int:
    """Delete every key of the database at ``url`` that starts with ``prefix``; return how many."""
    connection = _Connection(url)
    deleted = 0
    try:
        cursor = b"0"
        while True:
            reply = connection.call("SCAN", cursor.decode(), "MATCH", f"{prefix}*", "COUNT", "1000")
            assert isinstance(reply, list) and isinstance(reply[0], bytes) and isinstance(reply[1], list)
            cursor = reply[0]
            for key in reply[1]:
                assert isinstance(key, bytes)
                removed = connection.call("DEL", key.decode())
                deleted += removed if isinstance(removed, int) else 0
            if cursor == b"0":
                return deleted
    finally:
        connection.close()
