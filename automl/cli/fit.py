"""``automl fit``: search pipelines with Optuna and cross-validation, save the best."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from automl.cli._options import DecisionOption, ExperimentNameOption, JsonOption, KeepNaOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    home_of,
    out_console,
    print_titled,
    quiet_libraries,
    stdout_to_stderr,
    storage_of,
    store_of,
)
from automl.config import DEFAULT_TIME_BUDGET, CalibrateOption, TaskOption

if TYPE_CHECKING:
    from automl.search.runner import FitResult, Progress

__all__ = ["fit_command"]


def fit_command(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Argument(metavar="DATA", help="Training data: CSV (any delimiter, .gz) or Parquet."),
    ],
    target: Annotated[
        str, typer.Option("--target", "-t", metavar="COL", help="The column to predict.")
    ],
    task: Annotated[
        TaskOption, typer.Option(metavar="TASK", help="auto, binary, multiclass or regression.")
    ] = "auto",
    metric: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="roc_auc, log_loss, accuracy, balanced_accuracy, f1 (classification); rmse, "
            "mae, r2 (regression). Default: roc_auc, log_loss or rmse by task.",
        ),
    ] = None,
    time_budget: Annotated[
        float | None,
        typer.Option(
            "--time-budget",
            metavar="SECONDS",
            help=f"Seconds for the whole fit. Default: {DEFAULT_TIME_BUDGET:g}, none with "
            "--n-trials alone.",
        ),
    ] = None,
    n_trials: Annotated[
        int | None, typer.Option("--n-trials", metavar="N", help="Stop after this many trials.")
    ] = None,
    cv: Annotated[
        int | None,
        typer.Option(
            "--cv", metavar="K", help="Cross-validation folds. Default: 5, or 3 above 10,000 rows."
        ),
    ] = None,
    models: Annotated[
        str | None,
        typer.Option(
            metavar="F1,F2,...",
            help="Comma-separated families, from: lightgbm, catboost, hist_gb, random_forest, "
            "extra_trees, linear, constant. Default: all.",
        ),
    ] = None,
    n_jobs: Annotated[
        int | None,
        typer.Option("--n-jobs", metavar="N", help="Worker processes. Default: all cores."),
    ] = None,
    experiment: ExperimentNameOption = "default",
    storage: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="Optuna storage URL. Default: $AUTOML_STORAGE_URL, else SQLite in the home.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(metavar="S", help="Random seed.")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the latest run.")] = False,
    ignore: Annotated[
        list[str] | None,
        typer.Option("--ignore", metavar="COL", help="A column not to use (repeatable)."),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(metavar="COL", help="Column whose groups must not be split across folds."),
    ] = None,
    time_column: Annotated[
        str | None, typer.Option("--time", metavar="COL", help="Column ordering rows in time.")
    ] = None,
    holdout: Annotated[
        float | None,
        typer.Option(
            metavar="F", help="Fraction of rows kept out of the search for an honest score."
        ),
    ] = None,
    pos_label: Annotated[
        str | None,
        typer.Option("--pos-label", metavar="LABEL", help="The positive class (binary)."),
    ] = None,
    keep_na: KeepNaOption = None,
    ensemble: Annotated[
        bool,
        typer.Option(
            "--ensemble/--no-ensemble",
            help="Allow the saved model to be an ensemble of the best trials.",
        ),
    ] = True,
    max_predict_ms: Annotated[
        float | None,
        typer.Option(
            "--max-predict-ms",
            metavar="MS",
            help="Keep the saved model's estimated time to predict 1,000 rows within MS "
            "milliseconds: smaller ensembles, or a faster trial within noise of the best. "
            "Default: no limit.",
        ),
    ] = None,
    weight: Annotated[
        str | None,
        typer.Option(
            "--weight",
            metavar="COL",
            help="Column of row weights (numbers >= 0): used by every fit, the CV scores, "
            "the threshold and the calibration; never a feature.",
        ),
    ] = None,
    decision: DecisionOption = None,
    calibrate: Annotated[
        CalibrateOption,
        typer.Option(
            metavar="HOW",
            help="Calibrate probabilities on the out-of-fold predictions: auto (keep sigmoid "
            "or isotonic if it lowers the cross-fitted log loss), isotonic, sigmoid, none.",
        ),
    ] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Search pipelines for DATA with cross-validation, refit the best and save the run."""
    with guarded(ctx):
        from automl.config import FitConfig, effective_time_budget, split_families
        from automl.errors import ExitCode
        from automl.search.runner import run_fit

        config = FitConfig(
            data=data,
            target=target,
            task=task,
            metric=metric,
            time_budget=effective_time_budget(time_budget, n_trials),
            n_trials=n_trials,
            cv=cv,
            models=split_families(models),
            n_jobs=n_jobs,
            experiment=experiment,
            storage=storage_of(ctx, storage),
            seed=seed,
            resume=resume,
            ignore=tuple(ignore or ()),
            group=group,
            time=time_column,
            holdout=holdout,
            pos_label=pos_label,
            ensemble=ensemble,
            max_predict_ms=max_predict_ms,
            keep_na=tuple(keep_na or ()),
            decision=decision,
            calibrate=calibrate,
            weight=weight,
        )
        quiet_libraries()
        reporter = _Reporter()
        with stdout_to_stderr(as_json):
            result = run_fit(config, home=home_of(ctx), progress=reporter)
        reporter.close()
        _render(ctx, result, as_json=as_json, storage=storage)
        if result.interrupted:
            raise typer.Exit(int(ExitCode.INTERRUPTED))


