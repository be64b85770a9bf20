"""`pip install .` (a wheel, not editable) into a fresh venv, then `monitor db upgrade`, offline.

The wheel is built from a copy of the sources without build isolation (no index to fetch
setuptools from) and installed without dependencies; the fresh venv reaches the dependencies
through a .pth line naming this venv's site-packages, which only extends sys.path: this venv's own
.pth files, among them the editable install of the checkout, are not run there.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from monitor.db import alembic_config

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "monitor", "connectors", "alembic")


def _run(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env or None
    )
    assert result.returncode == 0, f"{args}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def test_a_wheel_install_migrates_a_fresh_database(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=skip)
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        src,
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        dist,
        cwd=tmp_path,
    )
    (wheel,) = dist.glob("brand_monitor-*.whl")

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=tmp_path,
    )
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path)
    Path(purelib.stdout.strip(), "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db"}
    where = _run(
        python, "-c", "import monitor.db as d; print(d.__file__); print(d.ALEMBIC_DIR)", cwd=tmp_path, **env
    )
    module, migrations = where.stdout.split()
    assert module.startswith(str(venv)) and migrations.startswith(str(venv)), where.stdout  # not the checkout
    assert migrations.endswith("monitor/migrations")

    _run(venv / "bin" / "monitor", "db", "upgrade", cwd=tmp_path, **env)

    with sqlite3.connect(tmp_path / "fresh.db") as db:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert revision == _head()
    assert {"mentions", "incidents", "sources", "alert_deliveries"} <= tables
