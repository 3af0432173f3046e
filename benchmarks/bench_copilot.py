"""Evidence copilot: draft time for a 20-requirement brief over a 500-document library, and verification
cost per claim (the deterministic support check, and the optional model-graded check).

A copilot-evidence project is generated with default answers and installed in its own virtualenv;
500 documents of the Kubernetes API reference (copilot_corpus.py; Markdown with every 10th as HTML,
every 25th as DOCX and every 50th as PDF) are registered through the platform knowledge service; the
brief holds 16 requirements of the golden set plus 4 the library cannot answer. The model is the
offline local provider, so draft time is the copilot's own work (retrieval, prompt, verification,
ledger): with a hosted model, add its latency per requirement. Quality of the same drafts is in the
eval set (`<slug> eval`); this measures speed and cost only.

    .venv/bin/python benchmarks/bench_copilot.py   # ~3 minutes; writes benchmarks/results/copilot.md
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from copilot_corpus import documents  # noqa: E402
from copilot_golden import ANSWERABLE, GAPS, LIBRARY  # noqa: E402
from report_file import write_report  # noqa: E402

from paved_roads.generate import generate  # noqa: E402
from paved_roads.project_env import ProjectEnv  # noqa: E402

LIBRARY_SIZE = 500
RUNS = 5
INNER = r"""
import json, statistics, sys, tempfile, time
from pathlib import Path
from copilot_evidence.platform.runtime import Runtime
from copilot_evidence.platform.settings import get_settings
from copilot_evidence.schemas import BriefCreate, DraftCreate, RequirementIn
from copilot_evidence.service import CopilotService
from copilot_evidence.support import check_support

library, brief_file, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
runtime = Runtime.from_settings(get_settings())
scratch = Path(tempfile.mkdtemp())
service = CopilotService.from_runtime(runtime, db_path=scratch / "evidence.sqlite3")
started = time.perf_counter()
files = sorted(library.iterdir())
for path in files:
    service.register_file(path, classification="public", actor="bench")
ingest_s = time.perf_counter() - started
requirements = [RequirementIn(text=text) for text in json.loads(brief_file.read_text())]
brief = service.create_brief(BriefCreate(title="bench", requirements=requirements), actor="bench")
times, drafts = [], []
for _ in range(runs + 1):  # the first run warms the index snapshot and the embedding model
    started = time.perf_counter()
    draft = service.draft(DraftCreate(brief_id=brief.id), actor="bench", clearance="restricted")
    times.append(time.perf_counter() - started)
    drafts.append(draft)
draft = drafts[-1]
pairs = [(c.text, ev.quote) for c in draft.claims for ev in c.evidence if ev.cited]
pairs += [(c.text, c.text) for c in draft.claims if not c.evidence]  # unsupported claims are checked too
rounds = 200
started = time.perf_counter()
for _ in range(rounds):
    for claim, quote in pairs:
        check_support(claim, quote)
check_us = (time.perf_counter() - started) / (rounds * len(pairs)) * 1e6
# The optional model-graded check: one gateway call per kept claim (local provider here).
kept = [c for c in draft.claims if c.status == "supported"]
started = time.perf_counter()
for claim in kept:
    service._model_check(claim.text, claim.evidence, "bench")
model_check_ms = (time.perf_counter() - started) / len(kept) * 1e3
verify_prompt = service.verify_prompt.text
prompt_bytes = [
    len(verify_prompt.encode()) + len(f"Source: {c.evidence[0].quote}\nClaim: {c.text}".encode()) for c in kept
]
print(json.dumps({
    "documents": len(files), "ingest_s": ingest_s, "requirements": len(requirements),
    "cold_s": times[0], "times": times[1:], "claims": len(draft.claims), "kept": len(kept), "gaps": draft.gaps,
    "check_us": check_us, "pairs": len(pairs), "model_check_ms": model_check_ms,
    "verify_input_bytes": statistics.median(prompt_bytes),
}))
"""


EVAL = r"""
import json
from collections import defaultdict
from pathlib import Path
from copilot_evidence.evaluation import predict
from copilot_evidence.platform.evals.metrics import METRICS
from copilot_evidence.platform.runtime import Runtime
from copilot_evidence.platform.settings import get_settings

runtime = Runtime.from_settings(get_settings())
names = ["citation_precision", "citation_recall", "span_contains_clause", "requirement_coverage", "gap_recall",
         "unflagged_adversarial_rate", "stale_detection"]
scores = defaultdict(lambda: defaultdict(list))
for line in Path("evals/datasets/drafts.jsonl").read_text().splitlines():
    case = json.loads(line)
    split = "untuned" if "untuned" in case["tags"] else "tuned"
    prediction = predict(runtime, case)
    for name in names:
        value = METRICS[name].score(prediction, case["expected"])
        if value is not None:
            scores[split][name].append(value)
