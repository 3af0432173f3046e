"""What a pattern plugs into the platform: its API, its eval predictor and its demo.

The platform's CLI and eval runner call these hooks, so platform code never
imports pattern modules and each pattern stays a thin layer on top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the web stack is imported only by `serve`, not by eval, gate or shadow
    from fastapi import FastAPI

    from .runtime import Runtime

Prediction = dict[str, Any]


@dataclass(frozen=True)
class PatternHooks:
    """`predict` answers one eval case; `demo` shows the pattern working offline; `open_stores` opens
    (and so migrates) the pattern's own databases for `<slug> migrate`."""

    create_app: Callable[[], FastAPI]
    predict: Callable[[Runtime, dict[str, Any]], Prediction]
    demo: Callable[[Runtime], None]
    open_stores: Callable[[Runtime], None] | None = None
