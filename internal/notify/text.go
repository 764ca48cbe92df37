package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// footer ends every mail: why it came and how to change that.
const footer = "—\nGatekeeper. Đổi cách nhận thông báo (ngay hoặc tổng hợp hằng ngày) trong Tài khoản của bảng điều khiển.\n" +
	"Change how you receive notices (immediately or a daily digest) under Account in the console."

// pct is a share as "12,50%" (the Vietnamese way).
func pct(f float64) string {
	return strings.Replace(strconv.FormatFloat(f*100, 'f', 2, 64), ".", ",", 1) + "%"
}

// hoursText is a wait as "5 giờ" / "2 ngày 3 giờ".
func hoursText(d time.Duration) string {
	h := int(d.Hours())
	if h < 24 {
		return fmt.Sprintf("%d giờ (%dh)", h, h)
	}
	return fmt.Sprintf("%d ngày %d giờ (%dd %dh)", h/24, h%24, h/24, h%24)
}

func headroomText(e *Event) string {
	if e.Headroom == nil {
		return ""
	}
	h := e.Headroom
	switch {
	case h.NegativeLeft != nil && *h.NegativeLeft > 0:
		return fmt.Sprintf("Còn có thể đăng %d tin tiêu cực trước khi vượt giới hạn. / %d more negative posts fit under the limit.", *h.NegativeLeft, *h.NegativeLeft)
	case h.NonNegativeNeeded != nil:
		return fmt.Sprintf("Cần thêm %d tin không tiêu cực để tin này được đăng trong giới hạn. / %d more non-negative posts are needed before this one fits.", *h.NonNegativeNeeded, *h.NonNegativeNeeded)
	}
	return ""
}

func subject(e *Event) string {
	switch e.Type {
	case EventHeld:
		return fmt.Sprintf("[Gatekeeper] Tin chờ duyệt: %s — %s", e.Title, e.Name)
	case EventReminder:
		return fmt.Sprintf("[Gatekeeper] Nhắc: tin chờ duyệt đã %s — %s", e.Waiting, e.Title)
	case EventWarning:
		return fmt.Sprintf("[Gatekeeper] %s vượt mức cảnh báo: %s tin tiêu cực", e.Name, pct(e.Share))
	case EventApproved:
		return fmt.Sprintf("[Gatekeeper] Bài đã được duyệt: %s — %s", e.Title, e.Name)
	case EventRejected:
		return fmt.Sprintf("[Gatekeeper] Bài bị từ chối: %s — %s", e.Title, e.Name)
	}
	return "[Gatekeeper] " + e.Type
}

func heldText(e *Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Bài \"%s\" (#%s) của %s đang được giữ lại chờ duyệt.\n", e.Title, e.PostID, e.Name)
	fmt.Fprintf(&b, "The post \"%s\" (#%s) of %s is held for review.\n\n", e.Title, e.PostID, e.Name)
	for _, r := range e.Reasons {
		fmt.Fprintf(&b, "Lý do / Reason: %s\n", r)
	}
	if e.Counts != nil {
		fmt.Fprintf(&b, "Tỉ lệ tin tiêu cực hiện tại / Current negative share: %s (%d/%d), giới hạn / limit %s.\n",
			pct(e.Share), e.Counts.Negative, e.Counts.Published, pct(e.Limit))
	}
	if h := headroomText(e); h != "" {
		b.WriteString(h + "\n")
	}
	fmt.Fprintf(&b, "\nDuyệt hoặc từ chối / Approve or reject: %s", e.ReviewURL)
	return b.String()
}

func reminderText(e *Event) string {
	return fmt.Sprintf("Bài \"%s\" (#%s) của %s đã chờ duyệt %s.\nThe post \"%s\" (#%s) of %s has been waiting for review for %s.\n\nDuyệt hoặc từ chối / Approve or reject: %s",
		e.Title, e.PostID, e.Name, e.Waiting, e.Title, e.PostID, e.Name, e.Waiting, e.ReviewURL)
}

func warningText(e *Event) string {
	return fmt.Sprintf("%s đã vượt mức cảnh báo: tỉ lệ tin tiêu cực %s (%d/%d), mức cảnh báo %s, giới hạn %s.\n%s crossed its warning line: negative share %s (%d/%d), warning line %s, limit %s.\n\nBảng theo dõi / Dashboard: %s",
		e.Name, pct(e.Share), e.Counts.Negative, e.Counts.Published, pct(e.WarnAt), pct(e.Limit),
		e.Name, pct(e.Share), e.Counts.Negative, e.Counts.Published, pct(e.WarnAt), pct(e.Limit), e.ReviewURL)
}

func resolvedText(e *Event) string {
	var b strings.Builder
	if e.Type == EventApproved {
		fmt.Fprintf(&b, "Bài \"%s\" (#%s) bạn ghi nhận cho %s đã được %s duyệt và được tính vào số liệu.\n", e.Title, e.PostID, e.Name, e.Reviewer)
		fmt.Fprintf(&b, "The post \"%s\" (#%s) you recorded for %s was approved by %s and is counted.\n", e.Title, e.PostID, e.Name, e.Reviewer)
	} else {
		fmt.Fprintf(&b, "Bài \"%s\" (#%s) bạn ghi nhận cho %s đã bị %s từ chối.\n", e.Title, e.PostID, e.Name, e.Reviewer)
		fmt.Fprintf(&b, "The post \"%s\" (#%s) you recorded for %s was rejected by %s.\n", e.Title, e.PostID, e.Name, e.Reviewer)
	}
	if e.Note != "" {
		fmt.Fprintf(&b, "Ghi chú / Note: %s\n", e.Note)
	}
	fmt.Fprintf(&b, "\nXem / See: %s", e.ReviewURL)
	return b.String()
}
