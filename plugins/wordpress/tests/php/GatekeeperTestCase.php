<?php
/**
 * Shared helpers: each test gets a fresh outlet in the real service (created
 * with the real CLI), the plugin pointed at it, and a logged-in editor.
 */

use Gatekeeper\Client;
use Gatekeeper\Gate;
use Gatekeeper\Settings;
use PHPUnit\Framework\TestCase;

abstract class GatekeeperTestCase extends TestCase {

	protected string $outlet = '';
	protected string $secret = '';

	protected function setUp(): void {
		parent::setUp();
		$_POST    = array();
		$_REQUEST = array();
		list( $this->outlet, $this->secret ) = self::new_outlet();
		$this->configure( array() );
		$this->login( 'bientap' );
	}

	protected function tearDown(): void {
		$_POST    = array();
		$_REQUEST = array();
		parent::tearDown();
	}

	/**
	 * gatekeeper outlet add … --json against the run's Redis.
	 */
	protected static function new_outlet( array $flags = array() ): array {
		$id  = 'wp-' . bin2hex( random_bytes( 5 ) );
		$cmd = escapeshellarg( getenv( 'GK_BIN' ) ) . ' outlet add ' . escapeshellarg( $id ) . ' --name ' . escapeshellarg( 'Test ' . $id ) . ' --json';
		foreach ( preg_split( '/\s+/', trim( (string) getenv( 'GK_STORE_ARGS' ) ) ) as $arg ) {
			$cmd .= ' ' . escapeshellarg( $arg ); // --redis-url URL, or --data DIR.
		}
		foreach ( $flags as $f ) {
			$cmd .= ' ' . escapeshellarg( $f );
		}
		$out = shell_exec( $cmd . ' 2>&1' );
		$o   = json_decode( (string) $out, true );
		if ( ! is_array( $o ) || empty( $o['secret'] ) ) {
			throw new RuntimeException( "outlet add failed: $cmd\n$out" );
		}
		return array( $o['id'] ?? $id, $o['secret'] );
	}

	protected function configure( array $over ): void {
		update_option(
			Settings::OPTION,
			array_merge(
				Settings::defaults(),
				array(
					'url'    => getenv( 'GK_URL' ),
					'outlet' => $this->outlet,
					'secret' => $this->secret,
				),
				$over
			)
		);
	}

	protected function login( string $login ): WP_User {
		$u = get_user_by( 'login', $login );
		$this->assertInstanceOf( WP_User::class, $u, "user $login" );
		wp_set_current_user( $u->ID );
		return $u;
	}

	/** A draft; tone "negative" makes it negative whatever the classifier says. */
	protected function draft( string $tone = 'negative', array $extra = array() ): int {
		$negative = 'negative' === $tone;
		$args     = array_merge(
			array(
				'post_title'   => $negative
					? 'Tai nạn giao thông trên quốc lộ 14, hai người bị thương (' . wp_rand( 1, 99999 ) . ')'
					: 'Huyện tổ chức hội nghị tổng kết công tác năm (' . wp_rand( 1, 99999 ) . ')',
				'post_content' => $negative
					? '<p>Một vụ tai nạn giữa xe tải và xe máy xảy ra sáng nay, hai người bị thương.</p>'
					: '<p>Sáng nay, Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm và triển khai nhiệm vụ năm tới.</p>',
				'post_status'  => 'draft',
				'post_author'  => get_current_user_id(),
			),
			$extra
		);
		if ( '' !== $tone ) {
			$args['meta_input'] = array( Gate::META_TONE => $tone );
		}
		$id = wp_insert_post( wp_slash( $args ), true );
		$this->assertIsInt( $id );
		return $id;
	}

	protected function status( int $id ): string {
		clean_post_cache( $id );
		return (string) get_post_status( $id );
	}

	/** The window's counts as the service has them. */
	protected function share(): array {
		$r = Client::get( 'share' );
		$this->assertTrue( $r['ok'], 'GET share: ' . $r['error'] );
		$b = isset( $r['body']['share'] ) && is_array( $r['body']['share'] ) ? $r['body']['share'] : $r['body'];
		return array( (int) $b['published'], (int) $b['negative'] );
	}

	protected function hold( string $hold_id ): array {
		$r = Client::get( 'holds/' . rawurlencode( $hold_id ) );
		$this->assertTrue( $r['ok'], 'GET hold: ' . $r['error'] );
		return isset( $r['body']['hold'] ) && is_array( $r['body']['hold'] ) ? $r['body']['hold'] : $r['body'];
	}

	protected function assertHeld( int $id ): string {
		$this->assertSame( Gate::HELD, $this->status( $id ), 'post should be held' );
		$hold_id = (string) get_post_meta( $id, Gate::META_HOLD, true );
		$this->assertNotSame( '', $hold_id, 'hold id kept with the post' );
		$hold = $this->hold( $hold_id );
		$this->assertSame( 'pending', $hold['status'] );
		$this->assertSame( (string) $id, (string) $hold['post_id'] );
		return $hold_id;
	}

	/** A port nobody listens on. */
	protected static function closed_url(): string {
		$s    = stream_socket_server( 'tcp://127.0.0.1:0' );
		$name = stream_socket_get_name( $s, false );
		fclose( $s );
		return 'http://' . $name;
	}

	/** Signed POST to the site's callback route over real HTTP. */
	protected function post_callback( string $body, array $headers ): array {
		$res = wp_remote_post(
			getenv( 'CALLBACK_URL' ),
			array(
				'headers' => array_merge( array( 'Content-Type' => 'application/json' ), $headers ),
				'body'    => $body,
				'timeout' => 10,
			)
		);
		$this->assertNotWPError( $res );
		return array( (int) wp_remote_retrieve_response_code( $res ), json_decode( wp_remote_retrieve_body( $res ), true ) );
	}

	/** Headers of a callback as the service signs it: with the callback key derived from the secret. */
	protected function signed_headers( string $body, ?int $ts = null, ?string $id = null, ?string $secret = null ): array {
		$id  = $id ?? Client::new_id();
		$ts  = $ts ?? time();
		$key = Client::callback_key( Client::key( $secret ?? $this->secret ) );
		return array(
			'webhook-id'        => $id,
			'webhook-timestamp' => (string) $ts,
			'webhook-signature' => Client::sign( $key, $id, $ts, $body ),
		);
	}

	/**
	 * The scheduled post's go-live time arrives: its date moves a minute into
	 * the past and WP-Cron's publish_future_post runs, as it would.
	 */
	protected function go_live( int $id ): void {
		global $wpdb;
		$past = time() - 60;
		$wpdb->update(
			$wpdb->posts,
			array(
				'post_date'     => wp_date( 'Y-m-d H:i:s', $past ),
				'post_date_gmt' => gmdate( 'Y-m-d H:i:s', $past ),
			),
			array( 'ID' => $id )
		);
		clean_post_cache( $id );
		do_action( 'publish_future_post', $id );
	}

	protected function assertNotWPError( $thing ): void {
		$this->assertFalse( is_wp_error( $thing ), is_wp_error( $thing ) ? $thing->get_error_message() : '' );
	}
}
