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
// A Vietnamese site. update_option() would refuse "vi" because core's own
// Vietnamese pack (wordpress-l10n) is not installed; the plugin ships its own.
global $wpdb;
$wpdb->query( $wpdb->prepare( "REPLACE INTO {$wpdb->options} (option_name, option_value, autoload) VALUES ('WPLANG', %s, 'yes')", 'vi' ) );
wp_cache_delete( 'alloptions', 'options' );
update_option( 'timezone_string', 'Asia/Ho_Chi_Minh' );

$users = array(
	array( 'bientap', 'editor', 'Biên tập viên' ),
	array( 'quanly', 'editor', 'Trưởng ban biên tập' ),
	array( 'phongvien', 'author', 'Phóng viên' ),
);
foreach ( $users as $u ) {
	$id = wp_insert_user(
		array(
			'user_login'   => $u[0],
			'user_pass'    => $u[0] . '-pass',
			'user_email'   => $u[0] . '@example.test',
			'role'         => $u[1],
			'display_name' => $u[2],
			'locale'       => 'vi',
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
echo "installed\n";
