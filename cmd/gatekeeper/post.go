package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"gatekeeper/internal/config"
	"gatekeeper/internal/importer"
	"gatekeeper/internal/messages"
	"gatekeeper/internal/posting"
	"gatekeeper/internal/webhook"
)

const postUsage = usageHeading + `
  gatekeeper post check --outlet ID (--title T | --text T) [--text T] [--link URL] [--lang vi|en] [--json]
  gatekeeper post record --outlet ID (--title T | --text T) [--text T] (--link URL | --id ID) [--lang vi|en] [--json]
  gatekeeper post import FILE --outlet ID [--apply] [--complete] [--lang vi|en] [--json]
For pages without a CMS (a Facebook, Zalo OA, YouTube or TikTok page), through a
running service: check says what the service would answer, recording nothing;
record counts a post that is published (the same link or id twice counts once)
and answers the real decision; import previews a page's history (CSV or XLSX:
date, text, link, optional title and tone), every row's label and every refused
row's line, and with --apply records it as one sync (with --complete, posts of
the file's days that are not in it are withdrawn). Every form takes --url, the
service's base URL (GATEKEEPER_URL; default http://127.0.0.1:8080, as for bench),
and --secret, the outlet's secret (GATEKEEPER_SECRET, as for sign).
Each form's flags: gatekeeper post FORM --help.`

// postClient sends an outlet's signed requests to a running service.
type postClient struct {
	server, outlet, lang string
	key                  []byte
	e                    *Env
}

