"""The run's schema: what a run keeps where, written and read only through this module.

A run lives in two places (see docs/architecture.md, "The run schema"):

- the **study** in the Optuna storage: the run's settings as the study's user attributes
  (:class:`StudySettings`, written once by ``fit``, read by every worker, the refit process,
  ``--resume``, ``runs`` and ``show``), and per trial its result as the trial's user
  attributes (:class:`TrialResult`, written by the objective in the workers, read by the
  refit, ensembling and the leaderboard);
- the **run folder** ``<home>/<experiment>/<run_id>/`` (:class:`RunPaths`): ``run.json``
  (:mod:`automl.store.record`), the model, the profile, the input schema, the sample rows,
  the leaderboard, the refit's result, out-of-fold predictions and logs.

``schema_version`` 1 is what automl 0.1.0 wrote; the readers accept it, and a study written
before ``schema_version`` was stored reads as version 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

__all__ = [
    "DECISION_FILE",
    "LEADERBOARD_FILE",
    "MODEL_FILE",
    "PROFILE_FILE",
    "REFERENCE_FILE",
    "REFIT_FILE",
    "RUN_FILE",
    "SAMPLE_FILE",
    "SCHEMA_FILE",
    "SCHEMA_VERSION",
    "RunPaths",
    "StudySettings",
    "TrialResult",
    "oof_file",
    "pin_model",
    "pinned_model",
    "record_configuration",
    "record_duplicate",
    "record_error",
    "record_family",
    "record_pruned",
    "record_scores",
    "record_worker",
    "set_search_window",
    "store_error",
    "worker_log",
]

#: The version of the run's schema this automl writes (0.1.0 wrote 1 too).
SCHEMA_VERSION = 1


RUN_FILE = "run.json"
MODEL_FILE = "model.joblib"
PROFILE_FILE = "profile.json"
SCHEMA_FILE = "schema.json"
SAMPLE_FILE = "sample.json"
LEADERBOARD_FILE = "leaderboard.json"
REFIT_FILE = "refit.json"
DECISION_FILE = "decision.json"
REFERENCE_FILE = "reference.json"


@dataclass(frozen=True)
class RunPaths:
    """Every file of a run folder (``root``), named once."""

    root: Path

    @property
    def run_json(self) -> Path:
        """``run.json``: the run record (:mod:`automl.store.record`)."""
        return self.root / RUN_FILE

    @property
    def model(self) -> Path:
        """``model.joblib``: the fitted :class:`~automl.models.predictor.Predictor`."""
        return self.root / MODEL_FILE

    @property
    def profile(self) -> Path:
        """``profile.json``: the data's profile."""
        return self.root / PROFILE_FILE

    @property
    def schema(self) -> Path:
        """``schema.json``: the columns ``predict`` and the service expect."""
        return self.root / SCHEMA_FILE

    @property
    def sample(self) -> Path:
        """``sample.json``: the first 25 rows as read (features only), for golden tests."""
        return self.root / SAMPLE_FILE

    @property
    def leaderboard(self) -> Path:
        """``leaderboard.json``: the leaderboard at the end of the fit."""
        return self.root / LEADERBOARD_FILE

    @property
    def refit(self) -> Path:
        """``refit.json``: what the refit process did (:func:`automl.search.refit.run_refit`)."""
        return self.root / REFIT_FILE

    @property
    def decision(self) -> Path:
        """``decision.json``: calibration and threshold (:mod:`automl.store.decision`)."""
        return self.root / DECISION_FILE

    @property
    def reference(self) -> Path:
        """``reference.json``: the drift reference (:mod:`automl.monitor.reference`)."""
        return self.root / REFERENCE_FILE

    @property
    def oof_dir(self) -> Path:
        """``oof/``: each trial's out-of-fold predictions."""
        return self.root / "oof"

    def oof(self, number: int) -> Path:
        """Trial ``number``'s out-of-fold predictions (``oof/trial_<n>.npy``)."""
        return oof_file(self.oof_dir, number)

    @property
    def logs_dir(self) -> Path:
        """``logs/``: the workers' and the refit's output."""
        return self.root / "logs"

    def worker_log(self, index: int) -> Path:
        """Local worker ``index``'s output."""
        return worker_log(self.logs_dir, index)

    @property
    def refit_log(self) -> Path:
        """The refit process's output."""
        return self.logs_dir / "refit.log"


