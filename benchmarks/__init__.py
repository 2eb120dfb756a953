"""Benchmarks of the ``automl`` command: start-up time, profiling a large file, model quality.

Run them from the repository root with ``python -m benchmarks [NAMES...] [--force] [--list]``
(``nox -s bench -- NAMES`` does the same against the built wheel). Each benchmark is a function
taking a :class:`Context` and returning a :class:`Result` of figures with targets; results are
cached per system under ``.bench-cache/`` (see :mod:`benchmarks._cache`).

To add a benchmark, write a module with a ``run(context) -> Result`` function, import heavy
libraries inside it, and register it in :data:`BENCHMARKS`.
"""

from __future__ import annotations

from benchmarks import (
    compare,
    decisions,
    drift,
    explain,
    parallel,
    profile_large,
    quality,
    refit,
    report,
    serve_explain,
    serve_latency,
    startup,
)
from benchmarks._cache import CacheEntry, ResultCache, system_key
from benchmarks._result import Benchmark, BenchmarkError, Context, Figure, Result

__all__ = [
    "BENCHMARKS",
    "Benchmark",
    "BenchmarkError",
    "CacheEntry",
    "Context",
    "Figure",
    "Result",
    "ResultCache",
    "system_key",
]

#: Every benchmark by name, in the order ``python -m benchmarks`` runs them.
BENCHMARKS: dict[str, Benchmark] = {
    benchmark.name: benchmark
    for benchmark in (
        Benchmark(
            "startup",
            startup.run,
            "wall time of `automl --help` and of `import automl` (median of 15 runs each)",
        ),
        Benchmark(
            "profile_large",
            profile_large.run,
            "`automl profile --json` on a 1,000,000 x 20 mixed CSV: wall time and peak memory",
        ),
        Benchmark(
            "parallel",
            parallel.run,
            "2 workers against 1: the same 11 trials, trials in 60 s; wall time against budgets",
        ),
        Benchmark(
            "serve_latency",
            serve_latency.run,
            "generated service (LightGBM): single-record p50/p99, batch, 8-client throughput",
        ),
        Benchmark(
            "explain",
            explain.run,
            "contributions of 10,000 rows with a single LightGBM / CatBoost model, in-process "
            "and `automl explain` end to end (best of 3)",
        ),
        Benchmark(
            "serve_explain",
            serve_explain.run,
            "generated service (LightGBM): single-record p50/p99 of /v1/explain vs /v1/predict",
        ),
        Benchmark(
            "report",
            report.run,
            "`automl report` of a run on 100,000 rows: build time, size, same bytes twice",
        ),
        Benchmark(
            "refit",
            refit.run,
            "`automl refit` on the parent's own data: fit seconds against the parent's final "
            "refit, same predictions",
        ),
        Benchmark(
            "compare",
            compare.run,
            "`automl compare` of a 60 s search against default LightGBM on phoneme: verdict",
        ),
        Benchmark(
            "drift",
            drift.run,
            "drift verdict on 100 random 50/50 splits of 3 files (false alarms, detection); "
            "`automl drift` on 1,000,000 x 20 rows: wall time and peak memory",
            cache_result=False,  # the split study is cached per dataset
            add_options=drift.add_options,
        ),
        Benchmark(
            "quality",
            quality.run,
            "test scores of `automl fit` vs default LightGBM, FLAML (and AutoGluon) on 12 datasets",
            cache_result=False,  # cached per dataset, seed, system and budget
            add_options=quality.add_options,
        ),
        Benchmark(
            "decisions",
            decisions.run,
            "tuned thresholds (f1, cost, precision) and calibration on 3 imbalanced binary sets",
            cache_result=False,  # cached per dataset
            add_options=decisions.add_options,
        ),
    )
}
