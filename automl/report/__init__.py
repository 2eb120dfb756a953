"""``automl report``: one self-contained HTML page about a run, with plots and a model card.

Above :mod:`automl.store`, :mod:`automl.search` (to derive the run's labels and folds) and
:mod:`automl.insight` (the importance), below ``cli``. matplotlib (the ``report`` extra) and
Jinja2 are imported when a report is built, never when this package is imported.
"""

from __future__ import annotations

from automl.report.page import SECTIONS, ReportResult, build_report

__all__ = ["SECTIONS", "ReportResult", "build_report"]
