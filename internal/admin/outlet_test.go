package admin

import (
	"testing"

	"gatekeeper/internal/store"
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
