# One command sets up and runs the main job (`make run`), one sets up and runs the tests (`make test`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run synth test lint bench clean providers dynalite standin-provider
# An atomic DynamoDB emulator for the race tests (tests/support/dynalite.py), installed with npm.
DYNALITE_VERSION := 4.0.0
DYNALITE := build/dynalite/node_modules/dynalite/package.json

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# pip byte-compiles what it installs, but an editable install leaves our own modules as source;
	# compile them once so no aiinv call pays for it (Python reads .pyc even with PYTHONDONTWRITEBYTECODE).
	$(BIN)/python -m compileall -q cli modules
	touch $(STAMP)

setup: $(STAMP)

# The main job: synthesize every stack of dev, list them in deploy order, and run the pipeline locally.
run: $(STAMP)
	$(BIN)/aiinv synth --env dev
	$(BIN)/aiinv list --env dev
	$(BIN)/aiinv local run

synth: $(STAMP)
	$(BIN)/aiinv synth --env $(or $(ENV),dev)

# The pinned AWS provider in a filesystem mirror outside the clone (~/.cache/aiinv/providers), shared by
# every checkout: from the registry, else built from its Go module. Skipped when the mirror holds it.
providers: $(STAMP)
	$(BIN)/aiinv providers

# A test stand-in for the pinned AWS provider where the registry is unreachable (cli/terraform/provider_standin.py): by
# default the archive beside the clone, when there is one. Unpacked once per machine into a mirror of its own
# (~/.cache/aiinv/standin-providers/<version>), which pytest gets as AIINV_PROVIDER_MIRROR unless that is set.
AIINV_PROVIDER_STANDIN_ARCHIVE ?= $(abspath $(wildcard ../shared/providers/terraform-provider-aws_6.47.1-dev_linux_amd64.xz))
unexport AIINV_PROVIDER_STANDIN_ARCHIVE
STANDIN := AIINV_PROVIDER_STANDIN_ARCHIVE='$(AIINV_PROVIDER_STANDIN_ARCHIVE)' $(BIN)/python -m cli.terraform.provider_standin

standin-provider: $(STAMP)
	$(STANDIN)

lint: $(STAMP)
	$(BIN)/ruff check .

$(DYNALITE): Makefile
	mkdir -p build/dynalite
	npm install --prefix build/dynalite --no-audit --no-fund --no-save --loglevel=error dynalite@$(DYNALITE_VERSION)

dynalite: $(DYNALITE)

# The real-stack tests (tests/deploy) run as a second pytest beside the rest, each long test on a worker of its
# own: they spend most of their time in the AWS provider's fixed waits (SQS attributes and deletion, S3 lifecycle),
# so their workers are mostly idle, and one scheduler would queue two of them on one worker. Both share one
# synthesis of the environments; the deploy run's report follows the main one, and either failing fails the target.
# The real-stack tests are the longer chain (prod's apply, re-plan and destroy wait ~11 min on the provider), so the
# main suite runs at a lower CPU priority and takes the cores whenever they wait.
TEST_WORKERS ?= 2
DEPLOY_TEST_WORKERS ?= 4

test: $(STAMP) $(DYNALITE)
	$(BIN)/ruff check .
	mirror="$$($(STANDIN) --print-mirror)" || exit 1; \
	if [ -n "$$mirror" ] && [ -z "$${AIINV_PROVIDER_MIRROR:-}" ]; then export AIINV_PROVIDER_MIRROR="$$mirror"; fi; \
	export AIINV_TEST_SYNTH_DIR="$$(mktemp -d -t aiinv-synth-XXXXXX)"; mkdir -p build; \
	{ $(BIN)/pytest tests/deploy -n $(DEPLOY_TEST_WORKERS) --dist loadgroup > build/deploy-tests.log 2>&1; \
	  echo $$? > build/deploy-tests.rc; } & \
	nice -n 10 $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --ignore=tests/deploy; main=$$?; \
	wait; cat build/deploy-tests.log; deploy=$$(cat build/deploy-tests.rc); \
	rm -rf "$$AIINV_TEST_SYNTH_DIR" "$$AIINV_TEST_SYNTH_DIR-variants"; \
	echo "main tests exit $$main, real-stack tests (tests/deploy) exit $$deploy"; \
	[ "$$main" -eq 0 ] && [ "$$deploy" -eq 0 ]

bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf cdktf.out .pytest_cache .ruff_cache
