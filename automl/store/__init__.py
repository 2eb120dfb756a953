"""Where runs live: the home folder, the Optuna storage (the trial log), run folders and their
artifacts, and the queries the reading commands make.

- :mod:`automl.store.schema`: the run's schema (run-folder files, the study's settings, each
  trial's result), one writer and one reader each;
- :mod:`automl.store.record`: ``run.json``, the run record;
- :mod:`automl.store.runs`: :class:`~automl.store.runs.Store` (the home, the storage, run
  lookup and locks) and ``open_storage()``;
- :mod:`automl.store.artifacts`: atomic writes with SHA-256, and models loaded only when their
  hash matches;
- :mod:`automl.store.summary`, :mod:`automl.store.leaderboard`, :mod:`automl.store.predict`,
  :mod:`automl.store.evaluate`: what ``runs``/``show``, ``leaderboard``, ``predict`` and
  ``evaluate`` compute.

``store`` never imports ``search``.
"""
