"""Watching a model after ``fit``: the drift reference, the drift verdict and the input
contract (see docs/monitoring.md).

The reference is built at the end of ``fit`` (:mod:`automl.search.reference` calls
:func:`build_reference`); ``automl drift`` compares a file with it (:func:`drift_file`),
``automl predict`` checks rows against it (:func:`check_contract`), and the generated service
keeps a rolling window (:class:`RollingWindow`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from automl.monitor.contract import ContractReport, check_contract
    from automl.monitor.drift import DriftReport, compare
    from automl.monitor.reference import Reference, build_reference
    from automl.monitor.run import drift_file, load_reference

__all__ = [
    "ContractReport",
    "DriftReport",
    "Reference",
    "build_reference",
    "check_contract",
    "compare",
    "drift_file",
    "load_reference",
]

_WHERE = {
    "ContractReport": "contract",
    "check_contract": "contract",
    "DriftReport": "drift",
    "compare": "drift",
    "Reference": "reference",
    "build_reference": "reference",
    "drift_file": "run",
    "load_reference": "run",
}


def __getattr__(name: str) -> Any:
    """Import the submodule of ``name`` when it is first used (numpy and scipy stay out of
    ``import automl``)."""
    import importlib

    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"automl.monitor.{_WHERE[name]}"), name)
