package store

import (
	"testing"
	"time"
)

func TestActiveSecrets(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	for _, tc := range []struct {
		name    string
		secrets []Secret
		want    []string
	}{
		{"current only", []Secret{{Value: "a"}}, []string{"a"}},
		{"previous in grace", []Secret{{Value: "a"}, {Value: "b", ExpiresAt: at(time.Hour)}}, []string{"a", "b"}},
		{"previous expired now", []Secret{{Value: "a"}, {Value: "b", ExpiresAt: at(0)}}, []string{"a"}},
		{"previous expired", []Secret{{Value: "a"}, {Value: "b", ExpiresAt: at(-time.Second)}}, []string{"a"}},
		{"previous without expiry", []Secret{{Value: "a"}, {Value: "b"}}, []string{"a"}},
		{"current with a passed expiry", []Secret{{Value: "a", ExpiresAt: at(-time.Hour)}, {Value: "b", ExpiresAt: at(time.Hour)}}, []string{"b"}},
		{"two previous", []Secret{{Value: "a"}, {Value: "b", ExpiresAt: at(time.Minute)}, {Value: "c", ExpiresAt: at(time.Hour)}}, []string{"a", "b", "c"}},
		{"none", nil, nil},
	} {
		o := Outlet{Secrets: tc.secrets}
		var got []string
		for _, s := range o.ActiveSecrets(now) {
			got = append(got, s.Value)
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
