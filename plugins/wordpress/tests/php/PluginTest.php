<?php
/**
 * Settings, secrets, Site Health, translations.
 */

use Gatekeeper\Gate;
use Gatekeeper\Health;
use Gatekeeper\Plugin;
use Gatekeeper\Settings;

final class PluginTest extends GatekeeperTestCase {

	public function test_empty_secret_field_keeps_the_stored_secret_and_bad_ones_are_refused(): void {
		$out = Settings::sanitize( array( 'secret' => '' ) );
		$this->assertSame( $this->secret, $out['secret'] );
		$out = Settings::sanitize( array( 'secret' => 'not-a-secret' ) );
		$this->assertSame( $this->secret, $out['secret'] );
		$out = Settings::sanitize(
			array(
				'url'            => 'javascript:alert(1)',
				'timeout_check'  => 99,
				'failure_policy' => 'bogus',
			)
		);
		$this->assertSame( getenv( 'GK_URL' ), $out['url'] );
		$this->assertSame( 30, $out['timeout_check'] );
		$this->assertSame( 'wait', $out['failure_policy'] );
	}

	public function test_the_secret_never_reaches_the_browser(): void {
		$this->login( 'admin' );
		set_current_screen( 'settings_page_gatekeeper' );
		Settings::admin_init();
		ob_start();
		Settings::render();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'gatekeeper_settings[url]', $html );
		$this->assertStringNotContainsString( $this->secret, $html );
		$this->assertStringNotContainsString( substr( $this->secret, 6, 20 ), $html );
		$this->assertStringContainsString( 'Kiểm tra kết nối', $html, 'Test connection button, in Vietnamese' );
	}

	public function test_wp_config_constants_override_and_hide_the_fields(): void {
		$out = shell_exec( 'php ' . escapeshellarg( dirname( __DIR__ ) . '/lib/constants-check.php' ) . ' ' . escapeshellarg( getenv( 'WP_HOST' ) ) . ' 2>&1' );
		$r   = json_decode( (string) $out, true );
		$this->assertIsArray( $r, (string) $out );
		$this->assertSame( 'http://gatekeeper.example.test:8080', $r['url'] );
		$this->assertSame( 'pinned-outlet', $r['outlet'] );
		$this->assertTrue( $r['secret_pinned'] );
		$this->assertFalse( $r['url_field'] );
		$this->assertFalse( $r['outlet_field'] );
		$this->assertFalse( $r['secret_field'] );
		$this->assertFalse( $r['secret_shown'] );
		$this->assertTrue( $r['timeout_field'], 'unpinned settings stay editable' );
	}

	public function test_posts_list_has_held_filter_with_count(): void {
		$id = $this->draft();
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertHeld( $id );
		$this->login( 'quanly' );
		set_current_screen( 'edit-post' );
		global $avail_post_stati;
		$avail_post_stati = get_available_post_statuses( 'post' ); // What wp_edit_posts_query() sets for edit.php.
		$table = _get_list_table( 'WP_Posts_List_Table', array( 'screen' => 'edit-post' ) );
		$views = $table->get_views();
		$this->assertArrayHasKey( Gate::HELD, $views );
		$this->assertMatchesRegularExpression( '#post_status=gatekeeper-held.*Chờ duyệt <span class="count">\(\d+\)</span>#', $views[ Gate::HELD ] );
		$states = apply_filters( 'display_post_states', array(), get_post( $id ) );
		$this->assertSame( 'Chờ duyệt', $states['gatekeeper-held'] );
	}

	public function test_site_health_and_test_connection_reach_the_service(): void {
		$t = Health::test_connection();
		$this->assertSame( 'good', $t['status'], $t['description'] );
		$this->configure( array( 'url' => self::closed_url() ) );
		$this->assertSame( 'critical', Health::test_connection()['status'] );
	}

	public function test_vietnamese_whenever_the_site_is_vietnamese(): void {
		$this->assertTrue( Plugin::is_vietnamese() );
		$this->assertSame( 'Chờ duyệt', _x( 'Held for review', 'post status', 'gatekeeper' ) );
		$this->assertSame( 'Chờ kiểm tra', _x( 'Waiting for check', 'post status', 'gatekeeper' ) );
	}

	public function test_an_english_user_on_a_vietnamese_site_reads_english(): void {
		$u = $this->login( 'bientap' );
		update_user_meta( $u->ID, 'locale', 'en_US' );
		try {
			$this->assertFalse( Plugin::is_vietnamese() );
		} finally {
			update_user_meta( $u->ID, 'locale', 'vi' );
		}
		$this->assertTrue( Plugin::is_vietnamese() );
	}

	public function test_every_string_is_translated(): void {
		require_once ABSPATH . WPINC . '/pomo/po.php';
		$dir = GATEKEEPER_DIR . 'languages/';
		$pot = new PO();
		$this->assertTrue( $pot->import_from_file( $dir . 'gatekeeper.pot' ) );
		$vi = new PO();
		$this->assertTrue( $vi->import_from_file( $dir . 'gatekeeper-vi.po' ) );
		$this->assertGreaterThan( 100, count( $pot->entries ) );
		foreach ( $pot->entries as $key => $entry ) {
			$this->assertArrayHasKey( $key, $vi->entries, "missing in vi.po: $key" );
			$tr = $vi->entries[ $key ]->translations;
			$this->assertNotEmpty( $tr, "untranslated: $key" );
			$this->assertNotSame( '', (string) $tr[0], "untranslated: $key" );
			$this->assertEmpty( array_intersect( (array) $vi->entries[ $key ]->flags, array( 'fuzzy' ) ), "fuzzy: $key" );
		}
		foreach ( array( 'assets/editor.js', 'assets/classic.js', 'assets/evidence.js' ) as $js ) {
			$file = $dir . 'gatekeeper-vi-' . md5( $js ) . '.json';
			$this->assertFileExists( $file, "JS translations of $js" );
			$json = json_decode( file_get_contents( $file ), true );
			$this->assertNotEmpty( $json['locale_data']['messages'] );
		}
		$this->assertFileExists( $dir . 'gatekeeper-vi.mo' );
	}
}
