#!/usr/bin/env python3
"""Real customer tweets to six US airlines (CrowdFlower, Feb 2015) as a check of the detector on
real posts, run inside the project's virtualenv:

    python tools/airline_eval.py ../shared/datasets/airline-twitter-sentiment/Tweets.csv [--sample N]

Evaluation only: the data is CC BY-NC-SA 4.0, so nothing is trained on it and nothing of it is
copied into the project. Crowd workers labeled each tweet's sentiment and, for negative ones, the
reason. A negative tweet with a concrete reason (late or cancelled flight, lost or damaged luggage,
customer service, booking problems, crew, long lines, a bad flight) counts as an incident; positive
and neutral tweets count as not; "Can't Tell" is left out. This is close to, not the same as, the
monitor's notion (a customer's complaint about a delay is an incident here). Prints incident P/R/F1,
the false-alarm rate and the urgency ROC AUC, using a fixed hash sample of the tweets.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import subprocess
import sys
import tempfile

CONCRETE = {
    "Customer Service Issue",
    "Late Flight",
    "Cancelled Flight",
    "Lost Luggage",
    "Bad Flight",
    "Flight Booking Problems",
    "Flight Attendant Complaints",
    "longlines",
    "Damaged Luggage",
}


def auc(scores: list[float], gold: list[bool]) -> float:
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(gold)
    neg = len(gold) - pos
    return (sum(r for r, g in zip(ranks, gold, strict=True) if g) - pos * (pos + 1) / 2) / (pos * neg)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--sample", type=int, default=3000, help="tweets kept, chosen by a hash of the id")
    a = ap.parse_args()
    rows = []
    with open(a.csv, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["airline_sentiment"] == "negative" and r["negativereason"] not in CONCRETE:
                continue
            rows.append((r["tweet_id"], r["text"], r["airline_sentiment"] == "negative", r["airline"]))
    rows.sort(key=lambda r: hashlib.sha1(r[0].encode()).hexdigest())
    rows = rows[: a.sample]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for tid, text, _, airline in rows:
            f.write(json.dumps({"id": tid, "text": text, "brand": airline}) + "\n")
    p = subprocess.run(["monitor", "score", f.name], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        print(f"monitor score exited {p.returncode}: {p.stderr.strip()[-300:]}")
        return 1
    out = {str(o["id"]): o for o in map(json.loads, p.stdout.splitlines())}
    gold = [g for _, _, g, _ in rows]
    pred = [bool(out[tid]["incident"]) for tid, _, _, _ in rows]
    urgency = [float(out[tid]["urgency"]) for tid, _, _, _ in rows]
    tp = sum(g and q for g, q in zip(gold, pred, strict=True))
    fp = sum(q and not g for g, q in zip(gold, pred, strict=True))
    fn = sum(g and not q for g, q in zip(gold, pred, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    negatives = len(gold) - sum(gold)
    print(
        f"airline tweets ({len(rows)}, {sum(gold)} concrete complaints): incident P={precision:.2f} "
        f"R={recall:.2f} F1={f1:.3f}; false alarms={fp / negatives:.3f}; urgency AUC={auc(urgency, gold):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
