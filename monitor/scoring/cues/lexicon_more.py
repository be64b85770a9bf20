# ruff: noqa: E501
# Hand-laid regex phrase tables, as in lexicon.py.
"""More incident cues, one family per category: the ways of telling trouble that lexicon.py lacks.

Each row names a kind of trouble rather than a sentence: a partial delivery ("only 2 of 5
arrived"), an order stuck in a status, a part that gave way, a wrong dose, payments refused
across a city, activity the owner did not do, a fee that contradicts the plan, a double booking,
an escalation to a regulator or a lemon-law claim. Weights follow lexicon.py: 0.6 and up says
"incident" alone, lower needs company.
"""

from __future__ import annotations

from .lexicon import _each, _family
from .matcher import Cue

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple of)"
_KID = r"(?:baby|son|daughter|toddler|kid|kids|child|children|infant|newborn|little one|boy|girl)"
_PART = (
    "sole soles heel heels strap straps handle handles hinge hinges wheel wheels button buttons zipper zip "
    "seam seams buckle buckles clasp clasps latch lid knob drawer drawers shelf blade blades coating lens lenses stitching"
)

# fmt: off
ORDER_MORE = _family("order_problem", [
    # Part of the order: "only 2 of the 5 came", "half my order showed up", "the other half is on a truck".
    ("partial_arrival", 0.6, (r"only (?:\d+|one|two|three|four|half|some|part|a few|the \w+(?: \w+)?)(?: of (?:\w+ ){0,2}?\w+)? "
                              r"(?:came|arrived|showed up|turned up|got delivered|were delivered|was delivered|was in the (?:box|bag))",
                              r"half (?:of )?(?:my|the|our) (?:order|items|stuff|delivery|groceries|food|package) "
                              r"(?:showed up|arrived|came|is missing|was missing|never came)", r"the other half (?:is|was|never|still)",
                              r"(?:rest|remainder) of (?:my|the|our) (?:order|items|stuff|delivery) (?:is|was|never|still|hasn)")),
    # An order stuck in one status: "still 'processing'", "has said preparing for 7 weeks".
    ("stuck_status", 0.55, (r"(?:still|says|said|has said|shows|showing|stuck (?:on|in|at)|been) (?:\w+ )?['\"]?(?:processing|preparing|pending|"
                            r"label created|awaiting (?:shipment|dispatch)|in transit|pre-?transit)['\"]? (?:for|since)",
                            r"still (?:says |shows |showing |saying |at |on |in )?['\"]?(?:processing|preparing|pending|label created)['\"]?",
                            r"(?:tracking|order|status|parcel|package) (?:\w+ ){0,2}?(?:hasn'?t|has not|haven'?t|not|never) "
                            r"(?:moved|updated|changed|been updated)", r"nothing (?:has )?(?:shipped|arrived|been shipped)", r"nothing has come",
                            r"(?:release|launch) (?:day|date) (?:came and went|has passed|passed)")),
    ("not_mine", 0.6, (r"(?:someone|somebody) else'?s (?:order|food|meal|package|parcel|names?|items?|groceries|bag|delivery|stuff)",
                       r"substitut(?:ed|es) (?:my|our|the) (?:\w+ ){0,3}?with", r"(?:to|at) (?:the |my |a )?(?:house|apartment|flat|door) next door",
                       r"(?:delivered|left|dropped (?:off)?|put) (?:\w+ ){0,4}?(?:to|at|with) (?:the |my |a |our )?(?:wrong \w+|"
                       r"neighbou?rs?|next door|random (?:\w+ )?(?:house|address|building|door)|some random \w+|(?:another|a different) "
                       r"(?:house|address|building|street|customer|door))")),
    ("lost_item", 0.6, (r"untraceable", r"unlocatable", r"nowhere to be (?:found|seen)", r"(?:is|are) still nowhere",
                        r"(?:can'?t|cannot|couldn'?t|unable to) (?:find|locate|trace) (?:my|our|the) (?:\w+ )?(?:bag|bags|suitcase|"
                        r"luggage|stroller|car ?seat|wheelchair|package|parcel|order|shipment|delivery)",
                        r"(?:lose|lost|losing) (?:a|my|our|the) (?:checked )?(?:\w+ )?(?:bag|suitcase|stroller|car ?seat|wheelchair|"
                        r"luggage|guitar|skis|bike) (?:in|at|on|between|after|during|somewhere)")),
])

