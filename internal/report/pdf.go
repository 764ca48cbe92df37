package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// The report's typeface: DejaVu Sans (Bitstream Vera licence, which allows
// embedding; fonts/LICENSE-DejaVu.txt), every Vietnamese letter and tone
// mark. Only the glyphs a report uses are written into the PDF.
var (
	//go:embed fonts/DejaVuSans.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	fontBold []byte
)

// PDFOptions say who issues the report.
type PDFOptions struct {
	// Issuer is the issuing body, one line per level, the superior first
	// ("UBND HUYỆN ĐẮK GLEI\nPHÒNG VĂN HÓA VÀ THÔNG TIN"). Empty: Gatekeeper.
	Issuer string
	// Place is where it is issued, before the date ("Đắk Glei").
	Place string
	// Recipients are listed under "Nơi nhận" (one a line).
	Recipients string
}

const (
	pageW, pageH        = 210.0, 297.0 // A4, mm
	marginL, marginR    = 20.0, 15.0
	marginT, marginB    = 15.0, 18.0
	bodyW               = pageW - marginL - marginR
	lineH               = 5.0
	font                = "dejavu"
	colorText           = 0x1a
	navyR, navyG, navyB = 0x1b, 0x3a, 0x5c
)

// PDF lays the report out as a printable A4 administrative report in lang
// (Vietnamese unless English is asked for): the issuing body and the
// national heading, the title and period, the totals, each outlet's figures
// with its daily chart and the limit line, the themes, the decisions of
// note, and a signature block left for a person.
func (r *Report) PDF(lang string, opt PDFOptions) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, marginB)
	pdf.AddUTF8FontFromBytes(font, "", fontRegular)
	pdf.AddUTF8FontFromBytes(font, "B", fontBold)
	pdf.SetCompression(true)
	pdf.SetCreationDate(r.GeneratedAt)
	pdf.SetModificationDate(r.GeneratedAt)
	pdf.SetTitle(Label("title", lang)+" "+r.Period.String(), true)
	pdf.SetAuthor(firstLine(opt.Issuer, "Gatekeeper"), true)
	pdf.SetCreator("Gatekeeper", true)
	pdf.SetLang(map[bool]string{true: "en", false: "vi"}[English(lang)])
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont(font, "", 8)
		pdf.SetTextColor(0x66, 0x66, 0x66)
		pdf.CellFormat(0, 4, fmt.Sprintf(Label("page_of", lang), pdf.PageNo(), "{nb}"), "", 0, "C", false, 0, "")
		pdf.SetTextColor(colorText, colorText, colorText)
	})
	pdf.AddPage()
	p := &pdfWriter{pdf: pdf, lang: lang}
	p.heading(r, opt)
	p.totals(r)
	if len(r.Outlets) > 0 {
		p.section(p.t("sec_outlets"))
	}
	for i, o := range r.Outlets {
		p.outlet(i+1, o)
	}
	p.decisions(r)
	p.signature(r, opt)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("report: pdf: %w", err)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("report: pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func firstLine(s, empty string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return empty
	}
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

type pdfWriter struct {
	pdf  *fpdf.Fpdf
	lang string
}

func (p *pdfWriter) t(key string) string { return Label(key, p.lang) }

