package console

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// auditTypes are every audit entry type, in the order the filter offers
// them; each has a label "event.<type>" in both languages.
var auditTypes = []string{
	"check", "hold", "approve", "reject", "approve_scheduled", "approve_unscheduled", "relabel", "withdraw",
	"sync", recordedType, "past_limit", "break_glass", "callback_retry", "outlet_add", "outlet_update", "secret_rotate",
	"user_add", "user_update", "user_remove", "user_password_reset", "password_change",
}

func init() {
	for k, v := range map[string][2]string{
		"event.check":               {"Kiểm tra bài", "Post checked"},
		"event.hold":                {"Giữ lại chờ duyệt", "Held for review"},
		"event.approve":             {"Duyệt đăng", "Approved"},
		"event.reject":              {"Từ chối", "Rejected"},
		"event.approve_scheduled":   {"Hẹn duyệt", "Approval scheduled"},
		"event.approve_unscheduled": {"Huỷ hẹn duyệt", "Scheduled approval cancelled"},
		"event.relabel":             {"Gán lại sắc thái", "Tone relabelled"},
		"event.withdraw":            {"Gỡ bài", "Post withdrawn"},
		"event.sync":                {"Đồng bộ số liệu", "Counts synchronised"},
		"event.past_limit":          {"Vượt giới hạn sau khi gỡ bài/đồng bộ", "Past the limit after a withdrawal or sync"},
		"event.break_glass":         {"Đăng khẩn cấp", "Emergency publish"},
		"event.callback_retry":      {"Gửi lại thông báo tới CMS", "Callback sent again"},
		"event.outlet_add":          {"Thêm đơn vị", "Outlet added"},
		"event.outlet_update":       {"Sửa thiết lập đơn vị", "Outlet settings changed"},
		"event.secret_rotate":       {"Đổi khoá bí mật", "Secret rotated"},
		"event.user_add":            {"Thêm người dùng", "User added"},
		"event.user_update":         {"Sửa người dùng", "User changed"},
		"event.user_remove":         {"Xoá người dùng", "User removed"},
		"event.user_password_reset": {"Đặt lại mật khẩu", "Password reset"},
		"event.password_change":     {"Đổi mật khẩu", "Password changed"},

		"actor.cms":     {"CMS", "CMS"},
		"actor.cli":     {"dòng lệnh", "command line"},
		"actor.viacms":  {"%s (qua CMS)", "%s (via CMS)"},
		"actor.cliuser": {"dòng lệnh (%s)", "command line (%s)"},

		"det.counts":         {"Khi quyết định: %d/%d tin tiêu cực trong cửa sổ (%s).", "At the decision: %d of %d posts in the window negative (%s)."},
		"det.weighed.neg":    {"Bài được tính là tin tiêu cực.", "The post counts as negative."},
		"det.weighed.not":    {"Bài được tính là tin không tiêu cực.", "The post counts as not negative."},
		"det.notcounted":     {"Bài chưa được tính vào số liệu.", "The post is not counted."},
		"det.would":          {"Chế độ chạy thử: nếu áp dụng thì sẽ là “%s”.", "Shadow mode: enforcing would have answered “%s”."},
		"det.note":           {"Ghi chú: %s", "Note: %s"},
		"det.relabel":        {"Sắc thái đổi từ %s sang %s.", "Tone changed from %s to %s."},
		"det.withdraw":       {"CMS báo bài đã gỡ hoặc chuyển về nháp; số liệu bỏ bài này.", "The CMS reported the post unpublished; the counts drop it."},
		"det.withdraw.no":    {"CMS báo bài đã gỡ; bài chưa từng được tính nên số liệu không đổi.", "The CMS reported the post unpublished; it was never counted, so nothing changes."},
		"det.sync":           {"CMS gửi %d bài: %d bài được thêm, %d bài bị bỏ, %d bài ngoài cửa sổ, %d bài không đổi.", "The CMS sent %d posts: %d added, %d dropped, %d outside the window, %d unchanged."},
		"det.outlet.social":  {"Trang mạng xã hội (%s): %s.", "Social page (%s): %s."},
		"det.outlet":         {"Giới hạn %s, cảnh báo từ %s, cửa sổ %v ngày, chế độ %s, tiêu đề giật gân: %s.", "Limit %s, warning from %s, window %v days, mode %s, sensational headline: %s."},
		"det.rotate":         {"Khoá cũ dùng được đến %s.", "The previous secret works until %s."},
		"det.scheduled":      {"Sẽ duyệt lúc %s.", "To be approved at %s."},
		"det.pastlimit":      {"Sau khi %s, tỉ lệ tin tiêu cực là %d/%d (%s), vượt giới hạn %s.", "After %s, the negative share is %d of %d (%s), past the limit of %s."},
		"pastlimit.withdraw": {"gỡ bài", "a withdrawal"},
		"pastlimit.sync":     {"đồng bộ số liệu", "a sync"},
		"det.callback":       {"Thông báo %s được gửi lại ngay.", "Callback %s is sent again now."},
		"det.user":           {"Tài khoản %s.", "Account %s."},
		"det.userrole":       {"Tài khoản %s, vai trò %s.", "Account %s, role %s."},
		"det.userchange":     {"Tài khoản %s: vai trò %s → %s.", "Account %s: role %s → %s."},
	} {
		messages[k] = v
	}
}

