"""``python -m benchmarks [NAMES...] [--force] [--list] [OPTIONS]``: run benchmarks, print a table.

Benchmarks may add options of their own (``quality``: ``--datasets``, ``--systems``,
``--budget``); they go anywhere on the line, before or after the names. A lone ``--`` is
ignored, so ``python -m benchmarks quality -- --budget 20`` works too.

Progress goes to stderr; the table, each benchmark's own tables and the notes go to stdout. The
exit code is 0 when every figure meets its target, 1 when one misses it or a benchmark fails, 2
for a usage error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks import BENCHMARKS, Benchmark, BenchmarkError, Context, Figure, Result, ResultCache
from benchmarks._table import text_table


@dataclass(frozen=True)
class _Outcome:
    """A benchmark's result, or why there is none, and where it came from."""

    name: str
    result: Result | None
    error: str | None = None
    cached_from: str | None = None


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the selected benchmarks and print the table.

    Args:
        argv: The arguments after the program name; ``sys.argv[1:]`` by default.

    Returns:
        The exit code: 0 all targets met, 1 a target missed or a benchmark failed.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run automl's benchmarks; results are cached per system in .bench-cache/.",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="benchmarks to run (default: all; see --list)"
    )
    parser.add_argument("--force", action="store_true", help="re-run even if a result is cached")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="run against a frozen git worktree of the current commit (edits made meanwhile "
        "are not measured), sharing this checkout's cache",
    )
    for benchmark in BENCHMARKS.values():
        if benchmark.add_options is not None:
            benchmark.add_options(parser.add_argument_group(f"{benchmark.name} options"))
    args = parser.parse_intermixed_args(
        [arg for arg in (sys.argv[1:] if argv is None else argv) if arg != "--"]
    )
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark {', '.join(map(repr, unknown))}; "
            f"choose from {', '.join(BENCHMARKS)}"
        )
    if args.list:
        width = max(map(len, BENCHMARKS))
        for benchmark in BENCHMARKS.values():
            print(f"{benchmark.name:<{width}}  {benchmark.description}")
        return 0
    if args.snapshot:
        from benchmarks._snapshot import run_in_snapshot

        return run_in_snapshot(sys.argv[1:] if argv is None else argv)
    selected = [BENCHMARKS[name] for name in dict.fromkeys(args.names or BENCHMARKS)]
    context = Context(cache=ResultCache(), force=args.force, options=vars(args))
    print(f"system: {context.cache.system}", file=sys.stderr)
    outcomes = [_run_one(benchmark, context) for benchmark in selected]
    print(_table(outcomes))
    for outcome in outcomes:
        for table in outcome.result.tables if outcome.result is not None else ():
            print(f"\n{table}")
    for line in _notes(outcomes):
        print(line)
    return 0 if all(o.result is not None and o.result.passed for o in outcomes) else 1


def _run_one(benchmark: Benchmark, context: Context) -> _Outcome:
    cache = context.cache
    if benchmark.cache_result and not context.force:
        entry = cache.load(benchmark.name)
        if entry is not None:
            try:
                result = Result.from_dict(entry.payload)
            except (KeyError, TypeError):
                pass  # written by an older version of the benchmarks: measure again
            else:
                return _Outcome(
                    benchmark.name, result, cached_from=f"{entry.path} ({entry.created})"
                )
    try:
        result = benchmark.run(context)
    except BenchmarkError as exc:
        return _Outcome(benchmark.name, None, error=str(exc))
    except Exception as exc:  # a bug in one benchmark must not hide the others' results
        traceback.print_exc()
        return _Outcome(benchmark.name, None, error=f"{type(exc).__name__}: {exc}")
    if benchmark.cache_result:
        cache.save(benchmark.name, result.to_dict())
    return _Outcome(benchmark.name, result)


def _table(outcomes: list[_Outcome]) -> str:
    rows = [("benchmark", "figure", "value", "target", "status")]
    for outcome in outcomes:
        if outcome.result is None:
            rows.append((outcome.name, "(error)", "", "", "FAIL"))
            continue
        for figure in outcome.result.figures:
            status = {True: "PASS", False: "FAIL", None: "-"}[figure.passed]
            rows.append((outcome.name, figure.name, _value(figure), _target(figure), status))
    return text_table(rows, right={2, 3}, underline=False)  # numbers align right


def _number(value: float) -> str:
    if isinstance(value, int):  # a count
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:#.3g}"


def _value(figure: Figure) -> str:
    return f"{_number(figure.value)} {figure.unit}".rstrip()


def _target(figure: Figure) -> str:
    if figure.target is None:
        return ""
    sign = "<" if figure.better == "lower" else ">"
    return f"{sign} {_number(figure.target)} {figure.unit}".rstrip()


def _notes(outcomes: list[_Outcome]) -> list[str]:
    lines = []
    for outcome in outcomes:
        if outcome.error is not None:
            lines.append(f"{outcome.name}: error: {outcome.error}")
        if outcome.cached_from is not None:
            lines.append(f"{outcome.name}: cached result, {outcome.cached_from}; --force re-runs")
        if outcome.result is not None:
            lines.extend(f"{outcome.name}: {note}" for note in outcome.result.notes)
    return ["", *lines] if lines else []


if __name__ == "__main__":
    sys.exit(main())