// pct formats a share as "12,50%" (Vietnamese) or "12.50%".
func (p *pdfWriter) pct(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 2, 64)
	if !English(p.lang) {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

func (p *pdfWriter) day(d Date) string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// heading: the issuing body left, the national heading right, then the
// place and date, the title and the period.
func (p *pdfWriter) heading(r *Report, opt PDFOptions) {
	pdf := p.pdf
	issuer := strings.TrimSpace(opt.Issuer)
	if issuer == "" {
		issuer = "GATEKEEPER"
	}
	lines := strings.Split(issuer, "\n")
	left, right := 80.0, bodyW-80.0
	y := pdf.GetY()
	for i, l := range lines {
		style := ""
		if i == len(lines)-1 {
			style = "B"
		}
		pdf.SetFont(font, style, 10)
		pdf.SetXY(marginL, y+float64(i)*lineH)
		pdf.CellFormat(left, lineH, strings.ToUpper(strings.TrimSpace(l)), "", 0, "C", false, 0, "")
	}
	ly := y + float64(len(lines))*lineH + 0.5
	pdf.Line(marginL+left/2-12, ly, marginL+left/2+12, ly)
	pdf.SetXY(marginL+left, y)
	pdf.SetFont(font, "B", 10)
	pdf.CellFormat(right, lineH, p.t("nation"), "", 2, "C", false, 0, "")
	pdf.SetX(marginL + left)
	pdf.SetFont(font, "B", 10.5)
	pdf.CellFormat(right, lineH, p.t("motto"), "", 2, "C", false, 0, "")
	w := pdf.GetStringWidth(p.t("motto"))
	my := pdf.GetY() + 0.5
	pdf.Line(marginL+left+right/2-w/2, my, marginL+left+right/2+w/2, my)
	y = math.Max(ly, my) + 3
	pdf.SetXY(marginL, y)
	pdf.SetFont(font, "", 10)
	pdf.CellFormat(left, lineH, p.t("number"), "", 0, "C", false, 0, "")
	at := r.GeneratedAt.In(r.location())
	date := fmt.Sprintf(p.t("dated"), at.Day(), int(at.Month()), at.Year())
	if opt.Place != "" {
		date = strings.TrimSpace(opt.Place) + ", " + date
	}
	pdf.SetFont(font, "", 10)
	pdf.CellFormat(right, lineH, date, "", 1, "C", false, 0, "")
	pdf.Ln(7)
	pdf.SetFont(font, "B", 14)
	pdf.CellFormat(0, 7, strings.ToUpper(p.t("report")), "", 1, "C", false, 0, "")
	pdf.SetFont(font, "B", 11.5)
	pdf.CellFormat(0, 6, p.t("title_long"), "", 1, "C", false, 0, "")
	pdf.SetFont(font, "", 10.5)
	pdf.CellFormat(0, 6, fmt.Sprintf(p.t("period_line"), p.day(r.Period.From), p.day(r.Period.To)), "", 1, "C", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont(font, "", 10)
	pdf.MultiCell(0, lineH, p.t("intro"), "", "J", false)
	pdf.Ln(2)
}

// location is the zone the report's date is written in: the first
// outlet's, Vietnam's without one.
func (r *Report) location() *time.Location {
	if len(r.Outlets) > 0 {
		return r.Outlets[0].Start.Location()
	}
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

func (p *pdfWriter) section(title string) {
	p.need(14)
	p.pdf.Ln(2)
	p.pdf.SetFont(font, "B", 11.5)
	p.pdf.SetTextColor(navyR, navyG, navyB)
	p.pdf.MultiCell(0, 6, title, "", "L", false)
	p.pdf.SetTextColor(colorText, colorText, colorText)
	p.pdf.Ln(1)
}

func (p *pdfWriter) subsection(title string) {
	p.pdf.Ln(1)
	p.pdf.SetFont(font, "B", 10.5)
	p.pdf.MultiCell(0, 5.5, title, "", "L", false)
	p.pdf.Ln(0.5)
}

// need starts a new page unless h mm are left on this one.
func (p *pdfWriter) need(h float64) {
	if p.pdf.GetY()+h > pageH-marginB {
		p.pdf.AddPage()
	}
}

// table draws a header and rows in columns of the given widths; long text
// is cut with "…". The header is repeated on a new page.
func (p *pdfWriter) table(head []string, widths []float64, aligns string, rows [][]string) {
	pdf := p.pdf
	header := func() {
		pdf.SetFont(font, "B", 8)
		pdf.SetFillColor(0xe4, 0xe9, 0xef)
		hh := 0.0
		for i, h := range head {
			hh = math.Max(hh, float64(len(pdf.SplitText(h, widths[i]-1.5)))*3.8)
		}
		x, y := pdf.GetXY()
		for i, h := range head {
			pdf.Rect(x, y, widths[i], hh+1.5, "FD")
			pdf.SetXY(x, y+0.75)
			pdf.MultiCell(widths[i], 3.8, h, "", "C", false)
			x += widths[i]
		}
		pdf.SetXY(marginL, y+hh+1.5)
	}
	p.need(20)
	header()
	pdf.SetFont(font, "", 7.8)
	for _, row := range rows {
		if pdf.GetY()+5.5 > pageH-marginB {
			pdf.AddPage()
			header()
			pdf.SetFont(font, "", 7.8)
		}
		for i, c := range row {
			al := "L"
			if i < len(aligns) && aligns[i] == 'R' {
				al = "R"
			} else if i < len(aligns) && aligns[i] == 'C' {
				al = "C"
			}
			pdf.CellFormat(widths[i], 5.5, p.fit(c, widths[i]-1.5), "1", 0, al, false, 0, "")
		}
		pdf.Ln(-1)
	}
}

// fit cuts s to w mm with "…".
func (p *pdfWriter) fit(s string, w float64) string {
	if p.pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && p.pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func i64s(n int64) string { return strconv.FormatInt(n, 10) }

func (p *pdfWriter) totals(r *Report) {
	p.section(p.t("sec_totals"))
	head := []string{p.t("col_name"), p.t("col_published"), p.t("col_negative"), p.t("col_positive"), p.t("col_neutral"),
		p.t("col_share"), p.t("col_rolling_share"), p.t("col_days_over_limit"), p.t("col_holds"), p.t("col_approvals_past_limit")}
	widths := []float64{43, 15, 15, 15, 15, 17, 17, 14, 12, 12}
	var rows [][]string
	for _, o := range r.Outlets {
		rows = append(rows, []string{o.Name, i64s(o.Published), i64s(o.Negative), i64s(o.Positive), i64s(o.Neutral),
			p.pct(o.Share), p.pct(o.RollingShare), strconv.Itoa(o.DaysOverLimit), i64s(o.Holds.Count), strconv.Itoa(len(o.PastLimit))})
	}
	if len(r.Outlets) > 1 {
		t := r.Totals
		rows = append(rows, []string{p.t("totals"), i64s(t.Published), i64s(t.Negative), i64s(t.Positive), i64s(t.Neutral),
			p.pct(t.Share), "", strconv.Itoa(t.DaysOverLimit), i64s(t.Holds), strconv.Itoa(t.PastLimit)})
	}
	if len(rows) == 0 {
		p.pdf.SetFont(font, "", 10)
		p.pdf.MultiCell(0, lineH, p.t("no_outlets"), "", "L", false)
		return
	}
	p.table(head, widths, "LRRRRRRRRR", rows)
}

func (p *pdfWriter) outlet(n int, o *OutletReport) {
	pdf := p.pdf
	p.need(120)
	p.subsection(fmt.Sprintf("%d. %s (%s)", n, o.Name, o.Outlet))
	pdf.SetFont(font, "", 9.5)
	facts := [][2]string{
		{p.t("f_published"), fmt.Sprintf(p.t("f_published_v"), o.Published, o.Negative, o.Positive, o.Neutral)},
		{p.t("f_share"), fmt.Sprintf(p.t("f_share_v"), p.pct(o.Share), p.pct(o.RollingShare), o.WindowDays, p.pct(o.Limit), p.pct(o.WarnAt))},
		{p.t("f_days"), fmt.Sprintf(p.t("f_days_v"), o.DaysOverWarn, o.DaysOverLimit, len(o.Days))},
		{p.t("f_holds"), fmt.Sprintf(p.t("f_holds_v"), o.Holds.Count, o.Holds.Approved, o.Holds.Rejected, o.Holds.Cancelled, o.Holds.Pending,
			p.dur(o.Holds.MedianSeconds), p.dur(o.Holds.LongestSeconds))},
		{p.t("f_other"), fmt.Sprintf(p.t("f_other_v"), o.Sensational, len(o.PastLimit), len(o.Relabels), len(o.Withdrawals))},
		{p.t("f_kind"), o.KindText(p.lang)},
		{p.t("f_zone"), o.Timezone},
	}
	for _, f := range facts {
		p.need(6)
		pdf.SetFont(font, "B", 9.5)
		pdf.CellFormat(48, lineH, f[0], "", 0, "L", false, 0, "")
		pdf.SetFont(font, "", 9.5)
		pdf.MultiCell(0, lineH, f[1], "", "L", false)
	}
	pdf.Ln(2)
	p.chart(o)
	pdf.SetFont(font, "B", 9.5)
	pdf.CellFormat(0, lineH, p.t("f_themes"), "", 1, "L", false, 0, "")
	pdf.SetFont(font, "", 9.5)
	if len(o.Themes) == 0 {
		pdf.MultiCell(0, lineH, p.t("no_themes"), "", "L", false)
	} else {
		var parts []string
		for _, t := range o.Themes {
			parts = append(parts, fmt.Sprintf("%s: %d", ThemeName(t.Theme, p.lang), t.Posts))
		}
		pdf.MultiCell(0, lineH, strings.Join(parts, "; ")+".", "", "L", false)
	}
}

func (p *pdfWriter) dur(sec int64) string {
	if sec <= 0 {
		return "—"
	}
	h := float64(sec) / 3600
	s := strconv.FormatFloat(h, 'f', 1, 64)
	if !English(p.lang) {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + " " + p.t("hours")
}

// chart draws the daily series: published (grey), negative (red) and
// positive (green, on the red) bars on the left axis, the rolling window share (line) with the warning and limit
// lines on the right axis.
func (p *pdfWriter) chart(o *OutletReport) {
	pdf := p.pdf
	const h = 58.0
	p.need(h + 16)
	x0, y0 := marginL+10, pdf.GetY()+2
	w := bodyW - 24
	bottom := y0 + h
	var maxP int64 = 4
	maxS := o.Limit * 1.5
	for _, d := range o.Days {
		maxP = max(maxP, d.Published)
		maxS = math.Max(maxS, d.RollingShare)
	}
	maxP = (maxP + 3) / 4 * 4      // the quarter lines are whole numbers
	maxS = math.Ceil(maxS*25) / 25 // a multiple of 4%
	pdf.SetDrawColor(0x99, 0x99, 0x99)
	pdf.SetLineWidth(0.2)
	pdf.Line(x0, y0, x0, bottom)
	pdf.Line(x0, bottom, x0+w, bottom)
	pdf.Line(x0+w, y0, x0+w, bottom)
	pdf.SetFont(font, "", 6.5)
	for i := 0; i <= 4; i++ {
		y := bottom - float64(i)/4*h
		pdf.SetDrawColor(0xe2, 0xe2, 0xe2)
		pdf.Line(x0, y, x0+w, y)
		pdf.SetXY(x0-10, y-1.5)
		pdf.CellFormat(9, 3, strconv.FormatFloat(float64(maxP)*float64(i)/4, 'f', 0, 64), "", 0, "R", false, 0, "")
		pdf.SetXY(x0+w+1, y-1.5)
		pdf.CellFormat(12, 3, p.pct(maxS*float64(i)/4), "", 0, "L", false, 0, "")
	}
	n := max(len(o.Days), 1)
	bw := w / float64(n)
	var line []fpdf.PointType
	for i, d := range o.Days {
		x := x0 + float64(i)*bw
		ph := float64(d.Published) / float64(maxP) * h
		nh := float64(d.Negative) / float64(maxP) * h
		pdf.SetFillColor(0xc9, 0xd1, 0xdb)
		pdf.Rect(x+bw*0.15, bottom-ph, bw*0.7, ph, "F")
		pdf.SetFillColor(0xc8, 0x3c, 0x3c)
		pdf.Rect(x+bw*0.15, bottom-nh, bw*0.7, nh, "F")
		if d.Positive > 0 {
			gh := float64(d.Positive) / float64(maxP) * h
			pdf.SetFillColor(0x2e, 0x7d, 0x32)
			pdf.Rect(x+bw*0.15, bottom-nh-gh, bw*0.7, gh, "F")
		}
		line = append(line, fpdf.PointType{X: x + bw/2, Y: bottom - d.RollingShare/maxS*h})
		if i%7 == 0 && n-1-i >= 4 || i == n-1 {
			pdf.SetXY(x+bw/2-6, bottom+0.8)
			pdf.CellFormat(12, 3, fmt.Sprintf("%02d/%02d", d.Date.Day, d.Date.Month), "", 0, "C", false, 0, "")
		}
	}
	yl := bottom - o.Limit/maxS*h
	yw := bottom - o.WarnAt/maxS*h
	pdf.SetLineWidth(0.35)
	pdf.SetDashPattern([]float64{1.2, 0.8}, 0)
	pdf.SetDrawColor(0xe0, 0x90, 0x20)
	pdf.Line(x0, yw, x0+w, yw)
	pdf.SetDrawColor(0xc0, 0x20, 0x20)
	pdf.Line(x0, yl, x0+w, yl)
	pdf.SetDashPattern(nil, 0)
	pdf.SetTextColor(0xc0, 0x20, 0x20)
	pdf.SetXY(x0+w-40, yl-3.5)
	pdf.CellFormat(39, 3, p.t("limit_line")+" "+p.pct(o.Limit), "", 0, "R", false, 0, "")
	pdf.SetTextColor(colorText, colorText, colorText)
	pdf.SetDrawColor(navyR, navyG, navyB)
	pdf.SetLineWidth(0.5)
	for i := 1; i < len(line); i++ {
		pdf.Line(line[i-1].X, line[i-1].Y, line[i].X, line[i].Y)
	}
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)
	// Legend.
	pdf.SetXY(x0, bottom+5)
	pdf.SetFont(font, "", 7.5)
	legend := func(r, g, b int, label string, bar bool) {
		x, y := pdf.GetXY()
		if bar {
			pdf.SetFillColor(r, g, b)
			pdf.Rect(x, y+0.8, 3, 2.4, "F")
		} else {
			pdf.SetDrawColor(r, g, b)
			pdf.SetLineWidth(0.5)
			pdf.Line(x, y+2, x+3, y+2)
			pdf.SetLineWidth(0.2)
			pdf.SetDrawColor(0, 0, 0)
		}
		pdf.SetXY(x+4, y)
		pdf.CellFormat(pdf.GetStringWidth(label)+5, 4, label, "", 0, "L", false, 0, "")
	}
	legend(0xc9, 0xd1, 0xdb, p.t("lg_published"), true)
	legend(0xc8, 0x3c, 0x3c, p.t("lg_negative"), true)
	legend(0x2e, 0x7d, 0x32, p.t("lg_positive"), true)
	legend(navyR, navyG, navyB, p.t("lg_rolling"), false)
	legend(0xc0, 0x20, 0x20, p.t("limit_line"), false)
	legend(0xe0, 0x90, 0x20, p.t("warn_line"), false)
	pdf.SetXY(marginL, bottom+11)
}

func (p *pdfWriter) decisions(r *Report) {
	ds := r.Decisions(p.lang)
	p.section(p.t("sec_decisions"))
	if len(ds) == 0 {
		p.pdf.SetFont(font, "", 10)
		p.pdf.MultiCell(0, lineH, p.t("no_decisions"), "", "L", false)
		return
	}
	head := []string{p.t("col_time"), p.t("col_outlet"), p.t("col_kind"), p.t("col_post_id"), p.t("col_actor"), p.t("col_detail"), p.t("col_note")}
	widths := []float64{26, 16, 31, 13, 18, 27, 44}
	var rows [][]string
	for _, d := range ds {
		rows = append(rows, []string{d.At.In(d.Loc).Format("02/01/2006 15:04"), d.Outlet, p.t("kind_" + d.Kind), d.PostID, d.Actor, d.Detail, d.Note})
	}
	p.table(head, widths, "LLLLLLL", rows)
}

// signature: recipients left, the signer's block right, with room to sign.
func (p *pdfWriter) signature(r *Report, opt PDFOptions) {
	pdf := p.pdf
	p.need(48)
	pdf.Ln(8)
	y := pdf.GetY()
	pdf.SetFont(font, "B", 9.5)
	pdf.SetXY(marginL, y)
	pdf.CellFormat(80, lineH, p.t("recipients"), "", 2, "L", false, 0, "")
	pdf.SetFont(font, "", 8.5)
	rec := strings.TrimSpace(opt.Recipients)
	if rec == "" {
		rec = p.t("recipients_default")
	}
	for _, l := range strings.Split(rec, "\n") {
		pdf.SetX(marginL)
		pdf.CellFormat(80, 4.2, "- "+strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "-")), "", 2, "L", false, 0, "")
	}
	pdf.SetXY(marginL+90, y)
	pdf.SetFont(font, "B", 10)
	pdf.CellFormat(bodyW-90, lineH, strings.ToUpper(p.t("signer")), "", 2, "C", false, 0, "")
	pdf.SetX(marginL + 90)
	pdf.SetFont(font, "", 9)
	pdf.CellFormat(bodyW-90, lineH, p.t("sign_hint"), "", 2, "C", false, 0, "")
	pdf.SetXY(marginL, math.Max(pdf.GetY()+28, y+30))
	pdf.SetFont(font, "", 7.5)
	pdf.SetTextColor(0x66, 0x66, 0x66)
	pdf.MultiCell(0, 3.6, fmt.Sprintf(p.t("generated"), r.GeneratedAt.In(r.location()).Format("02/01/2006 15:04 MST")), "", "L", false)
	pdf.SetTextColor(colorText, colorText, colorText)
}