DEFECT_MORE = _family("product_defect", [
    # A part that gave way: "the sole separated", "wheel snapped off", "hinge came loose".
    ("part_failed", 0.6, _each(_PART, r" (?:\w+ )?(?:snapped|broke|split|came off|came loose|came apart|fell off|separated|"
                                      r"gave way|gives way|ripped|tore|popped off|pops off|flaking|peeling|wobbles|"
                                      r"keeps? (?:popping|falling|coming) (?:out|off))")),
    ("malfunction", 0.5, (r"no (?:sound|audio|picture|suction|cold air|hot water from)",
                          r"only (?:works|plays|charges|heats|cools|connects|turns on) (?:\w+ ){0,3}?(?:half the time|sometimes|"
                          r"on one side|out of one|if|when)", r"won'?t (?:focus|heat up|cool down|spin|drain|flush|latch|stay (?:on|shut|closed))",
                          r"(?:went|gone|goes|going) (?:flat|rough|bald|limp|threadbare|see-through|blurry)",
                          r"pill(?:ed|ing) (?:after|up|badly)", r"(?:flaking|flakes|flaked) (?:off|into)",
                          r"drops? (?:out )?every (?:few|couple|\d+|other)", r"keeps? (?:on )?(?:faulting|tripping|shutting off|switching off|"
                          r"dying|jamming|skipping|overflowing)", r"(?:sole|seam|coating|foundation|layers?) separated")),
    # Food told in several small words: "cold, gluey and the sauce congealed". Each alone is mild;
    # as different cues they add up.
    ("food_temperature", 0.3, (r"(?:came|arrived|was|were|is|served|delivered) (?:\w+ )?(?:stone )?(?:cold|lukewarm|room temperature)",
                               r"(?:stone|ice)-cold (?:food|pizza|fries|pasta|burger|meal|coffee)")),
    ("food_texture", 0.3, (r"gluey", r"congealed", r"rubbery", r"mushy", r"slimy", r"dried out", r"dry as",
                           r"overcooked", r"bland", r"gritty", r"cloudy")),
])

SAFETY_MORE = _family("safety", [
    ("dose", 0.75, (r"(?:adult|wrong|incorrect|triple) (?:dose|dosage|strength)",
                    r"(?:meant|prescribed|labell?ed|were|was) for (?:a |an )?(?:wrong|different|another) patient",
                    r"(?:wrong|different|another) patient'?s (?:pills|meds|medication|prescription|name|bag)",
                    r"(?:meant|prescribed) for (?:someone|somebody) else")),
    # A child hurt, stuck or falling because a product gave way.
    ("child_harm", 0.7, (r"(?:my|our|his|her) " + _KID + r"(?:'s)? (?:\w+ ){0,3}?(?:got stuck|got trapped|was trapped|fell out|"
                         r"slid out|slipped out|got pinched|got burned|got cut)")),
    ("harm_care", 0.5, (r"urgent care", r"poison control", r"(?:the )?er (?:visit|trip)", r"went to (?:the )?er\b")),
    ("vehicle", 0.7, (r"brakes? (?:\w+ )?(?:went|gone|going|are|were|feel|felt) (?:soft|spongy|out)",
                      r"lost (?:all )?(?:power steering|steering|braking|brakes) (?:on|while|at|in|doing)")),
    ("object", 0.75, (r"(?:chunks?|bits?|pieces?|shards?|slivers?|fragments?) of (?:metal|glass|plastic|wire|bone)",
                      r"(?:metal|glass|plastic|wire) (?:shards? |pieces? )?in (?:it|them)\b"), True),
    ("water", 0.7, (r"boil (?:water )?(?:notice|advisory|order)", r"(?:brown|black|yellow|discolou?red) (?:tap )?water",
                    r"water (?:is|was|came out|coming out|looks|smells) (?:\w+ )?(?:brown|black|yellow|like sewage)",
                    r"smells? like sewage")),
    ("battery_puffed", 0.7, _each("battery power phone laptop vape", r" (?:bank )?(?:\w+ )?(?:puffed|swelled|bulged|bloated|ballooned)")),
])

