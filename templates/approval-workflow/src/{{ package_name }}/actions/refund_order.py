"""Demo action: refund an order by writing to a local refund ledger.

Replace the ledger insert with your payment provider's refund call, passing
`ctx.idempotency_key` as the provider's idempotency key.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .registry import Action, ExecutionContext


class RefundParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(pattern=r"^[A-Za-z0-9-]{3,32}$")
    amount: float = Field(gt=0, le=1_000_000)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


SCHEMA = """
CREATE TABLE IF NOT EXISTS refund_ledger (
    id INTEGER PRIMARY KEY,
    proposal_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('refund', 'reversal')),
    order_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (proposal_id, kind)
);
"""


def refund(params: RefundParams, ctx: ExecutionContext) -> dict[str, Any]:
    return _write(params, ctx, "refund", round(params.amount * 100))


def reverse_refund(params: RefundParams, ctx: ExecutionContext) -> dict[str, Any]:
    return _write(params, ctx, "reversal", -round(params.amount * 100))


def _write(params: RefundParams, ctx: ExecutionContext, kind: str, cents: int) -> dict[str, Any]:
    cursor = ctx.db.execute(
        "INSERT INTO refund_ledger (proposal_id, kind, order_id, amount_cents, currency, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (ctx.proposal_id, kind, params.order_id, cents, params.currency, ctx.now),
    )
    return {"ledger_id": cursor.lastrowid, "kind": kind, "order_id": params.order_id, "amount_cents": cents}


REFUND_ORDER = Action(
    name="refund_order",
    description="refund a paid order to the customer",
    params=RefundParams,
    execute=refund,
    compensate=reverse_refund,
    schema=SCHEMA,
    prompt_params=("order_id", "amount", "currency"),
)
