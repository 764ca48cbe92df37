package clock

import (
	"testing"
	"time"
)

func TestZeroValueIsTheWallClock(t *testing.T) {
	var c Clock
	before := time.Now()
	got := c.Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Fatalf("zero Clock.Now() = %v, not between the wall-clock readings around it", got)
	}
}

func TestFixedAndManual(t *testing.T) {
	at := time.Date(2026, 12, 31, 23, 59, 30, 0, time.UTC)
	if got := Fixed(at).Now(); !got.Equal(at) {
		t.Fatalf("Fixed: %v, want %v", got, at)
	}
	m := NewManual(at)
	c := m.Clock()
	m.Advance(45 * time.Second)
	if want := at.Add(45 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("Manual after Advance: %v, want %v", c.Now(), want)
	}
	if d := c.Since(at); d != 45*time.Second {
		t.Fatalf("Since: %v", d)
	}
	m.Set(at)
	if !c.Now().Equal(at) {
		t.Fatalf("Manual after Set: %v", c.Now())
	}
}
