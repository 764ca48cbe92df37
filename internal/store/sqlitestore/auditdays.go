package sqlitestore

import (
	"context"
	"slices"
)

// Audit-day digests (store.AuditDays): one row per outlet, format version
// and day, never replaced; they go with the outlet (ON DELETE CASCADE) and
// with its trimmed days (Trim).
func init() {
	extraSchema = append(extraSchema, `CREATE TABLE IF NOT EXISTS audit_days (
	outlet  TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	version TEXT NOT NULL,
	day     TEXT NOT NULL,
	data    BLOB NOT NULL,
	PRIMARY KEY (outlet, version, day)
) STRICT, WITHOUT ROWID`)
}

// AuditDays returns the digests kept under version for days, nil where none.
func (s *Store) AuditDays(ctx context.Context, outlet, version string, days []string) ([][]byte, error) {
	out := make([][]byte, len(days))
	if len(days) == 0 {
		return out, nil
	}
	// One range read (days are DayKeys: they sort as they follow).
	lo, hi := slices.Min(days), slices.Max(days)
	rows, err := s.db.QueryContext(ctx, `SELECT day, data FROM audit_days
		WHERE outlet = ? AND version = ? AND day >= ? AND day <= ?`, outlet, version, lo, hi)
	if err != nil {
		return nil, unavailable("audit days", err)
	}
	defer rows.Close()
	at := make(map[string]int, len(days))
	for i, d := range days {
		at[d] = i
	}
	for rows.Next() {
		var day string
		var data []byte
		if err := rows.Scan(&day, &data); err != nil {
			return nil, unavailable("audit days", err)
		}
		if i, ok := at[day]; ok {
			out[i] = data
		}
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("audit days", err)
	}
	// A day asked twice gets its digest twice.
	for i, d := range days {
		if out[i] == nil {
			if j := at[d]; j != i {
				out[i] = out[j]
			}
		}
	}
	return out, nil
}

// PutAuditDays keeps digests under version, each unless its day has one.
func (s *Store) PutAuditDays(ctx context.Context, outlet, version string, digests map[string][]byte) error {
	return s.write(ctx, "put audit days", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		for day, data := range digests {
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_days (outlet, version, day, data) VALUES (?, ?, ?, ?)
				ON CONFLICT (outlet, version, day) DO NOTHING`, outlet, version, day, data); err != nil {
				return err
			}
		}
		return nil
	})
}
