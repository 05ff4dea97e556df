"""Enrolling a folder of photos into a `LocalGallery`: DIR/<person>/<photos>.

Each photo must show exactly one face that passes the enrolment quality gates
(`muster.domain.quality_gates`); any other photo is skipped with the reason, never guessed at:
with several faces we cannot know which one is the person, and one poor template causes
false matches for as long as it is enrolled.

Large folders are enrolled by one worker process per idle CPU core
(`muster.services.parallel_photos`): dlib's HOG detector holds the GIL, so threads cannot
share the work out, while the photos are independent of each other. The gallery is the same
as a serial run's, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from muster.config import VisionSettings
from muster.domain.errors import InvalidImageError, MusterError
from muster.domain.quality_gates import QualityPolicy, check_face_count
from muster.services.local_gallery import LocalGallery, LocalTemplate
from muster.services.parallel_photos import map_in_workers, worker_count, worker_pipeline
from muster.vision.pipeline import FacePipeline

Progress = Callable[[Sequence[Path]], Iterable[Path]]
"""Wraps the photos to process, e.g. in a progress bar; must yield each of them once, in
order (it only paces the loop: results are matched to photos by position)."""


class EnrolmentFolderError(MusterError):
    """The folder to enrol is missing or not laid out as DIR/<person>/<photos>."""

    code = "invalid_enrolment_folder"


@dataclass(frozen=True, slots=True)
class SkippedPhoto:
    """A photo that gave no template. `code` is a `QualityCode` value or the decoding
    error's code; `reason` says it to a person."""

    photo: Path
    code: str
    reason: str


@dataclass(slots=True)
class PersonEnrolment:
    """What became of one person's photos (paths as found under the enrolled folder)."""

    person: str
    enrolled: list[Path] = field(default_factory=list)
    skipped: list[SkippedPhoto] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FolderEnrolment:
    """Every person folder's outcome (sorted by name), the gallery of every enrolled photo,
    and the entries that are not DIR/<person>/<file> and were ignored."""

    people: list[PersonEnrolment]
    gallery: LocalGallery
    ignored: list[Path]


def find_photos(root: Path) -> tuple[dict[str, list[Path]], list[Path]]:
    """Photos by person (folder name), sorted, and the ignored entries: files directly in
    `root` and folders inside person folders. Hidden entries (``.name``) are left out.
    Raises EnrolmentFolderError when `root` is not a folder or has no person folders."""
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise EnrolmentFolderError(
            f"{root} {what}; give a folder with one sub-folder of photos per person"
        )
    photos: dict[str, list[Path]] = {}
    ignored: list[Path] = []
    for entry in _visible(root):
        if not entry.is_dir():
            ignored.append(entry)
            continue
        photos[entry.name] = []
        for item in _visible(entry):
            (photos[entry.name] if item.is_file() else ignored).append(item)
    if not photos:
        raise EnrolmentFolderError(
            f"{root} has no person folders; put each person's photos in {root}/<name>/"
        )
    return photos, ignored


def enrol_photo(
    pipeline: FacePipeline, policy: QualityPolicy, person: str, photo: Path, root: Path
) -> LocalTemplate | SkippedPhoto:
    """The photo's one face as a template of `person`, or why it was skipped."""
    try:
        faces = pipeline.analyze_path(photo)
    except InvalidImageError as error:
        return SkippedPhoto(photo, error.code, error.message)
    count_problem = check_face_count(len(faces))
    if count_problem is not None:
        return SkippedPhoto(photo, count_problem.code.value, count_problem.message)
    face = faces[0]
    problems = policy.check(face.quality)
    if problems:
        return SkippedPhoto(photo, problems[0].code.value, "; ".join(p.message for p in problems))
    return LocalTemplate(
        person=person,
        embedding=face.embedding,
        quality=face.quality,
        source=photo.relative_to(root).as_posix(),
    )


def enrol_folder(
    root: Path,
    pipeline: FacePipeline,
    *,
    model_name: str,
    model_version: str,
    policy: QualityPolicy,
    progress: Progress = list,
    workers: int | None = None,
) -> FolderEnrolment:
    """Enrols every photo under `root` (see `find_photos`), each through `enrol_photo` with
    the quality gates of `policy`.

    `workers` processes share the photos out (None: one per idle CPU core when the folder
    is large enough to repay their start-up, see `worker_count`). Workers build their own
    pipeline from `pipeline.settings` with the default model files; the gallery and the
    report are the same as with `workers=1`, which runs `pipeline` in this process.
    The gallery may be empty when no photo passed; the caller decides whether to save it."""
    photos, ignored = find_photos(root)
    person_of = {photo: person for person, paths in photos.items() for photo in paths}
    outcomes = {person: PersonEnrolment(person) for person in photos}
    templates: list[LocalTemplate] = []
    ordered = list(person_of)
    jobs = [_PhotoJob(pipeline.settings, policy, person_of[p], p, root) for p in ordered]
    count = worker_count(workers, len(jobs))
    results: Iterator[LocalTemplate | SkippedPhoto] = (
        map_in_workers(_enrol_job, jobs, count)
        if count > 1
        else (enrol_photo(pipeline, policy, job.person, job.photo, root) for job in jobs)
    )
    for photo, result in zip(progress(ordered), results, strict=True):
        person = person_of[photo]
        if isinstance(result, SkippedPhoto):
            outcomes[person].skipped.append(result)
        else:
            outcomes[person].enrolled.append(photo)
            templates.append(result)
    gallery = LocalGallery(
        model_name=model_name, model_version=model_version, templates=tuple(templates)
    )
    return FolderEnrolment(people=list(outcomes.values()), gallery=gallery, ignored=ignored)


@dataclass(frozen=True, slots=True)
class _PhotoJob:
    """One photo to enrol in a worker process (everything it needs, picklable)."""

    vision: VisionSettings
    policy: QualityPolicy
    person: str
    photo: Path
    root: Path


def _enrol_job(job: _PhotoJob) -> LocalTemplate | SkippedPhoto:
    return enrol_photo(worker_pipeline(job.vision), job.policy, job.person, job.photo, job.root)


def _visible(folder: Path) -> list[Path]:
    try:
        return sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))
    except OSError as error:
        raise EnrolmentFolderError(f"cannot list {folder}: {error.strerror}") from error
