# ruff: noqa: E501
# The tables below are regex phrase lists laid out by hand for reading; line length and the
# formatter's one-item-per-line layout would triple their size without making them clearer.
"""Incident cues, one family per category.

Phrases are cue families, not sentences: each names a kind of trouble in the words customers use
for it ("stopped working", "never arrived", "double charged"). Weights are judgement: a phrase
that alone says "incident" is 0.6 and up, a hint that needs company 0.2-0.4. Pricing anomalies
need number logic as well and live in pricing.py.
"""

from __future__ import annotations

from .matcher import Cue

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|several|many|few|a few|a couple of)"
_OBJ = r"(?:my|our|his|her|their|the|a|an)"


def _family(family: str, rows: list[tuple]) -> list[Cue]:
    cues = []
    for row in rows:
        name, weight, phrases = row[0], row[1], row[2]
        negatable = len(row) > 3 and row[3]
        phrases = (phrases,) if isinstance(phrases, str) else tuple(phrases)
        cues.append(Cue(f"{family}.{name}", family, weight, phrases, negatable))
    return cues


def _each(heads: str, tail: str) -> tuple[str, ...]:
    """One phrase per head word, so every phrase starts with a literal (the trie needs that)."""
    return tuple(h + tail for h in heads.split())


# fmt: off
ORDER = _family("order_problem", [
    ("wrong_item", 0.6, r"wrong (?:item|items|size|sizes|colou?r|order|product|one|thing|model|book|part|parts|"
                        r"shoes?|dress|shirt|address|package|parcel|meal|food|drink|flavou?r)s?"),
    ("sent_wrong", 0.65, (r"(?:sent|shipped|gave|delivered|brought|handed) (?:me |us )?(?:the |a |an )?wrong",
                          r"(?:got|received|get) (?:the |a |an )?wrong")),
    ("ordered_got_other", 0.6, (r"ordered (?:a |an |the |two |\d+ |some )?[\w\s',-]{0,45}?"
                                r"(?:received|got|sent me|came with|arrived with|delivered)(?! (?:it\b|them\b|(?:my|our|"
                                r"the) (?:order|food|stuff|package)|on |in |here|today|quickly|fast|within|yesterday|"
                                r"delivered|back))",
                                r"when (?:i|we) ordered", r"(?:as|what) (?:i|we) asked for",
                                r"asked for [\w\s',-]{0,40}?(?:and|but) (?:got|received|they gave|was given)", r"instead of what (?:i|we) ordered",
                                r"not what (?:i|we) ordered")),
    ("never_arrived", 0.6, (r"never (?:arrived|came|showed up|turned up|got delivered|delivered|received|shipped|"
                            r"got (?:my|it|the|our))",
                            r"(?:has|have)(?:n't| not) (?:yet )?(?:arrived|been delivered|come|shipped|been shipped|"
                            r"been dispatched|turned up)",
                            r"did(?:n't| not) (?:arrive|turn up|show up|get delivered)",
                            r"not (?:yet )?(?:arrived|delivered|dispatched|shipped)",
                            r"yet to (?:arrive|receive|be delivered|be shipped)")),
    ("not_received", 0.5, (r"(?:have|has)(?:n't| not) (?:yet )?(?:received|got|gotten)",
                           r"(?:not|never) (?:yet )?received", r"not (?:getting|receiving) (?:my|our|any|the)",
                           r"no (?:sign|trace) of (?:my|the|our|a|an)", r"still (?:no|not|haven't|hasn't)\s?(?:got|received|had)?"
                           r" (?:my |the |our |a |any )?(?:order|package|parcel|delivery|item|items|tickets?)")),
    ("where_is", 0.6, (r"where(?:'s| is| are) (?:my|our|the) (?:order|package|parcel|delivery|stuff|item|items|"
                       r"luggage|bags?|suitcase|shipment|food|tickets?)",
                       r"where(?:'s| is) my")),
    ("missing", 0.45, (r"missing", r"(?:lost|misplaced) (?:my|our|the|both|all|two|\w+ \w+) (?:checked )?(?:package|parcel|order|"
                                   r"luggage|bags?|suitcases?|delivery|shipment|booking)"), True),
    # "says delivered" when nothing came: the tracking contradicts the doorstep.
    ("marked_delivered", 0.6, (r"(?:says|said|shows|showed|showing|marked|claims|claimed|status) (?:as |it was |it's |it is |"
                               r"(?:my|the|our) \w+ (?:was |is |as )?)?delivered", r"delivered but (?:nothing|no|not|it|i|we)")),
    ("lost_in_transit", 0.55, _each("package parcel order delivery shipment luggage bag bags suitcase item",
                                    r" (?:is |was |has been |got |went )?(?:lost|stolen|delayed|missing|stuck|"
                                    r"held up|never delivered)")),
    ("arrived_bad", 0.55, (r"arrived (?:\w+ ){0,3}?(?:missing|late|opened|open|empty|wet|without|melted|cold|"
                          r"spoiled|incomplete)", r"came (?:\w+ )?(?:without|with no|missing)")),
    ("delivery_address", 0.6, (r"(?:old|wrong|previous) address", r"(?:to|at) (?:the |a )?(?:wrong|another|different|someone else'?s) "
                               r"(?:house|address|door|apartment|apt|building|flat|unit|person|customer|table|room)",
                               r"delivered to (?:the )?(?:wrong|another|a different|my neighbou?rs?|someone)")),
    ("out_for_delivery", 0.35, (r"out for delivery", r"tracking", r"not been (?:updated|dispatched|shipped)")),
    ("delayed", 0.35, (r"(?:supposed|meant|due|scheduled|promised) to (?:arrive|be delivered|ship|be shipped)",r"delay(?:ed|s)?", r"late (?:again|delivery|order|arrival)", r"rescheduled", r"postponed", r"pushed back",
                       r"(?:running|arrived|came|is|was|are|were) "
                       r"(?:\w+ ){0,2}late", r"backorder(?:ed)?", r"short[- ](?:shipped|changed)")),
    ("cancelled_order", 0.45, r"cancel(?:l)?ed (?:my|our) (?:order|flight|booking|reservation|delivery|appointment)"),
    ("missed", 0.35, r"missed (?:my |the |our )?(?:delivery|flight|connection|appointment|train|bus)"),
    ("partial", 0.35, (r"(?:only |just )(?:got|received|sent) (?:one|1|half|part|two)",
                       r"half (?:of )?(?:my|the|our) (?:order|items)")),
])

