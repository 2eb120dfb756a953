"""OpenMP models train with one thread where OpenMP waits passively (automl's children)."""

from __future__ import annotations

import pytest

from automl.models import FAMILIES


@pytest.mark.parametrize("policy", ["PASSIVE", "passive ", None])
def test_openmp_families_get_one_thread_only_when_waiting_passively(
    policy: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if policy is None:
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    else:
        monkeypatch.setenv("OMP_WAIT_POLICY", policy)
    passive = policy is not None
    for name in FAMILIES:
        family = FAMILIES[name]
        params = family.portfolio("binary")[0]
        model = family.build(params, task="binary", n_classes=2, n_threads=4, seed=0)
        expected = 1 if passive and name in ("lightgbm", "hist_gb") else 4
        assert model.n_threads == expected, name
