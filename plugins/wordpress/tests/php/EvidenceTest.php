<?php
/**
 * The classifier's evidence as people read it: words, structural headline
 * cues (a `cue` code with readable `text`, or a bare "#code" from older
 * services), and answers carrying fields this plugin does not know.
 */

use Gatekeeper\Editor;
use Gatekeeper\Evidence;
use Gatekeeper\Gate;
use Gatekeeper\Review;

final class EvidenceTest extends GatekeeperTestCase {

	public function test_words_in_the_service_order_without_duplicates_or_the_declaration(): void {
		$list = array(
			array( 'text' => 'tai nạn giao thông', 'field' => 'title', 'weight' => 3.4 ),
			array( 'text' => 'tử vong', 'field' => 'title', 'weight' => 2.8 ),
			array( 'text' => 'tai nạn giao thông', 'field' => 'content', 'weight' => 1.1 ),
			array( 'text' => 'tai nạn', 'field' => 'content', 'weight' => 1.0 ),
			array( 'text' => 'negative', 'field' => 'declared_tone', 'weight' => 1 ),
			array( 'text' => 'nạn', 'field' => 'content', 'weight' => 0.5 ),
			array( 'text' => 'giao', 'field' => 'content', 'weight' => 0.5 ),
		);
		$this->assertSame( array( 'tai nạn giao thông', 'tử vong' ), Evidence::texts( $list ), 'phrases inside one shown are not repeated' );
		$this->assertSame( array( 'tai nạn giao thông' ), Evidence::texts( $list, 1 ) );
	}

	public function test_cues_show_their_readable_text_and_bare_codes_are_named(): void {
		$this->assertSame( 'dấu chấm than trong tiêu đề', Evidence::label( array( 'text' => '#exclamation', 'field' => 'title' ) ), 'bare code from an older service' );
		$this->assertSame( 'tiêu đề giật gân', Evidence::label( array( 'cue' => 'teaser', 'text' => 'tiêu đề giật gân' ) ), 'readable text wins' );
		$this->assertSame( 'câu hỏi trong tiêu đề', Evidence::label( array( 'cue' => 'question' ) ), 'a cue without text is named' );
		$this->assertSame( 'câu hỏi trong tiêu đề', Evidence::label( array( 'cue' => '#question', 'text' => '#question' ) ) );
		$this->assertSame( 'brand new cue', Evidence::label( array( 'cue' => 'brand_new_cue' ) ), 'unknown codes stay readable' );
	}

	public function test_unknown_fields_and_odd_values_never_break(): void {
		$list = array(
			array( 'text' => 'cướp', 'field' => 'title', 'span' => array( 0, 4 ), 'future' => array( 'x' => 1 ) ),
			null,
			'stray',
			42,
			array( 'text' => array( 'not', 'a', 'string' ) ),
			array( 'text' => 7 ),
			array( 'field' => 'title' ),
			array( 'text' => '   ' ),
		);
		$this->assertSame( array( 'cướp', '7' ), Evidence::texts( $list ) );
		$this->assertSame( array(), Evidence::texts( 'not a list' ) );
		$this->assertSame( array(), Evidence::texts( null ) );
	}