DEFECT = _family("product_defect", [
    ("broken", 0.5, (r"broken", r"broke(?! in\b)", r"breaks", r"snapped (?:in half|in two|off|at)", r"breaking", r"broke down", r"already (?:broken|broke|cracked|"
                                                                               r"ripped|torn|falling apart)"), True),
    ("chipped_cracked", 0.65, (r"chipped", r"chips? in", r"cracked", r"cracks", r"crack in", r"shatter(?:ed|s)?",
                              r"smashed", r"dented"), True),
    ("stopped_working", 0.6, (r"stopped working", r"quit working", r"no longer works?", r"never worked",
                              r"won'?t (?:turn on|charge|start|boot|power on|connect|pair|sync|open|close|lock|"
                              r"unlock|work|hold a charge|stay connected)",
                              r"doesn'?t (?:turn on|charge|start|boot|power on|connect|pair|sync|work)",
                              r"(?:won'?t|doesn'?t|didn'?t|does not|will not|wont|cant|can'?t) (?:\w+ )?(?:turn on|"
                              r"power on|boot|charge(?! (?:me|us|you|them|anything|extra|for|a))|start up)", r"(?:powering|turning|shutting|switching) (?:off|down) "
                              r"(?:on its own|by itself|randomly|every)",
                              r"(?:don'?t|do not) work", r"(?:doesn'?t|don'?t|didn'?t) (?:seem to|even|actually|"
                              r"always) work", r"seiz(?:ed|es|ing) up", r"blue ?screens?(?:ing|ed)?", r"drains? (?:my |the )?battery",
                              r"does not (?:turn on|charge|start|work)", r"didn'?t work", r"did not work",
                              r"(?:is|isn't|are|aren't|not|still not|it's not) working", r"not working",
                              r"not work(?:ing)? properly", r"stops working", r"stopped (?:charging|turning on|connecting|responding|cooling|heating|spinning|pairing|syncing)",
                              *_each("motor battery screen display unit device phone laptop charger speaker earbud earbuds headphones remote "
                                    "console controller tv camera sensor port keyboard fan pump compressor engine bulb",
                                    r" (?:is |was |went |arrived |came |are |just )(?:completely |totally |already |just )?dead\b"),
                              r"(?:green|pink|purple|white|black|dead) (?:lines?|spots?|pixels?) (?:on|down|across|in)", r"cuts? out", r"keeps? (?:on )?(?:crashing|restarting|"
                              r"rebooting|freezing|disconnecting|dropping|turning off|shutting down|failing|glitching|"
                              r"logging (?:me )?out|signing (?:me )?out|kicking me out|buffering|lagging)",
                              r"no longer (?:works?|working|charging|charges|turns? on|connects?|syncs?|loads?|"
                              r"opens?|responds?)",
                              r"dead (?:on arrival|pixels?|line|spot|zone|battery|after)", r"doa")),
    ("fell_apart", 0.6, (r"f[ae]ll(?:s|ing)? apart", r"(?:shred|rip|tear|tore|split|crumble|break)(?:s|ed|ded|ping|"
                                                     r"ing)? apart", r"came apart", r"coming apart", r"f[ae]ll(?:s)? (?:out|off)",
                         r"came (?:off|loose|undone|unstitched|unglued)", r"coming (?:off|loose|undone|unglued)",
                         r"falling (?:out|off)")),
    ("defective", 0.6, (r"defect(?:ive|s)?", r"faulty", r"malfunction(?:ing|ed|s)?", r"manufacturing (?:fault|flaw)",
                        r"(?:poor|bad|terrible|awful|shoddy|cheap) (?:quality|build|workmanship|craftsmanship)",
                        r"cheaply made", r"flimsy", r"quality control"), True),
    ("leaks", 0.55, (r"leak(?:s|ing|ed)?", r"drips?", r"dripping"), True),
    ("damage", 0.5, (r"damaged", r"ruined"), True),
    ("data_loss", 0.65, (r"corrupt(?:ed|s|ing)?", r"bricked", r"wiped (?:my|all|out)", r"deleted (?:all )?(?:my|our)",
                         r"lost (?:all )?(?:my|our) (?:data|files|photos|progress|saves?|save file|contacts|messages)"),
     True),
    ("wear", 0.45, (r"(?:a |has a |have a |with a )?holes? in", r"ripped", r"torn", r"tear in", r"rip in",
                    r"peel(?:ing|ed|s)?", r"fad(?:ed|ing)", r"shr[ua]nk", r"stain(?:ed|s)?", r"scratch(?:ed|es)",
                    r"rust(?:ed|y|ing)?", r"stitching", r"seams?", r"pilling", r"frayed")),
    ("noise", 0.45, (r"flicker(?:s|ing|ed)?", r"stutter(?:s|ing)?", r"grind(?:s|ing)", r"squeak(?:s|ing|y)?", r"rattl(?:e|es|ing)", r"clicking", r"buzzing",
                     r"whining noise", r"weird noise", r"strange noise", r"loud noise")),
    ("software_fault", 0.4, (r"glitch(?:es|y|ing)?", r"bugs?", r"buggy", r"freez(?:es|ing)", r"froze",
                             r"crash(?:es|ed|ing)?", r"lag(?:s|gy|ging)?", r"update (?:broke|ruined|messed)",
                             r"battery (?:dies|died|drains?|draining|won't hold|life is)"), True),
    ("too_soon", 0.35, (r"after (?:only |just )?" + _NUM + r" (?:days?|weeks?|months?|uses?|washes|wears?|miles|hours)",
                        r"lasted (?:only |just )?" + _NUM + r" (?:days?|weeks?|months?)",
                        r"(?:straight |right )?out of the box", r"first (?:time i |wear|use|wash)",
                        r"second time i")),
    ("spoiled", 0.45, (r"soggy", r"chewy", r"watery", r"burnt", r"tasteless", r"inedible", r"flat (?:beer|soda|"
                       r"drink|coke)", r"filled with water", r"stale", r"spoil(?:ed|t)", r"rotten", r"expired", r"out of date",
                       r"smell(?:s|ed)? (?:so |really |very )?(?:bad|awful|terrible|off|funny|weird|rotten|disgusting|horrible)")),
])