OUTAGE_MORE = _family("outage", [
    ("service_unavailable", 0.55, r"service unavailable"),
    ("unavailable", 0.4, (r"(?:site|app|banking|online banking|system|systems|portal|service|website) "
                           r"(?:is |are |has been |have been |was |went )?(?:\w+ )?unavailable")),
    # Payments refused everywhere: "stopped taking cards", "declining every card", "cash only".
    ("payments", 0.55, (r"(?:stopped|not|aren'?t|isn'?t|won'?t) (?:taking|accepting) (?:any )?(?:cards|card payments|payments|contactless)",
                        r"declin(?:ing|es|ed) (?:every|all|everyone'?s) (?:card|payment)s?",
                        r"return(?:ing|s)? (?:a |an )?[45]0[0-9]\b")),
    ("gone", 0.55, _each("network signal service internet wifi coverage system systems", r" (?:is |has |have |just )?(?:completely |totally |"
                                                                                        r"just )?(?:gone|vanished|disappeared)(?! (?:downhill|up|down))")),
    ("everyone", 0.35, (r"(?:across|all over|throughout) (?:the )?(?:whole |entire )?(?:city|country|town|region|state|area|network|"
                        r"estate|neighbou?rhood|county|uk|us)", r"(?:at|in) every (?:station|store|branch|location|shop)",
                        r"(?:on|across) (?:every|all) (?:\w+ )?devices?", r"it'?s (?:everyone|not just me)", r"just me or")),
])

SECURITY_MORE = _family("security", [
    ("not_me", 0.7, (r"(?:i|we) (?:didn'?t|did not|never) (?:do|make|authori[sz]e|approve|request|place|initiate|send|order) "
                     r"any of (?:this|that|these|those|it|them)\b", r"(?:i|we) (?:didn'?t|did not|never) (?:authori[sz]e|approve|request|"
                     r"initiate|place) (?:this|that|these|those|it|them)\b",
                     r"(?:account|device|number|card|login|address)e?s? (?:i|we) (?:don'?t|do not|didn'?t) (?:own|know|recogni[sz]e)",
                     r"(?:to|into) a stranger'?s? (?:account|wallet|card|bank)",
                     r"(?:account|wallet|balance|savings) (?:was |got |has been |is )?(?:emptied|drained|cleaned out|cleared out)")),
    ("phish_more", 0.7, (r"(?:account|page|profile|someone|somebody|people|scammers?|caller|text|email|number|bot)s? (?:\w+ )?pretending to be",
                         r"pretending to be (?:\w+ ){0,2}?(?:support|customer service|staff|agents?|employees?|reps?|from)",
                         r"posing as (?:\w+ ){0,2}?(?:support|customer service|staff|agents?|employees?|reps?|the bank)", r"copy of (?:their|the|your) (?:site|website|login|page|app)",
                         r"(?:link|site|page|login page|website) (?:\w+ ){0,3}?(?:isn'?t|is not|wasn'?t|not) (?:theirs|real|legit|official|yours)",
                         r"asking (?:people |customers |users |me )?for (?:their |my |your )?(?:passwords?|card details|bank details|"
                         r"login details|codes?|pins?)")),
    ("exposed_more", 0.75, (r"(?:someone|somebody) else'?s (?:\w+ )?(?:results|records|statement|data|details|info|account|policy|claim)",
                            r"(?:hundreds|thousands) of (?:other )?(?:customers|patients|users|people|members|clients)'?s? "
                            r"(?:\w+ ){0,3}?(?:data|details|addresses|emails|numbers|records|info|names)",
                            r"other (?:people|customers|patients|users|members)'?s? (?:\w+ )?(?:addresses|emails|data|details|records|info)",
                            r"(?:gave|ported|transferred|moved|assigned) my (?:phone )?number to (?:someone|somebody|a stranger|another)")),
])

