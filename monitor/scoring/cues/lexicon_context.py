# ruff: noqa: E501
# Hand-laid regex phrase tables, as in lexicon.py.
"""Context cues: general complaint language, intensity, and what damps a score.

General complaint cues carry no category: they say a customer's expectation was let down
("still", "again", "worst", "why is") without saying how. Damping cues say the trouble is
resolved, a joke, an advert, a job post or news.
"""

from __future__ import annotations

from .lexicon import _family
from .matcher import Cue

# fmt: off
COMPLAINT = _family("complaint", [
    ("strong_words", 0.45, (r"worst", r"terrible", r"horrible", r"horrendous", r"awful", r"pathetic", r"ridiculous",
                            r"disgrace(?:ful)?", r"disgusting", r"appalling", r"unacceptable", r"useless",
                            r"shambles", r"atrocious", r"abysmal", r"shameful", r"scandalous", r"outrageous", r"shocking", r"shame", r"shameful",
                            r"inexcusable", r"unbelievable", r"absurd", r"joke of a", r"a joke", r"rubbish",
                            r"garbage", r"trash", r"crappy", r"sucks?", r"stinks?", r"lied", r"lying", r"liars?", r"screwed (?:me|us|up)",
                            r"messed up", r"poor", r"nightmare", r"fail(?:ed|s|ing|ure)?", r"epic fail",
                            r"debacle", r"mess", r"dreadful", r"lousy", r"inadequate"), True),
    ("feeling", 0.4, (r"disappoint(?:ed|ing|ment)", r"frustrat(?:ed|ing|ion)", r"annoy(?:ed|ing)", r"fed up",
                      r"sick (?:and tired )?of", r"tired of", r"fuming", r"furious", r"livid", r"angry", r"pissed",
                      r"upset", r"not (?:happy|impressed|ok|okay|acceptable|good enough|fair|cool)", r"unhappy",
                      r"let down", r"gutted", r"stressed", r"#nothappy", r"beyond (?:\w+ )?(?:pissed|annoyed|"
                      r"frustrated|angry)", r"can'?t believe", r"what a (?:joke|mess|shame|waste)",
                      r"waste of (?:time|money)", r"regret\w*(?! nothing)", r"never (?:again|buying|shopping|using|flying|ordering)",
                      r"last time i", r"done with", r"lost (?:a )?customer", r"avoid", r"boycott", r"smh", r"wtf",
                      r"ugh+", r"seriously", r"what the (?:heck|hell|fuck|f)", r"how the (?:heck|hell|fuck|f)",
                      r"(?:not|wasn'?t|isn'?t|weren'?t|aren'?t|never) (?:very |at all |remotely )?helpful", r"unhelpful",
                      r"(?:without|with no|with zero) (?:any )?(?:warning|notice|notification|consent|explanation|"
                      r"asking|permission)", r"no explanation",
                      r"please stop", r"stop (?:sending|charging|calling|emailing|texting|tagging|spamming|taking)", r"come on", r"really\?")),
    ("persistence", 0.3, (r"still", r"again", r"yet again", r"once again", r"every (?:single )?(?:time|day|week|morning|night)",
                          r"each time", r"constantly", r"keeps?(?= (?:\w+ing|on)\b)", r"repeatedly", r"multiple times",
                          r"(?:for|on) hours", r"hours later", r"(?:days|weeks) (?:now|later|ago and)",
                          r"several times", r"(?:two|three|four|five|\d+) times", r"over and over",
                          r"(?:for|over|after|in) (?:over |almost |nearly )?(?:\d+|two|three|four|five|six|seven|"
                          r"eight|nine|ten|several|many|a few|a couple of) (?:days|weeks|months|hours|hrs|minutes|"
                          r"mins|years)", r"all day", r"since (?:\d|last|yesterday|"
                          r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|this|the)", r"yet",
                          r"waiting", r"wait(?:ed)? (?:for|on)", r"(?:been|keep|kept) trying", r"tried (?:\w+ )?(?:times|"
                          r"everything|again|twice|calling|to call|to contact)", r"(?:been |still |got )?stuck", r"no (?:longer|more)")),
    ("blame_question", 0.35, (r"why @", r"what gives", r"why (?:is|are|does|do|did|can'?t|won'?t|would|has|have|isn'?t|aren'?t|doesn'?t|"
                              r"don'?t|didn'?t|was|were|am|on earth|the hell|must|should|it)",
                              r"how (?:hard|difficult) is it", r"how (?:is|are) (?:this|that|it) (?:ok|okay|"
                              r"acceptable|possible|fair|legal)", r"what(?:'s| is) (?:going on|the (?:problem|issue|"
                              r"deal|story|point))", r"what happened to", r"is this really", r"any (?:update|news|progress)s? on", r"is this (?:how|what|your|a joke|normal)",
                              r"how (?:long|many times|much longer)", r"when (?:will|is|are) (?:i|we|my|it|this|"
                              r"you|someone|somebody)")),
    ("ask_fix", 0.35, (r"fix (?:this|it|the|your|my|that)", r"sort (?:this|it|me|the) ?(?:out)?", r"sort out",
                       r"sorted", r"please (?:help|advise|fix|sort|respond|reply|look|assist|resolve|explain|check)",
                       r"help(?:!| me| us| please)", r"need (?:help|assistance|a (?:refund|replacement|fix))",
                       r"(?:can|could) (?:you|someone|anyone|u) (?:please )?(?:help|fix|explain|sort|look|assist|"
                       r"resolve|check)", r"do something", r"get (?:this|it) (?:sorted|fixed|resolved)",
                       r"resolve (?:this|it|my)", r"replace(?:ment)?", r"exchange", r"escalat(?:e|ed|ing)",
                       r"speak to (?:a|someone|your)", r"(?:dm|dm'?d|messaged|emailed|called|rang|phoned|contacted) "
                       r"(?:you|u|your|them|twice|again|several|multiple|\d+)", r"sent (?:you )?(?:a )?dm",
                       r"cancel(?:l?ed|l?ing|lation)?", r"sen[dt] (?:it|them) back", r"complain(?:ed|ing|t|ts)?")),
    ("trouble", 0.35, (r"problems?", r"issues?", r"trouble", r"wrong", r"faults?", r"concerns?", r"not (?:right|"
                      r"correct|the same)", r"(?:can'?t|cannot|unable to|won'?t let me|couldn'?t|impossible to) "
                      r"\w+", r"no (?:way|option) to", r"keeps? (?:telling|saying|asking)", r"invalid", r"improperly", r"incorrect(?:ly)?",
                      r"no (?:confirmation|tracking|email|notification)", r"doesn'?t make sense",
                      r"should(?:n'?t| not| have| be)"), True),
])

