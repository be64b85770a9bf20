import pytest

from monitor.dedupe import canonical_url, text_fingerprint


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://www.example.com/story/?utm_source=x&utm_medium=y", "https://example.com/story"),
        ("http://example.com/story?id=3&fbclid=abc", "https://example.com/story?id=3"),
        ("https://EXAMPLE.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        (
            "https://www.google.com/url?rct=j&sa=t&url=https://news.example.org/acme-recall%3Fref%3Dga&ct=ga",
            "https://news.example.org/acme-recall",
        ),
        ("https://m.example.com/post#comments", "https://example.com/post"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("javascript:alert(1)", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_fingerprint_ignores_links_handles_case_and_punctuation():
    a = text_fingerprint("Acme's checkout shows $0.00 for everything!! https://t.co/abc")
    b = text_fingerprint("RT @deals: acme's CHECKOUT shows $0.00 for everything https://bit.ly/zz")
    assert a is not None and a == b


def test_fingerprint_differs_for_different_stories_and_skips_short_texts():
    assert text_fingerprint("Acme shipped me the wrong size again today") != text_fingerprint(
        "Acme shipped me the right size again today"
    )
    assert text_fingerprint("love it") is None
