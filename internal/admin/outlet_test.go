package admin

import (
	"errors"
	"regexp"
	"testing"

	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

func TestParsePercent(t *testing.T) {
	good := map[string]policy.BasisPoints{"15": 1500, "15.5": 1550, "12.00": 1200, "0": 0, "100": 10000, "0.01": 1, "7%": 700, " 3.25 ": 325}
	for in, want := range good {
		got, err := ParsePercent(in)
		if err != nil || got != want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "15.123", "-1", "100.01", "1e2", ".5", "15,5"} {
		if _, err := ParsePercent(in); err == nil {
			t.Errorf("ParsePercent(%q) accepted", in)
		}
	}
}

func TestParseCategoryTone(t *testing.T) {
	k, tone, err := ParseCategoryTone("Pháp  Luật=negative")
	if err != nil || k != policy.CategoryKey("pháp luật") || tone != policy.Negative {
		t.Fatalf("got %q %q %v", k, tone, err)
	}
	for _, bad := range []string{"Pháp luật", "=negative", "Thể thao=happy"} {
		if _, _, err := ParseCategoryTone(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestValidate(t *testing.T) {
	o := NewOutlet("dak-glei", "Đắk Glei")
	if err := Validate(&o); err != nil {
		t.Fatal(err)
	}
	bad := []func(o *store.Outlet){
		func(o *store.Outlet) { o.ID = "Dak Glei" },
		func(o *store.Outlet) { o.Name = " " },
		func(o *store.Outlet) { o.WindowDays = 0 },
		func(o *store.Outlet) { o.Timezone = "Mars/Olympus" },
		func(o *store.Outlet) { o.CallbackURL = "ftp://x" },
		func(o *store.Outlet) { o.CallbackURL = "https://user:pw@cms.example" },
		func(o *store.Outlet) { o.Rules.WarnAt = 2000 },
	}
	for i, f := range bad {
		o := NewOutlet("dak-glei", "Đắk Glei")
		f(&o)
		if err := Validate(&o); err == nil {
			t.Errorf("case %d accepted: %+v", i, o)
		}
	}
}

// TestKinds: a website by default (and when none is stored); a social
// outlet needs a known platform and its page's http(s) address; only a
// social outlet has them; SetKind drops them for a website.
func TestKinds(t *testing.T) {
	o := NewOutlet("xa-dakpek", "Trang UBND xã")
	if o.KindOf() != store.KindWebsite || (&store.Outlet{}).KindOf() != store.KindWebsite {
		t.Fatalf("default kind %q", o.KindOf())
	}
	SetKind(&o, store.KindSocial, "facebook", " https://www.facebook.com/ubndxadakpek ")
	if err := Validate(&o); err != nil || o.PageURL != "https://www.facebook.com/ubndxadakpek" {
		t.Fatalf("social outlet: %v (%+v)", err, o)
	}
	if p := Public(o); p["kind"] != store.KindSocial || p["platform"] != "facebook" {
		t.Fatalf("Public: %v", p)
	}
	codes := func(o store.Outlet) []string {
		var out []string
		for _, e := range Problems(Validate(&o)) {
			var s *policy.InvalidSetting
			if errors.As(e, &s) {
				out = append(out, s.Code)
			}
		}
		return out
	}
	for _, tc := range []struct {
		kind           store.OutletKind
		platform, page string
		want           string
	}{
		{"blog", "", "", "kind"},
		{store.KindSocial, "myspace", "https://myspace.com/x", "platform"},
		{store.KindSocial, "zalo", "", "page_url"},
		{store.KindSocial, "zalo", "javascript:alert(1)", "page_url"},
		{store.KindSocial, "zalo", "zalo.me/123", "page_url"},
		{store.KindWebsite, "facebook", "", "social_only"},
	} {
		o := NewOutlet("xa", "Xã")
		o.Kind, o.Platform, o.PageURL = tc.kind, tc.platform, tc.page
		if got := codes(o); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%+v: codes %v, want %s", tc, got, tc.want)
		}
	}
	SetKind(&o, store.KindWebsite, "facebook", "https://facebook.com/x")
	if o.Platform != "" || o.PageURL != "" || Validate(&o) != nil {
		t.Fatalf("back to a website: %+v", o)
	}
}

// TestValidIDAsPattern holds ValidID's loop to the form it checks, as a
// regular expression: every byte value alone, first, in the middle and
// last, the lengths around the bound, and random ids.
func TestValidIDAsPattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	for _, id := range testsupport.IDsAround(63, "az09-A_. \x00\xc3\xa1") {
		if got, want := ValidID(id) == nil, pattern.MatchString(id); got != want {
			t.Errorf("ValidID(%q) accepts: %t, the pattern says %t", id, got, want)
		}
	}
}
