package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSX lays the report out as a workbook (excelize): a sheet of totals (the
// summary table), one sheet per outlet (its figures, then its daily series)
// and a sheet of decisions (approvals past the limit, relabels,
// withdrawals). Numbers are numbers, shares are percentages.
func (r *Report) XLSX(lang string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return nil, fmt.Errorf("report: xlsx: %w", err)
	}
	totals := Label("sheet_totals", lang)
	if err := f.SetSheetName("Sheet1", totals); err != nil {
		return nil, fmt.Errorf("report: xlsx: %w", err)
	}
	head, rows, _ := r.Rows(TableSummary, lang)
	if err := st.table(f, totals, 1, head, rows); err != nil {
		return nil, err
	}
	used := map[string]bool{strings.ToLower(totals): true}
	for _, o := range r.Outlets {
		name := SheetName(o.Outlet, used)
		if _, err := f.NewSheet(name); err != nil {
			return nil, fmt.Errorf("report: xlsx: sheet %s: %w", name, err)
		}
		// The outlet's figures as two columns, label and value, then its days.
		sumHead, _, _ := r.Rows(TableSummary, lang)
		vals := r.SummaryRow(o, lang)
		var pairs [][]any
		for i, h := range sumHead {
			pairs = append(pairs, []any{h, vals[i]})
		}
		if err := st.table(f, name, 1, []string{Label("figure", lang), Label("value", lang)}, pairs); err != nil {
			return nil, err
		}
		dayHead, dayRows, _ := r.dayRows(lang, []*OutletReport{o})
		if err := st.table(f, name, len(pairs)+3, dayHead, dayRows); err != nil {
			return nil, err
		}
		_ = f.SetColWidth(name, "A", "A", 38)
		_ = f.SetColWidth(name, "B", "I", 16)
	}
	decisions := Label("sheet_decisions", lang)
	if _, err := f.NewSheet(decisions); err != nil {
		return nil, fmt.Errorf("report: xlsx: %w", err)
	}
	head, rows, _ = r.Rows(TableDecisions, lang)
	if err := st.table(f, decisions, 1, head, rows); err != nil {
		return nil, err
	}
	_ = f.SetColWidth(decisions, "A", "I", 18)
	_ = f.SetColWidth(totals, "A", "AC", 16)
	f.SetActiveSheet(0)
	f.SetDocProps(&excelize.DocProperties{Title: Label("title", lang), Creator: "Gatekeeper", Language: map[bool]string{true: "en", false: "vi"}[English(lang)]})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("report: xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// SheetName makes an outlet id a sheet name: at most 31 characters, none
// of : \ / ? * [ ], not used yet (case-insensitively); used is updated.
func SheetName(id string, used map[string]bool) string {
	clean := strings.Map(func(c rune) rune {
		if strings.ContainsRune(`:\/?*[]'`, c) {
			return '_'
		}
		return c
	}, id)
	if clean == "" {
		clean = "_"
	}
	r := []rune(clean)
	if len(r) > 31 {
		r = r[:31]
	}
	name := string(r)
	for i := 2; used[strings.ToLower(name)]; i++ {
		suffix := fmt.Sprintf("~%d", i)
		base := []rune(clean)
		if len(base)+len(suffix) > 31 {
			base = base[:31-len(suffix)]
		}
		name = string(base) + suffix
	}
	used[strings.ToLower(name)] = true
	return name
}

type styles struct{ head, pct, hours int }

func newStyles(f *excelize.File) (*styles, error) {
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDE3EA"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return nil, err
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		return nil, err
	}
	hours, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("0.0")})
	if err != nil {
		return nil, err
	}
	return &styles{head: head, pct: pct, hours: hours}, nil
}

func ptr[T any](v T) *T { return &v }

// table writes a header and rows from row first (1-based) on sheet.
func (st *styles) table(f *excelize.File, sheet string, first int, head []string, rows [][]any) error {
	cell := func(col, row int) string {
		c, _ := excelize.CoordinatesToCellName(col, row)
		return c
	}
	hs := make([]any, len(head))
	for i, h := range head {
		hs[i] = h
	}
	if err := f.SetSheetRow(sheet, cell(1, first), &hs); err != nil {
		return fmt.Errorf("report: xlsx: %s: %w", sheet, err)
	}
	_ = f.SetCellStyle(sheet, cell(1, first), cell(len(head), first), st.head)
	for i, row := range rows {
		y := first + 1 + i
		vals := make([]any, len(row))
		for j, c := range row {
			switch v := c.(type) {
			case Ratio:
				vals[j] = float64(v)
				_ = f.SetCellStyle(sheet, cell(j+1, y), cell(j+1, y), st.pct)
			case Hours:
				vals[j] = float64(v)
				_ = f.SetCellStyle(sheet, cell(j+1, y), cell(j+1, y), st.hours)
			case bool:
				vals[j] = map[bool]int{true: 1, false: 0}[v]
			default:
				vals[j] = c
			}
		}
		if err := f.SetSheetRow(sheet, cell(1, y), &vals); err != nil {
			return fmt.Errorf("report: xlsx: %s row %d: %w", sheet, y, err)
		}
	}
	return nil
}
