"""The approval-workflow reviewer page in a real headless Chromium, against a served project.

A high-tier approval-workflow project is rendered, installed, seeded with its own `<slug> demo`
and started with `<slug> serve`; an agent (scope `query`) proposes over HTTP and two reviewers
(scope `approve`) decide in the browser. The generated project's own tests cover the page
in-process; these show that a real browser gets what they promise: the demo's items are on the
queue, the full four-eyes flow ends in one execution, request-changes and reject need a reason,
the session cookie and the CSRF token survive a real form round trip and the CSP is enforced.
Screenshots go to `artifacts/reviewer-page/` (or `$PAVED_ROADS_ARTIFACTS`), which CI keeps.
"""

from __future__ import annotations

import json
import os
import re
import time
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
ALICE_KEY = "reviewer-key-browser-0002"
BOB_KEY = "reviewer-key-browser-0003"
CLIENTS = {
    "agent": {"key": AGENT_KEY, "scopes": ["query"]},
    "alice": {"key": ALICE_KEY, "scopes": ["query", "approve"]},
    "bob": {"key": BOB_KEY, "scopes": ["query", "approve"]},
}
AGENT = {"X-API-Key": AGENT_KEY}
ALICE = {"X-API-Key": ALICE_KEY}
TIMEOUT_MS = 10_000
ARTIFACTS = Path(os.environ.get("PAVED_ROADS_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts"))


def refund(order: str = "A-1001", amount: float = 900.0) -> dict[str, Any]:
    return {
        "action": "refund_order",
        "params": {"order_id": order, "amount": amount},  # above 500 EUR: high risk, two approvers
        "context": f"Order {order} was charged twice for {amount:.2f} EUR.\n\nThe customer wrote: <i>urgent</i>",
        "requested_by": "carol",
    }


