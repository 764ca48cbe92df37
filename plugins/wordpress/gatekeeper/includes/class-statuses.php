<?php
/**
 * The two statuses Gatekeeper adds, and how the posts list shows them.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * "Held for review" and "Waiting for check".
 */
final class Statuses {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'init', array( __CLASS__, 'register_statuses' ), 5 );
		add_filter( 'display_post_states', array( __CLASS__, 'post_states' ), 10, 2 );
		add_action( 'admin_init', array( __CLASS__, 'list_hooks' ) );
	}

	/**
	 * register_post_status() for both.
	 */
	public static function register_statuses(): void {
		register_post_status(
			Gate::HELD,
			array(
				'label'                     => _x( 'Held for review', 'post status', 'gatekeeper' ),
				/* translators: %s: number of posts */
				'label_count'               => _n_noop( 'Held for review <span class="count">(%s)</span>', 'Held for review <span class="count">(%s)</span>', 'gatekeeper' ),
				'public'                    => false,
				'internal'                  => false,
				'protected'                 => true,
				'private'                   => false,
				'exclude_from_search'       => true,
				'show_in_admin_all_list'    => true,
				'show_in_admin_status_list' => true,
				'date_floating'             => false,
			)
		);
		register_post_status(
			Gate::WAIT,
			array(
				'label'                     => _x( 'Waiting for check', 'post status', 'gatekeeper' ),
				/* translators: %s: number of posts */
				'label_count'               => _n_noop( 'Waiting for check <span class="count">(%s)</span>', 'Waiting for check <span class="count">(%s)</span>', 'gatekeeper' ),
				'public'                    => false,
				'internal'                  => false,
				'protected'                 => true,
				'private'                   => false,
				'exclude_from_search'       => true,
				'show_in_admin_all_list'    => true,
				'show_in_admin_status_list' => true,
				'date_floating'             => false,
			)
		);
	}

	/**
	 * "— Held for review" after the title in the posts list.
	 *
	 * @param array    $states States.
	 * @param \WP_Post $post   Post.
	 */
	public static function post_states( $states, $post ) {
		if ( Gate::HELD === $post->post_status ) {
			$states['gatekeeper-held'] = _x( 'Held for review', 'post status', 'gatekeeper' );
		} elseif ( Gate::WAIT === $post->post_status ) {
			$states['gatekeeper-wait'] = _x( 'Waiting for check', 'post status', 'gatekeeper' );
		} elseif ( 'draft' === $post->post_status && 'rejected' === get_post_meta( $post->ID, Gate::META_DECISION, true ) ) {
			$states['gatekeeper-rejected'] = __( 'Rejected by the manager', 'gatekeeper' );
		}
		return $states;
	}

	/**
	 * The Gatekeeper column on the posts lists of gated types.
	 */
	public static function list_hooks(): void {
		foreach ( Settings::post_types() as $type ) {
			add_filter( "manage_{$type}_posts_columns", array( __CLASS__, 'columns' ) );
			add_action( "manage_{$type}_posts_custom_column", array( __CLASS__, 'column' ), 10, 2 );
		}
		add_filter( 'post_row_actions', array( __CLASS__, 'row_actions' ), 10, 2 );
	}

	/**
	 * Adds the column.
	 *
	 * @param array $cols Columns.
	 */
	public static function columns( $cols ) {
		$cols['gatekeeper'] = __( 'Gatekeeper', 'gatekeeper' );
		return $cols;
	}

	/**
	 * The decision in words.
	 *
	 * @param string $decision Decision meta.
	 */
	public static function decision_label( string $decision ): string {
		$labels = array(
			'allow'     => __( 'Allowed', 'gatekeeper' ),
			'warn'      => __( 'Allowed with a warning', 'gatekeeper' ),
			'hold'      => __( 'Held for review', 'gatekeeper' ),
			'wait'      => __( 'Waiting for check', 'gatekeeper' ),
			'approved'  => __( 'Approved by the manager', 'gatekeeper' ),
			'rejected'  => __( 'Rejected by the manager', 'gatekeeper' ),
			'override'  => __( 'Published anyway (recorded)', 'gatekeeper' ),
			'unchecked' => __( 'Published without a check (recorded)', 'gatekeeper' ),
		);
		return $labels[ $decision ] ?? '';
	}

	/**
	 * Column content.
	 *
	 * @param string $col     Column.
	 * @param int    $post_id Post.
	 */
	public static function column( $col, $post_id ): void {
		if ( 'gatekeeper' !== $col ) {
			return;
		}
		$decision = (string) get_post_meta( $post_id, Gate::META_DECISION, true );
		$label    = self::decision_label( $decision );
		echo '' === $label ? '—' : '<span class="gatekeeper-badge gatekeeper-' . esc_attr( $decision ) . '">' . esc_html( $label ) . '</span>';
	}

	/**
	 * "Review" on held rows for reviewers.
	 *
	 * @param array    $actions Row actions.
	 * @param \WP_Post $post    Post.
	 */
	public static function row_actions( $actions, $post ) {
		if ( in_array( $post->post_status, array( Gate::HELD, Gate::WAIT ), true ) && current_user_can( Plugin::CAP_REVIEW ) ) {
			$actions['gatekeeper_review'] = '<a href="' . esc_url( Review::url( $post->ID ) ) . '">' . esc_html__( 'Review', 'gatekeeper' ) . '</a>';
		}
		return $actions;
	}
}
