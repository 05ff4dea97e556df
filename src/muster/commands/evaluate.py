"""`muster eval pairs` and `muster eval identify`: accuracy on a protocol file (formats in
muster.eval.protocols), with the real pipeline and an on-disk embedding cache; `muster eval
liveness`: the passive liveness check's error rates on the spoof sets."""

from __future__ import annotations

from pathlib import Path

import click

from muster.commands.context import load_settings
from muster.domain.errors import MusterError
from muster.eval.identify import IdentificationReport
from muster.eval.pairs import PairsReport
from muster.eval.report import identification_lines, pairs_lines, write_json
from muster.eval.run import DEFAULT_CACHE_DIR, EmbeddingSource, run_identification, run_pairs
from muster.matching import DEFAULT_OPEN_SET_SCORER
from muster.matching.normalization import (
    CohortCentredScorer,
    OpenSetScorer,
    RawSimilarityScorer,
)

_SCORERS: dict[str, OpenSetScorer] = {
    "default": DEFAULT_OPEN_SET_SCORER,
    "cohort": CohortCentredScorer(),
    "raw": RawSimilarityScorer(),
}

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUTPUT = click.Path(dir_okay=False, path_type=Path)


@click.group(name="eval")
def eval_group() -> None:
    """Measure accuracy on a protocol file (minutes; embeddings are cached)."""


def _source(cache_dir: Path, progress: bool) -> EmbeddingSource:
    return EmbeddingSource(load_settings().vision, cache_dir, progress)


def _finish(
    report: PairsReport | IdentificationReport, lines: list[str], json_file: Path | None
) -> None:
    for line in lines:
        click.echo(line)
    if json_file is not None:
        write_json(report, json_file)
        click.echo(f"wrote {json_file}", err=True)


cache_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CACHE_DIR,
    show_default=True,
    help="Where embeddings are cached (keyed by image path, mtime and pipeline settings).",
)
json_option = click.option("--json", "json_file", type=_OUTPUT, help="Also write the numbers here.")
progress_option = click.option("--progress/--no-progress", default=True, help="Progress bar.")


@eval_group.command()
@click.argument("pairs_file", type=_FILE)
@click.option("--train", "train_file", type=_FILE, help="Train pairs, to pick the threshold.")
@click.option("--far", type=click.FloatRange(0.0, 1.0), default=1e-3, show_default=True)
@cache_option
@json_option
@progress_option
def pairs(
    *,
    pairs_file: Path,
    train_file: Path | None,
    far: float,
    cache_dir: Path,
    json_file: Path | None,
    progress: bool,
) -> None:
    """Verification accuracy on PAIRS_FILE (columns path_a, path_b, same, and fold or split)."""
    try:
        report = run_pairs(pairs_file, _source(cache_dir, progress), train_file=train_file, far=far)
    except MusterError as exc:
        raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
    _finish(report, pairs_lines(report), json_file)


@eval_group.command()
@click.argument("protocol_file", type=_FILE)
@click.option(
    "--scorer",
    type=click.Choice(sorted(_SCORERS)),
    default="default",
    show_default=True,
    help="Open-set score: 'cohort' (gallery-normalised), 'raw' cosine, or 'default' (cohort "
    "from 100 enrolled persons, raw below).",
)
@click.option("--det-png", type=_OUTPUT, help="Draw the DET curve into this PNG.")
@cache_option
@json_option
@progress_option
def identify(
    *,
    protocol_file: Path,
    scorer: str,
    det_png: Path | None,
    cache_dir: Path,
    json_file: Path | None,
    progress: bool,
) -> None:
    """Open-set identification on PROTOCOL_FILE (columns path, identity, role)."""
    try:
        report = run_identification(
            protocol_file, _source(cache_dir, progress), _SCORERS[scorer], det_png=det_png
        )
    except MusterError as exc:
        raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
    _finish(report, identification_lines(report), json_file)


@eval_group.command()
@click.argument("faces_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--every",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="Score every N-th labelled image only (spoof_silent_face is always scored whole).",
)
@click.option("--videos/--no-videos", default=True, help="Also score the live/replay video pair.")
@json_option
@progress_option
def liveness(
    *, faces_dir: Path, every: int, videos: bool, json_file: Path | None, progress: bool
) -> None:
    """Passive liveness APCER/BPCER on the spoof sets under FACES_DIR (../shared/faces)."""
    # Imported here: it loads dlib, which the other commands do not need.
    from muster.eval.liveness import (  # noqa: PLC0415
        FrameScorer,
        liveness_lines,
        run_liveness,
        write_liveness_json,
    )

    settings = load_settings()
    try:
        report = run_liveness(
            faces_dir,
            FrameScorer(settings.vision, settings.liveness),
            every=every,
            videos=videos,
            progress=progress,
        )
    except MusterError as exc:
        raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
    for line in liveness_lines(report):
        click.echo(line)
    if json_file is not None:
        write_liveness_json(report, json_file)
        click.echo(f"wrote {json_file}", err=True)
