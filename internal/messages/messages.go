// Package messages holds every sentence Gatekeeper's API says to a person, in
// Vietnamese (the default) and English, keyed by stable codes.
package messages

import (
	"errors"
	"fmt"
	"strings"

	"gatekeeper/policy"

	"golang.org/x/text/language"
)

// Lang is a supported language.
type Lang string

const (
	VI Lang = "vi"
	EN Lang = "en"
)

var matcher = language.NewMatcher([]language.Tag{language.Vietnamese, language.English})

// FromAcceptLanguage picks vi or en from an Accept-Language header;
// Vietnamese when the header is empty or names neither.
func FromAcceptLanguage(h string) Lang {
	if strings.TrimSpace(h) == "" {
		return VI
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil || len(tags) == 0 {
		return VI
	}
	_, idx, conf := matcher.Match(tags...)
	if conf == language.No {
		return VI
	}
	if idx == 1 {
		return EN
	}
	return VI
}

type pair struct{ vi, en string }

// errorText is what each error code says.
var errorText = map[string]pair{
	"invalid_json":              {"Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON."},
	"validation_failed":         {"Yêu cầu có trường không hợp lệ.", "Some fields of the request are invalid."},
	"signature_missing":         {"Thiếu chữ ký: cần các header webhook-id, webhook-timestamp và webhook-signature.", "Missing signature: the webhook-id, webhook-timestamp and webhook-signature headers are required."},
	"signature_invalid":         {"Chữ ký không hợp lệ cho đơn vị này.", "The signature is not valid for this outlet."},
	"signature_target_mismatch": {"Chữ ký được tạo cho yêu cầu khác (webhook-target %q), không phải yêu cầu này (%q); hãy ký đúng phương thức và đường dẫn đang gửi.", "The signature was made for another request (webhook-target %q), not this one (%q); sign the method and path you send."},
	"signature_expired":         {"Chữ ký đã hết hạn hoặc đồng hồ lệch quá 5 phút; hãy gửi lại với thời điểm hiện tại.", "The signature has expired or the clock is off by more than 5 minutes; send again with the current time."},
	"outlet_not_found":          {"Không tìm thấy đơn vị này.", "No such outlet."},
	"post_not_found":            {"Gatekeeper chưa từng nhận bài viết này.", "Gatekeeper has never seen this post."},
	"hold_not_found":            {"Không tìm thấy bài bị giữ này.", "No such held post."},
	"hold_not_pending":          {"Bài này đã được xử lý (duyệt, từ chối hoặc huỷ) trước đó.", "This hold was already approved, rejected or cancelled."},
	"not_found":                 {"Không có đường dẫn này.", "No such path."},
	"method_not_allowed":        {"Phương thức không được hỗ trợ ở đường dẫn này.", "Method not allowed on this path."},
	"body_too_large":            {"Nội dung yêu cầu quá lớn.", "The request body is too large."},
	"unsupported_media_type":    {"Nội dung phải là JSON (Content-Type: application/json).", "The body must be JSON (Content-Type: application/json)."},
	"rate_limited":              {"Quá nhiều yêu cầu; hãy thử lại sau ít giây.", "Too many requests; try again in a few seconds."},
	"store_unavailable":         {"Chưa ghi nhận được quyết định vì kho dữ liệu tạm thời không phản hồi; bài chưa được tính, hãy thử lại.", "The decision could not be recorded because the store is not responding; the post is not counted, try again."},
	"signature_unbound":         {"Chữ ký phải kèm header webhook-target (phương thức và đường dẫn); hãy cập nhật plugin.", "The signature must come with a webhook-target header (method and path); update the plugin."},
	"webhook_id_reused":         {"webhook-id này đã được dùng cho một yêu cầu khác; mỗi yêu cầu cần một webhook-id mới.", "This webhook-id was already used for another request; every request needs a new webhook-id."},
	"approval_console_only":     {"Đơn vị này chỉ cho duyệt bài bị giữ trong bảng điều khiển Gatekeeper.", "This outlet allows approvals only in the Gatekeeper console."},
	"server_busy":               {"Máy chủ đang nhận quá nhiều yêu cầu chưa xác thực; hãy thử lại sau ít giây.", "The server is receiving too many unauthenticated requests; try again in a few seconds."},
	"import_invalid":            {"Tệp có %d lỗi (xem từng dòng); chưa nhập bài nào.", "The file has %d errors (see each row); nothing was imported."},
	"unsupported_import_type":   {"Tệp nhập phải là CSV (Content-Type: text/csv) hoặc XLSX.", "An import must be CSV (Content-Type: text/csv) or XLSX."},
	"internal":                  {"Lỗi nội bộ; đã ghi lại với mã yêu cầu.", "Internal error; it has been logged with the request id."},
}

// Errorf is Error for a code whose message names args.
func Errorf(lang Lang, code string, args ...any) string {
	return fmt.Sprintf(Error(lang, code), args...)
}

// Error returns the message of an error code in lang.
func Error(lang Lang, code string) string {
	p, ok := errorText[code]
	if !ok {
		p = errorText["internal"]
	}
	return pick(lang, p)
}

// fieldText is what each validation rule says about a field.
var fieldText = map[string]pair{
	"required":    {"bắt buộc, không được để trống", "is required and must not be empty"},
	"required_id": {"cần mã bài (id) hoặc liên kết của bài (link)", "is required unless the post's link is given"},
	"max":         {"dài quá mức cho phép (tối đa %s)", "is too long (at most %s)"},
	"min":         {"quá ngắn (tối thiểu %s)", "is too short (at least %s)"},
	"oneof":       {"phải là một trong: %s", "must be one of: %s"},
	"url":         {"phải là một URL hợp lệ", "must be a valid URL"},
	"http_url":    {"phải là một URL http(s) hợp lệ", "must be a valid http(s) URL"},
	"postid":      {"chỉ gồm chữ, số và . _ : - (tối đa 128 ký tự)", "may contain only letters, digits and . _ : - (at most 128 characters)"},
	"type":        {"sai kiểu dữ liệu (cần %s)", "has the wrong type (want %s)"},
	"time":        {"phải là thời điểm RFC 3339, ví dụ 2026-11-27T08:00:00+07:00", "must be an RFC 3339 time, e.g. 2026-11-27T08:00:00+07:00"},
	"future":      {"không được ở tương lai", "must not be in the future"},
	"dive":        {"có phần tử không hợp lệ", "has an invalid element"},
	"status":      {"phải là pending, approved, rejected hoặc cancelled", "must be pending, approved, rejected or cancelled"},
	"integer":     {"phải là số nguyên từ %s", "must be a whole number from %s"},
	"langtag":     {"phải là mã ngôn ngữ như vi, en, vi-VN hoặc en_US (tối đa 35 ký tự)", "must be a language tag such as vi, en, vi-VN or en_US (at most 35 characters)"},
	"period": {"phải là ngày YYYY-MM-DD (cùng ngày kết thúc), hoặc một tháng YYYY-MM hay một quý YYYY-Qn (không kèm ngày kết thúc)",
		"must be a date YYYY-MM-DD (with an end date), or a month YYYY-MM or a quarter YYYY-Qn (without one)"},
	"period_order": {"ngày kết thúc ở trước ngày bắt đầu", "the end date is before the start date"},
	"period_long":  {"khoảng thời gian dài quá %s ngày", "the period is longer than %s days"},
	"unknown":      {"không phải là trường của yêu cầu này (tên trường phân biệt hoa thường)", "is not a field of this request (field names are case-sensitive)"},
	"duplicate":    {"xuất hiện hơn một lần", "appears more than once"},
	"webhookid":    {"chỉ gồm chữ, số và . _ : ~ + / = - (tối đa 128 ký tự)", "may contain only letters, digits and . _ : ~ + / = - (at most 128 characters)"},
}

// Field returns the message for a field that failed rule (with its parameter).
func Field(lang Lang, rule, param string) string {
	p, ok := fieldText[rule]
	if !ok {
		return pick(lang, pair{"không hợp lệ", "is invalid"})
	}
	s := pick(lang, p)
	if strings.Contains(s, "%s") {
		s = fmt.Sprintf(s, param)
	}
	return s
}

// Percent formats a share in basis points the way lang writes it:
// "14,88%" in Vietnamese, "14.88%" in English.
func Percent(lang Lang, bp int64) string {
	s := fmt.Sprintf("%d.%02d%%", bp/100, bp%100)
	if lang == VI {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// ReasonArgs are the numbers a reason message may mention.
type ReasonArgs struct {
	After, WarnAt, Limit int64 // basis points
	Published, MinSample int64
	// Language is the language a post was read in ("vi", "en"); Declared
	// the one its client declared (any tag).
	Language, Declared string
}

// LanguageName names a language code for a reader in lang: "tiếng Việt",
// "English"; other codes as they are.
func LanguageName(lang Lang, code string) string {
	names := map[string]pair{"vi": {"tiếng Việt", "Vietnamese"}, "en": {"tiếng Anh", "English"}}
	if p, ok := names[code]; ok {
		return pick(lang, p)
	}
	return code
}

var reasonText = map[string]pair{
	"not_negative":           {"Bài không mang sắc thái tiêu cực.", "The post is not negative."},
	"share_within_limit":     {"Bài tiêu cực; sau bài này tỉ lệ tin tiêu cực là %[1]s, trong mức an toàn (cảnh báo từ %[2]s).", "A negative post; after it the negative share is %[1]s, within the safe range (warning above %[2]s)."},
	"share_near_limit":       {"Bài tiêu cực; sau bài này tỉ lệ tin tiêu cực là %[1]s, vượt mức cảnh báo %[2]s (giới hạn %[3]s).", "A negative post; after it the negative share is %[1]s, above the warning level %[2]s (limit %[3]s)."},
	"share_over_limit":       {"Bài tiêu cực; đăng bài này sẽ đưa tỉ lệ tin tiêu cực lên %[1]s, vượt giới hạn %[3]s. Bài được giữ lại chờ duyệt.", "A negative post; publishing it would take the negative share to %[1]s, past the %[3]s limit. It is held for review."},
	"borderline":             {"Sắc thái của bài chưa rõ ràng nên bài được tính như tin tiêu cực: sau bài này tỉ lệ tin tiêu cực sẽ là %[1]s (giới hạn %[3]s). Hãy xem lại; nếu bài không tiêu cực, hãy khai báo sắc thái.", "The post's tone is uncertain, so it is counted as negative: after it the negative share would be %[1]s (limit %[3]s). Check it; if it is not negative, declare its tone."},
	"borderline_over_limit":  {"Sắc thái của bài chưa rõ ràng nên bài được tính như tin tiêu cực: khi đó tỉ lệ tin tiêu cực sẽ lên %[1]s, vượt giới hạn %[3]s. Bài được giữ lại chờ người duyệt của đơn vị quyết định.", "The post's tone is uncertain, so it is counted as negative: the negative share would then reach %[1]s, past the %[3]s limit. It is held until the outlet's reviewer decides."},
	"min_sample":             {"Đơn vị mới có %[4]d bài trong cửa sổ (dưới mức tối thiểu %[5]d) nên bài chỉ bị cảnh báo thay vì giữ lại.", "The outlet has only %[4]d posts in the window (fewer than the minimum %[5]d), so the post is warned instead of held."},
	"sensational_headline":   {"Tiêu đề có dấu hiệu giật gân, câu khách.", "The headline looks sensational (click-bait)."},
	"already_counted":        {"Bài đã được tính trước đó với cùng sắc thái; không có gì thay đổi.", "The post was already counted with the same tone; nothing changes."},
	"outside_window":         {"Bài đã đăng trước cửa sổ hiện tại nên không ảnh hưởng tỉ lệ.", "The post went live before the current window, so it does not affect the share."},
	"shadow_mode":            {"Đơn vị đang ở chế độ theo dõi: quyết định được ghi lại nhưng bài luôn được phép đăng.", "The outlet is in shadow mode: the decision is recorded but the post is always allowed."},
	"declared_negative":      {"Biên tập viên khai báo bài là tin tiêu cực.", "The editor declared the post negative."},
	"declared_tone_conflict": {"Sắc thái biên tập viên khai báo nhẹ hơn đánh giá của hệ thống (tiêu cực); bài được xem là chưa rõ ràng.", "The editor declared a milder tone than the system's confident assessment (negative); the post is treated as uncertain."},
	"category_negative":      {"Chuyên mục của bài được đơn vị xếp vào tin tiêu cực.", "The outlet maps the post's category to negative."},
	"language_detected":      {"Bài được đọc bằng %[6]s theo nội dung của bài, không theo ngôn ngữ khai báo “%[7]s”.", "The post was read as %[6]s, from its text, not as the declared language “%[7]s”."},
	"category_tone_conflict": {"Chuyên mục của bài được xếp nhẹ hơn đánh giá của hệ thống (tiêu cực); bài được xem là chưa rõ ràng.", "The post's category maps to a milder tone than the system's confident assessment (negative); the post is treated as uncertain."},
}

// Reason returns the message of a reason code in lang.
func Reason(lang Lang, code string, a ReasonArgs) string {
	p, ok := reasonText[code]
	if !ok {
		return code
	}
	s := pick(lang, p)
	if strings.Contains(s, "%[") {
		// Explicit argument indexes: fmt does not complain about unused ones.
		s = fmt.Sprintf(s, Percent(lang, a.After), Percent(lang, a.WarnAt), Percent(lang, a.Limit), a.Published, a.MinSample,
			LanguageName(lang, a.Language), a.Declared)
	}
	return s
}

func pick(lang Lang, p pair) string {
	if lang == EN {
		return p.en
	}
	return p.vi
}

// settingText is the Vietnamese of each policy.InvalidSetting code, over the
// same arguments as its English (which the error itself carries).
var settingText = map[string]string{
	"limit":        "giới hạn %s%% nằm ngoài 0–100%%",
	"warn_at":      "mức cảnh báo %s%% phải từ 0 đến giới hạn (%s%%)",
	"min_sample":   "số bài tối thiểu %d không được âm",
	"sensational":  "xử lý tiêu đề giật gân %q phải là note (chỉ ghi chú), warn (cảnh báo) hoặc hold (giữ lại)",
	"sensitivity":  "độ nhạy tiêu đề giật gân %q phải là low (thấp), normal (bình thường) hoặc high (cao)",
	"mode":         "chế độ %q phải là enforce hoặc shadow",
	"id":           "mã đơn vị %q phải gồm 1–63 chữ thường, số hoặc '-', bắt đầu bằng chữ hoặc số",
	"percent":      "%q không phải tỉ lệ phần trăm hợp lệ (tối đa hai chữ số thập phân, dùng dấu chấm)",
	"percent_max":  "%q lớn hơn 100%%",
	"category":     "chuyên mục %q phải có dạng TÊN=negative|neutral|positive",
	"name":         "cần tên đơn vị",
	"window_days":  "số ngày của cửa sổ %d phải từ 1 đến 365",
	"timezone":     "múi giờ %q không hợp lệ (ví dụ Asia/Ho_Chi_Minh)",
	"callback_url": "địa chỉ callback %q phải là URL http(s) không kèm mật khẩu",
	"kind":         "loại đơn vị %q phải là website (trang web) hoặc social (trang mạng xã hội)",
	"social_only":  "nền tảng và địa chỉ trang chỉ dành cho đơn vị là trang mạng xã hội",
	"platform":     "nền tảng %q phải là facebook, zalo, youtube, tiktok hoặc other (khác)",
	"page_url":     "địa chỉ trang %q phải là địa chỉ http(s) công khai của trang",
}

// Setting words a refused setting (a policy.InvalidSetting anywhere in
// err's chain) in lang; any other error as it is.
func Setting(lang Lang, err error) string {
	var s *policy.InvalidSetting
	if !errors.As(err, &s) {
		return err.Error()
	}
	if vi, ok := settingText[s.Code]; ok && lang != EN {
		return fmt.Sprintf(vi, s.Args...)
	}
	return s.English()
}

// Settings words every refused setting of err (errors.Join keeps several),
// one per line, in Vietnamese then English.
func Settings(err error) string {
	var lines []string
	for _, e := range leaves(err) {
		lines = append(lines, Setting(VI, e)+" / "+Setting(EN, e))
	}
	return strings.Join(lines, "\n")
}

// SettingsIn words every refused setting of err in lang, joined by "; ".
func SettingsIn(lang Lang, err error) string {
	var parts []string
	for _, e := range leaves(err) {
		parts = append(parts, Setting(lang, e))
	}
	return strings.Join(parts, "; ")
}

// leaves are the errors joined in err (err itself when it joins none).
func leaves(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}
