<?php
/**
 * Nothing lost: calls that cannot reach the service wait in the outbox and
 * are retried with the same post id and webhook id; sync repairs drift.
 */

use Gatekeeper\Gate;
use Gatekeeper\Outbox;
use Gatekeeper\Review;
use Gatekeeper\Sync;

final class OutboxTest extends GatekeeperTestCase {

	private function rows_for( int $id ): array {
		return array_values(
			array_filter(
				Outbox::rows( '', 500 ),
				static fn( $r ) => (int) $r['post_id'] === $id
			)
		);
	}

	public function test_service_down_parks_the_post_and_the_outbox_decides_it_later(): void {
		$this->configure( array( 'url' => self::closed_url() ) );
		$id = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( Gate::WAIT, $this->status( $id ), 'visible "waiting for check" state' );
		$rows = $this->rows_for( $id );
		$this->assertCount( 1, $rows );
		$this->assertSame( 'check', $rows[0]['kind'] );
		$this->assertSame( 'pending', $rows[0]['state'] );
		$webhook = $rows[0]['webhook_id'];

		// Still down: retried, same webhook id, later next attempt.
		Outbox::run( true );
		$rows = $this->rows_for( $id );
		$this->assertSame( $webhook, $rows[0]['webhook_id'] );
		$this->assertGreaterThanOrEqual( 2, (int) $rows[0]['attempts'] );
		$this->assertSame( Gate::WAIT, $this->status( $id ) );

		// Back up.
		$this->configure( array() );
		Outbox::run( true );
		$this->assertSame( 'publish', $this->status( $id ) );
		$this->assertSame( 'done', $this->rows_for( $id )[0]['state'] );
		$this->assertSame( array( 1, 0 ), $this->share() );
	}

	public function test_negative_post_parked_while_down_ends_held(): void {
		$this->configure( array( 'url' => self::closed_url() ) );
		$id = $this->draft();
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( Gate::WAIT, $this->status( $id ) );
		$this->configure( array() );
		Outbox::run( true );
		$this->assertHeld( $id );
	}

	public function test_withdrawal_while_down_is_queued_and_sent(): void {
		$id = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( array( 1, 0 ), $this->share() );
		$this->configure( array( 'url' => self::closed_url() ) );
		wp_trash_post( $id );
		$rows = $this->rows_for( $id );
		$this->assertSame( 'withdraw', $rows[0]['kind'] );
		$this->configure( array() );
		$this->assertSame( array( 1, 0 ), $this->share(), 'not yet withdrawn' );
		Outbox::run( true );
		$this->assertSame( array( 0, 0 ), $this->share() );
		$this->assertSame( 'done', $this->rows_for( $id )[0]['state'] );
	}

	public function test_fail_open_policy_publishes_and_replays_into_the_counts(): void {
		$this->configure(
			array(
				'url'            => self::closed_url(),
				'failure_policy' => 'publish',
			)
		);
		$id = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( 'publish', $this->status( $id ) );
		$this->assertSame( 'unchecked', get_post_meta( $id, Gate::META_DECISION, true ) );
		$this->assertSame( 'sync_post', $this->rows_for( $id )[0]['kind'] );
		$this->configure( array( 'failure_policy' => 'publish' ) );
		Outbox::run( true );
		$this->assertSame( array( 1, 0 ), $this->share() );
	}

	public function test_publish_anyway_is_recorded_and_replayed(): void {
		$this->configure( array( 'url' => self::closed_url() ) );
		$id = $this->draft( 'neutral' );
		wp_update_post( array( 'ID' => $id, 'post_status' => 'publish' ) );
		$this->assertSame( Gate::WAIT, $this->status( $id ) );

		$this->login( 'quanly' );
		$this->assertSame( 'override', Review::override( $id, 'Tin khẩn cấp về thời tiết' ) );
		$this->assertSame( 'publish', $this->status( $id ) );
		$o = get_post_meta( $id, Gate::META_OVERRIDE, true );
		$this->assertSame( 'quanly', $o['by'] );
		$this->assertSame( 'Tin khẩn cấp về thời tiết', $o['reason'] );
		$kinds = array_column( array_filter( $this->rows_for( $id ), static fn( $r ) => 'pending' === $r['state'] ), 'kind' );
		$this->assertSame( array( 'sync_post' ), array_values( $kinds ), 'the check is cancelled, the replay queued' );

		$this->configure( array() );
		Outbox::run( true );
		$this->assertSame( array( 1, 0 ), $this->share(), 'replayed into the counts' );
	}

	public function test_sync_sends_the_window_and_repairs_drift(): void {
		$ids = array();
		for ( $i = 0; $i < 3; $i++ ) {
			$ids[] = $p = $this->draft( 'neutral' );
			wp_update_post( array( 'ID' => $p, 'post_status' => 'publish' ) );
		}
		$this->assertSame( array( 3, 0 ), $this->share() );
		// Drift: a post removed behind WordPress's back (no hooks ran).
		global $wpdb;
		$wpdb->update( $wpdb->posts, array( 'post_status' => 'draft' ), array( 'ID' => $ids[0] ) );
		clean_post_cache( $ids[0] );
		// Only posts of this test are live in this outlet's eyes: keep the others out of the window.
		$r = Sync::run( true );
		$this->assertTrue( $r['result']['ok'], $r['result']['error'] );
		$withdrawn = array_map( 'strval', (array) ( $r['result']['body']['withdrawn'] ?? array() ) );
		$this->assertContains( (string) $ids[0], $withdrawn );
		list( $published ) = $this->share();
		$this->assertSame( $r['sent'], $published, 'counts equal what is really live' );
	}
}
