package console

import (
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// TestDeliveryAdvice: each kind of delivery error the worker records reads
// as what it means and what to do, in both languages.
func TestDeliveryAdvice(t *testing.T) {
	for err, key := range map[string]string{
		"refused: callback address not allowed (set allow_private_callback to allow it)": "cb.private",
		"outlet has no callback URL":            "cb.nourl",
		"outlet has no usable secret":           "cb.nosecret",
		"HTTP 401: signature_invalid":           "cb.auth",
		"HTTP 403":                              "cb.auth",
		"HTTP 404: rest_no_route":               "cb.notfound",
		"HTTP 301 (redirects are not followed)": "cb.redirect",
		"HTTP 503":                              "cb.server",
		"post: dial tcp 203.0.113.9:443: connect: connection refused": "cb.network",
		"post: dial tcp: lookup cms.invalid: no such host":            "cb.network",
		"post: context deadline exceeded":                             "cb.network",
		"something new":                                               "cb.other",
	} {
		for _, lang := range []string{langVI, langEN} {
			if got := deliveryAdvice(lang, err); got != tr(lang, key) || got == key {
				t.Errorf("%s %q: %q, want %s", lang, err, got, key)
			}
		}
	}
}

// TestSafeText: the earliest safe time is said honestly — the date the
// window frees a slot (dd/mm/yyyy HH:mm in the outlet's zone) and the
// non-negative posts that would do it sooner, or only those posts when the
// window alone never makes room.
func TestSafeText(t *testing.T) {
	o := store.Outlet{WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	now := time.Date(2026, 12, 5, 3, 0, 0, 0, time.UTC)
	at := time.Date(2027, 1, 1, 22, 8, 11, 0, time.UTC) // 02/01/2027 05:08 in Hồ Chí Minh City
	n := func(v int64) *int64 { return &v }
	for _, tc := range []struct {
		at   *time.Time
		need *int64
		want string
	}{
		{&at, n(3), "02/01/2027 05:08: lúc đó tin tiêu cực cũ đã ra khỏi cửa sổ 30 ngày (nếu không đăng thêm tin tiêu cực nào); hoặc sớm hơn, ngay khi đăng thêm 3 tin không tiêu cực"},
		{nil, n(5), "Chưa có mốc trong cửa sổ 30 ngày: chỉ có chỗ khi đăng thêm 5 tin không tiêu cực"},
		{&at, n(0), "Đã có chỗ: có thể duyệt ngay"},
		{nil, nil, "Không có mốc: giới hạn của đơn vị là 0%"},
	} {
		if got := safeText(langVI, o, tc.at, policy.Headroom{NonNegativeNeeded: tc.need}, now); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}
