"""The immutable registry of model families, in the order they are tried."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from automl.errors import UsageError
from automl.models.base import ModelFamily
from automl.models.catboost import CatBoostFamily
from automl.models.constant import ConstantFamily
from automl.models.forests import ExtraTreesFamily, RandomForestFamily
from automl.models.hist_gb import HistGBFamily
from automl.models.lightgbm import LightGBMFamily
from automl.models.linear import LinearFamily

__all__ = ["FAMILIES", "is_baseline", "resolve_families"]

FAMILIES: Mapping[str, ModelFamily] = MappingProxyType(
    {
        family.name: family
        for family in (
            ConstantFamily(),
            LightGBMFamily(),
            CatBoostFamily(),
            HistGBFamily(),
            RandomForestFamily(),
            ExtraTreesFamily(),
            LinearFamily(),
        )
    }
)


def resolve_families(names: list[str] | None) -> tuple[ModelFamily, ...]:
    """Return the families named by ``--models`` (all when ``None``); the baseline always.

    Raises:
        UsageError: An unknown family name.
    """
    if not names:
        return tuple(FAMILIES.values())
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        raise UsageError(
            f"Unknown model famil{'y' if len(unknown) == 1 else 'ies'}: "
            f"{', '.join(repr(n) for n in unknown)}.",
            hint=f"Choose from: {', '.join(FAMILIES)}.",
        )
    baselines = [n for n, family in FAMILIES.items() if family.is_baseline]
    chosen = [*baselines, *[n for n in names if n not in baselines]]
    return tuple(FAMILIES[n] for n in chosen)


def is_baseline(name: object) -> bool:
    """Whether ``name`` (a trial's ``family``, as stored) is a baseline family's name."""
    family = FAMILIES.get(str(name))
    return family is not None and family.is_baseline
