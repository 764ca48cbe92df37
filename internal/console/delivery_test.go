package console

import "testing"

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
