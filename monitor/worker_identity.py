"""Who a worker is: a name stable across restarts, held by one live process at a time.

A source lease is owned by "<worker id>#<instance>": the worker id survives a restart, so a
restarted worker recognises the leases its previous run left behind and frees them at once
instead of waiting for them to expire; the instance token differs per process, so two live
processes never pass for each other. Two workers started with the same id on one host would
free each other's live leases, so the id is held with an exclusive file lock: a second process
with the same default id becomes "<id>-2" (and keeps that name across its own restarts as long
as it starts second). A configured [worker] worker_id is the way to name workers in containers,
whose host names change; it must not be given to two workers at once on different hosts.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MAX_SLOTS = 64  # workers with one default id on one host; far more than cores


class IdentityTaken(RuntimeError):
    """Every slot of this worker id is held by a live process on this host."""


@dataclass(frozen=True, slots=True)
class WorkerIdentity:
    """The stable id, this process's lease owner string and the lock that holds the id."""

    worker_id: str
    owner: str
    _lock: IO[bytes] | None

    def release(self) -> None:
        """Give the id up (the file lock would also go with the process)."""
        if self._lock is not None:
            self._lock.close()


def default_worker_id(config_path: str | None, database_url: str) -> str:
    """Host name plus a digest of the configuration file and database: the same on every restart."""
    basis = f"{Path(config_path).resolve() if config_path else ''}\n{database_url}"
    digest = hashlib.blake2b(basis.encode(), digest_size=4).hexdigest()
    return f"{socket.gethostname()[:40]}:{digest}"


def _try_lock(name: str, lock_dir: Path) -> IO[bytes] | None:
    digest = hashlib.blake2b(name.encode(), digest_size=8).hexdigest()
    fh = open(lock_dir / f"brand-monitor-worker-{digest}.lock", "ab")  # noqa: SIM115 (held while running)
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


def acquire(worker_id: str, *, lock_dir: Path | None = None) -> WorkerIdentity:
    """Hold `worker_id` (or the first free "<id>-N") for this process; raises IdentityTaken."""
    lock_dir = lock_dir or Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())
    for slot in range(1, MAX_SLOTS + 1):
        name = worker_id if slot == 1 else f"{worker_id}-{slot}"
        lock = _try_lock(name, lock_dir)
        if lock is not None:
            return WorkerIdentity(name, f"{name}#{secrets.token_hex(4)}", lock)
    raise IdentityTaken(f"worker id {worker_id!r} is held by {MAX_SLOTS} live processes on this host")
