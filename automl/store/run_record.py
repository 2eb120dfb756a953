"""``run.json`` as read back: :class:`RunRecord`, the one reader of the run record.

Every later command (``show``, ``runs``, ``leaderboard``, ``predict``, ``evaluate``,
``explain``, ``scaffold-serve``, ``report``, ``export``) reads the record through
:meth:`RunRecord.from_dict` (:meth:`automl.store.runs.Store.run_record` loads the file) and
uses attributes, never the document's keys. The records of automl 0.1.0
(``schema_version`` 1) read too; the writer is :func:`automl.store.record.build_run_record`.
Each section keeps the dictionary as written (``written``), which ``show --json`` echoes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from automl.errors import DataError
from automl.store.schema import MODEL_FILE, SCHEMA_VERSION

__all__ = [
    "Artifact",
    "BestSection",
    "CvSection",
    "DataSection",
    "DecisionSection",
    "HoldoutSection",
    "ModelSection",
    "ParentSection",
    "RefitSection",
    "RunRecord",
    "Timings",
    "TrialTotals",
    "written",
]


@dataclass(frozen=True)
class Artifact:
    """A file of the run folder as the record lists it."""

    sha256: str | None
    bytes: int | None = None

    @classmethod
    def from_dict(cls, meta: dict[str, Any]) -> Artifact:
        """Read one entry of ``artifacts``."""
        sha256 = meta.get("sha256")
        return cls(sha256=None if sha256 is None else str(sha256), bytes=meta.get("bytes"))


@dataclass(frozen=True, kw_only=True)
class _Section:
    """A section of ``run.json``; ``written`` is its dictionary as written."""

    written: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class DataSection(_Section):
    """``data``: the training file and its rows."""

    path: str | None = None
    name: str | None = None
    sha256: str | None = None
    n_rows: int | None = None
    n_search_rows: int | None = None
    n_holdout_rows: int | None = None
    n_features: int | None = None


@dataclass(frozen=True)
class CvSection(_Section):
    """``cv``: the cross-validation."""

    folds: int | None = None


@dataclass(frozen=True)
class BestSection(_Section):
    """``best``: the trial chosen for refitting."""

    trial: int | None = None
    family: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    n_iterations: int | None = None
    cv_mean: float | None = None
    cv_std: float | None = None
    fold_scores: list[float] = field(default_factory=list)
    skipped_better_trials: int | None = None


@dataclass(frozen=True)
class HoldoutSection(_Section):
    """``holdout``: the saved model's score on the held-out rows."""

    trial: int | None = None
    score: float | None = None
    n_rows: int | None = None
    model: str | None = None  # "ensemble" for an ensemble's score


@dataclass(frozen=True)
class TrialTotals(_Section):
    """``trials``: how many trials completed, were pruned, failed."""

    complete: int = 0
    pruned: int = 0
    failed: int = 0


@dataclass(frozen=True)
class Timings(_Section):
    """``timings``: when the run started and how long it took."""

    started: str | None = None
    seconds: float | None = None
    refit_seconds: float | None = None


@dataclass(frozen=True)
class ModelSection(_Section):
    """``model``: the saved model (one trial, or an ensemble)."""

    kind: str | None = None
    members: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    cv_mean: float | None = None
    score_kind: str | None = None
    predict_ms_per_1000: float | None = None
    best_single_cv_mean: float | None = None
    substitution: dict[str, Any] | None = None  # absent in 0.1.0

    @classmethod
    def of(cls, model: dict[str, Any]) -> ModelSection:
        """Read a ``model`` section (as :func:`automl.store.record.model_record` builds it)."""
        found = _section(cls, model)
        assert found is not None  # a dictionary always reads
        return found


@dataclass(frozen=True)
class DecisionSection(_Section):
    """``decision``: how the saved model decides, the summary of ``decision.json``
    (:meth:`automl.store.decision.Decision.summary`); absent in runs saved before decisions
    existed and in regression runs."""

    rule: str | None = None
    threshold: float | None = None
    measure: str | None = None
    at_threshold: float | None = None
    at_default: float | None = None
    reached: bool = True
    calibrated: bool = False
    calibration: dict[str, Any] = field(default_factory=dict)
    weighted: bool = False

    @classmethod
    def of(cls, summary: dict[str, Any]) -> DecisionSection:
        """Read a ``decision`` section (as ``Decision.summary()`` builds it)."""
        found = _section(cls, summary)
        assert found is not None  # a dictionary always reads
        return found


@dataclass(frozen=True)
class ParentSection(_Section):
    """``parent``: for a run made by ``automl refit``, the run whose pipeline it refitted."""

    run_id: str | None = None
    experiment: str | None = None
    study_name: str | None = None
    model_sha256: str | None = None


@dataclass(frozen=True)
class RefitSection(_Section):
    """``refit``: for a run made by ``automl refit``, its cross-validated score on its own
    data (``--cv``: metric, mean, std, fold scores, folds) and the parent's refit seconds."""

    cv: dict[str, Any] | None = None
    parent_refit_seconds: float | None = None


SectionT = TypeVar("SectionT", bound=_Section)

