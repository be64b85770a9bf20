# ruff: noqa: E501
# Hand-laid regex phrase tables, as in lexicon.py.
"""Pricing anomalies: a price that is zero, absurdly low, or that the writer doubts.

Glitch reports sound happy ("everything is FREE at checkout?!"), so sentiment misses them. The
signal is a price (an amount, "free", "% off", an interest rate) next to a word of doubt or error
("glitch", "typo", "can't be right", "is this real"), or a price that is anomalous by itself
($0.00, "$12 instead of $1200", "99% off"). Price words without doubt ("a steal", "free
shipping") are deals, not incidents.
"""

from __future__ import annotations

import re

from .lexicon import _family
from .matcher import Cue, Hit

STRONG = 0.85
DOUBTED = 0.7

# fmt: off
PRICING_CUES: tuple[Cue, ...] = tuple(
    _family("pricing_error", [
        ("explicit", STRONG, (r"price (?:glitch|error|mistake|bug|typo)s?",
                              r"pricing (?:error|glitch|mistake|bug|typo|issue)s?",
                              r"(?:error|mistake|glitch) fares?", r"mispric(?:ed|ing|e)",
                              r"wrong prices?", r"(?:listed|priced|selling|showing|shows|ringing up) (?:\w+ )?"
                              r"(?:wrong|incorrectly)")),
        ("free_checkout", STRONG, (r"free at (?:the )?(?:checkout|check out|check-out|register|till)",
                                   r"(?:cart|checkout|check out|total|order total|basket|price|subtotal) "
                                   r"(?:\w+ )?(?:says|shows|is|was|came to|rang up as|went to|goes to|going to|drops to|dropped to|comes to|"
                                   r"came out to|showing|showed|reads|of|at) (?:\w+ )?(?:free|zero|nothing|0)",
                                   r"(?:cart|basket)s? (?:[\w-]+ ){0,4}?for (?:zero|nothing)\b")),
        ("percent_off", DOUBTED, r"(?:9\d|100) (?:percent|per cent) (?:off|discount)"),
    ])
    + _family("price_doubt", [
        ("doubt", 0.0, (r"typo", r"misprint", r"can'?t be right", r"cannot be right",
                        r"(?:is|was) (?:this|that|it|the \w+ price|the price) (?:for )?"
                        r"(?:real|right|correct|legit|accurate|a (?:mistake|typo|glitch|bug|joke|error))",
                        r"price (?:is |is this |really |actually )?(?:real|right|correct|legit)",
                        r"too good to be true", r"must be (?:a|an) (?:mistake|error|typo|glitch|bug)",
                        r"(?:christmas|holiday) miracle", r"before they (?:fix|notice|catch|realize|correct)",
                        r"someone(?:'s| is) (?:getting|gonna get|going to get) fired", r"free money",
                        r"(?:mistake|error|typo|glitch)\?", r"fat[- ]?finger(?:ed|s|ing)?", r"(?:missing|misplaced|wrong|forgot (?:a|the)|dropped (?:a|the)) decimal",
                        r"decimal (?:point )?(?:went|is|was|in the wrong|missing)", r"(?:can'?t|cannot|couldn'?t) be (?:intentional|on purpose|legit)",
                        r"no way (?:that'?s|this is|it'?s) (?:right|real|correct|legit)",
                        r"(?:surely|definitely|obviously|clearly) (?:an? )?(?:mistake|error|typo|glitch)",
                        # Coupon stacking drives a total towards zero without anyone saying "glitch".
                        r"stack(?:ed|ing|s)? (?:the |two |three |four |\d+ |multiple |all )?(?:coupons?|codes?|promo codes?|"
                        r"discounts?|vouchers?)", r"(?:coupons?|codes?|discounts?|vouchers?) stack(?:s|ed|ing)?",
                        r"(?:code|coupon|voucher|discount) (?:\w+ ){0,2}(?:applied|worked|stacked|went through) "
                        r"(?:\w+ )?(?:twice|multiple times|\d+ times|(?:two|three|four|five|six|ten) times)",
                        r"pric(?:ing|es?) (?:is |are |seems |looks |must be |got )?(?:broken|bugged|messed up|glitched)",
                        r"(?:messed|screwed|fucked) up (?:the |their |its )?pric(?:es|ing)", r"must be broken")),
        ("context", 0.0, (r"free", r"price[sd]?", r"pricing", r"apy", r"apr", r"interest rate", r"costs?",
                          r"listed at", r"for nothing", r"zero (?:dollars|bucks)", r"cheap", r"cents", r"points?", r"miles", r"pts", r"avios")),
        ("order_context", 0.0, (r"cart", r"checkout", r"check(?:ed)? out", r"ordered", r"order (?:went|goes) "
                                r"through", r"went through", r"bought", r"purchased", r"basket",
                                r"order (?:confirmed|was confirmed|placed)", r"in my cart", r"booked")),
    ])
)

# fmt: on

