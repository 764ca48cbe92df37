<?php
/**
 * The plugin's own REST routes for the editors: the dry-run verdict and a
 * post's Gatekeeper state. The secret stays on the server.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Routes under gatekeeper/v1 used by the editors.
 */
final class Rest {

	const NS = 'gatekeeper/v1';

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'rest_api_init', array( __CLASS__, 'routes' ) );
	}

	/**
	 * Registers the routes.
	 */
	public static function routes(): void {
		register_rest_route(
			self::NS,
			'/verdict',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'verdict' ),
				'permission_callback' => array( __CLASS__, 'can_edit' ),
				'args'                => array(
					'post'       => array(
						'type'     => 'integer',
						'required' => true,
					),
					'title'      => array( 'type' => 'string' ),
					'content'    => array( 'type' => 'string' ),
					'excerpt'    => array( 'type' => 'string' ),
					'categories' => array(
						'type'  => 'array',
						'items' => array( 'type' => 'integer' ),
					),
					'tags'       => array(
						'type'  => 'array',
						'items' => array( 'type' => 'integer' ),
					),
					'tone'       => array(
						'type' => 'string',
						'enum' => array( '', 'negative', 'neutral', 'positive' ),
					),
				),
			)
		);
		register_rest_route(
			self::NS,
			'/state/(?P<post>\d+)',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'state' ),
				'permission_callback' => array( __CLASS__, 'can_edit' ),
			)
		);
	}

	/**
	 * The user may edit this post.
	 *
	 * @param \WP_REST_Request $request Request.
	 */
	public static function can_edit( $request ): bool {
		$id = (int) $request['post'];
		return $id > 0 && current_user_can( 'edit_post', $id );
	}

	/**
	 * The dry-run verdict of the post as it is being edited.
	 *
	 * @param \WP_REST_Request $request Request.
	 */
	public static function verdict( $request ) {
		$id   = (int) $request['post'];
		$post = get_post( $id );
		if ( ! $post ) {
			return new \WP_Error( 'gatekeeper_no_post', __( 'No such post.', 'gatekeeper' ), array( 'status' => 404 ) );
		}
		if ( ! Settings::configured() ) {
			return rest_ensure_response(
				array(
					'ok'    => false,
					'error' => __( 'Gatekeeper is not configured: set the service URL, the outlet ID and the secret.', 'gatekeeper' ),
				)
			);
		}
		$payload = Gate::collect( $id );
		foreach ( array( 'title', 'content', 'excerpt' ) as $field ) {
			if ( null !== $request[ $field ] ) {
				$payload[ $field ] = (string) $request[ $field ];
			}
		}
		if ( '' === trim( (string) $payload['title'] ) ) {
			$payload['title'] = __( '(no title)', 'gatekeeper' );
		}
		foreach ( array( 'categories' => 'category', 'tags' => 'post_tag' ) as $field => $tax ) {
			if ( is_array( $request[ $field ] ) ) {
				$names = array();
				foreach ( $request[ $field ] as $tid ) {
					$term = get_term( (int) $tid, $tax );
					if ( $term instanceof \WP_Term ) {
						$names[] = html_entity_decode( $term->name, ENT_QUOTES, 'UTF-8' );
					}
				}
				$payload[ $field ] = $names;
			}
		}
		if ( null !== $request['tone'] ) {
			$tone = Gate::sanitize_tone( $request['tone'] );
			if ( '' === $tone ) {
				unset( $payload['declared_tone'] );
			} else {
				$payload['declared_tone'] = $tone;
			}
		}
		if ( 'publish' === $post->post_status ) {
			$payload['published_at'] = Gate::rfc3339( $post->post_date_gmt );
		}
		$res = Gate::call_check(
			$id,
			$payload,
			array(
				'dry_run' => true,
				'timeout' => (int) Settings::get( 'timeout_panel' ),
			)
		);
		if ( ! Gate::answer_ok( $res ) ) {
			return rest_ensure_response(
				array(
					'ok'    => false,
					'error' => sprintf(
						/* translators: %s: error detail */
						__( 'Could not reach Gatekeeper: %s', 'gatekeeper' ),
						Client::describe_error( $res )
					),
				)
			);
		}
		$answer = array_intersect_key( $res['body'], array_flip( array( 'decision', 'counted', 'tone', 'sensational', 'share', 'headroom', 'reasons', 'hold' ) ) );
		return rest_ensure_response(
			array_merge(
				array(
					'ok'     => true,
					'answer' => $answer,
				),
				Editor::explain( $answer )
			)
		);
	}

	/**
	 * A post's Gatekeeper state, for the editor's notices and badge.
	 *
	 * @param \WP_REST_Request $request Request.
	 */
	public static function state( $request ) {
		$id   = (int) $request['post'];
		$post = get_post( $id );
		if ( ! $post ) {
			return new \WP_Error( 'gatekeeper_no_post', __( 'No such post.', 'gatekeeper' ), array( 'status' => 404 ) );
		}
		return rest_ensure_response( self::state_of( $post ) );
	}

	/**
	 * The state array (also printed into the editor page).
	 *
	 * @param \WP_Post $post Post.
	 */
	public static function state_of( \WP_Post $post ): array {
		$decision = (string) get_post_meta( $post->ID, Gate::META_DECISION, true );
		$answer   = Gate::answer( $post->ID );
		return array(
			'post'       => $post->ID,
			'status'     => $post->post_status,
			'decision'   => $decision,
			'label'      => Statuses::decision_label( $decision ),
			'hold_id'    => (string) get_post_meta( $post->ID, Gate::META_HOLD, true ),
			'note'       => (string) get_post_meta( $post->ID, Gate::META_NOTE, true ),
			'reviewer'   => (string) get_post_meta( $post->ID, Gate::META_REVIEWER, true ),
			'answer'     => $answer,
			'can_review' => current_user_can( Plugin::CAP_REVIEW ),
			'review_url' => current_user_can( Plugin::CAP_REVIEW ) ? Review::url( $post->ID ) : '',
		);
	}
}
