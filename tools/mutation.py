"""Measure the kit by mutation: how many single-rule bugs in the reference World does it catch?

    pip install -e '.[mutation]'
    python tools/mutation.py [--workdir DIR] [--max-children 2] [--time-cap 4500] [--fresh]
    python tools/mutation.py --rerun-survivors   # after a kit change: retest the survivors only
    python tools/mutation.py --target plumbing   # the queue, streams and paging instead
    python tools/mutation.py --target line5      # the 5.x line's rules and storage instead

mutmut (pinned in the ``mutation`` extra; docs/decisions.md says why mutmut) mutates the files of
one target: ``rules`` (the default: ``reference_worlds/rules.py`` and ``reference_worlds/memory.py``,
the event rules), ``plumbing`` (the in-process queue, the memory streams and the paging every
list uses) or ``line5`` (the 5.x line's rules, ``reference_worlds/rules_line5/``, and its
storage in ``memory_line5*.py``), and for every mutant runs the kit against the mutated
``MemoryWorld`` (``--world=reference_worlds.memory:MemoryWorld --world-profile=quick``, plus
``--world-opt spec_version=7`` for ``line5``; only the invariant tests that reach the mutated
function). A mutant
the kit fails, or warns about (a broken SHOULD rule), is killed; one it passes survived, and is
a rule the kit does not check or a change that alters no behaviour (triaged in
docs/decisions.md). ``tools/mutation_probe.py`` makes the kit's exit status say so.

The run happens in a scratch copy of the committed tree (``git archive HEAD``), never in the
checkout, and resumes there when run again without ``--fresh``. It writes
``benchmarks/results/mutation.json`` and ``mutation.md`` (``mutation-plumbing.*`` for the
other target): the commit measured, the score, every
survivor with its diff, and whether the run was cut short by ``--time-cap`` (then the mutants
not reached are counted as such, and the score covers only the mutants checked). Not part of
CI: a whole run takes about an hour on two busy cores.

``--rerun-survivors`` retests the survivors of the last run in ``--workdir``; where that
directory is gone (another machine), it retests those the target's results file
records, provided the mutated files are unchanged since the recorded commit (mutmut names a
mutant by its function and its rank there, so a changed file renames them). The other mutants
keep their recorded outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

from mutmut.stats import status_by_exit_code

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
TARGETS: dict[str, tuple[str, ...]] = {
    "rules": ("reference_worlds/rules.py", "reference_worlds/memory.py"),
    "plumbing": (
        "reference_worlds/inprocess_queue.py",
        "reference_worlds/memory_streams.py",
        "reference_worlds/paging.py",
    ),
    "line5": (
        "reference_worlds/rules_line5/context.py",
        "reference_worlds/rules_line5/decide.py",
        "reference_worlds/rules_line5/hooks.py",
        "reference_worlds/rules_line5/legacy.py",
        "reference_worlds/rules_line5/runs.py",
        "reference_worlds/rules_line5/steps.py",
        "reference_worlds/rules_line5/waits.py",
        "reference_worlds/memory_line5.py",
        "reference_worlds/memory_line5_bulk.py",
        "reference_worlds/memory_line5_state.py",
    ),
}
"""The files each target mutates."""
KIT_ARGS = (
    "--world=reference_worlds.memory:MemoryWorld",
    "--world-profile=quick",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:xdist",
    "-p",
    "mutation_probe",
)
TARGET_ARGS: dict[str, tuple[str, ...]] = {"line5": ("--world-opt", "spec_version=7")}
"""What a target adds to ``KIT_ARGS``: the 5.x line's rules run in MemoryWorld at spec 7."""


def kit_args(target: str) -> tuple[str, ...]:
    """The kit's arguments for the mutants of ``target``."""
    return KIT_ARGS + TARGET_ARGS.get(target, ())


KILLED = ("killed", "timeout", "caught by type check", "segfault")


def _results_stem(target: str) -> str:
    return "mutation" if target == "rules" else f"mutation-{target}"


