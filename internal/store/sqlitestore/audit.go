package sqlitestore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatekeeper/internal/store"
)

// AppendAudit appends an entry; the store assigns its id (increasing).
// A zero At is the current time.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	return s.write(ctx, "append audit", func(tx *txn) error {
		_, err := appendAudit(ctx, tx, e)
		return err
	})
}

func appendAudit(ctx context.Context, q queryer, e store.AuditEntry) (int64, error) {
	if e.At.IsZero() {
		e.At = time.Now() // only for a caller that gave no time; every program caller does
	}
	var detail any
	if len(e.Detail) > 0 {
		detail = e.Detail
	}
	res, err := q.ExecContext(ctx, `
		INSERT INTO audit (outlet, at_ms, type, post, hold, actor, decision, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Outlet, msOf(e.At), e.Type, e.PostID, e.HoldID, e.Actor, e.Decision, detail)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// auditDetail marshals v as an entry's Detail.
func auditDetail(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own maps of plain values get here.
		panic(fmt.Sprintf("sqlitestore: audit detail: %v", err))
	}
	return b
}

// ListAudit lists an outlet's entries, newest first (in the order they were
// appended). Since is inclusive, Until exclusive, both on At.
func (s *Store) ListAudit(ctx context.Context, outlet string, f store.AuditFilter) ([]store.AuditEntry, error) {
	var where strings.Builder
	args := []any{outlet}
	where.WriteString("outlet = ?")
	if f.Type != "" {
		where.WriteString(" AND type = ?")
		args = append(args, f.Type)
	}
	if f.PostID != "" {
		where.WriteString(" AND post = ?")
		args = append(args, f.PostID)
	}
	if f.Actor != "" {
		where.WriteString(" AND actor = ?")
		args = append(args, f.Actor)
	}
	if !f.Since.IsZero() {
		where.WriteString(" AND at_ms >= ?")
		args = append(args, msOf(f.Since))
	}
	if !f.Until.IsZero() {
		where.WriteString(" AND at_ms < ?")
		args = append(args, msOf(f.Until))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, outlet, at_ms, type, post, hold, actor, decision, detail
		FROM audit WHERE `+where.String()+` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, unavailable("list audit", err)
	}
	defer rows.Close()
	out := []store.AuditEntry{}
	for rows.Next() {
		var e store.AuditEntry
		var id, at int64
		if err := rows.Scan(&id, &e.Outlet, &at, &e.Type, &e.PostID, &e.HoldID, &e.Actor, &e.Decision, &e.Detail); err != nil {
			return nil, unavailable("list audit", err)
		}
		e.ID, e.At = strconv.FormatInt(id, 10), timeOf(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("list audit", err)
	}
	return out, nil
}
