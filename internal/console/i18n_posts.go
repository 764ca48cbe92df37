package console

// Sentences of the pages for editors: checking and recording a post
// (posts.go), their own posts, importing a page's history.
func init() {
	for k, v := range map[string][2]string{
		"check.title":           {"Kiểm tra trước khi đăng", "Check before posting"},
		"check.help":            {"Dán tiêu đề và nội dung bài (và liên kết hoặc chú thích ảnh nếu có) để xem kết quả như khi hệ thống quản trị nội dung hỏi Gatekeeper: sắc thái, từ ngữ làm bài bị coi là tiêu cực, tiêu đề giật gân, tỉ lệ tin tiêu cực trước → sau và dư địa. Kiểm tra không ghi nhận gì; sau khi đăng bài, bấm “Đã đăng” để tính bài vào số liệu của đơn vị.", "Paste the title and text (and a link or image caption, if any) to see the verdict a CMS's check gets: tone, the words that made the post negative, sensational headline cues, the negative share before → after, and the headroom. A check records nothing; once the post is out, press “Posted” to count it in the outlet's figures."},
		"check.nooutlet":        {"Bạn chưa được giao đơn vị nào. Hãy nhờ quản trị viên giao đơn vị cho tài khoản của bạn.", "You have no outlet yet. Ask an admin to assign one to your account."},
		"check.f.title":         {"Tiêu đề", "Title"},
		"check.f.text":          {"Nội dung", "Text"},
		"check.f.caption":       {"Chú thích ảnh", "Image caption"},
		"check.f.link":          {"Liên kết của bài", "The post's link"},
		"check.f.id":            {"Mã bài", "Post id"},
		"check.optional":        {"không bắt buộc", "optional"},
		"check.once":            {"Khi bấm “Đã đăng”, bài được tính theo liên kết (hoặc mã bài): cùng một liên kết ghi nhận hai lần chỉ được tính một lần.", "“Posted” counts the post under its link (or id): the same link recorded twice counts once."},
		"check.dry":             {"Kiểm tra", "Check"},
		"check.record":          {"Đã đăng", "Posted"},
		"check.result.dry":      {"Kết quả kiểm tra (chưa ghi nhận)", "Check result (nothing recorded)"},
		"check.result.recorded": {"Đã ghi nhận bài đăng", "Post recorded"},
		"check.drynote":         {"Đây là kết quả nếu bài được đăng ngay bây giờ. Số liệu có thể thay đổi trước khi bạn bấm “Đã đăng”.", "This is the verdict if the post went out now. The figures may change before you press “Posted”."},
		"check.moved":           {"Tỉ lệ đã thay đổi kể từ lúc kiểm tra (khi đó sau bài này là %s, nay là %s): bài bị giữ lại chờ người duyệt của đơn vị quyết định.", "The share moved since the check (it was %s after this post then, %s now): the post is held for the outlet's reviewer."},
		"check.again":           {"Bài này đã được ghi nhận trước đó (cùng liên kết hoặc mã bài): số liệu không đổi, bài chỉ được tính một lần.", "This post was recorded before (same link or id): the figures did not change; it counts once."},
		"check.held":            {"Bài bị giữ lại chờ duyệt. Người duyệt của đơn vị sẽ quyết định; bạn sẽ được báo khi bài được duyệt hoặc bị từ chối.", "The post is held for review. The outlet's reviewer decides; you will be told when it is approved or rejected."},
		"check.holdlink":        {"Xem bài bị giữ", "See the held post"},
		"check.counted":         {"Bài đã được tính vào số liệu của đơn vị (mã %s).", "The post is counted in the outlet's figures (id %s)."},
		"check.counts":          {"%d/%d tin tiêu cực trong cửa sổ %d ngày", "%d of %d posts negative in the %d-day window"},
		"check.positive":        {"Tỉ lệ tin tích cực trước → sau", "Positive share before → after"},
		"check.reasons":         {"Lý do", "Why"},
		"check.err.empty":       {"Cần tiêu đề hoặc nội dung của bài.", "The post's title or text is required."},
		"check.err.long":        {"%s dài quá %d ký tự.", "%s is longer than %d characters."},
		"mine.title":            {"Bài của tôi", "My posts"},
		"mine.help":             {"Các bài bạn đã ghi nhận (bấm “Đã đăng”) trong 90 ngày qua và trạng thái hiện tại. Kiểm tra thử không được lưu.", "The posts you recorded (pressed “Posted”) in the last 90 days and where each stands now. Checks alone are not kept."},
		"mine.none":             {"Bạn chưa ghi nhận bài nào.", "You have not recorded any post yet."},
		"mine.open":             {"xem", "open"},
		"mine.by":               {"%s, lúc %s", "by %s at %s"},
		"mine.state.counted":    {"đã tính", "counted"},
		"mine.state.held":       {"chờ duyệt", "held"},
		"mine.state.approved":   {"đã duyệt", "approved"},
		"mine.state.rejected":   {"bị từ chối", "rejected"},
		"mine.state.withdrawn":  {"đã gỡ", "withdrawn"},
		"mine.state.cancelled":  {"đã huỷ giữ", "hold cancelled"},
		"notice.approved":       {"Bài “%s” đã được duyệt bởi %s lúc %s và được tính vào số liệu.", "Your post “%s” was approved by %s at %s and is counted."},
		"notice.rejected":       {"Bài “%s” đã bị %s từ chối lúc %s.", "Your post “%s” was rejected by %s at %s."},
		"event.post_recorded":   {"Ghi nhận bài đã đăng", "Post recorded"},
		"det.recorded":          {"Bài “%s”.", "Post “%s”."},
		"det.again":             {"Đã ghi nhận trước đó: không tính lại.", "Recorded before: not counted again."},
		"actor.consoleuser":     {"%s (bảng điều khiển)", "%s (console)"},
	} {
		messages[k] = v
	}
}
