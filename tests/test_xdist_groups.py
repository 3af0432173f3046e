"""Tests that share one generated project or install (xdist_group) must run on one worker.

pytest 9.2 keeps node ids where pytest-xdist 3.8 cannot add the `@group` suffix that `--dist loadgroup`
schedules by, so every group was split silently: module fixtures were built twice (slower CI) and the
academy cohort test read a project the reference run never touched (a wrong failure).
"""

import pytest

pytestmark = pytest.mark.xdist_group("grouping-check")


def test_loadgroup_keeps_an_xdist_group_on_one_worker(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not running under xdist --dist loadgroup")
    assert request.node.nodeid.endswith("@grouping-check"), (
        f"--dist loadgroup did not group {request.node.nodeid}: pytest/pytest-xdist versions (see pyproject)"
    )
