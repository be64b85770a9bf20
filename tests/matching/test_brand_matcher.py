"""BrandMatcher: handles, exclusions, rule order, batches and many brands through the index."""

import random

import pytest

from monitor.matching import BrandMatcher, BrandRule, QueryError, compile_query

RULES = [
    BrandRule("Helzberg", "helzberg", handles=("@HelzbergDiamonds",), exclude="hiring OR career*"),
    BrandRule(
        "Apple",
        "apple",
        handles=("AppleSupport",),
        exclude='"apple pie" OR recipe* OR "apple crumble" OR cider',
    ),
    BrandRule("Orbit", "orbit -orbital", exclude="hiring OR job* OR careers"),
    BrandRule("Nestlé", "nestlé OR nespresso"),
    BrandRule("Marlow & Finch", '"marlow & finch" OR @marlowfinch OR #marlowandfinch'),
    BrandRule("Zales", "zales NEAR/3 (refund* OR broken OR scam)"),
]

CASES = [
    ("Helzberg lost my ring", ["Helzberg"]),
    ("@HelzbergDiamonds where is my order?", ["Helzberg"]),  # the handle alone is enough
    ("@Helzberg is the $0 total a mistake?", ["Helzberg"]),  # the query word as a handle
    ("@helzberg we're hiring", []),  # ...and exclusions still apply to it
    ("@applepie my phone", []),  # a handle is only its own name
    ("@helzbergdiamonds we're hiring sales staff", []),  # exclusions cover handle matches too
    ("Helzberg is hiring in Kansas City", []),
    ("Helzberg careers page is down", []),
    ("my new apple watch died", ["Apple"]),
    ("best apple pie recipe ever", []),
    ("grandma's apple crumble", []),
    ("@AppleSupport my phone is stuck", ["Apple"]),
    ("an apple a day", ["Apple"]),
    ("Orbit gum lost its flavour", ["Orbit"]),
    ("Orbit is hiring: job posting", []),
    ("orbital mechanics", []),
    ("Nestle recalled cereal", ["Nestlé"]),
    ("NESTLÉ", ["Nestlé"]),
    ("Marlow and Finch never shipped", ["Marlow & Finch"]),
    ("#MarlowAndFinch scam", ["Marlow & Finch"]),
    ("zales refund still pending", ["Zales"]),
    ("Zales has lovely staff and I got a refund", []),
    ("Helzberg, Apple, Orbit and Nestlé walk into a bar", ["Helzberg", "Apple", "Orbit", "Nestlé"]),
    ("", []),
    ("nothing to see here", []),
]


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher(RULES)


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_match(matcher: BrandMatcher, text: str, expected: list[str]) -> None:
    assert matcher.match(text) == expected


def test_match_many_keeps_order(matcher: BrandMatcher) -> None:
    texts = [text for text, _ in CASES]
    assert matcher.match_many(texts) == [expected for _, expected in CASES]
    assert matcher.match_many([]) == []


def test_results_follow_rule_order_not_text_order() -> None:
    m = BrandMatcher([BrandRule("B", "bravo"), BrandRule("A", "alpha")])
    assert m.match("alpha bravo") == ["B", "A"]


def test_exclusion_may_be_purely_negative() -> None:
    m = BrandMatcher([BrandRule("Helzberg rings", "helzberg", exclude="NOT ring*")])
    assert m.match("helzberg rings are great") == ["Helzberg rings"]
    assert m.match("helzberg necklace") == []


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_exclusion_means_none(blank: str) -> None:
    assert BrandMatcher([BrandRule("Orbit", "orbit", exclude=blank)]).match("orbit") == ["Orbit"]


def test_rule_without_anchor_is_still_evaluated() -> None:
    m = BrandMatcher([BrandRule("Odd", "NOT (NOT helzberg)")])
    assert m.match("Helzberg") == ["Odd"]
    assert m.match("zales") == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (BrandRule("Helzberg", "helzberg AND )price"), "brand 'Helzberg' query: unexpected ')'"),
        (BrandRule("Orbit", "orbit", exclude="hiring OR"), "brand 'Orbit' exclude: 'OR' needs a term"),
        (BrandRule("Apple", "NOT pie"), "brand 'Apple' query: query has only negative terms"),
        (BrandRule("Zales", "zales", handles=("@@",)), "brand 'Zales' handle: not a handle"),
    ],
)
def test_bad_rule_names_the_brand(rule: BrandRule, expected: str) -> None:
    with pytest.raises(QueryError) as info:
        BrandMatcher([BrandRule("Fine", "fine"), rule])
    assert str(info.value).startswith(expected)


def test_error_position_survives_the_brand_prefix() -> None:
    with pytest.raises(QueryError) as info:
        BrandMatcher([BrandRule("Helzberg", "helzberg AND )price")])
    assert info.value.position == 13
    assert info.value.query == "helzberg AND )price"


def test_brand_rule_is_frozen() -> None:
    rule = BrandRule("Helzberg", "helzberg")
    assert rule.handles == () and rule.exclude is None
    with pytest.raises(AttributeError):
        rule.name = "Zales"  # type: ignore[misc]


def _random_rules(rng: random.Random, count: int) -> list[BrandRule]:
    words = [f"w{i}" for i in range(60)]
    shapes = [
        "{a}",
        "{a} {b}",
        "{a} OR {b}",
        '"{a} {b}"',
        "{a}* -{b}",
        "({a} OR {b}*) AND NOT {c}",
        "{a} NEAR/2 {b}",
        "#{a} OR @{b}",
        "{a}-{b} OR {c}",
    ]
    rules = []
    for i in range(count):
        a, b, c = rng.sample(words, 3)
        exclude = rng.choice([None, None, c, f"{c} OR {b}*"])
        rules.append(BrandRule(f"brand{i}", rng.choice(shapes).format(a=a, b=b, c=c), exclude=exclude))
    return rules


def test_many_brands_agree_with_one_query_at_a_time() -> None:
    rng = random.Random(7)
    rules = _random_rules(rng, 300)
    matcher = BrandMatcher(rules)
    singles = [(r.name, compile_query(r.query), r.exclude and compile_query(r.exclude)) for r in rules]
    tokens = [f"w{i}" for i in range(60)] + [f"w{i}x" for i in range(10)] + ["#w1", "@w2", "w3-w4", "the"]
    hits = 0
    for _ in range(200):
        text = " ".join(rng.choices(tokens, k=rng.randint(0, 12)))
        expected = [name for name, q, ex in singles if q.matches(text) and not (ex and ex.matches(text))]
        assert matcher.match(text) == expected, text
        hits += len(expected)
    assert hits > 100  # the generated texts really exercise the index
