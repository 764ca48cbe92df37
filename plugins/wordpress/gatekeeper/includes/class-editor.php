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
	 * The one headline of a verdict, named after its cause — share over the
	 * limit, share near it, a sensational headline, an unclear tone — with
	 * what the editor can do and who reviews. Both editors show this.
	 *
	 * @param array $a Answer.
	 * @return array{decision: string, cause: string, title: string, action: string}
	 */
	public static function headline( array $a ): array {
		$d     = isset( $a['decision'] ) && in_array( $a['decision'], array( 'allow', 'warn', 'hold' ), true ) ? $a['decision'] : 'warn';
		$codes = array();
		foreach ( isset( $a['reasons'] ) && is_array( $a['reasons'] ) ? $a['reasons'] : array() as $r ) {
			if ( is_array( $r ) && isset( $r['code'] ) && is_string( $r['code'] ) ) {
				$codes[] = $r['code'];
			}
		}
		$has    = static function ( ...$c ) use ( $codes ): bool {
			return (bool) array_intersect( $c, $codes );
		};
		$review = __( 'The outlet\'s reviewer (a manager, in the Gatekeeper console or on Posts → Held for review) approves or rejects it; it goes live as soon as it is approved.', 'gatekeeper' );
		if ( 'hold' === $d && $has( 'share_over_limit', 'borderline_over_limit' ) ) {
			$cause  = 'over_limit';
			$title  = __( 'Will be held: this post would take the outlet past its limit of negative news.', 'gatekeeper' );
			$action = __( 'If it is not negative, declare its tone below. If you publish, it waits for review.', 'gatekeeper' ) . ' ' . $review;
		} elseif ( 'hold' === $d && $has( 'sensational_headline' ) ) {
			$cause  = 'sensational';
			$title  = __( 'Will be held: the headline looks sensational.', 'gatekeeper' );
			$action = __( 'Reword the headline to say plainly what happened; the check updates as you type. If you publish as it is, it waits for review.', 'gatekeeper' ) . ' ' . $review;
		} elseif ( 'hold' === $d ) {
			$cause  = 'over_limit';
			$title  = __( 'Will be held: this post would take the outlet past its limit of negative news.', 'gatekeeper' );
			$action = $review;
		} elseif ( $has( 'share_near_limit' ) ) {
			$cause  = 'near_limit';
			$title  = __( 'Allowed with a warning: the outlet is close to its limit of negative news.', 'gatekeeper' );
			$action = __( 'You can publish. If the post is not negative, declare its tone below.', 'gatekeeper' );
		} elseif ( $has( 'sensational_headline' ) ) {
			$cause  = 'sensational';
			$title  = __( 'Allowed with a warning: the headline looks sensational.', 'gatekeeper' );
			$action = __( 'Reword the headline to say plainly what happened (no teaser question, no exaggeration); the check updates as you type.', 'gatekeeper' );
		} elseif ( $has( 'borderline', 'declared_tone_conflict', 'category_tone_conflict' ) ) {
			$cause  = 'unclear_tone';
			$title  = __( 'Allowed with a warning: the tone of this post is unclear, so it counts as negative.', 'gatekeeper' );
			$action = __( 'Declare its tone below: "negative" is always accepted; a milder tone than the text shows keeps it unclear.', 'gatekeeper' );
		} elseif ( 'warn' === $d ) {
			$cause  = 'near_limit';
			$title  = __( 'Allowed with a warning: the outlet is close to its limit of negative news.', 'gatekeeper' );
			$action = '';
		} else {
			$cause  = 'allowed';
			$title  = __( 'Allowed: this post can go live.', 'gatekeeper' );
			$action = '';
		}
		return array(
			'decision' => $d,
			'cause'    => $cause,
			'title'    => $title,
			'action'   => $action,
		);
	}

	/**
	 * When a held post would fit, said honestly: the time the window frees a
	 * slot (dd/mm/yyyy HH:mm in the outlet's zone), or how many non-negative
	 * posts would make room. Empty unless the answer is a hold.
	 *
	 * @param array $a Answer.
	 */
	public static function earliest_text( array $a ): string {
		if ( 'hold' !== ( $a['decision'] ?? '' ) ) {
			return '';
		}
		$days = (int) ( $a['share']['window_days'] ?? 30 );
		$need = (int) ( $a['headroom']['non_negative_needed'] ?? 0 );
		$at   = isset( $a['hold']['earliest_safe_at'] ) && is_string( $a['hold']['earliest_safe_at'] ) ? $a['hold']['earliest_safe_at'] : '';
		$when = '' !== $at ? \DateTimeImmutable::createFromFormat( \DATE_RFC3339, $at ) : false;
		if ( false === $when && '' !== $at ) {
			$when = \DateTimeImmutable::createFromFormat( 'Y-m-d\\TH:i:s.uP', $at );
		}
		if ( $when ) {
			/* translators: 1: date and time (dd/mm/yyyy HH:mm), 2: window length in days */
			$s = sprintf( __( 'If no other negative post goes out, it fits from %1$s, when old negative posts leave the %2$d-day window.', 'gatekeeper' ), $when->format( Plugin::DATE_FORMAT ), $days );
			if ( $need > 0 ) {
				/* translators: %d: number of posts */
				$s .= ' ' . sprintf( _n( 'Sooner if %d more non-negative post goes out.', 'Sooner if %d more non-negative posts go out.', $need, 'gatekeeper' ), $need );
			}
			return $s;
		}
		if ( $need > 0 ) {
			/* translators: 1: window length in days, 2: number of posts */
			return sprintf( _n( 'No time within the %1$d-day window frees a place: it fits only after %2$d more non-negative post.', 'No time within the %1$d-day window frees a place: it fits only after %2$d more non-negative posts.', $need, 'gatekeeper' ), $days, $need );
		}
		return '';
	}

	/**
	 * What the REST verdict and the meta box show besides the raw answer.
	 *
	 * @param array $a Answer.
	 */
	public static function explain( array $a ): array {
		return array(
			'headline' => self::headline( $a ),
			'reasons'  => Review::reason_messages( $a ),
			'earliest' => self::earliest_text( $a ),
		);
	}

	/**
	 * A verdict, for the classic meta box.
	 *
	 * @param array $a Answer.
	 */
	public static function verdict_html( array $a ): void {
		$h = self::headline( $a );
		echo '<p class="gk-verdict gk-verdict--' . esc_attr( $h['decision'] ) . ' gk-cause--' . esc_attr( $h['cause'] ) . '"><strong>' . esc_html( $h['title'] ) . '</strong></p>';
		if ( '' !== $h['action'] ) {
			echo '<p class="gk-action">' . esc_html( $h['action'] ) . '</p>';
		}
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
		$earliest = self::earliest_text( $a );
		if ( '' !== $earliest ) {
			echo '<p class="gk-earliest">' . esc_html( $earliest ) . '</p>';
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
