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
from dataclasses import dataclass
from itertools import islice

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
from .obfuscation import View, decoded_base64, despace, fold, unleet
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
    _signal("role_override", 0.45, (("pretend", "imagine", "character"),), r"\b(?:pretend|imagine) (?:to be|you are|you're|that you|yourself)|\bstay in character\b|\bbreak(?:ing)? character\b|\bin character\b"),
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
    _signal("never_refuse", 0.7, (("without",), ("refus", "disclaimer", "warning", "censor", "filter", "moral", "ethic")), r"\bwithout (?:any )?(?:refusals?|refusing|disclaimers?|warnings?|censorship|censoring|filters?|filtering|moral(?:s|ity)?|ethic(?:s|al)?)\b"),
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
)  # fmt: skip
_SIGNAL_INDEX = GateIndex([signal.hints for signal in SIGNALS])

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
        views = [view]
        for transform in (despace, unleet):
            transformed = transform(view)
            if transformed is not None:
                views.append(transformed)
        if search_words(_ROT13_HINT, view.text):
            views.append(View(view.text.translate(_ROT13), view.offsets))
        for candidate in views:
            hints = hints_for(candidate.text)
            for index in _SIGNAL_INDEX.candidates(hints):
                signal = SIGNALS[index]
                for match in signal.finditer(hints, limit=self.max_matches):
                    where = span or candidate.origin(match.start(), match.end())
                    matches.append(Finding(f"injection:{signal.family}", where[0], where[1], signal.weight))
        if self.decode_base64 and depth < self.max_depth:
            for start, end, decoded in decoded_base64(text):
                before = len(matches)
                self._collect(decoded, matches, depth=depth + 1, span=span or (start, end))
                if len(matches) > before:
                    matches.append(Finding("obfuscation:base64", *(span or (start, end)), 0.3))

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        score, findings = self.analyse(text)
        action: Action = self.action if score >= self.threshold else "allow"
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


_DEFAULT = PromptInjectionGuard()


def scan_context(text: str) -> GuardResult:
    """Scan one retrieved document with the default guard (see `PromptInjectionGuard.scan_context`)."""
    return _DEFAULT.scan_context(text)


def neutralise_context(text: str) -> str:
    """The retrieved document, safe to place in a prompt: instruction-like sentences removed."""
    return _DEFAULT.scan_context(text).text
