"""``automl drift``: does a file still look like the run's training data? A CI gate (exit 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from automl.cli._options import AliasOption, ExperimentOption, JsonOption, RunOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    out_console,
    print_titled,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

__all__ = ["drift_command"]

_ORDER = ("none", "warn", "drift")
_STYLE = {"none": "green", "warn": "yellow", "drift": "bold red"}


def drift_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="New rows: CSV or Parquet.")],
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="OUT.html", help="Also write an offline HTML page."),
    ] = None,
    fail_on: Annotated[
        Literal["warn", "drift"] | None,
        typer.Option(
            "--fail-on",
            help="Exit 6 when the verdict is at least this (warn: warn or drift).",
            show_default=False,
        ),
    ] = None,
    rebuild: Annotated[
        Path | None,
        typer.Option(
            "--rebuild-reference",
            metavar="TRAIN.csv",
            help="First (re)build the run's reference from its training file (checked by "
            "SHA-256): for runs saved before automl kept one.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Compare DATA with the run's training data: per column PSI, tests, missing rates,
    unseen values; prediction drift; a domain classifier. Verdict: none, warn or drift."""
    with guarded(ctx):
        from automl.errors import CheckFailedError
        from automl.monitor import drift_file

        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, alias=alias, with_model=True)
        with stdout_to_stderr(as_json):
            if rebuild is not None:
                from automl.search.reference import rebuild_reference

                rebuilt = rebuild_reference(store, ref, rebuild)
                err_console().print(f"Wrote the drift reference {rebuilt.path}")
            report = drift_file(store, ref, data)
            if html is not None:
                from automl.monitor.page import write_drift_page

                write_drift_page(report, html)
        if as_json:
            emit_json({**report.document, "html": None if html is None else str(html)})
        else:
            _render(report.document)
            if html is not None:
                err_console().print(f"Wrote {html}")
        if fail_on is not None and _ORDER.index(report.verdict) >= _ORDER.index(fail_on):
            reasons = "; ".join(r["text"] for r in report.reasons[:3])
            raise CheckFailedError(
                f"Drift verdict {report.verdict!r} meets --fail-on {fail_on}: {reasons}.",
                hint="Look at the columns above; retrain on recent data if the change is real.",
            )


def _render(document: dict[str, Any]) -> None:
    from rich.table import Table

    console = out_console()
    table = Table(show_edge=False, pad_edge=False)
    for name, justify in (("column", "left"), ("weight", "right"), ("severity", "left"),
                          ("PSI", "right"), ("test", "left"), ("q", "right"),
                          ("missing", "right"), ("outside", "right")):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for c in document["columns"]:
        outside = c["out_of_range"] if c["out_of_range"] is not None else c["unseen"]
        table.add_row(
            c["name"], f"{c['weight']:.2f}",
            f"[{_STYLE[c['severity']]}]{c['severity']}[/]", _num(c["psi"], 3), c["test"] or "-",
            _num(c["q_value"], 3, small=True),
            f"{_pct(c['missing_rate_reference'])} -> {_pct(c['missing_rate'])}",
            _pct(outside),
        )  # fmt: skip
    title = (f"Drift of {document['data']} ({document['n_rows']:,} rows) against run "
             f"{document['run_id']} ({document['reference_rows']:,} training rows; weights: "
             f"{document['weights_source']})")  # fmt: skip
    print_titled(console, title, table)
    prediction = document["prediction"]
    if prediction is not None:
        console.print(f"Predictions ({prediction['kind']}): PSI {_num(prediction['psi'], 3)}, "
                      f"[{_STYLE[prediction['severity']]}]{prediction['severity']}[/]")  # fmt: skip
    domain = document["domain_classifier"]
    if domain is not None:
        console.print(f"Domain classifier: AUC {domain['auc']:.3f} on {domain['n_rows']:,} rows "
                      f"per side, [{_STYLE[domain['severity']]}]{domain['severity']}[/]"
                      f" (separating: {', '.join(domain['top_columns'][:3]) or '-'})")  # fmt: skip
    verdict = document["verdict"]
    console.print(f"Verdict: [{_STYLE[verdict]}]{verdict}[/]")
    for reason in document["reasons"]:
        console.print(f"  - {reason['severity']}: {reason['text']}", soft_wrap=True)


def _num(value: float | None, digits: int, *, small: bool = False) -> str:
    if value is None:
        return "-"
    if small and value < 10 ** (-digits):
        return f"{value:.0e}"
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"
