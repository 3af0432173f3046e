"""The worker: executes approved proposals, runs the timers, delivers webhooks, drains the audit outbox.

Run it inside `serve` (`APPROVAL_WORKER_THREADS`, default 1) or as separate processes
(`<slug> worker`), as many as you like: on PostgreSQL they claim jobs with
`FOR UPDATE SKIP LOCKED`, and every execution re-checks the proposal's state under a row
lock, so no action runs twice. A worker that dies mid-job loses only its lease: another
worker picks the job up once the lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from itertools import count

from .platform.webhooks import WebhookRelay, WebhookSender
from .service import EXECUTE_TOPIC, ProposalService

LEASE_S = 60.0
log = logging.getLogger(__name__)
_numbers = count(1)


class Worker:
    """One worker's turns; `run_once` does one round of everything and says how much it did."""

    def __init__(self, service: ProposalService, *, name: str | None = None) -> None:
        self.service = service
        self.name = name or f"worker:{socket.gethostname()}:{os.getpid()}:{next(_numbers)}"
        self.relay = webhook_relay(service)

    def run_once(self, *, batch: int = 20) -> int:
        done = self.service.drain_audit()
        done += len(self.service.expire_due()) + len(self.service.escalate_due())
        jobs = self.service.outbox.claim(
            EXECUTE_TOPIC, worker=self.name, now=self.service.clock(), lease_s=LEASE_S, limit=batch
        )
        for job in jobs:
            self.service.run_job(job, worker=self.name)
        done += len(jobs)
        if self.relay is not None:
            done += self.relay.run_once(worker=self.name, limit=batch)
        return done + self.service.drain_audit()

    def run_until_idle(self, *, max_rounds: int = 1000) -> int:
        """Rounds until one finds nothing to do (tests, `worker --once`, recovery after a crash)."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    def run(self, stop: threading.Event) -> None:
        """Until `stop` is set; an error in one round is logged and the next round goes on."""
        while not stop.is_set():
            try:
                busy = self.run_once() > 0
            except Exception:  # noqa: BLE001 - a worker outlives one bad round
                log.exception("%s: round failed", self.name)
                busy = False
            if not busy:
                stop.wait(self.service.settings.poll_interval_s)


def webhook_relay(service: ProposalService) -> WebhookRelay | None:
    settings = service.settings
    if not settings.webhook_url:
        return None
    sender = WebhookSender(settings.webhook_url, settings.webhook_secret.get_secret_value().encode())
    return WebhookRelay(service.outbox, sender, clock=service.clock)


class BackgroundWorkers:
    """Worker threads next to the API (started and stopped with the app)."""

    def __init__(self, service: ProposalService, threads: int) -> None:
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=Worker(service).run, args=(self.stop,), name=f"approval-worker-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=10)
