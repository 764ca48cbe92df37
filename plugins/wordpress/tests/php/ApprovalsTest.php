<?php
/**
 * Approvals that publish: signed callbacks (and their refusals), the hold
 * poll, and review from inside WordPress.
 */

use Gatekeeper\Callbacks;
use Gatekeeper\Client;
use Gatekeeper\Gate;
use Gatekeeper\Review;

final class ApprovalsTest extends GatekeeperTestCase {

	/** A held post whose date is two days old (as the editor's first attempt left it). */
	private function held_post(): array {
		$id = $this->draft();
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$hold_id = $this->assertHeld( $id );
		global $wpdb;
		$old = time() - 2 * DAY_IN_SECONDS;
		$wpdb->update(
			$wpdb->posts,
			array(
				'post_date'     => wp_date( 'Y-m-d H:i:s', $old ),
				'post_date_gmt' => gmdate( 'Y-m-d H:i:s', $old ),
			),
			array( 'ID' => $id )
		);
		clean_post_cache( $id );
		return array( $id, $hold_id );
	}

	/** The manager decides in the service (what the console does). */
	private function resolve_in_service( string $hold_id, string $how, string $note ): void {
		$r = Client::post(
			'holds/' . rawurlencode( $hold_id ) . '/' . $how,
			array(
				'reviewer' => 'quanly',
				'note'     => $note,
			)
		);
		$this->assertTrue( $r['ok'], "$how: " . $r['error'] );
	}

	private function event( string $type, int $id, string $hold_id, string $note = '' ): string {
		return wp_json_encode(
			array(
				'type'     => $type,
				'hold'     => array(
					'id'      => $hold_id,
					'post_id' => (string) $id,
					'status'  => 'hold.approved' === $type ? 'approved' : 'rejected',
				),
				'post_id'  => (string) $id,
				'reviewer' => 'quanly',
				'note'     => $note,
			),
			JSON_UNESCAPED_UNICODE
		);
	}

	public function test_approved_callback_publishes_now_and_never_holds_again(): void {
		list( $id, $hold_id ) = $this->held_post();
		$this->resolve_in_service( $hold_id, 'approve', 'Đồng ý' );
		$body = $this->event( 'hold.approved', $id, $hold_id, 'Đồng ý' );
		list( $code, $answer ) = $this->post_callback( $body, $this->signed_headers( $body ) );
		$this->assertSame( 200, $code, wp_json_encode( $answer ) );
		$this->assertSame( 'published', $answer['result'] );
		$this->assertSame( 'publish', $this->status( $id ) );
		$post = get_post( $id );
		$this->assertLessThan( 120, abs( time() - strtotime( $post->post_date_gmt . ' UTC' ) ), 'date reset to the approval time' );
		$this->assertSame( 'approved', get_post_meta( $id, Gate::META_DECISION, true ) );
		$this->assertSame( array( 1, 1 ), $this->share(), 'approval counted once' );

		// An edit that changes nothing the service reads keeps it live.
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( 'publish', $this->status( $id ) );
		$this->assertSame( array( 1, 1 ), $this->share() );
	}

	public function test_rejected_callback_returns_the_post_to_draft_with_the_note(): void {
		list( $id, $hold_id ) = $this->held_post();
		$this->resolve_in_service( $hold_id, 'reject', 'Chờ thêm tin tích cực' );
		$body = $this->event( 'hold.rejected', $id, $hold_id, 'Chờ thêm tin tích cực' );
		list( $code, $answer ) = $this->post_callback( $body, $this->signed_headers( $body ) );
		$this->assertSame( 200, $code, wp_json_encode( $answer ) );
		$this->assertSame( 'draft', $this->status( $id ) );
		$this->assertSame( 'Chờ thêm tin tích cực', get_post_meta( $id, Gate::META_NOTE, true ) );
		$this->assertSame( 'quanly', get_post_meta( $id, Gate::META_REVIEWER, true ) );
		$this->assertSame( array( 0, 0 ), $this->share() );
	}

	public function test_callback_refusals(): void {
		list( $id, $hold_id ) = $this->held_post();
		$body = $this->event( 'hold.approved', $id, $hold_id );

		list( $code ) = $this->post_callback( $body, array() );
		$this->assertSame( 401, $code, 'no headers' );

		list( $code ) = $this->post_callback( $body, $this->signed_headers( $body, null, null, 'whsec_' . base64_encode( random_bytes( 32 ) ) ) );
		$this->assertSame( 401, $code, 'wrong secret' );

		$h = $this->signed_headers( $body );
		list( $code ) = $this->post_callback( $body . ' ', $h );
		$this->assertSame( 401, $code, 'body changed after signing' );

		// A minute past the 5-minute tolerance each way: one second off the
		// boundary raced the clock ticking between signing and checking.
		list( $code ) = $this->post_callback( $body, $this->signed_headers( $body, time() - 360 ) );
		$this->assertSame( 401, $code, 'expired timestamp' );

		list( $code ) = $this->post_callback( $body, $this->signed_headers( $body, time() + 360 ) );
		$this->assertSame( 401, $code, 'timestamp from the future' );

		$this->assertSame( Gate::HELD, $this->status( $id ), 'nothing refused changed anything' );
	}

