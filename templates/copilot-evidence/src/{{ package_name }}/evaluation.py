"""Eval predictor: draft a case's brief from its library in a scratch ledger and report the evidence.

A case's input holds `requirements` and the library: `sources` inline and/or `library`, a folder
of Markdown documents shipped with the project (`evals/library`). `scripted_answer` replaces the
model with a fixed draft (its `{snippet}` placeholders become the tags of the source lines holding
those snippets) to test the verifier on adversarial drafts; `then_change` registers new versions
of documents after drafting, to test stale detection. Metrics: `copilot_metrics.py`.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from . import copilot_metrics  # noqa: F401 - registers the copilot metrics
from .drafting import build_user_message
from .linking import Candidate
from .platform.errors import Refused
from .platform.pattern import Prediction
from .platform.runtime import Runtime
from .records import Requirement
from .schemas import BriefCreate, DraftCreate, RequirementIn, SourceCreate
from .service import CopilotService

EVAL_ACTOR = "eval:drafter"
_SHARED: dict[Path, Path] = {}  # library folder -> a ledger holding it, shared by the cases that only read it
_LOCK = threading.Lock()
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def register_library(service: CopilotService, folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        if path.is_file():
            service.register_file(path, classification="public", actor=EVAL_ACTOR)


class ScriptedDraft(CopilotService):
    """The copilot with its model replaced by a fixed (adversarial) draft; everything else unchanged."""

    answer = ""

    def _write(
        self, requirement: Requirement, candidates: list[Candidate], actor: str, screened_out: int
    ) -> tuple[str, float, str]:
        message = build_user_message(candidates, requirement)

        def tag(match: re.Match[str]) -> str:
            found = [c.tag for c in candidates if match.group(1) in " ".join(c.quote.split())]
            return found[0] if found else "S999"

        assert message  # noqa: S101 - the scripted draft answers the same prompt the model would see
        return _PLACEHOLDER.sub(tag, self.answer), 0.0, "scripted"


def _service(runtime: Runtime, db_path: Path, scripted_answer: str | None) -> CopilotService:
    if scripted_answer is None:
        return CopilotService.from_runtime(runtime, db_path=db_path)
    service = ScriptedDraft.from_runtime(runtime, db_path=db_path)
    service.answer = scripted_answer  # type: ignore[attr-defined]
    return service


def _shared_ledger(runtime: Runtime, folder: Path) -> Path:
    """A ledger with the library registered once per process (cases that only read it draft there)."""
    with _LOCK:
        if folder not in _SHARED:
            scratch = Path(tempfile.mkdtemp(prefix="copilot-eval-library-"))
            atexit.register(shutil.rmtree, scratch, True)
            service = CopilotService.from_runtime(runtime, db_path=scratch / "evidence.sqlite3")
            register_library(service, folder)
            service.close()
            _SHARED[folder] = scratch / "evidence.sqlite3"
        return _SHARED[folder]


def predict(runtime: Runtime, case: dict[str, Any]) -> Prediction:
    data = case["input"]
    folder = runtime.settings.path(Path(data["library"])) if "library" in data else None
    private = folder is None or "sources" in data or "then_change" in data
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as scratch:
        db_path = Path(scratch) / "evidence.sqlite3" if private else _shared_ledger(runtime, folder)
        service = _service(runtime, db_path, data.get("scripted_answer"))
        if private and folder is not None:
            register_library(service, folder)
        for source in data.get("sources", []):
            service.register_source(SourceCreate.model_validate(source), actor=EVAL_ACTOR)
        requirements = [RequirementIn.model_validate(r) for r in data["requirements"]]
        brief = service.create_brief(BriefCreate(title=case["id"], requirements=requirements), actor=EVAL_ACTOR)
        try:
            draft = service.draft(DraftCreate(brief_id=brief.id), actor=EVAL_ACTOR, clearance="restricted")
            for change in data.get("then_change", []):
                service.register_source(SourceCreate.model_validate(change), actor=EVAL_ACTOR)
            draft = service.get_draft(draft.id)
        except Refused as refusal:
            return {"answer": "", "refused": True, "refused_by": refusal.control, "claims": [], "citations": []}
        finally:
            service.close()
    kept = [claim for claim in draft.claims if claim.status == "supported"]
    claims = [
        {
            "id": claim.id,
            "requirement": claim.requirement_id,
            "text": claim.text,
            "status": claim.status,
            "reasons": claim.reasons,
            "sources": sorted({ev.source_id for ev in claim.evidence}),
            "evidence": [
                {"doc": ev.source_id, "start": ev.start, "end": ev.end, "quote": ev.quote, "cited": ev.cited}
                for ev in claim.evidence
                if ev.verified and claim.status == "supported"
            ],
        }
        for claim in draft.claims
    ]
    grounding = [
        {"text": claim["text"], "evidence": " ".join(ev["quote"] for ev in claim["evidence"])} for claim in claims
    ]
    return {
        "grounding": grounding,
        "answer": " ".join(claim.text for claim in kept),
        "refused": not kept,
        "claims": claims,
        "citations": list(dict.fromkeys(ev.source_id for claim in kept for ev in claim.evidence if ev.cited)),
        "gaps": draft.gaps,
    }