SAFETY = _family("safety", [
    ("fire", 0.9, (r"caught (?:on )?fire", r"catch(?:es|ing)? (?:on )?fire", r"burst into flames", r"in flames",
                   r"fire (?:department|brigade|fighters?|truck|hazard)", r"started a fire", r"set (?:on )?fire",
                   r"house fire", r"exploded", r"explod(?:es|ing)", r"explosion", r"melted (?:down|the)",
                   r"smoke (?:came|coming|pouring|poured)", r"fire waiting to happen",
                   r"(?:plug|cord|cable|outlet|socket|charger|wire|adapter|adaptor)s? (?:\w+ )?(?:melted|scorched|charred)",
                   r"scorch(?:ed|ing) (?:the|my)", r"(?:was |started |is )smoking")),
    ("electric", 0.75, (r"spark(?:ed|ing|s)", r"shocked me", r"electric(?:al)? shock", r"electrocut(?:ed|ion)",
                        r"shock(?:ed)? (?:me|my|him|her)")),
    ("battery_swelling", 0.7, (r"(?:bulging|swollen|swelling|swelled|puffed up|expanding) battery",
                               r"battery (?:is |was |has |got )?(?:bulging|swollen|swelling|swelled|puffed|exploded|"
                               r"overheating|smoking|leaking)", r"overheat(?:s|ed|ing)", r"too hot to touch")),
    ("injury", 0.7, (r"injur(?:y|ed|ies|ing)", r"hurt (?:me|my|him|her|us|our|their|myself)", r"burn(?:ed|t|s)? "
                     r"(?:me|my|him|her|us|our|their)", r"scald(?:ed|ing)?", r"cut (?:my|his|her|our) (?:hand|"
                     r"finger|mouth|lip|foot|leg|arm|tongue|gums?)", r"bleed(?:ing)?", r"stitches", r"hospital",
                     r"emergency room", r"ambulance", r"a&e", r"concussion", r"broke (?:my|his|her) (?:arm|leg|"
                     r"wrist|ankle|tooth|teeth|nose)", r"chipped (?:my|a|his|her) tooth")),
    ("illness", 0.8, (r"allergic reaction", r"anaphyla(?:xis|ctic)", r"epipen", r"food poisoning",
                      r"poison(?:ed|ing|ous)", r"salmonella", r"e\.? ?coli", r"listeria", r"norovirus",
                      r"(?:got|get|gotten|made (?:me|us|him|her|my \w+)|making (?:me|us)) (?:very |so |really )?sick",
                      r"threw up", r"throwing up", r"vomit(?:ed|ing)?", r"diarrh(?:o)?ea", r"undercooked",
                      r"raw (?:chicken|inside|in the middle|meat|pork)", r"mou?ldy?", r"contaminat(?:ed|ion)")),
    ("foreign_object", 0.75, _each("glass metal plastic hair bug insect worm maggot maggots cockroach roach fly "
                                   "rat mouse screw bolt wire needle shard",
                                   r" (?:in|inside) (?:my|the|our|his|her)") + (
        r"(?:dead|live) (?:bugs?|fly|flies|cockroach|roach|insects?|mouse|rat|worms?|spider|slug)",
        r"found (?:a |an |some )?(?:piece of |shard of |bits? of |pieces of )?(?:glass|metal|plastic|hair|bugs?|"
        r"insects?|worms?|maggots?|cockroach|roach|fly|mold|mould|rat|mouse|screw|wire|needle)",
        r"pieces? of (?:glass|metal|plastic|wire)")),
    ("medication_error", 0.8, (r"(?:someone else'?s|another (?:customer|patient|person)'?s|wrong) (?:prescription|medication|"
                               r"meds|pills|dose|dosage|medicine|insulin)", r"(?:\d+x|ten times|double) (?:the |my )?(?:dose|dosage)")),
    ("recall", 0.6, (r"recall(?:ed|s)?", r"recall situation", r"safety (?:issue|concern|hazard|risk|recall)",
                     r"consumer safety")),
    ("danger", 0.65, (r"unsafe", r"dangerous", r"hazard(?:ous)?", r"health hazard", r"choking", r"choked",
                      r"toxic", r"fumes", r"carbon monoxide", r"gas leak", r"(?:almost|nearly) (?:ate|swallowed|choked|"
                      r"crashed|lost (?:a|my|his|her) (?:finger|eye|hand|tooth))", r"could have (?:killed|died|hurt|been killed|"
                      r"been hurt|burned|caused)", r"brakes? (?:failed|failure|stopped working|went out|gave out)",
                      r"airbags?", r"(?:steering|accelerator) (?:failed|locked|stuck)",
                      r"(?:brakes?|steering|accelerator|airbags?) (?:[\w']+ ){1,6}?(?:failed|gave out|went out|locked up|"
                      r"stopped working|didn'?t (?:work|deploy|engage))"), True),
])

