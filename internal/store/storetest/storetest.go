// Package storetest is the contract every store.Store implementation must
// pass: Redis (store/redisstore) and the embedded SQLite store run the same
// suite, so the handler can rely on one behaviour.
//
//	func TestContract(t *testing.T) { storetest.Run(t, func(t *testing.T) store.Store { … }) }
//
// open is called once per subtest. It may return a new store on a fresh
// database or another handle on a shared one: every subtest works on its own
// outlets (random ids), so no subtest sees another's data. open must arrange
// its own cleanup with t.Cleanup (e.g. Close).
//
// Time only moves forward from T0; stores must keep times to the millisecond.
//
// Semantics the suite pins down (beyond the comments in package store):
//   - A call that changes nothing records nothing: a repeated withdrawal, a
//     sync that adds and withdraws nothing, a replayed webhook id and a dry
//     run append no audit entry.
//   - The daily series counts, per go-live day, the posts whose ledger state
//     is counted (by their tone); every change of state or tone moves it.
//   - A dry run returns the would-be EarliestSafe, and HoldID only when the
//     post already has a pending hold (no new hold id is invented).
//   - A hold is a new hold unless the post has a pending hold, which is
//     reused (same id); a check that ends counted cancels the pending hold.
//   - Sync classifies by time first: a post published at or before
//     now-window is "outside" (recorded in the ledger as counted outside the
//     window if it was not counted, so an edit never counts it); an in-window
//     post already counted is "unchanged"; otherwise it is "added" at its
//     published time (a pending hold of it is cancelled).
//   - Audit entries are listed newest first (in the order they were appended);
//     Since is inclusive, Until exclusive, both on AuditEntry.At. Stores
//     record check (allow/warn), hold, approve, reject, withdraw, sync and
//     relabel entries, with At = the call's Now.
//   - Callbacks are leased in order of next attempt; FinishCallback and
//     RetryCallback answer ErrConflict for a callback that is not pending
//     (Retry also accepts a failed one) and ErrNotFound for an unknown id.
package storetest

import (
	"testing"

	"gatekeeper/internal/store"
)

// Run runs the contract suite against the stores open returns.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, func(*testing.T) store.Store)
	}{
		{"Outlets", testOutlets},
		{"EmptyWindow", testEmptyWindow},
		{"Edges", testEdges},
		{"HoldEarliestSafe", testHoldEarliestSafe},
		{"HoldReused", testHoldReused},
		{"HoldSnapshot", testHoldSnapshot},
		{"DryRun", testDryRun},
		{"WebhookReplay", testWebhookReplay},
		{"CheckClaims", testCheckClaims},
		{"AlreadyCounted", testAlreadyCounted},
		{"EditMovesCount", testEditMovesCount},
		{"EditToHold", testEditToHold},
		{"Withdraw", testWithdraw},
		{"Sync", testSync},
		{"SyncRange", testSyncRange},
		{"SyncCountsHeldPost", testSyncCountsHeldPost},
		{"WindowBoundary", testWindowBoundary},
		{"Daily", testDaily},
		{"DayBoundaries", testDayBoundaries},
		{"ResolveApprove", testResolveApprove},
		{"ResolveGuarded", testResolveGuarded},
		{"ResolveReject", testResolveReject},
		{"ListHolds", testListHolds},
		{"Callbacks", testCallbacks},
		{"EnqueueCallback", testEnqueueCallback},
		{"Retention", testRetention},
		{"Relabel", testRelabel},
		{"PositiveCounts", testPositiveCounts},
		{"Audit", testAudit},
		{"AuditReadings", testAuditReadings},
		{"AuditSinceOutOfOrder", testAuditSinceOutOfOrder},
		{"AuditDays", testAuditDays},
		{"Replies", testReplies},
		{"Isolation", testIsolation},
		{"DeleteOutlet", testDeleteOutlet},
		{"Concurrency", testConcurrency},
		// store.Accounts (accounts.go)
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"LoginAttempts", testLoginAttempts},
		{"LoginAttemptsAtOnce", testLoginAttemptsAtOnce},
		{"ScheduledApprovals", testScheduledApprovals},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}
