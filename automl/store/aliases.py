"""Aliases: names such as ``production`` that point at one run of an experiment, with their
history (who held each alias, since when, set by which command).

Aliases live in the experiment storage itself (the SQLite file or the PostgreSQL database of
the runs), in one table of their own beside Optuna's (:mod:`automl.store.alias_events`). The
holder of an alias is the run of its latest change; concurrent changes all land, in order.

A rollback restores the holder that the current one replaced: promote A, promote B,
rollback gives A again, and one more rollback finds nothing before A.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from automl.errors import NotFoundError, UsageError
from automl.store.alias_events import AliasEvent, alias_history, record_event

if TYPE_CHECKING:
    from automl.store.runs import RunRef, Store

__all__ = [
    "AliasEvent",
    "AliasState",
    "alias_history",
    "alias_version",
    "check_alias_name",
    "current_aliases",
    "holder",
    "promote_run",
    "resolve_alias",
    "resolve_run_or_alias",
    "rollback_alias",
    "verify_model",
]


@dataclass(frozen=True)
class AliasState:
    """An alias as it is now: its holder and the event that made it so."""

    experiment: str
    alias: str
    run_id: str
    since: str
    action: str
    command: str
    seq: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return {
            "experiment": self.experiment,
            "alias": self.alias,
            "run_id": self.run_id,
            "since": self.since,
            "set_by": self.action,
            "command": self.command,
            "events": self.seq,
        }


def check_alias_name(alias: str) -> str:
    """``alias`` if it is a valid alias name.

    Raises:
        UsageError: It is not 1 to 64 letters, digits, ``.``, ``_`` or ``-``.
    """
    from automl.config import is_valid_name

    if not is_valid_name(alias) or alias[0] in ".-":
        raise UsageError(
            f"Invalid alias {alias!r}.",
            hint="An alias is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter, "
            "a digit or '_' (for example production or staging).",
        )
    return alias


def current_aliases(store: Store, experiment: str | None = None) -> list[AliasState]:
    """Every alias of the experiment (of all if ``None``) with its holder now, sorted."""
    latest: dict[tuple[str, str], AliasEvent] = {}
    for event in alias_history(store, experiment):
        latest[(event.experiment, event.alias)] = event  # events come oldest first
    return [
        AliasState(e.experiment, e.alias, e.run_id, e.at, e.action, e.command, e.seq)
        for _, e in sorted(latest.items())
    ]


def holder(store: Store, experiment: str, alias: str) -> AliasState | None:
    """The alias's state now, or ``None`` if it was never set."""
    found = [s for s in current_aliases(store, experiment) if s.alias == alias]
    return found[0] if found else None


def resolve_alias(store: Store, experiment: str, alias: str) -> RunRef:
    """The run an alias points at: what ``--alias`` means in every command, and what the
    Python API's ``automl.load(alias=...)`` calls.

    Args:
        store: Where the runs live.
        experiment: The experiment the alias belongs to.
        alias: The alias.

    Returns:
        The run.

    Raises:
        NotFoundError: The experiment has no such alias (the message lists its aliases, and
            the experiments that have one of that name), or its run is gone.
    """
    from automl.store.runs import RunRef

    state = holder(store, experiment, alias)
    if state is None:
        raise _unknown_alias(store, experiment, alias)
    ref = RunRef(experiment, state.run_id)
    if ref not in store.runs(experiment):
        raise NotFoundError(
            f"Alias {alias!r} of experiment {experiment!r} points at run {state.run_id}, "
            "which is no longer in the storage.",
            hint=f"Promote another run: automl promote RUN_ID --alias {alias} "
            f"--experiment {experiment}.",
        )
    return ref


def alias_version(store: Store, experiment: str, alias: str) -> tuple[RunRef, dict[str, Any]]:
    """The run an alias points at, and what a service records of it: the alias, the time
    of its latest change (``promoted_at``), the change's action and number.

    Raises:
        NotFoundError: As :func:`resolve_alias`.
    """
    ref = resolve_alias(store, experiment, alias)
    state = holder(store, experiment, alias)
    if state is None or state.run_id != ref.run_id:  # changed in between: read it again
        return alias_version(store, experiment, alias)
    return ref, {"name": alias, "experiment": experiment, "run_id": ref.run_id,
                 "promoted_at": state.since, "set_by": state.action,
                 "change": state.seq}  # fmt: skip


