<?php
/**
 * Test run only (run.sh puts it in the run's private mu-plugins directory):
 * the user "phongvien" writes in the classic editor, so the end-to-end test
 * covers the classic meta box and the classic publish path in a browser.
 */
add_filter(
	'use_block_editor_for_post',
	static function ( $use ) {
		$user = wp_get_current_user();
		return ( $user && 'phongvien' === $user->user_login ) ? false : $use;
	}
);
