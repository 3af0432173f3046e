"""The approval-workflow reviewer page in a real headless Chromium, against a served project.

A high-tier approval-workflow project is rendered, installed and started with its own
`<slug> serve`; an agent (scope `query`) proposes over HTTP and a reviewer (scope
`approve`) decides in the browser. The generated project's own tests cover the page
in-process; these show that a real browser gets what they promise: the session cookie
and the CSRF token survive a real form round trip, the CSP is enforced, and a decision
made on the page is the one the API reports.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from browser import launch_chromium, require_chromium, served
from conftest import answers_of, installed

from paved_roads.generate import generate

if TYPE_CHECKING:
    from playwright.sync_api import APIRequestContext, Browser, Page

AGENT_KEY = "agent-key-browser-0001"
REVIEWER_KEY = "reviewer-key-browser-0002"
CLIENTS = {
    "agent": {"key": AGENT_KEY, "scopes": ["query"]},
    "alice": {"key": REVIEWER_KEY, "scopes": ["query", "approve"]},
}
AGENT = {"X-API-Key": AGENT_KEY}
REVIEWER = {"X-API-Key": REVIEWER_KEY}
HIGH_RISK_REFUND = {
    "action": "refund_order",
    "params": {"order_id": "A-1001", "amount": 900.0},  # the rules escalate refunds above 500 to high risk
    "context": "Order A-1001 was charged twice for 900.00 EUR.\n\nThe customer wrote: <i>urgent</i>",
}
TIMEOUT_MS = 10_000


class Served:
    """The running project: its base URL, a browser and an HTTP client for the API."""

    def __init__(self, url: str, browser: Browser, api: APIRequestContext) -> None:
        self.url, self.browser, self.api = url, browser, api

    def propose(self, auth: dict[str, str], body: dict[str, Any] = HIGH_RISK_REFUND) -> dict[str, Any]:
        headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
        response = self.api.post("/proposals", data=body, headers=headers)
        assert response.status == 201, response.text()
        return response.json()

    def proposal(self, proposal_id: str) -> dict[str, Any]:
        response = self.api.get(f"/proposals/{proposal_id}", headers=AGENT)
        assert response.status == 200, response.text()
        return response.json()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    executable = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    folder = tmp_path_factory.mktemp("reviewer-page")
    project = generate(folder / "project", data={"pattern": "approval-workflow", "risk_tier": "high"})
    slug = answers_of(project)["project_slug"]
    prefix = slug.upper().replace("-", "_") + "_"
    environ = {f"{prefix}API_CLIENTS": json.dumps(CLIENTS), f"{prefix}MODE": "local"}
    with served(installed(project), slug, environ, folder / "serve.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        api = playwright.request.new_context(base_url=url, timeout=TIMEOUT_MS)
        try:
            yield Served(url, browser, api)
        finally:
            api.dispose()
            browser.close()


@pytest.fixture
def page(app: Served) -> Iterator[Page]:
    context = app.browser.new_context(base_url=app.url)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, key: str = REVIEWER_KEY) -> None:
    page.goto("/review")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def csp_of(headers: dict[str, str]) -> dict[str, list[str]]:
    policy = headers.get("content-security-policy", "")
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_reviewer_approves_a_high_risk_proposal_and_the_api_records_it(app: Served, page: Page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    proposal = app.propose(AGENT)
    pid = proposal["id"]
    assert (proposal["state"], proposal["risk"]) == ("pending_review", "high"), proposal

    sign_in(page)
    expect(page.get_by_text("Signed in as")).to_contain_text("alice")
    card = page.locator(f"section#{pid}")
    expect(card).to_be_visible()
    expect(card.locator(".risk")).to_have_text("high risk")
    expect(card).to_contain_text("proposed by agent")
    card.get_by_text("Context").click()
    expect(card.locator("pre")).to_contain_text("<i>urgent</i>")  # shown as text, not markup
    assert card.locator("pre i").count() == 0
    page.screenshot(path=tmp_path / "review-queue.png", full_page=True)

    # High risk needs a written note: the form says so, and the server refuses even if the browser is bypassed.
    note = card.locator("textarea[name=note]")
    expect(note).to_have_attribute("required", "")
    note.evaluate("element => element.removeAttribute('required')")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{pid}/approve")) as sent:
        card.get_by_role("button", name="Approve").click()
    assert sent.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("needs a note")
    assert app.proposal(pid)["state"] == "pending_review"

    note = "Duplicate charge confirmed against the payment provider's ledger."
    card.get_by_label("Note").fill(note)
    card.get_by_role("button", name="Approve").click()
    page.wait_for_url(re.compile(r"/review\?done="))
    expect(page.locator(".notice")).to_have_text(f"Recorded: {pid} approved")
    expect(page.locator(f"section#{pid}")).to_have_count(0)  # no longer pending
    page.screenshot(path=tmp_path / "review-recorded.png", full_page=True)

    recorded = app.proposal(pid)
    assert (recorded["state"], recorded["decided_by"], recorded["decision_note"]) == ("approved", "alice", note)
    moves = [(event["from_state"], event["to_state"], event["actor"]) for event in recorded["events"]]
    assert moves[-1] == ("pending_review", "approved", "alice"), moves
    assert (tmp_path / "review-queue.png").stat().st_size > 10_000


def test_pages_send_a_strict_csp_that_the_browser_enforces(app: Served, page: Page) -> None:
    response = page.goto("/review")
    assert response is not None and response.status == 200
    for headers in (response.headers, page.request.get("/review").headers):
        csp = csp_of(headers)
        assert csp.get("default-src") == ["'none'"], headers
        assert "script-src" not in csp, headers  # falls back to default-src 'none': no script at all
        assert csp.get("frame-ancestors") == ["'none'"] and csp.get("form-action") == ["'self'"], headers
        assert headers.get("x-frame-options") == "DENY" and headers.get("cache-control") == "no-store", headers

    sign_in(page)
    queue = page.request.get("/review")
    assert "Signed in as" in queue.text() and csp_of(queue.headers).get("default-src") == ["'none'"]
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "review_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie

    # An inline script smuggled into the page must not run: Chromium enforces the policy.
    ran = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', () => resolve(window.cspProbe === true), {once: true});
            const script = document.createElement('script');
            script.textContent = 'window.cspProbe = true';
            document.body.appendChild(script);
            setTimeout(() => resolve(window.cspProbe === true), 2000);
        })"""
    )
    assert ran is False, "an inline script ran on the reviewer page: the CSP is not enforced"
    assert page.evaluate("document.cookie") == "", "the session cookie is readable from script"


