<?php
/**
 * wp-config constants pin the service settings and hide their fields.
 * Run in its own process (constants cannot be undefined): prints JSON.
 * Usage: php constants-check.php HOST:PORT
 */
$_SERVER['HTTP_HOST']   = $argv[1];
$_SERVER['REQUEST_URI'] = '/';
define( 'GATEKEEPER_URL', 'http://gatekeeper.example.test:8080' );
define( 'GATEKEEPER_OUTLET', 'pinned-outlet' );
define( 'GATEKEEPER_SECRET', 'whsec_' . base64_encode( str_repeat( 'k', 32 ) ) );
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/admin.php';
wp_set_current_user( get_user_by( 'login', 'admin' )->ID );
set_current_screen( 'settings_page_gatekeeper' );
Gatekeeper\Settings::admin_init();
ob_start();
Gatekeeper\Settings::render();
$html = ob_get_clean();
echo wp_json_encode(
	array(
		'url'           => Gatekeeper\Settings::get( 'url' ),
		'outlet'        => Gatekeeper\Settings::get( 'outlet' ),
		'secret_pinned' => Gatekeeper\Settings::get( 'secret' ) === GATEKEEPER_SECRET,
		'url_field'     => str_contains( $html, 'gatekeeper_settings[url]' ),
		'outlet_field'  => str_contains( $html, 'gatekeeper_settings[outlet]' ),
		'secret_field'  => str_contains( $html, 'gatekeeper_settings[secret]' ),
		'secret_shown'  => str_contains( $html, substr( GATEKEEPER_SECRET, 6, 16 ) ),
		'timeout_field' => str_contains( $html, 'gatekeeper_settings[timeout_check]' ),
	)
);
