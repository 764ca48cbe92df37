#!/usr/bin/env bash
# What each layer of a check leaves of R (deploy/performance.md, rounds 14 and 15):
# bench-load.sh run against HEAD as committed, and against HEAD patched
# (bench-layers.patch, in a temporary worktree; nothing in the product reads
# the variable) so that GATEKEEPER_LAYER stops every check after one layer
# (both built from the same commit, so uncommitted changes in this tree do
# not make "full" differ from the layers; this tree's build only drives the
# load):
#   full          the check as it is,
#   noop          the check with the store's call to Redis made to a function
#                 that returns at once (the same keys and arguments, the same
#                 batches), then the run's first store result: all but the
#                 check function's body,
#   ping          the same with PING as the round trip: all but the function,
#   nostore       no call to the store: the run's first store result,
#   unclassified  every post gets the run's first classification that is not
#                 negative (the classifier runs once): all but the classifier,
#   decoded       the signature checked, the body decoded and validated, then
#                 the run's first answer written: no classifier, no store call,
#   signed        the signature checked, the body read, the answer written.
# Settings (environment): LAYERS ("full noop ping nostore unclassified decoded
# signed"), ROUNDS
# (2: the layers alternated, so a drifting machine drifts for all of them),
# and bench-load.sh's own (DURATION 8s, SWEEP 64, FSYNCS everysec here).
set -euo pipefail
cd "$(dirname "$0")/../.."

LAYERS=${LAYERS:-"full noop ping nostore unclassified decoded signed"}
ROUNDS=${ROUNDS:-2}
export DURATION=${DURATION:-8s} SWEEP=${SWEEP:-64} FSYNCS=${FSYNCS-everysec}

make -s build
tree=$(mktemp -d)
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || rm -rf "$tree"' EXIT
git worktree add -q --detach "$tree" HEAD
(cd "$tree" && go build -o bin/full ./cmd/gatekeeper)
git -C "$tree" apply "$PWD/deploy/scripts/bench-layers.patch" ||
	{ echo "bench-layers: bench-layers.patch no longer applies to HEAD; update it" >&2; exit 1; }
(cd "$tree" && go build -o bin/gatekeeper ./cmd/gatekeeper)

for round in $(seq "$ROUNDS"); do
	for l in $LAYERS; do
		bin=$tree/bin/gatekeeper
		[ "$l" = full ] && bin=$tree/bin/full
		echo "## round $round, layer $l"
		GATEKEEPER_LAYER=$l SERVE_BIN=$bin deploy/scripts/bench-load.sh |
			grep -E '^(empty|service) --concurrency|^service-half|peak' || true
	done
done
