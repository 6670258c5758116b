"""The ``worldspec`` command line: ``python -m worldspec schema --out DIR``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from worldspec.json_schema import write_schemas


def _schema(args: argparse.Namespace) -> int:
    written = write_schemas(Path(args.out))
    print(f"wrote {len(written)} JSON Schemas to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``worldspec`` command."""
    parser = argparse.ArgumentParser(
        prog="worldspec", description="Conformance kit for Workflow DevKit Worlds."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    schema = commands.add_parser("schema", help="write a JSON Schema per wire model")
    schema.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    schema.set_defaults(run=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for usage errors)."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
