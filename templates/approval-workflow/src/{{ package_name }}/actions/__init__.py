"""The actions this service may execute. Register yours in `default_registry`."""

from .refund_order import REFUND_ORDER
from .registry import Action, ActionRegistry, Change, ExecutionContext
from .send_notice import SEND_NOTICE


def default_registry() -> ActionRegistry:
    """Every action needs a rule in rules/action_risk.yml too, or the service will not start."""
    return ActionRegistry([REFUND_ORDER, SEND_NOTICE])


__all__ = ["Action", "ActionRegistry", "Change", "ExecutionContext", "default_registry"]