BILLING_MORE = _family("billing", [
    ("fee_more", 0.5, (r"surcharges?", r"got hit (?:with|for)", r"(?:card|account) (?:got |was )?hit for", r"fee (?:on|to) my (?:account|bill|card|statement)"),
     True),
    # A plan named for what it then charges for: "roaming charges of $600 on a plan sold as 'roam free'".
    ("misnamed_plan", 0.6, r"(?:sold|advertised|marketed|billed|branded|named) as ['\"]?(?:\w+ )?(?:free|unlimited|no[- ]fees?|all[- ]inclusive|"
                           r"included|fee[- ]free)"),
    ("rate_hike", 0.6, (r"(?:hiked|bumped|jacked|raised|increased|upped) (?:up )?(?:my|our|the) (?:\w+ )?(?:premium|rate|price|bill|plan)",
                        r"started (?:costing|charging|billing)", r"(?:premium|rate|bill) (?:went up|increased|jumped|rose) (?:by )?\d")),
    ("refund_missing", 0.6, (r"still no (?:sign of )?(?:my |the |a |any )?(?:[$£€][\d,]+ )?refund", r"no refund (?:yet|still|after)",
                             r"(?:still )?waiting (?:on|for) (?:my |the |a |any )?(?:[$£€][\d,]+ )?refund",
                             r"refund (?:still )?(?:hasn'?t|has not|never) (?:shown up|arrived|come|been (?:issued|processed))",
                             r"where(?:'s| is) my refund")),
])

SERVICE_MORE = _family("service_failure", [
    ("double_booked", 0.6, (r"double[- ]?booked", r"overbooked", r"no record of (?:my|our|the|us|me)")),
    ("mistreated", 0.55, (r"screamed at", r"swore at", r"cursed at", r"snapped at (?:me|us|my|our)", r"mocked (?:me|us|my|our|him|her)", r"made fun of",
                          r"belittled", r"humiliated", r"walked (?:off|out) on (?:me|us)", r"left (?:halfway|half way|mid)",
                          r"told (?:me|us) to (?:rebook|come back|try again)")),
    ("no_human", 0.55, (r"(?:no way|impossible|can'?t|cannot|unable) (?:\w+ ){0,2}?(?:to )?(?:reach|talk to|speak to|get (?:hold of|through to)) "
                        r"(?:a |an )?(?:person|human|real person|agent|anyone)", r"(?:need|want) (?:to (?:speak|talk) to )?(?:a |an )?(?:human|real person)",
                        r"(?:chat ?bot|bot|ivr|automated system) (?:\w+ ){0,3}?(?:loops?|keeps|sends me|useless|just repeats)")),
    ("late_visit", 0.5, (r"(?:showed|turned) up (?:\d+|an|a few|two|three|four|five|six) (?:\w+ )?(?:hours?|hrs?|minutes|mins) late",
                         r"ran (?:\d+ \w+|an hour|over an hour|way|hours) (?:behind|late)",
                         r"(?:rescheduled|cancelled|canceled|postponed|pushed back|moved) (?:\w+ ){0,4}?(?:\d+|two|three|four|five|"
                         r"several|multiple) times")),
])

LEGAL_MORE = _family("legal", [
    ("escalation", 0.85, (r"lemon law", r"(?:forced |binding )?arbitration", r"demand letter", r"forg(?:ed|ery of) (?:my )?signature",
                          r"against (?:the |state |federal |consumer )?laws?", r"breaking the law", r"fcra", r"fdcpa", r"tila",
                          r"(?:insurance|banking|financial|utilities?) (?:commissioner|department|regulator|ombudsman)",
                          r"(?:state|national|federal) (?:\w+ )?(?:commissioner|enforcement (?:body|agency|authority)|regulator)",
                          r"enforcement (?:body|agency|authority)", r"eu ?261")),
    ("misrepresented", 0.45, r"misrepresent(?:ed|ing|ation)"),
])

# Idioms that hide a cue word: a fraud team that protects is no fraud.
IDIOMS_MORE = _family("idiom", [
    ("protective", 0.0, (r"fraud (?:team|department|dept|protection|prevention|monitoring|detection)",
                         r"(?:should|ought to) be against the law")),
])
# fmt: on

MORE_CUES: tuple[Cue, ...] = (
    *ORDER_MORE,
    *DEFECT_MORE,
    *SAFETY_MORE,
    *OUTAGE_MORE,
    *SECURITY_MORE,
    *BILLING_MORE,
    *SERVICE_MORE,
    *LEGAL_MORE,
    *IDIOMS_MORE,
)