OUTAGE = _family("outage", [
    ("down", 0.65, _each("site website app apps server servers network system systems portal platform banking "
                         "checkout service services wifi internet broadband connection phones lines game online "
                         "everything ordering payments",
                         r" (?:is |are |was |were |has been |have been |went |goes |go |keeps going |keep going "
                         r"|seems |seem to be |is still |are still |still |been |being )?(?:completely |totally )?(?:down|offline|dead|crashed)") + (
        r"when will (?:the |our |my |your )?(?:power|internet|service|wifi|site|website|app|electricity|water|"
        r"signal|network|servers?) be (?:back|fixed|restored|up)", r"outages?", r"down for (?:everyone|everybody|hours|days|me)", r"(?:is|are) \w+ down", r"down again",
        r"down all (?:day|morning|night|week)",
        *_each("power electricity lights internet broadband wifi signal service network cable tv water heating gas",
               r" (?:is |was |has |have |just |suddenly |keeps |has been |went |gone |goes |going |keeps going )*"
               r"(?:out|off|gone(?! (?:downhill|to|up|down|south|bad)\b)|cut off|dropping|cutting out)"), r"blackout", r"power (?:cut|outage|out|failure)")),
    ("no_service", 0.55, (r"out of (?:network|service|coverage|range)", r"no (?:phone |mobile |cell |home |internet |tv |cable )?(?:signal|service|internet|connection|network|wifi|wi-fi|data|calls|power|electricity|"
                         r"water|lights?|gas|heating|heat|hot water|tv|cable|coverage|reception|broadband|dial tone)")),
    ("errors", 0.55, (r"error (?:page|message|messages|code|screen|when|while|every)", r"(?:internal|server|network) "
                      r"errors?", r"[45]0[0-9] errors?", r"something went wrong", r"keeps? (?:getting|saying|showing) "
                      r"(?:an? )?(?:error|\"?something)", r"errors?", r"try again later"), True),
    # Trouble many people share: "down for everyone", "whole city", "nationwide". Scope turns an app
    # crash into an outage (the engine moves software-fault evidence here when this fires).
    ("widespread", 0.35, (r"for (?:anyone|everyone|everybody)(?! (?:else|over|under|who|taller|shorter|above|below|with|that|looking|interested)\b)", r"(?:anyone|anybody) else (?:having|getting|seeing|experiencing|unable|"
                          r"can'?t|not able|have|with)", r"(?:whole|entire) (?:city|country|area|neighbou?rhood|town|region|team|"
                          r"office|street|building|state)", r"nationwide", r"country-?wide", r"(?:hundreds|thousands) (?:of \w+ )?"
                          r"(?:stuck|can'?t|affected|unable|stranded|waiting)")),
    ("failing", 0.55, (r"payments? (?:are |is )?(?:failing|failed|not going through)", r"(?:throws?|throwing|getting|got|"
                       r"shows?|showing|gives?|giving) (?:a |an |me )?[45]0[0-9]\b", r"not sending (?:messages|texts|emails)")),
    ("cant_access", 0.55, (r"can'?t (?:log ?in|login|sign ?in|access|connect|load|get on|get into|get through|open|"
                           r"check ?out|place (?:an|my|the) order|pay|make (?:a )?payments?|use (?:the|my|your) "
                           r"(?:app|site|card))",
                           r"cannot (?:log ?in|login|sign ?in|access|connect|load|check ?out|open)",
                           r"unable to (?:log ?in|login|sign ?in|access|connect|load|check ?out|open|pay|use)",
                           r"won'?t (?:load|let me (?:log|sign|in|check|pay|order)|accept)", r"not loading",
                           r"doesn'?t load", r"isn'?t loading", r"stuck (?:on|at) (?:the )?(?:loading|login|checkout|"
                           r"payment)", r"locked out", r"time[sd]? ?out",
                           r"(?:chucks|kicks|throws|logs|kicked|threw|logged) (?:me|us) out", r"buffer(?:ing|s)?",
                           r"(?:is|are|so|very|extremely|incredibly) slow")),
])

