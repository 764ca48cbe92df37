package handler_test

import (
	"testing"

	"gatekeeper/internal/redistest"
	"gatekeeper/policy"
)

// dailyPositive sums the positive counts of a share answer's daily series.
func dailyPositive(share map[string]any) float64 {
	var n float64
	for _, d := range share["daily"].([]any) {
		n += d.(map[string]any)["positive"].(float64)
	}
	return n
}

// TestPositiveShareShown: the check answer's share and the share route show
// the positive count and share beside the negative one, with the
// expectation that positive news leads and whether it does, and the daily
// series the positive posts of each day, on the embedded store and on Redis.
func TestPositiveShareShown(t *testing.T) {
	for name, st := range map[string]func(*testing.T) *env{
		"sqlite": func(t *testing.T) *env { return newEnv(t, sqliteStore(t)) },
		"redis": func(t *testing.T) *env {
			return newEnv(t, redisStore(t, redistest.Start(t, redistest.Options{}).URL()))
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := st(t)
			e.addOutlet("o", nil)
			e.seed("o", 10, 2, "s") // 2 negative, 8 neutral

			a := e.check("o", "g1", "positive")
			sh := a["share"].(map[string]any)
			if sh["positive"].(float64) != 0 || sh["positive_before"].(float64) != 0 || sh["positive_after"].(float64) != 0.0909 ||
				sh["positive_expected_dominant"] != true || sh["positive_dominant"] != false {
				t.Fatalf("check share: %v", sh)
			}
			// Eight more positive posts: 9 positive, 8 neutral, 2 negative after the last.
			for i := 2; i <= 9; i++ {
				a = e.check("o", "g"+itoa(i), "positive")
			}
			sh = a["share"].(map[string]any)
			if sh["positive"].(float64) != 8 || sh["positive_before"].(float64) != 0.4444 || sh["positive_after"].(float64) != 0.4737 ||
				sh["positive_dominant"] != true {
				t.Fatalf("check share after 9 positive posts: %v", sh)
			}
			if s := e.state("o"); s.counts != (policy.Counts{Published: 19, Negative: 2, Positive: 9}) {
				t.Fatalf("counts %+v", s.counts)
			}
			r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: e.keys["o"]})
			share := r.json(t)
			if r.Status != 200 || share["positive"].(float64) != 9 || share["positive_share"].(float64) != 0.4737 ||
				share["share"].(float64) != 0.1053 || share["positive_expected_dominant"] != true || share["positive_dominant"] != true ||
				dailyPositive(share) != 9 {
				t.Fatalf("share: %d %v", r.Status, share)
			}
			// An edit to neutral: neutral leads again.
			e.check("o", "g9", "neutral")
			r = e.do(request{method: "GET", path: "/v1/outlets/o/share", key: e.keys["o"]})
			if share = r.json(t); share["positive"].(float64) != 8 || share["positive_dominant"] != false || dailyPositive(share) != 8 {
				t.Fatalf("share after an edit to neutral: %v", share)
			}
		})
	}
}
