"""The open-set threshold: chosen from the enrolled gallery for a target false-accept rate.

A search compares a probe with every one of the N enrolled people. For a stranger, the
search names someone when *any* of those N comparisons clears the threshold, so the
false-positive identification rate per search (FPIR) is about 1 - (1 - p)^N ≈ N·p, where p
is the false-match rate of one probe-versus-person comparison. For a target FPIR the
per-comparison rate must therefore be target / N (exactly: 1 - (1 - target)^(1/N)); the
larger the gallery, the stricter the threshold.

Impostor scores come from the gallery itself: each enrolled template (a fixed sample of at
most `calibration_max_probes`) stands in for a stranger and is compared with every *other*
person (their best template, as a search would), as if its own person were not enrolled.
From those scores:

* EMPIRICAL: with enough of them that the target rate still leaves several above the
  threshold, the threshold is the empirical quantile (`matching.calibration`).
* EXPONENTIAL_TAIL: fewer than that, but at least EXPONENTIAL_TAIL_MIN_SCORES scores (large
  galleries, strict targets): the top TAIL_FIT_COUNT scores are fitted with an exponential
  tail (peaks over a threshold, as extreme-value theory suggests for light-tailed scores) and
  extrapolated to the target rate. On LFW a normal fit to all scores was far too strict here
  (0.999 for FPIR 0.001 with 1,165 people: nobody recognised); the tail fit gave 0.961 and a
  measured FPIR of 0.0005 (docs/benchmarks.md).
* GAUSSIAN_TAIL: small galleries (fewer scores than that): a normal distribution fitted to
  them all is extrapolated to the target rate, and the threshold is kept above every
  observed impostor score and at least `fallback_min_similarity`. A handful of people say
  little about how alike strangers look: on random 5-person LFW galleries the fit alone
  let through 3 % of strangers on average, and over 40 % for the unluckiest galleries, for
  a target of 1 %; the floor is the prior that holds such galleries back.
* FALLBACK: with fewer than two people, or too few impostor scores to fit anything, a fixed
  strict threshold (`fallback_min_similarity`).
* OVERRIDE: `min_similarity` is set; the calibration still runs to report the rate it gives.

The choice is cached per gallery version and recalculated when the gallery changes.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from muster.config import RecognitionSettings
from muster.matching.calibration import threshold_for_false_positive_rate
from muster.matching.candidates import PersonT
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer
from muster.services.gallery import Gallery
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.templates import TemplateRepository

FloatArray = npt.NDArray[np.float32]

MIN_IMPOSTOR_SCORES = 20
"""Fewer impostor scores than this say too little to fit a tail: use the fallback."""

MIN_TAIL_COUNT = 5
"""The empirical quantile is used only when at least this many impostor scores are expected
above the threshold; with fewer, one unlucky score would move it."""

EXPONENTIAL_TAIL_MIN_SCORES = 1000
"""From this many impostor scores on, the top of their distribution is modelled on its own
(EXPONENTIAL_TAIL); below, there is no tail to speak of and a normal fit to all of them is
used (GAUSSIAN_TAIL)."""

TAIL_FIT_COUNT = 100
"""The exponential tail is fitted to the top this many impostor scores."""

# A floor on fitted spreads, so a degenerate fit (all scores equal) cannot claim that any
# score above them is impossible.
_MIN_SPREAD = 1e-3

_SAMPLE_SEED = 20240611  # a fixed sample: the same gallery always gives the same threshold


class ThresholdMethod(StrEnum):
    OVERRIDE = "override"
    EMPIRICAL = "empirical"
    EXPONENTIAL_TAIL = "exponential_tail"
    GAUSSIAN_TAIL = "gaussian_tail"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class ImpostorScores:
    """Scores of stand-in strangers against people they are not, sorted ascending, and the
    false-match rate they imply at any threshold (see the module doc for the three models)."""

    sorted_scores: FloatArray

    @classmethod
    def of(cls, scores: npt.ArrayLike) -> ImpostorScores:
        return cls(np.sort(np.asarray(scores, dtype=np.float32).ravel()))

    @property
    def count(self) -> int:
        return int(self.sorted_scores.size)

    def threshold_for(self, rate: float) -> tuple[float, ThresholdMethod]:
        """The lowest score threshold whose false-match rate per comparison is at most
        `rate`, and the model that says so."""
        if self.count * rate >= MIN_TAIL_COUNT:
            threshold = threshold_for_false_positive_rate(self.sorted_scores, rate)
            return threshold, ThresholdMethod.EMPIRICAL
        if self.count >= EXPONENTIAL_TAIL_MIN_SCORES:
            start, mean_excess, share = self._exponential_tail()
            # rate < MIN_TAIL_COUNT / count <= share here, so the log is positive.
            return start + mean_excess * math.log(share / rate), ThresholdMethod.EXPONENTIAL_TAIL
        fitted = self._normal().inv_cdf(1.0 - rate)
        above_all_seen = float(np.nextafter(self.sorted_scores[-1], np.float32(np.inf)))
        return max(fitted, above_all_seen), ThresholdMethod.GAUSSIAN_TAIL

    def rate_at(self, threshold: float) -> float:
        """Estimated false-match rate per comparison at `threshold`: the observed share
        when enough scores reach it, else the fitted tail."""
        reached = self.count - int(np.searchsorted(self.sorted_scores, threshold, side="left"))
        if reached >= MIN_TAIL_COUNT:
            return reached / self.count
        if self.count >= EXPONENTIAL_TAIL_MIN_SCORES:
            start, mean_excess, share = self._exponential_tail()
            return share * math.exp(-max(threshold - start, 0.0) / mean_excess)
        return 1.0 - self._normal().cdf(threshold)

    def _exponential_tail(self) -> tuple[float, float, float]:
        """(start, mean excess, share): above `start`, the top TAIL_FIT_COUNT scores, the
        rate of scores above t is share * exp(-(t - start) / mean_excess) (the maximum
        likelihood exponential fit of their excesses)."""
        top = self.sorted_scores[-TAIL_FIT_COUNT:].astype(np.float64)
        start = float(top[0])
        mean_excess = max(float((top - start).mean()), _MIN_SPREAD)
        return start, mean_excess, TAIL_FIT_COUNT / self.count

    def _normal(self) -> NormalDist:
        values = self.sorted_scores.astype(np.float64)
        return NormalDist(float(values.mean()), max(float(values.std(ddof=1)), _MIN_SPREAD))


@dataclass(frozen=True, slots=True, kw_only=True)
class ThresholdChoice:
    """The operating point in force, and why.

    min_score: 1:N threshold (identify when the best score >= it), on the scorer's scale.
    verification_min_score: 1:1 threshold for a claimed identity, at target_fpir per
        comparison (one comparison per verification, so no gallery-size correction).
    per_comparison_rate: the false-match rate per probe-versus-person comparison that
        target_fpir allows with this many people.
    expected_fpir / expected_false_match_rate: what the impostor scores predict at
        min_score (None without impostor scores).
    """

    min_score: float
    verification_min_score: float
    min_margin: float
    method: ThresholdMethod
    scorer: str
    target_fpir: float
    per_comparison_rate: float
    expected_fpir: float | None
    expected_false_match_rate: float | None
    impostor_scores: int
    people: int
    templates: int
    gallery_version: int | None
    calibrated_at: datetime


def per_comparison_rate(target_fpir: float, people: int) -> float:
    """The per-comparison false-match rate that gives `target_fpir` per search over
    `people` independent comparisons."""
    if people <= 1:
        return target_fpir
    return float(-np.expm1(np.log1p(-target_fpir) / people))


def fpir_for(rate: float, people: int) -> float:
    """The per-search false-positive identification rate of `people` comparisons at `rate`."""
    return float(-np.expm1(max(people, 1) * np.log1p(-min(rate, 1.0 - 1e-12))))


def impostor_comparison_scores(
    index: ExactIndex[PersonT], scorer: OpenSetScorer, *, max_probes: int
) -> ImpostorScores:
    """Every score a sampled enrolled template gets against the *other* people when it is
    searched as if its own person were not enrolled (leave-one-person-out, by `scorer`):
    one score per probe-versus-person comparison, as a stranger's search would see them.

    (`matching.calibration.gallery_impostor_scores` keeps only each search's top score;
    thresholding those resolves an FPIR no finer than one over the number of people, where
    these per-comparison scores let the gallery size enter the rate.)
    """
    template_ids = index.template_ids()
    if index.person_count() < 2:
        return ImpostorScores.of([])
    if len(template_ids) > max_probes:
        sample = np.random.default_rng(_SAMPLE_SEED).choice(len(template_ids), max_probes, False)
        template_ids = [template_ids[i] for i in sorted(sample.tolist())]
    scores = [
        scorer.rank(index, index.embedding(t), exclude=index.person_of(t)).scores
        for t in template_ids
    ]
    return ImpostorScores.of(np.concatenate(scores))


def choose_threshold(
    impostors: ImpostorScores,
    settings: RecognitionSettings,
    *,
    scorer: str,
    people: int,
    templates: int,
    gallery_version: int | None,
    now: datetime,
) -> ThresholdChoice:
    """The threshold the settings ask for, given the gallery's impostor scores."""
    rate = per_comparison_rate(settings.target_fpir, people)
    calibrated = people >= 2 and impostors.count >= MIN_IMPOSTOR_SCORES
    if calibrated:
        min_score, method = impostors.threshold_for(rate)
        verification_min_score, _ = impostors.threshold_for(settings.target_fpir)
        if method is ThresholdMethod.GAUSSIAN_TAIL:
            min_score = max(min_score, settings.fallback_min_similarity)
    else:
        min_score = verification_min_score = settings.fallback_min_similarity
        method = ThresholdMethod.FALLBACK
    if settings.min_similarity is not None:
        min_score = verification_min_score = settings.min_similarity
        method = ThresholdMethod.OVERRIDE
    false_match_rate = impostors.rate_at(min_score) if calibrated else None
    return ThresholdChoice(
        min_score=min_score,
        verification_min_score=verification_min_score,
        min_margin=settings.min_margin,
        method=method,
        scorer=scorer,
        target_fpir=settings.target_fpir,
        per_comparison_rate=rate,
        expected_fpir=None if false_match_rate is None else fpir_for(false_match_rate, people),
        expected_false_match_rate=false_match_rate,
        impostor_scores=impostors.count,
        people=people,
        templates=templates,
        gallery_version=gallery_version,
        calibrated_at=now,
    )


