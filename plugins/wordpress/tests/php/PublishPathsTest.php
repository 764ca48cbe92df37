<?php
/**
 * One test per way a post can go live: each must end held when the service
 * says hold, and an allowed post must be counted exactly once.
 */

use Gatekeeper\Gate;

final class PublishPathsTest extends GatekeeperTestCase {

	public function test_block_editor_rest_update_to_publish_is_held(): void {
		$id  = $this->draft( '' );
		$req = new WP_REST_Request( 'POST', '/wp/v2/posts/' . $id );
		$req->set_body_params(
			array(
				'status' => 'publish',
				'title'  => 'Cháy nhà dân trong đêm',
				'meta'   => array( Gate::META_TONE => 'negative' ),
			)
		);
		$res = rest_do_request( $req );
		$this->assertSame( 200, $res->get_status(), wp_json_encode( $res->get_data() ) );
		$this->assertSame( Gate::HELD, $res->get_data()['status'] );
		$this->assertHeld( $id );
		$this->assertSame( 'negative', get_post_meta( $id, Gate::META_TONE, true ), 'declared tone saved' );
		$this->assertSame( array( 0, 0 ), $this->share(), 'a hold is not counted' );
	}

	public function test_rest_create_published_is_held(): void {
		$req = new WP_REST_Request( 'POST', '/wp/v2/posts' );
		$req->set_body_params(
			array(
				'status' => 'publish',
				'title'  => 'Lũ quét cuốn trôi cầu',
				'meta'   => array( Gate::META_TONE => 'negative' ),
			)
		);
		$res = rest_do_request( $req );
		$this->assertSame( 201, $res->get_status(), wp_json_encode( $res->get_data() ) );
		$this->assertSame( Gate::HELD, $res->get_data()['status'] );
		$this->assertHeld( (int) $res->get_data()['id'] );
	}

	public function test_classic_editor_publish_is_held_and_not_announced_as_published(): void {
		$id    = $this->draft( '' );
		$_POST = array(
			'post_ID'               => $id,
			'post_type'             => 'post',
			'post_title'            => 'Bắt giữ đối tượng trộm cắp',
			'content'               => 'Nội dung',
			'publish'               => 'Publish',
			'post_status'           => 'publish',
			'original_post_status'  => 'draft',
			'gatekeeper_tone'       => 'negative',
			'gatekeeper_tone_nonce' => wp_create_nonce( 'gatekeeper_tone_' . $id ),
		);
		edit_post();
		$this->assertHeld( $id );
		$this->assertSame( 'negative', get_post_meta( $id, Gate::META_TONE, true ) );
		$loc = apply_filters( 'redirect_post_location', admin_url( "post.php?post=$id&action=edit&message=6" ), $id );
		$this->assertStringNotContainsString( 'message=6', $loc );
		$this->assertStringContainsString( 'gatekeeper=held', $loc );
	}

	public function test_quick_edit_publish_is_held(): void {
		$id = $this->draft();
		add_filter( 'wp_doing_ajax', '__return_true' );
		$die = static function () {
			return static function () {
				throw new RuntimeException( 'wp_die' );
			};
		};
		add_filter( 'wp_die_ajax_handler', $die );
		$_POST = $_REQUEST = array(
			'action'       => 'inline-save',
			'_inline_edit' => wp_create_nonce( 'inlineeditnonce' ),
			'post_ID'      => $id,
			'post_type'    => 'post',
			'post_title'   => get_the_title( $id ),
			'post_name'    => '',
			'_status'      => 'publish',
			'screen'       => 'edit-post',
			'post_view'    => 'list',
			'edit_date'    => '',
		);
		ob_start();
		try {
			wp_ajax_inline_save();
		} catch ( RuntimeException $e ) {
			$this->assertSame( 'wp_die', $e->getMessage() );
		} finally {
			$row = ob_get_clean();
			remove_filter( 'wp_doing_ajax', '__return_true' );
			remove_filter( 'wp_die_ajax_handler', $die );
		}
		$this->assertHeld( $id );
		$this->assertStringContainsString( 'Chờ duyệt', (string) $row, 'the list row shows the held state' );
	}

