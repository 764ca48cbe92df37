package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
)

// TypeReport is a scheduled report in the outbox: built and mailed, with
// the PDF and the XLSX attached, when it is delivered.
const TypeReport = "notice.report"

// Schedule mails a report to recipients every month or quarter.
type Schedule struct {
	// Outlet is an outlet id, or "*" for all outlets in one report.
	Outlet string `yaml:"outlet" json:"outlet"`
	// Every is "monthly" (the month before) or "quarterly" (the quarter
	// before, sent in January, April, July and October).
	Every string `yaml:"every" json:"every"`
	// Day of the month it goes out (1–28), from SendHour Vietnam time; a
	// service that was down then sends it later that month.
	Day  int      `yaml:"day" json:"day"`
	To   []string `yaml:"to" json:"to"`
	Lang string   `yaml:"lang" json:"lang"` // vi (default) or en
}

// SendHour is the hour (Vietnam time) scheduled reports go out from.
const SendHour = 6

// Validate says what is wrong with s.
func (s Schedule) Validate() error {
	var errs []error
	if strings.TrimSpace(s.Outlet) == "" {
		errs = append(errs, errors.New("outlet: an outlet id or \"*\""))
	}
	if s.Every != "monthly" && s.Every != "quarterly" {
		errs = append(errs, fmt.Errorf("every %q: monthly or quarterly", s.Every))
	}
	if s.Day < 1 || s.Day > 28 {
		errs = append(errs, fmt.Errorf("day %d: 1–28", s.Day))
	}
	if len(s.To) == 0 {
		errs = append(errs, errors.New("to: at least one address"))
	}
	for _, a := range s.To {
		if p, err := mail.ParseAddress(a); err != nil || p.Address != a {
			errs = append(errs, fmt.Errorf("to: %q is not an e-mail address", a))
		}
	}
	if s.Lang != "" && s.Lang != "vi" && s.Lang != "en" {
		errs = append(errs, fmt.Errorf("lang %q: vi or en", s.Lang))
	}
	return errors.Join(errs...)
}

// Due is the period s reports on when it is due at local (Vietnam time),
// and whether it is.
func (s Schedule) Due(local time.Time) (report.Period, bool) {
	if local.Day() < s.Day || (local.Day() == s.Day && local.Hour() < SendHour) {
		return report.Period{}, false
	}
	y, m := local.Year(), local.Month()
	if s.Every == "quarterly" {
		if (int(m)-1)%3 != 0 {
			return report.Period{}, false
		}
		q := (int(m)-1)/3 + 1 - 1
		if q == 0 {
			return report.Quarter(y-1, 4), true
		}
		return report.Quarter(y, q), true
	}
	return report.Month(y, m-1), true
}

// reportJob is a scheduled report's outbox payload.
type reportJob struct {
	Schedule Schedule      `json:"schedule"`
	Period   report.Period `json:"period"`
}

// schedules queues the reports that are due, each once (its id names the
// schedule and the period).
func (n *Notifier) schedules(ctx context.Context, outlets []store.Outlet, now time.Time) error {
	if len(n.cfg.Schedules) == 0 || !n.cfg.SMTP.Configured() {
		return nil
	}
	local := now.In(n.cfg.DigestZone)
	var errs []error
	for i, s := range n.cfg.Schedules {
		p, due := s.Due(local)
		if !due {
			continue
		}
		home := s.Outlet
		if home == "*" {
			if len(outlets) == 0 {
				continue
			}
			home = outlets[0].ID
			for _, o := range outlets {
				home = min(home, o.ID)
			}
		}
		body, _ := json.Marshal(reportJob{Schedule: s, Period: p})
		id := fmt.Sprintf("r-%d-%s-%s-%s", i, strings.ReplaceAll(s.Outlet, "*", "all"), s.Every, p.From.Key())
		if _, err := n.st.EnqueueCallback(ctx, store.Callback{ID: id, Outlet: home, Type: TypeReport, Payload: body}, now); err != nil {
			errs = append(errs, fmt.Errorf("queue report %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// sendReport builds a scheduled report and mails it with the PDF and the
// XLSX attached; the send is recorded in the audit of the outbox's outlet.
func (n *Notifier) sendReport(ctx context.Context, o store.Outlet, cb store.Callback) error {
	var job reportJob
	if err := json.Unmarshal(cb.Payload, &job); err != nil {
		return fmt.Errorf("notify: report %s: %w", cb.ID, err)
	}
	var ids []string
	if job.Schedule.Outlet != "*" {
		ids = []string{job.Schedule.Outlet}
	}
	r, err := (&report.Builder{Store: n.st, Clock: n.cfg.Clock, KeepMonths: n.cfg.KeepMonths}).Build(ctx, ids, job.Period)
	if err != nil {
		return fmt.Errorf("notify: report %s: %w", cb.ID, err)
	}
	lang := job.Schedule.Lang
	if lang == "" {
		lang = "vi"
	}
	pdf, err := r.PDF(lang, n.cfg.Report)
	if err != nil {
		return err
	}
	xlsx, err := r.XLSX(lang)
	if err != nil {
		return err
	}
	name := report.FileName(r, strings.ReplaceAll(job.Schedule.Outlet, "*", ""), "")
	what := job.Schedule.Outlet
	if what == "*" {
		what = "tất cả đơn vị / all outlets"
	} else if len(r.Outlets) == 1 {
		what = r.Outlets[0].Name
	}
	period := fmt.Sprintf("%02d/%02d/%d – %02d/%02d/%d", job.Period.From.Day, job.Period.From.Month, job.Period.From.Year,
		job.Period.To.Day, job.Period.To.Month, job.Period.To.Year)
	m := Mail{
		To: slices.Clone(job.Schedule.To), ID: cb.ID,
		Subject: fmt.Sprintf("[Gatekeeper] Báo cáo tình hình đăng tin %s — %s", period, what),
		Text: fmt.Sprintf("Kính gửi,\n\nGửi kèm báo cáo tình hình đăng tin và tỉ lệ tin tiêu cực của %s, kỳ %s (PDF để in, XLSX để tính toán).\n"+
			"Attached: the publishing and negative-share report of %s for %s (PDF to print, XLSX to work with).\n\n"+
			"Tin đăng / published: %d; tiêu cực / negative: %d (%s).\n\n%s",
			what, period, what, period, r.Totals.Published, r.Totals.Negative, pct(r.Totals.Share), footer),
		Attachments: []Attachment{
			{Name: name + ".pdf", ContentType: "application/pdf", Data: pdf},
			{Name: name + ".xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: xlsx},
		},
	}
	if err := n.cfg.SMTP.Send(ctx, m); err != nil {
		return err
	}
	detail, _ := json.Marshal(map[string]any{"schedule": job.Schedule.Outlet, "every": job.Schedule.Every,
		"from": job.Period.From, "to": job.Period.To, "recipients": job.Schedule.To, "notice": cb.ID})
	if err := n.st.AppendAudit(ctx, store.AuditEntry{Outlet: o.ID, At: n.cfg.Clock.Now(), Type: "report_sent", Actor: "scheduler", Detail: detail}); err != nil {
		n.log.Error("notify: audit of a sent report", "notice", cb.ID, "err", err)
	}
	return nil
}