	public function test_classic_box_and_review_screen_render_an_answer_with_unknown_fields(): void {
		$answer = array(
			'decision'     => 'hold',
			'future_field' => array( 'a' => array( 1, 2 ) ),
			'tone'         => array(
				'label'    => 'negative',
				'evidence' => array(
					array( 'text' => 'tai nạn', 'field' => 'title', 'weight' => 2, 'cue' => null, 'new' => true ),
					array( 'text' => '<script>x</script>', 'field' => 'content' ),
				),
			),
			'sensational'  => array(
				'flagged'  => true,
				'evidence' => array(
					array( 'text' => '#exclamation', 'field' => 'title' ),
					array( 'cue' => 'teaser', 'text' => 'tiêu đề câu khách' ),
				),
			),
			'share'        => array( 'before' => 0.1364, 'after' => 0.1739, 'limit' => 0.15, 'warn_at' => 0.12, 'extra' => 'x' ),
			'headroom'     => array( 'negative_left' => null, 'non_negative_needed' => 4 ),
			'reasons'      => array( array( 'code' => 'share_over_limit', 'message' => 'Vượt giới hạn.' ), array( 'code' => 'x', 'message' => array( 'vi' => 'object' ) ), 'odd' ),
			'hold'         => array( 'id' => 'h1', 'earliest_safe_at' => null ),
		);
		ob_start();
		Editor::verdict_html( $answer );
		$html = ob_get_clean();
		$this->assertStringContainsString( 'Từ ngữ khiến bài bị coi là tiêu cực: <strong>tai nạn, &lt;script&gt;x&lt;/script&gt;</strong>', $html, 'evidence shown, escaped' );
		$this->assertStringContainsString( 'Dấu hiệu: dấu chấm than trong tiêu đề, tiêu đề câu khách', $html );
		$this->assertStringContainsString( 'Cần thêm 4 tin không tiêu cực', $html );
		$this->assertStringContainsString( 'Vượt giới hạn.', $html );
		$this->assertStringContainsString( 'Sẽ bị giữ lại: bài này sẽ đưa tỉ lệ tin tiêu cực của đơn vị vượt giới hạn.', $html, 'the headline names the cause' );
		$this->assertStringContainsString( 'Chưa có mốc trong cửa sổ 30 ngày: chỉ có chỗ khi đăng thêm 4 tin không tiêu cực.', $html, 'no earliest time: say what makes room' );
		$this->assertStringNotContainsString( '<script>', $html );

		// The same answer kept with a held post, on the review screen.
		$id = $this->draft( '' );
		Gate::bypass( $id, 'test' );
		wp_update_post( array( 'ID' => $id, 'post_status' => Gate::HELD ) );
		Gate::end_bypass( $id );
		update_post_meta( $id, Gate::META_ANSWER, wp_slash( wp_json_encode( $answer ) ) );
		$this->login( 'quanly' );
		ob_start();
		Review::render();
		$html = ob_get_clean();
		$this->assertStringContainsString( 'gatekeeper-post-' . $id, $html );
		$this->assertStringContainsString( 'tai nạn, &lt;script&gt;', $html );
		$this->assertStringContainsString( 'Tỉ lệ tin tiêu cực: 13,64% → 17,39% (giới hạn 15,00%).', $html );
	}

	public function test_an_author_sees_no_review_screen_and_a_reviewer_only_posts_they_may_edit(): void {
		$id = $this->draft( '' );
		Gate::bypass( $id, 'test' );
		wp_update_post( array( 'ID' => $id, 'post_status' => Gate::HELD ) );
		Gate::end_bypass( $id );
		// A reviewer who may not edit others' posts does not see this one.
		$u = $this->login( 'phongvien' );
		$u->add_cap( 'gatekeeper_review' );
		wp_set_current_user( 0 );
		wp_set_current_user( $u->ID );
		$this->assertTrue( current_user_can( 'gatekeeper_review' ) );
		try {
			ob_start();
			Review::render();
			$html = ob_get_clean();
		} finally {
			$u->remove_cap( 'gatekeeper_review' );
		}
		$this->assertStringNotContainsString( 'gatekeeper-post-' . $id, $html );
	}

	public function test_declared_tone_is_for_editors_not_visitors(): void {
		$id = $this->draft( 'neutral' );
		$this->login( 'quanly' );
		$req  = new WP_REST_Request( 'GET', '/wp/v2/posts/' . $id );
		$req->set_query_params( array( 'context' => 'edit' ) );
		$edit = rest_do_request( $req );
		$this->assertSame( 'neutral', $edit->get_data()['meta'][ Gate::META_TONE ] ?? null, 'editors see the declared tone' );
		$view = rest_do_request( new WP_REST_Request( 'GET', '/wp/v2/posts/' . $id ) );
		$this->assertArrayNotHasKey( Gate::META_TONE, (array) ( $view->get_data()['meta'] ?? array() ), 'not in the view context' );
	}

	public function test_review_actions_need_the_capabilities(): void {
		$id = $this->draft( '' );
		$this->login( 'quanly' );
		$this->assertTrue( Review::may_review( $id, true ), 'an editor with the review capability may approve' );
		$this->login( 'phongvien' );
		$this->assertFalse( Review::may_review( $id, false ), 'an author may not review' );
		// The review capability alone, without the right to publish, does not let anyone approve.
		$u    = get_user_by( 'login', 'phongvien' );
		$u->set_role( 'contributor' );
		$u->add_cap( 'gatekeeper_review' );
		$u->add_cap( 'edit_others_posts' );
		wp_set_current_user( 0 );
		wp_set_current_user( $u->ID );
		try {
			$this->assertTrue( Review::may_review( $id, false ), 'may see it' );
			$this->assertFalse( Review::may_review( $id, true ), 'may not publish it' );
		} finally {
			$u->remove_cap( 'gatekeeper_review' );
			$u->remove_cap( 'edit_others_posts' );
			$u->set_role( 'author' );
		}
	}

