"""Model prices (`policies/pricing.yml`): the one table that turns tokens into dollars.

Prices are held as whole nanodollars (1e-9 USD) per 1,000 tokens and costs are rounded
*up* to a whole nanodollar, so sums in the cost ledger are exact integers: a budget check
must never pass or fail because of float drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ConfigError

NANO_PER_USD = 1_000_000_000
_SNAPSHOT_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")

Price = Annotated[float, Field(ge=0, strict=True, allow_inf_nan=False)]


def to_nano(usd: float) -> int:
    """USD -> whole nanodollars (nearest); used for limits and prices."""
    return round(usd * NANO_PER_USD)


def to_usd(nano: int) -> float:
    return nano / NANO_PER_USD


class _ModelPriceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input_per_1k: Price
    output_per_1k: Price


class _PricingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    currency: Literal["USD"]
    models: dict[str, _ModelPriceSpec] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _dates_are_versions(cls, value: object) -> object:
        # An unquoted `version: 2026-11-01` is a YAML date; it is still a fine version.
        return value if isinstance(value, str) or value is None else str(value)

    @field_validator("models")
    @classmethod
    def _names_are_plain(cls, models: dict[str, _ModelPriceSpec]) -> dict[str, _ModelPriceSpec]:
        for name in models:
            if not name.strip() or name != name.strip():
                raise ValueError(f"model name {name!r} must be non-empty without outer spaces")
        return models


@dataclass(frozen=True)
class ModelPrice:
    """Price of one model in nanodollars per 1,000 tokens."""

    input_nano_per_1k: int
    output_nano_per_1k: int

    @property
    def is_free(self) -> bool:
        return self.input_nano_per_1k == 0 and self.output_nano_per_1k == 0


class Pricing:
    """A validated, versioned price table. Build it with `Pricing.load(path)`."""

    def __init__(self, *, version: str, owner: str, models: dict[str, ModelPrice], source: str = "pricing.yml"):
        self.version = version
        self.owner = owner
        self.currency = "USD"
        self.models = dict(models)
        self.source = source

    @classmethod
    def load(cls, path: Path) -> Pricing:
        """Parse and validate the price table; any defect is one `ConfigError` line naming the field."""
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise ConfigError(f"pricing file not found: {path}") from error
        except yaml.YAMLError as error:
            raise ConfigError(f"{Path(path).name}: not valid YAML ({error})") from error
        try:
            spec = _PricingSpec.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise ConfigError(f"{Path(path).name}: {where}: {first['msg']}") from error
        models = {
            name: ModelPrice(to_nano(entry.input_per_1k), to_nano(entry.output_per_1k))
            for name, entry in spec.models.items()
        }
        return cls(version=spec.version, owner=spec.owner, models=models, source=Path(path).name)

    @property
    def known(self) -> list[str]:
        return sorted(self.models)

    def require(self, model: str) -> ModelPrice:
        """The price of `model`; an unpriced model is a configuration error, never a free call."""
        try:
            return self.models[model]
        except KeyError:
            raise ConfigError(f"{self.source}: model {model!r} is not priced; known: {', '.join(self.known)}") from None

    def resolve(self, model: str) -> str | None:
        """The priced name for `model`, accepting a dated snapshot ('gpt-4o-2024-08-06' -> 'gpt-4o')."""
        if model in self.models:
            return model
        base = _SNAPSHOT_SUFFIX.sub("", model)
        return base if base in self.models else None

    def cost_nano(self, model: str, input_tokens: int, output_tokens: int) -> int:
        """Exact cost in nanodollars, rounded up so the ledger never under-counts."""
        if input_tokens < 0 or output_tokens < 0:
            raise ValueError(f"token counts must be >= 0, got input={input_tokens} output={output_tokens}")
        price = self.require(model)
        numerator = input_tokens * price.input_nano_per_1k + output_tokens * price.output_nano_per_1k
        return -(-numerator // 1000)

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float:
        """Cost of one call in USD."""
        return to_usd(self.cost_nano(model, input_tokens, output_tokens))