// eventLabel names an audit entry type for a person.
func eventLabel(lang, typ string) string {
	if _, ok := messages["event."+typ]; ok {
		return tr(lang, "event."+typ)
	}
	return typ
}

// actorLabel says who did it: a person, "CMS" or the command line. Checks
// carry the post's author as the CMS sent it.
func actorLabel(lang string, e store.AuditEntry) string {
	a := strings.TrimSpace(e.Actor)
	switch {
	case a == "cms" || (a == "" && (e.Type == "check" || e.Type == "hold" || e.Type == "sync" || e.Type == "withdraw")):
		return tr(lang, "actor.cms")
	case a == "cli" || a == "cli:":
		return tr(lang, "actor.cli")
	case strings.HasPrefix(a, "cli:"):
		return tr(lang, "actor.cliuser", strings.TrimPrefix(a, "cli:"))
	case strings.HasPrefix(a, "console:") && (e.Type == "check" || e.Type == "hold" || e.Type == "sync"):
		return tr(lang, "actor.consoleuser", strings.TrimPrefix(a, "console:"))
	case a == "":
		return "—"
	case e.Type == "check" || e.Type == "hold" || e.Type == "withdraw":
		return tr(lang, "actor.viacms", a)
	}
	return a
}

// auditDetail is what an audit entry's detail says, as sentences in lang.
func auditSentence(lang string, e store.AuditEntry, loc *time.Location) string {
	var d map[string]any
	if len(e.Detail) > 0 && json.Unmarshal(e.Detail, &d) != nil {
		return ""
	}
	str := func(k string) string { s, _ := d[k].(string); return s }
	num := func(k string) int64 { f, _ := d[k].(float64); return int64(f) }
	boolean := func(k string) (bool, bool) { b, ok := d[k].(bool); return b, ok }
	count := func(k string) int64 {
		if xs, ok := d[k].([]any); ok {
			return int64(len(xs))
		}
		return num(k)
	}
	tone := func(neg bool) string {
		if neg {
			return tr(lang, "tone.negative")
		}
		return tr(lang, "tone.not_negative")
	}
	var out []string
	add := func(key string, args ...any) { out = append(out, tr(lang, key, args...)) }
	switch e.Type {
	case "check", "hold", "break_glass":
		if b, ok := d["before"].(map[string]any); ok {
			p, _ := b["published"].(float64)
			n, _ := b["negative"].(float64)
			c := policy.Counts{Published: int64(p), Negative: int64(n)}
			add("det.counts", c.Negative, c.Published, fmtPercent(lang, int64(c.Share())))
		}
		if neg, ok := boolean("negative"); ok {
			if e.Type == "hold" {
				add("det.notcounted")
			} else if neg {
				add("det.weighed.neg")
			} else {
				add("det.weighed.not")
			}
		}
		if w := str("would"); w != "" && w != e.Decision {
			add("det.would", tr(lang, "decision."+w))
		}
	case "approve", "reject":
		if neg, ok := boolean("negative"); ok && e.Type == "approve" {
			if neg {
				add("det.weighed.neg")
			} else {
				add("det.weighed.not")
			}
		}
	case "relabel":
		if neg, ok := boolean("negative"); ok {
			was, _ := boolean("was_negative")
			add("det.relabel", tone(was), tone(neg))
		}
	case "withdraw":
		if w, _ := boolean("withdrawn"); w {
			add("det.withdraw")
		} else {
			add("det.withdraw.no")
		}
	case "sync":
		add("det.sync", count("posts"), count("added"), count("withdrawn"), count("outside_window"), count("unchanged"))
	case "past_limit":
		if w, ok := d["window"].(map[string]any); ok {
			p, _ := w["published"].(float64)
			n, _ := w["negative"].(float64)
			limit, _ := w["limit"].(float64)
			c := policy.Counts{Published: int64(p), Negative: int64(n)}
			cause := str("cause")
			if _, ok := messages["pastlimit."+cause]; ok {
				cause = tr(lang, "pastlimit."+cause)
			}
			add("det.pastlimit", cause, c.Negative, c.Published, fmtPercent(lang, int64(c.Share())), fmtPercent(lang, int64(limit*10000+0.5)))
		}
	case "outlet_add", "outlet_update":
		pct := func(k string) string {
			bp, err := parsePercentBP(str(k))
			if err != nil {
				return str(k)
			}
			return fmtPercent(lang, bp)
		}
		add("det.outlet", pct("limit"), pct("warn_at"), d["window_days"], tr(lang, "mode."+str("mode")), tr(lang, "decision."+str("sensational_action")))
		if str("kind") == string(store.KindSocial) {
			add("det.outlet.social", tr(lang, "platform."+str("platform")), str("page_url"))
		}
	case "secret_rotate":
		if t, err := time.Parse(time.RFC3339Nano, str("previous_valid_until")); err == nil {
			add("det.rotate", fmtTime(lang, t, loc))
		}
	case "approve_scheduled":
		if t, err := time.Parse(time.RFC3339Nano, str("at")); err == nil {
			add("det.scheduled", fmtTime(lang, t, loc))
		}
	case "callback_retry":
		add("det.callback", str("callback"))
	case recordedType:
		if t := str("title"); t != "" {
			add("det.recorded", t)
		}
		if again, _ := boolean("again"); again {
			add("det.again")
		}
	case "user_add", "user_remove":
		if r := str("role"); r != "" {
			add("det.userrole", str("username"), tr(lang, "role."+r))
		} else {
			add("det.user", str("username"))
		}
	case "user_update":
		if b, r := str("role_before"), str("role"); b != "" && r != "" && b != r {
			add("det.userchange", str("username"), tr(lang, "role."+b), tr(lang, "role."+r))
		} else {
			add("det.user", str("username"))
		}
	case "user_password_reset", "password_change":
		add("det.user", str("username"))
	default:
		return compactDetail(e.Detail)
	}
	if n := strings.TrimSpace(str("note")); n != "" {
		add("det.note", n)
	}
	return strings.Join(out, " ")
}

