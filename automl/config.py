"""Options shared by the commands, as frozen records with their defaults and validation."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from automl.errors import UsageError

__all__ = [
    "DEFAULT_EXPERIMENT",
    "HOME_ENV",
    "STORAGE_ENV",
    "FitConfig",
    "effective_time_budget",
    "is_valid_name",
    "redact_url",
    "resolve_home",
    "resolve_storage",
    "split_families",
]

#: Experiment names and run ids: one path component inside the home, never ``.`` or ``..``.
_NAME = re.compile(r"(?!\.+$)[A-Za-z0-9._-]{1,64}")

#: The environment variable that says where experiments live.
HOME_ENV = "AUTOML_HOME"
#: The environment variable that holds the storage URL (kept out of ``ps`` and shell history).
STORAGE_ENV = "AUTOML_STORAGE_URL"
#: The experiment used when none is named.
DEFAULT_EXPERIMENT = "default"
#: ``--time-budget`` when neither it nor ``--n-trials`` is given (seconds).
DEFAULT_TIME_BUDGET = 120.0


def resolve_home(home: str | Path | None = None) -> Path:
    """Return the folder where experiments live.

    Args:
        home: The ``--home`` option, if given.

    Returns:
        ``home`` if given, else ``$AUTOML_HOME`` if set, else ``./automl-runs``.
    """
    if home is not None and str(home):
        return Path(home)
    from_env = os.environ.get(HOME_ENV)
    if from_env:
        return Path(from_env)
    return Path.cwd() / "automl-runs"


def effective_time_budget(time_budget: float | None, n_trials: int | None) -> float | None:
    """``fit``'s time budget: ``time_budget`` if given, else none with ``n_trials`` alone,
    else :data:`DEFAULT_TIME_BUDGET`."""
    if time_budget is not None:
        return time_budget
    return None if n_trials else DEFAULT_TIME_BUDGET


def split_families(models: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``--models``: family names from ``"a,b"`` or a sequence; ``None`` (all) when empty."""
    if models is None:
        return None
    names = models.split(",") if isinstance(models, str) else list(models)
    found = tuple(str(m).strip() for m in names if str(m).strip())
    return found or None


def resolve_storage(storage: str | None = None) -> str | None:
    """Return the Optuna storage URL of the runs.

    Args:
        storage: The ``--storage`` option, if given.

    Returns:
        ``storage`` if given, else ``$AUTOML_STORAGE_URL`` if set, else ``None`` (the SQLite
        file in the home folder).
    """
    if storage:
        return storage
    return os.environ.get(STORAGE_ENV) or None


def is_valid_name(name: str) -> bool:
    """Whether ``name`` may be an experiment name or a run id: 1 to 64 letters, digits, ``.``,
    ``_`` or ``-``, and not only dots (so that it is one folder inside the home)."""
    return bool(_NAME.fullmatch(name))


TaskOption = Literal["auto", "binary", "multiclass", "regression"]
CalibrateOption = Literal["auto", "isotonic", "sigmoid", "none"]


