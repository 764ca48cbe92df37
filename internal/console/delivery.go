package console

import (
	"regexp"
	"strings"
)

func init() {
	for k, v := range map[string][2]string{
		"cb.private":  {"Địa chỉ callback là địa chỉ nội bộ hoặc loopback nên không được gửi tới. Hãy dùng địa chỉ công khai của CMS, hoặc chọn “Cho phép địa chỉ nội bộ” trong thiết lập đơn vị nếu CMS nằm trong mạng nội bộ.", "The callback address is private or loopback, so nothing is sent there. Use the CMS's public address, or tick “Allow private address” in the outlet's settings if the CMS is on the internal network."},
		"cb.nourl":    {"Đơn vị chưa có địa chỉ callback: hãy nhập địa chỉ trong thiết lập đơn vị (CMS vẫn có thể tự hỏi trạng thái tin chờ duyệt).", "The outlet has no callback address: enter one in the outlet's settings (the CMS can still poll the held post's state)."},
		"cb.nosecret": {"Đơn vị không còn khoá bí mật dùng được: hãy đổi khoá bí mật và cài khoá mới vào CMS.", "The outlet has no usable secret: rotate it and install the new one in the CMS."},
		"cb.auth":     {"CMS từ chối chữ ký: khoá bí mật cài trong plugin phải trùng với khoá của đơn vị (kiểm tra sau khi đổi khoá).", "The CMS refused the signature: the secret in the plugin must match the outlet's (check it after a rotation)."},
		"cb.notfound": {"CMS không có đường dẫn này: kiểm tra địa chỉ callback và plugin Gatekeeper đã được kích hoạt.", "The CMS has no such path: check the callback address and that the Gatekeeper plugin is active."},
		"cb.redirect": {"CMS chuyển hướng địa chỉ (ví dụ sang https): hãy nhập đúng địa chỉ cuối cùng.", "The CMS redirects (for example to https): enter the final address."},
		"cb.server":   {"CMS gặp lỗi khi nhận thông báo; Gatekeeper sẽ tự gửi lại. Nếu lỗi kéo dài, hãy xem nhật ký lỗi của CMS.", "The CMS failed while receiving it; Gatekeeper retries by itself. If it persists, look at the CMS's error log."},
		"cb.network":  {"Không kết nối được tới CMS: kiểm tra địa chỉ callback và CMS đang chạy; Gatekeeper sẽ tự gửi lại trong 24 giờ.", "Could not reach the CMS: check the callback address and that the CMS is up; Gatekeeper retries for 24 hours."},
		"cb.other":    {"Chưa gửi được; Gatekeeper sẽ tự gửi lại trong 24 giờ, hoặc bấm “Gửi lại ngay”.", "Not delivered yet; Gatekeeper retries for 24 hours, or press “Retry now”."},
	} {
		messages[k] = v
	}
}

var httpStatus = regexp.MustCompile(`^HTTP (\d{3})`)

// deliveryAdvice turns the worker's error of a callback delivery into what
// it means for the reader and what to do, in lang.
func deliveryAdvice(lang, lastError string) string {
	e := strings.ToLower(lastError)
	if m := httpStatus.FindStringSubmatch(lastError); m != nil {
		switch {
		case m[1] == "401" || m[1] == "403":
			return tr(lang, "cb.auth")
		case m[1] == "404" || m[1] == "410":
			return tr(lang, "cb.notfound")
		case m[1][0] == '3':
			return tr(lang, "cb.redirect")
		case m[1][0] == '5':
			return tr(lang, "cb.server")
		}
		return tr(lang, "cb.other")
	}
	switch {
	case strings.Contains(e, "address not allowed"):
		return tr(lang, "cb.private")
	case strings.Contains(e, "no callback url"):
		return tr(lang, "cb.nourl")
	case strings.Contains(e, "no usable secret"):
		return tr(lang, "cb.nosecret")
	case strings.Contains(e, "connection refused"), strings.Contains(e, "no such host"), strings.Contains(e, "timeout"),
		strings.Contains(e, "deadline exceeded"), strings.Contains(e, "unreachable"), strings.Contains(e, "connection reset"),
		strings.Contains(e, "certificate"), strings.Contains(e, "tls"):
		return tr(lang, "cb.network")
	}
	return tr(lang, "cb.other")
}
