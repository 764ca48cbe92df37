<?php
/**
 * Runs one WP-Cron hook now (DISABLE_WP_CRON is set in tests).
 * Usage: php run-cron.php HOST:PORT HOOK
 */
$_SERVER['HTTP_HOST']   = $argv[1];
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
do_action( $argv[2] );
echo "ran {$argv[2]}\n";
