"""Non-English attacks and look-alikes from three more wheels, added to widen the multilingual family.

Added on 2026-12-03 after the family missed its target on 39 untuned samples; the sources were chosen
by a survey of what wheels ship (the count and labels of their non-English attack text), not by how the
guard did on them, and each loader's category mapping was fixed before the guard ran on the new data:

- `agent-redteam` (MIT): hand-written Chinese agent attacks with categories. Taken: the jailbreak,
  system-prompt, guardrail, multilingual and chain-attack questions of `info_leak`, the authority
  claims of `excessive_agency`, the authority-claim, role-play and jailbreak-progression
  conversations of `multi_turn` (the user's turns joined, one per line). Left out: its questions
  about model config, tools or side channels (several are harmless questions labelled "should
  refuse"), data and PII requests, harmful or destructive requests (not a text guard's job), and its
  `injection` suite: it was first read as retrieved documents, but each item labels a proposed tool
  call (`action`) given a scene (`context`), and the scene alone is sometimes bare ("agent 在处理一个
  RSS feed 条目。"), so the label does not say the text is an attack (seen while reading tuned misses).
  Benign: `over_refusal`'s should-answer security questions.
- `prompt-armor` (Apache-2.0; it repackages public sets: llmail-inject, SaTML CTF 2024, deepset,
  Gandalf, in-the-wild jailbreaks): its known attacks whose language py3langid names with p >= 0.99
  (English ones are left out: the English families are covered already), and its benign
  "ignore / forget" look-alikes in de, fr, es, pt.
- `vamp-llm-probe` (AGPL-3.0; its data is read, its code never imported): its bundled Spanish
  injection and jailbreak lists.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from .public_data import _attack, _jsonl, package_dir
from .synthetic import Sample

_REDTEAM_REQUESTS = {
    ("info_leak", "jailbreak"): "jailbreak_persona",
    ("info_leak", "system-prompt"): "extraction",
    ("info_leak", "guardrails"): "extraction",
    ("info_leak", "multilingual"): "extraction",
    ("info_leak", "chain-attack"): "goal_hijacking",
    ("excessive_agency", "authority-claim"): "persona_authority",
}
_REDTEAM_CONVERSATIONS = {
    "authority-claim": "persona_authority",
    "role-play-injection": "jailbreak_persona",
    "jailbreak-progression": "jailbreak_persona",
}
_ARMOR_KIND = {
    "prompt_injection": "goal_hijacking",
    "instruction_bypass": "goal_hijacking",
    "jailbreak": "jailbreak_persona",
    "identity_override": "jailbreak_persona",
    "social_engineering": "persona_authority",
    "system_prompt_leak": "extraction",
    "data_exfiltration": "exfiltration",
    "encoding_attack": "encoded",
}
MIN_LANGUAGE_CONFIDENCE = 0.99


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language(text: str) -> str:
    """The text's language when py3langid is sure of it (p >= 0.99), else ""."""
    lang, probability = _identifier().classify(text)
    return lang if probability >= MIN_LANGUAGE_CONFIDENCE else ""


def _redteam_language(text: str) -> str:
    """agent-redteam writes Chinese and some English: a text py3langid cannot place is zh if it has Han."""
    return language(text) or ("zh" if any("\u4e00" <= char <= "\u9fff" for char in text) else "en")


def agent_redteam() -> tuple[list[Sample], list[Sample]]:
    """(attacks, benign) from agent-redteam's suites."""
    suites = package_dir("agent_redteam") / "suites"
    attacks, benign = [], []
    for (suite, category), kind in _REDTEAM_REQUESTS.items():
        for row in _jsonl(suites / suite / "data.jsonl"):
            if row["category"] == category and row.get("label") == "should_refuse":
                text = row["question"]
                lang = _redteam_language(text)
                attacks.append(_attack(text, "agent-redteam", kind, group=f"agent-redteam:{row['id']}", lang=lang))
    for row in _jsonl(suites / "multi_turn" / "data.jsonl"):
        kind = _REDTEAM_CONVERSATIONS.get(row["category"])
        said = [turn["content"] for turn in row["turns"] if turn.get("role") == "user"]
        if kind and said:
            text, group = "\n".join(said), f"agent-redteam:{row['id']}"
            attacks.append(_attack(text, "agent-redteam", kind, group=group, lang=_redteam_language(text)))
    for row in _jsonl(suites / "over_refusal" / "data.jsonl"):
        if row.get("label") == "should_answer":
            text = row["question"]
            lang = _redteam_language(text)
            benign.append(Sample(text, "agent-redteam:benign", group=f"agent-redteam:{row['id']}", lang=lang))
    return attacks, benign


def prompt_armor() -> tuple[list[Sample], list[Sample]]:
    """(non-English known attacks, benign look-alikes) from prompt-armor's data files."""
    data = package_dir("prompt_armor") / "data" / "attacks"
    attacks, openings = [], set()
    for row in _jsonl(data / "known_attacks.jsonl"):
        lang = language(row["text"])
        kind = _ARMOR_KIND.get(row["category"])
        if lang not in ("", "en", "zxx") and kind:
            source = f"prompt-armor:{row['source']}"
            # Competition entries come in runs of near-copies (one team's retries, 40 of one hotel e-mail):
            # the first entry per opening stands for the run, so no run outweighs the rest.
            group = f"{source}:{' '.join(row['text'].split())[:32]}"
            if group in openings:
                continue
            openings.add(group)
            channel = "document" if row["source"] == "llmail-inject" else "request"  # e-mails the assistant reads
            attacks.append(_attack(row["text"], source, kind, group=group, lang=lang, channel=channel))
    benign = [
        Sample(row["text"], f"prompt-armor:benign:{row['lang']}", lang=row["lang"])
        for row in _jsonl(data / "benign_exemplars.jsonl")
        if row["lang"] != "en"
    ]
    return attacks, benign


def vamp() -> list[Sample]:
    """vamp-llm-probe's bundled Spanish injection and jailbreak lists (read as literals, not imported)."""
    tree = ast.parse((package_dir("vamp_llm_probe") / "_models.py").read_text("utf-8"))
    lists = {"_INYECCION_BUNDLED_ES": "goal_hijacking", "_JAILBREAK_BUNDLED_ES": "jailbreak_persona"}
    samples = []
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            name = getattr(targets[0], "id", "")
            if name in lists and node.value is not None:
                for element in node.value.elts:
                    text = _string(element)
                    if text:
                        samples.append(_attack(text, "vamp-llm-probe", lists[name], lang="es"))
    return samples


def _string(node: ast.expr) -> str:
    """A string literal, or literals joined with `+`; "" for the padding probes built with `*`
    ("A" * 500 + a marker word): flooding tests, not instructions."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left), _string(node.right)
        return left + right if left and right else ""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""