@dataclass(frozen=True)
class FitConfig:
    """The options of one ``automl fit``.

    Attributes:
        data: The training data file.
        target: The column to predict.
        task: ``auto`` infers it from the target.
        metric: The metric to optimise; ``None`` picks the task's default.
        time_budget: Seconds for the whole fit, final refit included; ``None`` with
            ``n_trials`` means no time limit.
        n_trials: Stop after this many trials.
        cv: Folds of cross-validation; ``None`` picks 5, or 3 above 10,000 rows. Always
            lowered to the smallest class's row count.
        models: Families to search; ``None`` for all.
        n_jobs: Worker processes; ``None`` for all cores.
        experiment: The experiment's name.
        storage: An Optuna storage URL; ``None`` for the SQLite file in the home folder.
        seed: Random seed.
        resume: Continue the latest run of the experiment.
        ignore: Columns not to use.
        group: Column whose values must not be split across folds.
        time: Column that orders rows in time (folds train on the past).
        holdout: Fraction of rows kept out of the search to score the chosen model honestly.
        pos_label: The positive class for binary metrics.
        ensemble: Whether the saved model may be an ensemble of the best trials.
        keep_na: Columns whose missing markers (``NA``, ``None``...) are a category of their
            own rather than missing.
        max_predict_ms: A limit on the saved model's time to predict 1,000 rows, in
            milliseconds: ensembles are only grown within it, and a slower best trial may give
            way to a faster one within noise of it. ``None`` (the default) or 0: no limit.
        decision: How a binary model turns its probability into a class
            (:func:`automl.store.threshold.parse_rule`); ``None``: the run's metric if it
            scores labels, else the fixed threshold 0.5.
        calibrate: ``auto`` (keep the better of sigmoid and isotonic if it lowers the
            cross-fitted out-of-fold log loss), ``sigmoid``, ``isotonic`` or ``none``.
        weight: A column of non-negative row weights, used by every fit, the scores, the
            threshold and the calibrator; never a feature.
    """

    data: Path
    target: str
    task: TaskOption = "auto"
    metric: str | None = None
    time_budget: float | None = DEFAULT_TIME_BUDGET
    n_trials: int | None = None
    cv: int | None = None
    models: tuple[str, ...] | None = None
    n_jobs: int | None = None
    experiment: str = DEFAULT_EXPERIMENT
    storage: str | None = None
    seed: int = 0
    resume: bool = False
    ignore: tuple[str, ...] = ()
    group: str | None = None
    time: str | None = None
    holdout: float | None = None
    pos_label: str | None = None
    ensemble: bool = True
    max_predict_ms: float | None = None
    keep_na: tuple[str, ...] = ()
    decision: str | None = None
    calibrate: CalibrateOption = "auto"
    weight: str | None = None

    def __post_init__(self) -> None:
        if self.decision is not None:
            from automl.store.threshold import parse_rule

            object.__setattr__(self, "decision", parse_rule(self.decision).text)
        if self.calibrate not in ("auto", "isotonic", "sigmoid", "none"):
            raise UsageError(
                f"--calibrate must be auto, isotonic, sigmoid or none, got {self.calibrate!r}."
            )
        if self.time_budget is not None and self.time_budget <= 0:
            raise UsageError(
                f"--time-budget must be positive, got {self.time_budget!r}.",
                hint="Give seconds, for example --time-budget 60.",
            )
        if self.n_trials is not None and self.n_trials < 1:
            raise UsageError(f"--n-trials must be at least 1, got {self.n_trials!r}.")
        if self.cv is not None and self.cv < 2:
            raise UsageError(f"--cv must be at least 2, got {self.cv!r}.")
        if self.n_jobs is not None and self.n_jobs < 1:
            raise UsageError(f"--n-jobs must be at least 1, got {self.n_jobs!r}.")
        if self.holdout is not None and not 0.0 < self.holdout < 0.9:
            raise UsageError(
                f"--holdout must be a fraction between 0 and 0.9, got {self.holdout!r}.",
                hint="For example --holdout 0.2 keeps 20% of rows out of the search.",
            )
        if self.max_predict_ms is not None and self.max_predict_ms < 0:
            raise UsageError(
                f"--max-predict-ms must be 0 (no limit) or positive, got {self.max_predict_ms!r}."
            )
        if self.group and self.time:
            raise UsageError("--group and --time cannot be used together.")
        if not is_valid_name(self.experiment):
            raise UsageError(
                f"Experiment name {self.experiment!r} is not allowed.",
                hint="Use letters, digits, '.', '_' and '-' (at most 64 characters, not only "
                "dots).",
            )

    @property
    def effective_n_jobs(self) -> int:
        """Worker processes to start."""
        return self.n_jobs or max(1, os.cpu_count() or 1)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible options."""
        data = asdict(self)
        data["data"] = str(self.data)
        data["models"] = list(self.models) if self.models else None
        data["ignore"] = list(self.ignore)
        data["keep_na"] = list(self.keep_na)
        if self.storage:
            data["storage"] = redact_url(self.storage)
        return data

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> FitConfig:
        """The options :meth:`to_dict` stored (options it does not know are left out).

        Raises:
            UsageError: A stored option is out of its range.
        """
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in stored.items() if k in known}
        values["data"] = Path(str(values.get("data", "")))
        values["models"] = tuple(values["models"]) if values.get("models") else None
        values["ignore"] = tuple(values.get("ignore") or ())
        values["keep_na"] = tuple(values.get("keep_na") or ())
        return cls(**values)

    def resumed(self, previous: FitConfig, *, metric: str) -> FitConfig:
        """These options (``fit --resume``) with the data options of the run they resume:
        task, metric, folds, families, seed, columns, holdout and positive class."""
        kept = {name: getattr(previous, name) for name in _RUN_DATA_OPTIONS}
        return replace(self, metric=metric, **kept)


#: The options that decide a run's data and search, kept from the run by ``fit --resume``.
_RUN_DATA_OPTIONS = ("task", "cv", "models", "seed", "ignore", "group", "time", "holdout",
                     "pos_label", "keep_na", "weight")  # fmt: skip

#: Query parameters whose values are secrets (``?password=``, ``sslpassword``, tokens...).
_SECRET_KEY = re.compile(r"pass|pwd|secret|token|credential|auth", re.IGNORECASE)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (for records,
    messages and logs).

    A URL is parsed with SQLAlchemy and rendered with its password hidden; query parameters
    that hold secrets (``?password=...``) are masked too. A URL SQLAlchemy cannot parse
    faithfully (an unencoded ``@`` or ``/`` in the password) keeps only its scheme, its host
    part after the last ``@`` and the names of its query parameters.
    """
    return _URL_IN_TEXT.sub(lambda match: _redact_one(match.group(0)), text)


def _redact_one(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # SQLAlchemy raises ArgumentError, ValueError... for a malformed URL
        return _redact_conservatively(url)
    if "@" in (parsed.host or "") or "@" in (parsed.database or ""):
        return _redact_conservatively(url)  # an unencoded '@' in the password
    query = {
        key: "***" if _SECRET_KEY.search(key) else value for key, value in parsed.query.items()
    }
    rendered: str = parsed.set(query=query).render_as_string(hide_password=True)
    return rendered.replace("%2A%2A%2A", "***")


def _redact_conservatively(url: str) -> str:
    scheme, _, rest = url.partition("://")
    location, question, query = rest.partition("?")
    if "@" in query:  # the password may run into the query: keep nothing after the scheme
        return f"{scheme}://***"
    if "@" in location:
        location = "***@" + location.rpartition("@")[2]
    if question:
        names = [part.partition("=")[0] for part in query.split("&")]
        query = "&".join(f"{name}=***" for name in names)
    return f"{scheme}://{location}{question}{query}"


def url_is_ambiguous(url: str) -> bool:
    """Whether SQLAlchemy cannot parse ``url`` faithfully (an unencoded ``@``, ``:`` or ``/``
    in the user name or password): such a URL cannot work, and messages about it must not
    quote the parser's error, which may hold part of the password."""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:
        return True
    return "@" in (parsed.host or "") or "@" in (parsed.database or "")
