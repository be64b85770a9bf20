"""Field operators, '?', case:, ONEAR/n and "..."~n: one query, one mention with its fields, one answer."""

import pytest

from monitor.matching import BrandMatcher, BrandRule, Subject, compile_query
from monitor.matching.explain import Explainer

REDDIT = Subject(
    "Acme lost my order",
    title="Acme refund thread",
    url="https://old.reddit.com/r/shopping/comments/1",
    author="u_jane",
    source=("Reddit r/shopping", "reddit"),
    language="en",
)
MASTODON = Subject(
    "Acme ¿dónde está mi pedido?",
    url="https://mastodon.social/@jane/1",
    author="@Jane@mastodon.social",
    source=("Fediverse", "mastodon"),
    language="es-MX",
)
BARE = Subject("Acme lost my order")  # no metadata: every field test fails

CASES = [
    # site: the URL's host or any subdomain of it.
    ("acme site:reddit.com", REDDIT, True),
    ("acme site:www.reddit.com", REDDIT, True),  # "www." is dropped from the operator
    ("acme site:Reddit.com", REDDIT, True),
    ('acme site:"https://www.reddit.com/"', REDDIT, True),  # Talkwalker quotes a URL
    ("acme site:old.reddit.com", REDDIT, True),
    ("acme site:new.reddit.com", REDDIT, False),
    ("acme site:dit.com", REDDIT, False),  # not a suffix match on letters
    ("acme site:reddit.com", MASTODON, False),
    ("acme site:reddit.com", BARE, False),
    ("acme -site:reddit.com", MASTODON, True),
    ("acme -site:reddit.com", REDDIT, False),
    ("acme (site:reddit.com OR site:mastodon.social)", MASTODON, True),
    # The words of a URL are no longer words of the query.
    ("acme site:reddit.com", Subject("acme site reddit com"), False),
    # source: the configured source's name or its kind.
    ("acme source:reddit", REDDIT, True),
    ('acme source:"reddit r/shopping"', REDDIT, True),
    ("acme source:mastodon", REDDIT, False),
    ("acme source:mastodon", MASTODON, True),
    # author: the name as given, without "@", and a handle's local part.
    ("acme author:u_jane", REDDIT, True),
    ("acme author:@U_Jane", REDDIT, True),
    ("acme author:jane", MASTODON, True),
    ("acme author:jane@mastodon.social", MASTODON, True),
    ("acme author:jane", REDDIT, False),
    ('acme author:"Jane Doe"', Subject("acme", author="Jane Doe"), True),
    ('acme author:"Jane Doe"', Subject("acme", author="Jane"), False),
    # lang: the stated language, reduced to its code.
    ("acme lang:en", REDDIT, True),
    ("acme lang:es", MASTODON, True),  # "es-MX"
    ("acme lang:ES", MASTODON, True),
    ("acme lang:en", MASTODON, False),
    ("acme -lang:en", MASTODON, True),
    ("acme lang:en", BARE, False),
    # title: only the title's words.
    ("title:refund", REDDIT, True),
    ("title:lost", REDDIT, False),  # in the text, not the title
    ('title:"refund thread"', REDDIT, True),
    ('title:"thread refund"', REDDIT, False),
    ("title:(order OR refund)", REDDIT, True),
    ("title:refun*", REDDIT, True),
    ("title:refund", BARE, False),
    ("refund", REDDIT, True),  # a plain word still looks at the title and the text
    ("lost -title:lost", REDDIT, True),
    # '?': exactly one letter or digit.
    ("wom?n", Subject("women love it"), True),
    ("wom?n", Subject("woman"), True),
    ("wom?n", Subject("womn"), False),
    ("wom?n", Subject("wooman"), False),
    ("wom?n", Subject("womenswear"), False),
    ("wom?n*", Subject("womenswear"), True),
    ("ac?e", Subject("ACME"), True),
    ("?cme", Subject("acme"), True),
    ("#ac?e", Subject("#acme"), True),
    ("#ac?e", Subject("acme"), False),
    ("ac?e", Subject("@acme"), False),  # like '*', wildcards stay off a handle's name
    ('"ac?e refund"', Subject("acme refund"), True),
    ("ac?e NEAR/1 refund", Subject("refund for acme"), True),
    ('"is it broken?"', Subject("is it broken"), True),  # ends a word inside quotes: punctuation
    ('"acme.com/page?id=3"', Subject("see acme.com/page?id=3"), True),  # a quoted URL still works
    ("broken?", Subject("brokenx"), True),
    # case: the capitals as written.
    ("case:Apple", Subject("My Apple watch"), True),
    ("case:Apple", Subject("an apple a day"), False),
    ("case:Apple", Subject("APPLE"), False),
    ("case:Apple", Subject("Apple's new phone"), True),
    ("case:Apple", Subject("Applesauce"), False),
    ('case:"Apple Watch"', Subject("my Apple  Watch died"), True),
    ('case:"Apple Watch"', Subject("my Apple watch died"), False),
    ("case:Nestlé", Subject("Nestle recall"), True),  # accents are still ignored
    ("case:IT", Subject("IT outage"), True),
    ("case:IT", Subject("it is fine"), False),
    ("case:Apple -pie", Subject("Apple pie"), False),
    ("case:Apple", Subject("x", title="Apple launch"), True),
    # ONEAR/n and NEAR/nf: ordered.
    ("refund ONEAR/2 acme", Subject("refund from acme"), True),
    ("refund ONEAR/2 acme", Subject("acme sent my refund"), False),
    ("refund NEAR/2f acme", Subject("acme sent my refund"), False),
    ("refund NEAR/2f acme", Subject("refund from acme"), True),
    ("refund NEAR/2 acme", Subject("acme sent my refund"), True),
    ("refund ONEAR/0 acme", Subject("refund acme"), True),
    ("refund ONEAR/0 acme", Subject("acme refund"), False),
    # "..."~n: the words within n words of each other, either order.
    ('"acme refund"~3', Subject("refund still not sent by acme"), False),
    ('"acme refund"~4', Subject("refund still not sent by acme"), True),
    ('"acme refund"~0', Subject("refund acme"), True),
    ('"acme refund late"~2', Subject("acme refund is late"), True),
    ('"acme refund late"~2', Subject("acme refund is never ever late"), False),
]