	public function test_review_form_refuses_a_missing_or_foreign_nonce(): void {
		$id = $this->draft();
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertHeld( $id );
		$this->login( 'quanly' );
		$die = static fn() => static function ( $m ) {
			throw new WPDieException( is_string( $m ) ? $m : 'die' );
		};
		add_filter( 'wp_die_handler', $die );
		try {
			foreach ( array( '', wp_create_nonce( 'gatekeeper_resolve_' . ( $id + 1 ) ) ) as $nonce ) {
				$_POST    = array(
					'post'     => (string) $id,
					'decision' => 'approve',
					'note'     => 'OK',
					'_wpnonce' => $nonce,
				);
				$_REQUEST = $_POST;
				try {
					Review::handle_resolve();
					$this->fail( 'handled without a valid nonce' );
				} catch ( WPDieException $e ) {
					$this->assertSame( Gate::HELD, $this->status( $id ), 'nothing changed' );
				}
			}
		} finally {
			remove_filter( 'wp_die_handler', $die );
		}
	}

	/**
	 * One headline per cause, each with what the editor can do; the
	 * click-bait reason is never said twice; the earliest time in one format.
	 */
	public function test_one_headline_per_cause(): void {
		$this->login( 'bientap' );
		$reason = static function ( string $code ): array {
			return array( 'code' => $code, 'message' => 'msg ' . $code );
		};
		$cases = array(
			array( 'hold', array( 'share_over_limit' ), false, 'over_limit', 'vượt giới hạn', 'Người duyệt của đơn vị' ),
			array( 'hold', array( 'borderline_over_limit' ), false, 'over_limit', 'vượt giới hạn', 'khai báo sắc thái' ),
			array( 'warn', array( 'share_near_limit' ), false, 'near_limit', 'gần tới giới hạn', 'vẫn có thể đăng' ),
			array( 'warn', array( 'not_negative', 'sensational_headline' ), true, 'sensational', 'tiêu đề có dấu hiệu giật gân', 'viết lại tiêu đề' ),
			array( 'hold', array( 'not_negative', 'sensational_headline' ), true, 'sensational', 'Sẽ bị giữ lại: tiêu đề', 'Người duyệt của đơn vị' ),
			array( 'warn', array( 'borderline' ), false, 'unclear_tone', 'chưa rõ ràng', 'khai báo sắc thái' ),
			array( 'allow', array( 'not_negative' ), false, 'allowed', 'Được phép', '' ),
		);
		foreach ( $cases as list( $decision, $codes, $flagged, $cause, $title, $action ) ) {
			$a = array(
				'decision'    => $decision,
				'reasons'     => array_map( $reason, $codes ),
				'sensational' => array( 'flagged' => $flagged ),
			);
			$h = Editor::headline( $a );
			$this->assertSame( $cause, $h['cause'], implode( ',', $codes ) );
			$this->assertStringContainsString( $title, $h['title'], implode( ',', $codes ) );
			if ( '' !== $action ) {
				$this->assertStringContainsString( $action, $h['action'], implode( ',', $codes ) );
			}
			$messages = Review::reason_messages( $a );
			if ( $flagged ) {
				$this->assertNotContains( 'msg sensational_headline', $messages, 'the flagged headline has its own line' );
			}
		}
		$held = array(
			'decision' => 'hold',
			'share'    => array( 'window_days' => 30 ),
			'headroom' => array( 'non_negative_needed' => 3 ),
			'hold'     => array( 'earliest_safe_at' => '2027-01-02T05:08:11+07:00' ),
		);
		$this->assertSame( 'Nếu không đăng thêm tin tiêu cực nào, bài vừa giới hạn từ 02/01/2027 05:08, khi tin tiêu cực cũ ra khỏi cửa sổ 30 ngày. Sớm hơn nếu đăng thêm 3 tin không tiêu cực.', Editor::earliest_text( $held ) );
		$this->assertSame( '16,67%', Review::pct( 1 / 6 ) );
	}


}

if ( ! class_exists( 'WPDieException' ) ) {
	class WPDieException extends Exception {}
}
