# metacascade: `make run` and `make test` work on a fresh machine with Python 3.11+, pip and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml changes (the stamp is newer than it otherwise).
STAMP := $(VENV)/.metacascade-installed
PYTEST_PARALLEL ?= -n auto

.PHONY: run run-assay test validate validate-stats calibrate bench install clean-runs docs figures

# 10,000 virtual breast-cancer patients over 10 years: organ pattern, detection by year, step
# efficiencies; then its HTML report (figures, tables, provenance), whose path it prints
run: $(STAMP)
	$(BIN)/metacascade run breast_patient --patients 10000 --seed 2026 --out runs/breast_patient --overwrite --workers 2
	$(BIN)/metacascade report runs/breast_patient

# the Luzzi 1998 liver assay (one run), and its HTML report
run-assay: $(STAMP)
	$(BIN)/metacascade run luzzi1998_liver --seed 1998 --out runs/luzzi1998_liver --overwrite
	$(BIN)/metacascade report runs/luzzi1998_liver

# the fast tier; statistical tests draw from METACASCADE_TEST_SEED (fixed unless set: .ci/run sets a
# fresh one); the check against ../shared runs in .ci/run
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not shared" $(PYTEST_PARALLEL)

# every published target: verdict table, runs/validation/report.md and verdicts.json (full run)
validate: $(STAMP)
	$(BIN)/metacascade validate --out runs/validation

# refit every calibrated catalogue scenario (catalog/calibrations.yaml) and write the calibrated sets
# into the catalogue: the assays one by one, then the patient scenarios together (one soil shared, a
# seed and a seed-soil pairing each; catalog/seed_soil.yaml), about an hour on 2 cores; the
# runs/calibration folders keep the fits
CALIBRATED ?= luzzi1998_liver fidler1970_lung
calibrate: $(STAMP)
	for name in $(CALIBRATED); do \
	  $(BIN)/metacascade calibrate $$name --workers 2 --out runs/calibration/$$name --overwrite && \
	  cp runs/calibration/$$name/scenario.yaml src/metacascade/catalog/scenarios/$$name.yaml || exit 1; \
	done
	$(BIN)/metacascade calibrate-joint --workers 2 --out runs/calibration/seed_soil --overwrite
	cp runs/calibration/seed_soil/seed_soil.yaml src/metacascade/catalog/seed_soil.yaml
	cp runs/calibration/seed_soil/scenarios/*.yaml src/metacascade/catalog/scenarios/

validate-stats: $(STAMP)
	$(BIN)/python -m pytest -m slow $(PYTEST_PARALLEL)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_assay.py
	$(BIN)/python benchmarks/bench_patient.py

# the documentation site (home, tutorial, explanations, glossary, API reference) into site/; warnings fail it
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { \
	  echo "venv without ensurepip: bootstrapping pip into $(VENV)"; \
	  rm -rf $(VENV) && $(PYTHON) -m venv --without-pip $(VENV) && \
	  $(PYTHON) -m pip --python $(BIN)/python install --quiet pip; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

clean-runs:
	rm -rf runs

# the README's figures (docs/figures/): the Luzzi 1998 assay's cascade and breast_patient's organ
# pattern at autopsy against diSibio 2008 (400 patients; about a minute on 2 cores)
figures: $(STAMP)
	$(BIN)/metacascade run luzzi1998_liver --seed 1998 --out runs/figures/luzzi1998_liver --overwrite
	$(BIN)/metacascade plot runs/figures/luzzi1998_liver cascade --out docs/figures/cascade.png
	$(BIN)/metacascade run breast_patient --patients 400 --seed 2026 --out runs/figures/breast_patient --overwrite --workers 2
	$(BIN)/metacascade plot runs/figures/breast_patient organ_pattern --out docs/figures/organ_pattern.png
