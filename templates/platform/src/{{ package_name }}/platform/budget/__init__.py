"""The cost budget: prices, the ledger of reservations and spend, the guard, anomaly alerts, reports.

guard.py           BudgetGuard: reserve the worst case before a model call, settle after
cost_ledger.py     CostLedger: every reservation and settled call in one SQLite file
pricing.py         Pricing: policies/pricing.yml, tokens to integer nanodollars
spend_anomaly.py   spend-rate alerts (z-score per UTC hour), webhook
cost_report.py     the `cost report` command's table and HTML page
"""

from ..errors import BudgetExceeded
from .cost_ledger import CostLedger
from .guard import BudgetGuard, Reservation, project_month_end
from .pricing import Pricing
from .spend_anomaly import AnomalyAlert

__all__ = [
    "AnomalyAlert",
    "BudgetExceeded",
    "BudgetGuard",
    "CostLedger",
    "Pricing",
    "Reservation",
    "project_month_end",
]
