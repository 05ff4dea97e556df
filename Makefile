# Muster — the two commands a newcomer needs are `make run` and `make test`.
# Everything installs into .venv; nothing outside the repository is touched
# except the Debian packages that `make test-deps` installs for the browser and PostgreSQL tiers.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FACES  ?= ../shared/faces
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Test workers: one per core (each takes whole test files, so module fixtures are built once).
TEST_WORKERS ?= auto

.PHONY: run test check lint typecheck unit venv test-deps eval eval-pairs eval-identify eval-liveness eval-reference bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Set up and start Muster (SQLite in ./data, embedded models, web UI at the printed address).
run: $(STAMP)
	$(BIN)/muster serve --host $(HOST) --port $(PORT)

## Set up and run the whole test suite (installs PostgreSQL/Chromium from Debian when missing).
test: $(STAMP) test-deps
	bash scripts/with-services.sh $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## Installs the Debian packages the PostgreSQL and browser tiers need (root or sudo).
test-deps:
	bash scripts/install-test-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## What CI runs: lint, strict types and the whole suite.
check: lint typecheck test

## Full evaluations on ../shared/faces (not part of the suite; minutes each).
eval: eval-pairs eval-identify

eval-pairs: $(STAMP)
	$(BIN)/muster eval pairs $(FACES)/lfw_pairs_view1_test.tsv --train $(FACES)/lfw_pairs_view1_train.tsv --json out/eval-pairs.json

eval-identify: $(STAMP)
	$(BIN)/muster eval identify $(FACES)/lfw_dev_identification.tsv --det-png out/det.png --json out/eval-identify.json

## Passive liveness: APCER per attack type, BPCER, ACER on the spoof sets (10-15 minutes).
eval-liveness: $(STAMP)
	$(BIN)/muster eval liveness $(FACES) --json out/eval-liveness.json

## Same protocols with the face_recognition reference package, side by side with Muster.
eval-reference: $(STAMP)
	bash bench/reference_env.sh
	$(BIN)/python bench/accuracy_vs_reference.py --faces $(FACES)

## Active liveness: judge_motion / judge_challenge on the webcam videos and tilted photos.
eval-liveness-active: $(STAMP)
	$(BIN)/python bench/liveness_active_eval.py --faces $(FACES)

## Benchmarks (minutes each; figures go to docs/benchmarks.md with the machine they ran on).
bench: bench-pipeline bench-search bench-load

bench-pipeline: $(STAMP)
	bash bench/reference_env.sh
	$(BIN)/python bench/embedder_speed.py --faces $(FACES) --rounds 5
	$(BIN)/python bench/kiosk_path.py --faces $(FACES)
	$(BIN)/python bench/bulk_enrolment.py --faces $(FACES)
	$(BIN)/python bench/mmod_onnx_speed.py --faces $(FACES)

bench-search: $(STAMP)
	$(BIN)/python bench/search_scale.py --sizes 10000 100000

bench-load: $(STAMP) test-deps
	bash scripts/with-services.sh $(BIN)/python -m bench.load_test --faces $(FACES) --people 60 --clients 1 4 8 16

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache out
