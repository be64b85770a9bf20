"""Cross-source duplicate keys: a canonical URL and a text fingerprint (pure)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

# Parameters that only track the click; the same story carries different ones per sharer.
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|ref|ref_src|ref_url|s|si|share|"
    r"spm|cmpid|_hsenc|_hsmi|mkt_tok|yclid|twclid|ttclid|wt_mc|ncid|ocid|cid)$",
    re.IGNORECASE,
)
# Redirect wrappers that carry the real target in a query parameter.
_WRAPPERS = {
    ("google.com", "/url"): ("url", "q"),
    ("www.google.com", "/url"): ("url", "q"),
    ("l.facebook.com", "/l.php"): ("u",),
    ("out.reddit.com", None): ("url",),
    ("news.google.com", "/url"): ("url",),
}
_URL = re.compile(r"https?://\S+")
_WORD = re.compile(r"[a-z0-9]+")
_MIN_WORDS = 6  # shorter texts ("love it", "same here") repeat without being the same story


_WRAPPER_HOSTS = tuple({host for host, _ in _WRAPPERS})


def _unwrap(url: str) -> str:
    if not any(h in url for h in _WRAPPER_HOSTS):  # the common case, without parsing
        return url
    for _ in range(3):  # wrappers can nest (an alert link to a redirector)
        parts = urlsplit(url)
        host = parts.hostname or ""
        for (w_host, w_path), keys in _WRAPPERS.items():
            if host == w_host and (w_path is None or parts.path == w_path):
                params = dict(parse_qsl(parts.query))
                target = next((params[k] for k in keys if params.get(k, "").startswith("http")), None)
                if target:
                    url = unquote(target) if "%3A" in target[:12] else target
                    break
        else:
            return url
    return url


def canonical_url(url: str | None) -> str | None:
    """The URL two sharers of one story would agree on: unwrapped, untracked, lower-case host."""
    if not url:
        return None
    url = _unwrap(url.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.").removeprefix("m.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = (
        urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
        if parts.query
        else ""
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, query, ""))[:1000]


def text_fingerprint(text: str) -> str | None:
    """Same words after dropping links, handles, case, accents and punctuation; None when too short."""
    text = unicodedata.normalize("NFKD", _URL.sub(" ", text)).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"(^|\s)(rt\s+)?@\w+:?", " ", text)
    words = _WORD.findall(text)
    if len(words) < _MIN_WORDS:
        return None
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()
