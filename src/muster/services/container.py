"""The composition root: the one place that builds repositories and services from Settings.

Nothing here is global: `build_services(settings)` returns a fresh object graph, so two apps
with different settings (or databases) can live side by side in one test.
"""

from __future__ import annotations

from dataclasses import dataclass

from muster.config import Settings, VisionSettings
from muster.matching import DEFAULT_OPEN_SET_SCORER
from muster.matching.ann import HnswParams
from muster.services.accounts import AccountService
from muster.services.attendance import AttendanceService
from muster.services.checkin import CheckinService
from muster.services.devices import DeviceService, KeyAdministration
from muster.services.enrolment import EnrolmentService
from muster.services.enrolment_checks import EnrolmentCheckService
from muster.services.gallery import Gallery
from muster.services.group_photos import GroupPhotoService, group_vision_settings
from muster.services.keys import KeyService
from muster.services.liveness import LivenessService
from muster.services.pairing import PairingService
from muster.services.people import GroupService, PeopleService
from muster.services.people_import import PeopleImporter
from muster.services.pins import PinService
from muster.services.recognition import RecognitionService
from muster.services.retention import RetentionService
from muster.services.review import ReviewService
from muster.services.schedules import ScheduleService
from muster.services.streaming import StreamingService
from muster.services.thresholds import ThresholdService
from muster.services.webhooks import WebhookDispatcher, WebhookService
from muster.storage import Repositories
from muster.storage.database import Database
from muster.storage.migrate import upgrade
from muster.storage.photos import PhotoStore
from muster.storage.repositories.audit import AuditRepository
from muster.storage.repositories.keys import ApiKeyRepository
from muster.storage.repositories.liveness import LivenessRepository
from muster.storage.repositories.templates import TemplateRepository
from muster.storage.repositories.users import UserRepository
from muster.vision.models import ModelStore
from muster.vision.pipeline import FacePipeline

# The embedder every stored template was made with; templates of another model are ignored
# by the gallery (embeddings of different models cannot be compared).
EMBEDDER_NAME = "dlib_face_recognition_resnet_model_v1"
EMBEDDER_VERSION = "2"
"""The version the default vision settings stamp: the ResNet with flip averaging."""
PLAIN_EMBEDDER_VERSION = "1"
"""The version of the ResNet without flip averaging (`vision.flip_average` off)."""


def embedder_version(vision: VisionSettings) -> str:
    """The version stamped on templates made with `vision`, and the only one its gallery
    matches. Flip averaging changes every embedding, so templates made with it on and off
    are kept apart; switching it back off makes the version 1 templates current again.
    (Jitter and the ONNX/dlib runtime are not versioned: they leave embeddings comparable.)"""
    return EMBEDDER_VERSION if vision.flip_average else PLAIN_EMBEDDER_VERSION


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    pipeline: FacePipeline
    gallery: Gallery
    keys: KeyService
    audit: AuditRepository
    schedules: ScheduleService
    attendance: AttendanceService
    thresholds: ThresholdService
    recognition: RecognitionService
    checkins: CheckinService
    devices: DeviceService
    key_admin: KeyAdministration
    webhooks: WebhookService
    webhook_dispatcher: WebhookDispatcher
    pins: PinService
    pairing: PairingService
    people: PeopleService
    groups: GroupService
    enrolment: EnrolmentService
    review: ReviewService
    retention: RetentionService
    accounts: AccountService
    enrolment_checks: EnrolmentCheckService
    streaming: StreamingService
    group_photos: GroupPhotoService
    liveness: LivenessService

    def start(self) -> None:
        """Start-up work that may fail loudly: models load, the gallery is read."""
        self.pipeline.warm_up()
        self.gallery.refresh(force=True)
        self.thresholds.current()

    def close(self) -> None:
        self.database.dispose()

    @property
    def people_import(self) -> PeopleImporter:
        """Imports people through `people`, `groups` and `enrolment` (stateless, so a new one
        per use costs nothing)."""
        return PeopleImporter(
            people=self.people,
            groups=self.groups,
            enrolment=self.enrolment,
            max_photos_per_call=self.settings.enrolment.max_photos_per_request,
        )


