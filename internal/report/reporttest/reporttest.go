// Package reporttest publishes a realistic stream of posts through the real
// check path (gate, classifier, store), with holds approved, rejected and
// left waiting, withdrawals and relabels, so the report's tests (and the API's
// and the console's) have a history to report on. Nothing in the program
// imports it.
package reporttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

// Titles the scenario publishes, by what the editor meant; the classifier
// decides what they are.
var (
	NegativeTitles = []string{
		"Tai nạn giao thông trên quốc lộ 14, 2 người bị thương",
		"Bắt giữ đối tượng cướp giật tài sản tại chợ huyện",
		"Lũ quét cuốn trôi nhiều nhà dân ở xã vùng cao",
		"Khởi tố nguyên cán bộ địa chính về tội tham ô tài sản",
		"Sốc: tai nạn kinh hoàng khiến 3 người tử vong trên đèo?",
	}
	PositiveTitles = []string{
		"Huyện tổ chức lễ khen thưởng học sinh giỏi năm học mới",
		"Nông dân phấn khởi đón mùa cà phê bội thu",
	}
	NeutralTitles = []string{
		"Hội nghị triển khai kế hoạch phát triển kinh tế xã hội năm 2027",
		"Lịch tiếp công dân của Chủ tịch UBND huyện tháng này",
		"10 điều bất ngờ về lễ hội mà ai cũng phải xem!",
	}
)

// Scenario is a history being written.
type Scenario struct {
	T      testing.TB
	Store  store.Store
	Outlet store.Outlet
	Clock  *clock.Manual
	Gate   *gate.Service
	rng    *rand.Rand
	// Pending are the holds still waiting, in order.
	Pending []string
	counted []string
	n       int
	// Probe, when set, is called at each step before the clock passes it
	// (Probes' keys), so a test can read the API's view at that instant.
	Probes map[time.Time]func()
}

// New creates the outlet and a scenario on it starting at start.
func New(t testing.TB, st store.Store, o store.Outlet, start time.Time, seed uint64) *Scenario {
	t.Helper()
	if o.WindowDays == 0 {
		o.WindowDays = 30
	}
	if o.Rules == (policy.Rules{}) {
		o.Rules = policy.DefaultRules()
	}
	if o.Timezone == "" {
		o.Timezone = "Asia/Ho_Chi_Minh"
	}
	if o.Name == "" {
		o.Name = "Cổng TTĐT " + o.ID
	}
	o.CreatedAt, o.UpdatedAt = start, start
	if err := st.CreateOutlet(context.Background(), o); err != nil {
		t.Fatalf("reporttest: create outlet %s: %v", o.ID, err)
	}
	m := clock.NewManual(start)
	s := &Scenario{T: t, Store: st, Outlet: o, Clock: m, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b9))}
	s.Gate = &gate.Service{
		Store: st, Classifier: classify.Default(), Clock: m.Clock(),
		Review: &review.Service{Store: st, Clock: m.Clock()},
	}
	return s
}

// Publish checks one post now and returns the answer.
func (s *Scenario) Publish(title string) *gate.Answer {
	s.T.Helper()
	s.n++
	id := fmt.Sprintf("p%04d", s.n)
	a, err := s.Gate.Check(context.Background(), &s.Outlet, gate.Post{ID: id, Title: title, Author: "editor1"}, false, "")
	if err != nil {
		s.T.Fatalf("reporttest: check %s: %v", id, err)
	}
	switch {
	case a.Hold != nil:
		s.Pending = append(s.Pending, a.Hold.ID)
	case a.Counted:
		s.counted = append(s.counted, id)
	}
	return a
}

// Resolve approves or rejects the oldest pending hold, if any.
func (s *Scenario) Resolve(approve bool, reviewer, note string) {
	s.T.Helper()
	if len(s.Pending) == 0 {
		return
	}
	id := s.Pending[0]
	s.Pending = s.Pending[1:]
	if _, err := s.Gate.Resolve(context.Background(), &s.Outlet, id, approve, reviewer, note); err != nil {
		s.T.Fatalf("reporttest: resolve %s: %v", id, err)
	}
}

// Run writes days of history from the clock's time: every day a few posts
// at random hours (about three in ten meant negative), holds resolved a few
// hours later (half approved, a third rejected, the rest left waiting), now
// and then a withdrawal and a relabel. The clock ends at the last day's end.
func (s *Scenario) Run(days int) {
	s.T.Helper()
	ctx := context.Background()
	for range days {
		dayStart := s.Clock.Now()
		posts := 3 + s.rng.IntN(4)
		for range posts {
			s.advance(time.Duration(1+s.rng.IntN(4*60)) * time.Minute)
			switch r := s.rng.IntN(10); {
			case r < 3:
				s.Publish(NegativeTitles[s.rng.IntN(len(NegativeTitles))])
			case r < 5:
				s.Publish(PositiveTitles[s.rng.IntN(len(PositiveTitles))])
			default:
				s.Publish(NeutralTitles[s.rng.IntN(len(NeutralTitles))])
			}
			if len(s.Pending) > 0 && s.rng.IntN(3) == 0 {
				s.advance(time.Duration(30+s.rng.IntN(6*60)) * time.Minute)
				switch r := s.rng.IntN(6); {
				case r < 3:
					s.Resolve(true, "manager1", "Tin cần thiết cho người dân")
				case r < 5:
					s.Resolve(false, "manager2", "Chưa phù hợp")
				default:
					// Left waiting: moved to the back of the queue.
					s.Pending = append(s.Pending[1:], s.Pending[0])
				}
			}
		}
		if len(s.counted) > 5 && s.rng.IntN(5) == 0 {
			i := s.rng.IntN(len(s.counted))
			id := s.counted[i]
			s.counted = append(s.counted[:i], s.counted[i+1:]...)
			if _, err := s.Gate.Withdraw(ctx, &s.Outlet, id, "cms"); err != nil {
				s.T.Fatalf("reporttest: withdraw %s: %v", id, err)
			}
		}
		if len(s.counted) > 5 && s.rng.IntN(6) == 0 {
			id := s.counted[s.rng.IntN(len(s.counted))]
			tone := []policy.Tone{policy.Negative, policy.Neutral, policy.Positive}[s.rng.IntN(3)]
			if err := s.Store.Relabel(ctx, s.Outlet.ID, id, tone, s.Clock.Now(), s.Outlet.Window(), "manager1", "Sửa nhãn"); err != nil {
				s.T.Fatalf("reporttest: relabel %s: %v", id, err)
			}
		}
		s.advanceTo(dayStart.Add(24 * time.Hour))
	}
}

func (s *Scenario) advance(d time.Duration) { s.advanceTo(s.Clock.Now().Add(d)) }

// advanceTo moves the clock to t, calling the probes it passes.
func (s *Scenario) advanceTo(t time.Time) {
	var due []time.Time
	for at := range s.Probes {
		if !at.After(t) && at.After(s.Clock.Now()) {
			due = append(due, at)
		}
	}
	slices.SortFunc(due, time.Time.Compare)
	for _, at := range due {
		s.Clock.Set(at)
		s.Probes[at]()
		delete(s.Probes, at)
	}
	s.Clock.Set(t)
}
