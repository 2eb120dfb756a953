"""``scaffold-serve --alias``: the service knows which run it serves, through which alias and
since when; a rolled-back alias scaffolds the previous model."""

from __future__ import annotations

import json

from tests.conftest import dataset, run_automl
from tests.serve.helpers import Project, call, serve


def _json(project: Project, *args: object) -> dict:
    result = run_automl("--home", project.home, *args, "--json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_rolled_back_alias_serves_the_previous_model_and_says_so(project: Project) -> None:
    # an experiment of its own: the other tests serve the latest run of 'default'
    first, second = (
        _json(project, "fit", dataset("titanic").path, "--target", "Survived", "--n-trials",
              "1", "--n-jobs", "1", "--models", family, "--experiment", "aliased")["run_id"]
        for family in ("lightgbm", "linear")
    )  # fmt: skip
    _json(project, "promote", first, "--alias", "production")
    _json(project, "promote", second, "--alias", "production")
    rolled = _json(project, "rollback", "--alias", "production", "--experiment", "aliased")
    assert rolled["run_id"] == first
    out = project.folder / "aliased"
    scaffold = _json(project, "scaffold-serve", "--alias", "production", "--experiment",
                     "aliased", "--out", out, "--no-hashes")  # fmt: skip
    assert scaffold["run_id"] == first and scaffold["alias"]["promoted_at"] == rolled["at"]
    key = {"X-API-Key": "k"}
    with serve(project, folder=out, env={"API_KEY": "k"}) as server:
        status, body = call(server.base + "/v1/metadata", None, key)
    assert status == 200
    metadata = json.loads(body)
    assert metadata["run_id"] == first
    assert metadata["alias"] == {"name": "production", "experiment": "aliased", "run_id": first,
                                 "promoted_at": rolled["at"], "set_by": "rollback",
                                 "change": 3}  # fmt: skip
    # a service scaffolded from a run id says it was not chosen through an alias
    manifest = json.loads((project.out / "app" / "model" / "manifest.json").read_text())
    assert manifest.get("alias") is None
