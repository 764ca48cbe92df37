<?php
/**
 * Router for `php -S` (what Debian's Apache "Alias /wp-content" does):
 * /wp-content/plugins/* from the run's private plugin dir, the rest of
 * /wp-content/* from /var/lib/wordpress/wp-content, everything else by the
 * built-in server from /usr/share/wordpress.
 */
$path = rawurldecode( parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH ) );
if ( strpos( $path, '..' ) !== false ) {
	http_response_code( 400 );
	return true;
}
$roots = array(
	'/wp-content/plugins/' => getenv( 'GK_PLUGIN_DIR' ) . '/',
	'/wp-content/'         => '/var/lib/wordpress/wp-content/',
);
foreach ( $roots as $prefix => $dir ) {
	if ( strncmp( $path, $prefix, strlen( $prefix ) ) !== 0 ) {
		continue;
	}
	$file = $dir . substr( $path, strlen( $prefix ) );
	if ( ! is_file( $file ) ) {
		http_response_code( 404 );
		return true;
	}
	$ext = strtolower( pathinfo( $file, PATHINFO_EXTENSION ) );
	if ( 'php' === $ext ) {
		require $file;
		return true;
	}
	$types = array(
		'js'    => 'application/javascript',
		'css'   => 'text/css',
		'json'  => 'application/json',
		'svg'   => 'image/svg+xml',
		'png'   => 'image/png',
		'jpg'   => 'image/jpeg',
		'gif'   => 'image/gif',
		'woff'  => 'font/woff',
		'woff2' => 'font/woff2',
		'ttf'   => 'font/ttf',
	);
	header( 'Content-Type: ' . ( $types[ $ext ] ?? 'application/octet-stream' ) );
	header( 'Content-Length: ' . filesize( $file ) );
	readfile( $file );
	return true;
}
return false;
