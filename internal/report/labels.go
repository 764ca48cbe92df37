package report

import (
	"strings"

	"gatekeeper/policy/classify"
)

// labels are the words of the report's layouts (CSV and workbook headers,
// the PDF), Vietnamese first, English second.
var labels = map[string][2]string{
	"totals":            {"Tổng cộng", "Totals"},
	"title":             {"Báo cáo tình hình đăng tin", "Compliance report"},
	"sheet_totals":      {"Tổng hợp", "Totals"},
	"sheet_decisions":   {"Quyết định", "Decisions"},
	"figure":            {"Chỉ tiêu", "Figure"},
	"value":             {"Số liệu", "Value"},
	"when_held":         {"khi giữ lại", "when held"},
	"tone_negative":     {"tiêu cực", "negative"},
	"tone_non_negative": {"không tiêu cực", "not negative"},

	"state_counted":   {"đang được tính", "counted"},
	"state_held":      {"đang giữ lại", "held"},
	"state_rejected":  {"đã bị từ chối", "rejected"},
	"state_withdrawn": {"đã gỡ", "withdrawn"},

	"kind_approval_past_limit": {"Duyệt vượt giới hạn", "Approval past the limit"},
	"kind_relabel":             {"Sửa nhãn", "Relabel"},
	"kind_withdrawal":          {"Gỡ bài", "Withdrawal"},

	"col_outlet":                 {"Mã kênh", "Outlet"},
	"col_name":                   {"Tên kênh", "Name"},
	"col_timezone":               {"Múi giờ", "Time zone"},
	"col_from":                   {"Từ ngày", "From"},
	"col_to":                     {"Đến ngày", "To"},
	"col_published":              {"Số tin đăng", "Published"},
	"col_negative":               {"Tin tiêu cực", "Negative"},
	"col_positive":               {"Tin tích cực", "Positive"},
	"col_neutral":                {"Tin trung tính", "Neutral"},
	"col_share":                  {"Tỉ lệ tiêu cực trong kỳ", "Negative share in the period"},
	"col_rolling_published":      {"Số tin trong cửa sổ cuối kỳ", "Window posts at the end"},
	"col_rolling_negative":       {"Tin tiêu cực trong cửa sổ cuối kỳ", "Window negative at the end"},
	"col_rolling_share":          {"Tỉ lệ cửa sổ cuối kỳ", "Window share at the end"},
	"col_limit":                  {"Giới hạn", "Limit"},
	"col_warn_at":                {"Ngưỡng cảnh báo", "Warning line"},
	"col_days_over_warn":         {"Số ngày vượt ngưỡng cảnh báo", "Days over the warning line"},
	"col_days_over_limit":        {"Số ngày vượt giới hạn", "Days over the limit"},
	"col_sensational":            {"Tiêu đề giật gân", "Sensational headlines"},
	"col_holds":                  {"Tin bị giữ", "Holds"},
	"col_approved":               {"Được duyệt", "Approved"},
	"col_rejected":               {"Bị từ chối", "Rejected"},
	"col_cancelled":              {"Đã hủy", "Cancelled"},
	"col_pending":                {"Đang chờ", "Waiting"},
	"col_median_decision_hours":  {"Thời gian xử lý trung vị (giờ)", "Median time to a decision (hours)"},
	"col_longest_decision_hours": {"Thời gian xử lý dài nhất (giờ)", "Longest time to a decision (hours)"},
	"col_approvals_past_limit":   {"Duyệt vượt giới hạn", "Approvals past the limit"},
	"col_relabels":               {"Sửa nhãn", "Relabels"},
	"col_withdrawals":            {"Gỡ bài", "Withdrawals"},
	"col_themes":                 {"Chủ đề tin tiêu cực", "Themes of negative posts"},
	"col_date":                   {"Ngày", "Date"},
	"col_over_warn":              {"Vượt ngưỡng cảnh báo", "Over the warning line"},
	"col_over_limit":             {"Vượt giới hạn", "Over the limit"},
	"col_kind":                   {"Loại", "Kind"},
	"col_time":                   {"Thời gian", "Time"},
	"col_time_utc":               {"Thời gian (UTC)", "Time (UTC)"},
	"col_post_id":                {"Mã bài", "Post"},
	"col_hold_id":                {"Mã tin giữ", "Hold"},
	"col_actor":                  {"Người thực hiện", "By"},
	"col_detail":                 {"Chi tiết", "Detail"},
	"col_note":                   {"Ghi chú", "Note"},
}

// English reports whether lang asks for English ("en", "en-US", …);
// anything else is Vietnamese.
func English(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "en") }

// Label is the word for key in lang; the key itself when there is none.
func Label(key, lang string) string {
	l, ok := labels[key]
	if !ok {
		return key
	}
	if English(lang) {
		return l[1]
	}
	return l[0]
}

// ThemeName names a theme of harm in lang.
func ThemeName(theme, lang string) string { return classify.ThemeLabel(theme, lang) }

func columns(keys []string, lang string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = Label("col_"+k, lang)
	}
	return out
}
