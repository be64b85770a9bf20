# ruff: noqa: E501
# Hand-laid regex phrase tables, as in lexicon.py.
"""Symptom families: how a faulty thing or a dead service is described when no fault word is used.

A device is seldom called "defective"; its owner tells what it does: it keeps doing something it
should not (rebooting, disconnecting, beeping), will not do what it should (hold a charge, stay
on), its screen shows something wrong (a band, lines, black), it moves wrongly (spins in circles),
it lets go of what it holds (leaks, came apart, separated) or it smells burnt. A service is down
when it is unreachable or unusable for many at once ("out in the whole north side", "servers are
cooked", "is it just me or is nothing loading"). Each row is a verb or object family, not a phrase.
"""

from __future__ import annotations

from .lexicon import _family
from .matcher import Cue

_REPEAT = (
    r"(?:reboot|restart|crash|freez|shut(?:t)?|turn(?:ing|s)? off|disconnect|drop|dropp|reset|overheat|beep|flicker|leak|spinn|glitch|"
    r"lagg|buffer|die|dy|stall|jam|unpair)"
)
_DISPLAY = r"(?:screen|display|picture|image|monitor|panel|tv|lcd|touchscreen)"

# fmt: off
SYMPTOM_DEFECT = _family("product_defect", [
    # It keeps doing what it should not: "keeps rebooting", "keeps dropping wifi", "constantly disconnects".
    ("keeps_failing", 0.55, (r"keeps (?:on )?" + _REPEAT + r"(?:s|ed|ing)?\b",
                             r"(?:constantly|randomly|repeatedly|always) (?:reboots|restarts|crashes|freezes|shuts (?:off|down)|turns off|disconnects|"
                             r"resets|overheats|beeps|flickers|leaks|dies|stalls|jams|unpairs)")),
    # It will not do its job: "won't hold a charge", "doesn't stay on", "barely holds charge".
    ("wont_hold", 0.55, (r"(?:won'?t|wont|doesn'?t|does not|will not|can'?t|cannot|no longer|barely|never) (?:hold|holds|keep|keeps|stay|stays) "
                         r"(?:a |its |any |the )?(?:charge|temperature|air|pressure|cold|heat|shape|a connection|connected|on|lit|closed|shut|frozen)",
                         r"battery (?:\w+ )?(?:dies|died|drains|drained|dying|draining|lasts|lasted) (?:in |after |within )?(?:under |less than |about |only )?"
                         r"(?:\d+|an?|one|two|ten) ?(?:min|mins|minutes|hours?|hrs?|km|miles?|%)")),
    # Stuck at start-up: "stuck on the logo", "boot loop".
    ("boot_stuck", 0.6, (r"(?:stuck|gets stuck|frozen|freezes|hangs) (?:on|at) (?:the )?(?:\w+ )?(?:logo|boot|loading|splash|startup|start-up|spinning) ?(?:screen|wheel|circle)?",
                         r"boot ?loop(?:s|ing)?", r"bricked")),
    # What a screen shows wrongly: "a band across the picture", "screen went black", "lines down the display".
    ("display_fault", 0.6, (r"(?:band|bands|line|lines|stripe|stripes|streak|streaks|shadow|bar|bars|blotch|dead pixels?|patch) (?:of \w+ )?"
                            r"(?:across|down|along|over|through|on) (?:the |my )?(?:\w+ ){0,2}?(?:" + _DISPLAY[3:-1] + r"|top|bottom|left|right|middle)",
                            _DISPLAY + r" (?:\w+ )?(?:went|goes|go|turned|turns|is|keeps going|has gone) (?:completely |all |totally )?(?:black|blank|white|dark|dim|green|pink|purple|fuzzy)",
                            r"(?:half|part|side|top|bottom|corner) of (?:the |my )?(?:\w+ ){0,2}?" + _DISPLAY + r" (?:has |is |went |goes )?(?:gone )?(?:dim|dark|black|blank|dead)")),
    # It moves or sounds wrong: "spins in circles", "bumps into everything", "crackles in one ear".
    ("motion_sound", 0.55, (r"(?:spins|spinning|goes|going|drives|driving|runs|running) (?:around )?in circles",
                           r"bumps? into (?:everything|every|the same|walls)",
                           r"(?:crackles|crackling|crackle|buzzes|buzzing|hisses|hissing|rattles|rattling|grinds|grinding|squeals|squealing) "
                           r"(?:in|from|when|whenever|every|constantly|non-?stop|like)",
                           r"(?:zero|no) (?:sound|audio|suction|pressure|signal) (?:unless|until|from|in|out)")),
    # It lets go: "leaks from the bottom", "came apart", "separated into oil and goo", "split down the middle".
    ("gave_way", 0.55, (r"(?:leaks|leaking|leaked|drips|dripping|dripped) (?:water |oil |coffee |fluid |everywhere|all over|from|onto|out|under|through|into)",
                        r"(?:came|coming|fell|falling) apart (?:after|within|the (?:first|second)|on (?:the )?(?:first|second|day))", r"already (?:came|coming|fell|falling) apart",
                        r"separated into", r"split (?:right )?(?:down the middle|open|in half|in two|at the)",
                        r"(?:peeling|peeled|flaking|bubbling|cracking) (?:off|away) (?:\w+ ){0,3}?after")),
    # It smells of a fault: "smells burnt", "burning smell from the charger".
    ("burnt_smell", 0.55, (r"smel(?:ls|led|lt|ling) (?:\w+ )?(?:burnt|burned|like burning|like burnt|of burning|like smoke|like melting|electrical)",
                           r"burning (?:plastic |rubber |electrical )?smell (?:from|coming)")),
    # A software update that broke the device.
    ("update_broke", 0.55, (r"(?:update|firmware|patch) (?:\w+ ){0,2}?(?:broke|bricked|killed|ruined|wiped)",
                          r"(?:update|firmware|patch) (?:\w+ ){0,2}?(?:made|makes) (?:my |the |it )?(?:\w+ ){0,2}?(?:go|turn|freeze|crash|restart|reboot|die|unusable|useless|laggy)")),
])

