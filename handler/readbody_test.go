package handler

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	body := strings.Repeat("Đắk Glei ", 500)
	for _, tc := range []struct {
		name     string
		declared int64
		limit    int64
		want     string
		wantErr  bool
		tooLarge bool
	}{
		{"declared exactly", int64(len(body)), 1 << 20, body, false, false},
		{"not declared", -1, 1 << 20, body, false, false},
		{"declared too short: read whole", 10, 1 << 20, body, false, false},
		{"declared too long: refused", int64(len(body)) + 5, 1 << 20, "", true, false},
		{"over the limit, declared", int64(len(body)), 100, "", true, true},
		{"over the limit, undeclared", -1, 100, "", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(body)), tc.limit)
			got, err := readBody(r, tc.declared)
			if tc.wantErr {
				var tooLarge *http.MaxBytesError
				if err == nil || errors.As(err, &tooLarge) != tc.tooLarge {
					t.Fatalf("err = %v, want an error (too large: %v)", err, tc.tooLarge)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %d bytes, %v; want %d bytes", len(got), err, len(tc.want))
			}
		})
	}
}
