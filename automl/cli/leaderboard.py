"""``automl leaderboard``: every trial of a run (or of an experiment's runs), ranked."""

from __future__ import annotations

import csv
import io
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from automl.cli._options import AliasOption, ExperimentNameOption, JsonOption
from automl.cli._output import emit_json, guarded, out_console, print_titled, store_of
from automl.store.run_record import written

if TYPE_CHECKING:
    from automl.store.leaderboard import LeaderboardRow

__all__ = ["leaderboard_command", "leaderboard_table"]

_CSV_FIELDS = ["rank", "run_id", "trial", "family", "state", "score_kind", "cv_mean", "cv_std",
               "holdout", "fit_seconds", "predict_ms_per_1000", "reason", "params"]  # fmt: skip


def leaderboard_command(
    ctx: typer.Context,
    experiment: ExperimentNameOption = "default",
    run: Annotated[str | None, typer.Option("--run", metavar="ID", help="One run by id.")] = None,
    alias: AliasOption = None,
    all_runs: Annotated[
        bool, typer.Option("--all-runs", help="Rank every run of the experiment together.")
    ] = False,
    top: Annotated[
        int | None, typer.Option("--top", metavar="N", help="Show the N best rows.")
    ] = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
) -> None:
    """Every trial, ranked: CV mean and std, fit seconds, predict ms per 1,000 rows, state."""
    with guarded(ctx):
        from automl.errors import UsageError
        from automl.store.leaderboard import leaderboard

        if as_json and as_csv:
            raise UsageError("Choose one of --json and --csv.")
        store = store_of(ctx)
        if all_runs and not (run or alias):
            refs = store.runs(experiment)
            if not refs:
                store.latest_run(experiment)  # raises with the known experiments
        else:
            refs = [store.resolve(experiment=experiment, run_id=run, alias=alias)]
        rows = leaderboard(store, refs)
        if top is not None:
            rows = rows[:top]
        record = store.run_record(refs[-1]) if store.has_record(refs[-1]) else None
        metric = (record.metric if record is not None else None) or "score"
        decision = record.decision if record is not None and len(refs) == 1 else None
        if as_json:
            emit_json(
                {
                    "experiment": refs[-1].experiment,
                    "runs": [r.run_id for r in refs],
                    "metric": metric,
                    "decision": written(decision),
                    "rows": [r.to_dict() for r in rows],
                }
            )
        elif as_csv:
            sys.stdout.write(leaderboard_csv(rows))
        else:
            title = (
                f"{refs[-1].experiment}: {len(refs)} runs" if len(refs) > 1 else refs[-1].study_name
            )
            console = out_console()
            table = leaderboard_table(rows, metric=metric, width=console.width)
            print_titled(console, title, table)
            if decision:
                from rich.markup import escape

                from automl.cli._model import decision_text

                console.print(f"Saved model's decision: {escape(decision_text(decision))}")


def leaderboard_csv(rows: list[LeaderboardRow]) -> str:
    """The rows as CSV text (params as JSON)."""
    import json

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        data = row.to_dict()
        data["params"] = json.dumps(data["params"], sort_keys=True)
        writer.writerow({k: data.get(k) for k in _CSV_FIELDS})
    return buffer.getvalue()


def leaderboard_table(rows: list[LeaderboardRow], *, metric: str, width: int = 200) -> Any:
    """The leaderboard rows as Rich renderables (print a title first with
    :func:`automl.cli._output.print_titled`).

    Under :data:`WIDE` columns the parameters (or the reason a trial was pruned or failed)
    do not fit beside the numbers: they follow the table, one line per trial, instead of
    being squeezed into a column a few characters wide.
    """
    from rich import box
    from rich.console import Group
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from automl.formatting import format_score, format_score_pair

    wide = width >= WIDE
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    several_runs = len({row.run_id for row in rows}) > 1
    if several_runs:
        table.add_column("run", no_wrap=True)
    for name, justify in [("rank", "right"), ("trial", "right"), ("family", "left"),
                          ("state", "left"), (f"{metric} (cv)", "right"), ("std", "right"),
                          ("fit s", "right"), ("ms/1k", "right")]:  # fmt: skip
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    if wide:
        table.add_column("params / reason", overflow="fold")
    details = []
    for row in rows:
        detail = row.reason or _params(row.params)
        state_style = {"complete": "green", "pruned": "yellow", "failed": "red"}.get(row.state, "")
        score, std = ("", "") if row.cv_mean is None else format_score_pair(row.cv_mean, row.cv_std)
        if row.holdout is not None:
            score += f" (holdout {format_score(row.holdout)})"
        table.add_row(
            *([row.run_id] if several_runs else []),
            str(row.rank or ""),
            "" if row.trial is None else str(row.trial),
            row.family,
            f"[{state_style}]{row.state}[/]" if state_style else row.state,
            score,
            std,
            _num(row.fit_seconds, 3),
            _num(row.predict_ms_per_1000, 3),
            *([escape(detail)] if wide else []),
        )
        if detail and not wide:
            name = row.family if row.trial is None else f"{row.family}#{row.trial}"
            details.append(
                Padding(Text(f"{name}: {detail}", overflow="fold"), (0, 0, 0, 2), expand=False)
            )
    return Group(table, *details) if details else table


#: The console width from which the parameters get a column of their own.
WIDE = 120


def _num(value: float | None, digits: int = 5) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def _params(params: dict[str, Any]) -> str:
    parts = []
    for key, value in params.items():
        parts.append(f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}")
    return " ".join(parts)