SYMPTOM_OUTAGE = _family("outage", [
    # Out across a place or a population: "out in the whole north side", "down across the city".
    ("out_area", 0.6, (r"(?:servers?|site|website|app|service|network|login|platform) (?:\w+ )?(?:is |are )?(?:cooked|borked|toast|dead again|on fire)",
                       r"(?:\d+k|\d+,\d{3}|thousands of) (?:people|players|users|of us) (?:\w+ )?(?:waiting|in (?:the )?queue|stuck|affected|can'?t)")),
    # Where: "in the whole north side", "across the entire city"; alone it is praise as often ("best in the whole city").
    ("area", 0.35, (r"(?:in|across|throughout|for) (?:the |our |my )?(?:whole|entire) (?:\w+ ){0,2}?(?:city|town|area|side|region|state|country|"
                    r"neighbou?rhood|street|block|building|county|district|office|company|campus|estate|village)",)),
    # Others see it too: "friends have the same", "is it just me or is nothing loading".
    ("shared", 0.6, (r"is it (?:just )?me or (?:is |are |does |do )?(?:\w+ ){0,3}?(?:down|offline|broken|not (?:working|loading|playing|streaming)|"
                     r"nothing (?:is )?(?:working|loading|playing|streaming)|nothing playing|nothing loading)",
                     r"(?:friends|others|coworkers|colleagues|everyone (?:else|i know)|my whole team) (?:\w+ )?(?:have|having|has|getting|seeing) (?:the )?same(?: (?:problem|issue|issues|error|errors|bug|thing)\b|(?! \w))")),
    # Reachable but unusable: "won't stream anything", "status page still green", "crashes at payment".
    ("unusable", 0.55, (r"won'?t (?:stream|load|play|open) (?:anything|any\w*|at all)", r"nothing (?:will |is |would )?(?:play|load|stream)(?:ing|s)?\b",
                        r"status page (?:\w+ ){0,2}?(?:green|says (?:all|everything)|shows (?:all|everything)|operational)",
                        r"(?:site|website|checkout|portal|booking site|web ?site|booking page) (?:\w+ )?(?:crashes|keeps crashing|crashed|times out|timing out) "
                        r"(?:at|on|when|every|during)", r"(?:deploys|logins?|payments|transfers|builds) (?:are |is )?(?:all )?stuck")),
])

# A shop named as a place, so "working from a coffee shop now" is not the advert's "shop now".
PLACES = _family("commerce", [
    ("place", 0.0, (r"(?:coffee|barber|repair|pet|gift|thrift|flower|print|sandwich|bike|tea|corner|phone|book) shops?",)),
])

SYMPTOM_CUES: tuple[Cue, ...] = (*SYMPTOM_DEFECT, *SYMPTOM_OUTAGE, *PLACES)
