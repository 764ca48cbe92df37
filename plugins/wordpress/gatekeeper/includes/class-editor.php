<?php
/**
 * What editors see: the block editor's pre-publish panel (assets/editor.js),
 * the classic editor's meta box and admin notices.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Editor integrations.
 */
final class Editor {

	const SCRIPTS = array(
		'gatekeeper-evidence' => 'assets/evidence.js',
		'gatekeeper-editor'   => 'assets/editor.js',
		'gatekeeper-classic'  => 'assets/classic.js',
	);

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'enqueue_block_editor_assets', array( __CLASS__, 'block_assets' ) );
		add_action( 'add_meta_boxes', array( __CLASS__, 'meta_box' ), 10, 2 );
		add_action( 'admin_enqueue_scripts', array( __CLASS__, 'admin_assets' ) );
		add_action( 'save_post', array( __CLASS__, 'save_tone' ), 5, 2 );
		add_action( 'admin_notices', array( __CLASS__, 'notices' ) );
		add_filter( 'redirect_post_location', array( __CLASS__, 'redirect_location' ), 10, 2 );
		add_filter( 'load_script_translation_file', array( __CLASS__, 'script_translation_file' ), 10, 3 );
	}

	/**
	 * Whether the current admin screen edits a gated post type.
	 */
	private static function gated_screen(): bool {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		return $screen && 'post' === $screen->base && in_array( $screen->post_type, Settings::post_types(), true );
	}

	/**
	 * Labels shared by PHP and JS.
	 */
	private static function labels(): array {
		return array(
			'hold' => _x( 'Held for review', 'post status', 'gatekeeper' ),
			'wait' => _x( 'Waiting for check', 'post status', 'gatekeeper' ),
		);
	}

	/**
	 * The pre-publish panel and the notices in the block editor.
	 */
	public static function block_assets(): void {
		if ( ! self::gated_screen() ) {
			return;
		}
		$post = get_post();
		self::register_evidence_script();
		wp_enqueue_script(
			'gatekeeper-editor',
			plugins_url( 'assets/editor.js', GATEKEEPER_FILE ),
			array( 'gatekeeper-evidence', 'wp-plugins', 'wp-edit-post', 'wp-editor', 'wp-element', 'wp-components', 'wp-data', 'wp-api-fetch', 'wp-i18n', 'wp-notices', 'wp-dom-ready' ),
			GATEKEEPER_VERSION,
			true
		);
		wp_enqueue_style( 'gatekeeper-editor', plugins_url( 'assets/editor.css', GATEKEEPER_FILE ), array(), GATEKEEPER_VERSION );
		wp_set_script_translations( 'gatekeeper-editor', 'gatekeeper', GATEKEEPER_DIR . 'languages' );
		wp_localize_script(
			'gatekeeper-editor',
			'gatekeeperEditor',
			array(
				'toneKey'      => Gate::META_TONE,
				'heldStatus'   => Gate::HELD,
				'waitStatus'   => Gate::WAIT,
				'debounce'     => 700,
				'numberLocale' => Plugin::is_vietnamese() ? 'vi-VN' : str_replace( '_', '-', get_user_locale() ),
				'labels'       => self::labels(),
				'state'        => $post ? Rest::state_of( $post ) : new \stdClass(),
			)
		);
	}

	/**
	 * The evidence helper shared by both editors (assets/evidence.js).
	 */
	private static function register_evidence_script(): void {
		if ( wp_script_is( 'gatekeeper-evidence', 'registered' ) ) {
			return;
		}
		wp_register_script( 'gatekeeper-evidence', plugins_url( 'assets/evidence.js', GATEKEEPER_FILE ), array( 'wp-i18n' ), GATEKEEPER_VERSION, true );
		wp_set_script_translations( 'gatekeeper-evidence', 'gatekeeper', GATEKEEPER_DIR . 'languages' );
	}

	/**
	 * Styles everywhere in admin (badges); the classic script on classic edit screens.
	 *
	 * @param string $hook Admin page.
	 */
	public static function admin_assets( $hook ): void {
		wp_enqueue_style( 'gatekeeper-editor', plugins_url( 'assets/editor.css', GATEKEEPER_FILE ), array(), GATEKEEPER_VERSION );
		if ( ! in_array( $hook, array( 'post.php', 'post-new.php' ), true ) || ! self::gated_screen() ) {
			return;
		}
		$screen = get_current_screen();
		if ( $screen && method_exists( $screen, 'is_block_editor' ) && $screen->is_block_editor() ) {
			return;
		}
		self::register_evidence_script();
		wp_enqueue_script( 'gatekeeper-classic', plugins_url( 'assets/classic.js', GATEKEEPER_FILE ), array( 'gatekeeper-evidence', 'wp-api-fetch', 'wp-i18n', 'wp-dom-ready' ), GATEKEEPER_VERSION, true );
		wp_set_script_translations( 'gatekeeper-classic', 'gatekeeper', GATEKEEPER_DIR . 'languages' );
		wp_localize_script( 'gatekeeper-classic', 'gatekeeperClassic', array( 'numberLocale' => Plugin::is_vietnamese() ? 'vi-VN' : str_replace( '_', '-', get_user_locale() ) ) );
	}

	/**
	 * Vietnamese JS translations whenever the site or the user is in Vietnamese.
	 *
	 * @param string|false $file   File WordPress looks for.
	 * @param string       $handle Script handle.
	 * @param string       $domain Text domain.
	 */
	public static function script_translation_file( $file, $handle, $domain ) {
		if ( 'gatekeeper' !== $domain || ! isset( self::SCRIPTS[ $handle ] ) || ! Plugin::is_vietnamese() ) {
			return $file;
		}
		return GATEKEEPER_DIR . 'languages/gatekeeper-vi-' . md5( self::SCRIPTS[ $handle ] ) . '.json';
	}

	/**
	 * The classic editor's meta box (the block editor has the panel instead).
	 *
	 * @param string   $post_type Post type.
	 * @param \WP_Post $post      Post.
	 */
	public static function meta_box( $post_type, $post = null ): void {
		if ( ! in_array( $post_type, Settings::post_types(), true ) ) {
			return;
		}
		add_meta_box(
			'gatekeeper',
			__( 'Gatekeeper: negative news check', 'gatekeeper' ),
			array( __CLASS__, 'render_meta_box' ),
			$post_type,
			'side',
			'high',
			array( '__back_compat_meta_box' => true )
		);
	}

	/**
	 * Meta box content: state, the place of the dry-run verdict, declared tone.
	 *
	 * @param \WP_Post $post Post.
	 */
	public static function render_meta_box( $post ): void {
		$tone = Gate::sanitize_tone( get_post_meta( $post->ID, Gate::META_TONE, true ) );
		echo '<div class="gatekeeper-classic" data-post="' . (int) $post->ID . '">';
		$decision = (string) get_post_meta( $post->ID, Gate::META_DECISION, true );
		$label    = Statuses::decision_label( $decision );
		if ( in_array( $post->post_status, array( Gate::HELD, Gate::WAIT ), true ) ) {
			$decision = Gate::HELD === $post->post_status ? 'hold' : 'wait';
			$label    = Statuses::decision_label( $decision );
		}
		if ( '' !== $label ) {
			echo '<p class="gk-status">' . esc_html__( 'Gatekeeper:', 'gatekeeper' ) . ' <span class="gatekeeper-badge gatekeeper-' . esc_attr( $decision ) . '">' . esc_html( $label ) . '</span></p>';
		}
		// The dry-run verdict is fetched by assets/classic.js once the page is
		// shown (and again on "Check again"): no call to the service while the
		// page renders, so a slow service never slows the editor down.
		echo '<div class="gk-classic-result" aria-live="polite">';
		if ( ! Settings::configured() ) {
			echo '<p class="gk-error">' . esc_html__( 'Gatekeeper is not configured: set the service URL, the outlet ID and the secret.', 'gatekeeper' ) . '</p>';
		}
		echo '</div>';
		wp_nonce_field( 'gatekeeper_tone_' . $post->ID, 'gatekeeper_tone_nonce' );
		echo '<p><label for="gatekeeper_tone"><strong>' . esc_html__( 'Tone of this post', 'gatekeeper' ) . '</strong></label><br /><select name="gatekeeper_tone" id="gatekeeper_tone">';
		$opts = array(
			''         => __( 'Let Gatekeeper decide', 'gatekeeper' ),
			'negative' => __( 'Negative', 'gatekeeper' ),
			'neutral'  => __( 'Neutral', 'gatekeeper' ),
			'positive' => __( 'Positive', 'gatekeeper' ),
		);
		foreach ( $opts as $v => $l ) {
			echo '<option value="' . esc_attr( $v ) . '"' . selected( $tone, $v, false ) . '>' . esc_html( $l ) . '</option>';
		}
		echo '</select></p>';
		echo '<p><button type="button" class="button gk-classic-refresh">' . esc_html__( 'Check again', 'gatekeeper' ) . '</button></p>';
		echo '</div>';
	}

	/**
	 * A verdict, for the classic meta box.
	 *
	 * @param array $a Answer.
	 */
	public static function verdict_html( array $a ): void {
		$headlines = array(
			'allow' => __( 'Allowed: this post can go live.', 'gatekeeper' ),
			'warn'  => __( 'Allowed with a warning: the outlet is close to its limit of negative news.', 'gatekeeper' ),
			'hold'  => __( 'Will be held: if you publish, this post waits for a manager\'s approval.', 'gatekeeper' ),
		);
		$d = isset( $a['decision'] ) && is_string( $a['decision'] ) && isset( $headlines[ $a['decision'] ] ) ? $a['decision'] : 'warn';
		echo '<p class="gk-verdict gk-verdict--' . esc_attr( $d ) . '"><strong>' . esc_html( $headlines[ $d ] ) . '</strong></p>';
		if ( isset( $a['share'] ) && is_array( $a['share'] ) ) {
			$s = $a['share'];
			/* translators: 1: share before, 2: share after, 3: limit */
			echo '<p>' . esc_html( sprintf( __( 'Negative share: %1$s → %2$s (limit %3$s)', 'gatekeeper' ), Review::pct( $s['before'] ?? 0 ), Review::pct( $s['after'] ?? 0 ), Review::pct( $s['limit'] ?? 0.15 ) ) ) . '</p>';
			if ( isset( $s['positive_after'] ) ) {
				/* translators: 1: positive share before, 2: positive share after, 3: number of positive posts */
				echo '<p class="gk-positive-text">' . esc_html( sprintf( __( 'Positive share: %1$s → %2$s (%3$d positive posts before this one)', 'gatekeeper' ), Review::pct( $s['positive_before'] ?? 0 ), Review::pct( $s['positive_after'] ?? 0 ), (int) ( $s['positive'] ?? 0 ) ) ) . '</p>';
				echo '<p class="gk-positive-expect">' . esc_html(
					true === ( $s['positive_dominant'] ?? null )
						? __( 'Expected: positive news dominates. It does: more positive posts than neutral and than negative ones.', 'gatekeeper' )
						: __( 'Expected: positive news dominates. Not yet: it needs more positive posts than neutral and than negative ones.', 'gatekeeper' )
				) . '</p>';
			}
		}
		$tone  = isset( $a['tone'] ) && is_array( $a['tone'] ) ? $a['tone'] : array();
		$words = Evidence::texts( $tone['evidence'] ?? array() );
		if ( $words ) {
			echo '<p class="gk-words">' . esc_html( Evidence::words_heading( $tone ) ) . ' <strong>' . esc_html( implode( ', ', $words ) ) . '</strong></p>';
		}
		$headroom = isset( $a['headroom'] ) && is_array( $a['headroom'] ) ? $a['headroom'] : null;
		$need     = (int) ( $headroom['non_negative_needed'] ?? 0 );
		$left     = $headroom['negative_left'] ?? null; // null: no bound.
		if ( $need > 0 ) {
			/* translators: %d: number of posts */
			echo '<p class="gk-headroom">' . esc_html( sprintf( _n( '%d more non-negative post needed before another negative one fits.', '%d more non-negative posts needed before another negative one fits.', $need, 'gatekeeper' ), $need ) ) . '</p>';
		} elseif ( is_int( $left ) ) {
			/* translators: %d: number of posts */
			echo '<p class="gk-headroom">' . esc_html( sprintf( _n( '%d more negative post can go out now.', '%d more negative posts can go out now.', $left, 'gatekeeper' ), $left ) ) . '</p>';
		}
		$sensational = isset( $a['sensational'] ) && is_array( $a['sensational'] ) ? $a['sensational'] : array();
		if ( ! empty( $sensational['flagged'] ) ) {
			$signs = Evidence::texts( $sensational['evidence'] ?? array() );
			echo '<p class="gk-sensational">' . esc_html( __( 'The headline looks sensational.', 'gatekeeper' ) . ( $signs ? ' ' . sprintf( /* translators: %s: list of signs */ __( 'Signs: %s', 'gatekeeper' ), implode( ', ', $signs ) ) : '' ) ) . '</p>';
		}
		foreach ( Review::reason_messages( $a ) as $message ) {
			echo '<p class="gk-reason">' . esc_html( $message ) . '</p>';
		}
	}

	/**
	 * The tone chosen in the classic meta box, if this request carries it (nonce-checked).
	 *
	 * @param int $post_id Post.
	 */
	public static function posted_tone( int $post_id ): ?string {
		if ( ! $post_id || ! isset( $_POST['gatekeeper_tone'], $_POST['gatekeeper_tone_nonce'] ) ) {
			return null;
		}
		if ( ! wp_verify_nonce( sanitize_text_field( wp_unslash( $_POST['gatekeeper_tone_nonce'] ) ), 'gatekeeper_tone_' . $post_id ) ) {
			return null;
		}
		if ( ! current_user_can( 'edit_post', $post_id ) ) {
			return null;
		}
		return Gate::sanitize_tone( sanitize_text_field( wp_unslash( $_POST['gatekeeper_tone'] ) ) );
	}

	/**
	 * Stores the classic editor's tone.
	 *
	 * @param int      $post_id Post.
	 * @param \WP_Post $post    Post.
	 */
	public static function save_tone( $post_id, $post ): void {
		if ( wp_is_post_revision( $post_id ) || wp_is_post_autosave( $post_id ) ) {
			return;
		}
		$tone = self::posted_tone( (int) $post_id );
		if ( null === $tone ) {
			return;
		}
		if ( '' === $tone ) {
			delete_post_meta( $post_id, Gate::META_TONE );
		} else {
			update_post_meta( $post_id, Gate::META_TONE, $tone );
		}
	}

	/**
	 * The classic editor says "Post published." after a save: not when it was held.
	 *
	 * @param string $location Redirect URL.
	 * @param int    $post_id  Post.
	 */
	public static function redirect_location( $location, $post_id ) {
		$status = get_post_status( $post_id );
		if ( in_array( $status, array( Gate::HELD, Gate::WAIT ), true ) ) {
			$location = remove_query_arg( 'message', $location );
			$location = add_query_arg( 'gatekeeper', Gate::HELD === $status ? 'held' : 'wait', $location );
		}
		return $location;
	}

	/**
	 * Notices on the classic edit screen and the posts list.
	 */
	public static function notices(): void {
		$screen = function_exists( 'get_current_screen' ) ? get_current_screen() : null;
		if ( ! $screen || 'post' !== $screen->base || ! in_array( $screen->post_type, Settings::post_types(), true ) ) {
			return;
		}
		if ( method_exists( $screen, 'is_block_editor' ) && $screen->is_block_editor() ) {
			return; // The block editor shows its own notices.
		}
		$post = get_post();
		if ( ! $post ) {
			return;
		}
		if ( Gate::HELD === $post->post_status ) {
			echo '<div class="notice notice-warning gatekeeper-notice"><p>' . esc_html__( 'This post is held for review: publishing it now would take the outlet past its limit of negative news. A manager will approve or reject it; it goes live as soon as it is approved.', 'gatekeeper' ) . '</p></div>';
		} elseif ( Gate::WAIT === $post->post_status ) {
			echo '<div class="notice notice-warning gatekeeper-notice"><p>' . esc_html__( 'This post is waiting for the Gatekeeper check: the service could not be reached. It is checked again automatically and published if allowed.', 'gatekeeper' ) . '</p></div>';
		} elseif ( 'draft' === $post->post_status && 'rejected' === get_post_meta( $post->ID, Gate::META_DECISION, true ) ) {
			$note = (string) get_post_meta( $post->ID, Gate::META_NOTE, true );
			$who  = (string) get_post_meta( $post->ID, Gate::META_REVIEWER, true );
			echo '<div class="notice notice-error gatekeeper-notice"><p>' . esc_html(
				'' !== $note
					/* translators: 1: reviewer, 2: note */
					? sprintf( __( 'Rejected by %1$s: %2$s', 'gatekeeper' ), '' !== $who ? $who : '—', $note )
					/* translators: %s: reviewer */
					: sprintf( __( 'Rejected by %s.', 'gatekeeper' ), '' !== $who ? $who : '—' )
			) . '</p></div>';
		}
	}
}
