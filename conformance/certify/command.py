"""The ``worldspec certify`` command (no pytest imported here).

Exit codes of ``certify``: 0 certified at the requested level; 1 not certified (failures, the
level not reached, or a World refused because its spec version belongs to no line: the reports
say so); 2 usage error (bad Factory path, options or known-failures file); 3
the kit could not judge the World (it crashed, collected nothing, or was interrupted).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from conformance.certify.badge import badge_svg
from conformance.certify.identity import Package, WorldIdentity, environment, package_of
from conformance.certify.levels import LEVELS
from conformance.certify.masking import Masker
from conformance.certify.pictures import write_pictures
from conformance.certify.progress import ProgressDisplay, wants_live_display
from conformance.certify.report_html import write_report_html
from conformance.certify.report_json import write_report_json
from conformance.certify.report_markdown import verdict_line, write_report_markdown
from conformance.certify.results import Certification, certification_of
from conformance.certify.runner import KitRequest, KitRun, run_kit
from conformance.reporting.output_files import output_directory_problem
from conformance.reporting.profiles import DEFAULT_PROFILE, PROFILES
from conformance.reporting.records import OUTCOMES
from conformance.world.deadlines import DEFAULT_CALL_TIMEOUT, seconds_problem
from conformance.world.loading import WorldLoadError, parse_world_options
from conformance.world.spec_line import override_problem

__all__ = ["EXIT_CERTIFIED", "EXIT_NOT_CERTIFIED", "EXIT_NOT_JUDGED", "EXIT_USAGE", "add_certify_command"]

EXIT_CERTIFIED = 0
EXIT_NOT_CERTIFIED = 1
EXIT_USAGE = 2
EXIT_NOT_JUDGED = 3

_PYTEST_USAGE_ERROR = 4
_SHOWN_BLOCKERS = 10


def add_certify_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``certify`` to the ``worldspec`` command's subparsers."""
    certify = commands.add_parser(
        "certify",
        help="run the whole kit against a World and write a certification report",
        description="Run every invariant test against a World; write report.json, report.md, "
        "report.html and badge.svg. Exit 0 certified, 1 not certified, 2 usage error, 3 not judged.",
    )
    certify.add_argument(
        "world", metavar="MODULE:FACTORY", help="the World's Factory, e.g. my_pkg.world:MyWorld"
    )
    certify.add_argument(
        "--opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="keyword argument for the Factory (repeatable); JSON values (3, true, {...}) are decoded",
    )
    certify.add_argument(
        "--xfail",
        type=Path,
        metavar="FILE",
        help="known failures (TOML: [[known_failure]] id, reason, link), run as expected failures",
    )
    certify.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        help=f"how hard the kit looks: model examples, race rounds, time budgets (default {DEFAULT_PROFILE})",
    )
    certify.add_argument(
        "-n",
        "--workers",
        default="1",
        metavar="N|auto",
        help="run the kit on N pytest-xdist worker processes (default 1); racing tests stay on one "
        "worker. auto: one per core, or two per core for an npm World through the bridge, which "
        "keeps the cores busiest that way",
    )
    certify.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="seconds one World call may take before its test fails as timed out "
        f"(default {DEFAULT_CALL_TIMEOUT:g})",
    )
    certify.add_argument(
        "--spec",
        type=int,
        metavar="N",
        help="judge the World on the line of spec version N (3: 4.x; 6 or 7: 5.x) "
        "(default: the line of the version the World declares)",
    )
    certify.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="seed of every random choice of the kit, to replay a run: the report's command gives "
        "the one each run used (default: a fresh seed)",
    )
    certify.add_argument(
        "--level", choices=list(LEVELS), default="core", help="the level to certify (default core)"
    )
    certify.add_argument(
        "--out",
        type=Path,
        default=Path("certification"),
        metavar="DIR",
        help="directory to write the report into, made if missing (default certification)",
    )
    certify.set_defaults(run=certify_command)


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system tells)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(requested: str, package: Package | None, cores: int) -> int:
    """``-n``'s value as a number of workers. ``auto`` is one per core, or two per core for a
    World from an npm package: each of its workers waits while its Node process works, and the
    other way round (docs/certify.md). ``ValueError`` names what is wrong with any other value."""
    if requested == "auto":
        per_core = 2 if package is not None and package.kind == "npm" else 1
        return per_core * cores
    try:
        count = int(requested)
    except ValueError:
        raise ValueError(f"-n takes a number of workers or auto, got {requested!r}") from None
    if count < 1:
        raise ValueError(f"-n must be at least 1, got {count}")
    return count