// parsePercentBP reads "15.00" (as outlet details store it) as basis points.
func parsePercentBP(s string) (int64, error) {
	var w, f int64
	if _, err := fmt.Sscanf(s, "%d.%02d", &w, &f); err != nil {
		return 0, err
	}
	return w*100 + f, nil
}

// postInfo is what a report says about a post beyond its id.
type postInfo struct {
	Title, URL string
	Negative   *bool
}

// postInfos gathers the titles and links of an outlet's posts from its
// holds (the only place post text is kept), by post id.
func (c *Console) postInfos(ctx context.Context, outlet string) map[string]postInfo {
	out := map[string]postInfo{}
	holds, err := c.st.ListHolds(ctx, outlet, store.HoldFilter{Limit: 1000})
	if err != nil {
		c.log.Warn("console: holds for the audit titles", "outlet", outlet, "err", err)
		return out
	}
	for _, h := range holds {
		if _, seen := out[h.PostID]; seen {
			continue // newest first: keep the latest title
		}
		s := decodeSnapshot(h.Snapshot)
		out[h.PostID] = postInfo{Title: s.Post.Title, URL: s.Post.URL}
	}
	return out
}

// entryTone is the tone an entry records for its post, if any.
func entryTone(lang string, e store.AuditEntry) string {
	var d struct {
		Negative *bool `json:"negative"`
	}
	if json.Unmarshal(e.Detail, &d) != nil || d.Negative == nil || e.PostID == "" {
		return ""
	}
	if *d.Negative {
		return tr(lang, "tone.negative")
	}
	return tr(lang, "tone.not_negative")
}