@pytest.mark.parametrize(("query", "subject", "expected"), CASES)
def test_operator(query: str, subject: Subject, expected: bool) -> None:
    assert compile_query(query).matches(subject) is expected


@pytest.mark.parametrize(("query", "subject", "expected"), CASES)
def test_brand_matcher_agrees(query: str, subject: Subject, expected: bool) -> None:
    # The matcher's index must not drop a mention a field or wildcard query matches.
    assert BrandMatcher([BrandRule("Acme", query)]).match(subject) == (["Acme"] if expected else [])


def test_lang_uses_the_detector_only_when_no_language_is_stated() -> None:
    asked: list[str] = []

    def language_of(subject: Subject) -> str:
        asked.append(subject.text)
        return subject.language or "fr"

    m = BrandMatcher([BrandRule("Acme", "acme lang:fr")], language_of=language_of)
    assert m.match(Subject("acme est en retard")) == ["Acme"]
    assert m.match(Subject("nothing here")) == []  # the words fail first: no detection
    assert asked == ["acme est en retard"]


def test_exclusion_can_use_fields() -> None:
    m = BrandMatcher([BrandRule("Acme", "acme", exclude="site:acme.com OR author:acmesupport")])
    assert m.match(Subject("acme news", url="https://blog.acme.com/x")) == []
    assert m.match(Subject("acme help", author="@AcmeSupport")) == []
    assert m.match(Subject("acme broke", url="https://reddit.com/x", author="jane")) == ["Acme"]


def test_a_bare_string_is_a_mention_without_fields() -> None:
    assert compile_query("acme").matches("acme")
    assert not compile_query("acme site:reddit.com").matches("acme")


def test_explanation_names_a_negative_exclusion_as_such() -> None:
    explainer = Explainer("helzberg", exclude="NOT ring*")
    why = explainer.explain("helzberg necklace")
    assert (why.matched, why.hits, why.excluded_by) == (False, ["helzberg"], ["NOT ring*"])
    assert explainer.explain("helzberg rings").matched


@pytest.mark.parametrize(
    ("query", "text", "hits", "blocked"),
    [
        (
            "(refund OR return) NEAR/2 helzberg -job*",
            "helzberg return jobs",
            ["(refund OR return) NEAR/2 helzberg"],
            ["job*"],
        ),
        ('"acme refund"~3 e-bike', "acme refund e-bike", ['"acme refund"~3', "e-bike"], []),
        ("title:(a OR b) case:Acme", Subject("Acme", title="a"), ["title:(a OR b)", "case:Acme"], []),
    ],
)
def test_explanation_labels_parts_as_written(query, text, hits, blocked) -> None:
    why = Explainer(query).explain(text)
    assert (why.hits, why.blocked_by) == (hits, blocked)
