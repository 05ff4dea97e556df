"""Face templates keep their embeddings bit for bit, and every change to the gallery bumps the
gallery version."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from muster.domain.errors import ConflictError, NotFoundError
from muster.domain.people import TemplateSource
from muster.storage import Repositories

from .factories import MODEL, QUALITY, add_person, add_template, jpeg_thumbnail, unit_embedding


def test_a_template_round_trips_with_an_exact_embedding(repos: Repositories) -> None:
    person = add_person(repos)
    embedding = unit_embedding(7)

    template = repos.templates.add(
        person_id=person.id,
        embedding=embedding,
        model_name=MODEL[0],
        model_version=MODEL[1],
        quality=QUALITY,
        source=TemplateSource.WEBCAM,
        thumbnail_jpeg=jpeg_thumbnail(7),
    )
    stored = repos.templates.get(template.id)

    assert stored.embedding.dtype == np.float32
    assert np.array_equal(stored.embedding, embedding)
    assert (stored.quality, stored.source, stored.thumbnail_jpeg) == (
        QUALITY,
        TemplateSource.WEBCAM,
        jpeg_thumbnail(7),
    )
    assert (stored.model_name, stored.model_version) == MODEL
    assert repos.templates.for_person(person.id)[0].id == template.id


def test_the_gallery_holds_active_people_of_one_model_without_thumbnails(
    repos: Repositories,
) -> None:
    ada, bob = add_person(repos, "Ada"), add_person(repos, "Bob")
    kept = add_template(repos, ada.id, seed=1)
    add_template(repos, bob.id, seed=2)
    repos.people.save(replace(bob, active=False))
    repos.templates.add(
        person_id=ada.id,
        embedding=unit_embedding(3, dimension=512),
        model_name="other_model",
        model_version="2",
        quality=QUALITY,
        source=TemplateSource.IMPORT,
    )

    version, gallery = repos.templates.gallery(*MODEL)

    assert [t.id for t in gallery] == [kept]
    assert gallery[0].thumbnail_jpeg is None
    assert np.array_equal(gallery[0].embedding, unit_embedding(1))
    assert version == repos.templates.gallery_version()


def test_adding_and_deleting_templates_bumps_the_gallery_version(repos: Repositories) -> None:
    person = add_person(repos)
    before = repos.templates.gallery_version()

    first = add_template(repos, person.id, seed=1)
    add_template(repos, person.id, seed=2)
    after_adds = repos.templates.gallery_version()
    repos.templates.delete(first)

    assert after_adds == before + 2
    assert repos.templates.gallery_version() == before + 3
    with pytest.raises(NotFoundError):
        repos.templates.get(first)


def test_a_failed_template_insert_does_not_bump_the_gallery_version(repos: Repositories) -> None:
    before = repos.templates.gallery_version()

    with pytest.raises(NotFoundError):
        add_template(repos, person_id=404)

    assert repos.templates.gallery_version() == before


def test_an_erased_person_cannot_be_enrolled_again(repos: Repositories) -> None:
    person = add_person(repos)
    repos.people.erase(person.id, actor="admin")

    with pytest.raises(ConflictError, match="erased"):
        add_template(repos, person.id)