_MONEY = re.compile(
    r"(?:[$£€]|usd ?|eur ?|gbp ?)\s?(\d[\d,]*(?:\.\d+)?)|\b(\d[\d,]*(?:\.\d+)?) ?(?:dollars|bucks|"
    r"pounds|euros|usd|eur|gbp)\b"
)
_INSTEAD = re.compile(
    r"(?:[$£€]\s?\d[\d,.]*) (?:instead of|rather than|not|vs\.?|versus|when it(?:'s| is| should "
    r"be)|normally|usually|originally|regularly|retails? (?:at|for)) (?:the )?(?:usual |normal )?"
    r"(?:[$£€]\s?\d[\d,.]*)"
)
_DEEP_OFF = re.compile(r"\b(9\d|100) ?% (?:off|discount)")
_DOUBT_FAULTS = ("glitch", "bug")
# Two prices in one sentence, the second reached by "for"/"came to"/"went through for": "$1,200
# necklace went through for $12". Ten times apart is no sale; a real markdown is said with "off".
_RATIO = 10
_TO_SECOND = re.compile(r"(?:\bfor|\bto|\bat|\bas|came to|went through for|down to|only|just|→|->)\s*$")
_FOR_THE = re.compile(r"^\s*for (?:a|an|the|my|our|their)?\s*$")  # "$1 for the $85 bundle"
_NOT_A_PRICE = re.compile(
    r"\s?(?:off|back|cash|credit|a month|/mo|per|each|a day|a night|/night|an? hour|shipping|"
    r"delivery|fee|deposit|down|coupon|gift|reward|bonus|tip|more|extra|less|cheaper)\b"
)
# Big-ticket things at a trivial price: "airpods for 2 bucks", "65 inch TV for $40" needs doubt.
_BIG_TICKET = re.compile(
    r"\b(?:tvs?|televisions?|oled|laptops?|macbooks?|iphones?|ipads?|airpods|consoles?|ps5|xbox|sofas?|couch|"
    r"sectionals?|mattress|fridges?|refrigerators?|dishwashers?|necklaces?|diamonds?|engagement rings?|bracelets?|"
    r"rolex|tents?|e-?bikes?|(?:road |mountain |electric )?bikes?|(?:smart)?phones?|flagships?|watch(?:es)?|rings?|treadmills?|pianos?|"
    r"scooters?|drones?|monitors?|cameras?|first class|business class|suites?|cruises?|tickets? to \w+)"
    r"(?! (?:case|cases|stand|mount|cover|charger|cable|bag|sleeve|strap|band|light|box|holder|protector|skin|"
    r"remote|insurance|repair|rental|cleaning))(?: [\w-]+){0,3}? (?:for|at|to|listed at|priced at|down to|came to|showing|shows|going for|selling for|rang up at|ringing up at) "
    r"(?:only |just |like )?(?:[$£€]\s?(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?) ?(?:dollars|bucks|pounds|euros|quid))\b"
)
# "$12 dining table", "$14 armchair": the amount said first.
_BIG_AFTER = re.compile(
    r"[$£€]\s?(\d+(?:\.\d+)?) (?:[\w-]+ ){0,2}?(?:dining tables?|armchairs?|recliners?|dressers?|wardrobes?|bed ?frames?|"
    r"loveseats?|sofas?|couch(?:es)?|sectionals?|mattress(?:es)?|tvs?|televisions?|oled|laptops?|macbooks?|iphones?|"
    r"fridges?|refrigerators?|dishwashers?|necklaces?|engagement rings?|treadmills?|pianos?|e-?bikes?)\b"
    r"(?! (?:case|cases|stand|mount|cover|covers|charger|cable|bag|sleeve|strap|light|box|holder|protector|skin|remote|"
    r"insurance|repair|rental|cleaning|throws?|pillows?|cushions?|legs?|runner|lamp|topper|pad)\b)"
)
# A zero that is a financing or fee term, not a total: "$0 down", "$0 change fee", "$0 due today".
_ZERO_TERMS = re.compile(
    r"\s?(?:down|due|upfront|up front|interest|apr|financing|deposit|activation|copay|co-?pay|shipping|delivery|"
    r"a month|/mo|per month|monthly|(?:[\w-]+ ){0,2}fees?)\b"
)
_TRIVIAL = 20.0
_AWARD_UNITS = ("point", "mile", "pts", "avios")
_TRIVIAL_ORDERED = 50.0  # "fridge for $29, went through": an order placed at it says it is no typo in a tweet
# Award prices: "500 points a night, normally 120,000", "2,000 miles instead of 200,000".
_POINTS = re.compile(r"(?<![\d,.])(\d[\d,]*)(k?) ?(?:points?|pts|miles|avios)\b")
_POINTS_REF = re.compile(
    r"[^.!?;\n]{0,40}?\b(?:instead of|normally|usually|rather than|not|vs\.?|versus|regularly|down from) (\d[\d,]*)(k?)\b"
)
# Points earned or on sale are a promotion, not the price of the room.
_EARNED = re.compile(
    r"\b(?:earn(?:ed|ing|s)?|bonus|extra|double|get|sale|upgrades?|per \$|per dollar|back)\b|\+"
)
_AWARD = re.compile(
    r"\b(?:a night|per night|/ ?night|nights?|suites?|penthouse|villa|first class|business class|round ?trip|flights?|one way|each way)\b"
)
_PERCENT = re.compile(r"\d ?%")


