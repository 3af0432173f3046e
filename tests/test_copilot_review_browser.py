"""The copilot's claim review page in a real headless Chromium, against a served project made with defaults.

A copilot-evidence project is rendered with default answers, its sample library registered from the
shell and the project started with `<slug> serve`. A writer imports the sample RFP brief and drafts it
over HTTP; a reviewer (scope `approve`) opens the draft in the browser, follows a citation to the
quoted span, accepts, edits and rejects claims. The full-page screenshot is kept in `artifacts/` (CI
uploads it), so a person can see what a reviewer sees.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser import launch_chromium, require_chromium, served
from conftest import answers_of, installed

from paved_roads.generate import generate

if TYPE_CHECKING:
    from playwright.sync_api import APIRequestContext, Browser, Page

WRITER_KEY = "writer-key-browser-0001"
REVIEWER_KEY = "reviewer-key-browser-0002"
CLIENTS = {
    "writer": {"key": WRITER_KEY, "scopes": ["query", "ingest"], "clearance": "internal"},
    "alice": {"key": REVIEWER_KEY, "scopes": ["query", "approve"], "clearance": "internal"},
}
WRITER = {"X-API-Key": WRITER_KEY}
TIMEOUT_MS = 10_000
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "artifacts"))


class Served:
    def __init__(self, url: str, browser: Browser, api: APIRequestContext, draft: dict[str, Any]) -> None:
        self.url, self.browser, self.api, self.draft = url, browser, api, draft

    def ledger(self) -> list[dict[str, Any]]:
        return self.api.get(f"/drafts/{self.draft['id']}/ledger", headers=WRITER).json()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    executable = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    folder = tmp_path_factory.mktemp("copilot-review")
    project = generate(folder / "project", data={"pattern": "copilot-evidence"})
    slug = answers_of(project)["project_slug"]
    prefix = slug.upper().replace("-", "_") + "_"
    env = installed(project)
    env.run(slug, "sources", "add", "sample/library", "--classification", "public")
    environ = {f"{prefix}API_CLIENTS": json.dumps(CLIENTS), f"{prefix}MODE": "local"}
    with served(env, slug, environ, folder / "serve.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        api = playwright.request.new_context(base_url=url, timeout=TIMEOUT_MS)
        try:
            brief_md = (project / "sample" / "brief.md").read_bytes()
            brief = api.post("/briefs/import", data=brief_md, headers={**WRITER, "Content-Type": "text/markdown"})
            assert brief.status == 201, brief.text()
            draft = api.post("/drafts", data={"brief_id": brief.json()["id"]}, headers=WRITER)
            assert draft.status == 201, draft.text()
            yield Served(url, browser, api, draft.json())
        finally:
            api.dispose()
            browser.close()


@pytest.fixture
def page(app: Served) -> Iterator[Page]:
    context = app.browser.new_context(base_url=app.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, key: str = REVIEWER_KEY) -> None:
    page.goto("/review")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_default_project_drafts_the_sample_brief_with_every_claim_cited(app: Served) -> None:
    draft = app.draft
    assert draft["gaps"] == ["R9", "R10"], draft["gaps"]  # price and certification: not in the library
    kept = [claim for claim in draft["claims"] if claim["status"] == "supported"]
    assert {claim["requirement_id"] for claim in kept} == {f"R{n}" for n in range(1, 9)}
    for claim in kept:
        assert claim["evidence"] and all(ev["verified"] and ev["quote"] for ev in claim["evidence"])
    from docx import Document

    exported = app.api.get(f"/drafts/{draft['id']}/export?format=docx", headers=WRITER)
    assert exported.status == 200
    document = Document(io.BytesIO(exported.body()))
    assert len(document.comments) == sum(len(claim["evidence"]) for claim in kept)


def test_a_reviewer_follows_citations_and_accepts_edits_and_rejects_claims(app: Served, page: Page) -> None:
    from playwright.sync_api import expect

    draft_id = app.draft["id"]
    kept = [claim for claim in app.draft["claims"] if claim["status"] == "supported"]
    first, second, third = kept[0], kept[1], kept[2]
    sign_in(page)
    page.goto(f"/review/drafts/{draft_id}")
    expect(page.locator("#gaps")).to_contain_text("R9")
    expect(page.locator("#gaps")).to_contain_text("R10")

    # A citation opens the cited version of the source with the quoted span marked.
    card = page.locator(f"[id='claim-{first['id']}']")
    card.locator("a.citation").first.click()
    expect(page.locator("mark#span")).to_have_text(first["evidence"][0]["quote"])
    page.go_back()

    page.locator(f"[id='claim-{first['id']}']").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_have_text(f"Recorded: {first['id']} accepted")

    # An edit that changes what the source says is checked against the span and highlighted.
    card = page.locator(f"[id='claim-{second['id']}']")
    card.locator("summary", has_text="Edit").click()
    card.get_by_label(f"New text for {second['id']}").fill("Nothing in this platform can ever be limited.")
    card.get_by_role("button", name="Save edit").click()
    edited = page.locator(f"[id='claim-{second['id']}']")
    expect(edited).to_have_class(re.compile(r"\bunsupported\b"))
    expect(edited.locator(".reasons")).to_contain_text("coverage")

    page.locator(f"[id='claim-{third['id']}']").get_by_role("button", name="Reject").click()
    expect(page.get_by_role("status")).to_have_text(f"Recorded: {third['id']} rejected")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "copilot-review-page.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 20_000

    reviews = [(e["action"], e["claim_id"], e["actor"]) for e in app.ledger() if e["kind"] == "review"]
    expected = [("accept", first), ("edit", second), ("reject", third)]
    assert reviews == [(action, claim["id"], "alice") for action, claim in expected]


def test_posts_without_the_csrf_token_and_writers_are_refused(app: Served, page: Page) -> None:
    from playwright.sync_api import expect

    sign_in(page, WRITER_KEY)
    expect(page.get_by_role("alert")).to_contain_text("lacks scope 'approve'")
    sign_in(page)
    page.goto(f"/review/drafts/{app.draft['id']}")
    before = len(app.ledger())
    card = page.locator("article.claim").last
    card.locator("input[name=csrf_token]").evaluate_all("inputs => inputs.forEach(input => input.remove())")
    with page.expect_response(lambda r: r.request.method == "POST" and "/claims/" in r.url) as sent:
        card.get_by_role("button", name="Reject").click()
    assert sent.value.status == 403
    assert len(app.ledger()) == before


def test_the_page_runs_no_script(app: Served, page: Page) -> None:
    sign_in(page)
    response = page.goto(f"/review/drafts/{app.draft['id']}")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'") and "script-src" not in policy
    assert page.locator("script").count() == 0
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "copilot_review"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
