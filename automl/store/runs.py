"""Where experiments and runs live: the Optuna storage (the one trial log) and run folders.

An experiment is a name; a run is one ``fit``, stored as the Optuna study
``<experiment>/<run_id>`` and the folder ``<home>/<experiment>/<run_id>/``.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError, NotFoundError
from automl.store.artifacts import load_saved_predictor, read_json
from automl.store.run_record import RunRecord
from automl.store.schema import RunPaths, pinned_model
from automl.store.storage import open_storage

if TYPE_CHECKING:
    import optuna

    from automl.models.predictor import Predictor

__all__ = ["RunRef", "Store", "new_run_id", "open_storage"]

logger = logging.getLogger(__name__)


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus four random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


@dataclass(frozen=True)
class RunRef:
    """One run: its experiment, id, and Optuna study name.

    Both names are checked when a reference is made (:func:`automl.config.is_valid_name`), so
    that a run folder is always one experiment folder and one run folder inside the home.

    Raises:
        DataError: A name that is not one plain folder name (``..``, ``/abs``, ``a/b``...).
    """

    experiment: str
    run_id: str

    def __post_init__(self) -> None:
        from automl.config import is_valid_name

        for what, name in (("experiment name", self.experiment), ("run id", self.run_id)):
            if not is_valid_name(name):
                raise DataError(
                    f"Run {self.experiment}/{self.run_id} has an invalid {what} {name!r}.",
                    hint="Experiment names and run ids are 1 to 64 letters, digits, '.', '_' or "
                    "'-', not only dots; a storage shared with other tools may hold studies "
                    "that are not automl runs.",
                )

    @property
    def study_name(self) -> str:
        """The Optuna study holding this run's trials."""
        return f"{self.experiment}/{self.run_id}"

    @classmethod
    def from_study_name(cls, name: str) -> RunRef | None:
        """Parse ``<experiment>/<run_id>``; ``None`` for studies that are not automl runs,
        among them names that would lead outside the home (``../x``, ``/abs/x``)."""
        from automl.config import is_valid_name

        experiment, sep, run_id = name.rpartition("/")
        if not (sep and is_valid_name(experiment) and is_valid_name(run_id)):
            return None
        return cls(experiment, run_id)


