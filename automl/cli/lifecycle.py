"""``automl promote``, ``automl rollback`` and ``automl aliases``: named versions of a model,
with their history, in the experiment storage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from automl.cli._options import JsonOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    out_console,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)
from automl.cli.compare import DataOption, MetricOption, comparison_lines

if TYPE_CHECKING:
    from automl.store.aliases import AliasEvent

__all__ = ["aliases_command", "promote_command", "rollback_command"]

AliasNameOption = Annotated[
    str, typer.Option("--alias", metavar="NAME", help="The alias (production, staging...).")
]


def promote_command(
    ctx: typer.Context,
    run: Annotated[
        str, typer.Argument(metavar="RUN_ID", help="The run to promote (or an alias of it).")
    ],
    alias: AliasNameOption,
    experiment: Annotated[
        str | None,
        typer.Option(metavar="NAME", help="The run's experiment (default: the run's own)."),
    ] = None,
    if_better: Annotated[
        bool,
        typer.Option(
            "--if-better",
            help="Compare with the alias's holder on --data first; promote only if the run is "
            "better (exit 6 and no change otherwise).",
        ),
    ] = False,
    data: DataOption = None,
    metric: MetricOption = None,
    as_json: JsonOption = False,
) -> None:
    """Point an alias of the run's experiment at the run (its model's hash checked first);
    the alias's history keeps who held it before, when and through which command."""
    with guarded(ctx):
        from automl.errors import CheckFailedError, NotFoundError, UsageError
        from automl.store.aliases import check_alias_name, holder, promote_run, resolve_run_or_alias

        check_alias_name(alias)
        if if_better and data is None:
            raise UsageError("--if-better needs --data TEST.csv: labelled rows to compare on.")
        if data is not None and not if_better:
            raise UsageError("--data is only used with --if-better.")
        quiet_libraries()
        store = store_of(ctx, writable=True)
        try:
            ref = resolve_run_or_alias(store, run, experiment)
            if experiment is not None and ref.experiment != experiment:
                raise NotFoundError(
                    f"Run {ref.run_id} belongs to experiment {ref.experiment!r}, not "
                    f"{experiment!r}: an alias names a run of its own experiment.",
                    hint=f"Use --experiment {ref.experiment}, or promote a run of {experiment!r}.",
                )
            current = holder(store, ref.experiment, alias)
            comparison = None
            if if_better and current is not None:
                comparison = _compare(store, ref, current.run_id, alias, data, metric, as_json)
            if comparison is not None and comparison.verdict != "better":
                _report(None, ref, alias, current, comparison, as_json)
                raise CheckFailedError(
                    f"Run {ref.run_id} is {comparison.verdict} against {alias}'s holder "
                    f"{current.run_id if current else '-'}: alias {alias!r} unchanged.",
                    hint=f"Ahead in {comparison.challenger_ahead:.1%} of the resamples; "
                    "'better' needs 95%.",
                )
            summary = None if comparison is None else _comparison_summary(comparison)
            event = promote_run(store, ref, alias, comparison=summary)
            _report(event, ref, alias, current, comparison, as_json)
        finally:
            store.close()


def _compare(store: Any, ref: Any, champion_id: str, alias: str, data: Any,
             metric: str | None, as_json: bool) -> Any:  # fmt: skip
    from automl.store.compare import compare_runs
    from automl.store.runs import RunRef

    with stdout_to_stderr(as_json):
        result = compare_runs(store, ref, RunRef(ref.experiment, champion_id), data, metric=metric)
    if not as_json:
        for line in comparison_lines(result, ref.run_id, alias):
            out_console().print(line, markup=False)
    return result


def _comparison_summary(result: Any) -> dict[str, Any]:
    """What the alias's history keeps of the comparison that allowed a promotion."""
    keep = ("champion", "data", "metric", "n_rows", "challenger_score", "champion_score",
            "difference", "low", "high", "challenger_ahead", "verdict")  # fmt: skip
    document = result.to_dict()
    return {key: document[key] for key in keep}


