"""Benchmark BrandMatcher against a naive per-brand regex loop, measured in the same run.

Usage: .venv/bin/python tests/benchmarks/bench_matching.py [--json] [--brands 500] [--texts 2000]
Not a test: pytest does not collect it (no test_ prefix).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable

from monitor.matching import BrandMatcher, BrandRule
from monitor.matching.parser import And, Near, Node, Not, Or, Phrase, Slot, parse
from monitor.matching.text import normalize

_SYLLABLES = ["ka", "lo", "mi", "zen", "tor", "bri", "vex", "ula", "dor", "fin", "qua", "rex", "sol", "tia"]
_FILLER = (
    "the a my our this that is was so very just still again never always today order refund delivery "
    "broken late support service app login crash price store staff rude great love hate waiting week "
    "month call email help please why how what when customer account charged twice package missing "
    "ring phone screen battery update coffee shoes size return policy manager online website down"
).split()
_TOPICS = ["refund*", "broken", "scam", '"customer service"', "crash*", "late", "charged", "outage"]


def _brand_name(rng: random.Random) -> str:
    return "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))


def make_rules(rng: random.Random, count: int) -> tuple[list[BrandRule], list[str]]:
    """Generate brand rules in the shapes a social team writes."""
    names = sorted({_brand_name(rng) for _ in range(count * 3)})
    names = rng.sample(names, count)
    rules = []
    for name in names:
        topic = rng.choice(_TOPICS)
        query = rng.choice(
            [
                f"{name}",
                f"{name} OR #{name}*",
                f'"{name} app" OR {name}',
                f"{name} AND ({topic} OR support)",
                f"{name} NEAR/3 {topic}",
                f"{name}* -job*",
                f"({name} OR @{name}) AND NOT giveaway",
            ]
        )
        exclude = rng.choice([None, None, "hiring OR job*", '"for sale"'])
        rules.append(BrandRule(name, query, handles=(f"@{name}",), exclude=exclude))
    return rules, names


def make_texts(rng: random.Random, count: int, names: list[str]) -> list[str]:
    """Mention-like texts; about a third name one or two brands."""
    texts = []
    for _ in range(count):
        words = rng.choices(_FILLER, k=rng.randint(8, 40))
        if rng.random() < 0.35:
            for _ in range(rng.randint(1, 2)):
                name = rng.choice(names)
                token = rng.choice([name, name.capitalize(), f"@{name}", f"#{name}", f"{name}'s"])
                words.insert(rng.randrange(len(words) + 1), token)
        texts.append(" ".join(words))
    return texts


# The baseline: what a first version would do, one compiled regex per term, evaluated brand by brand.
def _slot_regex(slot: Slot) -> str:
    key = re.escape(slot.key)
    if slot.prefix:
        return rf"(?<![\w@#]){key}\w*"
    hashtag = "" if slot.key[0] in "@#" else "#?"  # a hashtag that is exactly the word counts as it
    return rf"(?<![\w@#]){hashtag}{key}(?:'s)?(?![\w'])"


def _node_regex(node: Node) -> str:
    if isinstance(node, Phrase):
        return r"\W+".join(_slot_regex(s) for s in node.slots)
    if isinstance(node, Or):
        return "(?:" + "|".join(_node_regex(c) for c in node.children) + ")"
    assert isinstance(node, Near)
    a, b, gap = _node_regex(node.left), _node_regex(node.right), rf"\W+(?:\w+\W+){{0,{node.distance}}}"
    return f"(?:{a}{gap}{b}|{b}{gap}{a})"


def _naive(node: Node) -> Callable[[str], bool]:
    if isinstance(node, Phrase | Near):
        search = re.compile(_node_regex(node)).search
        return lambda text: search(text) is not None
    if isinstance(node, Not):
        child = _naive(node.child)
        return lambda text: not child(text)
    parts = [_naive(c) for c in node.children]
    if isinstance(node, And):
        return lambda text: all(p(text) for p in parts)
    return lambda text: any(p(text) for p in parts)


def naive_matcher(rules: list[BrandRule]) -> Callable[[str], list[str]]:
    """A per-brand loop of regex searches over the normalized text."""
    compiled = []
    for rule in rules:
        query = _naive(parse(rule.query))
        handles = [re.compile(rf"(?<!\w){re.escape(h.lower())}(?![\w.])").search for h in rule.handles]
        exclude = _naive(parse(rule.exclude, allow_negative_only=True)) if rule.exclude else None
        compiled.append((rule.name, query, handles, exclude))

    def match(text: str) -> list[str]:
        text = normalize(text)
        return [
            name
            for name, query, handles, exclude in compiled
            if (query(text) or any(h(text) for h in handles)) and not (exclude and exclude(text))
        ]

    return match


def _rate(run: Callable[[], object], items: int, repeat: int = 3) -> float:
    best = min(_timed(run) for _ in range(repeat))
    return items / best


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--brands", type=int, default=500)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    rules, names = make_rules(rng, args.brands)
    texts = make_texts(rng, args.texts, names)
    matcher = BrandMatcher(rules)
    naive = naive_matcher(rules)

    fast_results = matcher.match_many(texts)
    naive_results = [naive(t) for t in texts]
    agree = sum(a == b for a, b in zip(fast_results, naive_results, strict=True)) / len(texts)

    matcher_rate = _rate(lambda: matcher.match_many(texts), len(texts))
    naive_rate = _rate(lambda: [naive(t) for t in texts], len(texts), repeat=1)
    figures = {
        "brands": len(rules),
        "texts": len(texts),
        "matcher_per_s": round(matcher_rate, 1),
        "naive_regex_loop_per_s": round(naive_rate, 1),
        "speedup": round(matcher_rate / naive_rate, 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")
        hits = sum(map(len, fast_results))
        print(f"{'brand hits':>24}: {hits}\n{'agreement with naive':>24}: {agree:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
