// Package importer reads a page's posting history from a spreadsheet (CSV
// or XLSX: date, title, text, link, tone), shows what the classifier makes
// of each row, and records the whole file as one sync: the console's import
// page, the API's import route and `gatekeeper post import` all use it.
//
// A file is applied whole or not at all: Apply refuses a file with any row
// error, so nothing is half-imported.
package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"gatekeeper/internal/messages"
	"gatekeeper/internal/posting"
	"gatekeeper/policy"
)

// Limits bound what Parse reads.
type Limits struct {
	Rows  int   // data rows (the header not counted)
	Bytes int64 // the file's size
	Cell  int   // characters in one cell
	// Now, when set, refuses rows dated more than FutureSlack after it (a
	// post not yet published).
	Now time.Time
}

// FutureSlack is how far after Limits.Now a row may be dated: the clock of
// the office that wrote the file may be a few minutes ahead of the
// service's.
const FutureSlack = 5 * time.Minute

// DefaultLimits: 10,000 rows (what one API sync takes), 32 MiB, and 70,000
// characters a cell (Facebook's longest post is 63,206).
func DefaultLimits() Limits { return Limits{Rows: 10000, Bytes: 32 << 20, Cell: 70000} }

// Row is one post of the file.
type Row struct {
	// Line is where the row starts: the CSV line (a quoted cell may span
	// several) or the sheet's row number.
	Line  int       `json:"line"`
	At    time.Time `json:"at"` // when it went live, in the outlet's time zone
	Title string    `json:"title,omitempty"`
	Text  string    `json:"-"`
	Link  string    `json:"link,omitempty"`
	// ID is the post's id: the file's id column, else made from the link
	// (posting.PostID).
	ID string `json:"id"`
	// Tone is the declared tone; "" when the file gives none.
	Tone policy.Tone `json:"declared_tone,omitempty"`
	// DuplicateOf is the line of an earlier row with the same id (the same
	// post listed twice counts once); 0 when it is the first.
	DuplicateOf int `json:"duplicate_of,omitempty"`
}

// RowError is a row (or the file, Line 0) that cannot be imported, with the
// reason in Vietnamese and English.
type RowError struct {
	Line  int    `json:"line"`
	Field string `json:"field,omitempty"` // date, time, title, text, link, id, tone; "" for the file or the whole row
	Code  string `json:"code"`
	VI    string `json:"vi"`
	EN    string `json:"en"`
}

func (e *RowError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("dòng %d: %s / line %d: %s", e.Line, e.VI, e.Line, e.EN)
	}
	return e.VI + " / " + e.EN
}

// In words the error in lang, with its line.
func (e *RowError) In(lang messages.Lang) string {
	if lang == messages.EN {
		if e.Line > 0 {
			return fmt.Sprintf("line %d: %s", e.Line, e.EN)
		}
		return e.EN
	}
	if e.Line > 0 {
		return fmt.Sprintf("dòng %d: %s", e.Line, e.VI)
	}
	return e.VI
}

// File is a parsed file.
type File struct {
	Name   string
	Rows   []Row
	Errors []RowError
	// From and To are the days the file covers, in the outlet's time zone:
	// the start of its first row's day and the start of the day after its
	// last row's day. A complete import speaks for [From, To) only.
	From, To time.Time
}

// LastDay is an instant of the last day the file covers (the zero time for
// a file without rows): To is the start of the day after it.
func (f *File) LastDay() time.Time {
	if f.To.IsZero() {
		return time.Time{}
	}
	return f.To.Add(-time.Nanosecond)
}

// RowsRead counts the data rows of the file: those taken and those
// refused (a row with several errors once).
func (f *File) RowsRead() int {
	refused := map[int]bool{}
	for _, e := range f.Errors {
		if e.Line > 0 {
			refused[e.Line] = true
		}
	}
	return len(f.Rows) + len(refused)
}

// Posts counts the rows that are not duplicates.
func (f *File) Posts() int {
	n := 0
	for _, r := range f.Rows {
		if r.DuplicateOf == 0 {
			n++
		}
	}
	return n
}

