package metrics

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// UnmatchedRoute is the route label of requests that matched no route (404s
// for arbitrary paths), so scanners cannot create series.
const UnmatchedRoute = "unmatched"

// GinMiddleware observes http_request_duration_seconds for every request.
// The route label is Gin's FullPath (the pattern, e.g.
// "/v1/outlets/:outlet/check"), never the raw URL. Register it first
// (engine.Use) so it sees the final status of every handler.
func (m *Metrics) GinMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if m == nil {
			c.Next()
			return
		}
		start := time.Now() // a duration measurement: the wall clock, not clock.Clock
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = UnmatchedRoute
		}
		m.httpDurBy.get(httpKey{route, methodLabel(c.Request.Method), c.Writer.Status()}).
			Observe(time.Since(start).Seconds())
	}
}

// methodLabel keeps the method label to the standard methods.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	default:
		return "OTHER"
	}
}
