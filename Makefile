# Ruche — every target is a thin call; the work lives in Go and in deploy/.
SHELL   := /bin/bash
GO      ?= go
BIN     ?= bin/ruche
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# Every module of the workspace (go test ./... does not cross modules).
MODULES := $(shell $(GO) list -m -f '{{.Dir}}')
TESTFLAGS ?= -race -count=1 -timeout 25m
# encoding/json on its v2 implementation (same v1 behaviour): an event is
# decoded three times on its way to ClickHouse, and this halves the cost
# (measured in ARCHITECTURE.md §10). Builds without it behave the same.
export GOEXPERIMENT ?= jsonv2
FUZZTIME ?= 30s

.PHONY: run build install test lint fuzz eval eval-drafts train-moderation k8s-validate clickhouse clickhouse-stop clean

## run: start ClickHouse if needed, build, and run the whole platform (ruche up)
run: clickhouse build
	$(BIN) up

## build: build the ruche binary into bin/ (prints each package it compiles: the first build takes minutes)
build:
	@echo "build: compiling $(BIN) (the first build downloads the modules and compiles every package, several minutes on 2 cores; later builds take seconds)"
	@$(GO) build -v -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./services/ruche 2>&1 | sed -u '/^go: /!s/^/build: compiled /'; exit $${PIPESTATUS[0]}
	@echo "build: $(BIN) is ready"

## install: put ruche on PATH (GOBIN, or GOPATH/bin), so the README's `ruche …` commands work as written
install: build
	@dir="$$($(GO) env GOBIN)"; dir="$${dir:-$$($(GO) env GOPATH)/bin}"; mkdir -p "$$dir" && install -m 0755 $(BIN) "$$dir/ruche" && echo "install: $$dir/ruche (add $$dir to PATH if it is not there)"

## test: every module's tests, with the integration tests against real NATS and ClickHouse
test: clickhouse
	@fail=0; for d in $(MODULES); do \
		echo "== $${d#$(CURDIR)/}"; \
		(cd "$$d" && $(GO) test $(TESTFLAGS) ./...) || fail=1; \
	done; exit $$fail

## lint: go vet on every module and gofmt
lint:
	@fail=0; for d in $(MODULES); do (cd "$$d" && $(GO) vet ./...) || fail=1; done; \
	out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; fail=1; fi; exit $$fail

## fuzz: run each fuzz target for FUZZTIME
fuzz:
	@set -e; for d in $(MODULES); do \
		for pkg in $$(cd "$$d" && $(GO) list ./...); do \
			for f in $$(cd "$$d" && $(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
				echo "== $$pkg $$f"; (cd "$$d" && $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg); \
			done; \
		done; \
	done

## eval: the held-out split of every labelled set (services/moderation/testdata/*/SOURCE.md) through `ruche classify` (the rules) and the learned model: per source and language, precision, recall and confusion per label, sentiment confusion, misses (EVAL_MISSES, -1 for all) and issue 21's targets; EVAL_SPLIT=dev for the split tuned on
EVAL_SPLIT ?= holdout
EVAL_MISSES ?= 15
eval:
	set -o pipefail; cd services/moderation && $(GO) run ./cmd/evalreport -emit -split $(EVAL_SPLIT) \
		| $(GO) run ../ruche classify | $(GO) run ./cmd/evalreport -split $(EVAL_SPLIT) -misses $(EVAL_MISSES)

## eval-second-opinion: spam and toxicity per source and language, the pipeline alone and with a model's second opinion on its uncertain items; SECOND_OPINION=fake (pkg/modelfake, the default) or an OpenAI-compatible base URL with RUCHE_MODERATION_SECOND_OPINION_API_KEY and SECOND_OPINION_MODEL
SECOND_OPINION ?= fake
SECOND_OPINION_MODEL ?= gpt-4o-mini
.PHONY: eval-second-opinion
eval-second-opinion:
	set -o pipefail; cd services/moderation && $(GO) run ./cmd/evalreport -emit -split $(EVAL_SPLIT) \
		| $(GO) run ../ruche classify | $(GO) run ./cmd/evalreport -split $(EVAL_SPLIT) -second-opinion $(SECOND_OPINION) -second-opinion-model $(SECOND_OPINION_MODEL)

## eval-drafts: the drafting evaluation (services/drafting/testdata/eval): a labelled FR/EN set with a knowledge base drafted offline and by the fake model (language, right entry cited, avoided words, length, checks), and an injection set through the adversarial fake model (unflagged leaks, disallowed links and obeyed drafts must all be 0)
eval-drafts:
	cd services/drafting && $(GO) run ./cmd/evaldrafts

## train-moderation: retrain the learned moderation model (services/moderation/learned) from the training splits with learned/params.json into learned/weights.bin; bit for bit the shipped weights
train-moderation:
	cd services/moderation && $(GO) run ./cmd/train

## bench: the pipeline (ruche up) against this machine's own limits, same run; BENCH_SECONDS, BENCH_ROWS, BENCH_CLIENTS, BENCH_UI_ROUNDS, BENCH_OUT (var/bench.json), BENCH_PPROF=dir, BENCH_PHASES=queries,pipeline,...
.PHONY: bench
bench: clickhouse build
	$(BIN) bench

## ui-generate: regenerate the web workspace's templ components (services/gateway/ui/*_templ.go) with the pinned templ CLI
.PHONY: ui-generate
ui-generate:
	cd services/gateway/ui && $(GO) run github.com/a-h/templ/cmd/templ@v0.3.1118 generate

## k8s-validate: render the kustomize overlays and strictly decode every manifest
k8s-validate:
	cd k8s/validate && $(GO) test -count=1 ./...

## clickhouse: make sure a local ClickHouse answers (installs and starts it under var/ if needed)
clickhouse:
	deploy/clickhouse/ensure-local.sh

clickhouse-stop:
	deploy/clickhouse/stop-local.sh

clean:
	rm -rf bin
