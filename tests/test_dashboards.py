"""The platform dashboard is what grafana-foundation-sdk builds from src/paved_roads/dashboards.py.

The generated project's own `tests/platform/test_dashboards.py` checks every query against a
running service's `/metrics`; here we check the committed JSON is the built one, so nobody edits
the JSON by hand and loses the change at the next build.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from paved_roads import dashboards
from paved_roads.cli import main


def test_the_committed_dashboard_is_the_built_one() -> None:
    assert dashboards.write(check=True), "run `paved-roads dashboards` and commit the result"
    assert main(["dashboards", "--check"]) == 0


def test_a_hand_edited_dashboard_fails_the_check(tmp_path: Path) -> None:
    edited = tmp_path / "governed-ai.json"
    shutil.copy(dashboards.DASHBOARD, edited)
    model = json.loads(edited.read_text())
    model["panels"][1]["targets"][0]["expr"] = "sum(paved_roads_cost_usd_total)"
    edited.write_text(json.dumps(model, indent=2, sort_keys=True) + "\n")
    assert not dashboards.write(edited, check=True)
    assert json.loads(edited.read_text())["panels"][1]["targets"][0]["expr"] == "sum(paved_roads_cost_usd_total)"
    assert dashboards.write(edited) is False and dashboards.write(edited, check=True)


def test_every_panel_query_is_in_the_layout_and_every_panel_has_a_place() -> None:
    model = dashboards.build()
    titles = [panel["title"] for panel in model["panels"] if panel["type"] != "row"]
    assert titles == [title for _, panels in dashboards.LAYOUT for title, *_ in panels]
    assert set(titles) == set(dashboards.queries())
    for panel in model["panels"]:
        assert panel["gridPos"]["x"] >= 0 and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
    assert model["uid"] == dashboards.UID and {v["name"] for v in model["templating"]["list"]} == {"datasource", "job"}
