# Driver of the benchmark. Nothing needs installing by hand: the first target that needs
# Python creates .venv and installs the project (torch pinned by $(CONSTRAINTS)) into it.
#
#   make benchmark                    cpu profile (the headline), embedded brain data, CPU, one run per core
#   make contribute METHOD=name       quick profile (the half-hour look: the headline's first 192 steps)
#   make benchmark PROFILE=smoke JOBS=1
#   make benchmark PROFILE=paper DATA=/path/to/fastmri_brain_multicoil JOBS=1   (one GPU)
#   make benchmark PROFILE=paper DATA=... EXECUTOR=slurm PARTITION=gpu GPUS_PER_RUN=1
#   make benchmark MODEL=my_pkg.models:make_model PHYSICS=... METRICS=my_pkg.metrics:A,my_pkg.metrics:B
#   make test
SHELL := /bin/bash

# the headline; `make contribute` and `make site` pass PROFILE only when it is given, so that
# their own defaults hold: the quick look, and the home page's headline
PROFILE ?= cpu
GIVEN_PROFILE = $(if $(filter command line environment,$(origin PROFILE)),--profile $(PROFILE))
SEEDS ?=            # default: the seeds the results folder already has for the profile, else 0
DATA ?=
DATASET ?=
EPOCHS ?=
FINAL_STEP ?=
SPEED ?=
SCENARIOS ?=
METHODS ?=
RESULTS ?= results
CACHE ?= .cache
PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= constraints.txt

PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL ?=
PHYSICS ?=
METRICS ?=
comma := ,
COMMON := --profile $(PROFILE) --results-dir '$(RESULTS)' --cache-dir '$(CACHE)' \
	$(if $(DATA),--data-dir '$(DATA)') $(if $(DATASET),--dataset $(DATASET)) $(if $(EPOCHS),--epochs $(EPOCHS)) \
	$(if $(FINAL_STEP),--final-step $(FINAL_STEP)) $(if $(SPEED),--speed $(SPEED)) \
	$(if $(MODEL),--model $(MODEL)) $(if $(PHYSICS),--physics $(PHYSICS)) \
	$(foreach m,$(subst $(comma), ,$(METRICS)),--metric $(m))
GRID := $(COMMON) $(if $(SEEDS),--seeds $(SEEDS)) $(if $(SCENARIOS),--scenarios $(SCENARIOS)) $(if $(METHODS),--methods $(METHODS))

# `make benchmark` runs JOBS runs at once (default: `make -jN`'s N, else one per core; JOBS=1
# for a single GPU); each run gets its share of the cores as torch threads. MAKEFLAGS carries
# -jN only inside recipes, so both are computed there.
JOBS ?=
THREADS ?=
JOBS_NOW := jobs=$(JOBS); jobs=$${jobs:-$$(grep -o -- '-j[0-9]*' <<< "$$MAKEFLAGS" | head -n1 | cut -c3-)}; \
	jobs=$${jobs:-$$(nproc)}; share=$$(( $$(nproc) / jobs )); share=$$(( share > 0 ? share : 1 ))

SITE ?= build/site
TEST_ARGS ?=
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-site tutorial weights slurm-up slurm-down benchmark reproduce collect contribute findings check-terms data-overview list site readme serve perf gpu-check test browser clean _runs

help: ## list the targets (this text)
	@echo "make TARGET [VARIABLE=value ...]; the variables are described at the top of the Makefile"
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort -u | awk -F ':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'

install: $(STAMP) ## create .venv and install the project (torch pinned by constraints.txt)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[site,test]'
	touch $@ $(SITE_STAMP)

# The site's own light install (pyproject's `site` group, no torch): all `make site` needs. The
# project itself is not installed: `python -m pipeline` runs from this folder.
SITE_STAMP := $(VENV)/.site-installed
install-site: $(SITE_STAMP) ## install only what `make site` needs (no torch; the Pages workflow)

