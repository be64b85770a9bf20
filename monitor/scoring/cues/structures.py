# ruff: noqa: E501
# Regex tables laid out by hand for reading, as in lexicon.py; wrapping them at 110 columns would
# split alternations mid-group without making them clearer.
"""Sentence structures that say "incident" when no single phrase does.

The cue lexicon finds phrases ("wrong item", "never arrived"). Customers often tell the same thing
as a story whose parts sit apart: "Ordered two dresses for the wedding and received two t-shirts",
"they promised a birthday surprise ... nobody remembered", "billed my insurance for a cleaning I
never had". Each detector here looks for the two halves of such a story within one sentence (or,
for promises, a short stretch of text) and checks that the second half is really a different
thing, not "got it in two days".

Every detector is gated by cheap substring tests, so a mention without the trigger words costs a
few `in` checks; the regexes only run on the few texts that could match.
"""

from __future__ import annotations

import re
from functools import lru_cache

# What the customer wanted: an order verb, and up to ~60 characters of the thing ordered.
_ORDER_VERB = (
    r"(?:ordered|pre-?ordered|bought|purchased|paid for|asked for|picked out|chose|selected|went for)"
)
_RECEIVE = (
    r"(?:received|got|get|were sent|was sent|(?:they |it |and |but )?sent (?:me|us)|they sent|"
    r"(?:they |and |but )?shipped(?: me| us)?|(?:they |and |but )?delivered|came with|showed up with|arrived as|arrived with|"
    r"what (?:arrived|came|showed up|turned up|they sent|was delivered|was in the box) (?:was|were|is)|"
    r"(?:box|package|parcel|bag) (?:had|contained|came with)|inside (?:was|were)|"
    r"(?:gave|brought|handed) (?:me|us))"
)
# A sentence: no terminal punctuation in between; commas are fine ("Ordered X, got Y").
_FORWARD = re.compile(
    rf"\b{_ORDER_VERB}\b(?P<want>[^.!?;\n]{{1,70}}?)\b{_RECEIVE}\b(?P<got>[^.!?;\n]{{0,40}})"
)
# "... a pink one showed up": the thing that arrived comes before the arrival verb.
_ARRIVED = re.compile(
    rf"\b{_ORDER_VERB}\b(?P<want>[^.!?;\n]{{1,60}}?)(?:,| and| but) (?:then )?(?P<got>(?:a|an|two|some|\d+) [\w' -]{{1,30}}?) "
    r"(?:showed up|arrived|turned up|came)\b"
)
# "sent me a blue sofa, I ordered grey" / "shipped t-shirts instead of the dresses I ordered".
_REVERSE = re.compile(
    r"\b(?:sent|shipped|delivered|gave|brought|got|received)(?: me| us)?\b(?P<got>[^.!?;\n]{1,50}?)"
    r"(?:,|;| but| when| and| even though| though)? (?:i|we) (?:had |clearly |specifically )?"
    r"(?:ordered|asked for|paid for|wanted|chose|picked|selected)\b"
)
# "got boots from Acme but the box had sandals": "got" as "bought" only when a "but" turns it round.
_GOT_BUT = re.compile(
    r"\bgot\b(?P<want>[^.!?;\n]{1,60}?)\bbut\b[^.!?;\n]{0,20}?(?:box|package|parcel|bag) (?:had|contained|came with)\b"
    r"(?P<got>[^.!?;\n]{0,40})"
)
_INSTEAD = re.compile(
    r"\binstead of (?:the |my |our |what |a |an )?[^.!?;\n]{0,40}?\b(?:i|we) (?:had )?(?:ordered|pre-?ordered|asked for|paid for|bought)\b"
)
# What the second half may not be: the order itself, a time, a message, or praise.
_NOT_OTHER = re.compile(
    r"\s*(?:it|them|this|that|everything|all|my (?:order|package|parcel|food|stuff|delivery|items?)|"
    r"the (?:order|package|parcel|food|delivery|same)|our (?:order|food)|on time|today|yesterday|tomorrow|early|"
    r"quick|quickly|fast|soon|in \d|in (?:a|one|two|three) |within|back|here|home|a (?:refund|confirmation|tracking|"
    r"notification|discount|coupon|reply|response|call|text|message)|an? (?:email|update|upgrade)|free|compliments|"
    r"so many|lots|a lot|tons|exactly|what (?:i|we)|as (?:described|expected|pictured|ordered)|perfect|fine|ok|"
    r"okay|good|great|well|safe|intact|after|before|next|same|sick|ill|food poisoning|me |us |from)\b"
)
_STOP = frozenset("a an the two three some one pair of my our from for in on at size and to with".split())


def _head(words: str) -> set[str]:
    """Content words of a noun phrase, plural s dropped: "two dresses" -> {"dresse"}; close enough."""
    return {w.rstrip("s") for w in re.findall(r"[a-z0-9][a-z0-9'-]*", words) if w not in _STOP}


def _different(want: str, got: str) -> bool:
    """Whether what came is plausibly not what was ordered (no shared content word)."""
    if not got.strip() or _NOT_OTHER.match(got):
        return False
    got_words = _head(" ".join(got.split()[:5]))
    return bool(got_words) and not (got_words & _head(want))


