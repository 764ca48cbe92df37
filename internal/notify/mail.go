package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// SMTP is the mail server notices and reports are sent through.
type SMTP struct {
	Host string
	Port int // 587 when zero (465 with TLS "tls")
	// TLS: "starttls" (the default: STARTTLS required), "tls" (implicit TLS)
	// or "none" (plain, for a relay on the same host only).
	TLS      string
	Username string // AUTH PLAIN when set (never over a plain connection)
	Password string
	From     string // "Gatekeeper <gatekeeper@example.vn>"
	Timeout  time.Duration
	// TLSConfig, when set, replaces the default (tests trust their own CA).
	TLSConfig *tls.Config
}

// Configured reports whether mail can be sent.
func (s *SMTP) Configured() bool { return s != nil && s.Host != "" && s.From != "" }

// Attachment is a file sent with a mail.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Mail is one message.
type Mail struct {
	To          []string     `json:"to"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// ID, when set, is the Message-ID's local part: the same notice sent
	// again carries the same id.
	ID string `json:"id,omitempty"`
}

// Send sends m (wneessen/go-mail): STARTTLS required unless the setting
// says otherwise, AUTH PLAIN when a username is set.
func (s *SMTP) Send(ctx context.Context, m Mail) error {
	if !s.Configured() {
		return errors.New("notify: mail is not configured (smtp_host, smtp_from)")
	}
	msg := mail.NewMsg()
	if err := msg.From(s.From); err != nil {
		return fmt.Errorf("notify: from %q: %w", s.From, err)
	}
	if err := msg.To(m.To...); err != nil {
		return fmt.Errorf("notify: to %v: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		domain := "gatekeeper.local"
		if _, d, ok := strings.Cut(strings.Trim(s.From, "<> "), "@"); ok {
			domain = strings.TrimRight(d, ">")
		}
		msg.SetMessageIDWithValue(m.ID + "@" + domain)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	for _, a := range m.Attachments {
		ct := mail.ContentType(a.ContentType)
		if ct == "" {
			ct = mail.TypeAppOctetStream
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(ct)); err != nil {
			return fmt.Errorf("notify: attach %s: %w", a.Name, err)
		}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	switch s.TLS {
	case "", "starttls":
		opts = append(opts, mail.WithPort(portOr(s.Port, 587)), mail.WithTLSPolicy(mail.TLSMandatory))
	case "tls":
		opts = append(opts, mail.WithPort(portOr(s.Port, 465)), mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithPort(portOr(s.Port, 25)), mail.WithTLSPolicy(mail.NoTLS))
	default:
		return fmt.Errorf("notify: smtp_tls %q: want starttls, tls or none", s.TLS)
	}
	if s.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(s.TLSConfig))
	}
	if s.Username != "" {
		if s.TLS == "none" {
			return errors.New("notify: SMTP authentication over a plain connection is refused (smtp_tls none)")
		}
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("notify: smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("notify: send to %v: %w", m.To, err)
	}
	return nil
}

func portOr(p, def int) int {
	if p > 0 {
		return p
	}
	return def
}
