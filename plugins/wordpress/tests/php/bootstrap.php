<?php
/**
 * PHPUnit bootstrap: loads the real WordPress that run.sh configured (no mocks).
 */
$host = getenv( 'WP_HOST' );
if ( ! $host ) {
	fwrite( STDERR, "WP_HOST is not set: run plugins/wordpress/tests/run.sh\n" );
	exit( 1 );
}
$_SERVER['HTTP_HOST']   = $host;
$_SERVER['SERVER_NAME'] = explode( ':', $host )[0];
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';

require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
require_once ABSPATH . 'wp-admin/includes/ajax-actions.php';
require_once __DIR__ . '/GatekeeperTestCase.php';
