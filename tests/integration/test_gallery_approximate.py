"""The gallery switches to the approximate (HNSW) index above its template-count setting and
still names the right person, also after another process deletes a template; an exact gallery
that ranks only a few persons gives the same first ones. Real: SQLite and
PostgreSQL through the repositories, usearch; the embeddings are seeded random unit vectors."""

from __future__ import annotations

import numpy as np
import pytest

from muster.domain.faces import Embedding
from muster.matching.normalization import CohortCentredScorer
from muster.services.gallery import Gallery
from muster.storage import Database, Repositories

from .factories import MODEL, add_person, add_template, unit_embedding

PEOPLE = 30


def enrol_people(repos: Repositories) -> dict[int, int]:
    """Two templates each; returns person id by the seed of their first template."""
    person_of_seed: dict[int, int] = {}
    for n in range(PEOPLE):
        person = add_person(repos, f"Person {n}")
        for seed in (2 * n, 2 * n + 1):
            add_template(repos, person.id, seed=seed)
        person_of_seed[2 * n] = person.id
    return person_of_seed


def near(seed: int) -> Embedding:
    moved = unit_embedding(seed) + 0.3 * unit_embedding(10_000 + seed)
    return np.asarray(moved / np.linalg.norm(moved), dtype=np.float32)


def test_above_the_threshold_the_gallery_searches_approximately_with_the_same_answers(
    database: Database,
) -> None:
    repos = Repositories.create(database)
    person_of_seed = enrol_people(repos)
    exact = Gallery(repos.templates, model_name=MODEL[0], model_version=MODEL[1])
    approximate = Gallery(
        repos.templates,
        model_name=MODEL[0],
        model_version=MODEL[1],
        approximate_above_templates=2 * PEOPLE - 1,
        candidate_templates=16,
    )
    scorer = CohortCentredScorer()

    for seed, person_id in list(person_of_seed.items())[::5]:
        want = exact.ranked(near(seed), scorer).top(2)
        got = approximate.ranked(near(seed), scorer).top(2)
        assert got[0].person_id == want[0].person_id == person_id
        assert got[0].score == pytest.approx(want[0].score, abs=2e-3)
        assert approximate.ranked(near(seed)).top(1)[0].person_id == person_id
    assert approximate.is_approximate
    assert not exact.is_approximate
    assert approximate.template_count() == 2 * PEOPLE


def test_a_template_deleted_elsewhere_leaves_the_approximate_gallery(database: Database) -> None:
    repos = Repositories.create(database)
    person_of_seed = enrol_people(repos)
    gallery = Gallery(
        repos.templates,
        model_name=MODEL[0],
        model_version=MODEL[1],
        approximate_above_templates=10,
        refresh_interval_s=0.0,
    )
    first = gallery.ranked(unit_embedding(0)).top(1)[0]
    assert first.person_id == person_of_seed[0]

    repos.templates.delete(first.template_id)

    assert first.template_id not in [
        c.template_id for c in gallery.ranked(unit_embedding(0)).top(5)
    ]
    assert gallery.template_count() == 2 * PEOPLE - 1


def test_an_exact_gallery_ranking_a_few_persons_gives_the_same_best_and_runner_up(
    database: Database,
) -> None:
    repos = Repositories.create(database)
    person_of_seed = enrol_people(repos)
    everyone = Gallery(repos.templates, model_name=MODEL[0], model_version=MODEL[1])
    scorer = CohortCentredScorer(cohort_size=5)
    limited = Gallery(
        repos.templates,
        model_name=MODEL[0],
        model_version=MODEL[1],
        max_ranked_persons=scorer.cohort_size + 1,
    )

    for seed, person_id in list(person_of_seed.items())[::3]:
        want = everyone.ranked(near(seed), scorer)
        got = limited.ranked(near(seed), scorer)
        assert (len(got), len(want)) == (6, PEOPLE)
        assert got.top(2) == want.top(2)
        assert got.top(1)[0].person_id == person_id
    assert not limited.is_approximate