SECURITY = _family("security", [
    ("hacked", 0.75, (r"hack(?:ed|ers?|ing)", r"data breach", r"breach(?:ed)?", r"compromised", r"account takeover",
                      r"taken over", r"hijack(?:ed)?", r"got into (?:my|our)", r"identity theft", r"stole (?:my|our) (?:identity|account|"
                      r"card|details|data|number)")),
    # Someone else's private data shown or sent to this customer.
    ("exposed", 0.75, (r"(?:another|other|a different) (?:customer|patient|user|person|client|member)(?:'s|s'|s) (?:\w+ ){0,2}"
                       r"(?:statement|data|details|info|information|records?|results|account|address|bill|emails?)",
                       r"someone else'?s (?:statement|data|details|info|information|account|records?|results|bill|emails?)")),
    ("leak", 0.75, r"leak(?:ed|ing|s)? (?:\w+ ){0,2}(?:data|info|information|emails?|details|passwords?|addresses|"
                   r"records|personal)"),
    ("phishing", 0.7, (r"phishing", r"scam(?:s|med|mers?)?", r"fraud(?:ulent|ster|sters)?", r"impersonat(?:ing|es|ed|"
                       r"ion)", r"fake (?:[\w&'-]+ ){0,4}(?:website|site|account|page|app|store|shop|emails?|texts?|"
                       r"calls?|listings?|support|profile)", r"spoof(?:ed|ing)?", r"counterfeit")),
    ("unauthorized", 0.7, (r"unauthori[sz]ed", r"did(?:n'?t| not) (?:make|authori[sz]e|order|buy|recogni[sz]e)",
                           r"someone (?:\w+ )?(?:logged|log|accessed|access|used|use|drained|hacked|took|changed|change|ordered|"
                           r"bought|made|opened|stole|got into|get into|ported|sim swapped)", r"drained (?:my|our)", r"sim[- ]swap(?:ped)?",
                           r"port(?:ed)? (?:out )?(?:my|our) (?:number|phone|line)", r"stolen (?:card|identity|"
                           r"account|data|details)", r"(?:account|card) (?:was |has been |got )?(?:stolen|cloned)")),
    ("suspicious", 0.35, (r"suspicious", r"password reset", r"verification code", r"two[- ]factor", r"2fa",
                          r"spam(?:ming)?")),
])