// send signs and sends body to path (under the outlet's routes) and
// decodes the JSON answer into out. A refusal is an error with the
// service's message and field reasons.
func (c *postClient) send(ctx context.Context, path, ctype string, body []byte, out any) (int, error) {
	u := strings.TrimRight(c.server, "/") + "/v1/outlets/" + url.PathEscape(c.outlet) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("--url: %w", err)
	}
	webhook.SignRequest(req.Header, webhook.Target(http.MethodPost, req.URL.RequestURI()), webhook.NewID(), c.e.Clock.Now(), body, c.key)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept-Language", c.lang)
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		return 0, fmt.Errorf("không gửi được đến dịch vụ / could not reach the service: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error struct {
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
				Rows    []importRowError  `json:"rows"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Error.Message == "" {
			return resp.StatusCode, fmt.Errorf("the service answered %s", resp.Status)
		}
		var b strings.Builder
		b.WriteString(e.Error.Message)
		for f, m := range e.Error.Fields {
			fmt.Fprintf(&b, "\n  %s: %s", f, m)
		}
		for _, r := range e.Error.Rows {
			fmt.Fprintf(&b, "\n  %s", r.text(c.lang))
		}
		return resp.StatusCode, errors.New(b.String())
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, fmt.Errorf("the service's answer is not JSON: %w", err)
		}
	}
	return resp.StatusCode, nil
}

// importRowError is a refused row as the service words it.
type importRowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (r importRowError) text(lang string) string {
	line := "dòng"
	if lang == "en" {
		line = "line"
	}
	if r.Line == 0 {
		return r.Message
	}
	if r.Field != "" {
		return fmt.Sprintf("%s %d (%s): %s", line, r.Line, r.Field, r.Message)
	}
	return fmt.Sprintf("%s %d: %s", line, r.Line, r.Message)
}

func runPost(ctx context.Context, e *Env, args []string) error {
	sub, args, err := subcommand(e, args, postUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "check", "record", "import":
	default:
		fmt.Fprintf(e.Stderr, "gatekeeper post: unknown sub-command %q\n\n%s\n", sub, postUsage)
		return errUsage
	}
	var file string
	if sub == "import" && !wantsHelp(args) {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(e.Stderr, "gatekeeper post import: the FILE comes first\n\n%s\n", formsOf(postUsage, "post", "import"))
			return errUsage
		}
		file, args = args[0], args[1:]
	}
	fs := newFlagSet(e, "post "+sub)
	fs.Usage = func() { helpWith(e.Stderr, formsOf(postUsage, "post", sub), fs) }
	server := fs.String("url", "", "base URL of the running service (or GATEKEEPER_URL; default http://127.0.0.1:8080)")
	secret := fs.String("secret", "", "the outlet's secret (or GATEKEEPER_SECRET)")
	outlet := fs.String("outlet", "", "the outlet's id")
	lang := fs.String("lang", "vi", "language of the answer: vi or en")
	asJSON := fs.Bool("json", false, "print the service's answer as JSON")
	var title, text, link, id *string
	var apply, complete *bool
	switch sub {
	case "check", "record":
		title = fs.String("title", "", "the post's title (a social post without one is read with its text's first line)")
		text = fs.String("text", "", "the post's text (or image caption)")
		link = fs.String("link", "", "the post's public address")
		if sub == "record" {
			id = fs.String("id", "", "the post's id, when it has no link (letters, digits and . _ : -)")
		}
	case "import":
		apply = fs.Bool("apply", false, "record the file when no row is refused (without it: preview only)")
		complete = fs.Bool("complete", false, "with --apply: withdraw counted posts of the file's days that are not in it")
	}
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *lang != "vi" && *lang != "en" {
		return errors.New("--lang phải là vi hoặc en / --lang must be vi or en")
	}
	if *outlet == "" {
		return errors.New("cần --outlet (mã đơn vị) / --outlet is required")
	}
	if *server == "" {
		*server = e.Getenv(config.EnvName("url"))
	}
	if *server == "" {
		*server = "http://127.0.0.1:8080"
	}
	key, err := outletKey(e, *secret)
	if err != nil {
		return err
	}
	c := &postClient{server: *server, outlet: *outlet, lang: *lang, key: key, e: e}
	ml := messages.Lang(*lang)
	if sub == "import" {
		return postImport(ctx, e, c, file, *apply, *complete, *asJSON)
	}
	postID := ""
	if id != nil {
		postID = *id
	}
	if sub == "record" || *link != "" {
		// The id the service will count the post under, checked here so a
		// bad link or id is said before anything is sent.
		pid, err := posting.PostID(*link, postID)
		if err != nil {
			var pe *posting.Error
			if errors.As(err, &pe) {
				return errors.New(pe.In(ml))
			}
			return err
		}
		postID = pid
	}
	if sub == "check" && postID == "" {
		// A dry run needs an id; one made from the text names this draft.
		postID = posting.DraftID(*title, *text)
	}
	headline := posting.Headline(*title, *text)
	if headline == "" {
		return errors.New("cần --title hoặc --text / --title or --text is required")
	}
	post := map[string]any{"id": postID, "title": headline, "content": *text, "author": "cli:" + e.Getenv("USER")}
	if *link != "" {
		post["link"] = *link
	}
	body, _ := json.Marshal(map[string]any{"post": post, "dry_run": sub == "check"})
	var ans checkAnswer
	var raw json.RawMessage
	if _, err := c.send(ctx, "/check", "application/json", body, &raw); err != nil {
		return err
	}
	if *asJSON {
		e.Stdout.Write(append(indentJSON(raw), '\n'))
		return nil
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		return fmt.Errorf("the service's answer: %w", err)
	}
	ans.print(e.Stdout, ml, sub == "check")
	return nil
}

// checkAnswer is the part of a check's answer the command prints.
type checkAnswer struct {
	Decision string `json:"decision"`
	Counted  bool   `json:"counted"`
	PostID   string `json:"post_id"`
	Tone     struct {
		Label      string  `json:"label"`
		Score      float64 `json:"score"`
		Borderline bool    `json:"borderline"`
		Evidence   []struct {
			Text string `json:"text"`
		} `json:"evidence"`
	} `json:"tone"`
	Sensational struct {
		Flagged  bool `json:"flagged"`
		Evidence []struct {
			Text string `json:"text"`
		} `json:"evidence"`
	} `json:"sensational"`
	Share struct {
		Before float64 `json:"before"`
		After  float64 `json:"after"`
		Limit  float64 `json:"limit"`
		WarnAt float64 `json:"warn_at"`
	} `json:"share"`
	Headroom struct {
		NegativeLeft      *int64 `json:"negative_left"`
		NonNegativeNeeded *int64 `json:"non_negative_needed"`
	} `json:"headroom"`
	Reasons []struct {
		Message string `json:"message"`
	} `json:"reasons"`
	Hold *struct {
		ID             string  `json:"id"`
		ReviewURL      string  `json:"review_url"`
		EarliestSafeAt *string `json:"earliest_safe_at"`
	} `json:"hold"`
}

// cliWords are the command's words, Vietnamese and English.
var cliWords = map[string][2]string{
	"allow":      {"cho đăng", "allow"},
	"warn":       {"cảnh báo", "warn"},
	"hold":       {"giữ lại chờ duyệt", "hold for review"},
	"negative":   {"tiêu cực", "negative"},
	"neutral":    {"trung tính", "neutral"},
	"positive":   {"tích cực", "positive"},
	"decision":   {"Kết quả", "Decision"},
	"dry":        {"(kiểm tra trước, chưa ghi nhận)", "(a check before posting; nothing recorded)"},
	"counted":    {"đã tính vào số liệu", "counted"},
	"notcounted": {"chưa được tính", "not counted"},
	"tone":       {"Sắc thái", "Tone"},
	"uncertain":  {"chưa rõ ràng, được tính như tin tiêu cực", "uncertain, weighed as negative"},
	"evidence":   {"căn cứ", "evidence"},
	"sens":       {"Tiêu đề giật gân", "Sensational headline"},
	"share":      {"Tỉ lệ tin tiêu cực", "Negative share"},
	"limit":      {"giới hạn", "limit"},
	"warnat":     {"mức cảnh báo", "warning level"},
	"left":       {"Còn được đăng %d tin tiêu cực", "%d negative posts left"},
	"need":       {"Cần %d tin không tiêu cực trước tin tiêu cực tiếp theo", "%d non-negative posts needed before the next negative one"},
	"reasons":    {"Lý do", "Reasons"},
	"post":       {"Mã bài", "Post id"},
	"held":       {"Bài bị giữ chờ người duyệt của đơn vị: %s", "Held for the outlet's reviewer: %s"},
	"safe":       {"Sớm nhất có thể đăng: %s", "Earliest safe time: %s"},
}

func word(l messages.Lang, k string) string {
	if l == messages.EN {
		return cliWords[k][1]
	}
	return cliWords[k][0]
}

func (a *checkAnswer) print(w io.Writer, l messages.Lang, dry bool) {
	pct := func(f float64) string { return messages.Percent(l, int64(f*10000+0.5)) }
	line := fmt.Sprintf("%s: %s", word(l, "decision"), word(l, a.Decision))
	if dry {
		line += " " + word(l, "dry")
	} else if a.Counted {
		line += " — " + word(l, "counted")
	} else {
		line += " — " + word(l, "notcounted")
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "%s: %s\n", word(l, "post"), a.PostID)
	tone := fmt.Sprintf("%s: %s", word(l, "tone"), word(l, a.Tone.Label))
	if a.Tone.Borderline {
		tone += " (" + word(l, "uncertain") + ")"
	}
	// The same phrase in the title and the text is named once.
	var ev []string
	seen := map[string]bool{}
	for _, e := range a.Tone.Evidence {
		if k := strings.ToLower(e.Text); !seen[k] {
			seen[k] = true
			ev = append(ev, "«"+e.Text+"»")
		}
	}
	if len(ev) > 0 {
		tone += "; " + word(l, "evidence") + ": " + strings.Join(ev, ", ")
	}
	fmt.Fprintln(w, tone)
	if a.Sensational.Flagged {
		var sev []string
		for _, e := range a.Sensational.Evidence {
			sev = append(sev, "«"+e.Text+"»")
		}
		fmt.Fprintf(w, "%s: %s\n", word(l, "sens"), strings.Join(sev, ", "))
	}
	fmt.Fprintf(w, "%s: %s → %s (%s %s, %s %s)\n", word(l, "share"), pct(a.Share.Before), pct(a.Share.After),
		word(l, "warnat"), pct(a.Share.WarnAt), word(l, "limit"), pct(a.Share.Limit))
	if a.Headroom.NegativeLeft != nil && *a.Headroom.NegativeLeft > 0 {
		fmt.Fprintf(w, word(l, "left")+"\n", *a.Headroom.NegativeLeft)
	} else if a.Headroom.NonNegativeNeeded != nil && *a.Headroom.NonNegativeNeeded > 0 {
		fmt.Fprintf(w, word(l, "need")+"\n", *a.Headroom.NonNegativeNeeded)
	}
	if len(a.Reasons) > 0 {
		fmt.Fprintf(w, "%s:\n", word(l, "reasons"))
		for _, r := range a.Reasons {
			fmt.Fprintf(w, "  - %s\n", r.Message)
		}
	}
	if a.Hold != nil && a.Hold.ID != "" {
		fmt.Fprintf(w, word(l, "held")+"\n", a.Hold.ReviewURL)
	}
	if a.Hold != nil && a.Hold.EarliestSafeAt != nil {
		if t, err := time.Parse(time.RFC3339, *a.Hold.EarliestSafeAt); err == nil {
			fmt.Fprintf(w, word(l, "safe")+"\n", t.Format("02/01/2006 15:04"))
		}
	}
}

// importAnswer is the part of an import's answer the command prints.
type importAnswer struct {
	Rows    int              `json:"rows"`
	Posts   int              `json:"posts"`
	From    string           `json:"from"`
	To      string           `json:"to"`
	Labels  map[string]int   `json:"labels"`
	Errors  []importRowError `json:"errors"`
	Preview []struct {
		Line          int    `json:"line"`
		ID            string `json:"id"`
		At            string `json:"at"`
		Label         string `json:"label"`
		DeclaredTone  string `json:"declared_tone"`
		DuplicateOf   int    `json:"duplicate_of"`
		OutsideWindow bool   `json:"outside_window"`
	} `json:"preview"`
	Result *struct {
		Added     []string `json:"added"`
		Withdrawn []string `json:"withdrawn"`
		Unchanged []string `json:"unchanged"`
		Outside   []string `json:"outside_window"`
		Share     struct {
			Published int64   `json:"published"`
			Negative  int64   `json:"negative"`
			Share     float64 `json:"share"`
		} `json:"share"`
	} `json:"result"`
}

var importWords = map[string][2]string{
	"summary":  {"%d dòng, %d bài, từ %s đến %s: %d tiêu cực, %d trung tính, %d tích cực", "%d rows, %d posts, %s to %s: %d negative, %d neutral, %d positive"},
	"errors":   {"%d lỗi; sửa tệp rồi chạy lại (chưa ghi nhận gì):", "%d errors; fix the file and run again (nothing was recorded):"},
	"preview":  {"Xem trước (chưa ghi nhận); thêm --apply để ghi nhận.", "A preview (nothing recorded); add --apply to record it."},
	"applied":  {"Đã nhập: thêm %d, rút %d, giữ nguyên %d, trước cửa sổ %d. Tỉ lệ tin tiêu cực: %s (%d/%d).", "Imported: %d added, %d withdrawn, %d unchanged, %d before the window. Negative share: %s (%d/%d)."},
	"dup":      {"trùng dòng %d", "same as line %d"},
	"outside":  {"trước cửa sổ", "before the window"},
	"declared": {"khai báo", "declared"},
	"line":     {"dòng", "line"},
}

func iword(l messages.Lang, k string) string {
	if l == messages.EN {
		return importWords[k][1]
	}
	return importWords[k][0]
}

// importTypeOf is the media type of an import file, by its name and
// content, as the importer reads it (importer.IsXLSX).
func importTypeOf(name string, data []byte) string {
	if importer.IsXLSX(name, data) {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv"
}

// postImport previews FILE and, with apply and no refused row, records it.
func postImport(ctx context.Context, e *Env, c *postClient, file string, apply, complete, asJSON bool) error {
	in := e.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fmt.Errorf("đọc tệp / read the file: %w", err)
		}
		defer f.Close()
		in = f
	}
	// A file larger than the importer takes is refused before it is read
	// whole or sent.
	data, err := importer.ReadLimited(in, file, importer.DefaultLimits().Bytes)
	if err != nil {
		return fmt.Errorf("đọc tệp / read the file: %w", err)
	}
	ctype := importTypeOf(file, data)
	l := messages.Lang(c.lang)
	var raw json.RawMessage
	q := "?dry_run=true"
	if complete {
		q += "&complete=true"
	}
	if _, err := c.send(ctx, "/import"+q, ctype, data, &raw); err != nil {
		return err
	}
	var pv importAnswer
	if err := json.Unmarshal(raw, &pv); err != nil {
		return fmt.Errorf("the service's answer: %w", err)
	}
	if asJSON && !apply {
		e.Stdout.Write(append(indentJSON(raw), '\n'))
	} else if !asJSON {
		day := func(s string) string {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return s
			}
			return t.Format("02/01/2006")
		}
		to := pv.To
		if t, err := time.Parse(time.RFC3339, pv.To); err == nil {
			to = t.Add(-time.Second).Format(time.RFC3339)
		}
		fmt.Fprintf(e.Stdout, iword(l, "summary")+"\n", pv.Rows, pv.Posts, day(pv.From), day(to),
			pv.Labels["negative"], pv.Labels["neutral"], pv.Labels["positive"])
		for _, r := range pv.Preview {
			at := r.At
			if t, err := time.Parse(time.RFC3339, r.At); err == nil {
				at = t.Format("02/01/2006 15:04")
			}
			extra := ""
			if r.DeclaredTone != "" {
				extra += " (" + iword(l, "declared") + ")"
			}
			if r.DuplicateOf > 0 {
				extra += "; " + fmt.Sprintf(iword(l, "dup"), r.DuplicateOf)
			}
			if r.OutsideWindow {
				extra += "; " + iword(l, "outside")
			}
			fmt.Fprintf(e.Stdout, "  %s %d\t%s\t%s\t%s%s\n", iword(l, "line"), r.Line, at, r.ID, word(l, r.Label), extra)
		}
	}
	if len(pv.Errors) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, iword(l, "errors"), len(pv.Errors))
		for _, r := range pv.Errors {
			b.WriteString("\n  " + r.text(c.lang))
		}
		return errors.New(b.String())
	}
	if !apply {
		if !asJSON {
			fmt.Fprintln(e.Stdout, iword(l, "preview"))
		}
		return nil
	}
	q = ""
	if complete {
		q = "?complete=true"
	}
	raw = nil
	if _, err := c.send(ctx, "/import"+q, ctype, data, &raw); err != nil {
		return err
	}
	if asJSON {
		e.Stdout.Write(append(indentJSON(raw), '\n'))
		return nil
	}
	var done importAnswer
	if err := json.Unmarshal(raw, &done); err != nil || done.Result == nil {
		return fmt.Errorf("the service's answer: %v", err)
	}
	r := done.Result
	fmt.Fprintf(e.Stdout, iword(l, "applied")+"\n", len(r.Added), len(r.Withdrawn), len(r.Unchanged), len(r.Outside),
		messages.Percent(l, int64(r.Share.Share*10000+0.5)), r.Share.Negative, r.Share.Published)
	return nil
}
