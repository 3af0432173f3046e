"""Guardrails as code: one tiny interface (`scan(text) -> GuardResult`) for every guard.

    input_guards, output_guards = build_pipelines(governance.guards, policies_dir)
    verdict = input_guards.run(user_text)        # PipelineResult(action, text, results)
    answer = output_guards.run(model_text, prompt=verdict.text)

Guards: `pii` (redact/block personal data), `secrets` (credentials), `prompt_injection`
(jailbreaks, obfuscated or base64-wrapped; `scan_context` for retrieved documents) and
`policy` (denied topics, terms and patterns from `policies/denied_*.yml`); on output, `links`
(links and images to hosts not on `guards.allowed_link_hosts` are removed: the Markdown-image beacon).
Optional, off by default: `model_classifier`, a safety model asked through the runtime's governed call
(budget, gateway, telemetry, audit).
"""

from .classifier import ClassifierCall, ModelClassifierGuard
from .injection import PromptInjectionGuard, neutralise_context, scan_context
from .links import LinkGuard
from .pii import PiiGuard
from .pipeline import GuardPipeline, PipelineResult
from .policy import PolicyGuard, load_policies
from .registry import GUARDS, GuardContext, GuardFactory, GuardsConfig, build_pipelines
from .result import Action, Finding, Guard, GuardResult, OutputGuard, most_severe, redact
from .secrets import SecretsGuard

__all__ = [
    "GUARDS",
    "Action",
    "ClassifierCall",
    "Finding",
    "Guard",
    "GuardContext",
    "GuardFactory",
    "GuardPipeline",
    "GuardResult",
    "GuardsConfig",
    "LinkGuard",
    "ModelClassifierGuard",
    "OutputGuard",
    "PiiGuard",
    "PipelineResult",
    "PolicyGuard",
    "PromptInjectionGuard",
    "SecretsGuard",
    "build_pipelines",
    "load_policies",
    "most_severe",
    "neutralise_context",
    "redact",
    "scan_context",
]