INTENSITY = _family("intensity", [
    ("urgent", 0.2, (r"urgent(?:ly)?", r"asap", r"immediately", r"emergency", r"right now", r"as soon as possible")),
])

# Damping families: weight is the factor the problem evidence is multiplied by.
DAMP = _family("damp", [
    ("resolved", 0.3, (r"fixed", r"repaired", r"replaced", r"resolved", r"sorted (?:it|this|me|everything|us|"
                       r"the|my)", r"refunded (?:me|us|my|the)", r"took care of", r"taken care of",
                       r"came through", r"helped me", r"went (?:above and beyond|the extra mile)",
                       r"above and beyond", r"all good now", r"works? (?:fine|great|perfectly) now",
                       r"back (?:up|online|to normal)", r"stayed on the line", r"made it right",
                       r"in (?:a|one) day", r"same day", r"within (?:an hour|a day|minutes|hours)")),
    ("gratitude", 0.8, (r"thank(?:s| you| u)", r"thx", r"ty", r"appreciate(?:d)?", r"grateful", r"kudos",
                        r"shout ?out", r"props to", r"hats off", r"well done", r"(?:great|excellent|amazing|"
                        r"fantastic|awesome|brilliant|superb|outstanding|good) (?:customer )?(?:service|job|support|"
                        r"experience|team|staff|work)", r"incredible", r"amazing", r"impressed", r"love (?:you|"
                        r"this|it|them|my|the|how)", r"smoothest", r"best (?:service|ever|customer)", r"5 stars",
                        r"five stars")),
    ("casual", 0.5, (r"lol", r"lmao", r"lmfao", r"rofl", r"haha\w*", r"hehe\w*", r"jk", r"hilarious", r"so funny",
                     r"funniest", r"love it", r"jokes?", r"meme", r"xd")),
    ("slang", 0.3, (r"(?:i'?d|would|i would) kill for", r"to die for", r"dying for", r"(?:is|so|looks?) fire",
                    r"fire emoji", r"killing it", r"killed it", r"a steal", r"steal of a deal", r"(?:is|are|was) killing me", r"i'?m dead", r"dead ?ass", r"insane (?:deals?|"
                    r"prices?|sale|value)", r"sick (?:deal|ride|beat|car)", r"crazy (?:deals?|good|cheap)",
                    r"(?:prices?|deals?) (?:are|is) (?:insane|crazy|unreal|ridiculous)", r"bomb", r"slaps",
                    r"dangerously (?:good|drinkable|addictive|delicious|tasty|cheap|comfy|comfortable|easy)", r"killer")),
    # Praise of a process ("returns were super easy, refund in 2 days"): refund and return words
    # are then the story of a smooth fix, not a complaint. Negatable: "not easy" is no praise.
    ("smooth", 0.3, (r"(?:super|so|really|very|was|were|is|are|went|pretty) (?:easy|quick|fast|simple|smooth)",
                     r"painless", r"seamless(?:ly)?", r"smooth(?:ly|est)?", r"effortless(?:ly)?", r"hassle[- ]free",
                     r"no hassle", r"no questions asked", r"straightforward",
                     r"(?:refund|money|credit) (?:\w+ ){0,3}?(?:within (?:a|an|one|two|\d+) (?:days?|hours?)|in (?:a|one|two|\d+) "
                     r"(?:days?|hours?)|the next (?:day|morning)|same day|next day)"), True),
    ("promo", 0.35, (r"free (?:shipping|delivery|returns|gift|gifts|samples?|wrapping|trial|cookie|drink|upgrade|"
                     r"consultation)", r"shop now", r"order now", r"book now", r"buy now", r"use (?:code|promo|"
                     r"coupon)", r"promo code", r"discount code", r"coupon", r"limited time", r"sale (?:starts|ends|"
                     r"now|is on)", r"up to \d+ ?%", r"giveaway", r"win a", r"enter to win", r"chance to win",
                     r"link in (?:bio|profile)", r"#ad", r"#sponsored", r"sponsored", r"don'?t miss", r"sign up",
                     r"new arrivals", r"available now", r"check out (?:our|the new|my)", r"on sale", r"deal of the",
                     r"#giveaway", r"follow (?:us|and)", r"rt to", r"click (?:here|the link)")),
    ("job", 0.25, (r"hiring", r"we'?re hiring", r"apply (?:now|today|here|online)", r"job (?:alert|opening|"
                   r"openings|opportunit(?:y|ies)|fair|posting)", r"career opportunit(?:y|ies)",
                   r"join (?:our|the) team", r"vacanc(?:y|ies)", r"recruiting", r"internships?", r"#jobs?",
                   r"#hiring", r"now hiring")),
    ("self_blame", 0.4, (r"(?:i|we) accidentally", r"(?:i|we) (?:mistakenly|inadvertently)", r"my (?:own )?(?:fault|mistake|bad)", r"(?:i|we) (?:made a mistake|"
                         r"messed up|screwed up|forgot to)", r"(?:i|we) (?:put|entered|typed|chose|picked|selected) "
                         r"the wrong", r"user error",
                         r"not (?:their|your|his|her|the \w+'?s|the company'?s|anyone'?s) fault")),
    # Asking about a policy or a product before trouble: "recall notice? anyone know if it covers mine".
    ("question", 0.5, (r"(?:does )?anyone know (?:if|whether)", r"(?:just )?wondering (?:if|whether)", r"asking before (?:i|we)",
                       r"quick question")),
    ("news", 0.5, (r"stock (?:price|market|fell|rose|jumped|dropped|surged|plunged|is up|is down)", r"shares (?:fell|rose|jumped|dropped|are|of)", r"earnings", r"revenue",
                   r"quarterly", r"analysts?", r"investors?", r"ipo", r"announce(?:s|d)?", r"acquisition",
                   r"acquires?", r"merger", r"reportedly", r"press release", r"rivals?", r"competitors?",
                   r"breaking:", r"headlines?")),
])

