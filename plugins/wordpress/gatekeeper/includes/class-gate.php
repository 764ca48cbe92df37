<?php
/**
 * Enforcement: no post of a gated type goes live without the service's
 * verdict, whatever the path.
 *
 * - wp_insert_post_data (priority 99): block editor / REST, classic editor,
 *   Quick Edit, Bulk Edit, XML-RPC, application passwords, programmatic
 *   wp_insert_post() / wp_update_post(). A new post (no id yet) is parked in
 *   "waiting for check" and checked right after it is inserted.
 * - publish_future_post (priority 5): scheduled posts, checked at go-live.
 * - transition_post_status (priority 1): wp_publish_post() and anything else
 *   that writes the status directly; also withdraws posts that stop being live.
 * - before_delete_post: withdraws a live or held post that is deleted.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * The publish gate.
 */
final class Gate {

	const HELD = 'gatekeeper-held';
	const WAIT = 'gatekeeper-wait';

	const META_TONE     = '_gatekeeper_tone';
	const META_DECISION = '_gatekeeper_decision';
	const META_ANSWER   = '_gatekeeper_answer';
	const META_HOLD     = '_gatekeeper_hold_id';
	const META_HASH     = '_gatekeeper_hash';
	const META_NOTE     = '_gatekeeper_note';
	const META_REVIEWER = '_gatekeeper_reviewer';
	const META_OVERRIDE = '_gatekeeper_override';
	const META_WAITING  = '_gatekeeper_waiting_since';

	const TONES = array( 'negative', 'neutral', 'positive' );

	/** @var array<int,string> Posts this request moves on purpose (approval, rejection, our own status changes). */
	private static array $bypass = array();

	/** @var array<int,bool> Posts checked in this request: the transition guard leaves them alone. */
	private static array $checked = array();

	/** @var array<int,bool> Posts held after a re-check: the service already knows, no withdrawal. */
	private static array $no_withdraw = array();

