<?php
/**
 * The service's signed callbacks (hold.approved, hold.rejected) and the
 * WP-Cron poll of pending holds for sites the service cannot reach.
 *
 * Each callback is verified (Standard Webhooks signature with the callback
 * key derived from the outlet's secret, never the secret's own key;
 * timestamp within ±5 minutes) and acted on once per webhook id: a
 * repeat gets 200 and changes nothing.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Callback route and hold poll.
 */
final class Callbacks {

	const TOLERANCE = 300;

	/**
	 * Table of webhook ids already acted on.
	 */
	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . 'gatekeeper_seen';
	}

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
		add_action( Plugin::CRON_POLL, array( __CLASS__, 'poll' ) );
		add_action( Plugin::CRON_CLEANUP, array( __CLASS__, 'cleanup' ) );
	}

	/**
	 * The callback URL to give the service.
	 */
	public static function url(): string {
		return rest_url( Rest::NS . '/callback' );
	}

	/**
	 * POST gatekeeper/v1/callback. Public: the signature is the authentication.
	 */
	public static function routes(): void {
		register_rest_route(
			Rest::NS,
			'/callback',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'receive' ),
				'permission_callback' => '__return_true',
			)
		);
	}

	/**
	 * Verifies a signed request. Returns the webhook id, or a WP_Error (401).
	 *
	 * @param string $id     webhook-id.
	 * @param string $ts     webhook-timestamp.
	 * @param string $sigs   webhook-signature.
	 * @param string $body   Raw body.
	 * @param int    $now    Unix time.
	 * @return string|\WP_Error
	 */
	public static function verify( string $id, string $ts, string $sigs, string $body, int $now ) {
		if ( '' === $id || '' === $ts || '' === $sigs ) {
			return self::unauthorized( 'missing_headers', __( 'webhook-id, webhook-timestamp and webhook-signature are required.', 'gatekeeper' ) );
		}
		if ( ! preg_match( '/^\d{1,12}$/', $ts ) ) {
			return self::unauthorized( 'bad_timestamp', __( 'webhook-timestamp is not a Unix time.', 'gatekeeper' ) );
		}
		if ( abs( $now - (int) $ts ) > self::TOLERANCE ) {
			return self::unauthorized( 'expired', __( 'webhook-timestamp is too far from now.', 'gatekeeper' ) );
		}
		$key = Client::key( (string) Settings::get( 'secret' ) );
		if ( null === $key || ! Client::verify( Client::callback_key( $key ), $id, $ts, $body, $sigs ) ) {
			return self::unauthorized( 'bad_signature', __( 'No signature matches.', 'gatekeeper' ) );
		}
		return $id;
	}

	/**
	 * A 401 error.
	 *
	 * @param string $code    Code.
	 * @param string $message Message.
	 */
	private static function unauthorized( string $code, string $message ): \WP_Error {
		return new \WP_Error( 'gatekeeper_' . $code, $message, array( 'status' => 401 ) );
	}

	/**
	 * Handles one callback.
	 *
	 * @param \WP_REST_Request $request Request.
	 */
	public static function receive( $request ) {
		$body = (string) $request->get_body();
		$id   = self::verify(
			(string) $request->get_header( 'webhook-id' ),
			(string) $request->get_header( 'webhook-timestamp' ),
			(string) $request->get_header( 'webhook-signature' ),
			$body,
			time()
		);
		if ( is_wp_error( $id ) ) {
			return $id;
		}
		$event = json_decode( $body, true );
		if ( ! is_array( $event ) || ! isset( $event['type'] ) ) {
			return new \WP_Error( 'gatekeeper_bad_body', __( 'The body is not a Gatekeeper event.', 'gatekeeper' ), array( 'status' => 400 ) );
		}
		if ( ! self::first_time( $id ) ) {
			return rest_ensure_response(
				array(
					'result' => 'duplicate',
					'id'     => $id,
				)
			);
		}
		try {
			$result = self::handle( $event );
		} catch ( \Throwable $e ) {
			self::forget( $id ); // Let the service's retry do it again.
			return new \WP_Error( 'gatekeeper_failed', $e->getMessage(), array( 'status' => 500 ) );
		}
		return rest_ensure_response( $result );
	}

	/**
	 * Claims a webhook id (atomic: the primary key decides).
	 *
	 * @param string $id Webhook id.
	 */
	public static function first_time( string $id ): bool {
		global $wpdb;
		$table = self::table();
		$done  = $wpdb->query( $wpdb->prepare( "INSERT IGNORE INTO {$table} (webhook_id, received_at) VALUES (%s, %s)", substr( $id, 0, 128 ), current_time( 'mysql', true ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		return 1 === (int) $done;
	}

	/**
	 * Releases a webhook id whose handling failed.
	 *
	 * @param string $id Webhook id.
	 */
	private static function forget( string $id ): void {
		global $wpdb;
		$wpdb->delete( self::table(), array( 'webhook_id' => substr( $id, 0, 128 ) ) );
	}

	/**
	 * Acts on an event.
	 *
	 * @param array $event Decoded body.
	 */
	public static function handle( array $event ): array {
		$hold    = isset( $event['hold'] ) && is_array( $event['hold'] ) ? $event['hold'] : array();
		$post_id = (int) ( $event['post_id'] ?? ( $hold['post_id'] ?? 0 ) );
		$hold_id = (string) ( $hold['id'] ?? '' );
		$note    = (string) ( $event['note'] ?? ( $hold['note'] ?? '' ) );
		$who     = self::local_reviewer( (string) ( $event['reviewer'] ?? ( $hold['reviewer'] ?? '' ) ) );
		switch ( $event['type'] ) {
			case 'hold.approved':
				$r = Review::apply_approval( $post_id, $hold_id, $who, $note, (string) ( $event['digest'] ?? ( $hold['digest'] ?? '' ) ) );
				break;
			case 'hold.rejected':
				$r = Review::apply_rejection( $post_id, $hold_id, $who, $note );
				break;
			default:
				$r = 'ignored';
		}
		return array(
			'result'  => $r,
			'post_id' => (string) $post_id,
		);
	}

	/**
	 * The reviewer as this site names them: the service marks a reviewer who
	 * decided in the CMS as "cms:LOGIN"; here that is simply LOGIN.
	 *
	 * @param string $who Reviewer from the service.
	 */
	public static function local_reviewer( string $who ): string {
		return str_starts_with( $who, 'cms:' ) ? substr( $who, 4 ) : $who;
	}

	/**
	 * WP-Cron: asks the service about each held post's hold.
	 *
	 * @return array<int,string> What happened to each post.
	 */
	public static function poll(): array {
		if ( ! Settings::configured() ) {
			return array();
		}
		$done  = array();
		$posts = get_posts(
			array(
				'post_type'      => Settings::post_types(),
				'post_status'    => Gate::HELD,
				'posts_per_page' => 100,
				'fields'         => 'ids',
				'orderby'        => 'date',
				'order'          => 'ASC',
			)
		);
		foreach ( $posts as $post_id ) {
			$hold_id = (string) get_post_meta( $post_id, Gate::META_HOLD, true );
			if ( '' === $hold_id ) {
				continue;
			}
			$res = Client::get( 'holds/' . rawurlencode( $hold_id ), array( 'timeout' => (int) Settings::get( 'timeout_check' ) ) );
			if ( ! $res['ok'] || ! is_array( $res['body'] ) ) {
				if ( $res['retryable'] ) {
					break; // The service is down: try again at the next run.
				}
				continue;
			}
			$hold = isset( $res['body']['hold'] ) && is_array( $res['body']['hold'] ) ? $res['body']['hold'] : $res['body'];
			switch ( $hold['status'] ?? '' ) {
				case 'approved':
					$done[ $post_id ] = Review::apply_approval( (int) $post_id, $hold_id, self::local_reviewer( (string) ( $hold['reviewer'] ?? '' ) ), (string) ( $hold['note'] ?? '' ), (string) ( $hold['digest'] ?? '' ) );
					break;
				case 'rejected':
					$done[ $post_id ] = Review::apply_rejection( (int) $post_id, $hold_id, self::local_reviewer( (string) ( $hold['reviewer'] ?? '' ) ), (string) ( $hold['note'] ?? '' ) );
					break;
				case 'cancelled':
					// The service let go of it: ask again.
					delete_post_meta( $post_id, Gate::META_HOLD );
					update_post_meta( $post_id, Gate::META_DECISION, 'wait' );
					Gate::set_status( (int) $post_id, Gate::WAIT, false );
					Outbox::enqueue( 'check', (int) $post_id, 'POST', 'check', null );
					$done[ $post_id ] = 'recheck';
					break;
			}
		}
		return $done;
	}

	/**
	 * Forgets webhook ids older than a day (timestamps older than 5 minutes are refused anyway).
	 */
	public static function cleanup(): void {
		global $wpdb;
		$table = self::table();
		$wpdb->query( $wpdb->prepare( "DELETE FROM {$table} WHERE received_at < %s", gmdate( 'Y-m-d H:i:s', time() - DAY_IN_SECONDS ) ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}
}
