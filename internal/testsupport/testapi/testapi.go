// Package testapi wires the webhook API the way cmd/gatekeeper does (a gate
// service, its review service, the outlet cache and the Gin engine) for the
// tests of other packages. Nothing in the program imports it.
package testapi

import (
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/handler"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// Options vary the wiring; the zero value is a neutral classifier, the
// wall clock, no store deadline and outlets read from the store each time.
type Options struct {
	Classifier   policy.Classifier // testsupport.NeutralClassifier when nil
	Clock        clock.Clock       // the zero value is the wall clock
	StoreTimeout time.Duration
	OutletTTL    time.Duration // the outlet cache's lifetime (0: none)
	// Edit changes the handler's dependencies before the engine is built.
	Edit func(*handler.Deps)
}

// Engine is the webhook API on st, with its gate service.
func Engine(t testing.TB, st store.Store, o Options) (*gin.Engine, *gate.Service) {
	t.Helper()
	if o.Classifier == nil {
		o.Classifier = testsupport.NeutralClassifier{}
	}
	log := testsupport.Discard()
	svc := &gate.Service{
		Store: st, Classifier: o.Classifier, Review: &review.Service{Store: st, Clock: o.Clock},
		Clock: o.Clock, StoreTimeout: o.StoreTimeout, Log: log,
	}
	d := handler.Deps{
		Gate: svc, Outlets: &gate.OutletCache{Store: st, TTL: o.OutletTTL}, Store: st, Log: log, Clock: o.Clock,
		MaxBodyBytes: 4 << 20,
	}
	if o.Edit != nil {
		o.Edit(&d)
	}
	e, err := handler.New(d)
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	return e, svc
}