var errorText = map[string][2]string{
	"too_large":    {"tệp lớn quá %s", "the file is larger than %s"},
	"too_many":     {"tệp có quá %d dòng dữ liệu", "the file has more than %d data rows"},
	"format":       {"không đọc được tệp: cần CSV (UTF-8) hoặc XLSX", "the file cannot be read: CSV (UTF-8) or XLSX is needed"},
	"encoding":     {"tệp CSV không phải UTF-8; trong Excel hãy lưu dạng \"CSV UTF-8\"", "the CSV file is not UTF-8; in Excel, save it as \"CSV UTF-8\""},
	"csv":          {"dòng CSV sai dạng (dấu ngoặc kép chưa đóng?)", "a malformed CSV line (an unclosed quote?)"},
	"xlsx":         {"không đọc được bảng tính XLSX", "the XLSX workbook cannot be read"},
	"empty":        {"tệp không có dòng tiêu đề cột", "the file has no header row"},
	"no_rows":      {"tệp không có dòng dữ liệu nào", "the file has no data rows"},
	"column":       {"thiếu cột %s", "the %s column is missing"},
	"column_twice": {"cột %s xuất hiện hai lần", "the %s column appears twice"},
	"no_text":      {"cần tiêu đề hoặc nội dung", "a title or text is required"},
	"date":         {"ngày không đọc được (dd/mm/yyyy [HH:MM], yyyy-mm-dd [HH:MM] hoặc RFC 3339)", "the date cannot be read (dd/mm/yyyy [HH:MM], yyyy-mm-dd [HH:MM] or RFC 3339)"},
	"future":       {"ngày ở tương lai", "the date is in the future"},
	"time":         {"giờ không đọc được (HH:MM)", "the time cannot be read (HH:MM)"},
	"tone":         {"sắc thái phải là tiêu cực, trung tính hoặc tích cực", "the tone must be negative, neutral or positive"},
	"cell_long":    {"ô dài quá %d ký tự", "the cell is longer than %d characters"},
	"cell_nul":     {"ô chứa ký tự không hợp lệ (NUL)", "the cell contains an invalid character (NUL)"},
}

func rowError(line int, field, code string, args ...any) RowError {
	p := errorText[code]
	return RowError{Line: line, Field: field, Code: code, VI: fmt.Sprintf(p[0], args...), EN: fmt.Sprintf(p[1], args...)}
}

func fileError(code string, args ...any) error {
	e := rowError(0, "", code, args...)
	return &e
}

// columns are the fields a file may have, with the header names (without
// diacritics, lower case) that name them.
var columns = map[string][]string{
	"date":  {"ngay", "ngay dang", "thoi gian", "thoi gian dang", "date", "published", "published at"},
	"time":  {"gio", "gio dang", "time", "hour"},
	"title": {"tieu de", "title"},
	"text":  {"noi dung", "text", "content", "message", "bai viet"},
	"link":  {"lien ket", "link", "url", "duong dan", "duong link"},
	"tone":  {"sac thai", "tone", "declared tone", "declared_tone"},
	"id":    {"ma", "ma bai", "id", "post id", "post_id"},
}

// columnNames are the columns as a person reads them, for errors.
var columnNames = map[string]string{
	"date": "ngày/date", "time": "giờ/time", "title": "tiêu đề/title", "text": "nội dung/text", "link": "liên kết/link",
	"tone": "sắc thái/tone", "id": "mã bài/id",
}

// fold is s without diacritics, in lower case, its spaces collapsed: the
// form header names and tone words are compared in.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.TrimSpace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsSpace(r) || r == '_' || r == '-':
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimSpace(b.String())
}

// tones are the declared tone words, folded.
var tones = map[string]policy.Tone{
	"tieu cuc": policy.Negative, "negative": policy.Negative,
	"trung tinh": policy.Neutral, "neutral": policy.Neutral,
	"tich cuc": policy.Positive, "positive": policy.Positive,
}