def test_form_post_without_the_csrf_token_is_refused(app: Served, page: Page) -> None:
    from playwright.sync_api import expect

    pid = app.propose(AGENT)["id"]
    sign_in(page)
    card = page.locator(f"section#{pid}")
    expect(card).to_be_visible()

    # The browser still sends the session cookie; only the missing token stops the post.
    card.locator("input[name=csrf_token]").evaluate_all("inputs => inputs.forEach(input => input.remove())")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{pid}/reject")) as sent:
        card.get_by_role("button", name="Reject").click()
    assert sent.value.status == 403
    expect(page.locator("body")).to_contain_text("CSRF token missing or wrong")

    page.goto("/review")  # a forged token is refused the same way
    card.locator("input[name=csrf_token]").evaluate_all("inputs => inputs.forEach(input => input.value = 'forged')")
    card.get_by_label("Note").fill("looks fine")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{pid}/approve")) as sent:
        card.get_by_role("button", name="Approve").click()
    assert sent.value.status == 403
    assert app.proposal(pid)["state"] == "pending_review"


def test_proposer_cannot_approve_their_own_proposal(app: Served, page: Page) -> None:
    from playwright.sync_api import expect

    # The agent proposes with `query` and holds no `approve` scope: refused by name, on the API and the page.
    pid = app.propose(AGENT)["id"]
    refused = app.api.post(f"/proposals/{pid}/approve", data={"note": "mine"}, headers=AGENT)
    assert refused.status == 403
    assert refused.json()["detail"] == "client 'agent' lacks scope 'approve'"
    sign_in(page, AGENT_KEY)
    expect(page.get_by_role("alert")).to_contain_text("lacks scope 'approve'")
    assert not [c for c in page.context.cookies() if c["name"] == "review_session"]

    # An approver who proposed cannot approve either: separation of duties, not just a hidden button.
    own = app.propose(REVIEWER)["id"]
    sign_in(page)
    card = page.locator(f"section#{own}")
    expect(card).to_contain_text("another approver must decide it")
    expect(card.get_by_role("button", name="Approve")).to_have_count(0)
    refused = app.api.post(f"/proposals/{own}/approve", data={"note": "mine"}, headers=REVIEWER)
    assert refused.status == 403
    body = refused.json()
    assert body["error"] == "proposal.separation_of_duties"
    assert body["detail"] == f"'alice' proposed {own} and cannot approve it; another approver must"
    csrf = card.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(f"/review/{own}/approve", form={"csrf_token": csrf or "", "note": "mine"})
    assert forged.status == 403 and "cannot approve it" in forged.text()
    assert app.proposal(own)["state"] == app.proposal(pid)["state"] == "pending_review"
