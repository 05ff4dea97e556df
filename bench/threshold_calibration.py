"""Does the open-set threshold keep its promise at every gallery size? (Not a test; prints.)

On the LFW development open-set protocol (../shared/faces/lfw_dev_identification.tsv):

1. The prior: the exponential tail of every comparison between two different gallery people
   (1,165 people, one photo each: 1.36 million comparisons, raw cosine), printed as the three
   `recognition.prior_impostor_*` settings it gives, with its fit against the empirical
   quantiles. Re-run this after changing the embedder and update the defaults.
2. Random galleries of 6, 20, 100 and all 1,165 gallery people are calibrated exactly as the
   service calibrates them (`thresholds.calibrate_index`, the default open-set scorer), for
   several target FPIRs; the unknown probes (people in no gallery) then measure the FPIR it
   really gives, and the known probes of the chosen people the true-positive identification
   rate (right person, accepted; default margin rule). Two rules side by side, in one run:
   `prior` (the service now: the default open-set scorer, cohort-centred from 100 people,
   and the prior tail until the gallery can calibrate itself) and `gallery only` (the
   service before: raw cosine at every size, and for small galleries a normal fit to their
   few scores, above all of them and at least fallback_min_similarity). The prior used for
   sizes below 1,165 is fitted on the *other* half of the people (persons split by CRC32 of
   the name), so no gallery is judged by a prior measured on its own members.

    .venv/bin/python bench/threshold_calibration.py --faces ../shared/faces

Embeddings come from the same cache as `muster eval` (out/cache/embeddings): after `make
eval-identify` this takes a minute; the first run embeds ~5,000 images (half an hour or more
on one CPU core).
"""

from __future__ import annotations

import argparse
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from muster.config import RecognitionSettings, Settings
from muster.domain.faces import Embedding
from muster.eval.protocols import Role, read_identification
from muster.eval.run import DEFAULT_CACHE_DIR, EmbeddingSource
from muster.matching import DEFAULT_OPEN_SET_SCORER
from muster.matching.calibration import (
    ExponentialTail,
    impostor_comparison_scores,
    threshold_for_false_positive_rate,
)
from muster.matching.candidates import PersonT, RankedPersons
from muster.matching.decision import Identified, OpenSetPolicy
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer, RawSimilarityScorer, ScoreScale
from muster.services.thresholds import ThresholdChoice, calibrate_index

FloatArray = npt.NDArray[np.float32]

PRIOR_SHARE = 0.003
"""The prior tail starts where this share of stranger comparisons is left."""


@dataclass(frozen=True, slots=True)
class GalleryOnly:
    """The raw cosine scorer presented as if on a scale without a prior, so the service's
    calibration falls back to the gallery's own scores (the rule before the prior)."""

    @property
    def name(self) -> str:
        return "raw cosine, gallery only"

    @property
    def scale(self) -> ScoreScale:
        return ScoreScale.COHORT_CENTRED

    def for_gallery(self, persons: int) -> OpenSetScorer:
        return self

    def rank(
        self, index: ExactIndex[PersonT], probe: Embedding, *, exclude: PersonT | None = None
    ) -> RankedPersons[PersonT]:
        return RawSimilarityScorer().rank(index, probe, exclude=exclude)


@dataclass(frozen=True, slots=True)
class Protocol:
    gallery: dict[str, FloatArray]
    known: list[tuple[str, FloatArray]]
    unknown: FloatArray


def load(faces: Path, cache_dir: Path) -> Protocol:
    entries = read_identification(faces / "lfw_dev_identification.tsv")
    embedded = EmbeddingSource(Settings().vision, cache_dir).embed(e.path for e in entries)
    vectors = embedded.embeddings
    gallery = {
        e.identity: v
        for e in entries
        if e.role is Role.GALLERY and (v := vectors.get(e.path)) is not None
    }
    known = [
        (e.identity, v)
        for e in entries
        if e.role is Role.PROBE_KNOWN and (v := vectors.get(e.path)) is not None
    ]
    unknown = [
        v
        for e in entries
        if e.role is Role.PROBE_UNKNOWN and (v := vectors.get(e.path)) is not None
    ]
    return Protocol(gallery, known, np.stack(unknown).astype(np.float32))


def index_of(gallery: dict[str, FloatArray], names: list[str]) -> ExactIndex[str]:
    index: ExactIndex[str] = ExactIndex()
    for template_id, name in enumerate(names):
        index.add(template_id, name, gallery[name])
    return index


def fit_prior(
    gallery: dict[str, FloatArray], names: list[str]
) -> tuple[ExponentialTail, FloatArray]:
    scores = impostor_comparison_scores(index_of(gallery, names), RawSimilarityScorer()).ravel()
    return ExponentialTail.fit(scores, round(PRIOR_SHARE * scores.size)), scores


def settings_with(prior: ExponentialTail, target_fpir: float) -> RecognitionSettings:
    return RecognitionSettings(
        target_fpir=target_fpir,
        prior_impostor_similarity=prior.start,
        prior_impostor_share=prior.share,
        prior_impostor_decay=prior.mean_excess,
    )


