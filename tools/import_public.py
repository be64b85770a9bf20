#!/usr/bin/env python3
"""Copy the mapped subsets of BANKING77 and CLINC150 into the training corpus (run once by a developer).

    python tools/import_public.py ../shared/datasets

Both are customer-service queries typed to a bank's or an assistant's chat: the real register of
customers for billing, security and card faults, and many routine questions that are not
incidents. Each intent is mapped below to an incident category, to "routine" (not an incident),
or left out when its queries go both ways (a declined payment is often the customer's own limit).
A fixed number of queries per intent is kept, chosen by hash, so the import is deterministic.
Licences: BANKING77 CC BY 4.0 (Casanueva et al., 2020); CLINC150 CC BY 3.0 (Larson et al., 2019).
The project never reads ../shared at run or test time; only this script does, once.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "monitor" / "training" / "corpus"

# intent -> category (an incident) or None (routine: not an incident)
BANKING77: dict[str, str | None] = {
    # billing: money taken or not given back that should not have been
    "extra_charge_on_statement": "billing",
    "transaction_charged_twice": "billing",
    "Refund_not_showing_up": "billing",
    "wrong_amount_of_cash_received": "billing",
    "cash_withdrawal_charge": "billing",
    "transfer_fee_charged": "billing",
    "card_payment_wrong_exchange_rate": "billing",
    # security: payments the customer did not make, a compromised card
    "compromised_card": "security",
    "card_payment_not_recognised": "security",
    "direct_debit_payment_not_recognised": "security",
    "cash_withdrawal_not_recognised": "security",
    # product_defect: one customer's card or app feature that does not work
    "card_not_working": "product_defect",
    "virtual_card_not_working": "product_defect",
    "top_up_failed": "product_defect",
    "failed_transfer": "product_defect",
    "card_swallowed": "product_defect",
    # order_problem: a card ordered and not delivered
    "card_arrival": "order_problem",
    # routine questions and requests
    "card_linking": None,
    "exchange_rate": None,
    "fiat_currency_support": None,
    "card_delivery_estimate": None,
    "automatic_top_up": None,
    "exchange_via_app": None,
    "age_limit": None,
    "top_up_limits": None,
    "supported_cards_and_currencies": None,
    "getting_virtual_card": None,
    "card_acceptance": None,
    "edit_personal_details": None,
    "why_verify_identity": None,
    "get_physical_card": None,
    "visa_or_mastercard": None,
    "topping_up_by_card": None,
    "disposable_card_limits": None,
    "atm_support": None,
    "passcode_forgotten": None,
    "change_pin": None,
    "receiving_money": None,
    "transfer_into_account": None,
    "verify_top_up": None,
    "getting_spare_card": None,
    "top_up_by_cash_or_cheque": None,
    "order_physical_card": None,
    "get_disposable_virtual_card": None,
    "activate_my_card": None,
    "card_about_to_expire": None,
    "apple_pay_or_google_pay": None,
    "verify_my_identity": None,
    "country_support": None,
    "terminate_account": None,
    "transfer_timing": None,
    "top_up_by_bank_transfer_charge": None,
    "top_up_by_card_charge": None,
    "exchange_charge": None,
    # left out (both ways): card_payment_fee_charged, wrong_exchange_rate_for_cash_withdrawal and
    # contactless_not_working (as many "is there a fee?" / "can I pay contactless?" questions as
    # reports), declined_*, pending_*, lost_or_stolen_*, pin_blocked, request_refund,
    # reverted/top_up_reverted, balance_not_updated_*, transfer_not_received_by_recipient,
    # unable_to_verify_identity, beneficiary_not_allowed, cancel_transfer, verify_source_of_funds
}

CLINC150: dict[str, str | None] = {
    # report_fraud ("how do I report fraud?") and damaged_card (the customer's own card) left out
    "lost_luggage": "order_problem",
    # routine questions to a company's assistant
    **dict.fromkeys(
        (
            "bill_balance",
            "bill_due",
            "pay_bill",
            "balance",
            "order_status",
            "flight_status",
            "book_flight",
            "book_hotel",
            "car_rental",
            "restaurant_reservation",
            "confirm_reservation",
            "cancel_reservation",
            "accept_reservations",
            "carry_on",
            "international_fees",
            "interest_rate",
            "credit_limit",
            "credit_limit_change",
            "apr",
            "min_payment",
            "new_card",
            "pin_change",
            "replacement_card_duration",
            "redeem_rewards",
            "rewards_balance",
            "transactions",
            "transfer",
            "spending_history",
            "routing",
            "direct_deposit",
            "order_checks",
            "insurance",
            "insurance_change",
            "schedule_maintenance",
            "last_maintenance",
            "tire_pressure",
            "oil_change_when",
            "travel_alert",
            "travel_notification",
            "plug_type",
            "expiration_date",
            "order",
            "shopping_list",
            "how_busy",
            "restaurant_reviews",
            "restaurant_suggestion",
            "meal_suggestion",
            "recipe",
            "greeting",
            "thank_you",
            "goodbye",
            "tell_joke",
            "fun_fact",
            "what_can_i_ask_you",
            "are_you_a_bot",
        )
    ),
}
PER_INTENT = {"incident": 36, "routine": 14}
# Queries typed to a bot are not posts: they count half as much as the corpus's own rows.
WEIGHT = 0.5


def _pick(texts: list[str], n: int) -> list[str]:
    return sorted(set(texts), key=lambda t: hashlib.sha1(t.encode("utf-8")).hexdigest())[:n]


def _rows(prefix: str, by_intent: dict[str, list[str]], mapping: dict[str, str | None]) -> list[dict]:
    rows = []
    for intent in sorted(mapping):
        category = mapping[intent]
        n = PER_INTENT["incident" if category else "routine"]
        for text in _pick(by_intent.get(intent, []), n):
            rows.append(
                {
                    "id": f"{prefix}-{len(rows) + 1:04d}",
                    "brand": None,
                    "industry": "banking" if prefix == "b77" else "services",
                    "lang": "en",
                    "register": "query",
                    "text": text,
                    "incident": category is not None,
                    "category": category,
                    "needs_reply": None,
                    "opportunity": None,
                    "weight": WEIGHT,
                    "intent": intent,
                }
            )
    return rows


def main(datasets: Path) -> None:
    banking: dict[str, list[str]] = {}
    with open(datasets / "banking77" / "train.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            banking.setdefault(row["category"], []).append(row["text"].strip())
    clinc: dict[str, list[str]] = {}
    for text, intent in json.loads((datasets / "clinc150" / "data_full.json").read_text())["train"]:
        clinc.setdefault(intent, []).append(text.strip())
    for name, rows in (
        ("public_banking77.jsonl", _rows("b77", banking, BANKING77)),
        ("public_clinc150.jsonl", _rows("c150", clinc, CLINC150)),
    ):
        with open(OUT / name, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} rows, {sum(r['incident'] for r in rows)} incidents")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets"))
