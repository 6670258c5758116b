"""The ``worldspec`` command line (also ``python -m conformance``).

- ``worldspec certify MODULE:FACTORY ...``: certify a World (``conformance.certify.command``);
- ``worldspec invariants [--json] [--spec N]``: the invariant catalogue (with ``--spec``, only the
  invariants of the line that spec version ``N`` belongs to);
- ``worldspec matrix REPORT.json... --out DIR``: reports joined into one table
  (``conformance.certify.matrix``);
- ``worldspec schema --out DIR [--spec N]``: a JSON Schema per wire model of the line that
  spec version ``N`` belongs to (default 3, the 4.x line).

The command belongs to the kit: ``worldspec`` (what a World is) never imports ``conformance``
(how it is judged).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from conformance.catalogue.listing import render_json, render_table
from conformance.certify.command import add_certify_command
from conformance.certify.matrix import write_matrix
from worldspec.json_schema import write_schemas
from worldspec.lines import UnsupportedSpecVersion, line_of

__all__ = ["build_parser", "main"]


def _schema(args: argparse.Namespace) -> int:
    try:
        line = line_of(args.spec)
    except UnsupportedSpecVersion as error:
        print(f"worldspec schema: {error}", file=sys.stderr)
        return 2
    written = write_schemas(Path(args.out), line)
    print(f"wrote {len(written)} JSON Schemas of the {line} line to {args.out}")
    return 0


def _invariants(args: argparse.Namespace) -> int:
    line = None
    if args.spec is not None:
        try:
            line = line_of(args.spec)
        except UnsupportedSpecVersion as error:
            print(f"worldspec invariants: {error}", file=sys.stderr)
            return 2
    print(render_json(line) if args.json else render_table(line))
    return 0


def _matrix(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.reports if not path.is_file()]
    if missing:
        print(f"worldspec matrix: error: no such report: {', '.join(missing)}", file=sys.stderr)
        return 2
    not_run: dict[str, str] = {}
    for pair in args.not_run:
        title, sep, reason = pair.partition("=")
        if not sep or not title or not reason:
            print(f"worldspec matrix: error: --not-run expects WORLD=REASON, got {pair!r}", file=sys.stderr)
            return 2
        not_run[title] = reason
    try:
        written = write_matrix(args.reports, not_run, args.out, args.links_from)
    except (ValueError, KeyError) as error:
        print(
            f"worldspec matrix: error: a report is not a worldspec certify report.json ({error})",
            file=sys.stderr,
        )
        return 2
    print(f"wrote {', '.join(str(path) for path in written)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``worldspec`` command."""
    parser = argparse.ArgumentParser(
        prog="worldspec", description="Conformance kit for Workflow DevKit Worlds."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_certify_command(commands)
    invariants = commands.add_parser("invariants", help="list every invariant of the catalogue")
    invariants.add_argument("--json", action="store_true", help="print JSON instead of a table")
    invariants.add_argument(
        "--spec", type=int, metavar="N", help="only the invariants of spec version N's line (3, 6 or 7)"
    )
    invariants.set_defaults(run=_invariants)
    matrix = commands.add_parser(
        "matrix",
        help="join certification reports into one table (HTML and Markdown)",
        description="Worlds as columns, invariants as rows by family; each cell what happened.",
    )
    matrix.add_argument(
        "reports", nargs="+", type=Path, metavar="REPORT.json", help="reports of worldspec certify"
    )
    matrix.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory to write into")
    matrix.add_argument(
        "--not-run",
        action="append",
        default=[],
        metavar="WORLD=REASON",
        help="a World that could not be run, as a column saying why (repeatable)",
    )
    matrix.add_argument(
        "--links-from",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the directory the reports' relative links (known failures' links) start from (default: here)",
    )
    matrix.set_defaults(run=_matrix)
    schema = commands.add_parser("schema", help="write a JSON Schema per wire model")
    schema.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    schema.add_argument(
        "--spec", type=int, default=3, metavar="N", help="spec version whose line to describe (3, 6 or 7)"
    )
    schema.set_defaults(run=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (2 for usage errors).

    A reader that stops early (``worldspec invariants | head``) ends the command quietly.
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
