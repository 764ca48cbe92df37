<?php
/**
 * Review inside WordPress: users with the gatekeeper_review capability see
 * held posts and approve or reject them; the service records their login as
 * the reviewer. Also where a manager may publish a waiting post anyway.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Posts → Held for review.
 */
final class Review {

	const PAGE = 'gatekeeper-review';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_post_gatekeeper_resolve', array( __CLASS__, 'handle_resolve' ) );
		add_action( 'admin_post_gatekeeper_override', array( __CLASS__, 'handle_override' ) );
	}

	/**
	 * The review screen's URL, at a post.
	 *
	 * @param int $post_id Post.
	 */
	public static function url( int $post_id = 0 ): string {
		$url = admin_url( 'edit.php?page=' . self::PAGE );
		return $post_id ? $url . '#gatekeeper-post-' . $post_id : $url;
	}

	/**
	 * Number of held posts.
	 */
	public static function held_count(): int {
		$n = 0;
		foreach ( Settings::post_types() as $type ) {
			$counts = wp_count_posts( $type );
			$n     += (int) ( $counts->{Gate::HELD} ?? 0 );
		}
		return $n;
	}

	/**
	 * Posts → Held for review (with a count bubble).
	 */
	public static function menu(): void {
		$n     = current_user_can( Plugin::CAP_REVIEW ) ? self::held_count() : 0;
		$title = __( 'Held for review', 'gatekeeper' );
		$menu  = esc_html( $title ) . ( $n ? ' <span class="awaiting-mod count-' . $n . '"><span class="pending-count">' . number_format_i18n( $n ) . '</span></span>' : '' );
		add_posts_page( $title, $menu, Plugin::CAP_REVIEW, self::PAGE, array( __CLASS__, 'render' ) );
	}

	/**
	 * A share as a percentage.
	 *
	 * @param mixed $ratio 0..1.
	 */
	public static function pct( $ratio ): string {
				// Two decimals, as the service's messages write shares (docs/glossary.md).
		if ( Plugin::is_vietnamese() ) {
			return number_format( 100 * (float) $ratio, 2, ',', '.' ) . '%';
		}
		return number_format( 100 * (float) $ratio, 2, '.', ',' ) . '%';
	}

	/**
	 * The review screen.
	 */
	public static function render(): void {
		if ( ! current_user_can( Plugin::CAP_REVIEW ) ) {
			wp_die( esc_html__( 'You are not allowed to review held posts.', 'gatekeeper' ), 403 );
		}
		echo '<div class="wrap gatekeeper-review"><h1>' . esc_html__( 'Held for review', 'gatekeeper' ) . '</h1>';
		$done = isset( $_GET['gatekeeper_done'] ) ? sanitize_key( wp_unslash( $_GET['gatekeeper_done'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Recommended
		if ( '' !== $done ) {
			$messages = self::result_messages();
			$ok       = in_array( $done, array( 'published', 'draft', 'override' ), true );
			printf( '<div class="notice notice-%1$s is-dismissible"><p>%2$s</p></div>', esc_attr( $ok ? 'success' : 'warning' ), esc_html( $messages[ $done ] ?? $messages['error'] ) );
		}
		echo '<p>' . esc_html__( 'Posts that would take the outlet past its limit of negative news wait here. Approving publishes the post now and counts it, even past the limit; your login and note are recorded by Gatekeeper.', 'gatekeeper' ) . '</p>';

		$posts = get_posts(
			array(
				'post_type'      => Settings::post_types(),
				'post_status'    => array( Gate::HELD, Gate::WAIT ),
				'posts_per_page' => 100,
				'orderby'        => 'date',
				'order'          => 'ASC',
			)
		);
		if ( ! $posts ) {
			echo '<p class="gatekeeper-empty">' . esc_html__( 'No post is waiting.', 'gatekeeper' ) . '</p></div>';
			return;
		}
		$shown = 0;
		foreach ( $posts as $post ) {
			if ( self::may_review( $post->ID, false ) ) {
				self::render_post( $post );
				++$shown;
			}
		}
		if ( ! $shown ) {
			echo '<p class="gatekeeper-empty">' . esc_html__( 'No post is waiting.', 'gatekeeper' ) . '</p>';
		}
		echo '</div>';
	}

	/**
	 * One held or waiting post.
	 *
	 * @param \WP_Post $post Post.
	 */
	private static function render_post( \WP_Post $post ): void {
		$answer = Gate::answer( $post->ID );
		$author = get_userdata( (int) $post->post_author );
		echo '<div class="card gatekeeper-card" id="' . esc_attr( 'gatekeeper-post-' . $post->ID ) . '" style="max-width:none">';
		echo '<h2><a href="' . esc_url( (string) get_edit_post_link( $post->ID ) ) . '">' . esc_html( get_the_title( $post ) ) . '</a> <span class="gatekeeper-badge gatekeeper-' . esc_attr( Gate::HELD === $post->post_status ? 'hold' : 'wait' ) . '">' . esc_html( Gate::HELD === $post->post_status ? _x( 'Held for review', 'post status', 'gatekeeper' ) : _x( 'Waiting for check', 'post status', 'gatekeeper' ) ) . '</span></h2>';
		echo '<p>' . esc_html(
			sprintf(
				/* translators: 1: author name, 2: date */
				__( 'By %1$s, %2$s', 'gatekeeper' ),
				$author ? $author->display_name : '—',
				get_the_modified_date( Plugin::DATE_FORMAT, $post )
			)
		) . '</p>';
		if ( isset( $answer['share'] ) && is_array( $answer['share'] ) ) {
			$s = $answer['share'];
			echo '<p>' . esc_html(
				sprintf(
					/* translators: 1: share before, 2: share after, 3: limit */
					__( 'Negative share: %1$s → %2$s (limit %3$s).', 'gatekeeper' ),
					self::pct( $s['before'] ?? 0 ),
					self::pct( $s['after'] ?? 0 ),
					self::pct( $s['limit'] ?? 0.15 )
				)
			) . '</p>';
		}
		$tone  = isset( $answer['tone'] ) && is_array( $answer['tone'] ) ? $answer['tone'] : array();
		$words = Evidence::texts( $tone['evidence'] ?? array() );
		if ( $words ) {
			echo '<p class="gk-words">' . esc_html( Evidence::words_heading( $tone ) ) . ' <strong>' . esc_html( implode( ', ', $words ) ) . '</strong></p>';
		}
		foreach ( self::reason_messages( $answer ) as $message ) {
			echo '<p class="gatekeeper-reason">' . esc_html( $message ) . '</p>';
		}
		if ( isset( $answer['hold']['earliest_safe_at'] ) && is_string( $answer['hold']['earliest_safe_at'] ) ) {
			$ts = strtotime( $answer['hold']['earliest_safe_at'] );
			if ( $ts ) {
				echo '<p>' . esc_html(
					sprintf(
						/* translators: %s: date and time */
						__( 'If nothing else is published, it fits from %s.', 'gatekeeper' ),
						wp_date( Plugin::DATE_FORMAT, $ts )
					)
				) . '</p>';
			}
		}
		if ( ! empty( $answer['error'] ) && is_string( $answer['error'] ) ) {
			echo '<p>' . esc_html__( 'Last error:', 'gatekeeper' ) . ' ' . esc_html( $answer['error'] ) . '</p>';
		}

		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="post" value="' . (int) $post->ID . '" />';
		if ( Gate::HELD === $post->post_status ) {
			wp_nonce_field( 'gatekeeper_resolve_' . $post->ID );
			echo '<input type="hidden" name="action" value="gatekeeper_resolve" />';
			echo '<p><label for="gatekeeper-note-' . (int) $post->ID . '">' . esc_html__( 'Note for the editor', 'gatekeeper' ) . '</label><br />';
			echo '<textarea class="large-text" rows="2" required name="note" id="gatekeeper-note-' . (int) $post->ID . '"></textarea></p>';
			echo '<p><button type="submit" name="decision" value="approve" class="button button-primary gatekeeper-approve">' . esc_html__( 'Approve and publish', 'gatekeeper' ) . '</button> ';
			echo '<button type="submit" name="decision" value="reject" class="button gatekeeper-reject">' . esc_html__( 'Reject', 'gatekeeper' ) . '</button></p>';
		} else {
			wp_nonce_field( 'gatekeeper_override_' . $post->ID );
			echo '<input type="hidden" name="action" value="gatekeeper_override" />';
			echo '<p><label for="gatekeeper-reason-' . (int) $post->ID . '">' . esc_html__( 'Why publish without the check?', 'gatekeeper' ) . '</label><br />';
			echo '<textarea class="large-text" rows="2" required name="reason" id="gatekeeper-reason-' . (int) $post->ID . '"></textarea></p>';
			echo '<p><button type="submit" class="button gatekeeper-override">' . esc_html__( 'Publish anyway (recorded)', 'gatekeeper' ) . '</button></p>';
		}
		echo '</form></div>';
	}

	/**
	 * The reasons' messages of an answer (strings only).
	 *
	 * @param array $answer Decoded answer.
	 * @return string[]
	 */
	public static function reason_messages( array $answer ): array {
		$out = array();
		// A flagged headline has its own line with its signs: its reason would say it twice.
		$flagged = ! empty( $answer['sensational']['flagged'] );
		foreach ( isset( $answer['reasons'] ) && is_array( $answer['reasons'] ) ? $answer['reasons'] : array() as $reason ) {
			if ( ! is_array( $reason ) || ! isset( $reason['message'] ) || ! is_string( $reason['message'] ) || '' === $reason['message'] ) {
				continue;
			}
			if ( $flagged && 'sensational_headline' === ( $reason['code'] ?? '' ) ) {
				continue;
			}
			if ( ! in_array( $reason['message'], $out, true ) ) {
				$out[] = $reason['message'];
			}
		}
		return $out;
	}

	/**
	 * Messages after an action.
	 */
	private static function result_messages(): array {
		return array(
			'published' => __( 'Approved: the post is published.', 'gatekeeper' ),
			'draft'     => __( 'Rejected: the post went back to the editor as a draft, with your note.', 'gatekeeper' ),
			'queued'    => __( 'Gatekeeper cannot be reached: your decision is queued and will be sent when it is back.', 'gatekeeper' ),
			'override'  => __( 'Published without the check. This is recorded and will be reported to Gatekeeper.', 'gatekeeper' ),
			'ignored'   => __( 'Nothing to do: the post is no longer held.', 'gatekeeper' ),
			'error'     => __( 'Gatekeeper refused the decision.', 'gatekeeper' ),
			'note_required' => __( 'Please write a note: it is recorded with your decision.', 'gatekeeper' ),
		);
	}

	/**
	 * Whether the current user may decide on this post: the review capability,
	 * the right to edit it and, to make it live, the right to publish its type.
	 *
	 * @param int  $post_id Post.
	 * @param bool $publish The decision publishes the post.
	 */
	public static function may_review( int $post_id, bool $publish ): bool {
		$post = get_post( $post_id );
		if ( ! $post || ! current_user_can( Plugin::CAP_REVIEW ) || ! current_user_can( 'edit_post', $post_id ) ) {
			return false;
		}
		$type = get_post_type_object( $post->post_type );
		return ! $publish || ( $type && current_user_can( $type->cap->publish_posts ) );
	}

	/**
	 * Approve / reject form.
	 */
	public static function handle_resolve(): void {
		$post_id = isset( $_POST['post'] ) ? absint( wp_unslash( $_POST['post'] ) ) : 0;
		check_admin_referer( 'gatekeeper_resolve_' . $post_id );
		$decision = isset( $_POST['decision'] ) && 'reject' === sanitize_key( wp_unslash( $_POST['decision'] ) ) ? 'reject' : 'approve';
		if ( ! self::may_review( $post_id, 'approve' === $decision ) ) {
			wp_die( esc_html__( 'You are not allowed to review held posts.', 'gatekeeper' ), 403 );
		}
		$note = isset( $_POST['note'] ) ? sanitize_textarea_field( wp_unslash( $_POST['note'] ) ) : '';
		$result   = self::resolve( $post_id, 'approve' === $decision, $note );
		wp_safe_redirect( add_query_arg( 'gatekeeper_done', $result, admin_url( 'edit.php?page=' . self::PAGE ) ) );
		exit;
	}

	/**
	 * Sends a review to the service and applies it here.
	 * Returns published, draft, queued, ignored or error.
	 *
	 * @param int    $post_id Post.
	 * @param bool   $approve Approve (true) or reject.
	 * @param string $note    Note.
	 */
	public static function resolve( int $post_id, bool $approve, string $note ): string {
		$post    = get_post( $post_id );
		$hold_id = (string) get_post_meta( $post_id, Gate::META_HOLD, true );
		if ( ! $post || Gate::HELD !== $post->post_status || '' === $hold_id ) {
			return 'ignored';
		}
		if ( '' === trim( $note ) ) {
			return 'note_required'; // The service records every decision with its reason.
		}
		$user = wp_get_current_user();
		$kind = $approve ? 'approve' : 'reject';
		$path = 'holds/' . rawurlencode( $hold_id ) . '/' . $kind;
		$body = array(
			'reviewer' => $user->user_login,
			'note'     => $note,
		);
		$res  = Client::post( $path, $body );
		if ( $res['ok'] || 409 === $res['status'] ) {
			return self::after_remote_resolution( $post_id, $kind, $res, Client::json( $body ) );
		}
		if ( $res['retryable'] || 0 === $res['status'] ) {
			Outbox::enqueue( $kind, $post_id, 'POST', $path, $body, $res['webhook_id'], $res );
			return 'queued';
		}
		return 'error';
	}

	/**
	 * Applies the service's answer to a review (also from the outbox).
	 *
	 * @param int    $post_id Post.
	 * @param string $kind    approve or reject.
	 * @param array  $res     Client result (2xx or 409).
	 * @param string $body    The JSON that was sent.
	 */
	public static function after_remote_resolution( int $post_id, string $kind, array $res, string $body ): string {
		$sent    = json_decode( $body, true );
		$who     = (string) ( $sent['reviewer'] ?? '' );
		$note    = (string) ( $sent['note'] ?? '' );
		$hold_id = (string) get_post_meta( $post_id, Gate::META_HOLD, true );
		$status  = 'approve' === $kind ? 'approved' : 'rejected';
		if ( 409 === $res['status'] && '' !== $hold_id ) {
			// Already resolved (perhaps in the console): follow what the service says.
			$got  = Client::get( 'holds/' . rawurlencode( $hold_id ) );
			$hold = is_array( $got['body'] ) ? ( $got['body']['hold'] ?? $got['body'] ) : array();
			if ( ! $got['ok'] || ! in_array( $hold['status'] ?? '', array( 'approved', 'rejected' ), true ) ) {
				return 'ignored';
			}
			$status = $hold['status'];
			$who    = (string) ( $hold['reviewer'] ?? $who );
			$note   = (string) ( $hold['note'] ?? $note );
		}
		return 'approved' === $status
			? self::apply_approval( $post_id, $hold_id, $who, $note )
			: self::apply_rejection( $post_id, $hold_id, $who, $note );
	}

	/**
	 * The hold was approved: publish now (the service counted it now), never held again.
	 * Returns published, already, stale or ignored.
	 *
	 * @param int    $post_id Post.
	 * @param string $hold_id Hold.
	 * @param string $who     Reviewer.
	 * @param string $note    Note.
	 */
	public static function apply_approval( int $post_id, string $hold_id, string $who, string $note ): string {
		$post = get_post( $post_id );
		if ( ! $post || ! in_array( $post->post_type, Settings::post_types(), true ) ) {
			return 'ignored';
		}
		$current = (string) get_post_meta( $post_id, Gate::META_HOLD, true );
		if ( 'publish' === $post->post_status ) {
			return 'already';
		}
		if ( Gate::HELD !== $post->post_status ) {
			return 'ignored';
		}
		if ( '' !== $current && '' !== $hold_id && $current !== $hold_id ) {
			return 'stale';
		}
		update_post_meta( $post_id, Gate::META_DECISION, 'approved' );
		update_post_meta( $post_id, Gate::META_REVIEWER, wp_slash( sanitize_text_field( $who ) ) );
		update_post_meta( $post_id, Gate::META_NOTE, wp_slash( sanitize_textarea_field( $note ) ) );
		update_post_meta( $post_id, '_gatekeeper_last_hold', wp_slash( $current ? $current : $hold_id ) );
		delete_post_meta( $post_id, Gate::META_HOLD );
		Gate::set_status( $post_id, 'publish', true );
		// The hash of what was approved: an edit that changes nothing is not re-checked.
		update_post_meta( $post_id, Gate::META_HASH, Gate::hash( Gate::collect( $post_id ) ) );
		return 'published';
	}

	/**
	 * The hold was rejected: back to draft with the manager's note.
	 * Returns draft, stale or ignored.
	 *
	 * @param int    $post_id Post.
	 * @param string $hold_id Hold.
	 * @param string $who     Reviewer.
	 * @param string $note    Note.
	 */
	public static function apply_rejection( int $post_id, string $hold_id, string $who, string $note ): string {
		$post = get_post( $post_id );
		if ( ! $post || Gate::HELD !== $post->post_status ) {
			return 'ignored';
		}
		$current = (string) get_post_meta( $post_id, Gate::META_HOLD, true );
		if ( '' !== $current && '' !== $hold_id && $current !== $hold_id ) {
			return 'stale';
		}
		update_post_meta( $post_id, Gate::META_DECISION, 'rejected' );
		update_post_meta( $post_id, Gate::META_REVIEWER, wp_slash( sanitize_text_field( $who ) ) );
		update_post_meta( $post_id, Gate::META_NOTE, wp_slash( sanitize_textarea_field( $note ) ) );
		update_post_meta( $post_id, '_gatekeeper_last_hold', wp_slash( $current ? $current : $hold_id ) );
		delete_post_meta( $post_id, Gate::META_HOLD );
		Gate::set_status( $post_id, 'draft', false );
		return 'draft';
	}

	/**
	 * "Publish anyway" form.
	 */
	public static function handle_override(): void {
		$post_id = isset( $_POST['post'] ) ? absint( wp_unslash( $_POST['post'] ) ) : 0;
		check_admin_referer( 'gatekeeper_override_' . $post_id );
		if ( ! self::may_review( $post_id, true ) ) {
			wp_die( esc_html__( 'You are not allowed to review held posts.', 'gatekeeper' ), 403 );
		}
		$reason = isset( $_POST['reason'] ) ? sanitize_textarea_field( wp_unslash( $_POST['reason'] ) ) : '';
		$result = self::override( $post_id, $reason );
		wp_safe_redirect( add_query_arg( 'gatekeeper_done', $result, admin_url( 'edit.php?page=' . self::PAGE ) ) );
		exit;
	}

	/**
	 * Break glass: a post waiting for its check is published without it. The
	 * manager and reason are kept; the post is reported to the service (sync)
	 * now or, if it is still down, from the outbox.
	 *
	 * @param int    $post_id Post.
	 * @param string $reason  Why.
	 */
	public static function override( int $post_id, string $reason ): string {
		$post = get_post( $post_id );
		if ( ! $post || Gate::WAIT !== $post->post_status ) {
			return 'ignored';
		}
		$user = wp_get_current_user();
		update_post_meta( $post_id, Gate::META_DECISION, 'override' );
		update_post_meta(
			$post_id,
			Gate::META_OVERRIDE,
			wp_slash(
				array(
					'by'     => $user->user_login,
					'at'     => time(),
					'reason' => $reason,
				)
			)
		);
		delete_post_meta( $post_id, Gate::META_WAITING );
		Outbox::cancel_checks( $post_id );
		Gate::set_status( $post_id, 'publish', true );
		$payload = Sync::post_payload( $post_id );
		$res     = Client::post(
			'sync',
			array(
				'posts'    => array( $payload ),
				'complete' => false,
			),
			array( 'timeout' => (int) Settings::get( 'timeout_panel' ) )
		);
		if ( ! $res['ok'] ) {
			Outbox::enqueue( 'sync_post', $post_id, 'POST', 'sync', null, '', $res );
		}
		return 'override';
	}
}
