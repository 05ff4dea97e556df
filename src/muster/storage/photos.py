"""Enrolment photos kept on disk, for sites whose privacy settings ask for them.

By default Muster keeps no photo: a template is an embedding plus, if allowed, a small face
thumbnail. A site that must be able to re-enrol everyone when the recognition model changes
can turn `privacy.store_enrolment_photos` on; the photos then live here, one folder per
person, and go with the person's erasure, their consent withdrawal, the deletion of their
template and the retention purge.

Layout: <root>/<person_id>/<template_id>.jpg. Photos are re-encoded from the decoded pixels,
which drops the upload's metadata (EXIF GPS position, camera serial number). The folder is
local to one machine: with several replicas, point `data_dir` at shared storage.
"""

from __future__ import annotations

import io
import shutil
from datetime import datetime
from pathlib import Path

from PIL import Image

from muster.domain.faces import RGBImage

_JPEG_QUALITY = 92


class PhotoStore:
    """Files under `root`; the folder is created on the first save. Safe to use from several
    threads: each call touches its own files, and removals tolerate files already gone."""

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def save(self, person_id: int, template_id: int, image: RGBImage) -> Path:
        """Write `image` as the photo behind `template_id`; returns its path."""
        folder = self._root / str(person_id)
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=_JPEG_QUALITY)
        path = folder / f"{template_id}.jpg"
        # Write then rename, so a reader never sees half a file.
        partial = path.with_suffix(".part")
        partial.write_bytes(buffer.getvalue())
        partial.replace(path)
        return path

    def paths(self, person_id: int) -> list[Path]:
        """The person's stored photos, by template id."""
        folder = self._root / str(person_id)
        if not folder.is_dir():
            return []
        return sorted(folder.glob("*.jpg"), key=lambda path: int(path.stem))

    def delete_template(self, person_id: int, template_id: int) -> bool:
        """Remove the photo behind one template; False when there was none."""
        path = self._root / str(person_id) / f"{template_id}.jpg"
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def delete_person(self, person_id: int) -> int:
        """Remove every photo of the person, with their folder; returns how many there were."""
        folder = self._root / str(person_id)
        count = len(self.paths(person_id))
        shutil.rmtree(folder, ignore_errors=True)
        return count

    def purge(self, saved_before: datetime) -> int:
        """Retention: remove every photo written before `saved_before` (file modification
        time); returns how many were removed."""
        if not self._root.is_dir():
            return 0
        cutoff_s = saved_before.timestamp()
        removed = 0
        for path in self._root.glob("*/*.jpg"):
            try:
                if path.stat().st_mtime < cutoff_s:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed
