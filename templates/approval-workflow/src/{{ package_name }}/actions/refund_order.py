"""Demo action: refund an order by writing to a local refund ledger.

Replace the ledger insert with your payment provider's refund call, passing
`ctx.idempotency_key` as the provider's idempotency key.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..platform.database import Transaction
from .registry import Action, Change, ExecutionContext

MINOR_UNITS = {"JPY": 0}  # digits after the decimal point; 2 for every currency not listed


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
CREATE INDEX IF NOT EXISTS refund_ledger_by_order ON refund_ledger (order_id);
"""


def minor_units(amount: float, currency: str) -> int:
    return round(amount * 10 ** MINOR_UNITS.get(currency, 2))


def refund(params: RefundParams, ctx: ExecutionContext) -> dict[str, Any]:
    return _write(params, ctx, "refund", minor_units(params.amount, params.currency))


def reverse_refund(params: RefundParams, ctx: ExecutionContext) -> dict[str, Any]:
    return _write(params, ctx, "reversal", -minor_units(params.amount, params.currency))


def preview_refund(params: RefundParams, db: Transaction) -> list[Change]:
    refunded = db.scalar(
        "SELECT COALESCE(SUM(amount_cents), 0) AS total FROM refund_ledger WHERE order_id = ? AND currency = ?",
        (params.order_id, params.currency),
    )
    scale = 10 ** MINOR_UNITS.get(params.currency, 2)
    before = int(refunded or 0) / scale
    after = before + minor_units(params.amount, params.currency) / scale
    return [
        Change(
            f"refunded on order {params.order_id}", f"{before:.2f} {params.currency}", f"{after:.2f} {params.currency}"
        )
    ]


def _write(params: RefundParams, ctx: ExecutionContext, kind: str, amount: int) -> dict[str, Any]:
    row = ctx.db.one(
        "INSERT INTO refund_ledger (proposal_id, kind, order_id, amount_cents, currency, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (ctx.proposal_id, kind, params.order_id, amount, params.currency, ctx.now),
    )
    return {"ledger_id": int(row["id"]), "kind": kind, "order_id": params.order_id, "amount_cents": amount}


REFUND_ORDER = Action(
    name="refund_order",
    description="refund a paid order to the customer",
    params=RefundParams,
    execute=refund,
    compensate=reverse_refund,
    preview=preview_refund,
    schema=SCHEMA,
    prompt_params=("order_id", "amount", "currency"),
)