class Served:
    """The running project: its base URL, a browser and an HTTP client for the API."""

    def __init__(self, url: str, browser: Browser, api: APIRequestContext) -> None:
        self.url, self.browser, self.api = url, browser, api

    def propose(self, auth: dict[str, str], body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
        response = self.api.post("/proposals", data=body or refund(), headers=headers)
        assert response.status == 201, response.text()
        return response.json()

    def proposal(self, proposal_id: str) -> dict[str, Any]:
        response = self.api.get(f"/proposals/{proposal_id}", headers=AGENT)
        assert response.status == 200, response.text()
        return response.json()

    def until(self, proposal_id: str, state: str, timeout_s: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while (found := self.proposal(proposal_id))["state"] != state and time.monotonic() < deadline:
            time.sleep(0.1)
        return found


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
    env = installed(project)
    env.run(slug, "demo")  # what `make demo` does: the page must show these items
    with served(env, slug, environ, folder / "serve.log") as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        api = playwright.request.new_context(base_url=url, timeout=TIMEOUT_MS)
        try:
            yield Served(url, browser, api)
        finally:
            api.dispose()
            browser.close()


@pytest.fixture
def new_page(app: Served) -> Iterator[Any]:
    contexts = []

    def make() -> Page:
        context = app.browser.new_context(base_url=app.url)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


def sign_in(page: Page, key: str = ALICE_KEY) -> None:
    page.goto("/review")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.joinpath("reviewer-page").mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "reviewer-page" / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000
    return path


def csp_of(headers: dict[str, str]) -> dict[str, list[str]]:
    policy = headers.get("content-security-policy", "")
    directives = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def test_the_queue_shows_the_demos_seeded_items(app: Served, page: Page) -> None:
    from playwright.sync_api import expect

    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Pending proposals \([1-9]\d*\)"))
    expect(page.locator("tbody tr").first).to_be_visible()
    expect(page.locator("table")).to_contain_text("carol")  # the demo's requester
    page.get_by_label("Risk").select_option("high")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr .risk-high").first).to_be_visible()
    assert page.locator("tbody tr .risk-low").count() == 0
    screenshot(page, "queue-after-demo")


def test_two_reviewers_approve_in_the_browser_and_it_executes_once(app: Served, new_page) -> None:
    from playwright.sync_api import expect

    proposal = app.propose(AGENT)
    pid = proposal["id"]
    assert (proposal["state"], proposal["risk"], proposal["approvals_required"]) == ("pending_review", "high", 2)

    alice = new_page()
    sign_in(alice)
    alice.goto(f"/review/{pid}")
    card = alice.locator(f"section#{pid}")
    expect(card.locator(".risk")).to_contain_text("high risk")
    expect(card.locator(".reasons")).to_contain_text("refund above 500 EUR")
    expect(card.locator(".rationale")).to_contain_text("[")
    expect(card.locator("table.diff")).to_contain_text("refunded on order A-1001")
    expect(card.locator("table.diff ins")).to_contain_text("EUR")
    card.get_by_text("Context").click()
    expect(card.locator("pre")).to_contain_text("<i>urgent</i>")  # shown as text, not markup
    assert card.locator("pre i").count() == 0
    screenshot(alice, "detail-before-approval")

    # High risk needs a written note: the form says so, and the server refuses even if the browser is bypassed.
    note = card.get_by_label("Approval note (required)")
    expect(note).to_have_attribute("required", "")
    note.evaluate("element => element.removeAttribute('required')")
    with alice.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{pid}/approve")) as sent:
        card.get_by_role("button", name="Approve").click()
    assert sent.value.status == 422
    expect(alice.get_by_role("alert")).to_contain_text("needs a note")

    card = alice.locator(f"section#{pid}")
    card.get_by_label("Approval note (required)").fill("Duplicate charge confirmed against the provider's ledger.")
    card.get_by_role("button", name="Approve").click()
    alice.wait_for_url(re.compile(rf"/review/{pid}\?done=approved"))
    expect(alice.get_by_role("status")).to_have_text("Approval recorded.")
    expect(alice.locator(f"section#{pid}")).to_contain_text("Approvals (1 of 2)")
    expect(alice.locator(f"section#{pid}")).to_contain_text("another approver must approve it too")
    assert app.proposal(pid)["state"] == "pending_review", "one approval must not execute a high-risk action"

    bob = new_page()
    sign_in(bob, BOB_KEY)
    bob.goto(f"/review/{pid}")
    bob_card = bob.locator(f"section#{pid}")
    bob_card.get_by_label("Approval note (required)").fill("Second pair of eyes: agreed.")
    bob_card.get_by_role("button", name="Approve").click()
    bob.wait_for_url(re.compile(rf"/review/{pid}\?done=approved"))
    done = app.until(pid, "executed")
    assert done["state"] == "executed", done
    assert sorted(a["approver"] for a in done["approvals"]) == ["alice", "bob"]
    moves = [(e["from_state"], e["to_state"], e["actor"]) for e in app.proposal(pid)["events"]]
    assert [m for m in moves if m[1] == "executed"] and len([m for m in moves if m[1] == "executed"]) == 1, moves
    bob.reload()
    expect(bob.locator(f"section#{pid}")).to_contain_text("executed")
    screenshot(bob, "detail-after-four-eyes")


def test_request_changes_and_reject_need_a_reason(app: Served, page: Page) -> None:
    from playwright.sync_api import expect

    asked = app.propose(AGENT, refund("A-2002", 120.0))["id"]
    rejected = app.propose(AGENT, refund("A-3003", 130.0))["id"]
    sign_in(page)
    page.goto(f"/review/{asked}")
    card = page.locator(f"section#{asked}")
    card.get_by_label("What should change (required)").fill("Refund only the duplicate capture.")
    card.get_by_role("button", name="Request changes").click()
    page.wait_for_url(re.compile(r"done=request_changes"))
    assert app.proposal(asked)["state"] == "changes_requested"

    page.goto(f"/review/{rejected}")
    card = page.locator(f"section#{rejected}")
    reason = card.get_by_label("Reason for rejecting (required)")
    expect(reason).to_have_attribute("required", "")
    reason.evaluate("element => element.removeAttribute('required')")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{rejected}/reject")) as sent:
        card.get_by_role("button", name="Reject").click()
    assert sent.value.status == 422
    page.locator(f"section#{rejected}").get_by_label("Reason for rejecting (required)").fill("Not our order.")
    page.locator(f"section#{rejected}").get_by_role("button", name="Reject").click()
    page.wait_for_url(re.compile(r"done=rejected"))
    found = app.proposal(rejected)
    assert (found["state"], found["decision_note"]) == ("rejected", "Not our order.")


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
    page.goto(f"/review/{pid}")
    card = page.locator(f"section#{pid}")
    # The browser still sends the session cookie; only the missing token stops the post.
    card.locator("input[name=csrf_token]").evaluate_all("inputs => inputs.forEach(input => input.remove())")
    card.get_by_label("Reason for rejecting (required)").fill("no")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{pid}/reject")) as sent:
        card.get_by_role("button", name="Reject").click()
    assert sent.value.status == 403
    expect(page.locator("body")).to_contain_text("CSRF token missing or wrong")

    page.goto(f"/review/{pid}")  # a forged token is refused the same way
    card = page.locator(f"section#{pid}")
    card.locator("input[name=csrf_token]").evaluate_all("inputs => inputs.forEach(input => input.value = 'forged')")
    card.get_by_label("Approval note (required)").fill("looks fine")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(f"/{pid}/approve")) as sent:
        card.get_by_role("button", name="Approve").click()
    assert sent.value.status == 403
    assert app.proposal(pid)["state"] == "pending_review"


def test_requester_and_proposer_cannot_approve(app: Served, page: Page) -> None:
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
    own = app.propose(ALICE)["id"]
    sign_in(page)
    page.goto(f"/review/{own}")
    card = page.locator(f"section#{own}")
    expect(card).to_contain_text("other approvers must decide it")
    expect(card.get_by_role("button", name="Approve")).to_have_count(0)
    refused = app.api.post(f"/proposals/{own}/approve", data={"note": "mine"}, headers=ALICE)
    assert refused.status == 403
    body = refused.json()
    assert body["error"] == "proposal.separation_of_duties"
    assert body["detail"] == f"'alice' proposed {own} and cannot approve it; another approver must"
    csrf = card.locator("input[name=csrf_token]").first.get_attribute("value")
    forged = page.request.post(f"/review/{own}/approve", form={"csrf_token": csrf or "", "note": "mine"})
    assert forged.status == 403 and "cannot approve it" in forged.text()
    assert app.proposal(own)["state"] == app.proposal(pid)["state"] == "pending_review"