class ThresholdService:
    """The current `ThresholdChoice`, recalibrated when the gallery version changes.

    Thread-safe; one calibration runs at a time and the others wait for its result.
    """

    def __init__(
        self,
        gallery: Gallery,
        templates: TemplateRepository,
        settings: RecognitionSettings,
        *,
        model_name: str,
        model_version: str,
        scorer: OpenSetScorer,
        clock: Clock = utc_now,
    ) -> None:
        self._gallery = gallery
        self._templates = templates
        self._settings = settings
        self._model_name = model_name
        self._model_version = model_version
        self._scorer = scorer
        self._clock = clock
        self._lock = threading.Lock()
        self._choice: ThresholdChoice | None = None

    @property
    def scorer(self) -> OpenSetScorer:
        return self._scorer

    def current(self) -> ThresholdChoice:
        """The threshold for the gallery as it is now (calibrating first if it changed)."""
        self._gallery.refresh()
        wanted = self._gallery.version
        with self._lock:
            choice = self._choice
            if choice is None or choice.gallery_version != wanted:
                choice = self._choice = self._calibrate()
            return choice

    def _calibrate(self) -> ThresholdChoice:
        version, templates = self._templates.gallery(self._model_name, self._model_version)
        index: ExactIndex[int] = ExactIndex()
        for template in templates:
            index.add(template.id, template.person_id, template.embedding)
        impostors = impostor_comparison_scores(
            index, self._scorer, max_probes=self._settings.calibration_max_probes
        )
        return choose_threshold(
            impostors,
            self._settings,
            scorer=self._scorer.name,
            people=index.person_count(),
            templates=len(index),
            gallery_version=version,
            now=self._clock(),
        )
