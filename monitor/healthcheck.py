"""`python -m monitor.healthcheck URL [--max-age S]`: the docker-compose healthchecks, stdlib only.

The image has no curl. For the API, URL is /healthz: healthy on a 200 (503 while the database is
unreachable or not migrated). For a worker, URL is its `--metrics-port` /metrics and --max-age the
oldest liveness timestamp accepted: a worker whose event loop is stuck stops refreshing
`monitor_worker_alive_timestamp_seconds` although its metrics thread still answers.
Exit 0 when healthy; otherwise 1 and one line saying why.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import urllib.error
import urllib.request

ALIVE = re.compile(r"^monitor_worker_alive_timestamp_seconds\s+(\S+)$", re.MULTILINE)


def check(url: str, *, max_age: float | None = None, timeout: float = 5.0) -> str | None:
    """Why the service at `url` is unhealthy, or None when it is healthy."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a local URL)
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url}: {getattr(exc, 'reason', exc)}"
    if max_age is None:
        return None
    found = ALIVE.search(body)
    if found is None:
        return f"{url}: no monitor_worker_alive_timestamp_seconds (is it a worker's --metrics-port?)"
    age = time.time() - float(found[1])
    if age > max_age:
        return f"{url}: the worker's last liveness tick was {age:.0f} s ago (more than {max_age:g} s)"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.healthcheck", description=__doc__.splitlines()[0]
    )
    parser.add_argument("url", help="/healthz of the API, or /metrics of a worker's --metrics-port")
    parser.add_argument("--max-age", type=float, help="worker: the oldest liveness tick accepted, seconds")
    args = parser.parse_args(argv)
    problem = check(args.url, max_age=args.max_age)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
