package console

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gatekeeper/internal/store"
)

// Languages the console speaks. Vietnamese is the default.
const (
	langVI = "vi"
	langEN = "en"
)

// messages: key → {Vietnamese, English}. Keys missing here render as the key
// itself (a test checks every key used by the templates is present).
var messages = map[string][2]string{
	"app":                              {"Gatekeeper — Kiểm duyệt", "Gatekeeper — Review"},
	"nav.holds":                        {"Tin chờ duyệt", "Held items"},
	"nav.overview":                     {"Tổng quan", "Overview"},
	"nav.audit":                        {"Nhật ký", "Audit log"},
	"nav.export":                       {"Xuất CSV", "CSV export"},
	"nav.outlets":                      {"Đơn vị", "Outlets"},
	"nav.users":                        {"Người dùng", "Users"},
	"nav.account":                      {"Tài khoản", "Account"},
	"nav.logout":                       {"Đăng xuất", "Sign out"},
	"lang.switch":                      {"English", "Tiếng Việt"},
	"role.admin":                       {"quản trị", "admin"},
	"role.manager":                     {"quản lý", "manager"},
	"role.auditor":                     {"kiểm tra", "auditor"},
	"login.title":                      {"Đăng nhập", "Sign in"},
	"login.username":                   {"Tên đăng nhập", "Username"},
	"login.password":                   {"Mật khẩu", "Password"},
	"login.submit":                     {"Đăng nhập", "Sign in"},
	"login.bad":                        {"Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."},
	"login.throttled":                  {"Quá nhiều lần đăng nhập sai. Vui lòng thử lại sau %d phút.", "Too many failed sign-ins. Please try again in %d minutes."},
	"login.slow":                       {"Có nhiều lần đăng nhập sai với tên này. Vui lòng thử lại sau %d giây.", "Several failed sign-ins for this username. Please try again in %d seconds."},
	"login.error":                      {"Không đăng nhập được lúc này, vui lòng thử lại.", "Signing in is not possible right now, please try again."},
	"err.forbidden":                    {"Bạn không có quyền thực hiện việc này.", "You are not allowed to do this."},
	"err.notfound":                     {"Không tìm thấy.", "Not found."},
	"err.csrf":                         {"Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang.", "The form has expired or is invalid. Please reload the page."},
	"err.crossorigin":                  {"Yêu cầu từ trang khác bị từ chối.", "Cross-origin request refused."},
	"err.store":                        {"Kho dữ liệu tạm thời không truy cập được. Vui lòng thử lại.", "The store is unavailable right now. Please try again."},
	"err.note":                         {"Cần ghi chú cho quyết định.", "A note is required."},
	"err.badrequest":                   {"Yêu cầu không hợp lệ.", "Invalid request."},
	"err.conflict":                     {"Tin này đã được xử lý.", "This item has already been decided."},
	"err.nosafe":                       {"Không có thời điểm an toàn trong cửa sổ; chỉ có thể duyệt ngay.", "No safe time within the window; it can only be approved now."},
	"err.input":                        {"Dữ liệu nhập không hợp lệ: %s", "Invalid input: %s"},
	"err.date":                         {"Ngày không hợp lệ (%s): dùng dạng ngày/tháng/năm, ví dụ 27/11/2026.", "Invalid date (%s): use day/month/year, e.g. 27/11/2026."},
	"err.title":                        {"Lỗi", "Error"},
	"back":                             {"Quay lại", "Back"},
	"ok.approved":                      {"Đã duyệt tin.", "Item approved."},
	"ok.rejected":                      {"Đã từ chối tin.", "Item rejected."},
	"ok.scheduled":                     {"Đã hẹn duyệt vào thời điểm an toàn sớm nhất.", "Approval scheduled for the earliest safe time."},
	"ok.unscheduled":                   {"Đã huỷ hẹn duyệt.", "Scheduled approval cancelled."},
	"ok.relabeled":                     {"Đã gán lại sắc thái.", "Tone relabelled."},
	"ok.retry":                         {"Sẽ gửi lại ngay.", "Will be retried now."},
	"ok.saved":                         {"Đã lưu.", "Saved."},
	"ok.deleted":                       {"Đã xoá.", "Deleted."},
	"ok.password":                      {"Đã đổi mật khẩu.", "Password changed."},
	"ok.revoked":                       {"Đã thu hồi các khoá cũ.", "Previous secrets revoked."},
	"holds.title":                      {"Tin chờ duyệt", "Held items"},
	"holds.none":                       {"Không có tin nào đang chờ.", "Nothing is waiting."},
	"filter.outlet":                    {"Đơn vị", "Outlet"},
	"filter.all":                       {"Tất cả", "All"},
	"filter.age":                       {"Đã chờ", "Waiting"},
	"filter.age.any":                   {"bao lâu cũng được", "any time"},
	"filter.age.1h":                    {"hơn 1 giờ", "over 1 hour"},
	"filter.age.6h":                    {"hơn 6 giờ", "over 6 hours"},
	"filter.age.24h":                   {"hơn 1 ngày", "over 1 day"},
	"filter.age.72h":                   {"hơn 3 ngày", "over 3 days"},
	"filter.status":                    {"Trạng thái", "Status"},
	"filter.apply":                     {"Lọc", "Filter"},
	"filter.type":                      {"Loại", "Type"},
	"filter.post":                      {"Mã bài", "Post id"},
	"filter.from":                      {"Từ ngày", "From"},
	"filter.to":                        {"Đến ngày", "To"},
	"filter.datehint":                  {"Ngày theo dạng ngày/tháng/năm, ví dụ 27/11/2026 (tính theo múi giờ của đơn vị).", "Dates as day/month/year, e.g. 27/11/2026 (in the outlet's time zone)."},
	"col.title":                        {"Tiêu đề", "Title"},
	"col.outlet":                       {"Đơn vị", "Outlet"},
	"col.author":                       {"Tác giả", "Author"},
	"col.tone":                         {"Sắc thái", "Tone"},
	"col.share":                        {"Tỉ lệ trước → sau", "Share before → after"},
	"col.headroom":                     {"Dư địa", "Headroom"},
	"col.safe":                         {"Thời điểm an toàn sớm nhất", "Earliest safe time"},
	"col.waited":                       {"Đã chờ", "Waiting for"},
	"col.time":                         {"Thời gian", "Time"},
	"col.type":                         {"Loại", "Type"},
	"col.post":                         {"Bài", "Post"},
	"col.hold":                         {"Tin giữ", "Hold"},
	"col.actor":                        {"Người thực hiện", "Actor"},
	"col.decision":                     {"Quyết định", "Decision"},
	"col.detail":                       {"Chi tiết", "Detail"},
	"col.status":                       {"Trạng thái", "Status"},
	"col.attempts":                     {"Số lần gửi", "Attempts"},
	"col.lasterror":                    {"Lỗi gần nhất", "Last error"},
	"col.next":                         {"Lần gửi tới", "Next attempt"},
	"col.share.now":                    {"Tỉ lệ hiện tại", "Current share"},
	"col.limit":                        {"Giới hạn", "Limit"},
	"col.counts":                       {"Tiêu cực / tổng", "Negative / total"},
	"col.pending":                      {"Đang chờ duyệt", "Pending"},
	"col.trend":                        {"Xu hướng 90 ngày", "90-day trend"},
	"col.name":                         {"Tên", "Name"},
	"col.id":                           {"Mã", "Id"},
	"col.role":                         {"Vai trò", "Role"},
	"col.outlets":                      {"Đơn vị phụ trách", "Outlets"},
	"col.callback":                     {"Địa chỉ callback", "Callback URL"},
	"col.timezone":                     {"Múi giờ", "Time zone"},
	"col.window":                       {"Cửa sổ (ngày)", "Window (days)"},
	"col.warn":                         {"Mức cảnh báo (%)", "Warn at (%)"},
	"col.limitpct":                     {"Giới hạn (%)", "Limit (%)"},
	"col.minsample":                    {"Số bài tối thiểu", "Minimum sample"},
	"col.private":                      {"Cho phép địa chỉ nội bộ", "Allow private address"},
	"col.created":                      {"Ngày tạo", "Created"},
	"col.actions":                      {"Thao tác", "Actions"},
	"tone.negative":                    {"tiêu cực", "negative"},
	"tone.neutral":                     {"trung tính", "neutral"},
	"tone.positive":                    {"tích cực", "positive"},
	"tone.not_negative":                {"không tiêu cực", "not negative"},
	"tone.borderline":                  {"chưa rõ ràng", "borderline"},
	"tone.evidence":                    {"Từ ngữ làm bài bị coi là tiêu cực", "Words that made the post negative"},
	"tone.score":                       {"độ tin cậy", "confidence"},
	"sensational":                      {"Tiêu đề giật gân", "Sensational headline"},
	"headroom.left":                    {"còn %d tin tiêu cực", "%d negative left"},
	"headroom.need":                    {"cần %d tin không tiêu cực", "%d non-negative needed"},
	"headroom.nobound":                 {"không giới hạn", "no bound"},
	"safe.at":                          {"%s: lúc đó tin tiêu cực cũ đã ra khỏi cửa sổ %d ngày (nếu không đăng thêm tin tiêu cực nào)", "%s: by then old negative posts have left the %d-day window (if no other negative post goes out)"},
	"safe.or":                          {"; hoặc sớm hơn, ngay khi đăng thêm %d tin không tiêu cực", "; or sooner, as soon as %d more non-negative posts go out"},
	"safe.need":                        {"Chưa có mốc trong cửa sổ %d ngày: chỉ có chỗ khi đăng thêm %d tin không tiêu cực", "No time within the %d-day window: room opens only after %d more non-negative posts"},
	"safe.now":                         {"Đã có chỗ: có thể duyệt ngay", "There is room now: it can be approved"},
	"safe.never":                       {"Không có mốc: giới hạn của đơn vị là 0%", "None: the outlet's limit is 0%"},
	"status.pending":                   {"đang chờ", "pending"},
	"status.approved":                  {"đã duyệt", "approved"},
	"status.rejected":                  {"đã từ chối", "rejected"},
	"status.cancelled":                 {"đã huỷ", "cancelled"},
	"status.delivered":                 {"đã gửi", "delivered"},
	"status.failed":                    {"thất bại", "failed"},
	"hold.title":                       {"Tin chờ duyệt", "Held item"},
	"hold.content":                     {"Nội dung (chỉ văn bản)", "Content (text only)"},
	"hold.excerpt":                     {"Tóm tắt", "Excerpt"},
	"hold.categories":                  {"Chuyên mục", "Categories"},
	"hold.url":                         {"Đường dẫn", "Link"},
	"hold.reasons":                     {"Lý do giữ", "Why it was held"},
	"hold.heldat":                      {"Bị giữ lúc", "Held at"},
	"hold.resolved":                    {"Đã xử lý bởi %s lúc %s", "Decided by %s at %s"},
	"hold.note":                        {"Ghi chú", "Note"},
	"hold.note.ph":                     {"Lý do quyết định (bắt buộc)", "Reason for the decision (required)"},
	"hold.approve":                     {"Duyệt", "Approve"},
	"hold.reject":                      {"Từ chối", "Reject"},
	"hold.when":                        {"Thời điểm duyệt", "When"},
	"hold.when.now":                    {"ngay bây giờ (được tính ngay, kể cả khi vượt giới hạn)", "now (counted now, even past the limit)"},
	"hold.when.safe":                   {"vào thời điểm an toàn sớm nhất: %s", "at the earliest safe time: %s"},
	"hold.scheduled":                   {"Đã hẹn duyệt lúc %s (bởi %s).", "Approval scheduled at %s (by %s)."},
	"hold.moved":                       {"Lần hẹn duyệt lúc %s đã được dời: khi đó duyệt sẽ đưa tỉ lệ tin tiêu cực vượt giới hạn.", "The approval due at %s was moved: approving then would have taken the negative share past the limit."},
	"hold.unschedule":                  {"Huỷ hẹn", "Cancel schedule"},
	"hold.relabel":                     {"Gán lại sắc thái", "Relabel the tone"},
	"hold.relabel.help":                {"Số liệu sẽ thay đổi theo nếu bài đã được tính.", "Counts follow if the post is counted."},
	"hold.decide":                      {"Quyết định", "Decision"},
	"hold.readonly":                    {"Bạn chỉ có quyền xem.", "You have read-only access."},
	"hold.shareafter":                  {"Tỉ lệ trước → sau khi đăng", "Share before → after publishing"},
	"hold.callbacks":                   {"Thông báo tới CMS", "Notices to the CMS"},
	"col.note":                         {"Ghi chú", "Note"},
	"account.notices":                  {"Thông báo qua thư", "E-mail notices"},
	"account.noticeshelp":              {"Quản lý nhận thư khi có tin bị giữ lại, khi tin chờ quá lâu và khi đơn vị vượt mức cảnh báo: ngay lúc đó, hoặc gộp một thư mỗi sáng.", "Managers get a mail when a post is held, when it waits too long and when an outlet crosses its warning line: at once, or in one mail each morning."},
	"account.email":                    {"Địa chỉ thư", "E-mail address"},
	"account.mode":                     {"Cách nhận", "How"},
	"account.mode.immediate":           {"Ngay khi có việc", "Immediately"},
	"account.mode.digest":              {"Tổng hợp mỗi ngày", "Daily digest"},
	"account.mode.off":                 {"Không nhận", "Off"},
	"account.noticesbad":               {"Địa chỉ thư hoặc cách nhận không hợp lệ.", "The address or the choice is not valid."},
	"nav.reports":                      {"Báo cáo", "Reports"},
	"reports.title":                    {"Báo cáo tình hình đăng tin", "Compliance reports"},
	"reports.help":                     {"Số liệu theo ngày, tính theo múi giờ của từng đơn vị; tỉ lệ theo cửa sổ là tỉ lệ cuối mỗi ngày.", "Figures by day in each outlet's time zone; the window share is the share at the end of each day."},
	"reports.period":                   {"Kỳ báo cáo", "Period"},
	"reports.custom":                   {"Hoặc từ ngày – đến ngày", "Or from – to"},
	"reports.show":                     {"Xem báo cáo", "Show report"},
	"reports.month":                    {"Tháng %d/%d", "Month %d/%d"},
	"reports.quarter":                  {"Quý %s/%d", "Quarter %s %d"},
	"reports.download":                 {"Tải về", "Download"},
	"reports.dl.pdf":                   {"PDF (bản in)", "PDF (printable)"},
	"reports.dl.xlsx":                  {"Excel (XLSX)", "Excel (XLSX)"},
	"reports.dl.csv":                   {"CSV (số liệu)", "CSV (figures)"},
	"reports.dl.json":                  {"JSON", "JSON"},
	"reports.range":                    {"Từ %s đến %s", "From %s to %s"},
	"reports.totals":                   {"Tổng cộng", "Totals"},
	"reports.none":                     {"Không có đơn vị nào để báo cáo.", "No outlet to report on."},
	"reports.outlets":                  {"Theo đơn vị", "By outlet"},
	"reports.published":                {"Tin đăng", "Published"},
	"reports.negative":                 {"Tiêu cực", "Negative"},
	"reports.positive":                 {"Tích cực", "Positive"},
	"reports.neutral":                  {"Trung tính", "Neutral"},
	"reports.share":                    {"Tỉ lệ của kỳ báo cáo", "Period share"},
	"reports.rolling":                  {"Tỉ lệ cửa sổ cuối kỳ", "Window share at the end"},
	"reports.daysover":                 {"Ngày vượt mức cảnh báo / giới hạn", "Days over warning / limit"},
	"reports.sensational":              {"Tiêu đề giật gân", "Sensational"},
	"reports.holds":                    {"Giữ lại: duyệt / từ chối / chờ", "Held: approved / rejected / waiting"},
	"reports.decisiontime":             {"Thời gian xử lý: trung vị / lâu nhất", "Time to decide: median / longest"},
	"reports.pastlimit":                {"Duyệt vượt giới hạn", "Approved past the limit"},
	"reports.relabels":                 {"Sửa nhãn", "Relabels"},
	"reports.withdrawals":              {"Gỡ bài", "Withdrawals"},
	"reports.themes":                   {"Chủ đề của tin tiêu cực", "Themes of negative posts"},
	"reports.nothemes":                 {"Không xác định được chủ đề nào.", "No themes identified."},
	"reports.chart":                    {"Theo ngày: số tin đăng, tin tiêu cực và tỉ lệ theo cửa sổ", "By day: published, negative and window share"},
	"reports.decisions":                {"Các quyết định cần lưu ý", "Decisions of note"},
	"reports.nodecisions":              {"Kỳ báo cáo không có lần duyệt vượt giới hạn, sửa nhãn hay gỡ bài nào.", "No approvals past the limit, relabels or withdrawals in the period."},
	"reports.kind.approval_past_limit": {"Duyệt vượt giới hạn", "Approval past the limit"},
	"reports.kind.relabel":             {"Sửa nhãn", "Relabel"},
	"reports.kind.withdrawal":          {"Gỡ bài", "Withdrawal"},
	"err.period":                       {"Kỳ báo cáo không hợp lệ: chọn một tháng, một quý, hoặc nhập từ ngày – đến ngày.", "Invalid period: choose a month or a quarter, or enter from – to dates."},
	"err.periodorder":                  {"Ngày kết thúc ở trước ngày bắt đầu.", "The end date is before the start date."},
	"err.periodlong":                   {"Kỳ báo cáo dài quá %d ngày.", "The period is longer than %d days."},
	"err.report":                       {"Không tạo được báo cáo; lỗi đã được ghi lại.", "The report could not be made; the error has been logged."},
	"dash.title":                       {"Bảng theo dõi", "Dashboard"},
	"dash.share":                       {"Tỉ lệ tin tiêu cực trong %d ngày", "Negative share over %d days"},
	"dash.positive":                    {"Tỉ lệ tin tích cực trong %d ngày", "Positive share over %d days"},
	"pos.expect":                       {"Kỳ vọng: tin tích cực là chủ đạo (nhiều hơn tin trung tính và nhiều hơn tin tiêu cực).", "Expected: positive news dominates (more than neutral and more than negative news)."},
	"pos.yes":                          {"tích cực đang chủ đạo", "positive dominates"},
	"pos.no":                           {"tích cực chưa chủ đạo", "positive does not dominate yet"},
	"over.expect":                      {"Kỳ vọng với mỗi đơn vị: tỉ lệ tin tiêu cực dưới giới hạn, và tin tích cực là chủ đạo (nhiều hơn tin trung tính và nhiều hơn tin tiêu cực).", "Expected of every outlet: a negative share under its limit, and positive news dominant (more than neutral and more than negative news)."},
	"col.positive":                     {"Tin tích cực", "Positive"},
	"dash.chart":                       {"90 ngày: số tin đăng, tin tiêu cực và tỉ lệ theo cửa sổ", "90 days: published, negative and window share"},
	"dash.published":                   {"tin đăng", "published"},
	"dash.negative":                    {"tin tiêu cực", "negative"},
	"dash.positivebar":                 {"tin tích cực", "positive"},
	"dash.rolling":                     {"tỉ lệ theo cửa sổ", "window share"},
	"dash.limitline":                   {"giới hạn", "limit"},
	"dash.recent":                      {"Quyết định gần đây", "Recent decisions"},
	"dash.callbacks":                   {"Thông báo gửi đi: tới CMS (callback), thư, webhook, báo cáo định kỳ", "Outgoing: CMS callbacks, mail, webhook, scheduled reports"},
	"dash.nocallbacks":                 {"Chưa có thông báo nào.", "No callbacks yet."},
	"dash.retry":                       {"Gửi lại ngay", "Retry now"},
	"dash.pendinglink":                 {"%d tin đang chờ duyệt", "%d items waiting"},
	"over.title":                       {"Tổng quan các đơn vị", "All outlets"},
	"over.over":                        {"vượt giới hạn", "over the limit"},
	"over.near":                        {"gần giới hạn", "near the limit"},
	"over.ok":                          {"trong giới hạn", "within the limit"},
	"audit.title":                      {"Nhật ký", "Audit log"},
	"audit.accounts":                   {"Tài khoản người dùng", "User accounts"},
	"audit.none":                       {"Không có mục nào.", "No entries."},
	"export.title":                     {"Xuất quyết định (CSV)", "Export decisions (CSV)"},
	"export.help":                      {"Tệp CSV UTF-8 (có BOM, mở được bằng Excel), giờ theo múi giờ của đơn vị.", "UTF-8 CSV (with BOM, opens in Excel), times in the outlet's time zone."},
	"export.submit":                    {"Tải về", "Download"},
	"admin.outlets":                    {"Quản lý đơn vị", "Manage outlets"},
	"admin.users":                      {"Quản lý người dùng", "Manage users"},
	"admin.newoutlet":                  {"Thêm đơn vị", "Add an outlet"},
	"admin.newuser":                    {"Thêm người dùng", "Add a user"},
	"admin.save":                       {"Lưu", "Save"},
	"admin.create":                     {"Tạo", "Create"},
	"admin.edit":                       {"Sửa", "Edit"},
	"admin.delete":                     {"Xoá", "Delete"},
	"admin.rotate":                     {"Đổi khoá bí mật", "Rotate secret"},
	"admin.revoke":                     {"Thu hồi các khoá cũ", "Revoke the previous secrets"},
	"admin.resetpw":                    {"Đặt lại mật khẩu", "Reset password"},
	"admin.pw.help":                    {"Để trống để tạo mật khẩu ngẫu nhiên (hiển thị một lần).", "Leave empty to generate a random one (shown once)."},
	"admin.secret":                     {"Khoá bí mật webhook của %s", "Webhook secret of %s"},
	"admin.secret.once":                {"Hãy sao chép và cài vào CMS ngay: khoá này sẽ không được hiển thị lại.", "Copy it into the CMS now: it will not be shown again."},
	"admin.secret.grace":               {"Khoá cũ vẫn dùng được đến %s.", "The previous secret keeps working until %s."},
	"admin.password":                   {"Mật khẩu của %s", "Password of %s"},
	"admin.password.once":              {"Hãy gửi mật khẩu này cho người dùng qua đường an toàn: nó sẽ không được hiển thị lại.", "Give this password to the user over a safe channel: it will not be shown again."},
	"admin.lastadmin":                  {"Phải còn ít nhất một quản trị viên.", "At least one admin must remain."},
	"admin.self":                       {"Không thể tự xoá tài khoản của mình.", "You cannot delete your own account."},
	"admin.exists":                     {"Đã tồn tại.", "Already exists."},
	"admin.secrets":                    {"Khoá bí mật", "Secrets"},
	"admin.secretcount":                {"%d khoá đang dùng được (khoá hiện tại và khoá cũ còn hạn)", "%d usable (the current one and any old one still in its grace period)"},
	"fe.summary":                       {"Chưa lưu: %d ô cần sửa (xem thông báo dưới từng ô).", "Not saved: %d fields need fixing (see the message under each)."},
	"fe.id":                            {"Mã gồm 1–63 chữ thường không dấu, chữ số hoặc dấu gạch ngang, bắt đầu bằng chữ hoặc số (ví dụ dakglei).", "1–63 lower-case letters, digits or '-', starting with a letter or digit (e.g. dakglei)."},
	"fe.name":                          {"Cần có tên, tối đa 200 ký tự.", "A name is required, at most 200 characters."},
	"fe.timezone":                      {"Múi giờ không hợp lệ; dùng tên IANA, ví dụ Asia/Ho_Chi_Minh.", "Unknown time zone; use an IANA name such as Asia/Ho_Chi_Minh."},
	"fe.percent":                       {"Nhập phần trăm từ 0 đến 100, tối đa hai chữ số thập phân (ví dụ 15 hoặc 12,5).", "Enter a percentage from 0 to 100 with at most two decimals (e.g. 15 or 12.5)."},
	"fe.warnabove":                     {"Mức cảnh báo không được cao hơn giới hạn.", "The warning level may not be above the limit."},
	"fe.window":                        {"Cửa sổ là số ngày nguyên từ 1 đến 365.", "The window is a whole number of days from 1 to 365."},
	"fe.minsample":                     {"Số bài tối thiểu là số nguyên từ 0 đến 1 000 000.", "The minimum sample is a whole number from 0 to 1,000,000."},
	"fe.sensational":                   {"Chọn “chỉ ghi chú”, “cảnh báo” hoặc “giữ lại”.", "Choose “note only”, “warn” or “hold”."},
	"fe.sensitivity":                   {"Chọn độ nhạy “thấp”, “bình thường” hoặc “cao”.", "Choose a sensitivity: “low”, “normal” or “high”."},
	"fe.mode":                          {"Chọn “áp dụng” hoặc “chạy thử”.", "Choose “enforce” or “shadow”."},
	"fe.callback":                      {"Địa chỉ phải bắt đầu bằng https:// (hoặc http://), có tên máy, không chứa tên đăng nhập hay mật khẩu.", "The address must start with https:// (or http://), name a host, and carry no username or password."},
	"fe.callback.private":              {"Địa chỉ này trỏ tới %s, một địa chỉ nội bộ hoặc loopback: Gatekeeper sẽ không gửi thông báo tới đó. Hãy dùng địa chỉ công khai của CMS, hoặc nếu CMS nằm trong mạng nội bộ thì chọn ô “Cho phép địa chỉ nội bộ” bên dưới.", "This address points at %s, a private or loopback address: Gatekeeper will not deliver there. Use the CMS's public address or, for a CMS on the internal network, tick “Allow private address” below."},
	"fe.cat.name":                      {"Cần tên chuyên mục cho dòng này.", "This line needs a category name."},
	"fe.cat.long":                      {"Tên chuyên mục dài quá %d ký tự.", "The category name is longer than %d characters."},
	"fe.cat.tone":                      {"Chọn sắc thái cho chuyên mục này.", "Choose a tone for this category."},
	"fe.cat.dup":                       {"Chuyên mục này đã có ở dòng %d.", "This category is already on line %d."},
	"fe.cat.many":                      {"Tối đa %d chuyên mục.", "At most %d categories."},
	"of.policy":                        {"Chính sách", "Policy"},
	"of.kind":                          {"Loại đơn vị", "Kind of outlet"},
	"of.kind.website":                  {"trang web (CMS gọi Gatekeeper trước khi đăng)", "website (its CMS calls Gatekeeper before publishing)"},
	"of.kind.social":                   {"trang mạng xã hội (kiểm tra trong bảng điều khiển, dòng lệnh hoặc nhập lịch sử)", "social page (checked in the console, from the command line or by importing its history)"},
	"of.platform":                      {"Nền tảng", "Platform"},
	"of.pageurl":                       {"Địa chỉ trang", "Page address"},
	"dash.socialpage":                  {"Trang mạng xã hội (%s):", "Social page (%s):"},
	"of.pageurl.help":                  {"Địa chỉ công khai của trang, ví dụ https://www.facebook.com/ubndxa.", "The page's public address, e.g. https://www.facebook.com/ubndxa."},
	"platform.facebook":                {"Facebook", "Facebook"},
	"platform.zalo":                    {"Zalo OA", "Zalo OA"},
	"platform.youtube":                 {"YouTube", "YouTube"},
	"platform.tiktok":                  {"TikTok", "TikTok"},
	"platform.other":                   {"mạng khác", "other network"},
	"fe.kind":                          {"Chọn trang web hoặc trang mạng xã hội.", "Choose website or social page."},
	"fe.social_only":                   {"Nền tảng và địa chỉ trang chỉ dành cho trang mạng xã hội.", "A platform and a page address are for social pages only."},
	"fe.platform":                      {"Chọn nền tảng của trang.", "Choose the page's platform."},
	"fe.page_url":                      {"Cần địa chỉ http(s) công khai của trang.", "The page's public http(s) address is needed."},
	"of.callback":                      {"Thông báo về CMS", "Notices to the CMS"},
	"of.limit.help":                    {"Tỉ lệ tin tiêu cực tối đa trong cửa sổ, ví dụ 15 hoặc 15,5.", "Highest negative share in the window, e.g. 15 or 15.5."},
	"of.warn.help":                     {"Trên mức này, tin tiêu cực vẫn được đăng nhưng có cảnh báo.", "Above this, a negative post goes out with a warning."},
	"of.window.help":                   {"Số ngày gần nhất được tính (1–365).", "How many recent days are counted (1–365)."},
	"of.tz.help":                       {"Dùng cho ngày, giờ hiển thị và báo cáo.", "Used for days, displayed times and reports."},
	"of.minsample.help":                {"Khi cửa sổ có ít bài hơn số này, tin lẽ ra bị giữ chỉ bị cảnh báo (0: tắt).", "While the window has fewer posts, what would be held is warned instead (0: off)."},
	"of.sensational":                   {"Khi tiêu đề giật gân", "When a headline is sensational"},
	"of.sens.warn":                     {"cảnh báo (vẫn cho đăng)", "warn (still published)"},
	"of.sens.hold":                     {"giữ lại chờ duyệt", "hold for review"},
	"of.sens.note":                     {"chỉ ghi chú (không đổi kết quả)", "note only (verdict unchanged)"},
	"of.sensitivity":                   {"Độ nhạy với tiêu đề giật gân", "Sensational-headline sensitivity"},
	"of.sensitivity.low":               {"thấp (chỉ khi gần như chắc chắn, điểm ≥ 0,85)", "low (only when nearly certain, score ≥ 0.85)"},
	"of.sensitivity.normal":            {"bình thường (tin câu khách rõ ràng, điểm ≥ 0,70)", "normal (clear click-bait, score ≥ 0.70)"},
	"of.sensitivity.high":              {"cao (mọi tiêu đề bộ phân loại gắn cờ, điểm ≥ 0,50)", "high (every headline the classifier flags, score ≥ 0.50)"},
	"of.sensitivity.help":              {"Mặc định “bình thường”: tin thường ngày hiếm khi bị gắn cờ.", "Default “normal”: everyday news is rarely flagged."},
	"of.mode":                          {"Chế độ", "Mode"},
	"mode.enforce":                     {"áp dụng", "enforce"},
	"mode.shadow":                      {"chạy thử", "shadow"},
	"of.mode.enforce":                  {"áp dụng (giữ tin khi vượt giới hạn)", "enforce (hold past the limit)"},
	"of.mode.shadow":                   {"chạy thử (chỉ ghi nhận, luôn cho đăng)", "shadow (record only, always allow)"},
	"of.callback.help":                 {"Nơi CMS nhận thông báo duyệt/từ chối, ví dụ https://…/wp-json/gatekeeper/v1/callback.", "Where the CMS receives approvals and rejections, e.g. https://…/wp-json/gatekeeper/v1/callback."},
	"of.private.help":                  {"Chỉ bật khi CMS nằm trong mạng nội bộ; nếu không, địa chỉ nội bộ và loopback bị từ chối.", "Only for a CMS on the internal network; otherwise private and loopback addresses are refused."},
	"of.categories":                    {"Chuyên mục → sắc thái", "Category → tone"},
	"of.categories.help":               {"Bài thuộc chuyên mục được xếp là tiêu cực luôn được tính là tiêu cực. Không phân biệt hoa thường. Để trống cả hai ô để bỏ một dòng.", "Posts in a category mapped to negative always count as negative. Case does not matter. Clear both boxes to drop a line."},
	"of.category":                      {"Chuyên mục", "Category"},
	"of.line":                          {"Dòng %d", "Line %d"},
	"of.tone.none":                     {"— chọn —", "— choose —"},
	"of.delete":                        {"Xoá đơn vị", "Removing an outlet"},
	"of.delete.help":                   {"Không thể xoá trong bảng điều khiển vì việc xoá mất hết số liệu, tin giữ và nhật ký của đơn vị. Người vận hành dùng lệnh:", "Not possible in the console: it deletes the outlet's counts, holds and audit log. An operator runs:"},
	"of.secret.expires":                {"khoá cũ hết hạn lúc %s", "previous secret expires at %s"},
	"of.secret.current":                {"khoá hiện tại", "current secret"},
	"of.rotate.help":                   {"Khoá mới được hiển thị một lần; khoá hiện tại vẫn dùng được trong %s để kịp cập nhật CMS.", "The new secret is shown once; the current one keeps working for %s while the CMS is updated."},
	"of.rotate.grace":                  {"Khoá cũ còn dùng được trong", "Previous secrets keep working for"},
	"of.rotate.nograce":                {"không — dừng ngay (khoá bị lộ)", "none — stop at once (leaked secret)"},
	"of.revoke.help":                   {"%d khoá cũ vẫn còn dùng được. Thu hồi để chúng dừng ngay.", "%d previous secrets still work. Revoke them to stop them at once."},
	"of.updated":                       {"Cập nhật lần cuối", "Last updated"},
	"cue.generic":                      {"dấu hiệu ở tiêu đề: %s", "headline cue: %s"},
	"ev.category":                      {"chuyên mục được xếp là tiêu cực", "a category mapped to negative"},
	"ev.declared":                      {"người viết khai báo là tiêu cực", "declared negative by the editor"},
	"account.title":                    {"Đổi mật khẩu", "Change password"},
	"account.current":                  {"Mật khẩu hiện tại", "Current password"},
	"account.new":                      {"Mật khẩu mới", "New password"},
	"account.wrong":                    {"Mật khẩu hiện tại không đúng.", "The current password is wrong."},
	"account.weak":                     {"Mật khẩu mới phải dài %d–%d ký tự.", "The new password must be %d–%d characters long."},
	"dur.days":                         {"%d ngày %d giờ", "%d d %d h"},
	"dur.hours":                        {"%d giờ %d phút", "%d h %d min"},
	"dur.minutes":                      {"%d phút", "%d min"},
	"decision.allow":                   {"cho đăng", "allow"},
	"decision.warn":                    {"cảnh báo", "warn"},
	"decision.hold":                    {"giữ lại", "hold"},
	"decision.approved":                {"đã duyệt", "approved"},
	"decision.rejected":                {"đã từ chối", "rejected"},
	"decision.cancelled":               {"đã huỷ", "cancelled"},
	"yes":                              {"có", "yes"},
	"no":                               {"không", "no"},
	"err.textchanged":                  {"Nội dung bài đã được sửa trong CMS sau khi trang này được mở; hãy đọc bản mới dưới đây rồi duyệt lại.", "The post was edited in the CMS after you opened this page; read the new text below, then approve again."},
	"hold.edited":                      {"Bài đã được sửa trong CMS sau khi bị giữ; đây là nội dung mới nhất, được kiểm tra lại lúc", "The post was edited in the CMS after it was held; this is the latest text, checked again at"},
}

// tr translates key into lang, formatting args into it when given.
func tr(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == langEN {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// fmtTime formats t in loc (the outlet's zone) the one way every screen,
// report and message writes a time, in both languages: "27/11/2026 14:05".
func fmtTime(lang string, t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = defaultLoc
	}
	return t.In(loc).Format(DateTimeLayout)
}

// DateTimeLayout is the one date-time format (dd/mm/yyyy HH:mm).
const DateTimeLayout = "02/01/2006 15:04"

// fmtDuration formats how long something has waited.
func fmtDuration(lang string, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= 24*time.Hour:
		return tr(lang, "dur.days", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	case d >= time.Hour:
		return tr(lang, "dur.hours", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return tr(lang, "dur.minutes", int(d/time.Minute))
}

// fmtPercent formats basis points as a percentage: "14,17%" in Vietnamese,
// "14.17%" in English.
func fmtPercent(lang string, bp int64) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	if lang != langEN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// fmtDecimal2 writes f with two decimals: "0,67" in Vietnamese, "0.67" in English.
func fmtDecimal2(lang string, f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	if lang != langEN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

var defaultLoc = store.DefaultLocation()
