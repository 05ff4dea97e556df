"""All settings in one place. Every field has a description and bounds; unknown keys are
rejected. Environment variables use the MUSTER_ prefix and `__` for nesting, for example
MUSTER_VISION__DETECTOR=cnn. docs/configuration.md lists every setting (a test checks)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from muster.domain.faces import CnnRuntime, DetectorKind, EmbedderKind
from muster.domain.quality_gates import QualityPolicy


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ImageLimits(_Group):
    max_bytes: int = Field(
        20 * 1024 * 1024,
        ge=1024,
        le=512 * 1024 * 1024,
        description="Largest accepted encoded image, in bytes; checked before decoding.",
    )
    max_pixels: int = Field(
        40_000_000,
        ge=10_000,
        le=500_000_000,
        description="Largest accepted width x height, checked from the header before decoding "
        "(guards against decompression bombs).",
    )


class VisionSettings(_Group):
    detector: DetectorKind = Field(
        DetectorKind.HOG,
        description="Face detector: 'hog' (fast, CPU) or 'cnn' (MMOD, slower, "
        "finds smaller and turned faces).",
    )
    upsample: int = Field(
        1,
        ge=0,
        le=3,
        description="Times the image is upsampled 2x before detection; each step finds faces "
        "half as small and costs about 4x the time.",
    )
    detect_max_side_px: int = Field(
        1280,
        ge=160,
        le=8192,
        description="Images with a longer side are detected on a downscaled copy; boxes are "
        "mapped back to the original.",
    )
    fallback_max_side_px: int = Field(
        320,
        ge=0,
        le=2048,
        description="When the HOG detector finds no face, the CNN detector (no upsampling) "
        "looks again on a copy at most this long; 0 turns the fallback off. It finds turned "
        "faces HOG misses but costs about 0.3-0.6 s per call on CPU, on every image without a "
        "HOG face. Unused when detector is 'cnn'.",
    )
    cnn_runtime: CnnRuntime = Field(
        CnnRuntime.ONNX,
        description="Runtime for the MMOD CNN detector where it runs without upsampling "
        "(the HOG fallback, or detector 'cnn' with upsample 0): 'onnx' (dlib's model "
        "converted in memory on first use; the same boxes as dlib on every image compared, "
        "10-20x faster on CPU) or 'dlib'. An upsampled CNN always runs in dlib.",
    )
    embedder: EmbedderKind = Field(
        EmbedderKind.ONNX,
        description="Runtime for the ResNet face embedder: 'onnx' (dlib's model converted "
        "once to ONNX on first use and cached in ~/.cache/muster/models; the same "
        "descriptors within 1e-6, about 10x faster on CPU) or 'dlib'.",
    )
    jitters: int = Field(
        0,
        ge=0,
        le=100,
        description="Extra randomly jittered copies embedded and averaged per face (0 = none); "
        "each costs one more network pass.",
    )
    flip_average: bool = Field(
        True,
        description="Embed each face and its mirror image in one batch and average the two "
        "(flip test-time augmentation). Costs one more network pass per face (the embedding "
        "step takes about twice as long); gains fewer missed people: on LFW open-set FNIR at "
        "FPIR 1 % 27.0 -> 22.9 %, pairs accuracy 97.9 -> 98.4 % (docs/accuracy.md). Templates "
        "made with it on and off are kept apart: re-enrol after switching.",
    )
    limits: ImageLimits = Field(default_factory=ImageLimits, description="Input image limits.")


class ReportSettings(_Group):
    max_range_days: int = Field(
        366,
        ge=1,
        le=3660,
        description="Longest date range, in days (both ends included), that one register, "
        "history, summary or export request may cover; longer ranges are refused with "
        "'invalid_date_range' (each day is derived from events on every request).",
    )


class RecognitionSettings(_Group):
    target_fpir: float = Field(
        0.01,
        gt=0.0,
        le=0.5,
        description="Target false-positive identification rate per search: the share of "
        "searches by someone not enrolled that may still name an enrolled person. The open-set "
        "threshold is calibrated from the enrolled gallery for this rate, allowing for the "
        "gallery size (each search compares with every enrolled person); GET /thresholds "
        "shows the result.",
    )
    min_similarity: float | None = Field(
        None,
        ge=-1.0,
        le=1.0,
        description="A fixed open-set threshold (higher is stricter) that replaces the "
        "calibrated one, on the score scale in force (GET /thresholds score_scale: cosine "
        "similarity below 100 enrolled people, cohort-centred from 100 on); unset: calibrate "
        "for target_fpir.",
    )
    fallback_min_similarity: float = Field(
        0.93,
        ge=-1.0,
        le=1.0,
        description="Used only for a small gallery scored on a scale without a prior (an "
        "explicitly chosen cohort-centred scorer): the 1:N threshold with fewer than 2 people "
        "or 20 impostor scores, and the least one until the gallery can calibrate itself "
        "(method 'gaussian_tail'). Cosine-scale galleries use the prior_impostor_* tail.",
    )
    prior_impostor_similarity: float = Field(
        0.9206,
        ge=-1.0,
        le=1.0,
        description="The prior for small galleries (method 'prior'): the cosine similarity "
        "that a share prior_impostor_share of comparisons between different people reach, "
        "on a large population of the embedder in use. Measured on the 1,165 LFW View-1 "
        "gallery people (1.36 million comparisons, flip-averaged dlib ResNet embeddings) by "
        "bench/threshold_calibration.py; re-measure it when the embedder changes.",
    )
    prior_impostor_share: float = Field(
        0.003,
        gt=0.0,
        le=1.0,
        description="The share of stranger comparisons that reach prior_impostor_similarity "
        "in the prior population (where its exponential tail starts).",
    )
    prior_impostor_decay: float = Field(
        0.0068,
        gt=0.0,
        le=1.0,
        description="The prior tail's mean excess (cosine): every this much above "
        "prior_impostor_similarity, stranger comparisons become e (2.72) times rarer.",
    )
    min_margin: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="How far the best person's similarity must lead the runner-up's; a "
        "closer call is reported unknown with reason 'low_margin'. On LFW (1,165 people, "
        "target_fpir 0.01) 0.02 cut strangers wrongly named from 0.8 % to 0.2 % while known "
        "people named fell from 59 % to 55 %; 0.04 named only 25 %.",
    )
    min_interocular_px: float = Field(
        20.0,
        ge=0.0,
        le=2000.0,
        description="Faces with less than this many pixels between the eye centres are not "
        "identified (reason 'low_quality'): too small to trust.",
    )
    max_abs_yaw_deg: float = Field(
        45.0,
        ge=0.0,
        le=90.0,
        description="Faces turned further than this from frontal (estimated yaw, degrees) are "
        "not identified (reason 'low_quality').",
    )
    calibration_max_probes: int = Field(
        2000,
        ge=10,
        le=100_000,
        description="At most this many enrolled templates (a fixed sample) act as stand-in "
        "strangers when the threshold is calibrated; bounds the calibration time for large "
        "galleries.",
    )
    review_unknown_faces: bool = Field(
        True,
        description="Queue faces seen at a device that matched nobody for review (embedding "
        "and a small thumbnail, personal data kept only for the retention period).",
    )
    thumbnail_px: int = Field(
        96,
        ge=32,
        le=512,
        description="Side of the square JPEG thumbnail kept with a queued unknown face.",
    )


class AttendanceSettings(_Group):
    dedupe_window_s: int = Field(
        60,
        ge=0,
        le=86_400,
        description="A look less than this many seconds from the person's nearest recorded "
        "event is a duplicate and records nothing (0 disables).",
    )
    min_in_to_out_s: int = Field(
        600,
        ge=0,
        le=86_400,
        description="On a toggling kiosk, a look this soon after a check-in is 'already "
        "checked in' rather than a check-out (0 disables).",
    )
    day_start: time = Field(
        time(0, 0),
        description="Local wall-clock time (HH:MM, in the device's time zone) at which an "
        "attendance day begins; the first look of a day is always a check-in. Set it to a "
        "quiet hour (e.g. 12:00) where night shifts cross midnight.",
    )
    max_capture_age_s: int = Field(
        7 * 86_400,
        ge=0,
        le=90 * 86_400,
        description="Oldest accepted capture time of a check-in, in seconds before now (an "
        "offline kiosk replaying its queue); older ones are refused.",
    )
    max_capture_ahead_s: int = Field(
        300,
        ge=0,
        le=3600,
        description="How far in the future a capture time may be, in seconds (device clock "
        "drift); later ones are refused.",
    )
    idempotency_cache_size: int = Field(
        10_000,
        ge=0,
        le=1_000_000,
        description="Check-in answers remembered per process by (device, Idempotency-Key), so "
        "a retried request gets its original answer even when it recorded no event.",
    )


class WebhookSettings(_Group):
    max_attempts: int = Field(
        8,
        ge=1,
        le=50,
        description="Tries per delivery before it is marked failed.",
    )
    backoff_initial_s: float = Field(
        5.0,
        ge=0.01,
        le=3600.0,
        description="Wait before the first retry; each further retry waits twice as long.",
    )
    backoff_max_s: float = Field(
        3600.0,
        ge=0.01,
        le=86_400.0,
        description="Longest wait between two tries of one delivery.",
    )
    request_timeout_s: float = Field(
        10.0,
        gt=0.0,
        le=120.0,
        description="Time allowed for the receiver to answer one delivery POST.",
    )
    poll_interval_s: float = Field(
        1.0,
        ge=0.01,
        le=300.0,
        description="How often the dispatcher looks for due deliveries.",
    )


class KioskSettings(_Group):
    frame_interval_ms: int = Field(
        700,
        ge=100,
        le=10_000,
        description="Least time between two frames a kiosk sends for recognition, in "
        "milliseconds; a kiosk never has more than one request in flight either.",
    )
    frame_width_px: int = Field(
        640,
        ge=160,
        le=1920,
        description="Width a kiosk scales each camera frame down to before sending it as a "
        "JPEG; wide enough for a face at arm's length, small enough for a slow network.",
    )
    result_display_s: float = Field(
        4.0,
        ge=0.5,
        le=60.0,
        description="How long a kiosk shows a decision (welcome, goodbye, not recognised) "
        "before it looks for the next face.",
    )
    pin_fallback: bool = Field(
        False,
        description="Let people the camera cannot recognise check in at a kiosk with their "
        "code (external id) and PIN; an admin sets PINs with PUT /people/{id}/pin.",
    )
    max_wrong_pins: int = Field(
        5,
        ge=1,
        le=100,
        description="Wrong codes or PINs one device may send within failure_window_s; "
        "after that its PIN check-ins are refused ('too_many_attempts') until the window "
        "has passed.",
    )
    max_wrong_pairing_codes: int = Field(
        10,
        ge=1,
        le=1000,
        description="Wrong pairing codes one client address may send within "
        "failure_window_s before it is refused ('too_many_attempts').",
    )
    failure_window_s: int = Field(
        300,
        ge=10,
        le=86_400,
        description="The sliding window, in seconds, over which wrong PINs and wrong pairing "
        "codes are counted.",
    )
    max_pairing_code_minutes: int = Field(
        60,
        ge=1,
        le=1440,
        description="Longest validity, in minutes, an admin may give a pairing code (a short "
        "code a kiosk exchanges once for its device key).",
    )


_GATES = QualityPolicy()  # the calibrated defaults (see muster.domain.quality_gates)


class EnrolmentSettings(_Group):
    min_interocular_px: float = Field(
        _GATES.min_interocular_px,
        ge=0.0,
        le=2000.0,
        description="Enrolment quality gate: pixels between the eye centres a face needs "
        "(calibrated: 1st percentile of LFW faces).",
    )
    min_sharpness: float = Field(
        _GATES.min_sharpness,
        ge=0.0,
        le=100_000.0,
        description="Enrolment quality gate: variance of the Laplacian of the 150 px aligned "
        "face a photo needs; blurred photos score low.",
    )
    max_abs_yaw_deg: float = Field(
        _GATES.max_abs_yaw_deg,
        ge=0.0,
        le=90.0,
        description="Enrolment quality gate: how far a face may be turned left or right "
        "(estimated yaw, degrees).",
    )
    max_abs_pitch_deg: float = Field(
        _GATES.max_abs_pitch_deg,
        ge=0.0,
        le=90.0,
        description="Enrolment quality gate: how far a face may be tilted up or down "
        "(estimated pitch, degrees).",
    )
    min_brightness: float = Field(
        _GATES.min_brightness,
        ge=0.0,
        le=255.0,
        description="Enrolment quality gate: darkest accepted mean luminance of the face (0..255).",
    )
    max_brightness: float = Field(
        _GATES.max_brightness,
        ge=0.0,
        le=255.0,
        description="Enrolment quality gate: brightest accepted mean luminance of the face "
        "(0..255); must be above min_brightness.",
    )
    min_contrast: float = Field(
        _GATES.min_contrast,
        ge=0.0,
        le=128.0,
        description="Enrolment quality gate: lowest accepted standard deviation of the face's "
        "luminance (flat, washed-out photos score low).",
    )
    max_photos_per_request: int = Field(
        10,
        ge=1,
        le=50,
        description="Most photos one enrolment request may carry.",
    )
    thumbnail_px: int = Field(
        112,
        ge=32,
        le=512,
        description="Side of the square JPEG thumbnail kept with a template (when "
        "privacy.store_template_thumbnails is on).",
    )

    @model_validator(mode="after")
    def _gates_are_consistent(self) -> EnrolmentSettings:
        self.quality_policy()  # raises ValueError for an empty brightness range
        return self

    def quality_policy(self) -> QualityPolicy:
        """The quality gates these settings describe."""
        return QualityPolicy(
            min_interocular_px=self.min_interocular_px,
            min_sharpness=self.min_sharpness,
            max_abs_yaw_deg=self.max_abs_yaw_deg,
            max_abs_pitch_deg=self.max_abs_pitch_deg,
            min_brightness=self.min_brightness,
            max_brightness=self.max_brightness,
            min_contrast=self.min_contrast,
        )


class PrivacySettings(_Group):
    store_template_thumbnails: bool = Field(
        True,
        description="Keep a small JPEG of each enrolled face, for the admin pages (kept for "
        "thumbnail_retention_days). Off: templates are embeddings only.",
    )
    store_enrolment_photos: bool = Field(
        False,
        description="Keep each accepted enrolment photo (re-encoded, metadata dropped) under "
        "data_dir/photos, e.g. to re-enrol everyone after a model change. Off by default: "
        "Muster needs only the embedding.",
    )
    keep_event_faces: bool = Field(
        True,
        description="Keep the face (embedding, quality and thumbnail) behind each recognised "
        "check-in for unknown_face_retention_days, so a wrong match can be corrected and the "
        "face enrolled as the right person.",
    )
    unknown_face_retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Faces in the review queue (and faces kept with check-ins) are deleted "
        "this many days after they were seen, whatever their status.",
    )
    thumbnail_retention_days: int = Field(
        365,
        ge=1,
        le=36_500,
        description="Template thumbnails and stored enrolment photos are deleted this many "
        "days after enrolment; the templates themselves stay until the person is erased.",
    )
    erasure_deletes_events: bool = Field(
        False,
        description="Erasing a person also deletes their attendance events and corrections. "
        "Off: the events stay, pointing at an anonymous tombstone (pseudonymised), so past "
        "registers keep their counts.",
    )
    purge_interval_s: float = Field(
        3600.0,
        ge=0.0,
        le=7 * 86_400.0,
        description="How often the server runs the retention purge in the background, in "
        "seconds; 0 turns the background purge off (POST /admin/retention/purge still works).",
    )


class AuthSettings(_Group):
    session_minutes: int = Field(
        480,
        ge=5,
        le=1440,
        description="How long the session key a user gets at sign-in (/admin/login, POST "
        "/auth/login) works, in minutes; signing out ends it sooner.",
    )
    max_failed_sign_ins: int = Field(
        5,
        ge=1,
        le=100,
        description="Wrong passwords one username may receive within "
        "failed_sign_in_window_s; after that its sign-ins are refused ('too_many_attempts') "
        "until the window has passed, right password or not.",
    )
    failed_sign_in_window_s: int = Field(
        900,
        ge=10,
        le=86_400,
        description="The sliding window, in seconds, over which wrong passwords are counted "
        "per username.",
    )
    min_password_length: int = Field(
        10,
        ge=8,
        le=128,
        description="Shortest password `muster users create` and `muster users password` "
        "accept, in characters.",
    )


class StreamSettings(_Group):
    """Recognition in video (the /ws/stream endpoint and `muster watch`)."""

    min_iou: float = Field(
        0.3,
        gt=0.0,
        le=1.0,
        description="A face box continues a track when it overlaps the track's last box by at "
        "least this intersection-over-union.",
    )
    max_missed_frames: int = Field(
        10,
        ge=0,
        le=1000,
        description="A track ends after this many processed frames without its face.",
    )
    vote_window: int = Field(
        5,
        ge=1,
        le=100,
        description="How many of a track's latest recognition answers count towards its "
        "decision (n).",
    )
    votes_needed: int = Field(
        3,
        ge=1,
        le=100,
        description="How many of those answers must name the same person (or nobody) before "
        "the track is decided (k, at most vote_window); then a check-in is recorded once.",
    )
    embed_every_frames: int = Field(
        3,
        ge=1,
        le=1000,
        description="An undecided track is embedded again after this many processed frames "
        "(sooner when its face has grown by a quarter); decided tracks are not re-embedded.",
    )
    full_weight_interocular_px: float = Field(
        40.0,
        gt=0.0,
        le=1000.0,
        description="A face with at least this many pixels between the eyes counts fully in "
        "a track's vote; smaller faces count in proportion.",
    )
    detect_max_side_px: int = Field(
        960,
        ge=160,
        le=8192,
        description="Video frames with a longer side are detected on a downscaled copy (the "
        "image-wide vision.detect_max_side_px applies to photos); the CNN fallback is off for "
        "video, since it costs about 0.5 s on every frame without a face.",
    )
    fallback_max_side_px: int = Field(
        0,
        ge=0,
        le=2048,
        description="When HOG finds no face in a video frame, the CNN detector looks again on "
        "a copy at most this long (0: never). It finds faces in profile that HOG misses (the "
        "Hamilton clip's pianist, yaw about 30-40 degrees, is found only so) at about 0.3-0.6 "
        "s per faceless frame on CPU, so it suits file replays and slow cameras.",
    )
    reconnect_max_s: float = Field(
        30.0,
        ge=0.5,
        le=3600.0,
        description="`muster watch`: the longest wait between attempts to reopen a stream that "
        "dropped (the wait doubles from 0.5 s up to this).",
    )
    report_interval_s: float = Field(
        10.0,
        ge=0.5,
        le=3600.0,
        description="`muster watch`: how often the processed frame rate and dropped frames are "
        "printed, in seconds.",
    )

    @model_validator(mode="after")
    def _votes_fit_the_window(self) -> StreamSettings:
        if self.votes_needed > self.vote_window:
            raise ValueError(
                f"stream.votes_needed ({self.votes_needed}) must be at most stream.vote_window "
                f"({self.vote_window})"
            )
        return self


class SearchSettings(_Group):
    approximate_above_templates: int = Field(
        1_000_000,
        ge=1,
        le=1_000_000_000,
        description="Galleries with more templates than this are searched through an "
        "approximate HNSW index (usearch) instead of exactly. Up to 1,000,000 exact search "
        "was faster than the graph at recall@1 0.99, used half the memory and reloads 100x "
        "faster after a change; see docs/benchmarks.md.",
    )
    candidate_templates: int = Field(
        64,
        ge=8,
        le=4096,
        description="Approximate search: templates fetched per probe, from which persons are "
        "ranked and the runner-up and cohort are taken.",
    )
    hnsw_connectivity: int = Field(
        48,
        ge=4,
        le=128,
        description="Approximate search: graph edges per template (HNSW's M). More finds the "
        "exact best match more often, at more memory and a slower build. 48 (with the "
        "expansions below) reached recall@1 0.995 at 1,000,000 templates; 32 with "
        "expansion_search 1024 sufficed at 100,000 (docs/benchmarks.md).",
    )
    hnsw_expansion_add: int = Field(
        384,
        ge=16,
        le=4096,
        description="Approximate search: beam width while inserting a template (HNSW's "
        "efConstruction). Wider builds a better graph, more slowly; the gallery rebuilds the "
        "graph whenever templates change.",
    )
    hnsw_expansion_search: int = Field(
        4096,
        ge=16,
        le=16384,
        description="Approximate search: beam width of a search (HNSW's ef). Wider finds the "
        "exact best match more often and is slower: 4096 for recall@1 0.99 at 1,000,000 "
        "templates (24 ms a search on 16 cores), 1024 at 100,000 (2 ms).",
    )
    max_ranked_persons: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Exact search ranks only this many persons (0: everyone). The first "
        "persons, which the open-set decision and the cohort score read, are unchanged; "
        "at 1,000,000 templates a search then takes 7 ms instead of 470 ms (16 cores). Keep "
        "0 while 1:1 verification looks the claimed person up in the ranking: one ranked "
        "below the limit would be reported as not enrolled.",
    )
    refresh_interval_s: float = Field(
        0.5,
        ge=0.05,
        le=60.0,
        description="How often, at most, a replica checks the database's gallery version "
        "before a search; another replica's enrolment or deletion shows within this.",
    )


class GroupPhotoSettings(_Group):
    """Group photos (class or team photos): many small faces in one large photo, so they are
    detected on a larger copy than a kiosk frame (docs/configuration.md has the measurements)."""

    upsample: int = Field(
        1,
        ge=0,
        le=3,
        description="Times a group photo is upsampled 2x before HOG detection (each step finds "
        "faces half as small and costs about 4x the time). 1 found all 43 annotated faces of "
        "the dlib PASCAL VOC group photos, 6/6 in both six-person photos and 24/24 in the "
        "collage; 2 took 3x as long and found one VOC face fewer.",
    )
    detect_max_side_px: int = Field(
        2560,
        ge=320,
        le=8192,
        description="Group photos with a longer side are detected on a downscaled copy of "
        "this size (boxes are mapped back). With upsample 1, HOG finds faces from about 40 px "
        "wide in that copy: about 63 px in a 4,000 px phone photo.",
    )
    same_face_min_similarity: float = Field(
        0.95,
        ge=0.5,
        le=1.0,
        description="An unrecognised face this similar (cosine) to one already waiting in the "
        "review queue is not queued again (a re-uploaded photo).",
    )


class LivenessSettings(_Group):
    """Liveness (presentation-attack detection): the kiosk's active challenge, the passive
    per-frame check, and the cool-down after repeated failures (docs/accuracy.md has the
    measured error rates)."""

    required: bool = Field(
        False,
        description="When true, a face check-in is recorded only after a passed liveness check "
        "(the kiosk's challenge, or the passive and motion checks of a stream); a single "
        "uploaded frame is refused with `liveness_required`.",
    )
    challenge_min_frames: int = Field(
        5,
        ge=2,
        le=60,
        description="Frames with one face a challenge answer needs before it is judged; a "
        "stream's motion is not judged on fewer either.",
    )
    min_moved_frames: int = Field(
        2,
        ge=1,
        le=30,
        description="Frames that must show the asked movement (at least min_turn_deg or "
        "min_nod_deg from the first frame); their median planar residual is what is judged.",
    )
    min_turn_deg: float = Field(
        20.0,
        ge=5.0,
        le=60.0,
        description="Least head turn, degrees of yaw from the first frame, that answers a "
        "turn challenge (and that lets a stream's motion be judged).",
    )
    min_nod_deg: float = Field(
        12.0,
        ge=5.0,
        le=20.0,
        description="Least downward head tilt, degrees of pitch from the first frame, that "
        "answers a nod challenge (the pitch estimate saturates about 23 degrees down).",
    )
    min_turn_planar_residual: float = Field(
        0.015,
        ge=0.0,
        le=0.2,
        description="Least change of eye-width asymmetry (interocular distances, median over "
        "the turned frames) a turn must show; a flat picture ideally shows 0, but on real "
        "landmarks about 2% of photos tilted to fake a turn reach it, and about 11% of a live "
        "person's turning windows miss it (docs/accuracy.md).",
    )
    min_nod_planar_residual: float = Field(
        0.03,
        ge=0.0,
        le=0.2,
        description="Least bend of the eye corners (interocular distances) a nod must show. "
        "Real landmarks cannot tell a nod from a picture tilted back (live nods measured "
        "0.013 median, tilted photos up to 0.034), so this keeps photos out and fails most "
        "live nods: prefer turn challenges.",
    )
    challenge_ttl_s: float = Field(
        30.0,
        ge=5.0,
        le=600.0,
        description="A kiosk challenge must be answered within this many seconds of being "
        "issued, and only once.",
    )
    max_challenge_frames: int = Field(
        20,
        ge=3,
        le=60,
        description="The most frames one challenge answer may carry (the kiosk sends a burst "
        "of about 10 over 2 s).",
    )
    same_person_min_similarity: float = Field(
        0.92,
        ge=0.5,
        le=1.0,
        description="Every frame of a challenge answer must show a face at least this similar "
        "(cosine) to the first frame's, so that one person cannot be swapped for another "
        "mid-answer.",
    )
    min_live_fraction: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="The passive check passes a challenge answer or a stream's track when at "
        "least this fraction of its faces is judged live.",
    )
    max_failures: int = Field(
        5,
        ge=1,
        le=1000,
        description="Failed liveness checks on one device within failure_window_s that pause "
        "face check-in on it for cooldown_s (the admin is told).",
    )
    failure_window_s: float = Field(
        300.0,
        ge=10.0,
        le=86400.0,
        description="The window in which failed liveness checks on a device are counted.",
    )
    cooldown_s: float = Field(
        600.0,
        ge=10.0,
        le=86400.0,
        description="How long face check-in on a device pauses after max_failures failed "
        "liveness checks (an admin may lift the pause sooner).",
    )
    passive_min_live_score: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="The passive check judges a face live when its live score (0..1, from the "
        "fine detail the face keeps for its size) is at least this; 0.5 is where a face has "
        "lost the detail finer than 1/60 of its eye distance, as a print or screen recaptured "
        "by the camera does. Higher rejects more attacks and more live faces.",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MUSTER_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    data_dir: Path = Field(
        Path("data"), description="Directory for the SQLite database and the local gallery."
    )
    database_url: str | None = Field(
        None,
        min_length=1,
        max_length=2000,
        description="SQLAlchemy URL of the database, e.g. "
        "postgresql+psycopg://muster@db.example/muster; unset: SQLite in data_dir/muster.sqlite3.",
    )
    vision: VisionSettings = Field(
        default_factory=VisionSettings, description="Face detection and embedding."
    )
    reports: ReportSettings = Field(
        default_factory=ReportSettings, description="Registers, summaries and exports."
    )
    recognition: RecognitionSettings = Field(
        default_factory=RecognitionSettings,
        description="Open-set identification: threshold, margin and quality gate.",
    )
    attendance: AttendanceSettings = Field(
        default_factory=AttendanceSettings,
        description="Check-in rules: dedupe window, in/out toggling, capture times.",
    )
    webhooks: WebhookSettings = Field(
        default_factory=WebhookSettings, description="Outgoing webhook delivery and retries."
    )
    kiosk: KioskSettings = Field(
        default_factory=KioskSettings,
        description="The kiosk page: frame rate, PIN fallback, pairing and lockouts.",
    )
    enrolment: EnrolmentSettings = Field(
        default_factory=EnrolmentSettings,
        description="Enrolment: the photo quality gates and template thumbnails.",
    )
    privacy: PrivacySettings = Field(
        default_factory=PrivacySettings,
        description="What face data is kept, for how long, and what erasure deletes.",
    )
    auth: AuthSettings = Field(
        default_factory=AuthSettings,
        description="Signing in to the admin pages: session length, lockout, passwords.",
    )
    stream: StreamSettings = Field(
        default_factory=StreamSettings,
        description="Recognition in video: tracking, voting, stream reconnects.",
    )
    search: SearchSettings = Field(
        default_factory=SearchSettings,
        description="1:N gallery search: exact or approximate, and replica refresh.",
    )
    group_photos: GroupPhotoSettings = Field(
        default_factory=GroupPhotoSettings,
        description="Group photos: detection of many small faces, review-queue dedupe.",
    )
    liveness: LivenessSettings = Field(
        default_factory=LivenessSettings,
        description="Liveness: the kiosk challenge, the passive check, failure cool-down.",
    )
