# Two entry points, both from a fresh clone:
#   make run   - set up, then translate the bundled sample article with the default model
#   make test  - set up, then run the test suite (what .ci/run does)
#   make bench - set up, then time translation against the naive transformers usage
#   make bench-serve - set up, then time `tarjama serve` with and without dynamic batching
#   make bench-batch - set up, then time `tarjama batch` on NTREX, local against Ray
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A plain `torch` requirement can pull a multi-GB CUDA build; the CPU wheel is pinned and installed first.
TORCH ?= torch==2.13.0

.PHONY: setup run test bench bench-serve bench-batch clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -e ".[test]"

run: setup
	$(BIN)/tarjama translate samples/article.ar.txt

test: setup
	HF_HUB_OFFLINE=1 $(BIN)/pytest -q

# Speed against the naive transformers usage (a few minutes; see README "Performance").
DATA_DIR ?= ../shared/data
bench: setup
	HF_HUB_OFFLINE=1 $(BIN)/tarjama bench --synthetic opus-mt-ar-en $(if $(wildcard $(DATA_DIR)),--data-dir $(DATA_DIR))

# `tarjama serve` with and without dynamic batching, 1/8/32 clients (README "HTTP server").
bench-serve: setup
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/serve_bench.py --synthetic opus-mt-ar-en --data-dir $(DATA_DIR)

# `tarjama batch translate` articles/min, --engine local against Ray with 1 and 2 actors (README
# "Batch jobs"; the first 6 NTREX documents, 18 min here: BATCH_BENCH_ARGS="--docs 30" for more).
BATCH_BENCH_ARGS ?= --docs 6
bench-batch: setup
	HF_HUB_OFFLINE=1 $(BIN)/python scripts/batch_bench.py --data-dir $(DATA_DIR) $(BATCH_BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
