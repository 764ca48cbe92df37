package console

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gatekeeper/internal/gate"
	msgs "gatekeeper/internal/messages"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// TestHoldShareMatchesTheAPI: a hold at 11 published / 1 negative would
// make 2 of 12 (16.666…%). The API's answer, its message and the console's
// hold page all round it the same way: 0.1667, 16,67%, never 16,66%.
func TestHoldShareMatchesTheAPI(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	svc := &gate.Service{Store: e.st, Classifier: testsupport.NeutralClassifier{}}
	ctx := context.Background()
	o, err := e.st.GetOutlet(ctx, e.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 11 {
		tone := "neutral"
		if i == 10 {
			tone = "negative"
		}
		ans, err := svc.Check(ctx, &o, gate.Post{ID: fmt.Sprint("p", i), Title: "Tin " + fmt.Sprint(i), DeclaredTone: tone}, false, "")
		if err != nil || !ans.Counted {
			t.Fatalf("seed %d: %+v, %v", i, ans, err)
		}
	}
	ans, err := svc.Check(ctx, &o, gate.Post{ID: "held", Title: "Tai nạn", DeclaredTone: "negative"}, false, "")
	if err != nil || ans.Decision != policy.Hold || ans.Hold == nil {
		t.Fatalf("the 12th post was not held: %+v, %v", ans, err)
	}
	if ans.Share.Published != 11 || ans.Share.Negative != 1 || ans.Share.After != 0.1667 {
		t.Fatalf("API share %+v, want 11 published, 1 negative, after 0.1667", ans.Share)
	}
	ans.Localize(msgs.VI)
	var msg string
	for _, r := range ans.Reasons {
		msg += r.Message
	}
	if !strings.Contains(msg, "16,67%") {
		t.Errorf("API message %q lacks 16,67%%", msg)
	}
	c, _ := e.session("mai")
	_, _, body := e.get(c, "/console/outlets/"+e.a.ID+"/holds/"+ans.Hold.ID)
	txt := textOf(body)
	if !strings.Contains(txt, "16,67%") || strings.Contains(txt, "16,66%") {
		t.Errorf("console hold page does not show 16,67%%: %s", txt)
	}
}
