<?php
/**
 * Installs WordPress into the run's private database (no wp-cli in Debian 12),
 * creates the test users, activates and configures the plugin.
 *
 * Usage: php wp-install.php HOST:PORT PLUGIN_BASENAME SERVICE_URL OUTLET SECRET
 */
list( , $gk_host, $gk_plugin, $gk_url, $gk_outlet, $gk_secret ) = $argv; // WordPress unsets globals such as $plugin while loading.
$_SERVER['HTTP_HOST']   = $gk_host;
$_SERVER['REQUEST_URI'] = '/';
define( 'WP_INSTALLING', true );

/** No mail on install (sendmail is not installed). */
function wp_new_blog_notification( $blog_title, $blog_url, $user_id, $password ) {}

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';

wp_install( 'Cổng thông tin huyện (thử nghiệm)', 'admin', 'admin@example.test', false, '', 'admin-pass' );
// A Vietnamese site, with core's Vietnamese from Debian's wordpress-l10n
// (vi.mo). Written directly so a machine without that package still gets a
// Vietnamese plugin (it ships its own translation).
global $wpdb;
$wpdb->query( $wpdb->prepare( "REPLACE INTO {$wpdb->options} (option_name, option_value, autoload) VALUES ('WPLANG', %s, 'yes')", 'vi' ) );
wp_cache_delete( 'alloptions', 'options' );
update_option( 'timezone_string', 'Asia/Ho_Chi_Minh' );

$users = array(
	array( 'bientap', 'editor', 'Biên tập viên', 'vi' ),
	array( 'quanly', 'editor', 'Trưởng ban biên tập', 'vi' ),
	array( 'phongvien', 'author', 'Phóng viên', 'vi' ),
	// An editor who reads the admin in English on the same Vietnamese site.
	array( 'editor_en', 'editor', 'English-speaking editor', 'en_US' ),
);
foreach ( $users as $u ) {
	$id = wp_insert_user(
		array(
			'user_login'   => $u[0],
			'user_pass'    => $u[0] . '-pass',
			'user_email'   => $u[0] . '@example.test',
			'role'         => $u[1],
			'display_name' => $u[2],
			'locale'       => $u[3],
		)
	);
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, $id->get_error_message() . "\n" );
		exit( 1 );
	}
}
foreach ( get_users( array( 'fields' => 'ID' ) ) as $uid ) {
	update_user_meta( $uid, $wpdb->get_blog_prefix() . 'persisted_preferences', array( 'core/edit-post' => array( 'welcomeGuide' => false ) ) );
}

