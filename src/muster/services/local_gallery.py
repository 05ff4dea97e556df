"""The local gallery file of `muster enroll` / `muster identify`: enrolled faces without a
database, for trying Muster on a folder of photos.

Format (version 1): one NumPy ``.npz`` archive, written without pickles, holding

===================  =================  ==================================================
key                  dtype, shape       meaning
===================  =================  ==================================================
``format``           str, ()            always ``"muster-local-gallery"``
``format_version``   int64, ()          ``1``; a reader refuses versions it does not know
``model_name``       str, ()            the embedder, e.g. ``dlib_face_recognition_resnet_model_v1``
``model_version``    str, ()            its version; embeddings of other models never compare
``people``           str, (P,)          person names (the enrolment folder names), sorted
``template_person``  int64, (N,)        per template: its person's index into ``people``
``embeddings``       float32, (N, D)    per template: the unit-length face embedding
``quality``          float32, (N, 6)    per template: the measured `FaceQuality`, columns
                                        named by ``quality_fields``
``quality_fields``   str, (6,)          ``interocular_px sharpness yaw_deg pitch_deg
                                        brightness contrast``
``sources``          str, (N,)          per template: its photo, relative to the enrolled folder
===================  =================  ==================================================

A new version gets a new number and a reader for it; files are never silently reinterpreted.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from muster.domain.errors import MusterError
from muster.domain.faces import FaceQuality
from muster.matching.index import ExactIndex

FORMAT_NAME = "muster-local-gallery"
FORMAT_VERSION = 1
DEFAULT_FILE_NAME = "local-gallery.npz"
"""The gallery's file name inside the data directory (MUSTER_DATA_DIR) when none is given."""

QUALITY_FIELDS = tuple(field.name for field in dataclasses.fields(FaceQuality))

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


class LocalGalleryError(MusterError):
    """The gallery file is missing, unreadable, of another format version or another model."""

    code = "invalid_gallery"


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalTemplate:
    """One enrolled photo's face: whose it is, its embedding and quality, and its photo."""

    person: str
    embedding: FloatArray
    quality: FaceQuality
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LocalGallery:
    """Enrolled faces of one embedder model. Several templates may share a person."""

    model_name: str
    model_version: str
    templates: tuple[LocalTemplate, ...]

    @property
    def people(self) -> list[str]:
        """Every enrolled person's name, sorted."""
        return sorted({template.person for template in self.templates})

    def index(self) -> ExactIndex[str]:
        """An exact search index over the templates (template id = position), by name."""
        dim = self.templates[0].embedding.shape[0] if self.templates else 128
        index: ExactIndex[str] = ExactIndex(dim)
        for template_id, template in enumerate(self.templates):
            index.add(template_id, template.person, template.embedding)
        return index

    def save(self, path: Path) -> None:
        """Writes the gallery to `path` (parent folders created), replacing it atomically:
        a reader never sees a half-written file. Raises LocalGalleryError when it cannot."""
        people = self.people
        code_of = {name: code for code, name in enumerate(people)}
        # Any: numpy's stubs type **kwds of savez as its own bool flag.
        arrays: dict[str, Any] = {
            "format": np.array(FORMAT_NAME),
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "model_name": np.array(self.model_name),
            "model_version": np.array(self.model_version),
            "people": np.array(people, dtype=str),
            "template_person": np.array(
                [code_of[t.person] for t in self.templates], dtype=np.int64
            ),
            "embeddings": _stack([t.embedding for t in self.templates]),
            "quality": np.array(
                [[getattr(t.quality, name) for name in QUALITY_FIELDS] for t in self.templates],
                dtype=np.float32,
            ).reshape(-1, len(QUALITY_FIELDS)),
            "quality_fields": np.array(QUALITY_FIELDS, dtype=str),
            "sources": np.array([t.source for t in self.templates], dtype=str),
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        except OSError as error:
            raise LocalGalleryError(f"cannot write the gallery {path}: {error.strerror}") from error
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **arrays)
            os.replace(temporary, path)
        except OSError as error:
            Path(temporary).unlink(missing_ok=True)
            raise LocalGalleryError(f"cannot write the gallery {path}: {error.strerror}") from error

    @classmethod
    def load(cls, path: Path, *, model_name: str, model_version: str) -> LocalGallery:
        """Reads a gallery written by `save`. Raises LocalGalleryError, saying what to do,
        when the file is missing or damaged, of an unknown format version, or made with
        another embedder than `model_name` / `model_version`."""
        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except FileNotFoundError:
            raise LocalGalleryError(
                f"no gallery at {path}; create one with `muster enroll DIR --gallery {path}`"
            ) from None
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise LocalGalleryError(
                f"{path} is not a readable Muster gallery ({error}); "
                "re-create it with `muster enroll`"
            ) from error
        _check_header(arrays, path, model_name, model_version)
        return cls(
            model_name=model_name, model_version=model_version, templates=_templates(arrays, path)
        )


def _check_header(
    arrays: dict[str, npt.NDArray[np.generic]], path: Path, model_name: str, model_version: str
) -> None:
    if str(arrays.get("format", "")) != FORMAT_NAME or "format_version" not in arrays:
        raise LocalGalleryError(f"{path} is not a Muster gallery file (made by `muster enroll`)")
    version = int(arrays["format_version"])
    if version != FORMAT_VERSION:
        raise LocalGalleryError(
            f"{path} has gallery format version {version}, this Muster reads version "
            f"{FORMAT_VERSION}; re-create it with `muster enroll`"
        )
    made_with = (str(arrays["model_name"]), str(arrays["model_version"]))
    if made_with != (model_name, model_version):
        raise LocalGalleryError(
            f"{path} was made with the embedder {made_with[0]} v{made_with[1]}, but this "
            f"Muster uses {model_name} v{model_version}; re-create it with `muster enroll`"
        )


def _templates(arrays: dict[str, npt.NDArray[np.generic]], path: Path) -> tuple[LocalTemplate, ...]:
    try:
        people = [str(name) for name in arrays["people"]]
        codes = [int(code) for code in arrays["template_person"]]
        embeddings = np.asarray(arrays["embeddings"], dtype=np.float32)
        fields = [str(name) for name in arrays["quality_fields"]]
        qualities = np.asarray(arrays["quality"], dtype=np.float64)
        sources = [str(source) for source in arrays["sources"]]
        columns = [fields.index(name) for name in QUALITY_FIELDS]
        return tuple(
            LocalTemplate(
                person=people[code],
                embedding=embeddings[row],
                quality=FaceQuality(*(float(qualities[row, column]) for column in columns)),
                source=sources[row],
            )
            for row, code in enumerate(codes)
        )
    except (KeyError, IndexError, ValueError) as error:
        raise LocalGalleryError(
            f"{path} is a damaged Muster gallery ({error!r}); re-create it with `muster enroll`"
        ) from error


def _stack(embeddings: list[FloatArray]) -> FloatArray:
    if not embeddings:
        return np.zeros((0, 128), dtype=np.float32)
    return np.stack(embeddings).astype(np.float32)
