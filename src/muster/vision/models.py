"""Where dlib's model files live, and one object that loads each model lazily and once.

The files ship in the `face-recognition-models` wheel. We find its folder with
`importlib.util.find_spec` instead of importing the package: its `__init__` needs
`pkg_resources`, which newer setuptools no longer provides.

Licensing: the 5-point landmark model, the ResNet recogniser and the MMOD detector are
usable commercially. The 68-point landmark model was trained on iBUG 300-W, whose licence
excludes commercial use (see the dlib-models README); it is therefore optional and never
loaded unless a caller asks for it explicitly.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Generic, TypeVar

import dlib
import onnxruntime as ort

from muster.domain.errors import ModelUnavailableError
from muster.vision.onnx.session import open_resnet_session

_T = TypeVar("_T")

MODELS_PACKAGE = "face_recognition_models"


class ModelFile(StrEnum):
    """The dlib model files Muster can use, by file name."""

    LANDMARKS_5 = "shape_predictor_5_face_landmarks.dat"
    LANDMARKS_68 = "shape_predictor_68_face_landmarks.dat"
    """Non-commercial training data (iBUG 300-W); optional."""
    RESNET = "dlib_face_recognition_resnet_model_v1.dat"
    MMOD_DETECTOR = "mmod_human_face_detector.dat"


def default_models_dir() -> Path:
    """The `models/` folder of the installed face-recognition-models package.

    Raises ModelUnavailableError when the package is not installed.
    """
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"the {MODELS_PACKAGE!r} package is not installed; "
            "install it with `pip install face-recognition-models`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class _Lazy(Generic[_T]):
    """A value built on first `get()`, once, even when threads race for it."""

    def __init__(self, load: Callable[[], _T]) -> None:
        self._load = load
        self._value: _T | None = None
        self._lock = threading.Lock()

    def get(self) -> _T:
        with self._lock:
            if self._value is None:
                self._value = self._load()
            return self._value


class ModelStore:
    """Holds the dlib models for one pipeline (or several sharing it).

    Nothing is read from disk in the constructor: each accessor loads its model on first
    use, once, behind a lock. A missing or unreadable file raises ModelUnavailableError
    naming the file and how to fix it.
    """

    def __init__(self, models_dir: Path | None = None, onnx_cache_dir: Path | None = None) -> None:
        self._models_dir = models_dir
        self._hog = _Lazy(dlib.get_frontal_face_detector)
        self._mmod = _Lazy(
            lambda: self._load(ModelFile.MMOD_DETECTOR, dlib.cnn_face_detection_model_v1)
        )
        self._landmarks_5 = _Lazy(lambda: self._load(ModelFile.LANDMARKS_5, dlib.shape_predictor))
        self._landmarks_68 = _Lazy(lambda: self._load(ModelFile.LANDMARKS_68, dlib.shape_predictor))
        self._resnet = _Lazy(lambda: self._load(ModelFile.RESNET, dlib.face_recognition_model_v1))
        self._onnx_resnet = _Lazy(
            lambda: self._load(
                ModelFile.RESNET, lambda path: open_resnet_session(Path(path), onnx_cache_dir)
            )
        )

    @property
    def models_dir(self) -> Path:
        """The folder model files are read from (resolved on first use)."""
        return self._models_dir if self._models_dir is not None else default_models_dir()

    def path(self, model: ModelFile) -> Path:
        """The path of one model file, whether or not it exists."""
        return self.models_dir / model.value

    def hog_detector(self) -> dlib.fhog_object_detector:
        """dlib's frontal-face HOG detector (built into dlib, no file)."""
        return self._hog.get()

    def mmod_detector(self) -> dlib.cnn_face_detection_model_v1:
        """dlib's MMOD CNN face detector."""
        return self._mmod.get()

    def landmarks_5(self) -> dlib.shape_predictor:
        """The 5-point landmark model (eye corners and the base of the nose)."""
        return self._landmarks_5.get()

    def landmarks_68(self) -> dlib.shape_predictor:
        """The 68-point landmark model. Its training data (iBUG 300-W) excludes commercial
        use, so Muster only loads it when a caller asks for it explicitly."""
        return self._landmarks_68.get()

    def resnet(self) -> dlib.face_recognition_model_v1:
        """dlib's ResNet face recogniser (128-d descriptors of 150x150 aligned chips)."""
        return self._resnet.get()

    def onnx_resnet(self) -> ort.InferenceSession:
        """The same ResNet converted to ONNX (once per model file, cached in the store's
        onnx_cache_dir, default ~/.cache/muster/models) as an onnxruntime session."""
        return self._onnx_resnet.get()

    def _load(self, model: ModelFile, build: Callable[[str], _T]) -> _T:
        path = self.path(model)
        require_model_file(path)
        try:
            return build(str(path))
        except RuntimeError as exc:  # dlib's error for a truncated or corrupt file
            raise unloadable_model_error(path, exc) from exc


_REINSTALL = "reinstall it with `pip install --force-reinstall face-recognition-models`"


def require_model_file(path: Path) -> None:
    """Raises ModelUnavailableError, saying how to fix it, when the model file is missing."""
    if not path.is_file():
        raise ModelUnavailableError(
            f"model file {path.name} not found in {path.parent}; {_REINSTALL}"
        )


def unloadable_model_error(path: Path, cause: Exception) -> ModelUnavailableError:
    """The error for a model file that exists but cannot be read (truncated, corrupt)."""
    return ModelUnavailableError(f"model file {path} could not be loaded ({cause}); {_REINSTALL}")