// What the outlet already published in the window (before the plugin came):
// 19 ordinary district news items and 3 negative ones over the last 11 days,
// plus core's "Hello world!". The sync below gives the service these real
// counts, so the e2e's first negative post meets a realistic share
// (3/23 = 13.0% → 4/24 = 16.7%: held).
$gk_seed = array(
	array( 'Huyện tổ chức hội nghị tổng kết công tác năm', 'Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm tới.' ),
	array( 'Khánh thành trường mầm non xã Đắk Man', 'Ngôi trường mới với sáu phòng học khang trang đón các cháu vào năm học mới.' ),
	array( 'Nông dân Đắk Glei thu hoạch cà phê được mùa', 'Năm nay, năng suất cà phê tăng, giá bán ổn định, bà con phấn khởi.' ),
	array( 'Hội thi văn nghệ quần chúng các dân tộc huyện', 'Hơn 300 diễn viên quần chúng tham gia hội thi với nhiều tiết mục đặc sắc.' ),
	array( 'Trao tặng 200 suất quà cho học sinh nghèo vượt khó', 'Các suất quà gồm sách vở, áo ấm và học bổng.' ),
	array( 'Sạt lở đất làm hư hỏng đường vào xã Đắk Blô', 'Mưa lớn kéo dài gây sạt lở, giao thông bị chia cắt.' ),
	array( 'Ra mắt hợp tác xã sâm Ngọc Linh', 'Hợp tác xã giúp người dân phát triển kinh tế từ cây dược liệu quý.' ),
	array( 'Giải bóng đá thiếu niên huyện khai mạc', 'Mười hai đội bóng tham gia giải đấu kéo dài hai tuần.' ),
	array( 'Tập huấn chuyển đổi số cho cán bộ xã', 'Cán bộ được hướng dẫn sử dụng dịch vụ công trực tuyến.' ),
	array( 'Làng văn hóa du lịch cộng đồng đón khách', 'Du khách được trải nghiệm ẩm thực và lễ hội truyền thống.' ),
	array( 'Khởi công tuyến đường liên xã mới', 'Tuyến đường dài 12 km giúp việc đi lại và giao thương thuận tiện hơn.' ),
	array( 'Khởi tố vụ án khai thác gỗ trái phép', 'Cơ quan điều tra đã khởi tố vụ án phá rừng tại tiểu khu 123.' ),
	array( 'Ngày hội đại đoàn kết toàn dân tộc ở thôn Đắk Ung', 'Bà con vui mừng đón nhận danh hiệu thôn văn hóa.' ),
	array( 'Lớp học xóa mù chữ cho phụ nữ dân tộc thiểu số', 'Ba mươi học viên đã biết đọc, biết viết sau sáu tháng.' ),
	array( 'Thư viện lưu động về với các trường vùng cao', 'Hàng nghìn đầu sách được mang đến cho học sinh.' ),
	array( 'Mô hình nuôi cá nước lạnh cho thu nhập cao', 'Nhiều hộ gia đình có thu nhập ổn định nhờ mô hình mới.' ),
	array( 'Huyện đoàn ra quân chiến dịch tình nguyện hè', 'Đoàn viên thanh niên sửa đường, làm vệ sinh môi trường.' ),
	array( 'Cháy nhà trong đêm ở thôn Kon Tuông, một người bị thương', 'Ngọn lửa thiêu rụi toàn bộ căn nhà và tài sản của gia đình.' ),
	array( 'Khám bệnh, cấp thuốc miễn phí cho người cao tuổi', 'Hơn 500 người cao tuổi được khám và nhận thuốc.' ),
	array( 'Lễ hội mừng lúa mới của đồng bào Xơ Đăng', 'Lễ hội tái hiện nét đẹp văn hóa truyền thống.' ),
	array( 'Hội chợ nông sản huyện thu hút đông người dân', 'Hơn 80 gian hàng giới thiệu sản phẩm nông nghiệp của địa phương.' ),
	array( 'Kết nạp 30 đảng viên mới trong quý', 'Các chi bộ cơ sở tổ chức lễ kết nạp trang trọng.' ),
);
$gk_editor = get_user_by( 'login', 'bientap' );
foreach ( $gk_seed as $i => $p ) {
	$at = time() - ( 11 * DAY_IN_SECONDS ) + $i * 12 * HOUR_IN_SECONDS;
	$id = wp_insert_post(
		wp_slash(
			array(
				'post_title'    => $p[0],
				'post_content'  => '<p>' . $p[1] . '</p>',
				'post_status'   => 'publish',
				'post_author'   => $gk_editor->ID,
				'post_date'     => wp_date( 'Y-m-d H:i:s', $at ),
				'post_date_gmt' => gmdate( 'Y-m-d H:i:s', $at ),
			)
		),
		true
	);
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, 'seed: ' . $id->get_error_message() . "\n" );
		exit( 1 );
	}
}

wp_clean_plugins_cache( false );
$r = activate_plugin( $gk_plugin );
if ( is_wp_error( $r ) ) {
	fwrite( STDERR, 'activate: ' . $r->get_error_message() . ' (plugin dir ' . WP_PLUGIN_DIR . ': ' . implode( ', ', array_keys( get_plugins() ) ) . ")\n" );
	exit( 1 );
}
update_option(
	'gatekeeper_settings',
	array(
		'url'            => $gk_url,
		'outlet'         => $gk_outlet,
		'secret'         => $gk_secret,
		'timeout_check'  => 5,
		'timeout_panel'  => 3,
		'failure_policy' => 'wait',
		'post_types'     => array( 'post' ),
		'window_days'    => 30,
	)
);
foreach ( array( 'Thời sự', 'Pháp luật', 'Văn hóa' ) as $cat ) {
	wp_insert_term( $cat, 'category' );
}
// Backfill: the service counts what is already live (its own classifier decides the tones).
$gk_sync = Gatekeeper\Sync::run( true, array(), false );
if ( ! $gk_sync['result']['ok'] ) {
	fwrite( STDERR, 'sync: ' . $gk_sync['result']['error'] . "\n" );
	exit( 1 );
}
$gk_share = $gk_sync['result']['body']['share'] ?? array();
printf( "installed; synced %d posts: %d in the window, %d negative\n", $gk_sync['sent'], $gk_share['published'] ?? -1, $gk_share['negative'] ?? -1 );
