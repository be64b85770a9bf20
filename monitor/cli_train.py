"""`monitor train`: rebuild the detector from the corpus, and fold in a team's labels."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from monitor.config import AppConfig, detector_model
from monitor.db import make_engine, make_session_factory
from monitor.scoring.model.detector import SHIPPED, Detector, ModelError
from monitor.scoring.reader import Reader
from monitor.training.corpus import CORPUS, CorpusError, Row, load_corpus
from monitor.training.evaluate import Report, evaluate
from monitor.training.team import team_rows
from monitor.training.train import (
    TrainConfig,
    labeled_rows,
    predicted,
    read_rows,
    team_cross_validation,
    train,
    write,
)


def _line(name: str, report: Report) -> str:
    s = report.summary()

    def fmt(key: str) -> str:
        value = s[key]
        return "-" if value is None else f"{value:.3f}"

    return (
        f"{name}: n={s['n']} incident P={fmt('precision')} R={fmt('recall')} F1={fmt('f1')} "
        f"false alarms={fmt('false_alarm_rate')} category={fmt('category_accuracy')} "
        f"pricing recall={fmt('pricing_recall')} needs_reply F1={fmt('needs_reply_f1')} "
        f"opportunity F1={fmt('opportunity_f1')}"
    )


def _team(config: AppConfig, database_url: str) -> list[Row]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return team_rows(session, weight=config.detector.team_weight)
    finally:
        engine.dispose()


def run_train(
    *,
    config: AppConfig | None,
    database_url: str | None,
    output: Path | None,
    corpus: Path | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Train, report the grouped cross-validation (and the team's before/after), write the model."""
    try:
        rows = load_corpus(corpus or CORPUS)
    except CorpusError as exc:
        err.write(f"error: {exc}\n")
        return 2
    team: list[Row] = []
    if config is not None and database_url:
        team = _team(config, database_url)
    destination = output or (detector_model(config) if config is not None else None)
    if destination is None:
        if team:
            err.write(
                "error: the team's labels make a model of this deployment's own: say where it goes with "
                '[detector] model = "detector/model.npz" in the config, or --output PATH\n'
            )
            return 2
        destination = SHIPPED
    train_config = TrainConfig(team_weight=config.detector.team_weight if config else TrainConfig.team_weight)
    all_rows = [*rows, *team]
    reader = Reader()
    out.write(f"reading {len(rows)} corpus rows and {len(team)} team labels\n")
    feats = read_rows(reader, all_rows)
    result = train(all_rows, reader=reader, config=train_config, feats=feats)
    out.write(_line("cross-validation (grouped by brand)", result.report) + "\n")
    for lang, figures in result.meta["cross_validation"]["by_language"].items():
        out.write(f"  {lang}: n={figures['n']} F1={figures['f1']} category={figures['category_accuracy']}\n")
    if team:
        index = list(range(len(rows), len(all_rows)))
        try:
            shipped = Detector.load(SHIPPED)
        except ModelError as exc:
            err.write(f"warning: no shipped model to compare with ({exc})\n")
        else:
            before = labeled_rows(team, predicted(shipped, feats, index), shipped.thresholds)
            out.write(_line("team labels, shipped model (before)", evaluate(before)) + "\n")
        after = labeled_rows(
            team,
            team_cross_validation(all_rows, feats, index, train_config),
            result.detector.thresholds,
        )
        out.write(_line("team labels, with your labels (after, cross-validated)", evaluate(after)) + "\n")
        result.meta["team"] = {"labels": len(team), "after_cross_validated": evaluate(after).summary()}
    try:
        write(result, destination)
    except OSError as exc:
        err.write(f"error: cannot write the model to {destination}: {exc.strerror or exc}\n")
        return 2
    out.write(
        f"model {result.detector.version} written to {destination.with_suffix('.npz')} "
        f"(thresholds {result.detector.thresholds})\n"
    )
    return 0
