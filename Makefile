# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first: the pinned CPU build (an unpinned torch pulls a multi-GB CUDA build)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -r requirements.txt
	# the voice encoder of mono diarization: only its weights file is used; its declared deps
	# (librosa, webrtcvad, typing) are not needed, and webrtcvad would need a C compiler
	$(BIN)/pip install -q --no-deps resemblyzer==0.1.4
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/callmine --workspace demo-workspace demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# every bench/ script, then one summary table (bench/out/summary.md); BENCH_ARGS=--quick: minutes
bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache
