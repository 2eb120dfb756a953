"""The table of alias changes, ``automl_alias_events``, in the runs' own database: reading
it and writing the next change safely (see :mod:`automl.store.aliases`).

Each row is one change of an alias. A row's ``seq`` counts the changes of its alias (1, 2,
3...) and is unique per experiment and alias, so two processes changing an alias at the same
moment cannot both write change ``n``: the one that loses the race reads the changes again
and decides again (:func:`record_event`); no change is lost, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import getpass
import json
import logging
import socket
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError

if TYPE_CHECKING:
    import sqlalchemy as sa

    from automl.store.runs import Store

__all__ = ["ALIAS_TABLE", "AliasEvent", "Change", "alias_history", "record_event"]

logger = logging.getLogger(__name__)

ALIAS_TABLE = "automl_alias_events"

#: How many times a write is tried when another process wrote the same alias at once.
_ATTEMPTS = 20


@dataclass(frozen=True)
class AliasEvent:
    """One change of an alias.

    Attributes:
        experiment: The experiment.
        alias: The alias.
        seq: The event's number among its alias's events (1 first).
        run_id: The run that holds the alias after this event.
        previous_run_id: The run that held it before (``None`` for the first).
        action: ``promote`` or ``rollback``.
        restores: For a rollback, the ``seq`` of the event whose holder it restored.
        replaced: For a promote, the ``seq`` of the event it replaced (``None`` if first).
        at: When (UTC, ISO 8601).
        by: ``user@host`` of the process that made the change.
        command: The command line that made it.
        comparison: For ``promote --if-better``, the comparison that allowed it.
    """

    experiment: str
    alias: str
    seq: int
    run_id: str
    previous_run_id: str | None
    action: str
    restores: int | None
    replaced: int | None
    at: str
    by: str
    command: str
    comparison: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return {
            "experiment": self.experiment,
            "alias": self.alias,
            "seq": self.seq,
            "run_id": self.run_id,
            "previous_run_id": self.previous_run_id,
            "action": self.action,
            "at": self.at,
            "by": self.by,
            "command": self.command,
            "comparison": self.comparison,
        }


#: Decides the next change from the current one and all so far; ``None``: nothing to write.
Change = Callable[[AliasEvent | None, list[AliasEvent]], dict[str, Any] | None]


def _table(metadata: sa.MetaData) -> sa.Table:
    import sqlalchemy as sa

    return sa.Table(
        ALIAS_TABLE,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("experiment", sa.String(64), nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("previous_run_id", sa.String(64), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("restores", sa.Integer, nullable=True),
        sa.Column("replaced", sa.Integer, nullable=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("command", sa.Text, nullable=False),
        sa.Column("comparison", sa.Text, nullable=True),
        sa.UniqueConstraint("experiment", "alias", "seq", name="uq_automl_alias_event"),
    )


def _bind(store: Store) -> tuple[sa.Engine, sa.Table]:
    import sqlalchemy as sa

    engine = store.storage().engine
    return engine, _table(sa.MetaData())


def _exists(engine: sa.Engine) -> bool:
    import sqlalchemy as sa

    return sa.inspect(engine).has_table(ALIAS_TABLE)


def _create(engine: sa.Engine, table: sa.Table) -> None:
    """Create the table if missing (two processes creating it at once: one wins, the other
    finds it made)."""
    if _exists(engine):
        return
    try:
        table.create(engine, checkfirst=True)
    except Exception:
        if not _exists(engine):
            raise


def _events(engine: sa.Engine, table: sa.Table, experiment: str,
            alias: str | None = None) -> list[AliasEvent]:  # fmt: skip
    import sqlalchemy as sa

    if not _exists(engine):
        return []
    query = sa.select(table).where(table.c.experiment == experiment)
    if alias is not None:
        query = query.where(table.c.alias == alias)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(table.c.alias, table.c.seq)).mappings().all()
    return [_event(row) for row in rows]


def _event(row: Mapping[Any, Any]) -> AliasEvent:
    """An event from a table row (or the values just inserted), the comparison parsed."""
    values = {f.name: row[f.name] for f in fields(AliasEvent)}
    comparison = values.pop("comparison")
    values["seq"] = int(values["seq"])
    return AliasEvent(**values, comparison=None if comparison is None else json.loads(comparison))


def alias_history(store: Store, experiment: str | None = None,
                  alias: str | None = None) -> list[AliasEvent]:  # fmt: skip
    """Every event of the experiment's aliases (of every experiment if ``None``), oldest
    first within each alias."""
    engine, table = _bind(store)
    names = [experiment] if experiment is not None else _experiments(engine, table)
    return [event for name in names for event in _events(engine, table, name, alias)]


def _experiments(engine: sa.Engine, table: sa.Table) -> list[str]:
    import sqlalchemy as sa

    if not _exists(engine):
        return []
    with engine.connect() as connection:
        found = connection.execute(sa.select(table.c.experiment).distinct()).scalars().all()
    return sorted(found)


def record_event(store: Store, experiment: str, alias: str, change: Change, *,
                 command: list[str] | None = None) -> AliasEvent | None:  # fmt: skip
    """Write the next event of an alias, decided by ``change(current, events)`` from the
    events as they are (``None``: nothing to write), in one transaction.

    The ``seq`` unique constraint makes the write safe against a concurrent one: if another
    process wrote event ``n`` first, this one reads again and decides again.

    Raises:
        DataError: The storage stayed busy through every attempt.
    """
    import sqlalchemy as sa

    engine, table = _bind(store)
    _create(engine, table)
    last_error: Exception | None = None
    for attempt in range(_ATTEMPTS):
        events = _events(engine, table, experiment, alias)
        current = events[-1] if events else None
        values = change(current, events)
        if values is None:
            return None
        row = {
            "experiment": experiment,
            "alias": alias,
            "seq": 1 if current is None else current.seq + 1,
            "previous_run_id": None if current is None else current.run_id,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "by": _who(),
            "command": _command_line(command),
            **values,
            "comparison": None
            if values["comparison"] is None
            else json.dumps(values["comparison"]),
        }
        try:
            with engine.begin() as connection:
                connection.execute(sa.insert(table).values(**row))
        except (sa.exc.IntegrityError, sa.exc.OperationalError) as error:
            last_error = error  # another process wrote this seq first, or held the lock
            logger.debug("Alias %s/%s changed meanwhile (%s); reading it again.",
                         experiment, alias, type(error).__name__)  # fmt: skip
            time.sleep(0.05 * (attempt + 1))
            continue
        return _event({**row, "comparison": row["comparison"]})
    raise DataError(
        f"Could not record the change of alias {alias!r} of experiment {experiment!r}: the "
        f"storage stayed busy ({type(last_error).__name__}).",
        hint="Other processes are changing this alias; run the command again.",
    )


def _json_or_none(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value)


def _who() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (a container without passwd)
        user = "?"
    return f"{user}@{socket.gethostname()}"[:200]


def _command_line(command: list[str] | None) -> str:
    from automl.config import redact_url

    argv = command if command is not None else [Path(sys.argv[0]).name, *sys.argv[1:]]
    return " ".join(redact_url(a) for a in argv)