$(SITE_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $$($(PY) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["site"])')
	touch $@

# EXECUTOR=slurm PARTITION=... [ACCOUNT=... GPUS_PER_RUN=1 CPUS_PER_RUN=4 TIME=minutes MAX_PARALLEL=n]: a Slurm job array
# through submitit instead (EXECUTOR=local: the same, as subprocesses of this machine).
EXECUTOR ?=
PARTITION ?=
ACCOUNT ?=
GPUS_PER_RUN ?=
CPUS_PER_RUN ?=
TIME ?=
MAX_PARALLEL ?=
LOG_DIR ?= logs/submitit
JOB_OPTIONS := --executor $(EXECUTOR) --log-dir '$(LOG_DIR)' $(if $(PARTITION),--partition $(PARTITION)) \
	$(if $(ACCOUNT),--account '$(ACCOUNT)') \
	$(if $(GPUS_PER_RUN),--gpus-per-run $(GPUS_PER_RUN)) $(if $(CPUS_PER_RUN),--cpus-per-run $(CPUS_PER_RUN)) \
	$(if $(TIME),--time $(TIME)) \
	$(if $(MAX_PARALLEL),--max-parallel $(MAX_PARALLEL))

ifeq ($(EXECUTOR),)
benchmark: $(STAMP) ## train and evaluate every unfinished run of the grid, then collect (resumes)
	@$(JOBS_NOW); $(MAKE) --no-print-directory -j$$jobs _runs THREADS=$(or $(THREADS),$$share) \
		LINES=$$([ $$jobs -gt 1 ] && echo 1)
	$(PY) -m pipeline collect $(GRID)
else
benchmark: $(STAMP)
	$(PY) -m pipeline benchmark $(GRID) $(JOB_OPTIONS) $(if $(THREADS),--threads $(THREADS)) $(if $(KEEP_WEIGHTS),--keep-weights)
endif

# The grid comes from the methods registry: one target per unfinished run.
ifneq ($(filter _runs,$(MAKECMDGOALS)),)
PENDING := $(shell $(PY) -m pipeline grid --pending $(GRID))
ifneq ($(.SHELLSTATUS),0)
$(error the grid could not be built; see the message above)
endif
$(info $(words $(PENDING)) run(s) to do$(if $(LINES), (several at once: a line per learning-curve point instead of progress bars)))
endif

_runs: $(addprefix run/,$(PENDING))

# KEEP_WEIGHTS=1: keep each run's trained weights in weights/ (for `python -m pipeline evaluate`)
KEEP_WEIGHTS ?=
run/%: $(STAMP)
	$(PY) -m pipeline run $(COMMON) $(if $(THREADS),--threads $(THREADS)) $(if $(KEEP_WEIGHTS),--keep-weights) $(if $(LINES),--lines) \
		--scenario $(word 1,$(subst /, ,$*)) --method $(word 2,$(subst /, ,$*)) \
		--seed $(patsubst seed%,%,$(word 3,$(subst /, ,$*)))

collect: $(STAMP) ## write results/<profile>/runs.csv, per_image.csv, summary.csv, curves.csv, curves_per_image.csv
	$(PY) -m pipeline collect $(GRID)

# Re-run the committed runs of the grid into SCRATCH and compare them image by image: passes only
# when every per-image number is identical. RECORD=results/cpu/reproduced.csv keeps each comparison
# (make reproduce PROFILE=quick SEEDS=0,1,2 RECORD=...: the headline's runs proved at 192 steps);
# REPLACE=1 puts a re-run on the pinned kernels in place of a committed run it does not reproduce.
SCRATCH ?= build/reproduce
RECORD ?=
REPLACE ?=
reproduce: $(STAMP) ## re-run committed runs into SCRATCH; passes only if every per-image number is identical
	$(PY) -m pipeline reproduce $(GRID) --scratch-dir '$(SCRATCH)' $(if $(THREADS),--threads $(THREADS)) \
		$(if $(RECORD),--record '$(RECORD)') $(if $(REPLACE),--replace)

# Run the tutorial notebook again in place, so that its committed outputs (shown on the site) are current
tutorial: $(STAMP) ## run examples/step_by_step.ipynb again, in place (its outputs go on the site)
	$(VENV)/bin/jupyter execute --inplace examples/step_by_step.ipynb

# The shipped weights: the quick runs of the headline methods (mri, seed 0), trained again with
# their weights kept; `reproduce` checks that they give the committed per-image metrics (the
# headline's curve points at 192 steps, which the quick tables are read off), and only then are
# they copied into RESULTS/weights (the same bytes when the runs are the same).
WEIGHT_METHODS ?= supervised,mc,ssdu,weighted-ssdu,ei,mo-ei
weights: $(STAMP) ## train again the quick runs whose weights are shipped (results/weights), checked by reproduce
	rm -rf build/weights
	$(PY) -m pipeline reproduce --profile quick --seeds 0 --scenarios mri --methods $(WEIGHT_METHODS) \
		--results-dir '$(RESULTS)' --cache-dir '$(CACHE)' --scratch-dir build/weights \
		--keep-weights --weights-dir build/weights/kept
	mkdir -p '$(RESULTS)/weights' && cp -R build/weights/kept/. '$(RESULTS)/weights/'

# METHOD=name: train one method in its scenarios beside the committed results of PROFILE (in
# build/contribute, results/ is only read) and write where it ranks to build/contribute/NAME.md.
# Without PROFILE, the quick look (the CLI's own default): a report in about half an hour.
METHOD ?=
contribute: $(STAMP) ## check METHOD's file, train it beside the committed results, report its rank (build/contribute)
	@test -n '$(METHOD)' || { echo "error: say which method: make contribute METHOD=name (see make list)" >&2; exit 2; }
	$(PY) -m pipeline contribute '$(METHOD)' $(GIVEN_PROFILE) --results-dir '$(RESULTS)' --cache-dir '$(CACHE)' \
		$(if $(THREADS),--threads $(THREADS)) $(if $(SCENARIOS),--scenarios '$(SCENARIOS)') $(if $(SEEDS),--seeds '$(SEEDS)')

findings: $(STAMP) ## agreement with the paper (tau, pairs it orders otherwise), its findings, the doubling test and the grid time, on PROFILE's results
	$(PY) -m pipeline findings --profile $(PROFILE) --results-dir '$(RESULTS)'

check-terms: $(STAMP) ## check that every loss term of PROFILE's grid gives a parameter gradient (fails on a dead term)
	$(PY) -m pipeline check-terms --profile $(PROFILE) --cache-dir '$(CACHE)' \
		$(if $(FINAL_STEP),--final-step $(FINAL_STEP)) $(if $(SCENARIOS),--scenarios $(SCENARIOS)) $(if $(METHODS),--methods $(METHODS))

data-overview: $(STAMP) ## write site/data/ again: the embedded dataset's split and slices, for the site's Data and scale page
	$(PY) -m pipeline.setting.data.overview

# Overhead of the pipeline over bare DeepInverse, cache and site costs: results/perf.csv
perf: $(STAMP) ## pipeline overhead, cache and site costs -> results/perf.csv
	$(PY) benchmarks/overhead.py --results-dir '$(RESULTS)' --out '$(RESULTS)/perf.csv'

# Every method of every scenario on the paper profile, a few steps each on CUDA, in one process,
# with the harness's overhead and the speed options measured: results/gpu.csv. Exits 2 without a
# GPU. GPU_CHECK=... passes options (e.g. `--device cpu --size 32 --profile smoke`: the logic on a CPU).
GPU_CHECK ?=
gpu-check: $(STAMP) ## the paper profile on a GPU: every method's status, step time, memory -> results/gpu.csv
	$(PY) benchmarks/gpu_check.py --out '$(RESULTS)/gpu.csv' $(GPU_CHECK)

site: $(SITE_STAMP) ## render results/ into the leaderboard site in SITE (MkDocs Material)
	$(PY) -m pipeline site --results-dir '$(RESULTS)' --out '$(SITE)' \
		$(GIVEN_PROFILE)

readme: $(SITE_STAMP) ## write the numbers README and the guide quote (headline, quick, doubling test, grid time), from RESULTS
	$(PY) -m pipeline readme --results-dir '$(RESULTS)'

serve: site ## build the site and serve it on http://127.0.0.1:PORT/
	@echo "serving $(SITE)/html on http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory '$(SITE)/html'

list: $(STAMP) ## the (scenario, method) grid of PROFILE
	$(PY) -m pipeline list --profile $(PROFILE)

test: $(STAMP) browser ## the test suite (what CI runs); TEST_ARGS='-m "not slurm"' skips the real Slurm tests
	$(PY) -m pytest -q $(TEST_ARGS)

# The browser test drives Debian's chromium (never a browser download); root installs it.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "chromium is not installed: the browser test is skipped (sudo apt-get install chromium)"

# A one-node Slurm cluster on 127.0.0.1 to try EXECUTOR=slurm PARTITION=debug by hand (root; the tests use it too)
SLURM_STATE ?= /tmp/ssl-mri-slurm
slurm-up: ## start a one-node Slurm cluster here (root), then: export SLURM_CONF=... as it prints
	@bash tests/slurm_cluster.sh up '$(SLURM_STATE)'

slurm-down: ## stop the one-node Slurm cluster and remove its state
	@bash tests/slurm_cluster.sh down '$(SLURM_STATE)'

clean: ## remove the measurement cache, build/ and test artifacts
	rm -rf '$(CACHE)' .pytest_cache test-artifacts build
