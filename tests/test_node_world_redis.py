"""CI certifies ``@workflow-worlds/redis@0.2.2`` through the Node bridge with the whole kit, on
the local Redis (.ci/run starts it).

The run reads known-failures/world-redis-0.2.2.toml (findings in docs/findings/world-redis.md);
tests/node_certification.py says what must hold. The World's BullMQ queues have fixed names in
their database, so the run takes a database picked at random (1-15) to stay apart from any other
run, and a key prefix of its own, whose keys it deletes at the end.
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.node_certification import KNOWN_FAILURES, certify
from tests.redis_support import delete_keys, redis_url

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

PACKAGE = "@workflow-worlds/redis@0.2.2"
KNOWN = KNOWN_FAILURES / "world-redis-0.2.2.toml"


def test_world_redis_passes_the_kit_except_its_known_failures(tmp_path: Path) -> None:
    url = urlunsplit(urlsplit(redis_url())._replace(path=f"/{random.randint(1, 15)}"))
    prefix = f"worldspec-ci-{secrets.token_hex(4)}"
    config = {"redisUrl": url, "keyPrefix": prefix}
    try:
        certify(PACKAGE, KNOWN, tmp_path, "--world-opt", f"config={json.dumps(config)}", timeout=600)
    finally:
        delete_keys(url, f"{prefix}:")
