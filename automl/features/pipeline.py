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
    profile: Profile, family: ModelFamily, params: dict[str, Any] | None = None
) -> FeatureEncoder:
    """An unfitted encoder for ``family``'s kind of features, with the options its
    parameters choose (:meth:`ModelFamily.encoder_options`)."""
    options = family.encoder_options(params or {})
    return FeatureEncoder(roles=feature_roles(profile), encoding=family.encoding, **options)


def build_pipeline(
    profile: Profile, family: ModelFamily, model: Any, params: dict[str, Any] | None = None
) -> Pipeline:
    """``Pipeline(prepare, encode, model)`` taking raw rows as read from the data file.

    Args:
        profile: The training profile.
        family: The model's family (decides the encoding).
        model: An unfitted estimator from ``family.build``.
        params: The model's parameters (they may choose encoder options).

    Returns:
        The unfitted pipeline; fit it with ``fit(X, y, model__deadline=...)``.
    """
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("prepare", Preparer(profile)),
            ("encode", build_encoder(profile, family, params)),
            ("model", model),
        ]
    )
