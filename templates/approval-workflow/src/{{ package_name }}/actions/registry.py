"""Executors: plain Python callables registered by name, with a params model each.

An executor runs inside the transaction that marks its proposal `executed`, so a local side
effect (a ledger row, an outbox row) commits together with the state change or not at all.
An executor that calls another system must pass `ctx.idempotency_key` along, so a retry after
a crash is a no-op downstream. `preview` reads (never writes) what executing would change,
for the reviewer's diff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..platform.database import Transaction
from ..proposals import InvalidProposal


@dataclass(frozen=True)
class ExecutionContext:
    db: Transaction
    proposal_id: str
    actor: str
    now: str

    @property
    def idempotency_key(self) -> str:
        return self.proposal_id


@dataclass(frozen=True)
class Change:
    """One line of the reviewer's diff: what `what` is now and what it will be after executing."""

    what: str
    before: str
    after: str


Executor = Callable[[Any, ExecutionContext], dict[str, Any]]
Preview = Callable[[Any, Transaction], list[Change]]


@dataclass(frozen=True)
class Action:
    """A registered action: what it does (for the prompt), its params, how to do, undo and preview it.

    `prompt_params` names the params the model may see; the rest (recipients, message
    bodies) stay out of the prompt, so personal data is not sent to a model to justify an action.
    """

    name: str
    description: str
    params: type[BaseModel]
    execute: Executor
    compensate: Executor | None = None
    preview: Preview | None = None
    schema: str = ""
    prompt_params: tuple[str, ...] = ()


class ActionRegistry:
    def __init__(self, actions: Iterable[Action] = ()) -> None:
        self._actions: dict[str, Action] = {}
        for action in actions:
            self.register(action)

    def register(self, action: Action) -> None:
        if action.name in self._actions:
            raise ValueError(f"action {action.name!r} is already registered")
        self._actions[action.name] = action

    def names(self) -> list[str]:
        return sorted(self._actions)

    def get(self, name: str) -> Action:
        try:
            return self._actions[name]
        except KeyError:
            raise InvalidProposal(f"action {name!r} is not registered; registered actions: {self.names()}") from None

    def validate_params(self, name: str, params: dict[str, Any]) -> BaseModel:
        """Validate params against the action's model; the error names the field."""
        action = self.get(name)
        try:
            return action.params.model_validate(params)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(all)"
            raise InvalidProposal(f"params.{where}: {first['msg']} (action {name})") from error

    def schema(self) -> str:
        """DDL for every action's own tables, created with the proposal store."""
        return "\n".join(action.schema for action in self._actions.values() if action.schema)
