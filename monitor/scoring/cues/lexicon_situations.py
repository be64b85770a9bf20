# ruff: noqa: E501
# Hand-laid regex phrase tables, as in lexicon.py.
"""Cues for situations the replay streams of a busy brand's day showed the scorer misreading.

Incident side: a mobile network down as customers tell it ("zero bars", "SOS only", "can't make
calls", "status page says investigating", "the whole block is outside holding phones up"), a
promised credit that never showed up, a bill that went up. Damping side: downtime the brand
announced, a shrug ("but fine"), joke hyperbole ("my knees are filing a report"), a rumor or
false alarm, a question whether a promo is real or a scam (security needs a victim), praise of
staff handling someone else's shouting, and an estimate beaten ("said a week, came in 3 days").
Weights follow lexicon.py; a damp's weight is the factor the evidence is multiplied by.
"""

from __future__ import annotations

from .lexicon import _family
from .matcher import Cue

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple of)"

# fmt: off
OUTAGE_TELCO = _family("outage", [
    # What a phone shows or cannot do when the network is gone.
    ("no_signal", 0.6, (r"(?:zero|no|0) bars", r"sos only", r"only (?:shows |showing |says |getting )?sos", r"(?:phone|it) (?:says|shows|showing) sos",
                        r"emergency calls only", r"wi-?fi calling is the only", r"only (?:works?|working) on wi-?fi",
                        r"holding (?:\w+ )?phones? (?:up|in the air|over (?:their|our) heads)",
                        r"(?:hours?|days?|all day|all night|all morning) without (?:any )?(?:[\w&'-]+ ){0,3}?(?:service|signal|internet|wi-?fi|data|coverage|reception)")),
    ("no_calls", 0.55, (r"can'?t (?:make|place|receive|get|send) (?:any )?(?:calls|phone calls|texts|calls or texts)",
                        r"can'?t (?:even )?call (?:911|999|112|anyone|anybody|out)", r"calls (?:won'?t|aren'?t|don'?t|are not) (?:go(?:ing)? through|connect(?:ing)?)",
                        r"(?:unable|not able) to (?:make|place|receive) (?:any )?calls", r"can'?t reach (?:me|us|anyone|anybody) because")),
    ("status_page", 0.6, r"status page (?:\w+ ){0,3}?['\"]?(?:investigating|degraded|major outage|partial outage|identified|incident)"),
    ("dropped_all", 0.55, (r"dropped (?:everyone|everybody|every (?:call|customer|phone)|all (?:the )?(?:calls|phones|customers|users))",
                           r"(?:whole|entire) block")),
])

BILLING_SITUATIONS = _family("billing", [
    # A credit, discount or rebate the customer was owed and never got.
    ("credit_missing", 0.7, (r"(?:never|didn'?t|did not|haven'?t|hasn'?t|not|still not|still haven'?t|forgot to) (?:\w+ )?(?:apply|applied|credit|credited|add|added|give|given|"
                             r"honou?r|honou?red|pay|paid|issue|issued) (?:me |us )?(?:the |my |a |our |any )?(?:promo(?:tional)? |promised |loyalty |trade-?in |bill |account |"
                             r"sign-?up |referral |\$\d+ )?(?:credit|discount|rebate|bill credit)s?\b")),
    ("went_up", 0.6, r"(?:bill|premium|plan|monthly rate|monthly charge|subscription) (?:\w+ )?(?:went up|has gone up|goes up|keeps going up|increased|jumped|rose)"),
])

