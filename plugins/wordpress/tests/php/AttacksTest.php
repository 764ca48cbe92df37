<?php
/**
 * The attacks of the security review that went through WordPress
 * (docs/security.md), each performed against the real plugin, WordPress and
 * service. Each got through before its fix.
 */

use Gatekeeper\Client;
use Gatekeeper\Gate;
use Gatekeeper\Outbox;
use Gatekeeper\Rest;
use Gatekeeper\Review;

final class AttacksTest extends GatekeeperTestCase {

	private function publish_held( string $tone = 'negative' ): array {
		$id = $this->draft( $tone );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		return array( $id, $this->assertHeld( $id ) );
	}

	private function approved_event( int $id, string $hold_id ): string {
		return wp_json_encode(
			array(
				'type'     => 'hold.approved',
				'hold'     => array(
					'id'      => $hold_id,
					'post_id' => (string) $id,
					'status'  => 'approved',
				),
				'post_id'  => (string) $id,
				'reviewer' => 'truongban',
				'note'     => 'Đồng ý',
			),
			JSON_UNESCAPED_UNICODE
		);
	}

	/** Item 1: a callback signed with the outlet's request key (what any signed request carries) is refused. */
	public function test_callback_signed_with_the_request_key_is_refused(): void {
		list( $id, $hold_id ) = $this->publish_held();
		$body = $this->approved_event( $id, $hold_id );
		$key  = Client::key( $this->secret );
		$ts   = time();
		$hdr  = array(
			'webhook-id'        => 'msg_' . bin2hex( random_bytes( 8 ) ),
			'webhook-timestamp' => (string) $ts,
		);
		$hdr['webhook-signature'] = Client::sign( $key, $hdr['webhook-id'], $ts, $body );
		list( $code ) = $this->post_callback( $body, $hdr );
		$this->assertSame( 401, $code, 'a request-key signature passes for a callback' );
		$this->assertSame( Gate::HELD, $this->status( $id ) );
	}

	/** Item 2: back-date a live post by 60 days, then rewrite it as negative news. */
	public function test_backdated_rewrite_is_still_counted(): void {
		$this->login( 'phongvien' );
		$id = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( 'publish', $this->status( $id ) );
		$this->assertSame( array( 1, 0 ), $this->share() );
		$old = time() - 60 * DAY_IN_SECONDS;
		wp_update_post(
			array(
				'ID'            => $id,
				'post_date'     => wp_date( 'Y-m-d H:i:s', $old ),
				'post_date_gmt' => gmdate( 'Y-m-d H:i:s', $old ),
				'edit_date'     => true,
			)
		);
		wp_update_post(
			wp_slash(
				array(
					'ID'           => $id,
					'post_title'   => 'Tai nạn giao thông nghiêm trọng, ba người tử vong',
					'post_content' => '<p>Vụ tai nạn xảy ra sáng nay trên quốc lộ 14.</p>',
					'post_date'    => wp_date( 'Y-m-d H:i:s', $old ),
					'meta_input'   => array( Gate::META_TONE => 'negative' ),
				)
			)
		);
		list( , $negative ) = $this->share();
		$status             = $this->status( $id );
		$this->assertFalse( 'publish' === $status && 0 === $negative, 'a negative post is live and not counted' );
		$this->assertSame( Gate::HELD, $status, 'the rewrite is over the limit: held' );
	}

	/** Item 3: the text of a held post replaced before the manager approves it. */
	public function test_held_text_swapped_through_an_edit_is_what_the_manager_sees(): void {
		list( $id, $hold_id ) = $this->publish_held();
		$swap = 'Cướp tiệm vàng giữa ban ngày, hai đối tượng bỏ trốn';
		wp_update_post(
			wp_slash(
				array(
					'ID'           => $id,
					'post_title'   => $swap,
					'post_content' => '<p>Hai đối tượng dùng dao cướp tiệm vàng.</p>',
				)
			)
		);
		$this->assertSame( Gate::HELD, $this->status( $id ) );
		$hold = $this->hold( (string) get_post_meta( $id, Gate::META_HOLD, true ) );
		$this->assertSame( $swap, $hold['post']['title'] ?? '', 'the service holds the text that would be published' );
		$this->assertSame( Gate::text_digest( Gate::collect( $id ) ), $hold['digest'] ?? '', 'the plugin and the service digest the text alike' );
	}

	/** Item 3: a swap that bypassed the gate (written straight to the database) is re-checked, not published on approval. */
	public function test_approval_of_changed_text_rechecks(): void {
		list( $id, $hold_id ) = $this->publish_held();
		global $wpdb;
		$wpdb->update( $wpdb->posts, array( 'post_title' => 'Cướp tiệm vàng giữa ban ngày' ), array( 'ID' => $id ) );
		clean_post_cache( $id );
		$r = Client::post(
			'holds/' . rawurlencode( $hold_id ) . '/approve',
			array(
				'reviewer' => 'truongban',
				'note'     => 'Duyệt bản tin tai nạn',
			)
		);
		$this->assertTrue( $r['ok'], $r['error'] );
		$body = $this->approved_event( $id, $hold_id );
		list( $code, $answer ) = $this->post_callback( $body, $this->signed_headers( $body ) );
		$this->assertSame( 200, $code );
		$decision = (string) get_post_meta( $id, Gate::META_DECISION, true );
		$this->assertNotSame( 'approved', $decision, 'the approval of other text published this one' );
		$this->assertContains( $decision, array( 'allow', 'warn', 'hold' ), 'the current text was checked' );
	}