def _unknown_alias(store: Store, experiment: str, alias: str) -> NotFoundError:
    states = current_aliases(store)
    here = [s.alias for s in states if s.experiment == experiment]
    elsewhere = sorted({s.experiment for s in states if s.alias == alias} - {experiment})
    known = (
        f"Aliases of {experiment!r}: {', '.join(here)}."
        if here
        else f"Experiment {experiment!r} has no aliases yet."
    )
    if elsewhere:
        known += (
            f" Alias {alias!r} belongs to experiment {', '.join(map(repr, elsewhere))}: add "
            f"--experiment {elsewhere[0]}."
        )
    else:
        known += f" Set one with: automl promote RUN_ID --alias {alias}."
    return NotFoundError(f"No alias {alias!r} in experiment {experiment!r}.", hint=known)


def promote_run(store: Store, ref: RunRef, alias: str, *,
                comparison: dict[str, Any] | None = None,
                command: list[str] | None = None) -> AliasEvent | None:  # fmt: skip
    """Point ``alias`` of the run's experiment at the run, recording the event.

    The run's model is checked first: its file's SHA-256 must match ``run.json`` and the
    study.

    Returns:
        The event, or ``None`` when the run already held the alias (nothing recorded).

    Raises:
        NotFoundError: The run saved no model.
        DataError: Its model fails its hash check.
    """
    check_alias_name(alias)
    verify_model(store, ref)

    def change(current: AliasEvent | None, events: list[AliasEvent]) -> dict[str, Any] | None:
        if current is not None and current.run_id == ref.run_id:
            return None
        return {"run_id": ref.run_id, "action": "promote", "restores": None,
                "replaced": None if current is None else current.seq,
                "comparison": comparison}  # fmt: skip

    return record_event(store, ref.experiment, alias, change, command=command)


def rollback_alias(store: Store, experiment: str, alias: str, *,
                   command: list[str] | None = None) -> AliasEvent:  # fmt: skip
    """Point ``alias`` back at the holder its current holder replaced.

    Returns:
        The event.

    Raises:
        NotFoundError: No such alias (listing the known ones), or nothing to roll back to
            (the alias has had one holder only).
    """
    check_alias_name(alias)

    def change(current: AliasEvent | None, events: list[AliasEvent]) -> dict[str, Any] | None:
        if current is None:
            raise _unknown_alias(store, experiment, alias)
        by_seq = {e.seq: e for e in events}
        base = current
        while base.action == "rollback" and base.restores in by_seq:
            base = by_seq[base.restores]  # the promotion whose holder is current
        if base.replaced is None:
            raise NotFoundError(
                f"Alias {alias!r} of experiment {experiment!r} has no earlier holder to roll "
                f"back to (it holds run {current.run_id}, its first).",
                hint=f"See its history with: automl aliases --experiment {experiment} --history.",
            )
        target = by_seq[base.replaced]
        return {"run_id": target.run_id, "action": "rollback", "restores": target.seq,
                "replaced": None, "comparison": None}  # fmt: skip

    event = record_event(store, experiment, alias, change, command=command)
    assert event is not None  # a rollback always changes something
    return event


def verify_model(store: Store, ref: RunRef) -> None:
    """Check the run's model against its recorded SHA-256 (``run.json`` and the study)
    without unpickling it.

    Raises:
        NotFoundError: The run saved no model.
        DataError: The hashes differ.
    """
    from automl.store.artifacts import read_verified
    from automl.store.schema import RunPaths

    paths = RunPaths(store.run_dir(ref))
    sha = store.run_record(ref).model_sha256
    if sha is None:
        raise NotFoundError(f"Run {ref.study_name} has no model in its record.")
    store.check_pinned_model(ref, sha)
    read_verified(paths.model, sha)


def resolve_run_or_alias(store: Store, name: str, experiment: str | None) -> RunRef:
    """A run named by its id, else by an alias of ``experiment`` (default ``default``):
    what ``compare`` and ``promote`` accept as a model.

    Raises:
        NotFoundError: Neither a run nor an alias of that name (the message lists the
            experiment's aliases and the latest runs).
    """
    from automl.config import DEFAULT_EXPERIMENT

    for ref in store.runs():
        if ref.run_id == name:
            return ref
    where = experiment or DEFAULT_EXPERIMENT
    try:
        return resolve_alias(store, where, name)
    except NotFoundError as error:
        latest = ", ".join(r.run_id for r in store.runs()[-5:]) or "none"
        raise NotFoundError(
            f"{name!r} is neither a run id nor an alias of experiment {where!r}.",
            hint=f"{error.hint} Latest runs: {latest}.",
        ) from None
