"""Database servers in containers, for users who have Docker and give no server of their own.

With the ``containers`` extra installed (``pip install 'worldspec[containers]'``: testcontainers)
and a Docker engine that answers, ``service_url(kind)`` starts one container of ``kind``
(PostgreSQL, Redis or MongoDB) the first time it is asked, once per process, stops it when the
process exits, and returns its URL. Without either it returns ``None`` and ``why_none(kind)``
says why, so callers fall back to the local service and can say what they did.
"""

from __future__ import annotations

import atexit
import importlib
import threading
from typing import Any, Final, Literal

__all__ = ["IMAGES", "ServiceKind", "service_url", "why_none"]

ServiceKind = Literal["postgres", "redis", "mongodb"]

IMAGES: Final[dict[ServiceKind, str]] = {"postgres": "postgres:16", "redis": "redis:7", "mongodb": "mongo:7"}
"""The image started for each kind of server."""

_lock = threading.Lock()
_started: dict[ServiceKind, str | None] = {}
_reasons: dict[ServiceKind, str] = {}


def _docker_answers() -> str | None:
    """``None`` when a Docker engine answers, else why not."""
    try:
        docker: Any = importlib.import_module("docker")
    except ImportError:
        return "testcontainers is not installed (pip install 'worldspec[containers]')"
    try:
        docker.from_env().ping()
    except Exception as error:
        return f"no Docker engine answers ({type(error).__name__})"
    return None


def _start(kind: ServiceKind) -> str:
    """Start a container of ``kind``, stopped at exit; its URL."""
    if kind == "postgres":
        postgres: Any = importlib.import_module("testcontainers.postgres")
        container: Any = postgres.PostgresContainer(IMAGES[kind], driver=None)
        container.start()
        url = str(container.get_connection_url())
    elif kind == "redis":
        redis: Any = importlib.import_module("testcontainers.redis")
        container = redis.RedisContainer(IMAGES[kind])
        container.start()
        url = f"redis://{container.get_container_host_ip()}:{container.get_exposed_port(6379)}"
    else:
        mongodb: Any = importlib.import_module("testcontainers.mongodb")
        container = mongodb.MongoDbContainer(IMAGES[kind])
        container.start()
        url = str(container.get_connection_url())
    atexit.register(container.stop)
    return url


def service_url(kind: ServiceKind) -> str | None:
    """The URL of this process's container of ``kind``, started on first use; ``None`` without
    testcontainers or a Docker engine (see ``why_none``). Blocking."""
    with _lock:
        if kind not in _started:
            reason = _docker_answers()
            if reason is None:
                _started[kind] = _start(kind)
            else:
                _started[kind] = None
                _reasons[kind] = reason
        return _started[kind]


def why_none(kind: ServiceKind) -> str:
    """Why ``service_url(kind)`` returned ``None`` (empty before it was asked or when it did not)."""
    return _reasons.get(kind, "")