#: The typed sections, by the field of :class:`RunRecord` that holds them (the keys test
#: reads their fields).
SECTIONS: dict[str, type[_Section]] = {
    "data": DataSection,
    "cv": CvSection,
    "best": BestSection,
    "holdout": HoldoutSection,
    "trials": TrialTotals,
    "timings": Timings,
    "model": ModelSection,
    "decision": DecisionSection,
    "parent": ParentSection,
    "refit": RefitSection,
}


def _section(kind: type[SectionT], value: object) -> SectionT | None:
    """A section read from its dictionary (a key it lacks reads as the field's default);
    ``None`` when the record has no such section."""
    if not isinstance(value, dict):
        return None
    from dataclasses import fields

    names = {f.name for f in fields(kind)} - {"written"}
    return kind(**{k: v for k, v in value.items() if k in names and v is not None}, written=value)


def written(section: _Section | None) -> dict[str, Any] | None:
    """The section as ``run.json`` holds it (``None`` when absent), for ``show --json``."""
    return None if section is None else dict(section.written)


@dataclass(frozen=True)
class RunRecord:
    """``run.json`` as read back (records of 0.1.0 included); every key is an attribute.

    ``model`` and ``extra_leaderboard_rows`` are added by ``fit`` after
    :func:`automl.store.record.build_run_record`.
    """

    schema_version: int
    run_id: str
    experiment: str
    status: str
    study_name: str | None = None
    command: list[str] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    task: str | None = None
    metric: str | None = None
    direction: str | None = None
    target: str | None = None
    labels: list[Any] = field(default_factory=list)
    positive_class: Any = None
    class_balance: dict[str, int] = field(default_factory=dict)
    data: DataSection | None = None
    cv: CvSection | None = None
    best: BestSection | None = None
    holdout: HoldoutSection | None = None
    trials: TrialTotals | None = None
    timings: Timings | None = None
    versions: dict[str, str] = field(default_factory=dict)
    platform: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    model: ModelSection | None = None
    parent: ParentSection | None = None
    refit: RefitSection | None = None
    extra_leaderboard_rows: list[dict[str, Any]] = field(default_factory=list)
    decision: DecisionSection | None = None

    @classmethod
    def from_dict(cls, record: dict[str, Any], *, where: Path | None = None) -> RunRecord:
        """Read a ``run.json`` document.

        Raises:
            DataError: It was written by a newer automl (a higher ``schema_version``).
        """
        version = int(record.get("schema_version") or 1)
        if version > SCHEMA_VERSION:
            raise DataError(
                f"{where or 'run.json'} has schema_version {version}; this automl reads "
                f"up to {SCHEMA_VERSION}.",
                hint="Upgrade automl to read runs written by a newer version.",
            )
        seed = record.get("seed")
        return cls(
            schema_version=version,
            run_id=str(record.get("run_id", "")),
            experiment=str(record.get("experiment", "")),
            status=str(record.get("status", "running or failed")),
            study_name=record.get("study_name"),
            command=record.get("command"),
            options=dict(record.get("options") or {}),
            seed=None if seed is None else int(seed),
            task=record.get("task"),
            metric=record.get("metric"),
            direction=record.get("direction"),
            target=record.get("target"),
            labels=list(record.get("labels") or []),
            positive_class=record.get("positive_class"),
            class_balance=dict(record.get("class_balance") or {}),
            versions=dict(record.get("versions") or {}),
            platform=dict(record.get("platform") or {}),
            artifacts={
                name: Artifact.from_dict(meta)
                for name, meta in (record.get("artifacts") or {}).items()
            },
            notes=list(record.get("notes") or []),
            extra_leaderboard_rows=list(record.get("extra_leaderboard_rows") or []),
            data=_section(DataSection, record.get("data")),
            cv=_section(CvSection, record.get("cv")),
            best=_section(BestSection, record.get("best")),
            holdout=_section(HoldoutSection, record.get("holdout")),
            trials=_section(TrialTotals, record.get("trials")),
            timings=_section(Timings, record.get("timings")),
            model=_section(ModelSection, record.get("model")),
            decision=_section(DecisionSection, record.get("decision")),
            parent=_section(ParentSection, record.get("parent")),
            refit=_section(RefitSection, record.get("refit")),
        )

    @property
    def model_sha256(self) -> str | None:
        """The saved model's SHA-256, if a model was saved."""
        found = self.artifacts.get(MODEL_FILE)
        return None if found is None else found.sha256

    @property
    def model_kind(self) -> str | None:
        """``single`` or ``ensemble`` (``None`` without a model)."""
        return None if self.model is None else self.model.kind

    @property
    def score(self) -> float | None:
        """The saved model's search score (CV mean, or out-of-fold for an ensemble)."""
        value = None if self.model is None else self.model.cv_mean
        return None if value is None else float(value)

    @property
    def search_score(self) -> float | None:
        """The saved model's score as written, or the best trial's in a record without it."""
        if self.model is not None and self.model.cv_mean is not None:
            return self.model.cv_mean
        return None if self.best is None else self.best.cv_mean

    @property
    def score_kind(self) -> str:
        """``cv`` or ``oof`` (``cv`` in a record without it)."""
        return (self.model.score_kind if self.model is not None else None) or "cv"

    @property
    def predict_ms_per_1000(self) -> float | None:
        """The saved model's prediction time for 1,000 rows, if measured."""
        return None if self.model is None else self.model.predict_ms_per_1000

    @property
    def automl_version(self) -> str | None:
        """The automl that trained the model."""
        return self.versions.get("automl")