def _mutmut_section(mutated: tuple[str, ...], arguments: tuple[str, ...]) -> str:
    def toml_list(items: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(json.dumps(item) for item in items) + "]"

    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["reference_worlds"]\n'
        f"only_mutate = {toml_list(mutated)}\n"
        'also_copy = ["worldspec", "conformance", "mutation_probe.py"]\n'
        f"pytest_add_cli_args = {toml_list(arguments)}\n"
    )


def prepare(workdir: Path, mutated: tuple[str, ...], arguments: tuple[str, ...]) -> str:
    """Export the committed tree into ``workdir`` with mutmut's configuration; the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    workdir.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", commit, "worldspec", "conformance", "reference_worlds", "pyproject.toml"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(workdir)], input=archive, check=True)
    # mutmut keeps which tests reach which function from its first run and maps only tests new
    # by name after that; a kit test that now reaches another function would go unused for it.
    (workdir / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    (workdir / "mutation_probe.py").write_text((REPO / "tools" / "mutation_probe.py").read_text())
    with (workdir / "pyproject.toml").open("a") as pyproject:
        pyproject.write(_mutmut_section(mutated, arguments))
    return commit


def run_mutmut(workdir: Path, max_children: int, time_cap: float, names: list[str]) -> tuple[bool, float]:
    """Run mutmut in ``workdir`` at the lowest priority, over ``names`` only if any are given
    (mutmut retests a named mutant even when it has a result); whether ``time_cap`` cut it
    short, and the seconds it ran. Results are saved after every mutant, so a cut run is still
    readable."""
    started = time.monotonic()
    command = ["nice", "-n", "19", "mutmut", "run", "--max-children", str(max_children), *names]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = (workdir / "mutmut.log").open("a")
    process = subprocess.Popen(
        command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        process.wait(timeout=time_cap)
        cut = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        cut = True
    log.close()
    return cut, time.monotonic() - started


def read_results(workdir: Path, mutated: tuple[str, ...]) -> dict[str, str]:
    """Every mutant's status, by mutmut's name for it."""
    statuses: dict[str, str] = {}
    for path in mutated:
        meta = workdir / "mutants" / f"{path}.meta"
        if meta.exists():
            for name, exit_code in json.loads(meta.read_text())["exit_code_by_key"].items():
                statuses[name] = status_by_exit_code[exit_code]
    return statuses


def diff_of(workdir: Path, name: str) -> str:
    """The mutant's change, as mutmut shows it."""
    shown = subprocess.run(["mutmut", "show", name], cwd=workdir, capture_output=True, text=True)
    return "\n".join(line for line in shown.stdout.splitlines() if not line.startswith("#")).strip()


