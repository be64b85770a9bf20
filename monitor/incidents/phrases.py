"""What a surge is about: the words and phrases most of its posts repeat (pure).

Counts are per post (a word said ten times in one rant counts once), over 1- to 3-word phrases
that do not start or end on a stop word and hold none of the brand's own words (every post of
the surge names the brand; that says nothing). A longer phrase replaces the shorter ones inside
it when it is nearly as common: "pumpkin cold brew" in 31 posts says more than "cold brew" in 33.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

MAX_WORDS = 3
# a shorter phrase gives way to a longer one that holds it in at least this share of its posts
_SUBSUMED = 0.75
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# prices and numbers keep their sign and decimals ("$0.00"); words keep inner apostrophes ("don't")
_TOKEN = re.compile(r"\$?\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:['’][^\W\d_]+)*")
_QUERY_OPERATORS = {"or", "and", "not"}

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can can't could couldn't did didn't do does doesn't doing don't down
    during each even ever few for from further get gets got had hadn't has hasn't have haven't having he
    her here hers herself him himself his how i i'm i've if in into is isn't it it's its itself just
    let's like me more most much my myself no nor not now of off on once only or other our ours
    ourselves out over own really same she should shouldn't so some still such than that that's the
    their theirs them themselves then there there's these they they're this those through to too
    under until up us very was wasn't we we're were weren't what what's when where which while who
    whom why will with won't would wouldn't yeah yes yet you you're your yours yourself yourselves
    im ive dont cant wont didnt doesnt isnt thats lol omg rt via amp just
    """.split()
)


def words(text: str) -> list[str]:
    """The post's words, lower-cased, links dropped."""
    return [t.replace("’", "'") for t in _TOKEN.findall(_URL.sub(" ", text).casefold())]


def brand_words(name: str, query: str = "", handles: Iterable[str] = ()) -> frozenset[str]:
    """Words that only say which brand a post is about: its name, its query's terms, its handles."""
    found = set(words(name))
    found.update(w for w in words(query) if w not in _QUERY_OPERATORS)
    for handle in handles:
        found.update(words(handle.lstrip("@")))
    return frozenset(found)


def _phrases(tokens: Sequence[str], exclude: frozenset[str]) -> set[tuple[str, ...]]:
    out = set()
    for n in range(1, MAX_WORDS + 1):
        for i in range(len(tokens) - n + 1):
            gram = tuple(tokens[i : i + n])
            if gram[0] in STOP_WORDS or gram[-1] in STOP_WORDS or any(w in exclude for w in gram):
                continue
            if n == 1 and len(gram[0]) < 3 and not any(c.isdigit() for c in gram[0]):
                continue  # "ok", "pm": too short to say anything alone
            out.add(gram)
    return out


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def top_phrases(
    texts: Iterable[str], *, exclude: frozenset[str] = frozenset(), limit: int = 3, min_posts: int = 2
) -> list[tuple[str, int]]:
    """The `limit` phrases found in the most posts (at least `min_posts`), with how many posts."""
    posts: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        posts.update(_phrases(words(text), exclude))
    common = {g: n for g, n in posts.items() if n >= min_posts}
    dropped = set()
    for long, n in common.items():
        for size in range(1, len(long)):
            for i in range(len(long) - size + 1):
                short = long[i : i + size]
                if short in common and n >= _SUBSUMED * common[short]:
                    dropped.add(short)
    ranked = sorted((g for g in common if g not in dropped), key=lambda g: (-common[g], -len(g), g))
    chosen: list[tuple[str, ...]] = []
    for g in ranked:
        if len(chosen) == limit:
            break
        if any(_inside(c, g) or 2 * len(set(g) & set(c)) > len(g) for c in chosen):
            continue  # mostly the same words as a phrase already chosen: the same thing said again
        chosen.append(g)
    return [(" ".join(g), common[g]) for g in chosen]