DAMP_SITUATIONS = _family("damp", [
    # Downtime the brand announced is no incident: "down for maintenance tonight, they emailed".
    ("planned", 0.3, (r"(?:down|offline|closed|unavailable) for (?:scheduled |planned |routine |some )?(?:maintenance|upgrades?|an upgrade|updates?|an update)",
                      r"(?:scheduled|planned|routine) (?:maintenance|downtime|outage|work|upgrade)", r"maintenance (?:window|tonight|this weekend|overnight)",
                      r"(?:they |you )(?:emailed|texted|warned|told|notified) (?:us |me |everyone |customers )?(?:about (?:it|this)|in advance|ahead of time|last week|days ago)")),
    # A shrug after a grumble: "waited ten minutes but fine".
    ("shrug", 0.45, (r"but (?:it'?s |that'?s |we'?re |i'?m |all )?(?:fine|ok|okay|alright|all good|no big deal|whatever|worth it)\b(?! now)",
                     r"no big deal", r"not a big deal", r"no harm done", r"minor (?:gripe|complaint|thing)", r"first world problems?")),
    # Body parts and wallets that "file a report" are jokes.
    ("hyperbole", 0.35, r"(?:my|our) (?:knees|back|legs|feet|neck|spine|wallet|bank account|stomach|soul|ears|ego) (?:are |is |have |has |just |already )?"
                        r"(?:filing|filed|lodging|lodged|writing|wrote|sending|suing|sued|screaming|crying|weeping|protesting|unionizing|unionising|"
                        r"will never recover|(?:still )?recovering)"),
    # A story somebody denies: "double booked? nah, just a rumor".
    ("rumor", 0.3, (r"(?:just|only) (?:a )?(?:rumou?rs?|hoax|false alarm)", r"false alarm", r"(?:it was|was|is|it'?s|turns? out(?: it was| to be)?) (?:just )?"
                    r"(?:a |an )?(?:rumou?r|hoax|misunderstanding)", r"fake news", r"debunked", r"(?:that'?s|it'?s|this is) not true")),
    # "is the 30% off code real or a scam?": asking about a promo is no victim's report.
    ("legit_question", 0.3, (r"real or (?:a )?(?:scam|fake|fraud)", r"legit(?:imate)? or (?:a )?(?:scam|fake|fraud|not)", r"(?:scam|fake) or (?:real|legit|not)",
                             r"is (?:this|that|it) (?:a )?(?:legit|scam|real)\?", r"anyone know if (?:this|it|the \w+) is (?:legit|a scam|real)")),
    # Staff praised for handling someone else's shouting; a promise beaten.
    ("praise", 0.35, (r"give (?:her|him|them|that \w+) a raise", r"(?:so|very|super|incredibly|really) patient with", r"handled (?:it|him|her|them|that) (?:so )?(?:well|gracefully|like a pro)")),
    ("beat_estimate", 0.3, (r"(?:would|will|'d|should|was going to) take (?:a|one|two|three|four|\d+|up to \d+|about (?:a|\d+)) (?:weeks?|days?|months?)[^.!?;\n]{0,40}?"
                            r"(?:came|arrived|got here|showed up|delivered|had it|was here|done|fixed|finished)(?: here| back| done| fixed)? (?:in|after|within) (?:only |just )?" + _NUM + r" (?:days?|hours?)",
                            r"ahead of schedule", r"(?:earlier|sooner|faster) than (?:promised|expected|quoted|they said|estimated)")),
])

# Idioms hiding a cue word: somebody else yelling at staff is no rudeness of the staff; "no refund
# needed" asks for nothing.
IDIOMS_SITUATIONS = _family("idiom", [
    ("bystander", 0.0, (r"(?:guy|man|woman|lady|dude|customer|passenger|someone|somebody|person|people|kid|karen) (?:who was |that was |who kept )?"
                        r"(?:yelling|screaming|shouting|swearing|cursing) at", r"no refund (?:needed|necessary|required)", r"(?:didn'?t|don'?t|did not|do not) (?:even )?need (?:a|the) refund")),
])

# The scorer reads a brand named just before "down" ("Lumen Mobile still down", "<brand> down in
# Austin?") once the scan has seen the word.
TRIGGERS_SITUATIONS = _family("trigger", [("down", 0.0, r"down")])
# fmt: on

SITUATION_CUES: tuple[Cue, ...] = (
    *OUTAGE_TELCO,
    *BILLING_SITUATIONS,
    *DAMP_SITUATIONS,
    *IDIOMS_SITUATIONS,
    *TRIGGERS_SITUATIONS,
)