	public function test_bulk_edit_publish_holds_each_post(): void {
		$a = $this->draft();
		$b = $this->draft();
		$r = bulk_edit_posts(
			array(
				'post'        => array( $a, $b ),
				'post_type'   => 'post',
				'_status'     => 'publish',
				'post_author' => -1,
				'comment_status' => '',
				'ping_status'    => '',
				'sticky'         => -1,
				'post_format'    => -1,
			)
		);
		$this->assertCount( 2, $r['updated'] );
		$this->assertHeld( $a );
		$this->assertHeld( $b );
	}

	public function test_xmlrpc_new_post_is_held(): void {
		$xml = '<?xml version="1.0"?><methodCall><methodName>wp.newPost</methodName><params>'
			. '<param><value><int>1</int></value></param>'
			. '<param><value><string>bientap</string></value></param>'
			. '<param><value><string>bientap-pass</string></value></param>'
			. '<param><value><struct>'
			. '<member><name>post_title</name><value><string>Sạt lở đất vùi lấp nhà</string></value></member>'
			. '<member><name>post_content</name><value><string>Nội dung</string></value></member>'
			. '<member><name>post_status</name><value><string>publish</string></value></member>'
			. '<member><name>custom_fields</name><value><array><data><value><struct>'
			. '<member><name>key</name><value><string>_gatekeeper_tone</string></value></member>'
			. '<member><name>value</name><value><string>negative</string></value></member>'
			. '</struct></value></data></array></value></member>'
			. '</struct></value></param></params></methodCall>';
		$res = wp_remote_post(
			getenv( 'WP_URL' ) . '/xmlrpc.php',
			array(
				'headers' => array( 'Content-Type' => 'text/xml' ),
				'body'    => $xml,
				'timeout' => 15,
			)
		);
		$this->assertNotWPError( $res );
		$body = wp_remote_retrieve_body( $res );
		$this->assertMatchesRegularExpression( '#<string>(\d+)</string>#', $body, $body );
		preg_match( '#<string>(\d+)</string>#', $body, $m );
		$this->assertHeld( (int) $m[1] );
	}

	public function test_rest_with_application_password_is_held(): void {
		$user = get_user_by( 'login', 'bientap' );
		list( $password ) = WP_Application_Passwords::create_new_application_password( $user->ID, array( 'name' => 'test ' . wp_rand() ) );
		$res = wp_remote_post(
			getenv( 'WP_URL' ) . '/?rest_route=/wp/v2/posts',
			array(
				'headers' => array(
					'Authorization' => 'Basic ' . base64_encode( 'bientap:' . $password ),
					'Content-Type'  => 'application/json',
				),
				'body'    => wp_json_encode(
					array(
						'title'  => 'Vụ án tham nhũng được đưa ra xét xử',
						'status' => 'publish',
						'meta'   => array( Gate::META_TONE => 'negative' ),
					)
				),
				'timeout' => 15,
			)
		);
		$this->assertNotWPError( $res );
		$data = json_decode( wp_remote_retrieve_body( $res ), true );
		$this->assertSame( 201, wp_remote_retrieve_response_code( $res ), wp_remote_retrieve_body( $res ) );
		$this->assertSame( Gate::HELD, $data['status'] );
		$this->assertHeld( (int) $data['id'] );
	}

	public function test_programmatic_insert_and_update_are_held(): void {
		$new = wp_insert_post(
			array(
				'post_title'  => 'Nhập khẩu: tai nạn lao động',
				'post_status' => 'publish',
				'meta_input'  => array( Gate::META_TONE => 'negative' ),
			),
			true
		);
		$this->assertIsInt( $new );
		$this->assertHeld( $new );

		$id = $this->draft();
		wp_update_post(
			array(
				'ID'          => $id,
				'post_status' => 'publish',
			)
		);
		$this->assertHeld( $id );
	}