// Parse reads a CSV or XLSX file (by its content; name is for messages and
// the extension): the header row, then one post a row. Row problems are in
// File.Errors; the error is for the file as a whole (too large, unreadable,
// a required column missing), a *RowError with Line 0.
func Parse(r io.Reader, name string, loc *time.Location, limits Limits) (*File, error) {
	if loc == nil {
		loc = time.UTC
	}
	def := DefaultLimits()
	if limits.Rows <= 0 {
		limits.Rows = def.Rows
	}
	if limits.Bytes <= 0 {
		limits.Bytes = def.Bytes
	}
	if limits.Cell <= 0 {
		limits.Cell = def.Cell
	}
	data, err := ReadLimited(r, name, limits.Bytes)
	if err != nil {
		return nil, err
	}
	p := &parser{loc: loc, limits: limits, file: &File{Name: name}, seen: map[string]int{}}
	if IsXLSX(name, data) {
		err = p.xlsx(data)
	} else {
		err = p.csv(data)
	}
	if err != nil {
		return nil, err
	}
	if len(p.file.Rows)+p.errorRows == 0 {
		return nil, fileError("no_rows")
	}
	return p.file, nil
}

// IsXLSX says whether a file is read as a workbook: a zip's signature
// (what every XLSX file starts with) or the .xlsx extension; any other
// file is read as CSV.
func IsXLSX(name string, data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || strings.EqualFold(filepath.Ext(name), ".xlsx")
}

// ReadLimited reads a file of at most max bytes, and refuses a larger one
// without reading past max+1 bytes of it.
func ReadLimited(r io.Reader, name string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fileError("too_large", sizeText(max))
	}
	return data, nil
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d B", n)
}

type parser struct {
	loc       *time.Location
	limits    Limits
	file      *File
	index     map[string]int // field → column
	headErr   error          // the first row's header problem, while looking for the header
	skipped   int            // rows before the header
	seen      map[string]int // post id → first line
	rows      int
	errorRows int
}

// maxAbove is how many non-empty rows (a sheet's title, notes) may come
// before the header row.
const maxAbove = 10

// findHeader reads a non-empty row while the header is not found: done when
// it is the header; an error when no header was found in time.
func (p *parser) findHeader(cells []string) (done bool, err error) {
	blank := true
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			blank = false
		}
	}
	if blank {
		return false, nil
	}
	err = p.header(cells)
	if err == nil {
		return true, nil
	}
	if p.headErr == nil {
		p.headErr = err
	}
	if p.skipped++; p.skipped >= maxAbove {
		return false, p.headErr
	}
	return false, nil
}

// header reads the header row.
func (p *parser) header(cells []string) error {
	p.index = map[string]int{}
	for i, c := range cells {
		f := fold(c)
		for field, names := range columns {
			for _, n := range names {
				if f == n {
					if _, twice := p.index[field]; twice {
						return fileError("column_twice", columnNames[field])
					}
					p.index[field] = i
				}
			}
		}
	}
	for _, need := range []string{"date", "text"} {
		if _, ok := p.index[need]; !ok {
			return fileError("column", columnNames[need])
		}
	}
	_, link := p.index["link"]
	_, id := p.index["id"]
	if !link && !id {
		return fileError("column", columnNames["link"])
	}
	return nil
}

