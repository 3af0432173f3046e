"""A small learned signal beside the hand-written ones: a linear model over words and word pairs.

Hand-written signals catch what their authors foresaw; in-the-wild jailbreaks (role-plays with
no injection wording, personas with invented names) keep finding new phrasings. This model
scores the wording of the whole request instead. It is plain data (`injection_model.json`:
a weight per word or word pair, a bias and a threshold), trained offline by the template's
`benchmarks/train_guard_model.py` on the *tuned* split of public attack data only, so its
recall on the untuned split is a measurement, not a fit. Scoring is pure Python, offline and
deterministic: no download, no numpy.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .obfuscation import fold

BUNDLED = Path(__file__).with_name("injection_model.json")
FORMAT = 1

_WORD = re.compile(r"[^\W\d_]+|\d+")
# Scripts written without spaces: a run of them is split into character pairs instead of one "word".
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_ASCII_SEPARATORS = str.maketrans({chr(code): " " for code in range(128) if not chr(code).isalnum()})


def tokens(text: str) -> list[str]:
    """Words of the folded text (homoglyphs, accents, zero-width and full-width forms undone)."""
    folded = fold(text)[0].text.lower()
    words: list[str] = []
    if folded.isascii():  # the common case, 3x faster than the regex: same words (see the tests)
        for word in folded.translate(_ASCII_SEPARATORS).split():
            if word.isalpha() or word.isdigit():
                words.append(word)
            else:  # letters and digits run together ("inv2024"): split as the regex does
                words.extend(_WORD.findall(word))
        return words
    for word in _WORD.findall(folded):
        if _UNSPACED.search(word):
            words.extend(word[index : index + 2] for index in range(max(1, len(word) - 1)))
        else:
            words.append(word)
    return words


def features(text: str) -> set[str]:
    """Every word and every pair of neighbouring words, present or absent (no counts)."""
    words = tokens(text)
    found = set(words)
    found.update(map(" ".join, zip(words, words[1:], strict=False)))
    return found


def norm(known: int, min_features: int) -> float:
    """The divisor of the summed weights: sqrt of the known features, never below sqrt(`min_features`).

    A plain L2 norm lets three known words of a short request outvote everything; a request
    of five words carries little evidence, so its verdict is pulled toward the bias instead.
    """
    return math.sqrt(max(known, min_features, 1))


@dataclass(frozen=True, slots=True)
class LinearTextModel:
    """Logistic regression on binary features, normalised by `norm` over the features the model knows."""

    weights: dict[str, float]
    bias: float
    threshold: float
    version: str
    min_features: int = 1

    def probability(self, text: str) -> float:
        known = [self.weights[feature] for feature in features(text) if feature in self.weights]
        logit = self.bias + math.fsum(known) / norm(len(known), self.min_features)
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))

    def flags(self, text: str) -> tuple[bool, float]:
        probability = self.probability(text)
        return probability >= self.threshold, probability

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str) -> LinearTextModel:
        if data.get("format") != FORMAT:
            raise ConfigError(f"{where}: injection model format {data.get('format')!r}, this code reads {FORMAT}")
        try:
            return cls(
                weights={str(key): float(value) for key, value in data["weights"].items()},
                bias=float(data["bias"]),
                threshold=float(data["threshold"]),
                version=str(data["version"]),
                min_features=int(data.get("min_features", 1)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ConfigError(f"{where}: not an injection model ({type(error).__name__}: {error})") from None

    @classmethod
    def load(cls, path: Path) -> LinearTextModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path}: injection model is not readable JSON ({error})") from None
        return cls.from_dict(data, where=str(path))


@lru_cache(maxsize=1)
def bundled_model() -> LinearTextModel:
    """The model shipped with the platform, read once per process."""
    return LinearTextModel.load(BUNDLED)