BILLING = _family("billing", [
    ("double_charged", 0.75, (r"double[- ]?(?:charged|billed|charge|billing|payment)", r"charged (?:me |us )?(?:twice|"
                              r"double|two times|three times|\d+ times|again|multiple times)",
                              r"(?:charged|billed|debited) (?:my (?:card|account) |me |us )?(?:twice|three times|two times|"
                              r"\d+ times|multiple times)", r"overcharg(?:ed|ing|e)", r"over-charg(?:ed|ing)",
                              r"charged (?:me )?(?:the )?wrong (?:amount|price)")),
    ("charged_after_cancel", 0.7, (r"(?:charged|billed|billing|charging|debited|taking money) (?:[\w$.,']+ ){0,6}?"
                                   r"(?:after|even though|despite|though) (?:i |we )?(?:had )?cancel",
                                   r"still (?:being )?(?:charged|billed|charging|billing|taking)",
                                   r"(?:line|account|subscription|membership|plan|service) (?:i|we) cancel(?:l)?ed",
                                   r"auto[- ]?renew(?:ed|al|s)?")),
    ("charged", 0.4, (r"charged", r"charg(?:ing|ed) (?:me|us|my|extra)", r"billed (?:me|us|for)", r"charge(?:s)? (?:on|to) my", r"debited", r"took (?:money|"
                      r"payment|\$|£|€)", r"taking (?:money|payments?)", r"fees?", r"hit (?:me|us) with",
                      r"price (?:hike|increase|went up)", r"rip(?:ped|ping)? (?:\w+ )?off", r"rip-?off",
                      r"chargeback", r"dispute (?:the|a|this) charge", r"money back", r"keeps? (?:billing|charging)", r"pay(?:ing)? for nothing")),
    ("fees", 0.45, (r"hidden (?:fees?|charges?)", r"(?:late|overdraft|cancellation|service|admin|extra|surprise|"
                    r"junk|bogus|resort|processing|convenience|bag|baggage|restocking|activation|termination) (?:fees?|charges?)",
                    r"(?:fees?|charges?) (?:\w+ ){0,6}?(?:nowhere|not (?:mentioned|listed|disclosed|shown)|never (?:mentioned|disclosed))"), True),
    # Bill shock and silent plan changes: the amount moved without the customer agreeing.
    ("bill_shock", 0.6, (r"(?:bill|charges?|invoice|statement|premium) (?:\w+ ){0,3}?(?:is |was )?(?:\d+x|double|triple|twice|"
                         r"three times) (?:my |the |what )?(?:usual|normal|last|it should)",
                         r"(?:bill|premium|rate|price) (?:\w+ )?(?:doubled|tripled|skyrocketed|jumped)",
                         r"(?:raised|increased|hiked|jacked up|upped|doubled) (?:my|our) (?:\w+ )?(?:price|prices|rate|rates|bill|"
                         r"premium|fees?|plan)",
                         r"(?:free )?(?:trial|subscription|plan|membership) (?:\w+ ){0,2}?(?:rolled|converted|switched|turned|renewed|"
                         r"upgraded) (?:\w+ ){0,2}?(?:into|to|without)", r"kept (?:my|our|the) (?:\$?\d+ |whole |full |entire )?"
                         r"(?:deposit|money|refund|payment)")),
    # A specific amount taken: "charged me a $75 bag fee". Mild alone; it adds to other charge words.
    ("amount", 0.3, r"(?:charged|billed|debited) (?:me |us |my card |my account )?(?:an? |another |extra )?[$£€](?!0\b)\d"),
    ("refund", 0.45, (r"refund(?:s|ed)?", r"reimburse(?:d|ment)?", r"compensation", r"credit (?:back|my account)")),
    ("bill", 0.3, (r"bill(?:s|ing)?", r"invoice", r"subscription", r"overdraft", r"payment (?:failed|declined|"
                   r"taken|went through twice)", r"direct debit")),
])

