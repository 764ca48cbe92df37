# Gatekeeper — the two commands a newcomer needs:
#   make run    run the service with the embedded store (zero config, data in ./data)
#   make test   install what the tests need (when missing) and run every test
SHELL := /bin/bash
GO ?= go
BIN := bin/gatekeeper
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
# The same two variables deploy/Dockerfile sets (deploy/deploy_test.go checks both).
LDFLAGS := -s -w -X main.Version=$(VERSION) -X main.Revision=$(REVISION)

.PHONY: run build test test-go test-clock test-wordpress test-attacks test-failover-long deps vet bench bench-load bench-layers bench-scale capacity wordpress-zip screenshots report-sample bench-retention eval train-classify bench-classify clean

# On 127.0.0.1:8080 (the binary's default) unless GATEKEEPER_ADDR says otherwise.
run:
	$(GO) run ./cmd/gatekeeper serve

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/gatekeeper

# Every test, with every real component: Redis, MariaDB + WordPress, Chromium.
# GATEKEEPER_REQUIRE_ALL=1 turns "component missing" into a failure, never a skip.
test: deps vet test-go test-wordpress
	@echo "make test: every suite passed"

deps:
	@.ci/deps.sh

# deploy/ is a module of its own (the Kubernetes and kustomize libraries its
# tests use stay out of the service's go.mod); vet and test it too.
vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path '*/node_modules/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt -w needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	cd deploy && $(GO) vet ./...

test-go:
	GATEKEEPER_REQUIRE_ALL=1 $(GO) test -count=1 -timeout 15m ./...
	cd deploy && GATEKEEPER_REQUIRE_ALL=1 $(GO) test -count=1 -timeout 15m ./...

# Every Go package but the slow deploy and failover suites, once at each of
# the instants that catch a test depending on when it runs (Asia/Ho_Chi_Minh):
# a month's last minute, the next month's first, 06:59, 17:30, and 23:59:30
# on New Year's Eve. One instant: GATEKEEPER_TEST_NOW=2026-12-31T23:59:30+07:00 go test ./...
CLOCK_INSTANTS := 2026-11-30T23:59:00+07:00 2026-12-01T00:00:00+07:00 2026-12-05T06:59:00+07:00 2026-12-05T17:30:00+07:00 2026-12-31T23:59:30+07:00
CLOCK_PACKAGES = $(shell $(GO) list ./... | grep -v -e '/deploy' -e '/internal/failover$$')
test-clock:
	@set -e; for at in $(CLOCK_INSTANTS); do \
		echo "== GATEKEEPER_TEST_NOW=$$at"; \
		GATEKEEPER_REQUIRE_ALL=1 GATEKEEPER_TEST_NOW=$$at $(GO) test -count=1 -timeout 15m $(CLOCK_PACKAGES); \
	done; echo "make test-clock: every instant passed"

test-wordpress: build
	GATEKEEPER_REQUIRE_ALL=1 GATEKEEPER_BIN=$(CURDIR)/$(BIN) plugins/wordpress/tests/run.sh

# The attacks of docs/security.md alone (they also run in test-go and test-wordpress):
# against the real service on SQLite and a real Redis, and through the real plugin in WordPress.
test-attacks: build
	GATEKEEPER_REQUIRE_ALL=1 $(GO) test -count=1 -run 'TestAttack|TestAddressAllowed|TestBoundRequests|TestDeriveKey|TestPrecheckIDs' ./handler ./internal/callback ./internal/webhook
	GATEKEEPER_REQUIRE_ALL=1 GATEKEEPER_BIN=$(CURDIR)/$(BIN) PHPUNIT_FILTER=AttacksTest plugins/wordpress/tests/run.sh

# Go benchmarks of the policy, the stores and the handler path.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./policy/... ./internal/store/... ./handler/...

# Load test: the service on Redis against an empty Gin handler (deploy/performance.md).
bench-load: build
	deploy/scripts/bench-load.sh

# What each layer of a check leaves of R (deploy/performance.md, rounds 14 and 15).
bench-layers:
	deploy/scripts/bench-layers.sh

# A province on one Redis: 500 outlets with a year at 20 posts a day, seeded straight into a private
# redis-server (about 1.3 GB, 5 minutes); the console's overview, a dashboard, the all-outlets report and
# a check's cost there against one outlet with a month (deploy/performance.md). GATEKEEPER_SCALE_OUTLETS,
# GATEKEEPER_SCALE_DAYS and GATEKEEPER_SCALE_PER_DAY change the size. Its seeding is tested in make test
# (TestSeedReadsBack).
bench-scale:
	$(GO) test -run '^$$' -bench Province -benchtime 3x -v -timeout 40m ./internal/console

# Five kills of each Cluster and Sentinel set-up, with and without WAIT (about 4 minutes).
test-failover-long:
	GATEKEEPER_REQUIRE_ALL=1 GATEKEEPER_FAILOVER_LONG=1 $(GO) test -count=1 -timeout 20m ./internal/failover

# Throughput on 1 and 3 replicas and on a Cluster, Redis memory per outlet and per post (deploy/capacity.md).
capacity: build
	GATEKEEPER_BIN=$(CURDIR)/$(BIN) deploy/scripts/capacity.sh

# The classifier on the labelled data in ../shared/data (or GATEKEEPER_LABELLED_DATA), the sensational
# flag read at SENSITIVITY (low, normal, high; default normal, an outlet's default): make eval SENSITIVITY=high
SENSITIVITY ?= normal
eval:
	$(GO) run ./cmd/gatekeeper eval --worst 10 --sensitivity $(SENSITIVITY) $${GATEKEEPER_LABELLED_DATA:-../shared/data}/tone/vi_news_dev.jsonl \
		$${GATEKEEPER_LABELLED_DATA:-../shared/data}/tone/en_news_dev.jsonl \
		$${GATEKEEPER_LABELLED_DATA:-../shared/data}/clickbait/vi_clickbait_dev.jsonl $${GATEKEEPER_LABELLED_DATA:-../shared/data}/clickbait/en_clickbait_dev.jsonl \
		policy/classify/testdata/regression/vi_district.jsonl

# Rebuild the classifier's learned weights from the labelled data.
train-classify:
	$(GO) run ./policy/classify/internal/train -data $${GATEKEEPER_LABELLED_DATA:-../shared/data} -out policy/classify/model.txt

# Classifier speed against npm's sentiment package on the same bytes (needs node and npm).
bench-classify:
	bash policy/classify/testdata/bench/run.sh

# Console screenshots into docs/console (headless Chromium).
screenshots:
	GATEKEEPER_SCREENSHOTS=1 $(GO) test -count=1 -run 'TestBrowserPages|TestBrowserReports' ./internal/console

# Redis memory over a simulated 18 months at 40 posts a day with 13 months kept (a real redis-server).
bench-retention:
	$(GO) test -count=1 -v -run TestRetentionKeepsRedisMemoryFlat ./internal/report

# A sample PDF report and a picture of its first page into docs/reports (needs poppler-utils).
report-sample:
	mkdir -p docs/reports
	GATEKEEPER_REPORT_SAMPLE=$(CURDIR)/docs/reports/sample-vi.pdf $(GO) test -count=1 -run TestPDFSample ./internal/report
	pdftoppm -r 90 -png -f 1 -l 1 -singlefile docs/reports/sample-vi.pdf docs/reports/report-page1

wordpress-zip:
	plugins/wordpress/bin/build-zip.sh $(CURDIR)/dist

clean:
	rm -rf bin dist