// row reads one data row; the error is for the file (too many rows).
func (p *parser) row(line int, cells []string) error {
	blank := true
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			blank = false
			break
		}
	}
	if blank {
		return nil // an empty line between rows
	}
	p.rows++
	if p.rows > p.limits.Rows {
		return fileError("too_many", p.limits.Rows)
	}
	var errs []RowError
	cell := func(field string) string {
		i, ok := p.index[field]
		if !ok || i >= len(cells) {
			return ""
		}
		v, code := clean(cells[i], p.limits.Cell)
		if code != "" {
			errs = append(errs, rowError(line, field, code, p.limits.Cell))
			return ""
		}
		return v
	}
	r := Row{Line: line, Title: cell("title"), Text: cell("text"), Link: cell("link")}
	id := cell("id")
	date := cell("date")
	clock := cell("time")
	tone := cell("tone")
	if len(errs) == 0 {
		if r.Title == "" && r.Text == "" {
			errs = append(errs, rowError(line, "text", "no_text"))
		}
		at, ok := parseDate(date, p.loc)
		if ok && clock != "" {
			// A time of its own column sets the clock of the day.
			h, m, sec, okTime := parseClock(clock)
			if !okTime {
				errs = append(errs, rowError(line, "time", "time"))
			}
			at = time.Date(at.Year(), at.Month(), at.Day(), h, m, sec, 0, p.loc)
		}
		switch {
		case !ok:
			errs = append(errs, rowError(line, "date", "date"))
		case !p.limits.Now.IsZero() && at.After(p.limits.Now.Add(FutureSlack)):
			errs = append(errs, rowError(line, "date", "future"))
		}
		r.At = at
		if tone != "" {
			t, ok := tones[fold(tone)]
			if !ok {
				errs = append(errs, rowError(line, "tone", "tone"))
			}
			r.Tone = t
		}
		pid, err := posting.PostID(r.Link, id)
		if err != nil {
			var pe *posting.Error
			errors.As(err, &pe)
			field := "link"
			if pe.Code == "id" {
				field = "id"
			}
			errs = append(errs, RowError{Line: line, Field: field, Code: pe.Code, VI: pe.VI, EN: pe.EN})
		}
		r.ID = pid
	}
	if len(errs) > 0 {
		p.errorRows++
		p.file.Errors = append(p.file.Errors, errs...)
		return nil
	}
	if first, ok := p.seen[r.ID]; ok {
		r.DuplicateOf = first
	} else {
		p.seen[r.ID] = line
	}
	day := time.Date(r.At.Year(), r.At.Month(), r.At.Day(), 0, 0, 0, 0, p.loc)
	if p.file.From.IsZero() || day.Before(p.file.From) {
		p.file.From = day
	}
	if next := day.AddDate(0, 0, 1); next.After(p.file.To) {
		p.file.To = next
	}
	p.file.Rows = append(p.file.Rows, r)
	return nil
}

// clean trims a cell, drops control characters other than line breaks and
// tabs (a NUL is refused: no text has one), and bounds its length.
func clean(s string, max int) (string, string) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, 0) >= 0 {
		return "", "cell_nul"
	}
	if utf8.RuneCountInString(s) > max {
		return "", "cell_long"
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
				return -1
			}
			return r
		}, s)
	}
	return s, ""
}

func (p *parser) csv(data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		// Excel's "Unicode text": UTF-16 with a byte order mark.
		dec := xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, data)
		if err != nil {
			return fileError("encoding")
		}
		data = out
	default:
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	}
	if !utf8.Valid(data) {
		return fileError("encoding")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = separator(data)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = false
	cr.ReuseRecord = true
	head := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				e := rowError(pe.StartLine, "", "csv")
				return &e
			}
			return fileError("csv")
		}
		line, _ := cr.FieldPos(0)
		if head {
			found, err := p.findHeader(rec)
			if err != nil {
				return err
			}
			head = !found
			continue
		}
		if err := p.row(line, rec); err != nil {
			return err
		}
	}
	return p.noHeader(head)
}

// separator is the one of , ; and tab the header line uses most (outside quotes).
func separator(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(data[:min(len(data), 64<<10)]) {
		if r == '"' {
			quoted = !quoted
		}
		if quoted {
			continue
		}
		if r == '\n' {
			break
		}
		if r == ',' || r == ';' || r == '\t' {
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

func (p *parser) xlsx(data []byte) error {
	// Bounds on what the zip may expand to: a small file cannot become a
	// huge one in memory.
	limit := max(p.limits.Bytes*16, 64<<20)
	x, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: limit, UnzipXMLSizeLimit: limit})
	if err != nil {
		return fileError("xlsx")
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) == 0 {
		return fileError("empty")
	}
	rows, err := x.Rows(sheets[0])
	if err != nil {
		return fileError("xlsx")
	}
	defer rows.Close()
	line, head := 0, true
	for rows.Next() {
		line++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return fileError("xlsx")
		}
		if head {
			found, err := p.findHeader(cells)
			if err != nil {
				return err
			}
			head = !found
			continue
		}
		if err := p.row(line, cells); err != nil {
			return err
		}
	}
	if rows.Error() != nil {
		return fileError("xlsx")
	}
	return p.noHeader(head)
}

// noHeader is the error of a file whose header was never found.
func (p *parser) noHeader(head bool) error {
	switch {
	case !head:
		return nil
	case p.headErr != nil:
		return p.headErr
	}
	return fileError("empty")
}
