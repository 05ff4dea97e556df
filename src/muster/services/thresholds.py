"""The open-set threshold: chosen for a target false-accept rate, from the enrolled gallery
once it is large enough to say, and from a prior measured on a large population before that.

A search compares a probe with every one of the N enrolled people. For a stranger, the
search names someone when *any* of those N comparisons clears the threshold, so the
false-positive identification rate per search (FPIR) is about 1 - (1 - p)^N ≈ N·p, where p
is the false-match rate of one probe-versus-person comparison. For a target FPIR the
per-comparison rate must therefore be target / N (exactly: 1 - (1 - target)^(1/N)); the
larger the gallery, the stricter the threshold.

Impostor scores come from the gallery itself (`matching.calibration.impostor_comparison_
scores`): each enrolled template (a fixed sample of at most `calibration_max_probes`) stands
in for a stranger and is compared with every *other* person, as if its own person were not
enrolled. Which model turns them into a threshold depends on how many there are:

* EMPIRICAL: enough that the target rate still leaves MIN_TAIL_COUNT of them above the
  threshold: the empirical quantile.
* EXPONENTIAL_TAIL: fewer than that, but at least EXPONENTIAL_TAIL_MIN_SCORES: the top
  TAIL_FIT_COUNT scores are fitted with an exponential tail and extrapolated to the rate.
  On LFW a normal fit to all scores was far too strict here (0.999 for FPIR 0.001 with 1,165
  people: nobody recognised); the tail fit gave 0.961 and a measured FPIR of 0.0005.
* PRIOR: fewer still (small galleries, up to a few dozen people) on the cosine scale: a
  gallery of a few people cannot estimate its own 0.1 % impostor tail (six people give 30
  scores), so the threshold comes from the exponential tail of a large impostor population
  of the same embedder, shipped as settings (`prior_impostor_*`, measured on LFW by
  bench/threshold_calibration.py), at the same per-comparison rate. The gallery's own
  calibration takes over as soon as it has the scores for one of the two models above.
* GAUSSIAN_TAIL: a small gallery on another scale (no prior applies): a normal fit to all
  scores, kept above every observed one and at least `fallback_min_similarity`.
* FALLBACK: too few scores for that (fewer than two people): `fallback_min_similarity`.
* OVERRIDE: `min_similarity` is set; the calibration still runs to report the rate it gives.

The choice is cached per gallery version and recalculated when the gallery changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from muster.config import RecognitionSettings
from muster.matching.calibration import (
    MIN_SPREAD,
    ExponentialTail,
    impostor_comparison_scores,
    threshold_for_false_positive_rate,
)
from muster.matching.candidates import PersonT
from muster.matching.index import ExactIndex
from muster.matching.normalization import OpenSetScorer, ScoreScale
from muster.services.gallery import Gallery
from muster.storage.repositories.base import Clock, utc_now
from muster.storage.repositories.templates import TemplateRepository

FloatArray = npt.NDArray[np.float32]

MIN_IMPOSTOR_SCORES = 20
"""Fewer impostor scores than this say too little to fit a normal: use the fallback."""

MIN_TAIL_COUNT = 5
"""The empirical quantile is used only when at least this many impostor scores are expected
above the threshold; with fewer, one unlucky score would move it."""

EXPONENTIAL_TAIL_MIN_SCORES = 1000
"""From this many impostor scores on, the top of their distribution is modelled on its own
(EXPONENTIAL_TAIL); below, the gallery has no tail to speak of (PRIOR or GAUSSIAN_TAIL)."""

TAIL_FIT_COUNT = 100
"""The exponential tail is fitted to the top this many impostor scores."""


class ThresholdMethod(StrEnum):
    OVERRIDE = "override"
    EMPIRICAL = "empirical"
    EXPONENTIAL_TAIL = "exponential_tail"
    PRIOR = "prior"
    GAUSSIAN_TAIL = "gaussian_tail"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class ImpostorScores:
    """Scores of stand-in strangers against people they are not, sorted ascending, and the
    false-match rate they imply at any threshold (see the module doc for the models)."""

    sorted_scores: FloatArray

    @classmethod
    def of(cls, scores: npt.ArrayLike) -> ImpostorScores:
        return cls(np.sort(np.asarray(scores, dtype=np.float32).ravel()))

    @property
    def count(self) -> int:
        return int(self.sorted_scores.size)

    def has_tail_for(self, rate: float) -> bool:
        """Whether these scores alone can place a threshold at `rate` (EMPIRICAL or
        EXPONENTIAL_TAIL), rather than a normal fit to a handful."""
        return self.count * rate >= MIN_TAIL_COUNT or self.count >= EXPONENTIAL_TAIL_MIN_SCORES

    def threshold_for(self, rate: float) -> tuple[float, ThresholdMethod]:
        """The lowest score threshold whose false-match rate per comparison is at most
        `rate`, and the model that says so."""
        if self.count * rate >= MIN_TAIL_COUNT:
            threshold = threshold_for_false_positive_rate(self.sorted_scores, rate)
            return threshold, ThresholdMethod.EMPIRICAL
        if self.count >= EXPONENTIAL_TAIL_MIN_SCORES:
            return self._tail().threshold_for(rate), ThresholdMethod.EXPONENTIAL_TAIL
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
            return self._tail().rate_at(threshold)
        return 1.0 - self._normal().cdf(threshold)

    def _tail(self) -> ExponentialTail:
        return ExponentialTail.fit(self.sorted_scores, TAIL_FIT_COUNT)

    def _normal(self) -> NormalDist:
        values = self.sorted_scores.astype(np.float64)
        return NormalDist(float(values.mean()), max(float(values.std(ddof=1)), MIN_SPREAD))


def prior_tail(settings: RecognitionSettings) -> ExponentialTail:
    """The impostor tail of a large population (cosine scale) that small galleries borrow."""
    return ExponentialTail(
        start=settings.prior_impostor_similarity,
        share=settings.prior_impostor_share,
        mean_excess=settings.prior_impostor_decay,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ThresholdChoice:
    """The operating point in force, and why.

    min_score: 1:N threshold (identify when the best score >= it), on the scorer's scale.
    verification_min_score: 1:1 threshold for a claimed identity, at target_fpir per
        comparison (one comparison per verification, so no gallery-size correction).
    per_comparison_rate: the false-match rate per probe-versus-person comparison that
        target_fpir allows with this many people.
    expected_fpir / expected_false_match_rate: what the impostor model predicts at
        min_score (None without one).
    pair_min_similarity: cosine threshold for comparing two faces with each other, outside
        any gallery (is this stranger the one already queued?): the prior tail at
        target_fpir, or min_similarity when that overrides a cosine-scale threshold.
    open_set_scorer: the concrete scorer the threshold was calibrated for (resolved for
        this gallery's size): rank with it, so scores and threshold share a scale.
    scorer / score_scale: its name and scale.
    """

    min_score: float
    verification_min_score: float
    min_margin: float
    pair_min_similarity: float
    method: ThresholdMethod
    open_set_scorer: OpenSetScorer = field(repr=False, compare=False)
    target_fpir: float
    per_comparison_rate: float
    expected_fpir: float | None
    expected_false_match_rate: float | None
    impostor_scores: int
    people: int
    templates: int
    gallery_version: int | None
    calibrated_at: datetime

    @property
    def scorer(self) -> str:
        return self.open_set_scorer.name

    @property
    def score_scale(self) -> ScoreScale:
        return self.open_set_scorer.scale


def per_comparison_rate(target_fpir: float, people: int) -> float:
    """The per-comparison false-match rate that gives `target_fpir` per search over
    `people` independent comparisons."""
    if people <= 1:
        return target_fpir
    return float(-np.expm1(np.log1p(-target_fpir) / people))


def fpir_for(rate: float, people: int) -> float:
    """The per-search false-positive identification rate of `people` comparisons at `rate`."""
    return float(-np.expm1(max(people, 1) * np.log1p(-min(rate, 1.0 - 1e-12))))


def choose_threshold(
    impostors: ImpostorScores,
    settings: RecognitionSettings,
    *,
    scorer: OpenSetScorer,
    people: int,
    templates: int,
    gallery_version: int | None,
    now: datetime,
) -> ThresholdChoice:
    """The threshold the settings ask for, given the gallery's impostor scores under
    `scorer` (a concrete one: resolve `for_gallery(people)` first)."""
    rate = per_comparison_rate(settings.target_fpir, people)
    estimate: ImpostorScores | ExponentialTail | None = None
    if impostors.has_tail_for(rate):
        min_score, method = impostors.threshold_for(rate)
        verification_min_score, _ = impostors.threshold_for(settings.target_fpir)
        estimate = impostors
    elif scorer.scale is ScoreScale.COSINE:
        prior = prior_tail(settings)
        min_score = prior.threshold_for(rate)
        verification_min_score = prior.threshold_for(settings.target_fpir)
        method, estimate = ThresholdMethod.PRIOR, prior
    elif people >= 2 and impostors.count >= MIN_IMPOSTOR_SCORES:
        min_score, method = impostors.threshold_for(rate)
        verification_min_score, _ = impostors.threshold_for(settings.target_fpir)
        min_score = max(min_score, settings.fallback_min_similarity)
        estimate = impostors
    else:
        min_score = verification_min_score = settings.fallback_min_similarity
        method = ThresholdMethod.FALLBACK
    pair_min_similarity = prior_tail(settings).threshold_for(settings.target_fpir)
    if settings.min_similarity is not None:
        min_score = verification_min_score = settings.min_similarity
        method = ThresholdMethod.OVERRIDE
        if scorer.scale is ScoreScale.COSINE:
            pair_min_similarity = settings.min_similarity
    false_match_rate = None if estimate is None else estimate.rate_at(min_score)
    return ThresholdChoice(
        min_score=min_score,
        verification_min_score=verification_min_score,
        min_margin=settings.min_margin,
        pair_min_similarity=pair_min_similarity,
        method=method,
        open_set_scorer=scorer,
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


def calibrate_index(
    index: ExactIndex[PersonT],
    scorer: OpenSetScorer,
    settings: RecognitionSettings,
    *,
    gallery_version: int | None,
    now: datetime,
) -> ThresholdChoice:
    """The threshold for the templates in `index`, ranked by `scorer` resolved for its size:
    what `ThresholdService` and the CLI's local gallery both use."""
    people = index.person_count()
    concrete = scorer.for_gallery(people)
    impostors = ImpostorScores.of(
        impostor_comparison_scores(index, concrete, max_probes=settings.calibration_max_probes)
    )
    return choose_threshold(
        impostors,
        settings,
        scorer=concrete,
        people=people,
        templates=len(index),
        gallery_version=gallery_version,
        now=now,
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
        """The concrete scorer of the threshold in force: rank with it, so that scores and
        `current().min_score` share one scale."""
        return self.current().open_set_scorer

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
        return calibrate_index(
            index, self._scorer, self._settings, gallery_version=version, now=self._clock()
        )
