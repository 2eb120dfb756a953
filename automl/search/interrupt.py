"""After Ctrl-C: the best model is refitted in ``fit``'s own process, at once.

Normally the final refit runs in a fresh process (it gets ``OMP_WAIT_POLICY=PASSIVE`` and the
machine's threads). After Ctrl-C the user is waiting: on a loaded 2-core machine ``fit`` took
7 to 11 s to exit, 6 s of which went to that process starting, importing the libraries and
reading the data again. The coordinator already holds the data and the study, so it refits
the chosen trial itself, alone (no ensemble), with one thread, keeping to a trial whose refit
is estimated at :data:`~automl.search.budget.QUICK_REFIT_SECONDS`; a better but slower trial
is named in a note, and ``fit --resume`` refits it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.search.budget import QUICK_DEADLINE_SECONDS, QUICK_REFIT_SECONDS

if TYPE_CHECKING:
    import optuna

    from automl.search.choose import Choice
    from automl.search.dataset import TrainingData

__all__ = ["quick_refit"]


def quick_refit(
    study: optuna.Study,
    data: TrainingData,
    choice: Choice,
    run_dir: Path,
    *,
    max_predict_ms: float | None = None,
) -> dict[str, Any]:
    """Refit ``choice`` on every row in this process, with one thread, and save the model
    (``max_predict_ms`` as in :func:`automl.search.refit.run_refit`).

    Returns:
        What the refit process would have returned (``refit.json``), with a note saying why
        a better trial was not kept, if one was skipped.
    """
    from automl.search.refit import refit_run

    refit = refit_run(study, data, [choice.number], [1.0], n_threads=1,
                      deadline_epoch=time.time() + QUICK_DEADLINE_SECONDS, out_dir=run_dir,
                      max_predict_ms=max_predict_ms)  # fmt: skip
    if choice.skipped_better:
        refit["notes"] = [
            *refit.get("notes", []),
            f"Interrupted: saved {choice.family}#{choice.number}, the best trial that refits in "
            f"about {QUICK_REFIT_SECONDS:g} s; {choice.skipped_better} better trial(s) take "
            "longer. `automl fit ... --resume` goes on and refits the best.",
        ]
    return refit
