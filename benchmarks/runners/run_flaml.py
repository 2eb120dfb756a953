"""Peer ``flaml``: FLAML's AutoML with the same time budget, metric and seed as automl.

Runs in its own environment (``pip install 'flaml[automl]' pandas pyarrow``). Text columns are
passed as they are read, and FLAML encodes them itself; pandas 3 reads text as its ``str``
dtype, so those columns are handed over as ``object``, the text dtype FLAML's preprocessing was
written for. Only the target is dropped.
"""

from __future__ import annotations

import flaml
import numpy as np
import pandas as pd
from _common import Fitted, Job, main, predict_ms_per_1000, timed
from flaml import AutoML

_TASKS = {"binary": "classification", "multiclass": "classification", "regression": "regression"}


def _as_object(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_string_dtype(frame[column]) and frame[column].dtype != object:
            frame[column] = frame[column].astype(object)
    return frame


def fit_predict(job: Job) -> Fitted:
    x_train, x_test = _as_object(job.x_train), _as_object(job.test)
    automl = AutoML()
    _, fit_seconds = timed(
        lambda: automl.fit(
            X_train=x_train,
            y_train=job.y_train,
            task=_TASKS[job.task],
            metric=job.metric,
            time_budget=job.budget,
            seed=job.seed,
            n_jobs=-1,
            verbose=0,
            log_file_name="",
        )
    )
    info = {
        "model": automl.best_estimator,
        "config": automl.best_config,
        "fit_seconds": fit_seconds,
        "versions": {"flaml": flaml.__version__, "pandas": pd.__version__},
    }
    predict = automl.predict if job.task == "regression" else automl.predict_proba
    info["predict_ms_per_1000"] = predict_ms_per_1000(predict, x_test)
    if job.task == "regression":
        values, predict_seconds = timed(lambda: automl.predict(x_test))
        return Fitted(values=np.asarray(values), info={**info, "predict_seconds": predict_seconds})
    proba, predict_seconds = timed(lambda: automl.predict_proba(x_test))
    return Fitted(
        classes=list(automl.classes_),
        proba=proba,
        info={**info, "predict_seconds": predict_seconds},
    )


if __name__ == "__main__":
    main(fit_predict)
