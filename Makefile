# Gatekeeper — the two commands a newcomer needs:
#   make run    run the service with the embedded store (zero config, data in ./data)
#   make test   install what the tests need (when missing) and run every test
SHELL := /bin/bash
GO ?= go
BIN := bin/gatekeeper
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X gatekeeper/cli.Version=$(VERSION)

.PHONY: run build test test-go test-wordpress deps vet bench bench-load wordpress-zip clean

run:
	$(GO) run ./cmd/gatekeeper serve

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gatekeeper

# Every test, with every real component: Redis, MariaDB + WordPress, Chromium.
# GATEKEEPER_REQUIRE_ALL=1 turns "component missing" into a failure, never a skip.
test: deps vet test-go test-wordpress
	@echo "make test: every suite passed"

deps:
	@scripts/deps.sh

vet:
	$(GO) vet ./...

test-go:
	GATEKEEPER_REQUIRE_ALL=1 $(GO) test -count=1 -timeout 15m ./...

test-wordpress: build
	GATEKEEPER_REQUIRE_ALL=1 GATEKEEPER_BIN=$(CURDIR)/$(BIN) plugins/wordpress/tests/run.sh

# Go benchmarks of the policy, the stores and the handler path.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./policy/... ./store/... ./handler/...

# Load test: the service on Redis against an empty Gin handler (docs/performance.md).
bench-load: build
	scripts/bench-load.sh

wordpress-zip:
	plugins/wordpress/bin/build-zip.sh $(CURDIR)/dist

clean:
	rm -rf bin dist