SERVICE = _family("service_failure", [
    ("rude", 0.55, (r"rude(?:ly|ness|st)?", r"unprofessional", r"disrespectful", r"condescending", r"yell(?:ed|ing) at",
                    r"shout(?:ed|ing) at", r"rolled (?:her|his|their|your) eyes", r"laughed at", r"attitude",
                    r"racist", r"hung up", r"treated (?:me|us) like")),
    ("no_reply_close", 0.6, (r"closed (?:my|our|the) (?:ticket|case|complaint|claim|chat|request) (?:without|with no)",
                             r"without (?:replying|responding|answering|a reply|a response|an answer|resolving|any explanation)",
                             r"(?:tech|technician|engineer|installer|plumber|electrician|contractor|repair ?man|handyman|guy|rep|"
                             r"agent|nobody|no one|he|she|they) (?:\w+ )?never (?:showed|turned) up",
                             r"cancel(?:l)?ed (?:\w+ ){1,4}?(?:the (?:morning|day|night) of|last minute|at the last minute|"
                             r"without (?:notice|warning|explanation))",
                             r"(?:had|kept) (?:my|our) (?:car|laptop|phone|device|bike|watch) for (?:\w+ ){1,3}(?:and|but) still (?:didn'?t|hasn'?t|haven'?t|not)")),
    ("refused", 0.5, (r"refus(?:ed|es|ing) to", r"denied", r"declined", r"rejected", r"would(?:n't| not) (?:help|let|listen|refund|replace|accept|honou?r)",
                      r"won'?t (?:help|refund|replace|respond|reply|answer|honou?r|accept|fix|let me)",
                      r"told (?:me|us) to (?:go|leave|take|call|contact|wait)", r"(?:somewhere|elsewhere) else",
                      r"take (?:my|our) business elsewhere", r"kicked (?:me|us) out", r"turned (?:me|us) away")),
    ("nobody", 0.3, (r"nobody", r"no one")),
    ("no_response", 0.55, (r"waiting (?:on|for) (?:a |my |the |an )?(?:call ?back|reply|response|answer|"
                           r"engineer|technician|someone)", r"no (?:response|reply|replies|answer|one answers|callback|call back|update|updates|word|"
                           r"help|support|follow[- ]?up)", r"no ?one (?:\w+ )?(?:answers|answered|responds|responded|"
                           r"replied|replies|got back|gets back|picks up|picked up|is answering|cares|helps|helped|"
                           r"called|calls|knows|solved|fixed|came|showed)", r"nobody (?:\w+ )?(?:\w+ )?(?:answers|"
                           r"answered|responds|responded|replied|got back|gotten back|picks up|called|helped|helps|"
                           r"cares|came|showed)", r"never (?:got|heard|get|hear) "
                           r"back", r"did(?:n'?t| not) (?:call|get|email|write|ring) (?:me |us )?back", r"ignor(?:ed|ing|e)",
                           r"left on read", r"lost (?:my|our) (?:reservation|table booking|appointment)", r"(?:haven't|hasn't|have not|has not) (?:heard|had|got|received) "
                           r"(?:back|anything|a thing|a word|from (?:you|anyone|them)|a (?:reply|response|call))",
                           r"still no(?! (?:\w+ )?(?:sign|money|refund|order|package|parcel|delivery))", r"unanswered",
                           r"no(?:body| one) (?:\w+ )?(?:ever )?(?:solved|fixed|helped)")),
    ("on_hold", 0.5, (r"on hold", r"hold for", r"disconnected (?:me|us|the call)", r"transferred (?:me |us )?(?:\w+ )?"
                      r"(?:times|again|around)", r"run[- ]?around", r"passed (?:around|from)", r"(?:call|chat) "
                      r"(?:dropped|ended)", r"queue", r"(?:third|fourth|fifth|sixth|\d+(?:st|nd|rd|th)) time "
                      r"(?:calling|i've called|contacting|asking|chasing)")),
    ("broken_promise", 0.45, (r"promised", r"was told", r"were told", r"told (?:me|us) (?:it|that|they|he|she|i|we|my)",
                              r"supposed to", r"guaranteed", r"assured", r"said (?:it|they|he|she) would",

                              r"forgot (?:my|our|to|about|the|his|her|their)", r"forgotten", r"misled",
                              r"misleading", r"false advertising", r"never (?:called|showed|came|turned up|fixed|"
                              r"sent|replied|responded|honou?red)", r"no[- ]show(?:ed)?", r"stood (?:me|us) up",
                              r"didn'?t (?:show|turn) up", r"(?:warranty|repair|claim|ticket|case|complaint) "
                              r"(?:still|is still|was|has been|hasn't)")),
    ("waiting", 0.45, (r"still (?:didn'?t|hasn'?t|haven'?t|hadn'?t) (?:do|done|fix|fixed|finish|finished|complete|completed|"
                       r"call|called|repair|repaired|start|started|sent|send|return|returned)",r"(?:did not|didn'?t|never|hasn'?t been|not been|wasn'?t|not|still not|still hasn'?t "
                       r"been) (?:resolve[ds]?|fixed|sorted)", r"unresolved", r"still waiting", r"been waiting", r"waited (?:for )?(?:over |more than )?" + _NUM,
                       r"still (?:no|haven't|hasn't|not)(?! (?:\w+ )?(?:sign|money|refund|order|package|parcel|delivery|shipped|arrived|"
                       r"been (?:shipped|delivered|dispatched)|come|turned up|delivered))")),
    ("elapsed", 0.4, (r"it(?:'s| has| had) been " + _NUM + r"(?: more)?(?: \w+)?", r"(?:days|weeks|months) later",
                      r"(?:over|more than) (?:a|an|\d+|two|three|four|five|six) (?:hours?|days?|weeks?|months?)")),
    ("bad_service", 0.45, (r"(?:worst|terrible|awful|horrible|poor|bad|appalling|pathetic|useless|shocking|abysmal) "
                           r"(?:customer )?(?:service|support|care|experience|staff|employees?|agents?|management|"
                           r"manager|help|communication)", r"customer (?:service|care|support) (?:is |was |has been "
                           r")?(?:a joke|terrible|awful|horrible|poor|useless|non-?existent|shocking|pathetic|"
                           r"the worst|not)", r"incompeten(?:t|ce)", r"clueless", r"inept")),
])