def recorded_survivors(commit: str, target: str) -> tuple[list[str], Counter[str]]:
    """The survivors the ``target``'s results file records and the recorded counts of every other outcome,
    for a rerun of those survivors at ``commit``; refused (``SystemExit``) when a mutated file
    changed since the recorded commit, because the names would then point at other mutants."""
    record = json.loads((RESULTS / f"{_results_stem(target)}.json").read_text())
    mutated = tuple(record["mutated"])
    changed = subprocess.run(
        ["git", "diff", "--name-only", record["commit"], commit, "--", *mutated],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if changed:
        raise SystemExit(
            f"{', '.join(changed)} changed since the recorded run at {record['commit'][:12]}: "
            "the recorded survivor names no longer apply; run without --rerun-survivors"
        )
    others = Counter(record["counts"])
    del others["survived"]
    return [survivor["name"] for survivor in record["survivors"]], others


def summary(
    statuses: dict[str, str],
    *,
    mutated: tuple[str, ...],
    arguments: tuple[str, ...],
    commit: str,
    cut: bool,
    seconds: float,
    carried: Counter[str] | None = None,
) -> dict[str, Any]:
    """The score and counts: killed / (killed + survived) over the mutants mutmut checked, plus
    the ``carried`` outcomes of mutants recorded earlier and not run again."""
    counts = Counter(statuses.values())
    counts.update(carried or Counter())
    killed = sum(counts[status] for status in KILLED)
    judged = killed + counts["survived"]
    return {
        "tool": f"mutmut {version('mutmut')}",
        "commit": commit,
        "mutated": list(mutated),
        "kitArguments": list(arguments),
        "partial": cut or counts["not checked"] > 0,
        "cutByTimeCap": cut,
        "seconds": round(seconds),
        "mutants": sum(counts.values()),
        "counts": dict(sorted(counts.items())),
        "score": round(killed / judged, 4) if judged else None,
    }


_TITLES: dict[str, str] = {"rules": "", "plumbing": ": its plumbing", "line5": ": the 5.x line"}
"""What each target's results page adds to its title."""


def write_markdown(document: dict[str, Any], path: Path, target: str) -> None:
    """The Markdown results: the figures and each survivor's diff."""
    score = document["score"]
    lines = [
        "# Mutation score of the kit against the reference World" + _TITLES[target],
        "",
        f"Measured with {document['tool']} at commit `{document['commit'][:12]}` over "
        + ", ".join(f"`{path}`" for path in document["mutated"])
        + f"; the kit ran as `pytest {' '.join(document['kitArguments'])}`.",
        "",
        f"- score: {'n/a' if score is None else f'{score:.1%}'} (killed / (killed + survived))",
        f"- mutants: {document['mutants']}; "
        + ", ".join(f"{status}: {count}" for status, count in document["counts"].items()),
        f"- ran {document['seconds']} s"
        + (" and was cut by the time cap: **partial**" if document["cutByTimeCap"] else ""),
        "",
        'Triage of the survivors: docs/decisions.md, "Mutation testing".',
        "",
        "## Survivors",
        "",
    ]
    for survivor in document["survivors"]:
        lines += [f"### `{survivor['name']}`", "", "```diff", survivor["diff"], "```", ""]
    path.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(TARGETS), default="rules", help="what to mutate")
    parser.add_argument("--workdir", type=Path, help="scratch directory (default: one per target under /tmp)")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--time-cap", type=float, default=4500.0, help="seconds before the run is cut")
    parser.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    parser.add_argument("--report-only", action="store_true", help="report the last run in --workdir again")
    parser.add_argument("--rerun-survivors", action="store_true", help="retest the last run's survivors only")
    args = parser.parse_args(argv)
    mutated = TARGETS[args.target]
    if args.workdir is None:
        args.workdir = Path(f"/tmp/worldspec-{_results_stem(args.target)}")
    if args.fresh and args.workdir.exists():
        subprocess.run(["rm", "-rf", str(args.workdir)], check=True)
    run_file = args.workdir / "RUN.json"
    if not args.report_only:
        names = [name for name, status in read_results(args.workdir, mutated).items() if status == "survived"]
        previous = json.loads(run_file.read_text()) if run_file.exists() else {}
        carried: dict[str, Any] | None = previous.get("carried") if args.rerun_survivors else None
        commit = prepare(args.workdir, mutated, kit_args(args.target))
        if args.rerun_survivors and not names:
            names, from_record = recorded_survivors(commit, args.target)
            carried = {"counts": dict(from_record), "rerun": names}
        chosen = names if args.rerun_survivors else []
        cut, seconds = run_mutmut(args.workdir, args.max_children, args.time_cap, chosen)
        if args.rerun_survivors:
            seconds += previous.get("seconds", 0)
        run = {"commit": commit, "cut": cut, "seconds": seconds, "carried": carried}
        run_file.write_text(json.dumps(run))
    run = json.loads(run_file.read_text())
    statuses = read_results(args.workdir, mutated)
    carried = run.get("carried")
    if carried is not None:
        rerun = set(carried["rerun"])
        statuses = {name: status for name, status in statuses.items() if name in rerun}
    document = summary(
        statuses,
        mutated=mutated,
        arguments=kit_args(args.target),
        commit=run["commit"],
        cut=run["cut"],
        seconds=run["seconds"],
        carried=None if carried is None else Counter(carried["counts"]),
    )
    document["survivors"] = [
        {"name": name, "diff": diff_of(args.workdir, name)}
        for name, status in sorted(statuses.items())
        if status == "survived"
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = _results_stem(args.target)
    (RESULTS / f"{stem}.json").write_text(json.dumps(document, indent=2) + "\n")
    write_markdown(document, RESULTS / f"{stem}.md", args.target)
    print(f"score {document['score']} over {document['mutants']} mutants; partial: {document['partial']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
