"""Approvals read from the code host: the reviews of the pull request, on its head commit.

In CI the change author cannot write these: GitHub records who submitted each review and on
which commit. Enabled when the job has `GITHUB_TOKEN`, `GITHUB_REPOSITORY` and a pull request
(`PR_NUMBER`, or the event payload at `GITHUB_EVENT_PATH`); `GITHUB_API_URL` points elsewhere
for GitHub Enterprise (and for tests, at a fake server). The workflow token needs
`pull-requests: read`; owner *teams* resolve only when the token may read the organisation's
teams, otherwise list people as owners.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_API_URL = "https://api.github.com"
# A review's state that decides; COMMENTED and PENDING leave an earlier decision standing.
_DECISIONS = {"APPROVED": "approved", "CHANGES_REQUESTED": "changes_requested", "DISMISSED": "dismissed"}


@dataclass(frozen=True)
class PullRequest:
    api_url: str
    repository: str  # owner/name
    number: int
    token: str

    @property
    def label(self) -> str:
        return f"{self.repository}#{self.number}"


def pull_request_from_env(env: Mapping[str, str] | None = None) -> PullRequest | None:
    """The pull request this CI job checks, or None outside a pull-request job."""
    env = os.environ if env is None else env
    token, repository = env.get("GITHUB_TOKEN", ""), env.get("GITHUB_REPOSITORY", "")
    number = env.get("PR_NUMBER", "").strip() or _number_from_event(env.get("GITHUB_EVENT_PATH", ""))
    if not (token and repository and number and number.isdigit()):
        return None
    api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
    return PullRequest(api_url.rstrip("/"), repository, int(number), token)


def _number_from_event(path: str) -> str:
    if not path:
        return ""
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    number = (event.get("pull_request") or {}).get("number") if isinstance(event, dict) else None
    return str(number) if isinstance(number, int) else ""


def read_reviews(
    pull: PullRequest, owners: set[str], normalize: Callable[[str], str], *, timeout_s: float = 10.0
) -> dict[str, Any]:
    """Author, head commit and each reviewer's latest decision; raises ValueError with one line on failure."""
    headers = {
        "Authorization": f"Bearer {pull.token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    with httpx.Client(base_url=pull.api_url, headers=headers, timeout=timeout_s, trust_env=False) as client:
        details = _get(client, f"/repos/{pull.repository}/pulls/{pull.number}")
        author = normalize(str((details.get("user") or {}).get("login", "")))
        head = str((details.get("head") or {}).get("sha", ""))
        if not author or not head:
            raise ValueError(f"GitHub pull request {pull.label}: the answer names no author or head commit")
        latest: dict[str, dict[str, Any]] = {}
        for review in _pages(client, f"/repos/{pull.repository}/pulls/{pull.number}/reviews"):
            decision = _DECISIONS.get(str(review.get("state", "")).upper())
            login = str((review.get("user") or {}).get("login", ""))
            if decision and login:
                latest[normalize(login)] = {**review, "decision": decision}
        team_members, notes = _team_members(client, owners, normalize)
    records = [
        {
            "file": f"GitHub {pull.label} review {review.get('id', '?')}",
            "source": "github",
            "reviewer": reviewer,
            "decision": review["decision"],
            "commit": str(review.get("commit_id") or ""),
            "date": str(review.get("submitted_at") or ""),
            "problems": [],
            "signature": "valid",
            "signature_problem": "",
            "signer": f"github:{reviewer}",
            "stale": _stale(str(review.get("commit_id") or ""), head),
        }
        for reviewer, review in sorted(latest.items())
    ]
    return {"author": author, "head": head, "records": records, "team_members": team_members, "notes": notes}


def _stale(commit: str, head: str) -> str | None:
    if commit == head:
        return None
    return f"review is of commit {commit[:7] or '?'}; the pull request head is {head[:7]}"


def _team_members(
    client: httpx.Client, owners: set[str], normalize: Callable[[str], str]
) -> tuple[list[str], list[str]]:
    """Members of owner teams (`@org/team`), and a note for each team the token cannot read."""
    members: set[str] = set()
    notes = []
    for owner in sorted(owner for owner in owners if "/" in owner):
        org, _, team = owner.lstrip("@").partition("/")
        try:
            listed = _pages(client, f"/orgs/{org}/teams/{team}/members")
        except ValueError as error:
            notes.append(f"team {owner} not resolved ({error}): list its people as owners, or give the token read:org")
            continue
        members.update(normalize(str(member.get("login", ""))) for member in listed if member.get("login"))
    return sorted(members), notes


def _get(client: httpx.Client, path: str, params: dict[str, Any] | None = None) -> Any:
    try:
        response = client.get(path, params=params)
    except httpx.HTTPError as error:
        raise ValueError(f"GitHub API {client.base_url}{path} did not answer: {type(error).__name__}") from error
    if response.status_code != 200:
        raise ValueError(f"GitHub API {path} answered HTTP {response.status_code}: {_message(response)}")
    try:
        return response.json()
    except ValueError as error:
        raise ValueError(f"GitHub API {path} answered with something that is not JSON") from error


def _pages(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    """Every item of a paginated list, following the `Link: rel="next"` header."""
    items: list[dict[str, Any]] = []
    url: str | None = path
    params: dict[str, Any] | None = {"per_page": 100}
    while url is not None:
        try:
            response = client.get(url, params=params)
        except httpx.HTTPError as error:
            raise ValueError(f"GitHub API {path} did not answer: {type(error).__name__}") from error
        if response.status_code != 200:
            raise ValueError(f"GitHub API {path} answered HTTP {response.status_code}: {_message(response)}")
        try:
            page = response.json()
        except ValueError as error:
            raise ValueError(f"GitHub API {path} answered with something that is not JSON") from error
        if not isinstance(page, list):
            raise ValueError(f"GitHub API {path} did not answer with a list")
        items.extend(item for item in page if isinstance(item, dict))
        url, params = response.links.get("next", {}).get("url"), None
        if url is not None and not url.startswith(str(client.base_url).rstrip("/") + "/"):
            raise ValueError(f"GitHub API {path}: next page {url} is on another host (token withheld)")
        if len(items) > 10_000:
            raise ValueError(f"GitHub API {path} lists more than 10,000 items")
    return items


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    return str(body.get("message", response.reason_phrase)) if isinstance(body, dict) else response.reason_phrase