	public function test_replayed_webhook_id_changes_nothing(): void {
		list( $id, $hold_id ) = $this->held_post();
		$this->resolve_in_service( $hold_id, 'approve', 'OK' );
		$body = $this->event( 'hold.approved', $id, $hold_id );
		$h    = $this->signed_headers( $body );
		list( $code, $answer ) = $this->post_callback( $body, $h );
		$this->assertSame( 200, $code );
		$this->assertSame( 'published', $answer['result'] );

		// Someone unpublishes it; the same delivery arrives again.
		Gate::bypass( $id, 'test' );
		wp_update_post( array( 'ID' => $id, 'post_status' => Gate::HELD ) );
		Gate::end_bypass( $id );
		update_post_meta( $id, Gate::META_HOLD, $hold_id );
		list( $code, $answer ) = $this->post_callback( $body, $h );
		$this->assertSame( 200, $code );
		$this->assertSame( 'duplicate', $answer['result'] );
		$this->assertSame( Gate::HELD, $this->status( $id ), 'a replay does nothing' );
	}

	public function test_signature_helper_accepts_any_of_several_signatures(): void {
		$key  = Client::key( $this->secret );
		$old  = Client::key( 'whsec_' . base64_encode( random_bytes( 32 ) ) );
		$sigs = Client::sign( $old, 'msg_1', 1700000000, '{}' ) . ' ' . Client::sign( $key, 'msg_1', 1700000000, '{}' );
		$this->assertTrue( Client::verify( $key, 'msg_1', '1700000000', '{}', $sigs ) );
		$this->assertFalse( Client::verify( $key, 'msg_1', '1700000000', '{ }', $sigs ) );
		$this->assertFalse( Client::verify( $key, 'msg_2', '1700000000', '{}', $sigs ) );
		$this->assertFalse( Client::verify( $key, 'msg_1', '1700000000', '{}', 'v2,' . substr( Client::sign( $key, 'msg_1', 1700000000, '{}' ), 3 ) ), 'only v1 signatures count' );
	}

	public function test_poll_applies_a_decision_made_in_the_service(): void {
		list( $a, $hold_a ) = $this->held_post();
		list( $b, $hold_b ) = $this->held_post();
		$this->resolve_in_service( $hold_a, 'approve', 'OK' );
		$this->resolve_in_service( $hold_b, 'reject', 'Không phù hợp' );
		$done = Callbacks::poll();
		$this->assertSame( 'published', $done[ $a ] ?? null );
		$this->assertSame( 'draft', $done[ $b ] ?? null );
		$this->assertSame( 'publish', $this->status( $a ) );
		$this->assertSame( 'draft', $this->status( $b ) );
		$this->assertSame( 'Không phù hợp', get_post_meta( $b, Gate::META_NOTE, true ) );
	}

	public function test_review_in_wordpress_records_the_login_as_reviewer(): void {
		list( $id, $hold_id ) = $this->held_post();
		$this->login( 'quanly' );
		$this->assertSame( 'note_required', Review::resolve( $id, true, '  ' ), 'a decision needs a note' );
		$this->assertSame( Gate::HELD, $this->status( $id ) );
		$this->assertSame( 'published', Review::resolve( $id, true, 'Tin quan trọng, cần đăng' ) );
		$this->assertSame( 'publish', $this->status( $id ) );
		$hold = $this->hold( $hold_id );
		$this->assertSame( 'approved', $hold['status'] );
		$this->assertSame( 'cms:quanly', $hold['reviewer'], 'the service marks a reviewer named by the CMS' );
		$this->assertSame( array( 1, 1 ), $this->share() );

		list( $id2, $hold2 ) = $this->held_post();
		$this->assertSame( 'draft', Review::resolve( $id2, false, 'Viết lại tiêu đề' ) );
		$this->assertSame( 'rejected', $this->hold( $hold2 )['status'] );
		$this->assertSame( 'Viết lại tiêu đề', get_post_meta( $id2, Gate::META_NOTE, true ) );
	}

	public function test_review_screen_lists_held_posts_for_reviewers_only(): void {
		list( $id ) = $this->held_post();
		$this->login( 'quanly' );
		ob_start();
		Review::render();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'gatekeeper-post-' . $id, $html );
		$this->assertStringContainsString( '_wpnonce', $html );
		$this->assertStringContainsString( 'Duyệt và đăng', $html );

		$this->login( 'phongvien' );
		$this->expectException( WPDieException::class );
		add_filter( 'wp_die_handler', static fn() => static function ( $m ) {
			throw new WPDieException( is_string( $m ) ? $m : 'die' );
		} );
		Review::render();
	}
}

if ( ! class_exists( 'WPDieException' ) ) {
	class WPDieException extends Exception {}
}