def build_services(
    settings: Settings, *, migrate: bool = True, models: ModelStore | None = None
) -> Services:
    """Builds every service; with `migrate`, first brings the database schema up to date
    (the default for the single-process SQLite setup; replicas may run `muster db upgrade`
    once instead). Pass `models` to share loaded models between several apps (tests)."""
    database = Database.from_settings(settings)
    if migrate:
        upgrade(database.url.render_as_string(hide_password=False))
    templates = TemplateRepository(database)
    repos = Repositories.create(database)
    models = models if models is not None else ModelStore()  # shared by both pipelines
    pipeline = FacePipeline(settings.vision, models)
    gallery = Gallery(
        templates,
        model_name=EMBEDDER_NAME,
        model_version=embedder_version(settings.vision),
        refresh_interval_s=settings.search.refresh_interval_s,
        approximate_above_templates=settings.search.approximate_above_templates,
        candidate_templates=settings.search.candidate_templates,
        hnsw=HnswParams(
            connectivity=settings.search.hnsw_connectivity,
            expansion_add=settings.search.hnsw_expansion_add,
            expansion_search=settings.search.hnsw_expansion_search,
        ),
        max_ranked_persons=settings.search.max_ranked_persons or None,
    )
    keys = KeyService(ApiKeyRepository(database))
    thresholds = ThresholdService(
        gallery,
        templates,
        settings.recognition,
        model_name=EMBEDDER_NAME,
        model_version=embedder_version(settings.vision),
        # The scorer the offline evaluation chose (docs/accuracy.md), for every recognition.
        scorer=DEFAULT_OPEN_SET_SCORER,
    )
    recognition = RecognitionService(
        pipeline=pipeline,
        gallery=gallery,
        thresholds=thresholds,
        people=repos.people,
        settings=settings.recognition,
        limits=settings.vision.limits,
    )
    webhooks = WebhookService(repos.webhooks, repos.audit)
    liveness_repository = LivenessRepository(database)
    checkins = CheckinService(
        recognition=recognition,
        events=repos.events,
        devices=repos.devices,
        people=repos.people,
        unknown_faces=repos.unknown_faces,
        webhooks=webhooks,
        attendance=settings.attendance,
        recognition_settings=settings.recognition,
        liveness=liveness_repository,
        liveness_required=settings.liveness.required,
        keep_event_faces=settings.privacy.keep_event_faces,
    )
    video_pipeline = FacePipeline(_video_vision(settings), models)
    liveness = LivenessService(
        pipeline=video_pipeline,
        recognition=recognition,
        thresholds=thresholds,
        checkins=checkins,
        devices=repos.devices,
        liveness=liveness_repository,
        audit=repos.audit,
        webhooks=webhooks,
        settings=settings.liveness,
        limits=settings.vision.limits,
    )
    key_admin = KeyAdministration(keys, repos.audit)
    photos = PhotoStore(settings.data_dir / "photos")
    enrolment = EnrolmentService(
        pipeline=pipeline,
        people=repos.people,
        templates=repos.templates,
        audit=repos.audit,
        gallery=gallery,
        thresholds=thresholds,
        photos=photos,
        policy=settings.enrolment.quality_policy(),
        privacy=settings.privacy,
        limits=settings.vision.limits,
        thumbnail_px=settings.enrolment.thumbnail_px,
        max_photos=settings.enrolment.max_photos_per_request,
        model_name=EMBEDDER_NAME,
        model_version=embedder_version(settings.vision),
    )
    return Services(
        settings=settings,
        database=database,
        pipeline=pipeline,
        gallery=gallery,
        keys=keys,
        audit=AuditRepository(database),
        schedules=ScheduleService(repos.schedules, repos.audit),
        attendance=AttendanceService(repos, max_range_days=settings.reports.max_range_days),
        thresholds=thresholds,
        recognition=recognition,
        checkins=checkins,
        devices=DeviceService(repos.locations, repos.devices, repos.audit),
        key_admin=key_admin,
        webhooks=webhooks,
        webhook_dispatcher=WebhookDispatcher(repos.webhooks, settings.webhooks),
        pins=PinService(
            people=repos.people, audit=repos.audit, checkins=checkins, settings=settings.kiosk
        ),
        pairing=PairingService(
            devices=repos.devices, key_admin=key_admin, audit=repos.audit, settings=settings.kiosk
        ),
        people=PeopleService(
            people=repos.people,
            templates=repos.templates,
            audit=repos.audit,
            gallery=gallery,
            photos=photos,
            erasure_deletes_events=settings.privacy.erasure_deletes_events,
        ),
        groups=GroupService(repos.groups, repos.audit),
        enrolment=enrolment,
        review=ReviewService(
            unknown_faces=repos.unknown_faces,
            enrolment=enrolment,
            people=repos.people,
            events=repos.events,
            corrections=repos.corrections,
            devices=repos.devices,
            audit=repos.audit,
        ),
        retention=RetentionService(
            unknown_faces=repos.unknown_faces,
            templates=repos.templates,
            photos=photos,
            audit=repos.audit,
            settings=settings.privacy,
        ),
        accounts=AccountService(
            users=UserRepository(database),
            keys=keys,
            audit=repos.audit,
            settings=settings.auth,
        ),
        enrolment_checks=EnrolmentCheckService(
            pipeline=pipeline,
            policy=settings.enrolment.quality_policy(),
            limits=settings.vision.limits,
        ),
        streaming=StreamingService(
            pipeline=video_pipeline,
            recognition=recognition,
            thresholds=thresholds,
            checkins=checkins,
            devices=repos.devices,
            settings=settings.stream,
            liveness=liveness if settings.liveness.required else None,
        ),
        group_photos=GroupPhotoService(
            # Its own pipeline (more upsampling for small faces), the same gallery, threshold
            # and open-set rule as every other recognition.
            recognition=RecognitionService(
                pipeline=FacePipeline(
                    group_vision_settings(settings.vision, settings.group_photos), models
                ),
                gallery=gallery,
                thresholds=thresholds,
                people=repos.people,
                settings=settings.recognition,
                limits=settings.vision.limits,
            ),
            schedules=repos.schedules,
            events=repos.events,
            unknown_faces=repos.unknown_faces,
            audit=repos.audit,
            webhooks=webhooks,
            settings=settings.group_photos,
            recognition_settings=settings.recognition,
            dedupe_window_s=settings.attendance.dedupe_window_s,
        ),
        liveness=liveness,
    )


def _video_vision(settings: Settings) -> VisionSettings:
    """The vision settings for video frames: the stream's detection size and CNN fallback
    (off by default: it would cost about 0.5 s on every frame without a face)."""
    return settings.vision.model_copy(
        update={
            "detect_max_side_px": settings.stream.detect_max_side_px,
            "fallback_max_side_px": settings.stream.fallback_max_side_px,
        }
    )
