#!/bin/sh
# redis-server under valgrind's callgrind, for counting the instructions a
# script costs (deploy/performance.md). Used as GATEKEEPER_REDIS_SERVER by
#   GATEKEEPER_CALLGRIND=1 GATEKEEPER_REDIS_SERVER=$PWD/deploy/scripts/redis-callgrind.sh \
#     go test -run '^$' -bench 'BenchmarkCheck$' -benchtime 1000x ./internal/store/redisstore
# Each dump (callgrind_control -d) lands in the server's directory.
exec valgrind --tool=callgrind --callgrind-out-file=callgrind.out.%p "${REDIS_SERVER:-/usr/bin/redis-server}" "$@" 2>>valgrind.log
