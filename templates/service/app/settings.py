"""The service's settings, read from environment variables once, when the application starts.

API_KEY          one key, or several separated by commas (rotation): every /v1/* request
                 needs the header ``X-API-Key`` with one of them
API_KEY_FILE     a file of keys, one per line (a mounted secret); added to API_KEY's
EXPOSE_DOCS      ``1`` serves /docs, /redoc and /openapi.json even when a key is set
MAX_ROWS         most records in one /v1/predict request (default 1000); more gets 413
MAX_BODY_BYTES   largest request body, chunked or not (default 5 MiB); larger gets 413
MODEL_SHA256     the model's expected SHA-256: a pin held outside the project folder
LOG_LEVEL        level of the JSON access log (default INFO)
DRIFT_WINDOW     records kept for the drift gauges and /v1/drift (default 1000; 0 turns
                 the input contract and the drift window off)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """What the environment asked for."""

    api_keys: tuple[str, ...] = ()
    expose_docs: bool = False
    max_rows: int = 1000
    max_body_bytes: int = 5 * 1024 * 1024
    model_sha256: str | None = None
    log_level: str = "INFO"
    drift_window: int = 1000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; a malformed value stops the start with a message naming it."""
        env = os.environ if env is None else env
        keys = [k.strip() for k in env.get("API_KEY", "").split(",")]
        if env.get("API_KEY_FILE"):
            text = Path(env["API_KEY_FILE"]).read_text(encoding="utf-8")
            keys += [line.strip() for line in text.splitlines()]
        pin = env.get("MODEL_SHA256", "").strip().lower() or None
        if pin is not None and (len(pin) != 64 or any(c not in "0123456789abcdef" for c in pin)):
            raise ValueError(f"MODEL_SHA256 must be 64 hex digits, got {pin!r}")
        return cls(
            api_keys=tuple(k for k in keys if k and not k.startswith("#")),
            expose_docs=env.get("EXPOSE_DOCS", "") == "1",
            max_rows=_positive(env, "MAX_ROWS", cls.max_rows),
            max_body_bytes=_positive(env, "MAX_BODY_BYTES", cls.max_body_bytes),
            model_sha256=pin,
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            drift_window=_whole(env, "DRIFT_WINDOW", cls.drift_window),
        )


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a positive whole number, got {text!r}")
    return int(text)


def _whole(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{name} must be a whole number (0 or more), got {text!r}")
    return int(text)
