"""Packaging hook: the migrations ship inside the wheel (pyproject.toml holds everything else).

`alembic/` lives at the top of the repository (where the `alembic` command and the migration
authors expect it), which is outside every package, so a wheel used to leave it out and
`monitor db upgrade` after `pip install .` had nothing to run. build_py copies it into the built
package as `monitor/migrations/`; monitor/db.py looks there first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithMigrations(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "monitor" / "migrations"
        skip = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(ROOT / "alembic", target, dirs_exist_ok=True, ignore=skip)


setup(cmdclass={"build_py": BuildWithMigrations})