LEGAL = _family("legal", [
    ("lawsuit", 0.9, (r"lawsuits?", r"class[- ]action", r"legal action", r"su(?:e|ing) (?:you|them|\w+ for|"
                      r"the|over|for)", r"suing", r"sued", r"small claims", r"take (?:you|them|\w+) to court",
                      r"see you in court", r"court case")),
    ("lawyer", 0.8, (r"attorneys?", r"lawyers?", r"solicitors?", r"legal (?:team|counsel|advice)", r"law firm")),
    ("regulator", 0.8, (r"ftc", r"fcc", r"cfpb", r"bbb", r"better business bureau", r"attorney general",
                        r"consumer (?:protection|affairs|rights)", r"trading standards", r"ombudsman", r"ofcom",
                        r"ofgem", r"ofwat", r"citizens advice", r"regulators?", r"sec filing", r"dot complaint",
                        r"faa", r"nhtsa", r"fda", r"ico", r"gdpr", r"hipaa", r"ada (?:violation|complaint|lawsuit)",
                        r"data protection (?:authority|regulator|complaint|law)", r"health (?:department|inspector|inspection)",
                        r"report(?:ed|ing)? (?:\w+ ){0,4}to (?:the )?(?:[\w-]+ ){0,2}(?:board|regulators?|authorit(?:y|ies)|"
                        r"commission|ombudsman|attorney general|licensing)")),
    ("discrimination", 0.6, (r"discriminat\w*", r"racial(?:ly)? profil\w*", r"(?:refused|denied) (?:me )?"
                                                                                r"(?:service|entry) because")),
    ("liability", 0.45, (r"liable", r"liability", r"negligen(?:t|ce)", r"illegal(?:ly)?", r"unlawful(?:ly)?",
                        r"breach of contract", r"violat(?:ed|ion|ing|es)",
                        r"report(?:ing|ed)? (?:you|them|this|it) to", r"filed? (?:a )?(?:formal )?complaint",
                        r"filing (?:a )?complaint", r"(?:my|our) rights")),
])

# fmt: on

INCIDENT_CUES: tuple[Cue, ...] = (*ORDER, *DEFECT, *SAFETY, *OUTAGE, *SECURITY, *BILLING, *SERVICE, *LEGAL)
