"""Certify every World worldspec follows and publish the matrix: ``python tools/certify_ecosystem.py``.

Runs ``worldspec certify`` on the reference Worlds and the npm Worlds (through the bridge, with
their known-failures files), keeps each ``report.json`` under ``docs/ecosystem/reports/``, joins
them with ``worldspec matrix`` into ``docs/ecosystem/matrix.html`` and ``matrix.md``, and writes
``docs/ecosystem.md`` around the table. Needs the services the Worlds use (PostgreSQL, Redis; see
README) and Node.js with npm for the bridge; takes several minutes. A maintainer's tool: not run
by the tests.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from conformance.certify.matrix import columns_of, rebased, render_markdown, write_matrix  # noqa: E402
from reference_worlds.node.presets import WORLD_POSTGRES_5_STAND_INS  # noqa: E402

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
REDIS = "redis://127.0.0.1:6379/0"  # the tests pick databases 1-15


@dataclass(frozen=True)
class Subject:
    """One World to certify: a file name, the Factory, its options and known failures."""

    slug: str
    target: str
    options: tuple[str, ...] = ()
    known_failures: str | None = None


NODE = "reference_worlds.node:NodeWorld"
SUBJECTS = (
    Subject("memory", "reference_worlds.memory:MemoryWorld"),
    Subject("memory-5x", "reference_worlds.memory:MemoryWorld", ("spec_version=7",)),
    Subject("local", "reference_worlds.local:LocalWorld"),
    Subject("postgres", "reference_worlds.postgres:PostgresWorld", (f"dsn={POSTGRES}",)),
    Subject("world-local-4.4.1", NODE, ("package=@workflow/world-local@4.4.1",), "world-local-4.4.1.toml"),
    Subject(
        "world-local-5.0.0-beta.46",
        NODE,
        ("package=@workflow/world-local@5.0.0-beta.46",),
        "world-local-5.0.0-beta.46.toml",
    ),
    Subject(
        "world-postgres-5.0.0-beta.29",
        NODE,
        (
            "package=@workflow/world-postgres@5.0.0-beta.29",
            "overrides=" + json.dumps(WORLD_POSTGRES_5_STAND_INS),
            f'env={{"WORKFLOW_POSTGRES_URL": "{POSTGRES}"}}',
        ),
    ),
    Subject(
        "world-postgres-4.3.7",
        NODE,
        ("package=@workflow/world-postgres@4.3.7", f'env={{"WORKFLOW_POSTGRES_URL": "{POSTGRES}"}}'),
        "world-postgres-4.3.7.toml",
    ),
    Subject(
        "redis-0.2.2",
        NODE,
        (
            "package=@workflow-worlds/redis@0.2.2",
            f'config={{"redisUrl": "{REDIS}", "keyPrefix": "ecosystem"}}',
        ),
        "world-redis-0.2.2.toml",
    ),
    Subject("starter-0.2.1", NODE, ("package=@workflow-worlds/starter@0.2.1",), "world-starter-0.2.1.toml"),
)
NOT_RUN = {
    "@workflow-worlds/mongodb 0.2.1": "no MongoDB server on this machine (docs/findings/world-mongodb.md)"
}


def _certify(subject: Subject, profile: str, scratch: Path) -> Path:
    out = scratch / subject.slug
    command = [sys.executable, "-m", "conformance", "certify", subject.target, "--profile", profile]
    command += [f"--opt={pair}" for pair in subject.options]
    if subject.known_failures:
        command += ["--xfail", f"known-failures/{subject.known_failures}"]  # relative: reports are published
    command += ["--out", str(out)]
    print(f"certifying {subject.slug} ...", flush=True)
    done = subprocess.run(command, cwd=REPO, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(
            f"{subject.slug}: worldspec certify could not judge the World (exit {done.returncode})"
        )
    return out / "report.json"


def _page(table: str, profile: str) -> str:
    today = datetime.now(UTC).date().isoformat()
    return (
        "# The World ecosystem\n\n"
        "What every World worldspec follows does, invariant by invariant: the three reference Worlds and\n"
        "the npm Worlds, each certified by `worldspec certify` against the whole kit "
        f"(profile `{profile}`, {today}).\n"
        'A known failure links to its finding; a skip names the capability the World lacks; "not run"\n'
        "means the kit did not check that invariant on that World. The same table as one page:\n"
        "[matrix.html](ecosystem/matrix.html); the reports it is made from: `docs/ecosystem/reports/`.\n\n"
        "Regenerate with `python tools/certify_ecosystem.py` (several minutes; needs PostgreSQL, Redis,\n"
        "Node.js and npm).\n\n"
        f"{table}"
    )


def main() -> int:
    """Certify every subject, publish the reports and the matrix; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci", choices=["quick", "ci", "thorough"])
    parser.add_argument("--only", nargs="*", help="certify only these slugs (the other reports are kept)")
    parser.add_argument(
        "--matrix-only", action="store_true", help="certify nothing: rebuild the matrix from the kept reports"
    )
    args = parser.parse_args()
    published = REPO / "docs" / "ecosystem"
    reports = published / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="worldspec-ecosystem-") as scratch:
        for subject in SUBJECTS:
            if args.matrix_only or (args.only and subject.slug not in args.only):
                continue
            shutil.copyfile(_certify(subject, args.profile, Path(scratch)), reports / f"{subject.slug}.json")
    kept = [
        reports / f"{subject.slug}.json"
        for subject in SUBJECTS
        if (reports / f"{subject.slug}.json").exists()
    ]
    write_matrix(kept, NOT_RUN, published, REPO)
    page = REPO / "docs" / "ecosystem.md"
    table = render_markdown(rebased(columns_of(kept, NOT_RUN), REPO, page.parent))
    page.write_text(_page(table, args.profile))
    print("wrote docs/ecosystem.md and docs/ecosystem/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
