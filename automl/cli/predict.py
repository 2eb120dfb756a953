"""``automl predict``: batch predictions from a run's model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from automl.cli._options import (
    AliasOption,
    DecisionOption,
    ExperimentOption,
    JsonOption,
    RunOption,
)
from automl.cli._output import emit_json, err_console, guarded
from automl.cli._rows import ExcelSafeOption, IdOption, OutputOption, run_on_rows

__all__ = ["predict_command"]


def predict_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Rows to predict: CSV or Parquet.")],
    output: OutputOption,
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
    ids: IdOption = None,
    excel_safe: ExcelSafeOption = False,
    decision: DecisionOption = None,
    on_invalid: Annotated[
        Literal["warn", "reject", "ignore"],
        typer.Option(
            "--on-invalid",
            help="Rows out of the training range, with unseen categories, unparsable values or "
            "an all-empty column: warn (predict all, report them), reject (write nothing, exit "
            "3 naming the rows) or ignore.",
        ),
    ] = "warn",
    as_json: JsonOption = False,
) -> None:
    """Write `prediction` (and `proba_<class>` columns for classification) for every row."""
    with guarded(ctx):
        from automl.monitor.predict import predict_checked

        checked: list[Any] = []

        def work(store: Any, ref: Any, destination: Path | None) -> Any:
            result, contract = predict_checked(
                store, ref, data, destination, on_invalid=on_invalid, id_columns=ids or (),
                excel_safe=excel_safe, decision=decision,
            )  # fmt: skip
            checked.append(contract)
            return result

        result = run_on_rows(ctx, work, output=output, as_json=as_json, what="predictions",
                             experiment=experiment, run=run, alias=alias)  # fmt: skip
        contract = checked[0] if checked else None
        if as_json:
            emit_json(
                {
                    "run_id": result.run_id,
                    "experiment": result.experiment,
                    "output": str(result.output),
                    "n_rows": result.n_rows,
                    "columns": result.columns,
                    "ignored_columns": result.ignored_columns,
                    "id_columns": result.id_columns,
                    "decision": result.decision,
                    "contract": None if contract is None else contract.to_dict(),
                }
            )
        else:
            from automl.formatting import plural

            _report_contract(contract)
            where = "stdout" if result.output is None else result.output
            err_console().print(
                f"Wrote {plural(result.n_rows, 'prediction')} from run {result.run_id} to {where}"
            )


def _report_contract(contract: Any) -> None:
    """The input contract's findings on stderr, one line each."""
    console = err_console()
    for issue in () if contract is None else contract.issues:
        console.print(f"[yellow]Warning:[/] {issue.text()}", soft_wrap=True, markup=True)
