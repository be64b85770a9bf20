"""What to do about an incident: a short response checklist per category.

The shared steps follow the usual service-recovery advice: answer publicly and quickly, own the
mistake without defensiveness, move the details to a private channel, and follow up in person.
"""

from __future__ import annotations

from monitor.scoring import CATEGORIES
from monitor.scoring.taxonomy import SPIKE_CATEGORY

CHECKLISTS: dict[str, tuple[str, ...]] = {
    "pricing_error": (
        "Confirm the glitch with e-commerce and stop it (fix the price or pause the product).",
        "Decide with legal and finance whether to honour the orders already placed.",
        "Post one public statement and pin it; answer each thread by linking to it.",
        "Contact affected customers directly, with the decision and a goodwill gesture.",
    ),
    "order_problem": (
        "Find the orders: ask for the order number in a direct message, never in public.",
        "Check with fulfilment whether it is one order or a batch (carrier, warehouse, payment).",
        "Give each customer a date and a named person, then keep to it.",
        "If many orders are hit, post a public status update and say when the next one comes.",
    ),
    "product_defect": (
        "Thank the customer and ask for photos, batch or serial number by direct message.",
        "Offer a replacement or refund without making them argue for it.",
        "Send the report to product quality; check for other reports of the same defect.",
        "If it is a pattern, prepare a public note and a fix for everyone affected.",
    ),
    "safety": (
        "Take it seriously: answer within minutes, express concern, never argue or joke.",
        "Contact the customer privately; ask whether anyone is hurt and whether they need help now.",
        "Escalate at once to product safety and legal; keep the product and the evidence.",
        "Consider a stop-sale or a recall notice; agree the public wording with legal.",
    ),
    "outage": (
        "Confirm the outage with engineering / the status page before saying anything.",
        "Post a public acknowledgement with what is affected and when the next update comes.",
        "Update on schedule, even when there is no news; say clearly when it is fixed.",
        "Afterwards, explain what happened and what changes so it does not happen again.",
    ),
    "security": (
        "Escalate to the security team now; do not speculate publicly about a breach.",
        "Ask the customer to secure their account (password reset, 2FA) via a private channel.",
        "Never ask for passwords or full card numbers, in public or in private.",
        "Prepare a public statement with security and legal if more accounts may be affected.",
    ),
    "billing": (
        "Move to a direct message to look at the account; never discuss amounts in public.",
        "Check with billing whether it is one customer or a run (double charge, wrong plan).",
        "Refund or correct the charge and tell the customer when the money comes back.",
        "If it is a run, fix it for everyone and post a short public note.",
    ),
    "service_failure": (
        "Apologise publicly and specifically for the experience, without excuses.",
        "Take it to a direct channel to get the details (store, date, order).",
        "Make it right: a fix, a refund or a gesture proportional to the trouble.",
        "Pass the feedback to the team responsible and tell the customer you did.",
    ),
    "legal": (
        "Do not comment on the substance in public; route it to legal today.",
        "Acknowledge receipt politely and say the right team will follow up.",
        "Preserve the posts (screenshots, links, times) for legal.",
        "Agree any public response with legal and communications before posting.",
    ),
}

GENERAL: tuple[str, ...] = (
    "Acknowledge publicly and quickly, so others see the brand is listening.",
    "Own the mistake plainly: say sorry and what you are doing, not why it was not your fault.",
    "Take it to a direct channel (DM, email, phone) for personal details.",
    "Follow up personally once it is fixed, and close the loop in the public thread.",
)

assert set(CHECKLISTS) == set(CATEGORIES), "every category needs a checklist"

# A volume spike is a surge of unknown content: first find out what it is, then act on that.
SPIKE: tuple[str, ...] = (
    "Read the repeated phrases and the top posts: is it a problem, a trend, news or a hoax?",
    "If it is a problem, handle it with the checklist of its kind (outage, pricing error, …).",
    "If it is a hoax or an impersonation (a fake giveaway), warn publicly and report the accounts.",
    "If it is good news, join in: thank people and answer the questions in the thread.",
)


def checklist(category: str) -> tuple[str, ...]:
    """The category's steps (the general ones for an unknown category)."""
    if category == SPIKE_CATEGORY:
        return SPIKE
    return CHECKLISTS.get(category, GENERAL)
