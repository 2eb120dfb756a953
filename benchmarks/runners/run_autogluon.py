"""Peers ``autogluon_medium`` and ``autogluon_best``: AutoGluon's TabularPredictor.

Runs in its own environment (``pip install 'autogluon.tabular[lightgbm,catboost]'``) with
``--preset medium_quality`` or ``best_quality`` and ``time_limit`` set to the budget. AutoGluon
takes the training frame as read, target included, and fixes its models' seeds itself: the
benchmark's seed only changes the split. Without PyTorch (not in those extras) AutoGluon skips
its neural networks and says so on stderr. Its model folder (about 100 MB) is deleted once the
predictions are made.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
from _common import Fitted, Job, main, predict_ms_per_1000, timed
from autogluon.tabular import TabularPredictor
from autogluon.tabular import __version__ as autogluon_version

_METRICS = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}


def fit_predict(job: Job) -> Fitted:
    try:
        return _fit_predict(job)
    finally:
        shutil.rmtree(job.work / "autogluon", ignore_errors=True)


def _fit_predict(job: Job) -> Fitted:
    predictor = TabularPredictor(
        label=job.target,
        problem_type=job.task,
        eval_metric=_METRICS[job.metric],
        path=str(job.work / "autogluon"),
        verbosity=1,
    )
    _, fit_seconds = timed(
        lambda: predictor.fit(
            job.train, time_limit=job.budget, presets=job.preset or "medium_quality"
        )
    )
    info = {
        "model": predictor.model_best,
        "preset": job.preset,
        "fit_seconds": fit_seconds,
        "versions": {"autogluon.tabular": autogluon_version, "pandas": pd.__version__},
    }
    if job.task == "regression":
        info["predict_ms_per_1000"] = predict_ms_per_1000(predictor.predict, job.test)
    else:
        info["predict_ms_per_1000"] = predict_ms_per_1000(
            lambda rows: predictor.predict_proba(rows, as_multiclass=True), job.test
        )
    if job.task == "regression":
        values, predict_seconds = timed(lambda: predictor.predict(job.test))
        return Fitted(values=np.asarray(values), info={**info, "predict_seconds": predict_seconds})
    proba, predict_seconds = timed(lambda: predictor.predict_proba(job.test, as_multiclass=True))
    return Fitted(
        classes=list(proba.columns),
        proba=proba.to_numpy(),
        info={**info, "predict_seconds": predict_seconds},
    )


if __name__ == "__main__":
    main(fit_predict)