	/** @var array<int,array> Terms and meta of the REST request being saved, by post id (0: new post). */
	private static array $rest = array();

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'init', array( __CLASS__, 'register_meta' ) );
		add_filter( 'wp_insert_post_data', array( __CLASS__, 'filter_insert_data' ), 99, 4 );
		add_action( 'wp_insert_post', array( __CLASS__, 'after_insert' ), 5, 3 );
		add_action( 'publish_future_post', array( __CLASS__, 'on_publish_future' ), 5 );
		add_action( 'transition_post_status', array( __CLASS__, 'on_transition' ), 1, 3 );
		add_action( 'before_delete_post', array( __CLASS__, 'on_delete' ), 10, 2 );
		add_action( 'rest_api_init', array( __CLASS__, 'hook_rest_types' ) );
	}

	/**
	 * The declared tone, editable in the block editor (REST) and by XML-RPC custom fields.
	 */
	public static function register_meta(): void {
		foreach ( Settings::post_types() as $type ) {
			register_post_meta(
				$type,
				self::META_TONE,
				array(
					'type'              => 'string',
					'single'            => true,
					'default'           => '',
					// Editors read and write it (context=edit); published posts do not show it to visitors.
					'show_in_rest'      => array(
						'schema' => array(
							'type'    => 'string',
							'enum'    => array( '', 'negative', 'neutral', 'positive' ),
							'context' => array( 'edit' ),
						),
					),
					'sanitize_callback' => array( __CLASS__, 'sanitize_tone' ),
					'auth_callback'     => static function ( $allowed, $meta_key, $post_id ) {
						return current_user_can( 'edit_post', (int) $post_id );
					},
				)
			);
		}
	}

	/**
	 * "negative", "neutral", "positive" or "".
	 *
	 * @param mixed $tone Value.
	 */
	public static function sanitize_tone( $tone ): string {
		$tone = strtolower( trim( (string) $tone ) );
		return in_array( $tone, self::TONES, true ) ? $tone : '';
	}

	/**
	 * Captures the terms and meta of REST saves (they are applied after wp_insert_post()).
	 */
	public static function hook_rest_types(): void {
		foreach ( Settings::post_types() as $type ) {
			add_filter( "rest_pre_insert_{$type}", array( __CLASS__, 'capture_rest' ), 10, 2 );
		}
	}

	/**
	 * Keeps categories, tags and the declared tone sent with a REST save.
	 *
	 * @param \stdClass        $prepared Post about to be saved.
	 * @param \WP_REST_Request $request  Request.
	 */
	public static function capture_rest( $prepared, $request ) {
		$id    = isset( $prepared->ID ) ? (int) $prepared->ID : 0;
		$entry = array();
		if ( isset( $request['categories'] ) && is_array( $request['categories'] ) ) {
			$entry['categories'] = array_map( 'intval', $request['categories'] );
		}
		if ( isset( $request['tags'] ) && is_array( $request['tags'] ) ) {
			$entry['tags'] = array_map( 'intval', $request['tags'] );
		}
		$meta = $request['meta'];
		if ( is_array( $meta ) && array_key_exists( self::META_TONE, $meta ) ) {
			$entry['tone'] = self::sanitize_tone( $meta[ self::META_TONE ] );
		}
		self::$rest[ $id ] = $entry;
		return $prepared;
	}

	/**
	 * Lets the next saves of this post through unchecked (approvals, our own moves).
	 *
	 * @param int    $post_id Post.
	 * @param string $why     Reason.
	 */
	public static function bypass( int $post_id, string $why ): void {
		self::$bypass[ $post_id ] = $why;
	}

	/**
	 * Ends a bypass.
	 *
	 * @param int $post_id Post.
	 */
	public static function end_bypass( int $post_id ): void {
		unset( self::$bypass[ $post_id ] );
	}

	/**
	 * Whether this post type is gated and the service configured.
	 *
	 * @param string $type Post type.
	 */
	public static function gated( string $type ): bool {
		return in_array( $type, Settings::post_types(), true ) && Settings::configured();
	}

	/**
	 * The main gate, on every wp_insert_post() / wp_update_post().
	 *
	 * @param array $data        Slashed post fields about to be written.
	 * @param array $postarr     Slashed input.
	 * @param array $unsanitized Input before sanitising.
	 * @param bool  $update      Whether this updates an existing post.
	 */
	public static function filter_insert_data( $data, $postarr, $unsanitized = array(), $update = false ) {
		$id = isset( $postarr['ID'] ) ? (int) $postarr['ID'] : 0;
		if ( 'publish' !== ( $data['post_status'] ?? '' ) || ! self::gated( (string) $data['post_type'] ) ) {
			return $data;
		}
		if ( $id && isset( self::$bypass[ $id ] ) ) {
			return $data;
		}
		if ( ! $id ) {
			// No id to send yet: park it, check it as soon as it has one (after_insert).
			$data['post_status'] = self::WAIT;
			return $data;
		}
		$old = get_post_status( $id );
		$payload = self::collect( $id, $data, $postarr );
		if ( 'publish' === $old ) {
			return self::recheck_update( $id, $data, $payload );
		}
		$res                    = self::call_check( $id, $payload );
		self::$checked[ $id ]   = true;
		$data['post_status']    = self::apply( $id, $res, $payload );
		return $data;
	}

	/**
	 * An edit of a live post: re-checked (with its go-live time) when what the
	 * service reads changed. A hold takes it off the site.
	 *
	 * @param int   $id      Post.
	 * @param array $data    Post fields.
	 * @param array $payload Check payload.
	 */
	private static function recheck_update( int $id, array $data, array $payload ): array {
		if ( self::hash( $payload ) === get_post_meta( $id, self::META_HASH, true ) ) {
			return $data;
		}
		$post                    = get_post( $id );
		$payload['published_at'] = self::rfc3339( $post ? $post->post_date_gmt : '' );
		$res                     = self::call_check( $id, $payload );
		self::$checked[ $id ]    = true;
		if ( ! self::answer_ok( $res ) ) {
			Outbox::enqueue( 'check', $id, 'POST', 'check', null, $res['webhook_id'], $res );
			return $data; // Still live and counted; the re-check is retried.
		}
		self::record( $id, $res['body'], $payload );
		if ( 'hold' === $res['body']['decision'] ) {
			self::$no_withdraw[ $id ] = true;
			$data['post_status']      = self::HELD;
		}
		return $data;
	}

	/**
	 * A new post that asked to go live, now that it has an id.
	 *
	 * @param int      $post_id Post.
	 * @param \WP_Post $post    Post.
	 * @param bool     $update  Update or insert.
	 */
	public static function after_insert( $post_id, $post, $update ): void {
		if ( $update || self::WAIT !== $post->post_status || isset( self::$bypass[ $post_id ] ) || ! self::gated( $post->post_type ) ) {
			return;
		}
		if ( '' !== (string) get_post_meta( $post_id, self::META_DECISION, true ) ) {
			return;
		}
		if ( isset( self::$rest[0] ) ) {
			self::$rest[ $post_id ] = self::$rest[0];
			unset( self::$rest[0] );
		}
		$payload                   = self::collect( $post_id );
		$res                       = self::call_check( $post_id, $payload );
		self::$checked[ $post_id ] = true;
		$status                    = self::apply( $post_id, $res, $payload );
		if ( self::WAIT !== $status ) {
			self::set_status( $post_id, $status, false );
		}
	}

	/**
	 * Scheduled posts: checked at go-live time, before core publishes them.
	 *
	 * @param int $post_id Post.
	 */
	public static function on_publish_future( $post_id ): void {
		$post = get_post( $post_id );
		if ( ! $post || 'future' !== $post->post_status || ! self::gated( $post->post_type ) || isset( self::$bypass[ $post->ID ] ) ) {
			return;
		}
		if ( strtotime( $post->post_date_gmt . ' GMT' ) > time() ) {
			return; // Core reschedules it.
		}
		$payload                    = self::collect( $post->ID );
		$res                        = self::call_check( $post->ID, $payload );
		self::$checked[ $post->ID ] = true;
		$status                     = self::apply( $post->ID, $res, $payload );
		if ( 'publish' !== $status ) {
			self::set_status( $post->ID, $status, false ); // No longer "future": core leaves it alone.
		}
	}

	/**
	 * Safety net for writes that skip wp_insert_post_data (wp_publish_post()),
	 * and withdrawal of posts that stop being live.
	 *
	 * @param string   $new  New status.
	 * @param string   $old  Old status.
	 * @param \WP_Post $post Post.
	 */
	public static function on_transition( $new, $old, $post ): void {
		if ( $new === $old || ! $post instanceof \WP_Post || ! self::gated( $post->post_type ) ) {
			return;
		}
		$id = (int) $post->ID;
		if ( 'publish' === $old && 'publish' !== $new ) {
			if ( empty( self::$no_withdraw[ $id ] ) ) {
				self::withdraw( $id );
			}
			unset( self::$no_withdraw[ $id ] );
			return;
		}
		if ( self::HELD === $old && ! in_array( $new, array( 'publish', self::HELD ), true ) && ! isset( self::$bypass[ $id ] ) ) {
			self::withdraw( $id ); // Cancels the pending hold.
			return;
		}
		if ( 'publish' !== $new || isset( self::$bypass[ $id ] ) || isset( self::$checked[ $id ] ) ) {
			return;
		}
		// Went live without passing wp_insert_post_data (e.g. wp_publish_post()).
		$payload              = self::collect( $id );
		$res                  = self::call_check( $id, $payload );
		self::$checked[ $id ] = true;
		$status               = self::apply( $id, $res, $payload );
		if ( 'publish' !== $status ) {
			global $wpdb;
			$wpdb->update( $wpdb->posts, array( 'post_status' => $status ), array( 'ID' => $id ) );
			clean_post_cache( $id );
			$post->post_status = $status;
			/**
			 * Fires when the transition guard took a post that went live without a check off the site.
			 *
			 * @param int    $id     Post.
			 * @param string $status Status it got.
			 */
			do_action( 'gatekeeper_guard_diverted', $id, $status );
		}
	}

	/**
	 * A deleted post leaves the counts (a trashed one does through the status change).
	 *
	 * @param int           $post_id Post.
	 * @param \WP_Post|null $post    Post.
	 */
	public static function on_delete( $post_id, $post = null ): void {
		$post = $post instanceof \WP_Post ? $post : get_post( $post_id );
		if ( ! $post || ! self::gated( $post->post_type ) ) {
			return;
		}
		if ( in_array( $post->post_status, array( 'publish', self::HELD ), true ) ) {
			self::withdraw( (int) $post->ID );
		}
		global $wpdb;
		$table = Outbox::table();
		$wpdb->query( $wpdb->prepare( "UPDATE {$table} SET state = 'cancelled', done_at = %s WHERE state = 'pending' AND post_id = %d AND kind IN ('check','sync_post')", current_time( 'mysql', true ), (int) $post->ID ) ); // phpcs:ignore WordPress.DB.PreparedSQL.InterpolatedNotPrepared
	}

	/**
	 * DELETE /posts/{id}, or the outbox if the service cannot be reached.
	 *
	 * @param int $post_id Post.
	 */
	public static function withdraw( int $post_id ): void {
		$path = 'posts/' . rawurlencode( (string) $post_id );
		$res  = Client::request( 'DELETE', $path );
		delete_post_meta( $post_id, self::META_HASH );
		if ( $res['ok'] || self::never_seen( $res ) ) {
			Outbox::cancel_checks( $post_id );
			return;
		}
		Outbox::enqueue( 'withdraw', $post_id, 'DELETE', $path, null, $res['webhook_id'], $res );
	}

	/**
	 * A 404 that means the service never saw this post (not an unknown outlet).
	 *
	 * @param array $res Client result.
	 */
	public static function never_seen( array $res ): bool {
		return 404 === $res['status'] && in_array( $res['code'], array( 'post_not_found', 'unknown_post', 'not_found_post' ), true );
	}

	/**
	 * The check call.
	 *
	 * @param int   $post_id Post.
	 * @param array $payload Post as the service reads it.
	 * @param array $opts    dry_run, timeout, webhook_id.
	 */
	public static function call_check( int $post_id, array $payload, array $opts = array() ): array {
		$body = array(
			'post'    => $payload,
			'dry_run' => ! empty( $opts['dry_run'] ),
		);
		return Client::post(
			'check',
			$body,
			array(
				'timeout'    => $opts['timeout'] ?? (int) Settings::get( 'timeout_check' ),
				'webhook_id' => $opts['webhook_id'] ?? '',
			)
		);
	}

	/**
	 * Whether a check answer can be acted on.
	 *
	 * @param array $res Client result.
	 */
	public static function answer_ok( array $res ): bool {
		return $res['ok'] && is_array( $res['body'] ) && in_array( $res['body']['decision'] ?? '', array( 'allow', 'warn', 'hold' ), true );
	}

	/**
	 * Records a check's answer and says which status the post gets:
	 * publish (allow / warn), held, or — when the service could not answer —
	 * waiting for check (default) or publish with a replay queued (fail-open policy).
	 *
	 * @param int   $post_id Post.
	 * @param array $res     Client result.
	 * @param array $payload What was sent.
	 */
	public static function apply( int $post_id, array $res, array $payload ): string {
		if ( self::answer_ok( $res ) ) {
			self::record( $post_id, $res['body'], $payload );
			delete_post_meta( $post_id, self::META_WAITING );
			Outbox::cancel_checks( $post_id );
			return 'hold' === $res['body']['decision'] ? self::HELD : 'publish';
		}
		update_post_meta(
			$post_id,
			self::META_ANSWER,
			wp_slash(
				Client::json(
					array(
						'error'  => Client::describe_error( $res ),
						'status' => $res['status'],
					)
				)
			)
		);
		if ( 'publish' === Settings::get( 'failure_policy' ) ) {
			update_post_meta( $post_id, self::META_DECISION, 'unchecked' );
			update_post_meta(
				$post_id,
				self::META_OVERRIDE,
				array(
					'by'     => 'policy',
					'at'     => time(),
					'reason' => Client::describe_error( $res ),
				)
			);
			Outbox::enqueue( 'sync_post', $post_id, 'POST', 'sync', null, '', $res );
			return 'publish';
		}
		update_post_meta( $post_id, self::META_DECISION, 'wait' );
		if ( ! get_post_meta( $post_id, self::META_WAITING, true ) ) {
			update_post_meta( $post_id, self::META_WAITING, time() );
		}
		Outbox::enqueue( 'check', $post_id, 'POST', 'check', null, $res['webhook_id'], $res );
		return self::WAIT;
	}

	/**
	 * Keeps the service's answer with the post.
	 *
	 * @param int   $post_id Post.
	 * @param array $answer  Decoded answer.
	 * @param array $payload What was sent.
	 */
	public static function record( int $post_id, array $answer, array $payload ): void {
		$keep = array_intersect_key( $answer, array_flip( array( 'decision', 'counted', 'tone', 'sensational', 'share', 'headroom', 'reasons', 'hold' ) ) );
		$keep['checked_at'] = time();
		update_post_meta( $post_id, self::META_DECISION, (string) $answer['decision'] );
		update_post_meta( $post_id, self::META_ANSWER, wp_slash( Client::json( $keep ) ) );
		update_post_meta( $post_id, self::META_HASH, self::hash( $payload ) );
		if ( 'hold' === $answer['decision'] && ! empty( $answer['hold']['id'] ) ) {
			update_post_meta( $post_id, self::META_HOLD, sanitize_text_field( (string) $answer['hold']['id'] ) );
		} else {
			delete_post_meta( $post_id, self::META_HOLD );
		}
		delete_post_meta( $post_id, self::META_NOTE );
		delete_post_meta( $post_id, self::META_REVIEWER );
	}

	/**
	 * The last answer kept with a post.
	 *
	 * @param int $post_id Post.
	 */
	public static function answer( int $post_id ): array {
		$raw = get_post_meta( $post_id, self::META_ANSWER, true );
		$a   = is_string( $raw ) ? json_decode( $raw, true ) : null;
		return is_array( $a ) ? $a : array();
	}

	/**
	 * Moves a post to a status on purpose (no check). Going live resets the
	 * date to now when asked (approval: the post counts from now).
	 *
	 * @param int    $post_id    Post.
	 * @param string $status     Status.
	 * @param bool   $reset_date Set the date to now.
	 */
	public static function set_status( int $post_id, string $status, bool $reset_date ): void {
		$args = array(
			'ID'          => $post_id,
			'post_status' => $status,
		);
		if ( $reset_date ) {
			$args['post_date']     = current_time( 'mysql' );
			$args['post_date_gmt'] = current_time( 'mysql', true );
			$args['edit_date']     = true;
		}
		self::$bypass[ $post_id ] = 'set_status';
		try {
			wp_update_post( wp_slash( $args ) );
		} finally {
			unset( self::$bypass[ $post_id ] );
		}
	}

	/**
	 * Outbox retry of a check: the post's current text, the first call's webhook id.
	 * result is null when nothing needs checking any more.
	 *
	 * @param int    $post_id    Post.
	 * @param string $webhook_id Webhook id.
	 * @return array{result: ?array}
	 */
	public static function retry_check( int $post_id, string $webhook_id ): array {
		$post = get_post( $post_id );
		if ( ! $post || ! self::gated( $post->post_type ) || ! in_array( $post->post_status, array( self::WAIT, 'publish' ), true ) ) {
			return array( 'result' => null );
		}
		$payload = self::collect( $post_id );
		if ( 'publish' === $post->post_status ) {
			$payload['published_at'] = self::rfc3339( $post->post_date_gmt );
		}
		$res = self::call_check( $post_id, $payload, array( 'webhook_id' => $webhook_id ) );
		if ( ! self::answer_ok( $res ) ) {
			return array( 'result' => $res );
		}
		self::record( $post_id, $res['body'], $payload );
		$hold = 'hold' === $res['body']['decision'];
		if ( 'publish' === $post->post_status ) {
			if ( $hold ) {
				self::$no_withdraw[ $post_id ] = true;
				self::set_status( $post_id, self::HELD, false );
			}
		} else {
			delete_post_meta( $post_id, self::META_WAITING );
			// Counted at the check's time: it goes live now.
			self::set_status( $post_id, $hold ? self::HELD : 'publish', ! $hold );
		}
		return array( 'result' => $res );
	}

	/**
	 * The post as the service reads it. $data / $postarr (slashed, from
	 * wp_insert_post_data) win over what is stored; terms and tone sent with
	 * a REST save or the classic editor's form win over both.
	 *
	 * @param int        $post_id Post.
	 * @param array|null $data    Post fields about to be written.
	 * @param array|null $postarr Input of wp_insert_post().
	 */
	public static function collect( int $post_id, ?array $data = null, ?array $postarr = null ): array {
		$post    = get_post( $post_id );
		$title   = null !== $data ? wp_unslash( (string) $data['post_title'] ) : ( $post ? $post->post_title : '' );
		$content = null !== $data ? wp_unslash( (string) $data['post_content'] ) : ( $post ? $post->post_content : '' );
		$excerpt = null !== $data ? wp_unslash( (string) $data['post_excerpt'] ) : ( $post ? $post->post_excerpt : '' );
		$author  = null !== $data ? (int) $data['post_author'] : ( $post ? (int) $post->post_author : 0 );
		$rest    = self::$rest[ $post_id ] ?? array();

		if ( isset( $rest['categories'] ) ) {
			$cat_ids = $rest['categories'];
		} elseif ( is_array( $postarr ) && ! empty( $postarr['post_category'] ) && is_array( $postarr['post_category'] ) ) {
			$cat_ids = array_map( 'intval', $postarr['post_category'] );
		} else {
			$cat_ids = $post_id ? wp_get_post_categories( $post_id ) : array();
		}
		$categories = self::term_names( $cat_ids, 'category' );

		if ( isset( $rest['tags'] ) ) {
			$tags = self::term_names( $rest['tags'], 'post_tag' );
		} elseif ( is_array( $postarr ) && ! empty( $postarr['tags_input'] ) ) {
			$input = is_array( $postarr['tags_input'] ) ? $postarr['tags_input'] : explode( ',', (string) $postarr['tags_input'] );
			$tags  = array();
			foreach ( $input as $t ) {
				$tags[] = is_numeric( $t ) ? self::term_names( array( (int) $t ), 'post_tag' )[0] ?? '' : trim( wp_unslash( (string) $t ) );
			}
			$tags = array_values( array_filter( $tags, 'strlen' ) );
		} else {
			$tags = $post_id ? wp_get_post_tags( $post_id, array( 'fields' => 'names' ) ) : array();
			$tags = is_array( $tags ) ? array_map( 'html_entity_decode', $tags ) : array();
		}

		$user    = $author ? get_userdata( $author ) : false;
		$locale  = (string) get_locale();
		$payload = array(
			'id'         => (string) $post_id,
			'title'      => self::cut( '' !== trim( $title ) ? $title : __( '(no title)', 'gatekeeper' ), 2000 ),
			'excerpt'    => self::cut( $excerpt, 20000 ),
			'content'    => $content,
			'categories' => array_slice( array_map( static fn( $c ) => self::cut( $c, 200 ), $categories ), 0, 100 ),
			'tags'       => array_slice( array_map( static fn( $t ) => self::cut( $t, 200 ), $tags ), 0, 200 ),
			'author'     => $user ? self::cut( $user->user_login, 200 ) : '',
		);
		// The site's locale says what language the admin screens speak, not
		// what a post is written in: it goes as the weakest hint, and the
		// service reads the post's language from its text.
		if ( preg_match( '/^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,4}$/', $locale ) ) {
			$payload['site_locale'] = $locale;
		}
		if ( $post_id && $post ) {
			$url = get_permalink( $post );
			if ( $url ) {
				$payload['url'] = $url;
			}
		}
		$tone = self::declared_tone( $post_id, $postarr );
		if ( '' !== $tone ) {
			$payload['declared_tone'] = $tone;
		}
		/**
		 * Filters what Gatekeeper sends about a post.
		 *
		 * @param array $payload The "post" object of the check.
		 * @param int   $post_id Post.
		 */
		return (array) apply_filters( 'gatekeeper_check_payload', $payload, $post_id );
	}

	/**
	 * The editor's declared tone: REST save, classic form, meta_input, stored meta.
	 *
	 * @param int        $post_id Post.
	 * @param array|null $postarr Input of wp_insert_post().
	 */
	public static function declared_tone( int $post_id, ?array $postarr = null ): string {
		if ( isset( self::$rest[ $post_id ]['tone'] ) ) {
			return self::$rest[ $post_id ]['tone'];
		}
		$form = Editor::posted_tone( $post_id );
		if ( null !== $form ) {
			return $form;
		}
		if ( is_array( $postarr ) && isset( $postarr['meta_input'][ self::META_TONE ] ) ) {
			return self::sanitize_tone( wp_unslash( $postarr['meta_input'][ self::META_TONE ] ) );
		}
		return $post_id ? self::sanitize_tone( get_post_meta( $post_id, self::META_TONE, true ) ) : '';
	}

	/**
	 * Term names of ids.
	 *
	 * @param int[]  $ids      Term ids.
	 * @param string $taxonomy Taxonomy.
	 */
	private static function term_names( array $ids, string $taxonomy ): array {
		$names = array();
		foreach ( $ids as $tid ) {
			$term = get_term( (int) $tid, $taxonomy );
			if ( $term instanceof \WP_Term ) {
				$names[] = html_entity_decode( $term->name, ENT_QUOTES, 'UTF-8' );
			}
		}
		return $names;
	}

	/**
	 * At most $max characters (the service's field limits).
	 *
	 * @param string $s   Text.
	 * @param int    $max Characters.
	 */
	private static function cut( string $s, int $max ): string {
		return mb_strlen( $s ) > $max ? mb_substr( $s, 0, $max ) : $s;
	}

	/**
	 * What a re-check compares: the fields the service reads.
	 *
	 * @param array $payload Payload.
	 */
	public static function hash( array $payload ): string {
		unset( $payload['url'], $payload['published_at'] );
		return md5( Client::json( $payload ) );
	}

	/**
	 * A GMT MySQL date as RFC 3339.
	 *
	 * @param string $gmt Y-m-d H:i:s in UTC.
	 */
	public static function rfc3339( string $gmt ): string {
		$ts = ( '' === $gmt || str_starts_with( $gmt, '0000' ) ) ? time() : strtotime( $gmt . ' UTC' );
		return gmdate( 'Y-m-d\TH:i:s\Z', (int) $ts );
	}
}
