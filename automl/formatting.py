"""Numbers and counts in messages: one plural rule and one format for a score and its spread.

Every layer writes messages (the data notes, the refit notes, the CLI's tables), so this module
sits at the bottom beside :mod:`automl.errors` and imports nothing of automl.
"""

from __future__ import annotations

import math

__all__ = ["decimals_for", "format_score", "format_score_pair", "plural"]

#: Significant digits of a score: enough to tell trials apart on a leaderboard.
SCORE_DIGITS = 5


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, in the plural unless ``count`` is 1, with thousands separators.

    Args:
        count: How many.
        noun: The singular noun (``row``, ``trial``, ``class``).
        many: The plural when adding ``s`` (or ``es`` after s, x, ch, sh) is wrong.

    Returns:
        For example ``1 row``, ``2 rows``, ``1,453 rows``, ``3 classes``.
    """
    if count == 1:
        return f"1 {noun}"
    if many is None:
        many = noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")
    return f"{count:,} {many}"


def decimals_for(value: float, digits: int = SCORE_DIGITS) -> int:
    """Decimal places that show ``value`` with ``digits`` significant digits (0 for large
    numbers, ``digits - 1`` for zero and non-finite values)."""
    if not math.isfinite(value) or value == 0:
        return digits - 1
    exponent = math.floor(math.log10(abs(value)))
    return max(0, digits - 1 - exponent)


def format_score(value: float | None, decimals: int | None = None) -> str:
    """A score with :data:`SCORE_DIGITS` significant digits, as a fixed-point number with
    thousands separators (``0.86825``, ``25,195``); ``""`` for ``None``."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return str(value)
    places = decimals_for(value) if decimals is None else decimals
    return f"{value:,.{places}f}"


def format_score_pair(mean: float, std: float | None) -> tuple[str, str]:
    """A score and its spread in one format: the same decimal places for both, enough for
    :data:`SCORE_DIGITS` significant digits of the larger (``25,195`` and ``2,750``;
    ``0.86825`` and ``0.02090``).

    Returns:
        The two texts; the spread is ``""`` when ``std`` is ``None``.
    """
    largest = max(abs(mean), abs(std or 0.0)) if math.isfinite(mean) else abs(std or 0.0)
    places = decimals_for(largest)
    return format_score(mean, places), format_score(std, places)
