"""Peer ``lightgbm_default``: LightGBM with default parameters, in automl's own environment.

Every column that is not numeric (or boolean) becomes a pandas ``category``, with the test
columns given the training categories; nothing is tuned and nothing is dropped.
"""

from __future__ import annotations

import lightgbm
import pandas as pd
from _common import Fitted, Job, main, predict_ms_per_1000, timed


def _categorical(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = train.copy(), test.copy()
    for column in train.columns:
        series = train[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        train[column] = series.astype("category")
        test[column] = pd.Categorical(test[column], categories=train[column].cat.categories)
    return train, test


def fit_predict(job: Job) -> Fitted:
    x_train, x_test = _categorical(job.x_train, job.test)
    common = {"random_state": job.seed, "verbosity": -1}
    if job.task == "regression":
        model = lightgbm.LGBMRegressor(**common)
    else:
        model = lightgbm.LGBMClassifier(**common)
    _, fit_seconds = timed(lambda: model.fit(x_train, job.y_train))
    info = {
        "model": "LGBMRegressor" if job.task == "regression" else "LGBMClassifier",
        "fit_seconds": fit_seconds,
        "versions": {"lightgbm": lightgbm.__version__, "pandas": pd.__version__},
    }
    predict = model.predict if job.task == "regression" else model.predict_proba
    info["predict_ms_per_1000"] = predict_ms_per_1000(predict, x_test)
    if job.task == "regression":
        values, predict_seconds = timed(lambda: model.predict(x_test))
        return Fitted(values=values, info={**info, "predict_seconds": predict_seconds})
    proba, predict_seconds = timed(lambda: model.predict_proba(x_test))
    return Fitted(
        classes=list(model.classes_),
        proba=proba,
        info={**info, "predict_seconds": predict_seconds},
    )


if __name__ == "__main__":
    main(fit_predict)
