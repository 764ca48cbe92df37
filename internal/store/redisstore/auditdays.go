package redisstore

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// auditDays is the hash of an outlet's audit-day digests (store.AuditDays):
// field "VERSION:DAY". It has no lifetime of its own, as the daily series:
// Trim deletes the trimmed days' fields and DeleteOutlet the hash.
func (k keys) auditDays() string { return k.p + "adays" }

func auditDayField(version, day string) string { return version + ":" + day }

// AuditDays returns the digests kept under version for days (one HMGET),
// nil where none.
func (s *Store) AuditDays(ctx context.Context, outlet, version string, days []string) ([][]byte, error) {
	out := make([][]byte, len(days))
	if len(days) == 0 {
		return out, nil
	}
	fields := make([]string, len(days))
	for i, d := range days {
		fields[i] = auditDayField(version, d)
	}
	vals, err := s.rdb.HMGet(ctx, keysOf(outlet).auditDays(), fields...).Result()
	if err != nil {
		return nil, s.fail("audit days", err)
	}
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i] = []byte(str)
		}
	}
	return out, nil
}

// PutAuditDays keeps digests under version (HSETNX: the first writer's
// stays), in one pipeline.
func (s *Store) PutAuditDays(ctx context.Context, outlet, version string, digests map[string][]byte) error {
	if _, err := s.GetOutlet(ctx, outlet); err != nil {
		return err
	}
	if len(digests) == 0 {
		return nil
	}
	key := keysOf(outlet).auditDays()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for day, data := range digests {
			p.HSetNX(ctx, key, auditDayField(version, day), data)
		}
		return nil
	})
	return s.fail("put audit days", err)
}

// trimAuditDays deletes the digests of days before beforeDay, of every version.
func (s *Store) trimAuditDays(ctx context.Context, outlet, beforeDay string) error {
	key := keysOf(outlet).auditDays()
	fields, err := s.rdb.HKeys(ctx, key).Result()
	if err != nil {
		return s.fail("trim audit days", err)
	}
	var old []string
	for _, f := range fields {
		if i := strings.LastIndexByte(f, ':'); i >= 0 && f[i+1:] < beforeDay {
			old = append(old, f)
		}
	}
	for i := 0; i < len(old); i += 500 {
		if err := s.rdb.HDel(ctx, key, old[i:min(i+500, len(old))]...).Err(); err != nil {
			return s.fail("trim audit days", err)
		}
	}
	return nil
}