print(json.dumps({split: {n: [sum(v) / len(v), len(v)] for n, v in found.items()} for split, found in scores.items()}))
"""


def library_folder(folder: Path) -> dict[str, int]:
    by_id = {document.id: document for document in documents()}
    chosen = [by_id[doc_id] for doc_id in LIBRARY]
    chosen += [document for document in by_id.values() if document.id not in LIBRARY][: LIBRARY_SIZE - len(chosen)]
    formats: dict[str, int] = {}
    for number, document in enumerate(chosen, start=1):
        suffix = ".pdf" if number % 50 == 0 else ".docx" if number % 25 == 0 else ".html" if number % 10 == 0 else ".md"
        document.write(folder, suffix)
        formats[suffix] = formats.get(suffix, 0) + 1
    return formats


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-copilot-") as tmp:
        root = Path(tmp)
        project = generate(root / "project", data={"pattern": "copilot-evidence"})
        env = ProjectEnv(project)
        env.install()
        library = root / "library"
        library.mkdir()
        formats = library_folder(library)
        brief = root / "brief.json"
        brief.write_text(json.dumps([text for text, _, _ in ANSWERABLE[:16]] + GAPS[:4]))
        script = root / "inner.py"
        script.write_text(INNER)
        result = subprocess.run(
            [str(env.bin / "python"), str(script), str(library), str(brief), str(RUNS)],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        )
        data = json.loads(result.stdout.strip().splitlines()[-1])
        (root / "eval.py").write_text(EVAL)
        quality = subprocess.run(
            [str(env.bin / "python"), str(root / "eval.py")], cwd=project, capture_output=True, text=True, check=True
        )
        splits = json.loads(quality.stdout.strip().splitlines()[-1])
    median = statistics.median(data["times"])
    per_requirement = median / data["requirements"]
    tokens_in = data["verify_input_bytes"]  # a UTF-8 byte count bounds any BPE token count
    mini = tokens_in / 1000 * 0.00015 + 5 / 1000 * 0.0006
    full = tokens_in / 1000 * 0.0025 + 5 / 1000 * 0.01
    targets = {
        "citation_precision": ">= 0.85",
        "span_contains_clause": ">= 0.75",
        "requirement_coverage": ">= 0.9",
        "gap_recall": ">= 0.9",
        "unflagged_adversarial_rate": "0 (max)",
        "stale_detection": "1.0",
        "citation_recall": "reported",
    }
    rows = []
    for name, target in targets.items():
        cells = []
        for split in ("tuned", "untuned"):
            value, count = splits.get(split, {}).get(name, [None, 0])
            cells.append("n/a" if value is None else f"{value:.3f} (n={count})")
        rows.append(f"| {name} | {cells[0]} | {cells[1]} | {target} |")
    quality_rows = "\n".join(rows)
    kinds = ", ".join(f"{n} {suffix.lstrip('.').upper()}" for suffix, n in sorted(formats.items()))
    text = f"""# Evidence copilot — draft time and verification cost (`bench_copilot.py`)

Library: {data["documents"]} documents of the Kubernetes API reference ({kinds}), registered through the
platform knowledge service in {data["ingest_s"]:.1f} s ({data["documents"] / data["ingest_s"]:.0f} documents/s,
parse + ledger copy + index + embeddings). Brief: {data["requirements"]} requirements (16 from the golden
set, 4 the library cannot answer). Model: the offline local provider. {RUNS} drafts after one warm-up.

| measurement | result |
| --- | ---: |
| draft time, {data["requirements"]}-requirement brief, median of {RUNS} | {median:.2f} s |
| draft time, slowest of {RUNS} | {max(data["times"]):.2f} s |
| first draft after start (index snapshot and embedding model load) | {data["cold_s"]:.2f} s |
| per requirement (search, sentence selection, model call, claim check, ledger) | {per_requirement * 1000:.0f} ms |
| claim/span pairs timed for the support check | {data["pairs"]} |
| claims drafted / kept / gaps | {data["claims"]} / {data["kept"]} / {len(data["gaps"])} ({", ".join(data["gaps"])}) |
| support check per claim (polarity, modality, numbers, dates, amounts, parties) | {data["check_us"]:.0f} µs |
| optional model-graded check per claim, local provider through the gateway | {data["model_check_ms"]:.1f} ms |
| model-graded check input per claim (UTF-8 bytes, an upper bound on tokens) | {tokens_in:.0f} |
| model-graded check cost per claim at gpt-4o-mini / gpt-4o list prices | ${mini:.6f} / ${full:.6f} |

The deterministic check costs under a millisecond and no money per claim; the model-graded check (off by default,
`model_check: true` in rules/evidence.yml) adds one gateway call per kept claim: with a hosted model its
latency (hundreds of ms) and the cost above, both visible in the budget and the audit log.

## Golden set (the project's eval: Kubernetes API reference library, 51 cases), both splits in one run

| metric | tuned | untuned | target |
| --- | ---: | ---: | --- |
{quality_rows}

The `untuned` half (a hash of the case id, fixed before any result was read) was never used to change the
copilot. `n` is the number of cases the metric applies to.
"""
    write_report(Path(__file__).resolve().parent / "results" / "copilot.md", text)


if __name__ == "__main__":
    main()
