"""Assemble the fitted-together pipeline: profile conversions, encoding, model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.features.encode import FeatureEncoder, Preparer

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from automl.data.profile import Profile
    from automl.models.base import ModelFamily

__all__ = ["build_encoder", "build_pipeline", "feature_roles"]


def feature_roles(profile: Profile) -> dict[str, str]:
    """``{column: role}`` for every column ``fit`` uses as a model input."""
    return {column.name: column.role for column in profile.features}


def build_encoder(
    profile: Profile, family: ModelFamily, *, task: str | None = None
) -> FeatureEncoder:
    """An unfitted encoder for ``family``'s kind of features; for classification (``task``),
    skewed numbers in the ``onehot`` encoding become normal scores."""
    normal_scores = family.encoding == "onehot" and task in ("binary", "multiclass")
    return FeatureEncoder(
        roles=feature_roles(profile), encoding=family.encoding, normal_scores=normal_scores
    )


def build_pipeline(
    profile: Profile, family: ModelFamily, model: Any, *, task: str | None = None
) -> Pipeline:
    """``Pipeline(prepare, encode, model)`` taking raw rows as read from the data file.

    Args:
        profile: The training profile.
        family: The model's family (decides the encoding).
        model: An unfitted estimator from ``family.build``.
        task: The learning task (see :func:`build_encoder`).

    Returns:
        The unfitted pipeline; fit it with ``fit(X, y, model__deadline=...)``.
    """
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("prepare", Preparer(profile)),
            ("encode", build_encoder(profile, family, task=task)),
            ("model", model),
        ]
    )
