package admin

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestCheckCallbackAddress(t *testing.T) {
	resolve := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "wordpress": // a container name on a private network
			return []netip.Addr{netip.MustParseAddr("172.18.0.4")}, nil
		case "cms.dakglei.gov.vn":
			return []netip.Addr{netip.MustParseAddr("203.162.4.190")}, nil
		}
		return nil, errors.New("no such host")
	}
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		refused      string // the address named, "" when allowed
	}{
		{"https://cms.dakglei.gov.vn/wp-json/gatekeeper/v1/callback", false, ""},
		{"http://127.0.0.1:8081/cb", false, "127.0.0.1"},
		{"http://[::1]/cb", false, "::1"},
		{"http://192.168.1.10/cb", false, "192.168.1.10"},
		{"http://wordpress/cb", false, "172.18.0.4"},
		{"http://wordpress/cb", true, ""},
		{"http://127.0.0.1/cb", true, ""},
		{"https://not-yet-in-dns.example/cb", false, ""}, // the worker reports it when it delivers
		{"", false, ""},
	} {
		err := CheckCallbackAddress(context.Background(), tc.url, tc.allowPrivate, resolve)
		var bad *CallbackAddressError
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%s (allow %v): refused: %v", tc.url, tc.allowPrivate, err)
		case tc.refused != "" && (!errors.As(err, &bad) || bad.Addr.String() != tc.refused):
			t.Errorf("%s: %v, want it refused naming %s", tc.url, err, tc.refused)
		case tc.refused != "" && !strings.Contains(err.Error(), "--allow-private-callback"):
			t.Errorf("%s: the message does not name the fix: %v", tc.url, err)
		}
	}
}
