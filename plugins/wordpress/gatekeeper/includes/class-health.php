<?php
/**
 * Site Health: can this site reach Gatekeeper, and is anything stuck in the outbox?
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Site Health tests and the "not configured" notice.
 */
final class Health {

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_filter( 'site_status_tests', array( __CLASS__, 'tests' ) );
		add_action( 'admin_notices', array( __CLASS__, 'not_configured_notice' ) );
	}

	/**
	 * Adds the tests.
	 *
	 * @param array $tests Tests.
	 */
	public static function tests( $tests ) {
		$tests['direct']['gatekeeper_connection'] = array(
			'label' => __( 'Gatekeeper service', 'gatekeeper' ),
			'test'  => array( __CLASS__, 'test_connection' ),
		);
		$tests['direct']['gatekeeper_outbox']     = array(
			'label' => __( 'Gatekeeper outbox', 'gatekeeper' ),
			'test'  => array( __CLASS__, 'test_outbox' ),
		);
		return $tests;
	}

	/**
	 * Connection test.
	 */
	public static function test_connection(): array {
		$r = Settings::test_connection( 3 );
		return array(
			'label'       => $r['ok'] ? __( 'This site reaches the Gatekeeper service', 'gatekeeper' ) : __( 'This site cannot reach the Gatekeeper service', 'gatekeeper' ),
			'status'      => $r['ok'] ? 'good' : 'critical',
			'badge'       => array(
				'label' => __( 'Gatekeeper', 'gatekeeper' ),
				'color' => $r['ok'] ? 'blue' : 'red',
			),
			'description' => '<p>' . esc_html( $r['message'] ) . '</p>' . ( $r['ok'] ? '' : '<p>' . esc_html__( 'Until it is reachable, posts wait in "Waiting for check" and are re-checked automatically.', 'gatekeeper' ) . '</p>' ),
			'actions'     => '<a href="' . esc_url( admin_url( 'options-general.php?page=' . Settings::PAGE ) ) . '">' . esc_html__( 'Gatekeeper settings', 'gatekeeper' ) . '</a>',
			'test'        => 'gatekeeper_connection',
		);
	}

	/**
	 * Outbox backlog test.
	 */
	public static function test_outbox(): array {
		$n = Outbox::pending_count();
		return array(
			'label'       => 0 === $n ? __( 'No Gatekeeper call is waiting', 'gatekeeper' ) : __( 'Gatekeeper calls are waiting to be sent', 'gatekeeper' ),
			'status'      => 0 === $n ? 'good' : 'recommended',
			'badge'       => array(
				'label' => __( 'Gatekeeper', 'gatekeeper' ),
				'color' => 0 === $n ? 'blue' : 'orange',
			),
			'description' => '<p>' . esc_html(
				sprintf(
					/* translators: %d: number of calls */
					_n( '%d call waits in the outbox.', '%d calls wait in the outbox.', $n, 'gatekeeper' ),
					$n
				)
			) . '</p>',
			'actions'     => '',
			'test'        => 'gatekeeper_outbox',
		);
	}

	/**
	 * Tells administrators the plugin is not enforcing anything yet.
	 */
	public static function not_configured_notice(): void {
		if ( Settings::configured() || ! current_user_can( 'manage_options' ) ) {
			return;
		}
		printf(
			'<div class="notice notice-warning"><p>%1$s <a href="%2$s">%3$s</a></p></div>',
			esc_html__( 'Gatekeeper is not configured yet, so posts are published without a check.', 'gatekeeper' ),
			esc_url( admin_url( 'options-general.php?page=' . Settings::PAGE ) ),
			esc_html__( 'Configure it', 'gatekeeper' )
		);
	}
}