	public function test_scheduled_post_is_checked_at_go_live(): void {
		$id = wp_insert_post(
			array(
				'post_title'    => 'Hẹn giờ: vụ cháy chợ',
				'post_status'   => 'publish',
				'post_date'     => wp_date( 'Y-m-d H:i:s', time() + HOUR_IN_SECONDS ),
				'meta_input'    => array( Gate::META_TONE => 'negative' ),
			),
			true
		);
		$this->assertSame( 'future', $this->status( $id ), 'scheduling is not publishing' );
		$this->assertSame( '', get_post_meta( $id, Gate::META_DECISION, true ), 'no check when scheduled' );

		// Go-live time arrives: what WP-Cron runs.
		$this->go_live( $id );
		$this->assertHeld( $id );
	}

	public function test_wp_publish_post_is_caught_by_the_transition_guard(): void {
		$id = $this->draft();
		wp_publish_post( $id );
		$this->assertHeld( $id );
	}

	public function test_allowed_post_is_counted_once_and_withdrawn_when_it_leaves(): void {
		$a = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $a, 'post_status' => 'publish' ) );
		$this->assertSame( 'publish', $this->status( $a ) );
		$this->assertSame( 'allow', get_post_meta( $a, Gate::META_DECISION, true ) );
		$this->assertSame( array( 1, 0 ), $this->share() );

		// An edit that changes nothing the service reads is not re-sent; counts stay.
		wp_update_post( array( 'ID' => $a, 'post_status' => 'publish' ) );
		$this->assertSame( array( 1, 0 ), $this->share() );

		wp_trash_post( $a );
		$this->assertSame( array( 0, 0 ), $this->share(), 'trash withdraws' );

		$b = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $b, 'post_status' => 'publish' ) );
		$this->assertSame( array( 1, 0 ), $this->share() );
		wp_update_post( array( 'ID' => $b, 'post_status' => 'draft' ) );
		$this->assertSame( array( 0, 0 ), $this->share(), 'unpublish withdraws' );

		$c = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $c, 'post_status' => 'publish' ) );
		$this->assertSame( array( 1, 0 ), $this->share() );
		wp_delete_post( $c, true );
		$this->assertSame( array( 0, 0 ), $this->share(), 'delete withdraws' );
	}

	public function test_update_of_a_published_post_is_rechecked(): void {
		for ( $i = 0; $i < 9; $i++ ) {
			$p = $this->draft( 'neutral' );
			wp_update_post( array( 'ID' => $p, 'post_status' => 'publish' ) );
		}
		$id = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( array( 10, 0 ), $this->share() );

		// The editor now declares it negative: 1 of 10 = 10% ≤ 12%, allowed and re-counted as negative.
		wp_update_post(
			array(
				'ID'         => $id,
				'meta_input' => array( Gate::META_TONE => 'negative' ),
			)
		);
		$this->assertSame( 'publish', $this->status( $id ) );
		$this->assertSame( array( 10, 1 ), $this->share(), 're-check moved the count' );
	}

	public function test_held_post_republished_stays_held_with_the_same_hold(): void {
		$id = $this->draft();
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$first = $this->assertHeld( $id );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( $first, $this->assertHeld( $id ), 'one pending hold per post' );
	}

	public function test_contributor_cannot_review(): void {
		$this->assertFalse( user_can( get_user_by( 'login', 'phongvien' ), 'gatekeeper_review' ) );
		$this->assertTrue( user_can( get_user_by( 'login', 'quanly' ), 'gatekeeper_review' ) );
		$this->assertTrue( user_can( get_user_by( 'login', 'admin' ), 'gatekeeper_review' ) );
	}
}
