<?php
/**
 * A site left in en_US (as most new installs are) still gates Vietnamese
 * posts: the plugin sends the locale as a hint (site_locale), never as the
 * post's language, and the service reads the language from the text. No tone
 * is declared: the classifier alone must find the accident negative, on every
 * publish path.
 */

use Gatekeeper\Gate;

final class SiteLocaleTest extends GatekeeperTestCase {

	private const TITLE   = 'Tai nạn giao thông nghiêm trọng khiến 3 người tử vong, hai xe bốc cháy';
	private const CONTENT = '<p>Chiều qua, trên quốc lộ 14 đoạn qua xã Đắk Pek, xe tải va chạm với xe khách khiến 3 người tử vong tại chỗ, hai xe bốc cháy. Công an huyện đang điều tra nguyên nhân vụ tai nạn.</p>';

	private string $wplang = '';
	private array $sent    = array();

	protected function setUp(): void {
		parent::setUp();
		$this->wplang = (string) get_option( 'WPLANG', '' );
		update_option( 'WPLANG', '' ); // WordPress's default: en_US.
		self::forget_locale();
		$this->sent = array();
		add_filter( 'gatekeeper_check_payload', array( $this, 'record' ), 10, 2 );
	}

	protected function tearDown(): void {
		remove_filter( 'gatekeeper_check_payload', array( $this, 'record' ), 10 );
		update_option( 'WPLANG', $this->wplang );
		self::forget_locale();
		parent::tearDown();
	}

	/** get_locale() keeps the first answer in a global: read the option again. */
	private static function forget_locale(): void {
		$GLOBALS['locale'] = null;
	}

	/** Keeps what the plugin sends, unchanged. */
	public function record( array $payload, int $post_id ): array {
		$this->sent[] = $payload;
		return $payload;
	}

	private function assertSentAsHint(): void {
		$this->assertSame( 'en_US', get_locale(), 'the site is in en_US' );
		$this->assertNotEmpty( $this->sent, 'the post was checked' );
		foreach ( $this->sent as $p ) {
			$this->assertArrayNotHasKey( 'language', $p, 'the site locale is not the post language' );
			$this->assertSame( 'en_US', $p['site_locale'] ?? null, 'the locale goes as a hint' );
			$this->assertArrayNotHasKey( 'declared_tone', $p, 'no tone declared: the classifier decides' );
		}
	}

	private function assertHeldNegative( int $id ): void {
		$this->assertHeld( $id );
		$this->assertSentAsHint();
		$this->assertSame( array( 0, 0 ), $this->share(), 'a hold is not counted' );
	}

	/** Inserts the Vietnamese negative post with this status (and fields). */
	private function insert_vi( string $status, array $fields = array() ): int {
		$id = wp_insert_post(
			wp_slash(
				array_merge(
					array(
						'post_title'   => self::TITLE,
						'post_content' => self::CONTENT,
						'post_status'  => $status,
						'post_author'  => get_current_user_id(),
					),
					$fields
				)
			),
			true
		);
		$this->assertIsInt( $id );
		return $id;
	}

	public function test_wp_insert_post_is_held(): void {
		$id = $this->insert_vi( 'publish' );
		$this->assertHeldNegative( $id );
	}

	public function test_wp_update_post_is_held(): void {
		$id = $this->insert_vi( 'draft' );
		wp_update_post(
			array(
				'ID'          => $id,
				'post_status' => 'publish',
			)
		);
		$this->assertHeldNegative( $id );
	}

	public function test_wp_publish_post_is_held(): void {
		$id = $this->insert_vi( 'draft' );
		wp_publish_post( $id );
		$this->assertHeldNegative( $id );
	}

	public function test_scheduled_go_live_is_held(): void {
		$id = $this->insert_vi( 'publish', array( 'post_date' => wp_date( 'Y-m-d H:i:s', time() + HOUR_IN_SECONDS ) ) );
		$this->assertSame( 'future', $this->status( $id ), 'scheduling is not publishing' );
		$this->go_live( $id );
		$this->assertHeldNegative( $id );
	}

	public function test_rest_publish_is_held(): void {
		$req = new WP_REST_Request( 'POST', '/wp/v2/posts' );
		$req->set_body_params(
			array(
				'status'  => 'publish',
				'title'   => self::TITLE,
				'content' => self::CONTENT,
			)
		);
		$res = rest_do_request( $req );
		$this->assertSame( 201, $res->get_status(), wp_json_encode( $res->get_data() ) );
		$this->assertSame( Gate::HELD, $res->get_data()['status'] );
		$this->assertHeldNegative( (int) $res->get_data()['id'] );
	}

	/** The answer says the post was read in Vietnamese. */
	public function test_the_service_reads_the_post_in_vietnamese(): void {
		$id = $this->insert_vi( 'draft' );
		wp_publish_post( $id );
		$this->assertHeld( $id );
		$r = \Gatekeeper\Client::post(
			'check',
			array(
				'post'    => array_merge( end( $this->sent ), array( 'id' => 'probe-' . $id ) ),
				'dry_run' => true,
			)
		);
		$this->assertTrue( $r['ok'], 'dry run: ' . ( $r['error'] ?? '' ) );
		$this->assertSame( 'vi', $r['body']['language'] ?? null );
		$this->assertSame( 'negative', $r['body']['tone']['label'] ?? null );
	}
}
