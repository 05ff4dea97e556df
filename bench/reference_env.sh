#!/usr/bin/env bash
# Builds the reference environment: the `face_recognition` PyPI package in its own venv
# (out/refenv), so it can be run exactly as its users run it without touching .venv.
# face_recognition's own dependency list names the source-built `dlib`; we install the prebuilt
# `dlib-bin` wheel (the same C++ library and models Muster uses) and face_recognition itself
# with --no-deps (tqdm only draws the progress bar). Idempotent: re-running only checks that the import works.
set -euo pipefail

PYTHON="${PYTHON:-python3.11}"
REFENV="${REFENV:-out/refenv}"

if [[ ! -x "$REFENV/bin/python" ]]; then
    "$PYTHON" -m venv "$REFENV"
    "$REFENV/bin/pip" install --quiet --upgrade pip
fi
if ! "$REFENV/bin/python" -c "import face_recognition, tqdm" 2>/dev/null; then
    "$REFENV/bin/pip" install --quiet dlib-bin face-recognition-models numpy pillow tqdm
    "$REFENV/bin/pip" install --quiet --no-deps face_recognition
fi
"$REFENV/bin/python" - <<'PY'
import dlib, face_recognition, numpy
from importlib.metadata import version
print(f"reference env ready: face_recognition {version('face_recognition')}, dlib {dlib.__version__}, numpy {numpy.__version__}")
PY