def oof_file(oof_dir: Path, number: int) -> Path:
    """Trial ``number``'s out-of-fold predictions in ``oof_dir``."""
    return oof_dir / f"trial_{number:05d}.npy"


def worker_log(logs_dir: Path, index: int) -> Path:
    """Local worker ``index``'s output in ``logs_dir``."""
    return logs_dir / f"worker-{index}.log"


@dataclass(frozen=True)
class StudySettings:
    """The run's settings, stored as the study's user attributes by ``fit`` before any worker
    starts: everything a worker, the refit process or ``--resume`` needs.

    Attributes:
        config: The fit options (:meth:`automl.config.FitConfig.to_dict`, password redacted).
        data_spec: How the training data is derived (``automl.search.dataset.DataSpec``).
        profile: The data's profile (``Profile.to_dict()``).
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The metric's name.
        labels: The class labels in model order (empty for regression).
        positive_class: The positive class (binary), else ``None``.
        data_sha256: The data file's SHA-256.
        data_name: The data file's name.
        families: The families searched.
        n_trials: ``--n-trials``, or ``None``.
        search_end_epoch: When the search ends (``time.time()``), or ``None``.
        run_dir: The run folder, absolute.
        model_sha256: The saved model's SHA-256, once the model is saved (checked against
            ``run.json``'s at load).
        schema_version: :data:`SCHEMA_VERSION` (absent, so 1, in studies of 0.1.0).
    """

    config: dict[str, Any]
    data_spec: dict[str, Any]
    profile: dict[str, Any]
    task: str
    metric: str
    labels: list[Any]
    positive_class: Any
    data_sha256: str
    data_name: str
    families: list[str]
    n_trials: int | None
    search_end_epoch: float | None
    run_dir: str
    model_sha256: str | None = None
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_attrs(cls, attrs: dict[str, Any]) -> StudySettings:
        """Read the settings from a study's user attributes (those of 0.1.0 too); missing
        ones (a study whose creation was cut short) read as empty."""
        empty: dict[str, Any] = {"config": {}, "data_spec": {}, "profile": {}, "labels": [],
                                 "families": [], "task": "", "metric": "", "data_sha256": "",
                                 "data_name": "", "run_dir": ""}  # fmt: skip
        values: dict[str, Any] = {f.name: attrs.get(f.name, empty.get(f.name)) for f in fields(cls)}
        values["schema_version"] = int(attrs.get("schema_version") or 1)
        return cls(**values)

    @classmethod
    def read(cls, study: optuna.Study) -> StudySettings:
        """The settings of ``study``."""
        return cls.from_attrs(study.user_attrs)

    def write(self, study: optuna.Study) -> None:
        """Store every setting on ``study`` (the model's SHA-256 only once known)."""
        for key, value in asdict(self).items():
            if key != "model_sha256" or value is not None:
                study.set_user_attr(key, value)

    @property
    def seed(self) -> int:
        """The run's seed."""
        return int(self.config.get("seed") or 0)


def set_search_window(study: optuna.Study, *, search_end_epoch: float | None,
                      n_trials: int | None) -> None:  # fmt: skip
    """``--resume``: the resumed search's end and trial count."""
    study.set_user_attr("search_end_epoch", search_end_epoch)
    study.set_user_attr("n_trials", n_trials)


def pin_model(study: optuna.Study, sha256: str) -> None:
    """Record the saved model's SHA-256 in the study (``run.json``'s must match it)."""
    study.set_user_attr("model_sha256", sha256)


def pinned_model(attrs: dict[str, Any]) -> str | None:
    """The model SHA-256 recorded in a study's user attributes, if any."""
    value = attrs.get("model_sha256")
    return None if value is None else str(value)


