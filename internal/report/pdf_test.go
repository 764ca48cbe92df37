package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/report"
	"gatekeeper/internal/report/reporttest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// vietnamese is every letter of the Vietnamese alphabet with every tone
// mark, in words short enough not to be wrapped.
var vietnamese = []string{
	"aàáảãạ", "ăằắẳẵặ", "âầấẩẫậ", "đeèéẻẽẹ", "êềếểễệ", "iìíỉĩị", "oòóỏõọ", "ôồốổỗộ", "ơờớởỡợ",
	"uùúủũụ", "ưừứửữự", "yỳýỷỹỵ",
}

// pdfText runs poppler's pdftotext on a PDF and returns its text, NFC.
// Without poppler-utils the test is skipped, or fails under
// GATEKEEPER_REQUIRE_ALL=1 (.ci/deps.sh installs it).
func pdfTool(t *testing.T, tool string, pdf []byte, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		msg := tool + " not found (Debian: apt-get install -y poppler-utils)"
		if os.Getenv("GATEKEEPER_REQUIRE_ALL") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	f := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(path, append(args, f, "-")...).CombinedOutput()
	if tool == "pdffonts" || tool == "pdfinfo" {
		out, err = exec.Command(path, f).CombinedOutput()
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	return norm.NFC.String(string(out))
}

// The PDF is A4 with its fonts embedded, laid out as an administrative
// report, and every Vietnamese letter with every tone mark comes back out
// of it as it went in; in English on request.
func TestPDF(t *testing.T) {
	st := openSQLite(t)
	now := testsupport.Now(t, fallbackNow)
	loc := (&store.Outlet{Timezone: "Asia/Ho_Chi_Minh"}).Location()
	p := report.Month(now.In(loc).Year(), now.In(loc).Month()-1)
	start := p.Start(loc).AddDate(0, 0, -20)
	name := "Cổng " + strings.Join(vietnamese[:6], " ")
	s := reporttest.New(t, st, store.Outlet{ID: "dakglei", Name: name}, start, 9)
	s.Run(int(p.End(loc).Sub(start).Hours()/24) + 1)
	if err := st.Relabel(context.Background(), "dakglei", "p0003", policy.Negative, p.End(loc).Add(-2*time.Hour), s.Outlet.Window(), "manager1", "Sửa nhãn"); err != nil {
		t.Fatal(err)
	}
	rep, err := (&report.Builder{Store: st, Clock: clock.Fixed(s.Clock.Now())}).Build(context.Background(), nil, p)
	if err != nil {
		t.Fatal(err)
	}
	opt := report.PDFOptions{
		Issuer:     "UBND huyện Đắk Glei\nPhòng Văn hóa và Thông tin",
		Place:      "Đắk Glei",
		Recipients: "Ban Tuyên giáo Huyện ủy\n" + strings.Join(vietnamese[6:], " ") + "\n" + strings.ToUpper(strings.Join(vietnamese, " ")),
	}
	raw, err := rep.PDF("vi", opt)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", raw[:16])
	}
	text := pdfTool(t, "pdftotext", raw, "-enc", "UTF-8")
	words := strings.Fields(text)
	has := func(w string) bool {
		for _, x := range words {
			if x == w {
				return true
			}
		}
		return false
	}
	for _, w := range vietnamese {
		if !has(w) || !has(strings.ToUpper(w)) {
			t.Errorf("%q or %q does not come back from the PDF", w, strings.ToUpper(w))
		}
	}
	o := rep.Outlets[0]
	dmy := func(d report.Date) string {
		return strings.Join([]string{pad(d.Day), pad(int(d.Month)), itoa(d.Year)}, "/")
	}
	for _, want := range []string{
		"UBND HUYỆN ĐẮK GLEI", "PHÒNG VĂN HÓA VÀ THÔNG TIN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"BÁO CÁO", "Tình hình đăng tin và tỉ lệ tin tiêu cực",
		"(Kỳ báo cáo: từ ngày " + dmy(p.From) + " đến ngày " + dmy(p.To) + ")",
		"Đắk Glei, ngày", "I. Tổng hợp chung", "II. Tình hình từng đơn vị", "III. Các quyết định cần lưu ý",
		"Nơi nhận:", "NGƯỜI LẬP BÁO CÁO", "(Ký, ghi rõ họ tên)", "Trang 1/",
		itoa(int(o.Published)) + " tin: " + itoa(int(o.Negative)) + " tiêu cực",
		"Chủ đề của tin tiêu cực:", report.ThemeName(o.Themes[0].Theme, "vi"),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF does not say %q", want)
		}
	}
	fonts := pdfTool(t, "pdffonts", raw)
	// name, type, encoding, emb, sub, uni, object id: both faces embedded.
	var embedded int
	for _, l := range strings.Split(fonts, "\n")[2:] {
		f := strings.Fields(l)
		if len(f) < 5 {
			continue
		}
		if f[len(f)-5] != "yes" || !strings.Contains(f[0], "dejavu") {
			t.Errorf("font not embedded: %s", l)
		}
		embedded++
	}
	if embedded != 2 {
		t.Errorf("%d fonts, want the two faces of DejaVu Sans:\n%s", embedded, fonts)
	}
	if info := pdfTool(t, "pdfinfo", raw); !strings.Contains(info, "(A4)") {
		t.Errorf("not A4:\n%s", info)
	}

	en, err := rep.PDF("en", opt)
	if err != nil {
		t.Fatal(err)
	}
	etext := pdfTool(t, "pdftotext", en, "-enc", "UTF-8")
	for _, want := range []string{"SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness", "REPORT", "I. Summary",
		"PREPARED BY", "(Signature and full name)", "Page 1 of", report.ThemeName(o.Themes[0].Theme, "en"), name} {
		if !strings.Contains(etext, want) {
			t.Errorf("the English PDF does not say %q", want)
		}
	}
	if strings.Contains(etext, "Nơi nhận") {
		t.Error("the English PDF speaks Vietnamese")
	}
}

func pad(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestPDFSample writes the sample report behind the README's picture
// (`make report-sample`): two outlets, a month of traffic. It only runs
// when GATEKEEPER_REPORT_SAMPLE names the file to write.
func TestPDFSample(t *testing.T) {
	out := os.Getenv("GATEKEEPER_REPORT_SAMPLE")
	if out == "" {
		t.Skip("GATEKEEPER_REPORT_SAMPLE is not set: nothing to write")
	}
	st := openSQLite(t)
	start := time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)
	a := reporttest.New(t, st, store.Outlet{ID: "dakglei", Name: "Cổng TTĐT huyện Đắk Glei"}, start, 5)
	a.Run(75)
	b := reporttest.New(t, st, store.Outlet{ID: "kontum", Name: "Báo Kon Tum điện tử"}, start, 6)
	b.Run(75)
	rep, err := (&report.Builder{Store: st, Clock: clock.Fixed(a.Clock.Now())}).Build(context.Background(), nil, report.Month(2026, time.November))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rep.PDF("vi", report.PDFOptions{Issuer: "UBND huyện Đắk Glei\nPhòng Văn hóa và Thông tin", Place: "Đắk Glei",
		Recipients: "Ban Tuyên giáo Huyện ủy;\nCông an huyện;\nLưu: VT."})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
