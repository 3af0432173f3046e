"""Prompt-injection guard: direct jailbreaks in requests, indirect injections in retrieved documents.

The text is first de-obfuscated (homoglyphs, zero-width characters, spaced-out and
leetspeak words, base64 payloads: see `obfuscation.py`), then matched against weighted
signals. Each signal family contributes its strongest weight once and the families
combine as a noisy-or, so one strong phrase ("ignore all previous instructions") blocks
while a single weak hint ("act as") does not. `score` is that combined weight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .obfuscation import View, decoded_base64, despace, fold, unleet
from .result import Action, Finding, GuardResult

_GAP = r"\W+(?:[\w']+\W+){0,%d}?"


def _near(first: str, second: str, gap: int = 3) -> str:
    return rf"\b(?:{first})" + _GAP % gap + rf"(?:{second})\b"


_OVERRIDE_VERBS = (
    r"ignore|ignoring|disregard|forget|skip|override|bypass|neglect|abandon|discard|drop|erase|reset|set aside"
    r"|stop following|don'?t follow|do not follow|no longer follow|not follow|overrule|throw out|ditch"
)
_RULE_NOUNS = (
    r"instructions?|prompts?|rules|directions|directives|guidelines|guidance|programming|training|constraints"
    r"|restrictions|limitations|polic(?:y|ies)|context|commands|orders|conditioning|safeguards|filters|guardrails"
)
_PRIOR = r"previous|prior|above|earlier|preceding|initial|original|former|system|your|all|any|every|existing|old|those|these|default"
_LEAK_VERBS = (
    r"repeat|print|show|reveal|display|output|tell me|give me|write out|spell[- ]?check|translate|encode|summari[sz]e"
    r"|list|dump|leak|expose|share|copy|recite|provide|what (?:are|were|is|was)|describe|paste|return"
)
_SECRET_PROMPT = r"(?:system|initial|original|hidden|secret|starting|internal|developer|pre-?|base|first|opening)[ _-]?(?:prompts?|instructions?|messages?|configuration|directives|rules)"

# (family, weight, pattern). Patterns run on the folded, lower-case view.
SIGNALS: tuple[tuple[str, float, re.Pattern[str]], ...] = tuple(
    (family, weight, re.compile(pattern, re.MULTILINE))
    for family, weight, pattern in (
        ("override_instructions", 0.95, _near(_OVERRIDE_VERBS, rf"(?:{_PRIOR})\W+(?:[\w']+\W+){{0,2}}?(?:{_RULE_NOUNS})", 3)),
        ("override_instructions", 0.9, rf"\b(?:{_OVERRIDE_VERBS})\W+(?:all|everything|anything)\W+(?:[\w']+\W+){{0,3}}?(?:above|before|prior|previous|earlier|you(?:'ve| have| were)? (?:been )?(?:told|given|taught|instructed))\b"),
        ("override_instructions", 0.9, rf"\b(?:{_OVERRIDE_VERBS})\W+(?:(?:the|my|our|these|those)\W+)?(?:instructions?|prompts?|directives|programming|guardrails|safeguards)\b"),
        ("override_instructions", 0.75, r"\b(?:ignore|disregard|forget)\W+(?:the\W+)?(?:above|previous|prior|that|this|everything|what (?:i|you) (?:said|were told))\b"),
        ("override_instructions", 0.85, r"\bnew (?:instructions?|rules|directives?|task|role|objective|persona|guidelines)\s*(?::|are\b|is\b|follow)"),
        ("role_override", 0.85, r"\byou are (?:now|no longer)\b|\bfrom now on\b|\bfrom this (?:point|moment) (?:on|forward)|\bhenceforth\b"),
        ("role_override", 0.6, r"\b(?:pretend|imagine) (?:to be|you are|you're|that you|yourself)|\bstay in character\b|\bbreak(?:ing)? character\b|\bin character\b"),
        ("role_override", 0.55, r"\byou (?:will|are going to|must|shall|should) (?:now )?(?:act|pretend|roleplay|role-play|play the role|simulate|emulate|imitate|behave|respond as|answer as)\b"),
        ("role_override", 0.45, r"\b(?:act|role-?play|roleplay|play the role of|simulate|emulate|impersonate) (?:as |of )?(?:an? |the )?(?:\w+ ){0,3}?(?:ai|bot|chatbot|model|assistant|gpt|character|persona|entity|version)\b|\byour name is\b"),
        ("jailbreak_persona", 0.95, r"\bdo anything now\b|\bdeveloper mode\b|\bjailbr(?:ea|o)k(?:en|ed|s|ing)?\b|\banti-?dan\b|\bdan mode\b|\bstan\b.{0,40}\bstrive to avoid norms\b"),
        ("jailbreak_persona", 0.8, r"\b(?:evil|unrestricted|uncensored|unfiltered|amoral|unethical|unbound|unlimited|unchained|rogue|immoral|lawless|malicious)\W+(?:\w+\W+)?(?:ai|mode|assistant|model|chatbot|version|persona|character|bot|entity|gpt)\b"),
        ("jailbreak_persona", 0.8, r"\b(?:god|admin|sudo|dev|debug|maintenance|opposite|chaos|evil|unrestricted|uncensored|unlocked|jailbreak|super|omega|alpha) mode\b"),
        ("jailbreak_persona", 0.5, r"\bdan\b|\bdude\b|\baim\b|\bbetterdan\b|\bmongo tom\b"),
        ("restriction_removal", 0.85, _near(r"no|without|free (?:of|from)|not (?:be )?bound by|unbound by|break(?:s|ing)? free|bypass(?:ing)?|disable|remove|circumvent|evade|get around|(?:doesn'?t|don'?t|does not|do not|never|won'?t|will not|not) (?:care|follow|abide|adhere|have|need|respect|obey|comply)|beyond|outside|exempt from|liberated from|lifted", r"(?:ethic(?:s|al)?|moral(?:s|ity)?|censor(?:ship|ed)?|content polic(?:y|ies)|usage polic(?:y|ies)|openai|anthropic|guardrails|safeguards|safety (?:guidelines|rules|measures|protocols|filters)|(?:ai|programming|ethical|moral) (?:restrictions|rules|guidelines|constraints|limitations))", 4)),
        ("restriction_removal", 0.6, _near(r"no|without|free (?:of|from)|not (?:be )?bound by|break(?:s|ing)? free|bypass|disable|remove|circumvent|(?:doesn'?t|don'?t|does not|do not|never) (?:care|follow|abide|have)", r"restrictions|filters|filtering|limitations|rules|boundaries|constraints|principles|guidelines|legality|laws", 3)),
        ("never_refuse", 0.75, r"\b(?:never|not|cannot|can'?t|won'?t|will not|must not|mustn'?t|don'?t|do not|unable to) (?:ever )?(?:refuse|decline|deny|say no|reject)\b|\b(?:never|don'?t|do not|won'?t|will not|must not) (?:include |add |give |provide )?(?:any )?(?:warnings?|disclaimers?|apolog(?:y|ies|i[sz]e))\b"),
        ("never_refuse", 0.6, r"\b(?:answer|respond to|reply to|comply with|fulfill|obey) (?:any|every|all)(?: \w+)? (?:questions?|requests?|prompts?|commands?|orders?)\b|\b(?:regardless|irrespective) of (?:legality|morality|ethics|content|consequences|how|whether|the rules)|\bunquestioning(?:ly)? obe"),
        ("never_refuse", 0.3, r"\bno matter (?:what|how)\b|\bwithout (?:any )?(?:hesitation|question)\b"),
        ("prompt_leak", 0.9, _near(_LEAK_VERBS, _SECRET_PROMPT, 4)),
        ("prompt_leak", 0.85, _near(_LEAK_VERBS, r"your (?:\w+ )?(?:prompts?|instructions|rules|configuration|directives|guidelines|programming)|(?:text|words|content|everything|instructions|conversation|message) (?:above|before this|so far|up to now)|(?:this|the) (?:entire|whole|full) conversation", 4)),
        ("prompt_leak", 0.7, r"\b(?:what (?:were|was) you (?:told|instructed|given|programmed)|you were (?:told|instructed|given) (?:before|at the (?:start|beginning))|my instructions (?:are|were)|i was (?:instructed|told|programmed) to|(?:not|never) (?:supposed|allowed|permitted) to (?:tell|say|reveal|share|disclose)|initiali[sz]ation (?:string|text|prompt))\b"),
        ("prompt_leak", 0.45, r"\bsystem[ _]?(?:prompt|message|instructions?)\b|\bsystemprompt\b|\binitial (?:prompt|instructions)\b"),
        ("turn_spoofing", 0.85, r"<\|(?:im_start|im_end|endoftext|system|user|assistant|end|eot_id|start_header_id)\|>|\[/?inst\]|<<sys>>|</?(?:system|sys|instructions?|admin|prompt)>|\[(?:system|admin|instructions?)\]|\bend of (?:session|conversation|prompt|context|system prompt)\b|<end of \w+>|-- ?core instruction|\[admin request"),
        ("turn_spoofing", 0.55, r"^[ \t>#*]*(?:system|assistant|ai|sys|admin|administrator)\s*:|\b(?:system|admin(?:istrator)?|developer|root) (?:override|command|notice|message|instruction|update)\b"),
        ("output_hijack", 0.6, r"\b(?:just|only|simply) (?:say|print|output|write|respond with|reply with|answer with|return|repeat)\b[^.\n]{0,40}[\"'<]|\b(?:say|print|output|repeat) (?:exactly|verbatim|only)\b|\bhaha pwned\b|\bpwned\b"),
        ("output_hijack", 0.3, r"\b(?:respond|reply|answer) (?:only )?with (?:only|exactly|the following)\b"),
        ("indirect_addressing", 0.8, r"\b(?:if|when) (?:the |a |any )?(?:user|human|anyone|someone|recruiter|reader|model|ai|assistant|llm)s? (?:asks?|asked|requests?|queries|wants?)\b|\bnote (?:to|for) (?:the |any )?(?:automated|ai|llm|language model|assistant|chatbot|model|screening|analysis|gpt|bot)|\b(?:ai|llm|assistant|model|chatbot|gpt|bot)s? (?:reading|processing|summari[sz]ing|analy[sz]ing|evaluating|screening|parsing|scanning) this\b|\b(?:invisible|hidden) (?:to humans|text|instructions?|metadata|prompt|competency)|\bdisregard all (?:info|information|data|content)\b"),
        ("indirect_addressing", 0.65, r"\bfocus (?:only|exclusively|solely) on\b|\boverride (?:manual|the|all|any|previous|prior|your|existing)? ?(?:scoring|instructions|settings|evaluation|assessment|analysis|rules|decision|review)\b|\bpre-?(?:verified|approved|authori[sz]ed) by (?:senior )?(?:management|admin|the system)|\b(?:don'?t|do not) (?:evaluate|assess|analy[sz]e|summari[sz]e)\b|\byou may not deviate\b"),
        ("fiction_framing", 0.35, r"\b(?:hypothetical(?:ly)?|fictional|imaginary|alternate) (?:world|universe|scenario|story|setting|reality|response|ai)\b|\bopposite day\b|\bfor (?:educational|research) purposes only\b|\blet'?s play a game\b"),
        ("dual_response", 0.7, r"\b(?:two|2|both) (?:different |separate )?(?:responses|answers|outputs|paragraphs|replies)\b|\b(?:normal|classic|standard|filtered|censored) (?:and|&|/) (?:jailbroken|unfiltered|developer mode|dan|uncensored)|🔓|🔒"),
        ("ai_addressing", 0.3, r"\b(?:chatgpt|gpt-?\d|openai|language model|ai model|bard|claude|llama|gemini|as an ai)\b"),
    )
)  # fmt: skip

_ROT13_HINT = re.compile(r"\brot-?\s?13\b")
_ROT13 = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "nopqrstuvwxyzabcdefghijklmNOPQRSTUVWXYZABCDEFGHIJKLM"
)
_SENTENCE_END = re.compile(r"[.!?\n]")
_DEFANG = re.compile(r"<\|[a-z_]+\|>|\[/?INST\]|<</?SYS>>", re.IGNORECASE)


def _combine(weights: dict[str, float]) -> float:
    remaining = 1.0
    for weight in weights.values():
        remaining *= 1.0 - weight
    return round(1.0 - remaining, 4)


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptInjectionGuard:
    """Block requests (or flag documents) whose combined injection score reaches `threshold`."""

    threshold: float = 0.6
    decode_base64: bool = True
    max_depth: int = 2
    action: Action = "block"
    name: str = "prompt_injection"

    def analyse(self, text: str) -> tuple[float, list[Finding]]:
        """Combined score and one finding per signal family (strongest match), spans in `text`."""
        best: dict[str, Finding] = {}
        self._collect(text, best, depth=0, span=None)
        score = _combine({family: finding.score for family, finding in best.items()})
        return score, sorted(best.values(), key=lambda finding: finding.start)

    def _collect(self, text: str, best: dict[str, Finding], *, depth: int, span: tuple[int, int] | None) -> None:
        view, report = fold(text)
        if report.invisible:
            self._keep(best, Finding("obfuscation:invisible_chars", *(span or (0, len(text))), 0.3))
        if report.confusables:
            self._keep(best, Finding("obfuscation:homoglyphs", *(span or (0, len(text))), 0.35))
        views = [view]
        for transform in (despace, unleet):
            transformed = transform(view)
            if transformed is not None:
                views.append(transformed)
        if _ROT13_HINT.search(view.text):
            views.append(View(view.text.translate(_ROT13), view.offsets))
        for candidate in views:
            for family, weight, pattern in SIGNALS:
                match = pattern.search(candidate.text)
                if match is not None:
                    where = span or candidate.origin(match.start(), match.end())
                    self._keep(best, Finding(f"injection:{family}", where[0], where[1], weight))
        if self.decode_base64 and depth < self.max_depth:
            for start, end, decoded in decoded_base64(text):
                before = len(best)
                self._collect(decoded, best, depth=depth + 1, span=span or (start, end))
                if len(best) > before:
                    self._keep(best, Finding("obfuscation:base64", *(span or (start, end)), 0.3))

    @staticmethod
    def _keep(best: dict[str, Finding], finding: Finding) -> None:
        current = best.get(finding.type)
        if current is None or finding.score > current.score:
            best[finding.type] = finding

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        score, findings = self.analyse(text)
        action: Action = self.action if score >= self.threshold else "allow"
        return GuardResult(self.name, action, text, score, tuple(findings) if action != "allow" else ())

    def scan_context(self, text: str) -> GuardResult:
        """Check a retrieved document; when it carries instructions, return it neutralised (`redact`)."""
        score, findings = self.analyse(text)
        if score < self.threshold:
            return GuardResult(self.name, "allow", _DEFANG.sub(" ", text), score)
        return GuardResult(self.name, "redact", neutralise(text, findings), score, tuple(findings))


def neutralise(text: str, findings: list[Finding] | tuple[Finding, ...]) -> str:
    """Cut every sentence that holds a finding and defang chat-template tokens.

    What remains is still useful context for answering, but no longer reads as an instruction.
    """
    cuts: list[tuple[int, int]] = []
    for finding in findings:
        start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, finding.start)), default=0)
        next_end = _SENTENCE_END.search(text, finding.end)
        end = next_end.end() if next_end else len(text)
        cuts.append((start, end))
    for start, end in sorted(_merge(cuts), reverse=True):
        text = text[:start] + " [instruction removed] " + text[end:]
    return _DEFANG.sub(" ", text)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


_DEFAULT = PromptInjectionGuard()


def scan_context(text: str) -> GuardResult:
    """Scan one retrieved document with the default guard (see `PromptInjectionGuard.scan_context`)."""
    return _DEFAULT.scan_context(text)


def neutralise_context(text: str) -> str:
    """The retrieved document, safe to place in a prompt: instruction-like sentences removed."""
    return _DEFAULT.scan_context(text).text