@dataclass(frozen=True)
class TrialResult:
    """What a trial recorded in its user attributes (written by the objective)."""

    number: int
    family: str | None
    worker: str | None
    configuration: str | None
    cv_mean: float | None
    cv_std: float | None
    fold_scores: list[float]
    fit_seconds: float | None
    predict_ms_per_1000: float | None
    n_iterations: int | None
    error: str | None
    pruned_reason: str | None
    duplicate_of: int | None

    @classmethod
    def of(cls, trial: FrozenTrial | optuna.Trial) -> TrialResult:
        """Read ``trial``'s attributes."""
        attrs = trial.user_attrs
        return cls(
            number=trial.number,
            family=_str(attrs.get("family")),
            worker=_str(attrs.get("worker")),
            configuration=_str(attrs.get("configuration")),
            cv_mean=_float(attrs.get("cv_mean")),
            cv_std=_float(attrs.get("cv_std")),
            fold_scores=[float(s) for s in attrs.get("fold_scores") or []],
            fit_seconds=_float(attrs.get("fit_seconds")),
            predict_ms_per_1000=_float(attrs.get("predict_ms_per_1000")),
            n_iterations=attrs.get("n_iterations"),
            error=_str(attrs.get("error")),
            pruned_reason=_str(attrs.get("pruned_reason")),
            duplicate_of=attrs.get("duplicate_of"),
        )

    @property
    def label(self) -> str:
        """``family#number``, as ensembles and notes name a trial."""
        return f"{self.family or '?'}#{self.number}"


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):  # not written by automl
        return None


def record_worker(trial: optuna.Trial, worker: str) -> None:
    """The worker running ``trial`` (``host:pid``)."""
    trial.set_user_attr("worker", worker)


def record_family(trial: optuna.Trial, family: str) -> None:
    """The family ``trial`` drew."""
    trial.set_user_attr("family", family)


def record_configuration(trial: optuna.Trial, configuration: str) -> None:
    """The effective configuration (JSON) of ``trial``: equal ones train the same model."""
    trial.set_user_attr("configuration", configuration)


def record_scores(trial: optuna.Trial, *, mean: float, std: float, fold_scores: list[float],
                  fit_seconds: float, predict_ms_per_1000: float,
                  n_iterations: int | None) -> None:  # fmt: skip
    """A finished trial's cross-validation result."""
    trial.set_user_attr("cv_mean", mean)
    trial.set_user_attr("cv_std", std)
    trial.set_user_attr("fold_scores", fold_scores)
    trial.set_user_attr("fit_seconds", round(fit_seconds, 3))
    trial.set_user_attr("predict_ms_per_1000", round(predict_ms_per_1000, 2))
    if n_iterations is not None:
        trial.set_user_attr("n_iterations", n_iterations)


def record_error(trial: optuna.Trial, reason: str) -> None:
    """Why ``trial`` failed."""
    trial.set_user_attr("error", reason[:500])


def store_error(storage: optuna.storages.BaseStorage, trial_id: int, reason: str) -> None:
    """Why a trial of another process failed, written through the storage directly."""
    storage.set_trial_user_attr(trial_id, "error", reason)


def record_pruned(trial: optuna.Trial, reason: str) -> None:
    """Why ``trial`` was pruned."""
    trial.set_user_attr("pruned_reason", reason)


def record_duplicate(trial: optuna.Trial, twin: int) -> None:
    """``trial`` trains the same model as trial ``twin``: pruned as its duplicate."""
    trial.set_user_attr("duplicate_of", twin)
    trial.set_user_attr("pruned_reason", f"duplicate of trial {twin}")


#: A study attribute of a run made by ``automl refit``: the parent's study name; and a trial
#: attribute of its copied trials: ``<parent study>#<trial>``.
REFIT_OF = "refit_of"


def record_parent(study: optuna.Study, parent_study: str) -> None:
    """``study`` is a refit of the run ``parent_study``."""
    study.set_user_attr(REFIT_OF, parent_study)


def copied_trial_attrs(trial: FrozenTrial, *, parent_study: str,
                       n_iterations: int | None = None) -> dict[str, Any]:  # fmt: skip
    """A trial's user attributes as a refit run's copy keeps them: its results, the trial it
    copies, and (a forest trimmed by ``--max-predict-ms``) the tree count the refit used."""
    attrs = dict(trial.user_attrs)
    attrs[REFIT_OF] = f"{parent_study}#{trial.number}"
    if n_iterations is not None:
        attrs["n_iterations"] = n_iterations
    return attrs
