"""Opening the Optuna storage of a home or a URL: SQLite (file lock, WAL, heartbeats, or
read-only for the reading commands) or PostgreSQL, with errors that name the storage without
its password."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError

if TYPE_CHECKING:
    import optuna

__all__ = ["GRACE_SECONDS", "HEARTBEAT_SECONDS", "open_storage", "storage_error"]

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
GRACE_SECONDS = 60


def open_storage(
    url: str, *, create_folder: Path | None = None, read_only: bool = False
) -> optuna.storages.RDBStorage:
    """Open (creating if needed) an Optuna RDB storage with heartbeats.

    SQLite files are checked for damage first, then get WAL journaling and a 60 s lock
    timeout so that several processes can write at once. With ``read_only``, an existing
    SQLite file is opened read-only and nothing is created: no lock file, no WAL switch, no
    schema (see :mod:`automl.store.sqlite`).

    Raises:
        DataError: The storage cannot be reached, or the SQLite file is damaged; the message
            names the host, never a password.
    """
    import optuna

    from automl.errors import AutomlError
    from automl.store.sqlite import (
        check_database,
        enable_wal,
        file_lock,
        sqlite_path,
        writable_connector,
    )

    kwargs: dict[str, Any] = {}
    path = sqlite_path(url)
    lock_path = None
    if path is not None and read_only:
        return _open_read_only(url, path)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = path.with_name(path.name + ".lock")
        kwargs["engine_kwargs"] = {"connect_args": {"timeout": 60}}
    elif url.startswith("postgresql"):
        if url.startswith("postgresql://"):  # SQLAlchemy's default driver is psycopg2; ours is 3
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        kwargs["engine_kwargs"] = {"connect_args": {"connect_timeout": 10}, "pool_pre_ping": True}
    try:
        # Two processes creating a fresh SQLite schema at once collide: take turns.
        with file_lock(lock_path), warnings.catch_warnings():
            if path is not None:
                if path.is_file() and path.stat().st_size:
                    check_database(writable_connector(path), path)
                enable_wal(path)
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.storages.RDBStorage(
                url,
                heartbeat_interval=HEARTBEAT_SECONDS,
                grace_period=GRACE_SECONDS,
                **kwargs,
            )
    except AutomlError:
        raise
    except Exception as exc:  # SQLAlchemy and drivers raise many types for an unreachable server
        raise storage_error(url, exc) from None


def _open_read_only(url: str, path: Path) -> optuna.storages.RDBStorage:
    import optuna

    from automl.store.sqlite import check_database, damage_of, damaged, read_only_connector

    connect = read_only_connector(path)
    check_database(connect, path)
    try:
        return optuna.storages.RDBStorage(
            url, engine_kwargs={"creator": connect}, skip_table_creation=True
        )
    except Exception as exc:  # as in open_storage
        damage = damage_of(exc)
        if damage is not None:
            raise damaged(path, damage) from None
        raise storage_error(url, exc) from None


def storage_error(url: str, exc: BaseException) -> DataError:
    """The error for a storage that cannot be opened: the URL without its password, the
    driver's reason (scrubbed of the password too), and a hint that fits the kind of storage."""
    from automl.config import redact_url, url_is_ambiguous
    from automl.errors import file_system_error

    if url_is_ambiguous(url):  # the parser's own message may quote part of the password
        return DataError(
            f"Cannot open the experiment storage {redact_url(url)}: the URL cannot be parsed.",
            hint="Percent-encode special characters in the user name and password (@ as %40, "
            ": as %3A, / as %2F), or leave the password out of the URL (~/.pgpass or "
            "PGPASSWORD).",
        )
    refused = file_system_error(exc)
    if refused is not None:
        return DataError(
            f"Cannot open the experiment storage {redact_url(url)}: {refused.message}",
            hint=refused.hint,
        )
    detail = redact_url(_first_line(exc))
    password = _password_of(url)
    if password:
        detail = detail.replace(password, "***")
    if url.startswith("sqlite"):
        hint = (
            "Check that the home folder exists, that you may read it (and write it, for fit), "
            "and that its disk is not full."
        )
    else:
        hint = "Check the URL, that the server is running and reachable, and the credentials."
    return DataError(f"Cannot open the experiment storage {redact_url(url)}: {detail}", hint=hint)


def _password_of(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).password
    except Exception:  # not a URL SQLAlchemy can parse: nothing to scrub by name
        return None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
