<?php
/**
 * Sync: tells the service every post published in its window (complete),
 * so counts follow what is really live. Daily by WP-Cron, and on demand.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Backfill / reconcile.
 */
final class Sync {

	/** Characters of content sent per post: a sync carries the whole window. */
	const CONTENT_CHARS = 4000;

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( Plugin::CRON_SYNC, array( __CLASS__, 'cron' ) );
		add_action( 'admin_post_gatekeeper_sync', array( __CLASS__, 'handle' ) );
	}

	/**
	 * A published post as a sync entry (with its go-live time), or null.
	 *
	 * @param int $post_id Post.
	 */
	public static function post_payload( int $post_id ): ?array {
		$post = get_post( $post_id );
		if ( ! $post || 'publish' !== $post->post_status ) {
			return null;
		}
		$p = Gate::collect( $post_id );
		if ( function_exists( 'mb_substr' ) ) {
			$p['content'] = mb_substr( wp_strip_all_tags( (string) $p['content'] ), 0, self::CONTENT_CHARS );
		}
		$p['published_at'] = Gate::rfc3339( $post->post_date_gmt );
		return $p;
	}

	/**
	 * Sends the window's published posts.
	 *
	 * @param bool  $complete Whether the list is everything (the service withdraws the rest).
	 * @param array $opts     Client options (webhook_id, timeout).
	 * @param bool  $queue    Queue a retry in the outbox if it fails.
	 * @return array{result: array, sent: int}
	 */
	public static function run( bool $complete = true, array $opts = array(), bool $queue = true ): array {
		$days = max( 1, (int) Settings::get( 'window_days' ) );
		$ids  = get_posts(
			array(
				'post_type'        => Settings::post_types(),
				'post_status'      => 'publish',
				'posts_per_page'   => -1,
				'fields'           => 'ids',
				'orderby'          => 'date',
				'order'            => 'ASC',
				'suppress_filters' => true,
				'date_query'       => array(
					array(
						'column' => 'post_date_gmt',
						'after'  => gmdate( 'Y-m-d H:i:s', time() - $days * DAY_IN_SECONDS ),
					),
				),
			)
		);
		$posts = array();
		foreach ( $ids as $id ) {
			$p = self::post_payload( (int) $id );
			if ( null !== $p ) {
				$posts[] = $p;
			}
		}
		$opts += array( 'timeout' => max( 10, (int) Settings::get( 'timeout_check' ) ) );
		$res   = Client::post(
			'sync',
			array(
				'posts'    => $posts,
				'complete' => $complete,
			),
			$opts
		);
		if ( $res['ok'] ) {
			$b = is_array( $res['body'] ) ? $res['body'] : array();
			update_option(
				'gatekeeper_last_sync',
				array(
					'at'        => time(),
					'sent'      => count( $posts ),
					'added'     => count( (array) ( $b['added'] ?? array() ) ),
					'withdrawn' => count( (array) ( $b['withdrawn'] ?? array() ) ),
				),
				false
			);
		} elseif ( $queue && Settings::configured() ) {
			Outbox::enqueue( 'sync', 0, 'POST', 'sync', null, '', $res );
		}
		return array(
			'result' => $res,
			'sent'   => count( $posts ),
		);
	}

	/**
	 * Daily run.
	 */
	public static function cron(): void {
		if ( Settings::configured() ) {
			self::run( true );
		}
	}

	/**
	 * "Sync published posts now".
	 */
	public static function handle(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Gatekeeper.', 'gatekeeper' ), 403 );
		}
		check_admin_referer( 'gatekeeper_sync' );
		$r   = self::run( true );
		$res = $r['result'];
		set_transient(
			'gatekeeper_test_' . get_current_user_id(),
			array(
				'ok'      => $res['ok'],
				'message' => $res['ok']
					/* translators: %d: number of posts */
					? sprintf( _n( 'Sync sent %d published post.', 'Sync sent %d published posts.', $r['sent'], 'gatekeeper' ), $r['sent'] )
					/* translators: %s: error detail */
					: sprintf( __( 'Sync could not reach Gatekeeper (%s); it is queued in the outbox.', 'gatekeeper' ), Client::describe_error( $res ) ),
			),
			60
		);
		wp_safe_redirect( admin_url( 'options-general.php?page=' . Settings::PAGE ) );
		exit;
	}
}
