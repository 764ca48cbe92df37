package redisstore

import (
	"testing"
	"time"
)

// BenchmarkCheckReplicated: BenchmarkCheck on a master with one replica,
// with asynchronous replication and with WAIT 1 after each check (the
// price of --redis-wait-replicas 1: one more reply to wait for, and the
// replica's acknowledgement).
func BenchmarkCheckReplicated(b *testing.B) {
	master, _ := primaryReplica(b)
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	for _, wait := range []int{0, 1} {
		name := "async"
		if wait > 0 {
			name = "wait1"
		}
		b.Run(name, func(b *testing.B) {
			st := open(b, master.URL(), WithWaitReplicas(wait))
			runChecks(b, st, hotOutlet(b, st, now, 100), now, tenPercent, false)
		})
		b.Run(name+"-parallel", func(b *testing.B) {
			st := open(b, master.URL(), WithWaitReplicas(wait))
			b.SetParallelism(4)
			runChecks(b, st, hotOutlet(b, st, now, 100), now, tenPercent, true)
		})
	}
}
