<?php
/**
 * The outbox: every call that could not reach the service waits here (own
 * table) and is retried by WP-Cron with growing delays, with the same post
 * id and the same webhook id, so a repeat is harmless on the service side.
 *
 * Kinds: check (a post waiting for its check; the body is rebuilt from the
 * post at each try), withdraw, sync_post (a post published without a check,
 * replayed into the counts), sync (the full window, rebuilt at each try),
 * approve / reject (a review made in WordPress).
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Persisted retry queue.
 */
final class Outbox {

	const CRON_SOON = 'gatekeeper_outbox_soon';

	/** Answers that retrying cannot fix. */
	const PERMANENT = array( 400, 413, 415, 422 );

	/**
	 * Table name.
	 */
	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . 'gatekeeper_outbox';
	}

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( Plugin::CRON_OUTBOX, array( __CLASS__, 'run' ) );
		add_action( self::CRON_SOON, array( __CLASS__, 'run' ) );
		add_action( 'admin_post_gatekeeper_outbox_run', array( __CLASS__, 'handle_run' ) );
		add_action( 'admin_notices', array( __CLASS__, 'admin_notice' ) );
		add_action( Plugin::CRON_CLEANUP, array( __CLASS__, 'cleanup' ) );
	}

	/**
	 * Seconds to wait before attempt n+1 (1, 2, 4 … minutes, at most an hour).
	 *
	 * @param int $attempts Attempts made so far.
	 * @param int $retry_after Server's Retry-After, if any.
	 */
	public static function backoff( int $attempts, int $retry_after = 0 ): int {
		$delay = (int) min( HOUR_IN_SECONDS, MINUTE_IN_SECONDS * ( 2 ** max( 0, $attempts - 1 ) ) );
		return max( $delay, min( HOUR_IN_SECONDS, $retry_after ) );
	}

	/**
	 * Queues a call.
	 *
	 * @param string      $kind       Kind.
	 * @param int         $post_id    Post id (0 for none).
	 * @param string      $method     HTTP method.
	 * @param string      $path       Path under the outlet.
	 * @param array|null  $body       Body (null: rebuilt when sent).
	 * @param string      $webhook_id Webhook id of the failed call (kept for the retries).
	 * @param array       $failure    The failed result of Client::request(), if any.
	 * @return int Row id.
	 */
	public static function enqueue( string $kind, int $post_id, string $method, string $path, $body, string $webhook_id = '', array $failure = array() ): int {
		global $wpdb;
		$table = self::table();
		if ( in_array( $kind, array( 'check', 'sync', 'sync_post' ), true ) ) {
			// One pending entry per post and kind is enough: its body is rebuilt when sent.
			$existing = (int) $wpdb->get_var( $wpdb->prepare( "SELECT id FROM {$table} WHERE state = 'pending' AND kind = %s AND post_id = %d ORDER BY id LIMIT 1", $kind, $post_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			if ( $existing ) {
				return $existing;
			}
		}
		if ( 'withdraw' === $kind && $post_id ) {
			// The post left: its queued check or replay is moot.
			$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET state = 'cancelled', done_at = %s WHERE state = 'pending' AND post_id = %d AND kind IN ('check','sync_post')", current_time( 'mysql', true ), $post_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		}
		$delay = self::backoff( 1, (int) ( $failure['retry_after'] ?? 0 ) );
		$user  = wp_get_current_user();
		$wpdb->insert(
			$table,
			array(
				'kind'         => $kind,
				'post_id'      => $post_id,
				'webhook_id'   => '' !== $webhook_id ? $webhook_id : Client::new_id(),
				'method'       => $method,
				'path'         => $path,
				'body'         => null === $body ? null : Client::json( $body ),
				'state'        => 'pending',
				'attempts'     => $failure ? 1 : 0,
				'next_attempt' => gmdate( 'Y-m-d H:i:s', time() + ( $failure ? $delay : 0 ) ),
				'last_status'  => (int) ( $failure['status'] ?? 0 ),
				'last_error'   => (string) ( $failure['error'] ?? '' ),
				'actor'        => $user && $user->exists() ? $user->user_login : '',
				'created_at'   => current_time( 'mysql', true ),
			)
		);
		$id = (int) $wpdb->insert_id;
		self::schedule_soon( time() + ( $failure ? $delay : 0 ) );
		return $id;
	}

	/**
	 * Cancels a post's queued checks and replays (it was decided or it left).
	 *
	 * @param int $post_id Post.
	 */
	public static function cancel_checks( int $post_id ): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET state = 'cancelled', done_at = %s WHERE state = 'pending' AND post_id = %d AND kind = 'check'", current_time( 'mysql', true ), $post_id ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Makes sure a run happens at (or soon after) $at.
	 *
	 * @param int $at Unix time.
	 */
	public static function schedule_soon( int $at ): void {
		$next = wp_next_scheduled( self::CRON_SOON );
		if ( false === $next || $next > $at + 30 ) {
			if ( false !== $next ) {
				wp_unschedule_event( $next, self::CRON_SOON );
			}
			wp_schedule_single_event( max( time(), $at ), self::CRON_SOON );
		}
	}

	/**
	 * Pending rows (for people and tests).
	 *
	 * @param string $state State filter ('' for all).
	 * @param int    $limit Max rows.
	 */
	public static function rows( string $state = 'pending', int $limit = 50 ): array {
		global $wpdb;
		$table = self::table();
		if ( '' === $state ) {
			return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} ORDER BY id DESC LIMIT %d", $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		}
		return $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE state = %s ORDER BY id LIMIT %d", $state, $limit ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Number of pending rows.
	 */
	public static function pending_count(): int {
		global $wpdb;
		$table = self::table();
		return (int) $wpdb->get_var( "SELECT COUNT(*) FROM {$table} WHERE state = 'pending'" ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * Sends what is due, oldest first. Rows of a post whose earlier row failed
	 * in this run wait, so a post's calls reach the service in order.
	 *
	 * @param bool $all Send every pending row now, due or not ("Retry now").
	 * @return array{sent: int, failed: int}
	 */
	public static function run( bool $all = false ): array {
		global $wpdb;
		$table = self::table();
		$lock  = 'gatekeeper_outbox_lock';
		if ( ! add_option( $lock, time(), '', false ) ) {
			$since = (int) get_option( $lock );
			if ( $since > time() - 120 ) {
				return array(
					'sent'   => 0,
					'failed' => 0,
				);
			}
			update_option( $lock, time(), false );
		}
		$sent    = 0;
		$failed  = 0;
		$blocked = array();
		try {
			$now  = current_time( 'mysql', true );
			$rows = $all
				? $wpdb->get_results( "SELECT * FROM {$table} WHERE state = 'pending' ORDER BY id LIMIT 50", ARRAY_A ) // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
				: $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE state = 'pending' AND next_attempt <= %s ORDER BY id LIMIT 50", $now ), ARRAY_A ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
			foreach ( $rows as $row ) {
				$post_id = (int) $row['post_id'];
				if ( $post_id && isset( $blocked[ $post_id ] ) ) {
					continue;
				}
				$res = self::send( $row );
				if ( 'done' === $res['state'] || 'cancelled' === $res['state'] || 'failed' === $res['state'] ) {
					$wpdb->update(
						$table,
						array(
							'state'       => $res['state'],
							'attempts'    => (int) $row['attempts'] + ( $res['called'] ? 1 : 0 ),
							'last_status' => (int) $res['status'],
							'last_error'  => (string) $res['error'],
							'done_at'     => current_time( 'mysql', true ),
						),
						array( 'id' => (int) $row['id'] )
					);
					'failed' === $res['state'] ? $failed++ : $sent++;
					continue;
				}
				$attempts = (int) $row['attempts'] + 1;
				$delay    = self::backoff( $attempts, (int) $res['retry_after'] );
				$wpdb->update(
					$table,
					array(
						'attempts'     => $attempts,
						'next_attempt' => gmdate( 'Y-m-d H:i:s', time() + $delay ),
						'last_status'  => (int) $res['status'],
						'last_error'   => (string) $res['error'],
					),
					array( 'id' => (int) $row['id'] )
				);
				if ( $post_id ) {
					$blocked[ $post_id ] = true;
				}
				++$failed;
				self::schedule_soon( time() + $delay );
			}
		} finally {
			delete_option( $lock );
		}
		return array(
			'sent'   => $sent,
			'failed' => $failed,
		);
	}

	/**
	 * Sends one row. state: done, cancelled, failed (permanent) or pending (try again).
	 *
	 * @param array $row Outbox row.
	 */
	private static function send( array $row ): array {
		$post_id = (int) $row['post_id'];
		$opts    = array(
			'webhook_id' => $row['webhook_id'],
			'timeout'    => (int) Settings::get( 'timeout_check' ),
		);
		$result  = array(
			'state'       => 'pending',
			'status'      => 0,
			'error'       => '',
			'retry_after' => 0,
			'called'      => true,
		);
		switch ( $row['kind'] ) {
			case 'check':
				$sent  = json_decode( (string) $row['body'], true );
				$state = Gate::retry_check( $post_id, $row['webhook_id'], is_array( $sent ) ? (string) ( $sent['hash'] ?? '' ) : '' );
				if ( isset( $state['webhook_id'] ) && $state['webhook_id'] !== $row['webhook_id'] ) {
					// The text changed since the first call: its next retries repeat this one.
					global $wpdb;
					$wpdb->update(
						self::table(),
						array(
							'webhook_id' => $state['webhook_id'],
							'body'       => Client::json( array( 'hash' => $state['hash'] ) ),
						),
						array( 'id' => (int) $row['id'] )
					);
				}
				if ( null === $state['result'] ) {
					$result['state']  = 'cancelled';
					$result['called'] = false;
					return $result;
				}
				$res = $state['result'];
				break;
			case 'sync':
				$res = Sync::run( true, $opts, false );
				$res = $res['result'];
				break;
			case 'sync_post':
				$payload = Sync::post_payload( $post_id );
				if ( null === $payload ) {
					$result['state']  = 'cancelled';
					$result['called'] = false;
					return $result;
				}
				$res = Client::post(
					'sync',
					array(
						'posts'    => array( $payload ),
						'complete' => false,
					),
					$opts
				);
				break;
			case 'approve':
			case 'reject':
				$res = Client::request( $row['method'], $row['path'], (string) $row['body'], $opts );
				if ( $res['ok'] || 409 === $res['status'] ) {
					Review::after_remote_resolution( $post_id, $row['kind'], $res, (string) $row['body'] );
				}
				break;
			default:
				$res = Client::request( $row['method'], $row['path'], null === $row['body'] ? null : (string) $row['body'], $opts );
		}
		$result['status']      = $res['status'];
		$result['error']       = $res['error'];
		$result['retry_after'] = $res['retry_after'];
		if ( $res['ok'] ) {
			$result['state'] = 'done';
		} elseif ( 'withdraw' === $row['kind'] && Gate::never_seen( $res ) ) {
			$result['state'] = 'done'; // The service never counted it.
		} elseif ( in_array( $row['kind'], array( 'approve', 'reject' ), true ) && 409 === $res['status'] ) {
			$result['state'] = 'done'; // Already resolved; the post was put in line with it.
		} elseif ( in_array( (int) $res['status'], self::PERMANENT, true ) ) {
			$result['state'] = 'failed';
		}
		return $result;
	}

	/**
	 * Tools → "Retry now".
	 */
	public static function handle_run(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Gatekeeper.', 'gatekeeper' ), 403 );
		}
		check_admin_referer( 'gatekeeper_outbox_run' );
		$r = self::run( true );
		set_transient(
			'gatekeeper_test_' . get_current_user_id(),
			array(
				'ok'      => 0 === $r['failed'],
				'message' => sprintf(
					/* translators: 1: calls sent, 2: calls still waiting */
					__( 'Outbox: %1$d sent, %2$d still waiting.', 'gatekeeper' ),
					$r['sent'],
					$r['failed']
				),
			),
			60
		);
		wp_safe_redirect( admin_url( 'options-general.php?page=' . Settings::PAGE ) );
		exit;
	}

	/**
	 * Kind in words.
	 *
	 * @param string $kind Kind.
	 */
	public static function kind_label( string $kind ): string {
		$labels = array(
			'check'     => __( 'Check before publishing', 'gatekeeper' ),
			'withdraw'  => __( 'Withdraw from the counts', 'gatekeeper' ),
			'sync_post' => __( 'Report a post published without a check', 'gatekeeper' ),
			'sync'      => __( 'Sync published posts', 'gatekeeper' ),
			'approve'   => __( 'Approval', 'gatekeeper' ),
			'reject'    => __( 'Rejection', 'gatekeeper' ),
		);
		return $labels[ $kind ] ?? $kind;
	}

	/**
	 * The outbox table on the settings screen.
	 */
	public static function render_admin(): void {
		$rows = self::rows( 'pending', 100 );
		echo '<h2>' . esc_html__( 'Outbox', 'gatekeeper' ) . '</h2>';
		if ( ! $rows ) {
			echo '<p>' . esc_html__( 'Nothing waiting: every call reached the service.', 'gatekeeper' ) . '</p>';
		} else {
			echo '<p>' . esc_html__( 'Calls that could not reach the service. They are retried automatically, with the same post and request id.', 'gatekeeper' ) . '</p>';
			echo '<table class="widefat striped gatekeeper-outbox"><thead><tr>';
			foreach ( array( __( 'What', 'gatekeeper' ), __( 'Post', 'gatekeeper' ), __( 'Attempts', 'gatekeeper' ), __( 'Next try', 'gatekeeper' ), __( 'Last error', 'gatekeeper' ) ) as $h ) {
				echo '<th>' . esc_html( $h ) . '</th>';
			}
			echo '</tr></thead><tbody>';
			foreach ( $rows as $row ) {
				$post = $row['post_id'] ? get_post( (int) $row['post_id'] ) : null;
				echo '<tr><td>' . esc_html( self::kind_label( $row['kind'] ) ) . '</td><td>';
				if ( $post ) {
					echo '<a href="' . esc_url( (string) get_edit_post_link( $post->ID ) ) . '">' . esc_html( get_the_title( $post ) ) . '</a>';
				} else {
					echo '—';
				}
				echo '</td><td>' . (int) $row['attempts'] . '</td><td>' . esc_html( get_date_from_gmt( $row['next_attempt'], get_option( 'date_format' ) . ' H:i:s' ) ) . '</td><td>' . esc_html( (string) $row['last_error'] ) . '</td></tr>';
			}
			echo '</tbody></table>';
		}
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		wp_nonce_field( 'gatekeeper_outbox_run' );
		echo '<input type="hidden" name="action" value="gatekeeper_outbox_run" />';
		submit_button( __( 'Retry now', 'gatekeeper' ), 'secondary', 'submit', false );
		echo '</form>';
	}

	/**
	 * A notice for administrators while calls wait.
	 */
	public static function admin_notice(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			return;
		}
		$n = self::pending_count();
		if ( $n < 1 ) {
			return;
		}
		printf(
			'<div class="notice notice-warning"><p>%1$s <a href="%2$s">%3$s</a></p></div>',
			esc_html(
				sprintf(
					/* translators: %d: number of calls */
					_n( 'Gatekeeper: %d call is waiting to reach the service.', 'Gatekeeper: %d calls are waiting to reach the service.', $n, 'gatekeeper' ),
					$n
				)
			),
			esc_url( admin_url( 'options-general.php?page=' . Settings::PAGE ) ),
			esc_html__( 'See the outbox', 'gatekeeper' )
		);
	}

	/**
	 * Drops finished rows older than 30 days.
	 */
	public static function cleanup(): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE state <> 'pending' AND done_at < %s", gmdate( 'Y-m-d H:i:s', time() - 30 * DAY_IN_SECONDS ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}
}
