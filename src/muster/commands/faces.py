"""`muster enroll`, `muster identify` and `muster verify`: faces against a local gallery file
(`muster.services.local_gallery`), with no database, for trying Muster on a folder of photos.

Output goes to stdout (text, or JSON with --json); progress and errors go to stderr. An error
(missing or unreadable file, no face, no gallery) is one line and a non-zero exit status; a
verification that finds two different people is an answer, not an error (status 0).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from muster.commands.context import load_settings
from muster.commands.faces_output import (
    ImageOutcome,
    enrolment_lines,
    identification_lines,
    image_json,
    verification_json,
    verification_line,
)
from muster.config import Settings
from muster.domain.errors import MusterError
from muster.services.container import EMBEDDER_NAME, embedder_version
from muster.services.local_enrolment import enrol_folder
from muster.services.local_gallery import DEFAULT_FILE_NAME, LocalGallery, LocalGalleryError
from muster.services.local_recognition import (
    LFW_VERIFICATION_MIN_SIMILARITY,
    LocalRecognizer,
    find_faces,
    verify_photos,
)
from muster.vision.pipeline import FacePipeline

_SIMILARITY = click.FloatRange(-1.0, 1.0)

gallery_option = click.option(
    "--gallery",
    "gallery_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The gallery file. Default: {DEFAULT_FILE_NAME} in MUSTER_DATA_DIR (./data).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@gallery_option
def enroll(folder: Path, gallery_file: Path | None) -> None:
    """Build a local gallery from FOLDER/<person>/<photos>.

    The gallery file is replaced. Each photo must show exactly one face that passes the
    enrolment quality gates (MUSTER_ENROLMENT__*); the others are skipped, and the report
    says which and why. The person's name is the folder name."""
    settings = load_settings()
    target = gallery_file or _default_gallery(settings)
    with one_line_errors():
        pipeline = _warm_pipeline(settings)
        result = enrol_folder(
            folder,
            pipeline,
            model_name=EMBEDDER_NAME,
            model_version=embedder_version(settings.vision),
            policy=settings.enrolment.quality_policy(),
            progress=_progress_bar,
        )
        for line in enrolment_lines(result, folder):
            click.echo(line)
        if not result.gallery.templates:
            raise LocalGalleryError(f"no photo under {folder} could be enrolled; nothing written")
        result.gallery.save(target)
    gallery = result.gallery
    click.echo(f"Wrote {len(gallery.templates)} photos of {len(gallery.people)} people to {target}")


@click.command()
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@gallery_option
@json_option
@click.option(
    "--min-similarity",
    type=_SIMILARITY,
    help="A fixed open-set threshold (cosine similarity, higher is stricter). Default: "
    "calibrated from the gallery for MUSTER_RECOGNITION__TARGET_FPIR.",
)
def identify(
    images: tuple[Path, ...], gallery_file: Path | None, as_json: bool, min_similarity: float | None
) -> None:
    """Name the faces in each IMAGE from the local gallery.

    Every face gets the enrolled person it matches, or "unknown" with the reason. Exits with
    status 1 when an image could not be read or had no face (the others are still
    reported)."""
    settings = load_settings()
    recognition = settings.recognition
    if min_similarity is not None:
        recognition = recognition.model_copy(update={"min_similarity": min_similarity})
    with one_line_errors():
        gallery = LocalGallery.load(
            gallery_file or _default_gallery(settings),
            model_name=EMBEDDER_NAME,
            model_version=embedder_version(settings.vision),
        )
        recognizer = LocalRecognizer(gallery, recognition)
        pipeline = _warm_pipeline(settings)
    outcomes = [_identify_image(pipeline, recognizer, image) for image in images]
    if as_json:
        click.echo(json.dumps([image_json(o, recognizer.threshold) for o in outcomes], indent=2))
    else:
        for line in identification_lines(outcomes, recognizer.threshold):
            click.echo(line)
    if any(outcome.error is not None for outcome in outcomes):
        raise SystemExit(1)


@click.command()
@click.argument("photo_a", type=click.Path(path_type=Path))
@click.argument("photo_b", type=click.Path(path_type=Path))
@json_option
@click.option(
    "--min-similarity",
    type=_SIMILARITY,
    help="The 1:1 threshold (cosine similarity). Default: "
    f"{LFW_VERIFICATION_MIN_SIMILARITY}, the most accurate on the LFW View-1 train pairs.",
)
def verify(photo_a: Path, photo_b: Path, as_json: bool, min_similarity: float | None) -> None:
    """Are PHOTO_A and PHOTO_B the same person?

    Compares the largest face of each photo. Exits with status 0 for both answers, non-zero
    only for errors."""
    settings = load_settings()
    threshold = LFW_VERIFICATION_MIN_SIMILARITY if min_similarity is None else min_similarity
    with one_line_errors():
        result = verify_photos(_warm_pipeline(settings), photo_a, photo_b, threshold)
    source = "lfw_view1_train" if min_similarity is None else "option"
    if as_json:
        click.echo(json.dumps(verification_json(result, photo_a, photo_b, source), indent=2))
        return
    click.echo(verification_line(result, source))
    for photo, count in ((photo_a, result.faces_a), (photo_b, result.faces_b)):
        if count > 1:
            click.echo(f"note: {photo} has {count} faces; compared the largest", err=True)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """A MusterError inside becomes one line on stderr and exit status 1, no traceback."""
    try:
        yield
    except MusterError as error:
        raise click.ClickException(f"{error.message} [{error.code}]") from error


def _identify_image(
    pipeline: FacePipeline, recognizer: LocalRecognizer, image: Path
) -> ImageOutcome:
    try:
        faces = find_faces(pipeline, image)
    except MusterError as error:
        click.echo(f"Error: {error.message} [{error.code}]", err=True)
        return ImageOutcome(image=image, matches=[], error=error)
    return ImageOutcome(image=image, matches=[recognizer.identify(f) for f in faces], error=None)


def _warm_pipeline(settings: Settings) -> FacePipeline:
    # Loading the models up front makes a missing model one error, not one per photo.
    pipeline = FacePipeline(settings.vision)
    pipeline.warm_up()
    return pipeline


def _default_gallery(settings: Settings) -> Path:
    return settings.data_dir / DEFAULT_FILE_NAME


def _progress_bar(photos: Sequence[Path]) -> Iterable[Path]:
    # disable=None: a bar on a terminal, nothing when stderr is a pipe or a file.
    bar: Iterable[Any] = tqdm(photos, desc="enrolling", unit="photo", leave=False, disable=None)
    return bar