# Idioms that contain a cue word but no trouble: "I'm broke", "broke the internet", "no complaints",
# "should be illegal". Matched first (the scan takes the leftmost, longest phrase), they hide the
# cue word inside them and add nothing.
IDIOMS = _family("idiom", [
    ("neutral", 0.0, (r"i'?m (?:so |flat |dead |too )?broke", r"(?:we'?re|i was|we were|being|so|flat|too) broke",
                      r"broke af", r"broke (?:the|a) (?:internet|record|bank)", r"no complaints?", r"zero complaints",
                      r"can'?t complain", r"not complaining", r"(?:should|ought to) be illegal", r"(?:so good|this good) (?:it'?s|it should be) illegal",
                      r"fire (?:sale|deal|deals)", r"cracked (?:me|us) up", r"fell off (?:my|the|our|his|her) (?:chair|couch|seat|bed)")),
])

# Words that let the scorer try a sentence structure (structures.py) without scanning for them
# again. Order verbs are commerce words too: the engine counts them as context.
TRIGGERS = _family("trigger", [
    ("order", 0.0, (r"ordered", r"pre-?ordered", r"bought", r"purchased", r"paid for", r"asked for",
                    r"but (?:the |my )?(?:box|package|parcel|bag) (?:had|contained|came with)")),
    # "promised", "supposed to", "guaranteed" are service_failure.broken_promise cues: the engine
    # reads those hits as this trigger too.
    ("promise", 0.0, (r"promise", r"promises", r"said", r"told", r"supposed", r"guarantee", r"guarantees",
                      r"meant to", r"agreed", r"confirmed", r"swore", r"booked (?:me|us)")),
])