class Store:
    """Experiments and runs under one home folder.

    Args:
        home: The home folder (``--home``, ``$AUTOML_HOME`` or ``./automl-runs``).
        storage_url: An Optuna storage URL; default ``sqlite:///<home>/automl.db``.
        read_only: Open a SQLite storage read-only, creating nothing (the commands that only
            read: a home may be mounted read-only).
    """

    def __init__(
        self, home: Path, storage_url: str | None = None, *, read_only: bool = False
    ) -> None:
        self.home = Path(home)
        self.read_only = read_only
        self.storage_url = storage_url or f"sqlite:///{self.home.resolve() / 'automl.db'}"
        self._storage: optuna.storages.RDBStorage | None = None
        self._skipped: set[str] = set()
        self._locks: list[Any] = []

    # -- storage ---------------------------------------------------------------------------
    def storage(self) -> optuna.storages.RDBStorage:
        """The Optuna storage, created on first use (SQLite in WAL mode, with heartbeats)."""
        if self._storage is None:
            self._storage = open_storage(
                self.storage_url, create_folder=self.home, read_only=self.read_only
            )
        return self._storage

    def close(self) -> None:
        """Release the runs this store locked, and close its database connections (SQLite
        folds its write-ahead log back into ``automl.db`` when the last writer closes)."""
        for lock in self._locks:
            lock.release()
        self._locks.clear()
        if self._storage is not None:
            self._storage.engine.dispose()
            self._storage = None

    def lock_run(self, ref: RunRef) -> None:
        """Lock the run's folder for this process until :meth:`close` (see
        :mod:`automl.store.locks`).

        Raises:
            RunBusyError: Another process is fitting that run.
        """
        from automl.store.locks import RunLock

        lock = RunLock(self.run_dir(ref), ref.study_name)
        lock.acquire()
        self._locks.append(lock)

    def study_names(self) -> list[str]:
        """Names of every study in the storage."""
        import optuna

        return [s.study_name for s in optuna.get_all_study_summaries(self.storage(), False)]

    # -- runs ------------------------------------------------------------------------------
    def run_dir(self, ref: RunRef) -> Path:
        """The run's folder, ``<home>/<experiment>/<run_id>``.

        Raises:
            DataError: The folder would not be inside the home (a name read from a shared
                storage that is not one plain folder name).
        """
        path = self.home / ref.experiment / ref.run_id
        home = os.path.abspath(self.home)
        inside = os.path.dirname(os.path.dirname(os.path.abspath(path))) == home
        if not inside:
            raise DataError(
                f"Run {ref.experiment}/{ref.run_id} would be stored outside the home "
                f"{self.home} ({path}); refusing to use it.",
                hint="Experiment names and run ids are plain folder names; check the storage "
                "for studies written by something other than automl.",
            )
        return path

    def runs(self, experiment: str | None = None) -> list[RunRef]:
        """Runs known to the storage, oldest first, optionally of one experiment.

        Reading never creates anything: a home folder without a database (or with an empty
        one) has no runs.
        """
        from automl.store.sqlite import has_schema, read_only_connector, sqlite_path

        path = sqlite_path(self.storage_url)
        if path is not None and not path.is_file():
            return []
        if path is not None and self.read_only and not has_schema(read_only_connector(path)):
            return []
        found = []
        for name in self.study_names():
            ref = RunRef.from_study_name(name)
            if ref is None and "/" in name and name not in self._skipped:
                self._skipped.add(name)  # not plain folder names: they would leave the home
                logger.warning("Skipped study %r: not a valid automl run name.", name)
            elif ref is not None:
                found.append(ref)
        if experiment is not None:
            found = [r for r in found if r.experiment == experiment]
        return sorted(found, key=lambda r: r.run_id)

    def experiments(self) -> list[str]:
        """Experiment names, sorted."""
        return sorted({r.experiment for r in self.runs()})

    def latest_run(self, experiment: str) -> RunRef:
        """The newest run of an experiment.

        Raises:
            NotFoundError: The experiment has no run; the message lists known experiments.
        """
        runs = self.runs(experiment)
        if not runs:
            known = self.experiments()
            hint = (
                f"Known experiments: {', '.join(known)}."
                if known
                else f"No experiments in {self.home} yet: run `automl fit` first."
            )
            raise NotFoundError(f"Experiment {experiment!r} has no runs in {self.home}.", hint=hint)
        return runs[-1]

    def find_run(self, run_id: str) -> RunRef:
        """A run by id, in any experiment.

        Raises:
            NotFoundError: No such run; the message lists the latest runs.
        """
        runs = self.runs()
        for ref in runs:
            if ref.run_id == run_id:
                return ref
        shown = ", ".join(r.run_id for r in runs[-5:]) or "none"
        raise NotFoundError(
            f"Run {run_id!r} not found in {self.home}.", hint=f"Latest runs: {shown}."
        )

    def resolve(
        self,
        *,
        experiment: str | None,
        run_id: str | None,
        alias: str | None = None,
        with_model: bool = False,
    ) -> RunRef:
        """The run named by ``--run``, else by ``--alias`` of ``--experiment``, else the latest
        run of ``--experiment`` (default ``default``).

        Args:
            experiment: The experiment.
            run_id: A run id, which wins over ``experiment``.
            alias: An alias of ``experiment`` (:mod:`automl.store.aliases`).
            with_model: Skip runs that saved no model (a fit that failed or is still running).

        Raises:
            UsageError: Both ``run_id`` and ``alias``.
            NotFoundError: No such run or alias, or no run of the experiment (with a model).
        """
        from automl.config import DEFAULT_EXPERIMENT

        if run_id and alias:
            from automl.errors import UsageError

            raise UsageError("Give --run or --alias, not both.")
        if run_id:
            return self.find_run(run_id)
        name = experiment or DEFAULT_EXPERIMENT
        if alias:
            from automl.store.aliases import resolve_alias

            return resolve_alias(self, name, alias)
        latest = self.latest_run(name)
        if not with_model:
            return latest
        for ref in reversed(self.runs(name)):
            if self.has_record(ref):
                return ref
        raise NotFoundError(
            f"No run of experiment {name!r} has saved a model yet (latest: {latest.run_id}).",
            hint="Run `automl fit` to completion first.",
        )

    def run_record(self, ref: RunRef) -> RunRecord:
        """The run's ``run.json``, read.

        Raises:
            NotFoundError: The run has no ``run.json`` (it never finished its first model).
            DataError: It was written by a newer automl.
        """
        path = RunPaths(self.run_dir(ref)).run_json
        if not path.is_file():
            raise NotFoundError(
                f"Run {ref.study_name} has no saved model yet ({path} is missing).",
                hint="Wait for the fit to finish, or resume it with `automl fit ... --resume`.",
            )
        return RunRecord.from_dict(read_json(path), where=path)

    def record_artifact(self, ref: RunRef, path: Path, sha256: str) -> None:
        """List a file written into the run folder after ``fit`` (the drift reference that
        ``drift --rebuild-reference`` makes) among ``run.json``'s artifacts, with its SHA-256.

        Raises:
            NotFoundError: The run has no ``run.json``.
        """
        from automl.store.artifacts import write_json
        from automl.store.record import add_artifact

        self.run_record(ref)  # exists, and is not from a newer automl
        run_json = RunPaths(self.run_dir(ref)).run_json
        document = read_json(run_json)
        add_artifact(document, path, sha256)
        write_json(run_json, document)

    def has_record(self, ref: RunRef) -> bool:
        """Whether the run has saved its ``run.json`` (a model)."""
        return RunPaths(self.run_dir(ref)).run_json.is_file()

    def load_predictor(self, ref: RunRef) -> tuple[Predictor, RunRecord]:
        """The run's fitted model and its record, after checking the model's SHA-256, with
        the run's decision (calibration, threshold) attached when it saved one.

        Raises:
            NotFoundError: No model saved for that run.
            DataError: The model file's hash does not match ``run.json``.
        """
        record = self.run_record(ref)
        sha256 = record.model_sha256
        if not sha256:
            raise NotFoundError(f"Run {ref.study_name} has no model in its record.")
        self.check_pinned_model(ref, sha256)
        from automl.store.decision import decision_sha256, load_decision

        predictor = load_saved_predictor(RunPaths(self.run_dir(ref)).model, sha256)
        decision = load_decision(self.run_dir(ref), decision_sha256(record))
        if decision is not None:
            predictor = predictor.with_decision(decision)
        return predictor, record

    def check_pinned_model(self, ref: RunRef, recorded: str) -> None:
        """The model's SHA-256 in ``run.json`` must be the one ``fit`` stored in the study: a
        pickle replaced together with its hash in the run folder is refused.

        Raises:
            DataError: They differ.
        """
        storage = self.storage()
        study_id = storage.get_study_id_from_name(ref.study_name)
        pinned = pinned_model(storage.get_study_user_attrs(study_id))
        if pinned is not None and pinned != recorded:
            raise DataError(
                f"The model SHA-256 in {RunPaths(self.run_dir(ref)).run_json} ({recorded[:12]}...) "
                f"differs from the one fit recorded in the study {ref.study_name!r} "
                f"({str(pinned)[:12]}...); refusing to load the model.",
                hint="The run folder was modified after training: a run folder must be "
                "trusted like code. Re-run `automl fit`.",
            )
