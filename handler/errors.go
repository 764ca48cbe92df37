package handler

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/messages"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	"invalid_json":              http.StatusBadRequest,
	"validation_failed":         http.StatusBadRequest,
	"signature_missing":         http.StatusUnauthorized,
	"signature_invalid":         http.StatusUnauthorized,
	"signature_expired":         http.StatusUnauthorized,
	"signature_target_mismatch": http.StatusUnauthorized,
	"outlet_not_found":          http.StatusNotFound,
	"post_not_found":            http.StatusNotFound,
	"hold_not_found":            http.StatusNotFound,
	"not_found":                 http.StatusNotFound,
	"method_not_allowed":        http.StatusMethodNotAllowed,
	"hold_not_pending":          http.StatusConflict,
	"body_too_large":            http.StatusRequestEntityTooLarge,
	"unsupported_media_type":    http.StatusUnsupportedMediaType,
	"import_invalid":            http.StatusUnprocessableEntity,
	"unsupported_import_type":   http.StatusUnsupportedMediaType,
	"rate_limited":              http.StatusTooManyRequests,
	"signature_unbound":         http.StatusUnauthorized,
	"webhook_id_reused":         http.StatusConflict,
	"approval_console_only":     http.StatusForbidden,
	"server_busy":               http.StatusServiceUnavailable,
	"internal":                  http.StatusInternalServerError,
	"store_unavailable":         http.StatusServiceUnavailable,
}

// RetryAfterSeconds is what a 503 or 429 asks the caller to wait.
const RetryAfterSeconds = "2"

// apiError is an error a caller can act on.
type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Rows are the refused rows of an import (import_invalid).
	Rows []importError `json:"rows,omitempty"`
	// RequestID lets an operator find the log line of an internal error.
	RequestID string `json:"request_id,omitempty"`
}

// fail answers with error code, logging cause when it is the service's fault.
func fail(c *gin.Context, code string, cause error, fields map[string]string) {
	status, ok := statusOf[code]
	if !ok {
		code, status = "internal", http.StatusInternalServerError
	}
	lang := langOf(c)
	e := apiError{Code: code, Message: messages.Error(lang, code), Fields: fields}
	switch status {
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		c.Header("Retry-After", RetryAfterSeconds)
	}
	if status >= 500 {
		e.RequestID = requestID(c)
		level := slog.LevelError
		if status == http.StatusServiceUnavailable {
			level = slog.LevelWarn
		}
		slog.Log(c.Request.Context(), level, "request failed", "request_id", e.RequestID, "code", code, "err", cause)
	}
	c.AbortWithStatusJSON(status, gin.H{"error": e})
}

// failf is fail for a code whose message names args (no cause, no fields).
func failf(c *gin.Context, code string, args ...any) {
	status, ok := statusOf[code]
	if !ok || status >= 500 {
		fail(c, code, nil, nil)
		return
	}
	e := apiError{Code: code, Message: messages.Errorf(langOf(c), code, args...)}
	c.AbortWithStatusJSON(status, gin.H{"error": e})
}

// failErr maps an error from gate or the store to its code.
func failErr(c *gin.Context, err error, notFound string) {
	switch k := store.KindOf(err); {
	case k.Unavailable():
		fail(c, "store_unavailable", err, nil)
	case k == store.KindNotFound:
		fail(c, notFound, err, nil)
	case k == store.KindConflict:
		fail(c, "hold_not_pending", err, nil)
	case errors.Is(err, review.ErrNoteRequired):
		fail(c, "validation_failed", err, map[string]string{"note": messages.Field(langOf(c), "required", "")})
	case errors.Is(err, review.ErrReviewerRequired):
		fail(c, "validation_failed", err, map[string]string{"reviewer": messages.Field(langOf(c), "required", "")})
	default:
		fail(c, "internal", err, nil)
	}
}

func langOf(c *gin.Context) messages.Lang {
	return messages.FromAcceptLanguage(c.GetHeader("Accept-Language"))
}
