"""``automl experiments``, ``automl runs`` and ``automl show``: what the store holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from automl.cli._output import emit_json, guarded, out_console, store_of

__all__ = ["experiments_command", "runs_command", "show_command"]


def experiments_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """List experiments with their number of runs."""
    with guarded(ctx):
        from rich.table import Table

        from automl.store.summary import list_experiments

        store = store_of(ctx)
        rows = list_experiments(store)
        if as_json:
            emit_json({"home": str(store.home), "experiments": rows})
            return
        if not rows:
            out_console().print(f"No experiments in {store.home} yet.")
            return
        table = Table(title=f"Experiments in {store.home}", title_justify="left")
        for name in ("experiment", "runs", "latest run"):
            table.add_column(name)
        for row in rows:
            table.add_row(row["experiment"], str(row["runs"]), row["latest_run"])
        out_console().print(table)


def runs_command(
    ctx: typer.Context,
    experiment: Annotated[
        str | None, typer.Option(help="Only this experiment (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """List runs with their status, task, metric and score."""
    with guarded(ctx):
        from rich.table import Table

        from automl.store.summary import list_runs

        store = store_of(ctx)
        if experiment is not None and not store.runs(experiment):
            store.latest_run(experiment)  # raises NotFoundError listing the known experiments
        rows = list_runs(store, experiment)
        if as_json:
            emit_json({"home": str(store.home), "runs": rows})
            return
        table = Table(title=f"Runs in {store.home}", title_justify="left")
        for name in ("experiment", "run", "status", "task", "metric", "score", "model", "trials"):
            table.add_column(name)
        for row in rows:
            trials = ", ".join(f"{n} {state}" for state, n in sorted(row["trials"].items()))
            score = "" if row["score"] is None else f"{row['score']:.5g}"
            table.add_row(row["experiment"], row["run_id"], row["status"], row["task"] or "",
                          row["metric"] or "", score, row["model"] or "", trials)  # fmt: skip
        out_console().print(table)


def show_command(
    ctx: typer.Context,
    run: Annotated[str | None, typer.Argument(help="Run id (default: the latest run).")] = None,
    experiment: Annotated[str, typer.Option(help="Experiment of the latest run.")] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Show a run: options, CV scores per fold, data fingerprint, versions, artifacts."""
    with guarded(ctx):
        from automl.store.summary import describe_run

        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run)
        details = describe_run(store, ref)
        if as_json:
            emit_json(details)
        else:
            _render(details)


def _render(details: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    console = out_console()
    console.print(f"[bold]Run {details['run_id']}[/] of experiment {details['experiment']!r}: "
                  f"{details['status']}  ({details['run_dir']})")  # fmt: skip
    if details.get("command"):
        console.print(f"Command: {escape(' '.join(details['command']))}")
    data = details.get("data") or {}
    console.print(
        f"Task {details['task']}, metric {details['metric']}; data {data.get('name')} "
        f"(SHA-256 {str(data.get('sha256'))[:16]}..., {data.get('n_rows', '?')} rows)"
    )
    best = details.get("best")
    if best:
        folds = ", ".join(f"{s:.5g}" for s in best.get("fold_scores", []))
        console.print(
            f"Best trial {best['trial']} ({best['family']}): CV mean {best['cv_mean']:.5g} "
            f"± {best['cv_std']:.3g}; folds: {folds}"
        )
    model = details.get("model")
    if model:
        members = ", ".join(f"{m} ({w:.2f})" for m, w in zip(model["members"], model["weights"],
                                                              strict=True))  # fmt: skip
        what = f"an ensemble of {members}" if model["kind"] == "ensemble" else model["members"][0]
        console.print(f"Saved model: {what}; {model['score_kind']} score {model['cv_mean']:.5g}")
    trials = ", ".join(f"{n} {state}" for state, n in sorted(details["trials"].items()))
    console.print(f"Trials: {trials}")
    versions = details.get("versions") or {}
    if versions:
        console.print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    table = Table(title="Artifacts", title_justify="left")
    for name in ("file", "bytes", "sha256"):
        table.add_column(name)
    for name, meta in details["artifacts"].items():
        size = "missing" if not meta["present"] else f"{meta['bytes']:,}"
        table.add_row(name, size, str(meta["sha256"])[:16] + "...")
    console.print(table)
