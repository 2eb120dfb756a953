"""The suite's own distribution over cores: under pytest-xdist with ``--dist loadgroup`` (the
nox session), every test carries its group, so a file's module fixtures (or a folder's session
fixtures) are built once. pytest-xdist reads the groups into node ids; pytest 9.2 ignores
that write and the grouping silently stops (pytest-dev/pytest-xdist#1386), hence pytest's
upper bound in the test extra."""

from __future__ import annotations

import pytest


def test_the_tests_of_a_file_run_in_one_worker(request: pytest.FixtureRequest) -> None:
    if not request.config.getvalue("loadgroup"):
        pytest.skip("runs under pytest -n N --dist loadgroup (the nox session)")
    assert request.node.nodeid.endswith("@test_suite_groups.py"), request.node.nodeid