def accepted(
    index: ExactIndex[str], choice: ThresholdChoice, probes: FloatArray, margin: float
) -> list[str | None]:
    """The person each probe is identified as (None: unknown)."""
    policy = OpenSetPolicy(min_score=choice.min_score, min_margin=margin)
    named: list[str | None] = []
    for probe in probes:
        decision = policy.decide(choice.open_set_scorer.rank(index, probe).top(2))
        named.append(decision.candidate.person_id if isinstance(decision, Identified) else None)
    return named


def crc_half(name: str) -> int:
    return zlib.crc32(name.encode()) % 2


def print_prior(prior: ExponentialTail, scores: FloatArray) -> None:
    print(
        f"Prior from {scores.size:,} comparisons of different LFW gallery people (raw cosine):\n"
        f"  MUSTER_RECOGNITION__PRIOR_IMPOSTOR_SIMILARITY={prior.start:.4f}\n"
        f"  MUSTER_RECOGNITION__PRIOR_IMPOSTOR_SHARE={prior.share:g}\n"
        f"  MUSTER_RECOGNITION__PRIOR_IMPOSTOR_DECAY={prior.mean_excess:.4f}"
    )
    print("  rate per comparison: empirical threshold / prior tail's threshold")
    for rate in (1e-2, 1e-3, 1e-4, 1e-5):
        empirical = threshold_for_false_positive_rate(scores, rate)
        print(f"    {rate:<7g} {empirical:.4f} / {prior.threshold_for(rate):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", type=Path, default=Path("../shared/faces"))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--targets", type=float, nargs="+", default=[0.01, 0.001])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 20, 100])
    parser.add_argument("--repeats", type=int, default=20, help="random galleries per size")
    args = parser.parse_args()

    data = load(args.faces, args.cache_dir)
    names = sorted(data.gallery)
    prior, scores = fit_prior(data.gallery, names)
    print(
        f"LFW dev open set: {len(names)} gallery people (1 photo each), {len(data.known)} known "
        f"and {data.unknown.shape[0]} unknown probes with a face\n"
    )
    print_prior(prior, scores)
    halves = [[n for n in names if crc_half(n) == h] for h in (0, 1)]
    held_out = [fit_prior(data.gallery, halves[1 - h])[0] for h in (0, 1)]
    known_names = np.array([name for name, _ in data.known])
    known_vectors = np.stack([v for _, v in data.known]).astype(np.float32)
    default_margin = RecognitionSettings().min_margin
    rng = np.random.default_rng(0)
    now = datetime.now(UTC)

    print(
        "\nMeasured on unknown probes (FPIR, no margin rule and with the default margin) and on "
        "known probes (TPIR: right person named, default margin); mean over random galleries, "
        "worst FPIR in brackets."
    )
    header = f"{'people':>6} {'target':>7} {'rule':>13} {'threshold':>9} {'method':>16}"
    print(header + "  FPIR (worst)     FPIR+margin  TPIR")
    for size in [*args.sizes, len(names)]:
        repeats = 1 if size == len(names) else args.repeats
        draws = [
            sorted(rng.choice(halves[r % 2], size, replace=False).tolist())
            if size < len(names)
            else names
            for r in range(repeats)
        ]
        for target in args.targets:
            for rule in ("prior", "gallery only"):
                rows = []
                for r, chosen in enumerate(draws):
                    # A drawn gallery's prior comes from the other half of the people.
                    prior_used = held_out[r % 2] if size < len(names) else prior
                    scorer = DEFAULT_OPEN_SET_SCORER if rule == "prior" else GalleryOnly()
                    index = index_of(data.gallery, chosen)
                    choice = calibrate_index(
                        index,
                        scorer,
                        settings_with(prior_used, target),
                        gallery_version=None,
                        now=now,
                    )
                    mask = np.isin(known_names, chosen)
                    unknown_plain = accepted(index, choice, data.unknown, 0.0)
                    unknown_margin = accepted(index, choice, data.unknown, default_margin)
                    known = accepted(index, choice, known_vectors[mask], default_margin)
                    rows.append(
                        (
                            choice,
                            np.mean([n is not None for n in unknown_plain]),
                            np.mean([n is not None for n in unknown_margin]),
                            np.mean(
                                [a == b for a, b in zip(known, known_names[mask], strict=True)]
                            ),
                        )
                    )
                fpir = [row[1] for row in rows]
                print(
                    f"{size:>6} {target:>7g} {rule:>13} "
                    f"{np.mean([row[0].min_score for row in rows]):9.4f} "
                    f"{rows[0][0].method.value:>16}  {np.mean(fpir):.4f} ({max(fpir):.4f})  "
                    f"{np.mean([row[2] for row in rows]):.4f}       "
                    f"{np.mean([row[3] for row in rows]):.3f}"
                )


if __name__ == "__main__":
    main()
