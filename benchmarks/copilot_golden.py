"""The copilot's golden eval set over a public library (the Kubernetes API reference; see copilot_corpus.py).

Requirements are written as an RFP would ask them; each answerable one names the document and the
clause a correct answer must cite. Gaps ask what the library cannot answer. Adversarial cases give
the verifier a scripted draft that misstates its cited span (inverted polarity or modality, wrong
number, wrong party, wrong tag): none may be kept. Stale cases change a cited document afterwards.
The split is fixed by a hash of the case id before any result was read: `untuned` cases are never
used to change the copilot, only to report on.

`python benchmarks/copilot_golden.py` writes the eval library and dataset into the pattern folder.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from copilot_corpus import documents

PATTERN = Path(__file__).resolve().parent.parent / "templates" / "copilot-evidence"
LIBRARY = [
    "core-v1-probe", "apps-v1-rollingupdatedeployment", "policy-v1-poddisruptionbudgetspec",
    "autoscaling-v2-horizontalpodautoscalerspec", "core-v1-resourcequotaspec", "core-v1-secret",
    "networking-v1-networkpolicyspec", "batch-v1-cronjobspec", "batch-v1-jobspec", "core-v1-configmap",
    "apps-v1-statefulsetspec", "apps-v1-deploymentspec", "scheduling-v1-priorityclass",
    "core-v1-emptydirvolumesource", "core-v1-toleration", "core-v1-securitycontext", "core-v1-podspec",
    "core-v1-servicespec", "storage-v1-storageclass",
    "apps-v1-daemonsetspec", "core-v1-persistentvolumeclaimspec", "coordination-v1-leasespec",
    "core-v1-serviceaccount", "networking-v1-ingressspec", "core-v1-container", "core-v1-limitrange",
    "rbac-v1-role", "core-v1-nodespec", "core-v1-volumemount", "core-v1-httpgetaction",
]  # fmt: skip
# (requirement, gold document, gold clause the cited span must contain)
ANSWERABLE = [
    ("Describe what a health check performed against a container determines.", "core-v1-probe",
     "determine whether it is alive or ready to receive traffic"),
    ("How often is a container health check performed?", "core-v1-probe",
     "How often (in seconds) to perform the probe"),
    ("What limits the number of pods that are unavailable during a rolling update?", "apps-v1-rollingupdatedeployment",
     "The maximum number of pods that can be unavailable during the update"),
    ("How many pods can be scheduled above the desired number of pods during an update?",
     "apps-v1-rollingupdatedeployment", "The maximum number of pods that can be scheduled above the desired number"),
    ("How can all voluntary evictions of pods be prevented?", "policy-v1-poddisruptionbudgetspec",
     "prevent all voluntary evictions"),
    ("What is the upper limit for the number of replicas the autoscaler can scale up to?",
     "autoscaling-v2-horizontalpodautoscalerspec", "maxReplicas is the upper limit for the number of replicas"),
    ("What is the lower limit for the number of replicas when the autoscaler scales down?",
     "autoscaling-v2-horizontalpodautoscalerspec", "minReplicas is the lower limit for the number of replicas"),
    ("How are hard limits on resources defined for a quota?", "core-v1-resourcequotaspec",
     "hard is the set of desired hard limits for each named resource"),
    ("Can the data stored in a Secret be protected against updates?", "core-v1-secret",
     "ensures that data stored in the Secret cannot be updated"),
    ("Is there a size limit on the data held in a Secret?", "core-v1-secret",
     "The total bytes of the values in the Data field must be less than MaxSecretSize bytes"),
    ("Can configuration data stored in a ConfigMap be made immutable?", "core-v1-configmap",
     "ensures that data stored in the ConfigMap cannot be updated"),
    ("Which pods does a network policy apply to?", "networking-v1-networkpolicyspec",
     "podSelector selects the pods to which this NetworkPolicy object applies"),
    ("How many failed finished jobs does a scheduled CronJob retain?", "batch-v1-cronjobspec",
     "The number of failed finished jobs to retain"),
    ("Can subsequent executions of a scheduled job be suspended?", "batch-v1-cronjobspec",
     "This flag tells the controller to suspend subsequent executions"),
    ("How many retries happen before a job is marked as failed?", "batch-v1-jobspec",
     "Specifies the number of retries before marking this job failed"),
    ("How many pods may a job run at any given time?", "batch-v1-jobspec",
     "Specifies the maximum desired number of pods the job should run at any given time"),
    ("Can containers be added to or removed from a pod?", "core-v1-podspec",
     "Containers cannot currently be added or removed"),
    ("How many containers must a pod have at minimum?", "core-v1-podspec",
     "There must be at least one container in a Pod"),
    ("Which restart policy applies to the containers within a pod?", "core-v1-podspec",
     "Restart policy for all containers within the pod"),
    ("How is the cluster IP address of a service assigned?", "core-v1-servicespec",
     "clusterIP is the IP address of the service and is usually assigned randomly"),
    ("How long must a newly created StatefulSet pod be ready before it is considered available?",
     "apps-v1-statefulsetspec", "Minimum number of seconds for which a newly created pod should be ready"),
    ("What does a priority class map a priority class name to?", "scheduling-v1-priorityclass",
     "PriorityClass defines mapping from a priority class name to the priority integer value"),
    ("What does a storage class describe?", "storage-v1-storageclass",
     "StorageClass describes the parameters for a class of storage"),
    ("How many copies of its pod does a DaemonSet create on each matching node?", "apps-v1-daemonsetspec",
     "The DaemonSet will create exactly one copy of this pod on every node"),
    ("How long do lease candidates need to wait before they can force acquire a lease?", "coordination-v1-leasespec",
     "leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it"),
    ("Which TLS port does an Ingress support?", "networking-v1-ingressspec",
     "Currently the Ingress only supports a single TLS port, 443"),
    ("Can a process in a container gain more privileges than its parent process?", "core-v1-securitycontext",
     "AllowPrivilegeEscalation controls whether a process can gain more privileges than its parent process"),
    ("How many old ReplicaSets does a Deployment retain to allow rollback?", "apps-v1-deploymentspec",
     "The number of old ReplicaSets to retain to allow rollback"),
]  # fmt: skip
GAPS = [
    "What is the monthly price per node of the managed service?",
    "Which ISO certifications does the data centre operator hold?",
    "How many support engineers are on call at night?",
    "What contractual penalty applies when the availability target is missed?",
    "In which cities are the provider's data centres located?",
    "What discount applies to a three-year commitment?",
    "Describe the onboarding training offered to the customer's staff.",
    "Who is the named account manager for this contract?",
]
# (kind, requirement, scripted draft: {snippet} becomes the tag of the source line holding snippet)
ADVERSARIAL = [
    ("inverted_polarity", "Can containers be added to or removed from a pod?",
     "Containers can currently be added or removed [{Containers cannot currently be added}]."),
    ("inverted_polarity", "Can the data stored in a Secret be protected against updates?",
     "Immutable, if set to true, ensures that data stored in the Secret can be updated "
     "[{data stored in the Secret cannot be updated}]."),
    ("inverted_polarity", "How many containers must a pod have at minimum?",
     "There need not be any container in a Pod [{There must be at least one container}]."),
    ("inverted_polarity", "Is there a size limit on the data held in a Secret?",
     "The total bytes of the values in the Data field may be more than MaxSecretSize bytes "
     "[{must be less than MaxSecretSize bytes}]."),
    ("wrong_number", "How many old ReplicaSets does a Deployment retain to allow rollback?",
     "By default 5 old ReplicaSets are retained to allow rollback [{old ReplicaSets to retain}]."),
    ("wrong_number", "How often is a container health check performed?",
     "The probe is performed every 30 seconds [{How often (in seconds) to perform the probe}]."),
    ("wrong_number", "Which TLS port does an Ingress support?",
     "Currently the Ingress only supports a single TLS port, 8443 [{single TLS port}]."),
    ("wrong_party", "Which pods does a network policy apply to?",
     "The kubelet selects the pods to which this NetworkPolicy object applies [{podSelector selects the pods}]."),
    ("wrong_party", "How is the cluster IP address of a service assigned?",
     "The user assigns the IP address of the service [{clusterIP is the IP address of the service}]."),
    ("wrong_party", "How many retries happen before a job is marked as failed?",
     "The scheduler specifies the number of retries before marking this job failed "
     "[{number of retries before marking this job failed}]."),
    ("wrong_tag", "What is the upper limit for the number of replicas the autoscaler can scale up to?",
     "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up "
     "[{minReplicas is the lower limit}]."),
    ("wrong_tag", "How many failed finished jobs does a scheduled CronJob retain?",
     "The number of failed finished jobs to retain [{The number of successful finished jobs to retain}]."),
    ("wrong_tag", "Which restart policy applies to the containers within a pod?",
     "Restart policy for all containers within the pod [{There must be at least one container}]."),
]  # fmt: skip
STALE = [
    ("Can the data stored in a Secret be protected against updates?", "core-v1-secret"),
    ("What limits the number of pods that are unavailable during a rolling update?", "apps-v1-rollingupdatedeployment"),
]
LIBRARY_FOLDER = "evals/library"


def split(case_id: str) -> str:
    """Fixed before any result was read: half the cases are never tuned on."""
    return "untuned" if hashlib.sha256(case_id.encode()).digest()[0] % 2 else "tuned"


def cases() -> list[dict]:
    found = []
    for number, (text, doc, clause) in enumerate(ANSWERABLE, start=1):
        case_id = f"answer-{number:02d}-{doc}"
        found.append(
            {
                "id": case_id,
                "input": {"library": LIBRARY_FOLDER, "requirements": [{"id": "R1", "text": text}]},
                "expected": {"clauses": {"R1": [clause]}, "relevant_ids": [doc], "gaps": []},
                "tags": ["answerable", split(case_id)],
            }
        )
    for number, text in enumerate(GAPS, start=1):
        case_id = f"gap-{number:02d}"
        found.append(
            {
                "id": case_id,
                "input": {"library": LIBRARY_FOLDER, "requirements": [{"id": "R1", "text": text}]},
                "expected": {"gaps": ["R1"], "should_refuse": True},
                "tags": ["gap", split(case_id)],
            }
        )
    for number, (kind, text, answer) in enumerate(ADVERSARIAL, start=1):
        case_id = f"adversarial-{number:02d}-{kind}"
        found.append(
            {
                "id": case_id,
                "input": {
                    "library": LIBRARY_FOLDER,
                    "requirements": [{"id": "R1", "text": text}],
                    "scripted_answer": answer,
                },
                "expected": {"adversarial": True, "gaps": ["R1"]},
                "tags": ["adversarial", kind, split(case_id)],
            }
        )
    by_id = {document.id: document for document in documents()}
    for number, (text, doc) in enumerate(STALE, start=1):
        case_id = f"stale-{number:02d}-{doc}"
        changed = by_id[doc].markdown().replace("pods", "Pods", 1) + "\nRevised in a later release.\n"
        found.append(
            {
                "id": case_id,
                "input": {
                    "library": LIBRARY_FOLDER,
                    "requirements": [{"id": "R1", "text": text}],
                    "then_change": [{"id": doc, "title": doc, "text": changed, "classification": "public"}],
                },
                "expected": {"stale": [doc], "gaps": ["R1"]},
                "tags": ["stale", split(case_id)],
            }
        )
    return found


def write(pattern: Path = PATTERN) -> None:
    by_id = {document.id: document for document in documents()}
    library = pattern / LIBRARY_FOLDER
    library.mkdir(parents=True, exist_ok=True)
    for stale in library.glob("*.md"):
        stale.unlink()
    for doc_id in LIBRARY:
        (library / f"{doc_id}.md").write_text(by_id[doc_id].markdown(), encoding="utf-8")
    dataset = pattern / "evals" / "datasets" / "drafts.jsonl"
    dataset.write_text("".join(json.dumps(case, sort_keys=True) + "\n" for case in cases()), encoding="utf-8")
    print(f"wrote {len(LIBRARY)} library documents and {len(cases())} cases", file=sys.stderr)


if __name__ == "__main__":
    write()