def _report(event: AliasEvent | None, ref: Any, alias: str, current: Any, comparison: Any,
            as_json: bool) -> None:  # fmt: skip
    previous = None if current is None else current.run_id
    if as_json:
        emit_json({
            "experiment": ref.experiment,
            "alias": alias,
            "run_id": ref.run_id if event is not None or previous == ref.run_id else previous,
            "candidate_run_id": ref.run_id,
            "previous_run_id": previous,
            "changed": event is not None,
            "event": None if event is None else event.to_dict(),
            "comparison": None if comparison is None else comparison.to_dict(),
        })  # fmt: skip
        return
    console = err_console()
    if event is None and comparison is None:
        console.print(f"Alias {alias!r} of experiment {ref.experiment!r} already points at run "
                      f"{ref.run_id}: nothing changed.")  # fmt: skip
    elif event is not None:
        was = f" (was {previous})" if previous else " (new alias)"
        out_console().print(f"Alias {alias!r} of experiment {ref.experiment!r} -> run "
                            f"{ref.run_id}{was}.", markup=False)  # fmt: skip


def rollback_command(
    ctx: typer.Context,
    alias: AliasNameOption,
    experiment: Annotated[str, typer.Option(metavar="NAME", help="The alias's experiment.")] = (
        "default"
    ),
    as_json: JsonOption = False,
) -> None:
    """Point an alias back at the run it pointed at before its current holder."""
    with guarded(ctx):
        from automl.store.aliases import rollback_alias

        store = store_of(ctx, writable=True)
        try:
            event = rollback_alias(store, experiment, alias)
        finally:
            store.close()
        if as_json:
            emit_json(event.to_dict())
            return
        out_console().print(f"Alias {alias!r} of experiment {experiment!r} -> run "
                            f"{event.run_id} (rolled back from {event.previous_run_id}).",
                            markup=False)  # fmt: skip


def aliases_command(
    ctx: typer.Context,
    experiment: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only this experiment (default: all).")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Every change of each alias, oldest first.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Who holds each alias, since when, set by which command (with --history: every change)."""
    with guarded(ctx):
        from automl.store.aliases import alias_history, current_aliases

        store = store_of(ctx)
        states = current_aliases(store, experiment)
        events = alias_history(store, experiment) if history else []
        if as_json:
            document: dict[str, Any] = {"experiment": experiment,
                                        "aliases": [s.to_dict() for s in states]}  # fmt: skip
            if history:
                document["history"] = [e.to_dict() for e in events]
            emit_json(document)
            return
        where = f"experiment {experiment!r}" if experiment else str(store.home)
        if not states:
            out_console().print(f"No aliases in {where} yet. Set one with: automl promote RUN_ID "
                                "--alias production", markup=False)  # fmt: skip
            return
        for line in _alias_lines(states, events, history=history):
            out_console().print(line, markup=False, soft_wrap=True)


def _alias_lines(states: list[Any], events: list[Any], *, history: bool) -> list[str]:
    """One line per alias (its holder, since when, set by which action), or with ``history``
    a heading per alias and one line per change, oldest first."""
    if not history:
        width = max(len(f"{s.experiment}/{s.alias}") for s in states)
        return [f"{s.experiment}/{s.alias}".ljust(width) + f"  {s.run_id}  since {s.since}  "
                f"({s.action}, change {s.seq})" for s in states]  # fmt: skip
    lines: list[str] = []
    for state in states:
        lines.append(f"{state.experiment}/{state.alias}: now {state.run_id}")
        for e in (e for e in events if (e.experiment, e.alias) == (state.experiment, state.alias)):
            was = f" (was {e.previous_run_id})" if e.previous_run_id else ""
            verdict = f", compared: {e.comparison['verdict']}" if e.comparison else ""
            lines.append(f"  #{e.seq}  {e.at}  {e.action:<8}  {e.run_id}{was}  by {e.by}"
                         f"{verdict}")  # fmt: skip
            lines.append(f"       {e.command}")
    return lines