def _amount(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _ratio(lower: str, first: tuple[float, int, int], second: tuple[float, int, int], out: list) -> bool:
    """Whether two amounts in one sentence are an item's price and a far lower price it went for."""
    (a, a_start, a_end), (b, b_start, b_end) = first, second
    between = lower[a_end:b_start]
    if len(between) > 60 or any(c in between for c in ".!?;\n") or _NOT_A_PRICE.match(lower, b_end):
        return False
    big_first = a >= _RATIO * b and _TO_SECOND.search(between)
    small_first = b >= _RATIO * a and _FOR_THE.match(between) and not _NOT_A_PRICE.match(lower, a_end)
    if big_first or small_first:
        out.append(("price_anomaly.far_below", STRONG, lower[a_start:b_end]))
        return True
    return False


def _points(lower: str, out: list) -> None:
    """An award price far below its usual one, or a token number of points for a night or a flight."""
    m = _POINTS.search(lower)
    if not m:
        return
    value = (_amount(m.group(1)) or 0.0) * (1000 if m.group(2) else 1)
    ref = _POINTS_REF.match(lower, m.end())
    if ref:
        usual = (_amount(ref.group(1)) or 0.0) * (1000 if ref.group(2) else 1)
        if value and usual >= _RATIO * value:
            out.append(("price_anomaly.points_far_below", STRONG, m.group(0) + ref.group(0)))
            return
    if (
        value <= 100
        and _AWARD.search(lower, max(0, m.start() - 60), m.end() + 40)
        and not _EARNED.search(lower, max(0, m.start() - 30), m.end() + 30)
    ):
        out.append(("price_anomaly.token_points", DOUBTED, m.group(0)))


def price_reasons(lower: str, hits: list[Hit]) -> list[tuple[str, float, str]]:
    """Pricing-error evidence as (cue, weight, evidence) from the text and its lexicon hits."""
    out: list[tuple[str, float, str]] = []
    doubt = context = order = None
    points = False
    for h in hits:
        fam = h.cue.family
        if h.cue.name == "product_defect.software_fault" and lower.startswith(_DOUBT_FAULTS, h.start):
            # "glitch"/"bug" belong to both families; the lexicon files them under defects.
            doubt = doubt or lower[h.start : h.end]
        elif fam == "pricing_error":
            out.append((h.cue.name, h.cue.weight, lower[h.start : h.end]))
        elif fam == "price_doubt":
            kind = h.cue.name
            span = lower[h.start : h.end]
            if kind == "price_doubt.doubt":
                doubt = doubt or span
            elif kind == "price_doubt.context":
                context = context or span
                points = points or span.startswith(_AWARD_UNITS)
            else:
                order = order or span
    has_money = "$" in lower or "£" in lower or "€" in lower or "dollar" in lower or "buck" in lower
    if has_money:
        prev: tuple[float, int, int] | None = None
        ratio_seen = False
        for m in _MONEY.finditer(lower):
            value = _amount(m.group(1) or m.group(2))
            if value == 0 and _ZERO_TERMS.match(lower, m.end()):
                prev = None
                continue
            if value == 0:
                out.append(("price_anomaly.zero_total", STRONG, m.group(0)))
                break
            context = context or m.group(0)
            if value and prev and not ratio_seen:
                ratio_seen = _ratio(lower, prev, (value, m.start(), m.end()), out)
            prev = (value, m.start(), m.end()) if value else None
        trivial = _TRIVIAL_ORDERED if order else _TRIVIAL
        m = _BIG_TICKET.search(lower)
        if m and _ZERO_TERMS.match(lower, m.end()):
            m = None
        if m and (_amount(m.group(1) or m.group(2)) or 0.0) <= trivial:
            out.append(("price_anomaly.trivial_price", DOUBTED, m.group(0)))
        elif (m := _BIG_AFTER.search(lower)) and (_amount(m.group(1)) or 0.0) <= trivial:
            out.append(("price_anomaly.trivial_price", DOUBTED, m.group(0)))
        m = _INSTEAD.search(lower)
        if m:
            amounts = [_amount(a) for a in re.findall(r"\d[\d,]*(?:\.\d+)?", m.group(0))]
            if len(amounts) == 2 and all(amounts) and max(amounts) >= 5 * min(amounts):
                out.append(("price_anomaly.instead_of", STRONG, m.group(0)))
    if points:
        _points(lower, out)
    if "%" in lower:
        m = _DEEP_OFF.search(lower)
        if m:
            out.append(("price_anomaly.deep_discount", DOUBTED, m.group(0)))
        elif context is None and _PERCENT.search(lower):
            context = "%"
    if doubt and context:
        out.append(("price_anomaly.doubted", DOUBTED, f"{doubt} / {context}"))
    if out and order:
        # A glitch someone already checked out with is spreading, not hypothetical.
        out.append(("price_anomaly.ordered", 0.15, order))
    return out
