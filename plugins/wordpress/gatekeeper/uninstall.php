<?php
/**
 * Removes everything Gatekeeper stored: options, tables, post meta, the
 * review capability and scheduled events. Held or waiting posts become drafts
 * so they do not disappear from the posts list.
 *
 * @package Gatekeeper
 */

defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

global $wpdb;

// Posts in Gatekeeper's statuses would be invisible once the statuses are gone.
$wpdb->query( "UPDATE {$wpdb->posts} SET post_status = 'draft' WHERE post_status IN ('gatekeeper-held','gatekeeper-wait')" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery

foreach ( array( '_gatekeeper_tone', '_gatekeeper_decision', '_gatekeeper_answer', '_gatekeeper_hold_id', '_gatekeeper_hash', '_gatekeeper_text', '_gatekeeper_note', '_gatekeeper_reviewer', '_gatekeeper_override', '_gatekeeper_waiting_since', '_gatekeeper_last_hold' ) as $gatekeeper_key ) {
	delete_post_meta_by_key( $gatekeeper_key );
}

foreach ( array( 'gatekeeper_settings', 'gatekeeper_db_version', 'gatekeeper_last_sync', 'gatekeeper_outbox_lock' ) as $gatekeeper_option ) {
	delete_option( $gatekeeper_option );
}

$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}gatekeeper_outbox" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery
$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}gatekeeper_seen" ); // phpcs:ignore WordPress.DB.DirectDatabaseQuery

remove_role( 'gatekeeper_reviewer' );
foreach ( wp_roles()->role_objects as $gatekeeper_role ) {
	$gatekeeper_role->remove_cap( 'gatekeeper_review' );
}

foreach ( array( 'gatekeeper_outbox_run', 'gatekeeper_outbox_soon', 'gatekeeper_poll_holds', 'gatekeeper_daily_sync', 'gatekeeper_cleanup' ) as $gatekeeper_hook ) {
	wp_clear_scheduled_hook( $gatekeeper_hook );
}
clean_post_cache( 0 );
wp_cache_flush();
