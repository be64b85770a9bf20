"""The feedback loop: a team corrects scores through the API, `monitor train --config` folds the
corrections into the deployment's own model, and the worker's scorer reads that model.

A brand whose customers say "the zorb is ghosting" for "the service is down" is a wording no corpus
has; thirty corrections teach it. The base corpus here is a slice of the bundled one, so the
test trains in seconds; the mechanism is the one `monitor train` runs on the full corpus.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from monitor.app import create_app
from monitor.brands.models import Brand
from monitor.cli_score import run_eval_team
from monitor.cli_train import run_train
from monitor.config import load_config
from monitor.mentions.models import Mention
from monitor.pipeline import scorer_for
from monitor.scoring import ScoreInput, Scorer
from monitor.sources.models import Source
from monitor.training.corpus import CORPUS
from monitor.training.team import team_rows

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BRAND = "Zorblax Networks"
# The brand's customers' own words for an outage, taught by the team (ten shapes, three cities each).
TAUGHT = [
    "the zorb is ghosting again in {c}, third night this week",
    "zorb ghosting since 8pm in {c}, anyone else?",
    "@zorblax is the zorb ghosting for everyone in {c} or just me",
    "my zorb went full ghost mode in {c} again",
    "zorb ghosted mid-call in {c}, whole street is the same",
    "{c}: zorb ghosting, modem lights all amber",
    "zorb has been ghosting all morning in {c}, cant work",
    "is the zorb ghosting in {c}?? nothing loads",
    "ghosting zorb again, {c}, this is getting old",
    "zorb ghost hour in {c} again, zero connection",
]
CITIES = ["Leeds", "Austin", "Porto"]
# Unseen sentences in the same idiom, and ordinary talk about the brand.
NEW_GHOSTING = [
    "zorb ghosting in Denver tonight, nothing works",
    "@zorblax the zorb is ghosting again here in Oslo",
    "whole block in Lyon says the zorb is ghosting",
    "zorb ghosting again?? second time today in Tampa",
]
CHATTER = [
    "Zorblax Networks installed fibre on our street today, friendly crew",
    "thinking about switching to Zorblax Networks, how are their prices?",
]


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """Every 6th row of the bundled corpus: enough to train on, small enough for a test."""
    out = tmp_path / "corpus"
    out.mkdir()
    for path in sorted(CORPUS.glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        (out / path.name).write_text("\n".join(lines[::6]) + "\n", encoding="utf-8")
    return out


@pytest.fixture
def deployment(tmp_path: Path, db_url: str, session_factory) -> tuple[Path, list[int]]:
    """A configured deployment whose database holds the brand's mentions, as the worker stored them."""
    config = tmp_path / "monitor.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        '[detector]\nmodel = "models/team.npz"\n'
        f'[[brands]]\nname = "{BRAND}"\nquery = "zorblax OR zorb"\n',
        encoding="utf-8",
    )
    ids = []
    with session_factory() as s:
        brand = Brand(name=BRAND, query="zorblax OR zorb", handles=[], created_at=NOW)
        source = Source(name="x", kind="x", next_poll_at=NOW, created_at=NOW)
        s.add_all([brand, source])
        s.flush()
        texts = [t.format(c=c) for t in TAUGHT for c in CITIES] + CHATTER
        for n, text in enumerate(texts):
            m = Mention(
                source_id=source.id,
                brand_id=brand.id,
                external_id=f"z{n}",
                text=text,
                published_at=NOW - timedelta(minutes=n),
                sentiment=0.0,
                urgency=0.1,
                is_incident=False,
                raw={},
            )
            s.add(m)
            s.flush()
            ids.append(m.id)
        s.commit()
    return config, ids


def _flagged(scorer: Scorer, texts: list[str]) -> list[str | None]:
    return [
        s.category if s.incident else None
        for s in scorer.score_many([ScoreInput(t, brand=BRAND) for t in texts])
    ]


def test_corrections_from_the_api_teach_the_deployment_its_customers_words(
    deployment: tuple[Path, list[int]], small_corpus: Path, engine, session_factory
) -> None:
    config_path, ids = deployment
    config = load_config(config_path)
    taught = len(TAUGHT) * len(CITIES)
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as client:
        for mid in ids[:taught]:
            resp = client.post(f"/api/mentions/{mid}/label", json={"category": "outage", "by": "dana"})
            assert resp.status_code == 200, resp.text
        for mid in ids[taught:]:
            assert client.post(f"/api/mentions/{mid}/label", json={"incident": False}).status_code == 200
    with session_factory() as s:
        rows = team_rows(s, weight=config.detector.team_weight)
    assert len(rows) == taught + len(CHATTER)
    assert {(r.incident, r.category, r.source, r.weight) for r in rows[:taught]} == {
        (True, "outage", "team", 5.0)
    }

    before = Scorer(model=None)
    out, err = io.StringIO(), io.StringIO()
    code = run_train(
        config=config, database_url=config.database.url, output=None, corpus=small_corpus, out=out, err=err
    )
    assert code == 0, err.getvalue()
    report = out.getvalue()
    assert f"and {len(rows)} team labels" in report
    assert "team labels, shipped model (before)" in report
    assert "team labels, with your labels (after, cross-validated)" in report
    model = config_path.parent / "models" / "team.npz"
    assert model.exists() and model.with_suffix(".json").exists()
    assert json.loads(model.with_suffix(".json").read_text())["team"]["labels"] == len(rows)

    out = io.StringIO()
    assert run_eval_team(config, config.database.url, out, io.StringIO()) == 0  # `monitor eval --team`
    report = out.getvalue()
    assert report.count(f"{len(rows)} labeled mentions") == 2
    assert "shipped model (before)" in report and "this deployment's model (after" in report

    after = scorer_for(config)  # what the worker and the API load for this deployment
    assert after.version != before.version
    assert _flagged(after, NEW_GHOSTING) == ["outage"] * len(NEW_GHOSTING)
    assert _flagged(after, CHATTER) == [None, None]
    assert _flagged(before, NEW_GHOSTING).count("outage") < len(NEW_GHOSTING)


def test_team_labels_need_a_place_for_the_deployments_model(
    deployment: tuple[Path, list[int]], small_corpus: Path, engine
) -> None:
    config_path, ids = deployment
    config_path.write_text(config_path.read_text().replace('[detector]\nmodel = "models/team.npz"\n', ""))
    config = load_config(config_path)
    with TestClient(create_app(config, engine=engine), base_url="http://127.0.0.1") as client:
        assert client.post(f"/api/mentions/{ids[0]}/label", json={"incident": True}).status_code == 200
    out, err = io.StringIO(), io.StringIO()
    code = run_train(
        config=config, database_url=config.database.url, output=None, corpus=small_corpus, out=out, err=err
    )
    assert code == 2
    assert "[detector] model" in err.getvalue() and "--output" in err.getvalue()


def test_a_bad_corpus_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"id": "x", "text": "hi", "incident": true}\n')
    err = io.StringIO()
    assert (
        run_train(
            config=None,
            database_url=None,
            output=tmp_path / "m.npz",
            corpus=tmp_path,
            out=io.StringIO(),
            err=err,
        )
        == 2
    )
    assert err.getvalue() == "error: bad.jsonl: line 1: an incident needs a category\n"
