"""``automl compare``: a challenger against a champion on labelled rows, by a paired bootstrap."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automl.cli._options import JsonOption
from automl.cli._output import (
    emit_json,
    guarded,
    out_console,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

if TYPE_CHECKING:
    from automl.store.compare import Comparison

__all__ = ["DataOption", "MetricOption", "compare_command", "comparison_lines"]

#: ``--data TEST.csv`` of ``compare`` and ``promote --if-better``.
DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        metavar="TEST.csv",
        help="Labelled rows both models predict (the target column and the features).",
    ),
]
#: ``--metric M`` of ``compare`` and ``promote --if-better``.
MetricOption = Annotated[
    str | None,
    typer.Option("--metric", metavar="M", help="The metric (default: the champion's run metric)."),
]


def compare_command(
    ctx: typer.Context,
    challenger: Annotated[
        str, typer.Argument(metavar="CHALLENGER", help="The new model: a run id or an alias.")
    ],
    champion: Annotated[
        str, typer.Argument(metavar="CHAMPION", help="The model in place: a run id or an alias.")
    ],
    data: DataOption = None,
    metric: MetricOption = None,
    experiment: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The experiment of the aliases (default: that of a run named by id, else "
            "'default').",
        ),
    ] = None,
    fail_unless: Annotated[
        str | None,
        typer.Option(
            "--fail-unless",
            metavar="better",
            help="Exit 6 unless the verdict is 'better' (a CI gate).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Both models predict the same labelled rows: each one's metric, the difference, a 95%
    interval and the share of 2,000 paired bootstrap resamples where the challenger is ahead,
    and a verdict (better, worse, indistinguishable). Exit 6 with --fail-unless better when
    the challenger is not clearly better."""
    with guarded(ctx):
        from automl.errors import CheckFailedError, UsageError
        from automl.store.aliases import resolve_run_or_alias
        from automl.store.compare import compare_runs

        if data is None:
            raise UsageError("compare needs --data TEST.csv: labelled rows to score both models.")
        if fail_unless not in (None, "better"):
            raise UsageError(f"--fail-unless takes 'better', not {fail_unless!r}.")
        quiet_libraries()
        store = store_of(ctx)
        where = experiment or _experiment_of_runs(store, challenger, champion)
        challenger_ref = resolve_run_or_alias(store, challenger, where)
        champion_ref = resolve_run_or_alias(store, champion, where)
        with stdout_to_stderr(as_json):
            result = compare_runs(store, challenger_ref, champion_ref, data, metric=metric)
        if as_json:
            emit_json(result.to_dict())
        else:
            for line in comparison_lines(result, challenger, champion):
                out_console().print(line, markup=False)
        if fail_unless == "better" and result.verdict != "better":
            raise CheckFailedError(
                f"The challenger {challenger} is {result.verdict} against {champion} "
                f"(--fail-unless better).",
                hint="Ahead in "
                f"{result.challenger_ahead:.1%} of the resamples; 'better' needs 95%.",
            )


def _experiment_of_runs(store: object, *names: str) -> str | None:
    """The experiment of the first name that is a run id (aliases are looked up there)."""
    runs = {r.run_id: r for r in store.runs()}  # type: ignore[attr-defined]
    for name in names:
        if name in runs:
            return str(runs[name].experiment)
    return None


def comparison_lines(result: Comparison, challenger: str, champion: str) -> list[str]:
    """The comparison as a few lines of text."""
    from automl.formatting import format_score_pair

    def named(name: str, run_id: str) -> str:
        return run_id if name == run_id else f"{name} ({run_id})"

    a, b = format_score_pair(result.challenger_score, result.champion_score)
    direction = "higher" if result.higher_is_better else "lower"
    lines = [
        f"{result.metric} on {result.n_rows:,} rows of {result.data} ({direction} is better):",
        f"  challenger {named(challenger, result.challenger)}: {a}",
        f"  champion   {named(champion, result.champion)}: {b}",
        f"  difference {result.difference:+.5g}, 95% interval [{result.low:+.5g}, "
        f"{result.high:+.5g}] ({result.resamples:,} paired bootstrap resamples, seed "
        f"{result.seed})",
        f"  the challenger is ahead in {result.challenger_ahead:.1%} of the resamples",
        f"Verdict: {result.verdict}",
    ]
    return lines + [f"Note: {note}" for note in result.notes]
