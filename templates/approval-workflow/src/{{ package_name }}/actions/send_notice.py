"""Demo action: queue a customer notice in a local mail queue.

A mail worker would send queued rows; rolling back cancels a notice that has not
been sent yet and refuses once it has (an email cannot be unsent).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..platform.database import Transaction
from ..proposals import ExecutionFailed
from .registry import Action, Change, ExecutionContext

AUDIENCE_WORDS = {"customer": "one customer", "segment": "a customer segment", "all_customers": "every customer"}


class NoticeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: Literal["customer", "segment", "all_customers"] = "customer"
    recipient: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)


SCHEMA = """
CREATE TABLE IF NOT EXISTS notice_outbox (
    id INTEGER PRIMARY KEY,
    proposal_id TEXT NOT NULL UNIQUE,
    audience TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'cancelled')),
    created_at TEXT NOT NULL
);
"""


def queue_notice(params: NoticeParams, ctx: ExecutionContext) -> dict[str, Any]:
    row = ctx.db.one(
        "INSERT INTO notice_outbox (proposal_id, audience, recipient, subject, body, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'queued', ?) RETURNING id",
        (ctx.proposal_id, params.audience, params.recipient, params.subject, params.body, ctx.now),
    )
    return {"outbox_id": int(row["id"]), "status": "queued", "recipient": params.recipient}


def cancel_notice(params: NoticeParams, ctx: ExecutionContext) -> dict[str, Any]:
    cursor = ctx.db.execute(
        "UPDATE notice_outbox SET status = 'cancelled' WHERE proposal_id = ? AND status = 'queued'",
        (ctx.proposal_id,),
    )
    if cursor.rowcount != 1:
        raise ExecutionFailed(f"notice for proposal {ctx.proposal_id} was already sent; it cannot be rolled back")
    return {"status": "cancelled", "recipient": params.recipient}


def preview_notice(params: NoticeParams, db: Transaction) -> list[Change]:
    queued = db.scalar(
        "SELECT COUNT(*) AS n FROM notice_outbox WHERE recipient = ? AND status = 'queued'", (params.recipient,)
    )
    return [
        Change(f"notices queued for {params.recipient}", str(queued), str(int(queued or 0) + 1)),
        Change("who receives it", "nobody", f"{AUDIENCE_WORDS[params.audience]} ({params.recipient})"),
        Change("subject", "", params.subject),
    ]


SEND_NOTICE = Action(
    name="send_notice",
    description="send a notice to a customer or a group of customers",
    params=NoticeParams,
    execute=queue_notice,
    compensate=cancel_notice,
    preview=preview_notice,
    schema=SCHEMA,
    prompt_params=("audience", "subject"),
)
