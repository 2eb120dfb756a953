"""``automl experiments``, ``automl runs`` and ``automl show``: what the store holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from automl.cli._options import AliasOption, JsonOption
from automl.cli._output import emit_json, guarded, out_console, print_titled, store_of

__all__ = ["experiments_command", "runs_command", "show_command"]


def experiments_command(
    ctx: typer.Context,
    as_json: JsonOption = False,
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
        table = Table()
        for name in ("experiment", "runs", "latest run"):
            table.add_column(name)
        for row in rows:
            table.add_row(row["experiment"], str(row["runs"]), row["latest_run"])
        print_titled(out_console(), f"Experiments in {store.home}", table)


def runs_command(
    ctx: typer.Context,
    experiment: Annotated[
        str | None, typer.Option(metavar="NAME", help="Only this experiment (default: all).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List runs with their status, task, metric and score."""
    with guarded(ctx):
        from rich.table import Table

        from automl.formatting import format_score
        from automl.store.summary import list_runs

        store = store_of(ctx)
        if experiment is not None and not store.runs(experiment):
            store.latest_run(experiment)  # raises NotFoundError listing the known experiments
        rows = list_runs(store, experiment)
        if as_json:
            emit_json({"home": str(store.home), "runs": rows})
            return
        table = Table()
        for name in ("experiment", "run", "status", "task", "metric", "score", "model", "trials"):
            table.add_column(name)
        for row in rows:
            trials = ", ".join(f"{n} {state}" for state, n in sorted(row["trials"].items()))
            score = format_score(row["score"])
            model = (row["model"] or "") + (f", refit of {row['parent']}" if row["parent"] else "")
            table.add_row(row["experiment"], row["run_id"], row["status"], row["task"] or "",
                          row["metric"] or "", score, model, trials)  # fmt: skip
        print_titled(out_console(), f"Runs in {store.home}", table)


def show_command(
    ctx: typer.Context,
    run: Annotated[
        str | None, typer.Argument(metavar="RUN_ID", help="Run id (default: the latest run).")
    ] = None,
    experiment: Annotated[
        str, typer.Option(metavar="NAME", help="Experiment of the latest run.")
    ] = "default",
    alias: AliasOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a run: options, CV scores per fold, data fingerprint, versions, artifacts."""
    with guarded(ctx):
        from automl.store.summary import describe_run

        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, alias=alias)
        details = describe_run(store, ref)
        if as_json:
            emit_json(details)
        else:
            _render(details)


def _render(details: dict[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from automl.cli._model import decision_text, saved_model_text, trial_score_text
    from automl.formatting import decimals_for, format_score, plural

    console = out_console()
    console.print(f"[bold]Run {details['run_id']}[/] of experiment {details['experiment']!r}: "
                  f"{details['status']}  ({details['run_dir']})", soft_wrap=True)  # fmt: skip
    if details.get("command"):
        console.print(f"Command: {escape(' '.join(details['command']))}")
    data = details.get("data") or {}
    rows = data.get("n_rows")
    console.print(
        f"Task {details['task']}, metric {details['metric']}; data {data.get('name')} "
        f"(SHA-256 {str(data.get('sha256'))[:16]}..., "
        f"{'? rows' if rows is None else plural(int(rows), 'row')})"
    )
    metric = str(details.get("metric"))
    _render_parent(console, details, metric)
    model = details.get("model")
    best = details.get("best")
    if best:
        places = decimals_for(max(abs(best["cv_mean"]), abs(best["cv_std"])))
        folds = ", ".join(format_score(s, places) for s in best.get("fold_scores", []))
        label = "Refitted trial" if model and model.get("substitution") else "Best trial"
        console.print(f"{label} {best['family']}#{best['trial']}: "
                      f"{trial_score_text(metric, best['cv_mean'], best['cv_std'])} in CV; "
                      f"folds: {folds}")  # fmt: skip
    if model:
        holdout = (details.get("holdout") or {}).get("score")
        console.print(f"Saved model: {escape(saved_model_text(model, metric, holdout))}")
        if model.get("predict_ms_per_1000") is not None:
            console.print(f"Prediction time: {model['predict_ms_per_1000']:,.1f} ms per 1,000 "
                          "rows (measured after the refit).")  # fmt: skip
    if details.get("decision"):
        from automl.store.run_record import DecisionSection

        text = decision_text(DecisionSection.of(details["decision"]))
        console.print(f"Decision: {escape(text)}")
    trials = ", ".join(f"{n} {state}" for state, n in sorted(details["trials"].items()))
    console.print(f"Trials: {trials}")
    versions = details.get("versions") or {}
    if versions:
        console.print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    table = Table()
    for name in ("file", "bytes", "sha256"):
        table.add_column(name)
    for name, meta in details["artifacts"].items():
        size = "missing" if not meta["present"] else f"{meta['bytes']:,}"
        table.add_row(name, size, str(meta["sha256"])[:16] + "...")
    print_titled(console, "Artifacts", table)


def _render_parent(console: Any, details: dict[str, Any], metric: str) -> None:
    """For a run made by ``automl refit``: its parent, and its score on its own data."""
    parent = details.get("parent")
    if not parent:
        return
    from automl.formatting import format_score_pair

    console.print(f"Refit of run {parent['run_id']} (experiment {parent['experiment']!r}): its "
                  "pipeline fitted on this data without a search; the trial scores below are "
                  "the parent's.", markup=False)  # fmt: skip
    cv = (details.get("refit") or {}).get("cv")
    if cv:
        mean, std = format_score_pair(cv["mean"], cv["std"])
        console.print(f"Cross-validated on this data ({cv['n_folds']} folds): {metric} {mean} ± "
                      f"{std}", markup=False)  # fmt: skip