def _order_mismatch(lower: str) -> str | None:
    for m in _FORWARD.finditer(lower):
        if _different(m.group("want"), m.group("got")):
            return m.group(0)
    for m in (*_ARRIVED.finditer(lower), *_GOT_BUT.finditer(lower)):
        if _different(m.group("want"), m.group("got")):
            return m.group(0)
    m = _INSTEAD.search(lower)
    if m:
        return m.group(0)
    m = _REVERSE.search(lower)
    if m and not _NOT_OTHER.match(m.group("got")):
        return m.group(0)
    return None


# A promise, and within ~160 characters (either side) a sign it was not kept.
_PROMISE = re.compile(
    r"\b(?:promised|promise[ds]? (?:me|us)|guaranteed|assured (?:me|us)|swore|"
    r"said (?:they'?d|they would|they will|it would|it'?d|he'?d|she'?d|he would|she would|we'?d|i'?d|someone would)|"
    r"told (?:me|us) (?:they'?d|they would|it would|it'?d|he'?d|she'?d|someone would)|said (?:my|our|the) [\w-]+ (?:would|will)|"
    r"(?:was|were|is|are) supposed to|(?:was|were) meant to|booked (?:me|us) (?:for|in)|agreed to|confirmed (?:the|my|our|it))\b"
)
_UNKEPT = re.compile(
    r"\b(?:never|didn'?t|did not|forgot|forgotten|no[- ]show|nobody|no one|no-one|nothing|"
    r"no (?:call|text|email|sign|show|word|update|explanation|one)|not there|missed|hasn'?t|haven'?t|wasn'?t|weren'?t|"
    r"no apology|no \w+, no|still (?:no|not|nothing|waiting|says|shows)|it'?s (?:now )?(?:the )?(?:\d+(?:st|nd|rd|th)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
)
_KEPT = re.compile(
    r"\b(?:as promised|like (?:they|he|she) (?:promised|said)|didn'?t disappoint|never disappoints?)\b"
)
_PROMISE_REACH = 160


# A promise about a delivery is an order that did not come: the category follows what was promised.
_DELIVERY = re.compile(
    r"\b(?:ship|shipped|deliver|delivered|delivery|arrive|arrived|package|parcel|order|dispatch|dispatched)\b"
)


# A promised credit, refund or discount that never came is a billing matter.
_MONEY_PROMISE = re.compile(
    r"\b(?:credits?|refunds?|rebates?|discounts?|bill|charges?|fees?|waive[ds]?|price match)\b"
)


def _broken_promise(lower: str) -> str | None:
    if _KEPT.search(lower):
        return None
    for p in _PROMISE.finditer(lower):
        lo, hi = max(0, p.start() - _PROMISE_REACH), p.end() + _PROMISE_REACH
        u = _UNKEPT.search(lower, lo, hi)
        if u:
            a, b = sorted((p.start(), u.start()))
            return lower[a : max(p.end(), u.end(), b)]
    return None


# Charged for something that never happened, or charges the customer never agreed to.
_CHARGED_FOR_NOTHING = re.compile(
    r"\b(?:charged|billed|invoiced|debited|charging|billing)\b[^.!?;\n]{0,50}?\bfor\b[^.!?;\n]{0,50}?"
    r"(?:never (?:happened|took place|came|showed|arrived)|(?:i|we) (?:never|didn'?t|did not) (?:have|had|receive|received|"
    r"get|got|order|ordered|use|used|ask for|asked for|authori[sz]e|authori[sz]ed)|(?:i|we) (?:had )?(?:already )?(?:returned|removed|"
    r"cancel(?:l)?ed|declined|deleted|closed|refused|turned down|opted out of|sent back|gave back))"
)
# The charge against what the customer's plan or action says: "a paper bill fee even though I'm on paperless".
_CONTRADICTED = re.compile(
    r"\b(?:charged|billed|charging|billing|fees?|surcharges?|debited)\b[^.!?;\n]{0,60}?\b(?:even though|although|despite|when|after|"
    r"though)\b (?:i|we)(?:'m|'re| am| are| was| were| had| have|'ve)? (?:already |clearly |literally )?(?:on (?:a |the )?(?:\w+ )?"
    r"(?:plan|paperless|autopay|basic|tier)|on (?:paperless|autopay|basic)|not (?:on|using|subscribed)|cancel(?:l)?ed|moved out|returned|"
    r"paid|closed|froze|frozen|removed|declined|opted out)"
)
# "charged my phone twice": a battery, not a bill.
_CHARGED_DEVICE = re.compile(
    r"\b(?:phones?|car|cars|laptops?|batter(?:y|ies)|watch|ev|tesla|devices?|headphones|earbuds|scooter|bike|it up)\b"
)
# The same charge taken more than once: "charged me the annual fee twice", "payment drafted twice".
_REPEATED = re.compile(
    r"\b(?:charged|billed|debited|drafted|taken|took|hit|withdrawn|deducted)\b[^.!?;\n]{0,40}?\b(?:twice|two times|three times|"
    r"\d+ times|double)\b"
)
_UNAGREED = re.compile(
    r"\b(?:charges?|fees?|subscriptions?|add-?ons?)\b (?:that )?(?:i|we) (?:never|didn'?t|did not) "
    r"(?:sign(?:ed)? up for|agree(?:d)? to|authori[sz]e(?:d)?|order(?:ed)?|ask(?:ed)? for|want(?:ed)?|use(?:d)?)"
)
# Account activity the owner did not do.
_NOT_ME = re.compile(
    r"\b(?:orders?|purchases?|transactions?|transfers?|withdrawals?|logins?|log-ins?|sign-?ins?|codes?|password resets?|"
    r"reset (?:emails?|links?)|accounts?|cards?|loans?|devices?)\b (?:that )?(?:\w+ ){0,3}?(?:i|we) (?:never|didn'?t|did not) "
    r"(?:place|placed|make|made|authori[sz]e|authori[sz]ed|request|requested|ask for|asked for|open|opened|initiate|"
    r"initiated|recogni[sz]e|do|did|add|added)\b"
)
# "every agent tells me something different": the runaround, told in other words.
_CONFLICTING = re.compile(
    r"\b(?:every|each|different) (?:agent|rep|person|representative|one|time|call)\b[^.!?;\n]{0,30}?"
    r"(?:tells?|says|said|told|gives?|gave)\b[^.!?;\n]{0,15}?\b(?:something|answer|story|thing|info)?\s?(?:different|else|new)\b"
)

