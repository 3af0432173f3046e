"""The eval predictor and retrieval metrics: answers one golden case against an index of the sample corpus.

The eval index is its own namespace, so running evals never touches the served index,
and freshness is judged as of the dataset's `freshness_date` (the day its answers were
checked), so a golden set does not rot just because the calendar moved on.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from .config import get_rag_settings
from .platform.assets import load_dataset_meta
from .platform.auth import Caller
from .platform.errors import Refused
from .platform.evals.metrics import CaseMetric, Expected, register
from .platform.knowledge.retrieval.backends import open_store
from .platform.pattern import Prediction
from .platform.runtime import Runtime
from .service import RagService

_services: dict[date, RagService] = {}
_lock = threading.Lock()


def eval_service(runtime: Runtime, as_of: date) -> RagService:
    """The eval index for this runtime, synced with the corpus once (cases then run in parallel)."""
    with _lock:
        service = _services.get(as_of)
        if service is None or service.runtime is not runtime:
            if service is not None:
                service.close()
            config = get_rag_settings().model_copy(update={"answer_cache_size": 0})
            store = open_store(runtime.settings, config, namespace="eval")
            service = RagService(runtime, store, config, today=lambda: as_of)
            service.ingest_folder(runtime.settings.path(config.corpus_dir), actor="eval")
            _services[as_of] = service
        return service


def predict(runtime: Runtime, case: dict[str, Any]) -> Prediction:
    settings = runtime.settings
    dataset = case.get("dataset", "rag_golden")
    meta = load_dataset_meta(settings.path(settings.evals_dir) / "datasets" / f"{dataset}.meta.yml")
    service = eval_service(runtime, meta.freshness_date)
    question = case["input"]["question"]
    caller = Caller("eval", frozenset({"query"}), case["input"].get("clearance", "internal"))
    try:
        answer = service.ask(question, caller)
    except Refused as refusal:
        return {
            "answer": "",
            "refused": True,
            "retrieved_ids": [],
            "citations": [],
            "cited_texts": [],
            "refused_by": refusal.control,
        }
    ranked_documents = list(dict.fromkeys(item.chunk.document_id for item in answer.retrieved))
    return {
        "answer": answer.text,
        "refused": answer.refused,
        "retrieved_ids": ranked_documents,
        "citations": [citation.document_id for citation in answer.citations],
        "cited_texts": [citation.quote for citation in answer.citations],
        "cost_usd": answer.cost_usd,
    }


# -- retrieval metrics (registered with the platform's eval metrics when this module loads) ------


def _recall_at(k: int) -> CaseMetric:
    def recall(prediction: Prediction, expected: Expected) -> float | None:
        relevant = set(expected.get("relevant_ids") or [])
        if not relevant or "retrieved_ids" not in prediction:
            return None
        return len(relevant & set(prediction["retrieved_ids"][:k])) / len(relevant)

    recall.__doc__ = f"Share of relevant documents among the first {k} retrieved."
    return recall


for _k in (1, 3, 5, 10):
    register(f"retrieval_recall_at_{_k}")(_recall_at(_k))


@register("mrr")
def mean_reciprocal_rank(prediction: Prediction, expected: Expected) -> float | None:
    """1 / rank of the first relevant document retrieved (0 when none is)."""
    relevant = set(expected.get("relevant_ids") or [])
    if not relevant or "retrieved_ids" not in prediction:
        return None
    for rank, doc in enumerate(prediction["retrieved_ids"], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0