# Words of a customer relationship. A complaint word ("worst", "still") only counts in full next
# to one of these (or a strong incident cue, or the brand itself): "worst day ever" is not a complaint.
COMMERCE = _family("commerce", [
    ("context", 0.0, (r"orders?", r"deliver(?:y|ies)", r"packages?", r"parcels?", r"shipping", r"shipments?",
                      r"customer (?:service|care|support|services)", r"support", r"accounts?", r"apps?",
                      r"websites?", r"site", r"online", r"stores?", r"shops?", r"staff", r"employees?", r"managers?",
                      r"products?", r"items?", r"purchases?", r"receipts?", r"bills?", r"payments?",
                      r"cards?", r"flights?", r"bookings?", r"booked", r"reservations?", r"tickets?", r"seats?",
                      r"luggage", r"baggage", r"phones?", r"laptops?", r"devices?", r"tv", r"cars?", r"vehicles?",
                      r"dealer(?:ship)?s?", r"warranty", r"subscriptions?", r"plans?", r"contracts?", r"internet",
                      r"broadband", r"wifi", r"wi-fi", r"network", r"signal", r"emails?", r"password", r"log ?in",
                      r"updates?", r"software", r"engineers?", r"technicians?", r"appointments?", r"trains?",
                      r"bus(?:es)?", r"branch", r"restaurant", r"meals?", r"menu", r"food", r"drinks?", r"prices?",
                      r"charges?", r"fees?", r"your", r"you guys", r"u guys", r"agents?", r"reps?",
                      r"representatives?", r"call cent(?:er|re)", r"helpline", r"live chat", r"policy", r"service",
                      r"machine", r"printer", r"router", r"battery", r"screen", r"charger", r"game", r"servers?",
                      r"driver", r"connection", r"calls?", r"refund", r"replacement", r"repair", r"installation",
                      r"customers?", r"brand", r"company", r"airline", r"hotel", r"room", r"insurance", r"claim",
                      r"bank", r"loan", r"mortgage", r"premium", r"version", r"feature", r"bag", r"box", r"size",
                      r"shoes?", r"jacket", r"dress", r"shirt", r"jeans", r"coat", r"boots", r"deliver(?:ed|ing|s)?",
                      r"ship(?:ped|ping|s)?", r"paid", r"pay(?:ing)?", r"buy(?:ing)?", r"purchas(?:e|ing)",
                      r"book(?:ing)?", r"install(?:ed|ing)?", r"cashback", r"coupons?", r"vouchers?", r"patch", r"save files?", r"files", r"discount",
                      r"membership", r"checkout", r"cart", r"basket", r"stock", r"collection", r"pickup",
                      r"power", r"electricity", r"water", r"gas", r"heating", r"lights", r"drive[- ]?thru", r"drive[- ]?through", r"sauce", r"burger", r"pizza", r"coffee")),
])

# fmt: on

CONTEXT_CUES: tuple[Cue, ...] = (*COMPLAINT, *INTENSITY, *DAMP, *IDIOMS, *TRIGGERS, *COMMERCE)