def _usage_error(message: str) -> int:
    print(f"worldspec certify: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def kit_usage_message(output: str) -> str:
    """The one line pytest printed for a usage error: the kit's (``ERROR: ...``), or that of
    pytest's own argument parser (``PROG: error: ...`` after an ``ERROR: usage: PROG ...`` line,
    where PROG is ``pytest``, ``python -m pytest`` or ``__main__.py`` as pytest's release and
    the way it was started have it)."""
    lines = output.splitlines()
    usage_seen = False
    for line in lines:
        usage_seen = usage_seen or line.startswith("ERROR: usage: ")
        _, parser_said, parsed = line.partition(": error: ")
        if usage_seen and parser_said and not line.startswith("ERROR: "):
            return f"pytest refused its arguments: {parsed.strip()}{_hint(parsed)}"
    for line in lines:
        if line.startswith("ERROR: ") and not line.startswith("ERROR: usage:"):
            return line.removeprefix("ERROR: ").strip()
    return (output.strip().splitlines() or ["the kit refused its arguments"])[-1]


def _hint(parser_said: str) -> str:
    """What to do about an argument pytest did not know, where the kit can tell."""
    if "unrecognized arguments: -n" in parser_said:
        return " (-n needs the pytest-xdist plugin: install it, and do not disable it with -p no:xdist)"
    return ""


def _argument_problem(args: argparse.Namespace) -> str | None:
    """The first mistake in ``certify``'s arguments that the kit run would meet only later, in
    one sentence, or ``None``. The ``--out`` directory is checked, and made, last: a mistake
    found before it leaves nothing behind."""
    module, sep, factory = args.world.partition(":")
    if not (module and sep and factory):
        return f"expected MODULE:FACTORY (e.g. reference_worlds.memory:MemoryWorld), got {args.world!r}"
    if args.xfail is not None and not args.xfail.is_file():
        missing = "does not exist" if not args.xfail.exists() else "is not a file"
        return f"known-failures file {args.xfail} {missing}"
    if args.timeout is not None and (problem := seconds_problem("--timeout", args.timeout)) is not None:
        return problem
    if args.spec is not None and (problem := override_problem("--spec", args.spec)) is not None:
        return problem
    return output_directory_problem("--out", args.out)


def certify_command(args: argparse.Namespace) -> int:
    """Run the kit, write the reports, print the summary; returns the exit code."""
    try:
        options = parse_world_options(args.opt)
    except WorldLoadError as error:
        return _usage_error(str(error))
    masker = Masker.for_options(options)
    world = WorldIdentity(args.world, masker.mask(options), package_of(args.world, options))
    try:
        workers = worker_count(args.workers, world.package, usable_cores())
    except ValueError as error:
        return _usage_error(str(error))
    problem = _argument_problem(args)
    if problem is not None:
        return _usage_error(problem)
    request = KitRequest(
        args.world, tuple(args.opt), args.xfail, args.profile, args.timeout, workers, args.spec, args.seed
    )
    shown_options = " ".join(masker.option_argument(key, value) for key, value in options.items())
    print(f"worldspec certify: {args.world} {shown_options}".rstrip() + f" (level {args.level})")
    started_at = datetime.now(UTC)
    try:
        run = run_kit(request, ProgressDisplay(sys.stdout, live=wants_live_display(sys.stdout)))
    except KeyboardInterrupt:
        print("worldspec certify: interrupted; no report written", file=sys.stderr)
        return EXIT_NOT_JUDGED
    refused = run.report is not None and run.report.get("refused") is not None
    if run.exit_code == _PYTEST_USAGE_ERROR and not refused:
        return _usage_error(masker.redact(kit_usage_message(run.output)))
    if not refused and (run.report is None or run.exit_code not in (0, 1) or not run.checked):
        return _not_judged(run, masker)
    certification = certification_of(
        request,
        run,
        world,
        masker,
        environment=environment(),
        requested_level=args.level,
        started_at=started_at,
    )
    _write_reports(certification, args.out)
    _print_summary(certification, args.out)
    return EXIT_CERTIFIED if certification.certified else EXIT_NOT_CERTIFIED


def _not_judged(run: KitRun, masker: Masker) -> int:
    tail = "\n".join(run.output.strip().splitlines()[-30:])
    print(
        f"worldspec certify: the kit could not judge the World (pytest exit code {run.exit_code}); "
        f"no report written. The end of its output:\n{masker.redact(tail)}",
        file=sys.stderr,
    )
    return EXIT_NOT_JUDGED


def _write_reports(certification: Certification, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_report_json(certification, out / "report.json")
    write_report_markdown(certification, out / "report.md")
    write_report_html(certification, out / "report.html")
    write_pictures(certification, out)
    (out / "badge.svg").write_text(badge_svg(certification.reached_level, certification.line) + "\n")


def _print_summary(certification: Certification, out: Path) -> None:
    totals = certification.totals()
    print()
    if certification.refused is not None:
        print(f"worldspec certify: refused: {certification.refused}")
    print(
        ", ".join(f"{totals[outcome]} {outcome}" for outcome in OUTCOMES), f"in {certification.run.seconds} s"
    )
    for record in certification.failures_first():
        if record.outcome in ("fail", "unjudged"):
            print(f"{record.headline.upper()} {record.id}: {record.reason}")
            print(f"     rerun: {record.rerun}")
    verdict = certification.verdicts[certification.requested_level]
    failed = {record.id for record in certification.invariants if record.outcome in ("fail", "unjudged")}
    others = [blocker for blocker in verdict.blockers if blocker.id not in failed]
    for blocker in others[:_SHOWN_BLOCKERS]:
        print(f"blocks {verdict.level}: {blocker.id}: {blocker.why}")
    if len(others) > _SHOWN_BLOCKERS:
        print(f"... and {len(others) - _SHOWN_BLOCKERS} more (see the report)")
    print(verdict_line(certification).replace("**", ""))
    print(f"wrote {out / 'report.json'}, report.md, report.html and badge.svg")