Found = tuple[str, str, float, str]  # (cue name, category, weight, evidence)


def structure_reasons(lower: str, compound: float, order: bool, promise: bool, billing: bool) -> list[Found]:
    """Incident evidence from the structures above; [] for most texts.

    `order`, `promise` and `billing` say the cue scan saw an order verb, a promise word or a
    billing cue: the scan has already looked at every word, so gating on its findings is free,
    where a chain of substring tests here would cost as much as the regexes it saves.
    """
    out: list[Found] = []
    # Praise ("ordered a medium, got a large as an upgrade, love it") is not a mix-up.
    if order and compound < 0.5:
        evidence = _order_mismatch(lower)
        if evidence:
            out.append(("order_problem.received_other", "order_problem", 0.65, evidence))
    if promise:
        evidence = _broken_promise(lower)
        if evidence:
            if _DELIVERY.search(evidence):
                out.append(("order_problem.promise_not_kept", "order_problem", 0.6, evidence))
            elif _MONEY_PROMISE.search(evidence):
                out.append(("billing.promise_not_kept", "billing", 0.6, evidence))
            else:
                out.append(("service_failure.promise_not_kept", "service_failure", 0.6, evidence))
    # The commerce words "bill"/"charges" hide billing cues from the scan, so ask the text too.
    charge = billing or "charg" in lower or "bill" in lower or "fee" in lower
    if charge or "drafted" in lower:
        m = None
        if "n't" in lower or "never" in lower or " not " in lower:
            m = _CHARGED_FOR_NOTHING.search(lower) or _UNAGREED.search(lower)
        if not m and (" i" in lower or " we" in lower):
            m = _CHARGED_FOR_NOTHING.search(lower) if " for " in lower else None
            m = m or (
                _CONTRADICTED.search(lower)
                if "though" in lower or "despite" in lower or "when" in lower or "after" in lower
                else None
            )
        if m:
            out.append(("billing.charged_for_nothing", "billing", 0.7, m.group(0)))
        if "twice" in lower or "times" in lower or "double" in lower:
            m = _REPEATED.search(lower)
            if m and not _CHARGED_DEVICE.search(m.group(0)):
                out.append(("billing.charged_repeatedly", "billing", 0.7, m.group(0)))
    if "n't" in lower or "never" in lower or " not " in lower:
        m = _NOT_ME.search(lower)
        if m:
            out.append(("security.not_me", "security", 0.7, m.group(0)))
    if "different" in lower or " else" in lower:
        m = _CONFLICTING.search(lower)
        if m:
            out.append(("service_failure.conflicting_answers", "service_failure", 0.55, m.group(0)))
    return out


# The brand itself named as down: "Lumen Mobile still down", "Lumen Mobile down in Austin?". A
# stock or prices that are down, a phone "$0 down", a store "down the street" are not.
_DOWN_AFTER = (
    r"(?:'s)? (?:(?:service|network|coverage|signal|app|site|website|internet|data|lines?|system) )?"
    r"(?:(?:is|are|was|were|has been|have been|went|goes|still|seems|seems to be|looks|just|totally|completely|all) )*"
    r"down\b(?! (?:to|from|by|on|payment|payments|with|the|a|an|here|there)\b| ?[\d$£€])"
)


@lru_cache(maxsize=256)
def _brand_down(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w@])(?:{alternatives}){_DOWN_AFTER}")


def brand_down(lower: str, brand: str, handles: tuple[str, ...]) -> str | None:
    """The words saying the brand itself is down, or None; the engine asks once the scan saw "down"."""
    names = tuple(n.lower() for n in (brand, *handles) if n and n.strip())
    m = _brand_down(names).search(lower) if names else None
    return m.group(0) if m else None