class _Reporter:
    """Live progress on stderr: a status line on a terminal, a log line every 10 s elsewhere."""

    def __init__(self) -> None:
        self.console = err_console()
        self.live: Any = None
        self.last_line = 0.0

    def __call__(self, progress: Progress) -> None:
        text = progress.status()
        if self.console.is_terminal:
            from rich.live import Live
            from rich.text import Text

            if self.live is None:
                self.live = Live(Text(text), console=self.console, refresh_per_second=4)
                self.live.start()
            self.live.update(Text(text))
        elif time.monotonic() - self.last_line >= 10.0:
            self.last_line = time.monotonic()
            self.console.print(text)

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()


def _render(ctx: typer.Context, result: FitResult, *, as_json: bool, storage: str | None) -> None:
    from automl.store.leaderboard import leaderboard
    from automl.store.runs import RunRef

    store = store_of(ctx, storage)
    ref = RunRef(result.experiment, result.run_id)
    rows = leaderboard(store, [ref])
    if as_json:
        emit_json(_document(result, rows))
        return
    _print(result, rows)


def _document(result: FitResult, rows: list[Any]) -> dict[str, Any]:
    """``fit --json``'s document."""
    return {
        "run_id": result.run_id,
        "experiment": result.experiment,
        "run_dir": str(result.run_dir),
        "status": "interrupted" if result.interrupted else "complete",
        "task": result.task,
        "metric": result.metric,
        "target": result.target,
        "best": {
            "trial": result.best_trial,
            "family": result.best_family,
            "cv_mean": result.cv_mean,
            "cv_std": result.cv_std,
            "holdout": result.holdout,
            "skipped_better_trials": result.skipped_better,
        },
        "model": result.model,
        "decision": result.decision,
        "trials": {
            "complete": result.counts.complete,
            "pruned": result.counts.pruned,
            "failed": result.counts.failed,
        },
        "seconds": round(result.seconds, 3),
        "notes": list(result.notes),
        "leaderboard": [r.to_dict() for r in rows],
    }


def _print(result: FitResult, rows: list[Any]) -> None:
    """``fit``'s report at the terminal: the top trials, the best trial, the saved model."""
    from rich.markup import escape

    from automl.cli._model import decision_text, saved_model_text, trial_score_text
    from automl.cli.leaderboard import leaderboard_table
    from automl.formatting import plural

    console = out_console()
    table = leaderboard_table(rows[:10], metric=result.metric, width=console.width)
    print_titled(console, "Top trials", table)
    top = next((r for r in rows if r.trial is not None and r.cv_mean is not None), None)
    c = result.counts
    summary = (
        f"{plural(c.complete, 'trial')} completed, {c.pruned} pruned, {c.failed} failed, "
        f"in {result.seconds:.1f} s."
    )
    if top is not None:
        score = trial_score_text(result.metric, top.cv_mean or 0.0, top.cv_std)
        summary = f"{top.family}#{top.trial}, {score} in CV. {summary}"
    console.print(f"[bold]Best trial:[/] {escape(summary)}")
    text = saved_model_text(result.model, result.metric, result.holdout)
    console.print(f"[bold]Saved model:[/] {escape(text)}")
    if result.decision:
        from automl.store.run_record import DecisionSection

        text = decision_text(DecisionSection.of(result.decision))
        console.print(f"[bold]Decision:[/] {escape(text)}")
    console.print(f"Saved run [bold]{result.run_id}[/] in {result.run_dir}")
    if result.interrupted:
        err_console().print("[yellow]Interrupted: the best model so far was saved.[/]")
    sys.stdout.flush()
