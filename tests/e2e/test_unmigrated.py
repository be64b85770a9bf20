"""Commands that need the schema refuse an unmigrated database with one line, not a traceback."""

from __future__ import annotations

import pytest

from tests.support.proc import run_monitor

CONFIG = '[[brands]]\nname = "Acme"\nquery = "acme"\n'


@pytest.mark.parametrize("command", [["worker"], ["api", "--port", "1"], ["eval", "--team"]])
def test_unmigrated_database_exits_2_with_one_line(tmp_path, command):
    path = tmp_path / "monitor.toml"
    path.write_text(CONFIG)
    res = run_monitor(*command, "--config", str(path), db_url=f"sqlite:///{tmp_path}/x.db", timeout=30)
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert lines == ["the database schema is not created: run `monitor db upgrade`"], res.stderr
    assert res.stdout == ""
