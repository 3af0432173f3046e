"""What a pattern plugs into the platform: its API, its eval predictor and its demo.

The platform's CLI and eval runner call these hooks, so platform code never
imports pattern modules and each pattern stays a thin layer on top.
"""

from __future__ import annotations

import importlib
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

    @classmethod
    def lazy(
        cls,
        package: str,
        *,
        create_app: str = "api.main:create_app",
        predict: str = "evaluation:predict",
        demo: str = "demo:demo",
        open_stores: Callable[[Runtime], None] | None = None,
    ) -> PatternHooks:
        """Hooks named `module:function` under `package`, imported on first call (defaults: every pattern's layout).

        The CLI is built from the hooks, so naming them instead of importing them keeps `--help`
        and every command that does not need the web stack or the predictor fast.
        """
        return cls(_on_call(package, create_app), _on_call(package, predict), _on_call(package, demo), open_stores)


def _on_call(package: str, reference: str) -> Callable[..., Any]:
    module, _, name = reference.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(f"{package}.{module}"), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
