"""Outbound webhooks: signed with HMAC-SHA-256, delivered from an outbox, retried with backoff.

Each delivery carries

    Webhook-Id: <message key>             the same on every retry: receivers drop duplicates by it
    Webhook-Timestamp: <unix seconds>
    Webhook-Signature: v1=<hex>           HMAC-SHA-256(secret, f"{id}.{timestamp}.{body}")

so a receiver can check the sender, refuse replays older than a few minutes (`verify`) and
process each event once. A failed delivery (network error, timeout, non-2xx) is retried after
2 s, 4 s, 8 s ... (at most an hour apart) and parked as a dead letter after `max_attempts`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from .outbox import Message, Outbox

TOPIC = "webhook"
MAX_DELAY_S = 3600.0
TOLERANCE_S = 300


def signature(secret: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: bytes, headers: dict[str, str], body: bytes, *, now: float | None = None) -> bool:
    """A receiver's check: right signature, timestamp within five minutes."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        webhook_id, timestamp = lowered["webhook-id"], int(lowered["webhook-timestamp"])
        given = lowered["webhook-signature"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_S:
        return False
    return hmac.compare_digest(signature(secret, webhook_id, timestamp, body), given)


@dataclass(frozen=True)
class Delivery:
    ok: bool
    status: int | None
    error: str = ""


class WebhookSender:
    """POSTs one signed event to one URL."""

    def __init__(self, url: str, secret: bytes, *, timeout_s: float = 5.0, client: httpx.Client | None = None) -> None:
        if not secret:
            raise ValueError("a webhook needs a signing secret")
        self.url, self.secret = url, secret
        self.client = client or httpx.Client(timeout=timeout_s, follow_redirects=False)

    def send(self, webhook_id: str, event: dict[str, Any]) -> Delivery:
        body = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Webhook-Id": webhook_id,
            "Webhook-Timestamp": str(timestamp),
            "Webhook-Signature": signature(self.secret, webhook_id, timestamp, body),
        }
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return Delivery(False, None, f"{type(error).__name__}: {error}")
        if 200 <= response.status_code < 300:
            return Delivery(True, response.status_code)
        return Delivery(False, response.status_code, f"HTTP {response.status_code}")

    def close(self) -> None:
        self.client.close()


class WebhookRelay:
    """Delivers the outbox's webhook messages; call `run_once` from a worker loop."""

    def __init__(
        self,
        outbox: Outbox,
        sender: WebhookSender,
        *,
        max_attempts: int = 8,
        base_delay_s: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.outbox, self.sender = outbox, sender
        self.max_attempts, self.base_delay_s, self.clock = max_attempts, base_delay_s, clock

    def run_once(self, *, worker: str, limit: int = 20) -> int:
        """Try every due delivery once; returns how many were delivered."""
        delivered = 0
        for message in self.outbox.claim(TOPIC, worker=worker, now=self.clock(), limit=limit):
            delivered += self._deliver(message)
        return delivered

    def _deliver(self, message: Message) -> bool:
        outcome = self.sender.send(message.key, message.payload)
        now = self.clock()
        if outcome.ok:
            self.outbox.done(message.id, now=now)
        elif message.attempts >= self.max_attempts:
            self.outbox.give_up(message.id, error=outcome.error, now=now)
        else:
            delay = min(MAX_DELAY_S, self.base_delay_s * 2 ** (message.attempts - 1))
            self.outbox.retry(message.id, error=outcome.error, now=now, delay_s=delay)
        return outcome.ok
