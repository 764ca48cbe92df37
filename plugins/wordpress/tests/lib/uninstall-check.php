<?php
/**
 * Runs the plugin's uninstall.php on the test site and checks it removed
 * what the plugin stored. Prints "uninstall: ok" or the leftovers; exit 1 on leftovers.
 * Usage: php uninstall-check.php HOST:PORT
 */
$_SERVER['HTTP_HOST']   = $argv[1];
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
define( 'WP_UNINSTALL_PLUGIN', 'gatekeeper/gatekeeper.php' );
global $wpdb;
$held_before = (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->posts} WHERE post_status IN ('gatekeeper-held','gatekeeper-wait')" );
include GATEKEEPER_DIR . 'uninstall.php';
$left = array();
foreach ( array( 'gatekeeper_outbox', 'gatekeeper_seen' ) as $t ) {
	if ( $wpdb->get_var( $wpdb->prepare( 'SHOW TABLES LIKE %s', $wpdb->prefix . $t ) ) ) {
		$left[] = "table $t";
	}
}
if ( $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->postmeta} WHERE meta_key LIKE '\\_gatekeeper\\_%'" ) ) {
	$left[] = 'post meta';
}
if ( $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->options} WHERE option_name LIKE 'gatekeeper\\_%'" ) ) {
	$left[] = 'options';
}
if ( $wpdb->get_var( "SELECT COUNT(*) FROM {$wpdb->posts} WHERE post_status IN ('gatekeeper-held','gatekeeper-wait')" ) ) {
	$left[] = 'posts in gatekeeper statuses';
}
wp_roles()->for_site();
foreach ( wp_roles()->role_objects as $role ) {
	if ( $role->has_cap( 'gatekeeper_review' ) ) {
		$left[] = "capability on {$role->name}";
	}
}
if ( $left ) {
	echo 'uninstall: FAILED, left ' . implode( ', ', $left ) . "\n";
	exit( 1 );
}
echo "uninstall: ok ($held_before held/waiting posts returned to draft; tables, meta, options, capability removed)\n";