	/** Item 9: editors do not approve by default, nobody approves their own post, and an outlet can keep approvals in the console. */
	public function test_reviewers_are_not_editors_or_authors(): void {
		$this->assertFalse( user_can( get_user_by( 'login', 'bientap' ), 'gatekeeper_review' ), 'an editor approves by default' );
		$this->login( 'quanly' );
		list( $own ) = $this->publish_held();
		$this->assertFalse( Review::may_review( $own, true ), 'a reviewer approves their own post' );

		list( $this->outlet, $this->secret ) = self::new_outlet( array( '--approval-console-only' ) );
		$this->configure( array() );
		$this->login( 'bientap' );
		list( $id, $hold_id ) = $this->publish_held();
		$this->login( 'quanly' );
		$this->assertTrue( Review::may_review( $id, true ) );
		$this->assertSame( 'console_only', Review::resolve( $id, true, 'Đồng ý' ) );
		$this->assertSame( Gate::HELD, $this->status( $id ) );
		$this->assertSame( 'pending', $this->hold( $hold_id )['status'] );
	}

	/** Item 10: a 429 never fails open, and dry runs do not starve real checks. */
	public function test_rate_limited_checks_never_fail_open(): void {
		$ip   = (string) wp_parse_url( (string) getenv( 'GK_URL' ), PHP_URL_HOST ); // The run's own loopback address.
		$port = $this->free_port( $ip );
		$url  = 'http://' . $ip . ':' . $port;
		$cmd  = array( getenv( 'GK_BIN' ), 'serve', '--addr', $ip . ':' . $port, '--rate-limit', '0.001', '--rate-burst', '1', '--legacy-signing-until', '', '--log-format', 'text' );
		foreach ( preg_split( '/\s+/', trim( (string) getenv( 'GK_STORE_ARGS' ) ) ) as $arg ) {
			$cmd[] = $arg;
		}
		$proc = proc_open( $cmd, array( array( 'file', '/dev/null', 'r' ), array( 'file', '/dev/null', 'w' ), array( 'file', getenv( 'RUN_DIR' ) . '/gatekeeper-limited.log', 'w' ) ), $pipes );
		$this->assertIsResource( $proc );
		try {
			$this->wait_healthy( $url );
			$this->configure(
				array(
					'url'            => $url,
					'failure_policy' => 'publish',
				)
			);
			$first = $this->draft( 'neutral' );
			// A dry run first: it has a bucket of its own.
			$dry = Gate::call_check( $first, Gate::collect( $first ), array( 'dry_run' => true ) );
			$this->assertTrue( $dry['ok'], 'dry run: ' . $dry['error'] );
			wp_update_post( array( 'ID' => $first, 'post_status' => 'publish' ) );
			$this->assertSame( 'publish', $this->status( $first ), 'the real check after a dry run' );
			$second = $this->draft( 'negative' );
			wp_update_post( array( 'ID' => $second, 'post_status' => 'publish' ) );
			$this->assertSame( Gate::WAIT, $this->status( $second ), 'a rate-limited check published the post' );
		} finally {
			proc_terminate( $proc );
			proc_close( $proc );
		}
	}

	/** Item 10: one user cannot use up the outlet's dry runs from the editor panel. */
	public function test_panel_verdicts_are_throttled_per_user(): void {
		$uid = get_current_user_id();
		$now = 60 * ( intdiv( time(), 60 ) + 100000 ); // A minute nobody has used yet.
		for ( $i = 0; $i < Rest::PANEL_CALLS_PER_MINUTE; $i++ ) {
			$this->assertTrue( Rest::take_panel_call( $uid, $now ) );
		}
		$this->assertFalse( Rest::take_panel_call( $uid, $now ), 'past the per-user limit' );
		$this->assertTrue( Rest::take_panel_call( $uid + 1000, $now ), 'another user is not throttled' );
	}

	/** Item 12: an outbox retry after the text changed is not answered with the old text's verdict. */
	public function test_outbox_retry_of_changed_text_is_checked_anew(): void {
		$id      = $this->draft( 'neutral' );
		$payload = Gate::collect( $id );
		$wid     = Client::new_id();
		// The first check reached the service, but its answer was lost.
		$lost = Gate::call_check( $id, $payload, array( 'webhook_id' => $wid ) );
		$this->assertTrue( $lost['ok'], $lost['error'] );
		Gate::set_status( $id, Gate::WAIT, false );
		Outbox::enqueue( 'check', $id, 'POST', 'check', array( 'hash' => Gate::hash( $payload ) ), $wid, array( 'status' => 0, 'error' => 'timeout' ) );
		// Meanwhile the editor rewrites it as negative news.
		wp_update_post(
			wp_slash(
				array(
					'ID'           => $id,
					'post_title'   => 'Tai nạn giao thông nghiêm trọng, ba người tử vong',
					'post_content' => '<p>Vụ tai nạn xảy ra sáng nay trên quốc lộ 14.</p>',
					'meta_input'   => array( Gate::META_TONE => 'negative' ),
				)
			)
		);
		Outbox::run( true );
		list( , $negative ) = $this->share();
		$status             = $this->status( $id );
		$this->assertFalse( 'publish' === $status && 0 === $negative, 'the negative text went live on the neutral text\'s answer' );
		$this->assertSame( Gate::HELD, $status );
	}

	private function free_port( string $ip ): int {
		$s    = stream_socket_server( 'tcp://' . $ip . ':0' );
		$name = stream_socket_get_name( $s, false );
		fclose( $s );
		return (int) substr( $name, strrpos( $name, ':' ) + 1 );
	}

	private function wait_healthy( string $url ): void {
		for ( $i = 0; $i < 100; $i++ ) {
			$r = wp_remote_get( $url . '/healthz', array( 'timeout' => 1 ) );
			if ( ! is_wp_error( $r ) && 200 === wp_remote_retrieve_response_code( $r ) ) {
				return;
			}
			usleep( 100000 );
		}
		$this->fail( "gatekeeper at $url did not come up" );
	}
}
