<?php
/**
 * Settings → Gatekeeper: service URL, outlet, secret, timeouts, failure policy.
 *
 * wp-config constants GATEKEEPER_URL, GATEKEEPER_OUTLET and GATEKEEPER_SECRET
 * override the stored options and hide their fields. The secret is never
 * printed into a page.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Options and the settings screen.
 */
final class Settings {

	const OPTION = 'gatekeeper_settings';
	const PAGE   = 'gatekeeper';

	/** Option keys that a wp-config constant can pin. */
	const CONSTANTS = array(
		'url'    => 'GATEKEEPER_URL',
		'outlet' => 'GATEKEEPER_OUTLET',
		'secret' => 'GATEKEEPER_SECRET',
	);

	/**
	 * Defaults of every option.
	 */
	public static function defaults(): array {
		return array(
			'url'            => '',
			'outlet'         => '',
			'secret'         => '',
			'timeout_check'  => 5,
			'timeout_panel'  => 3,
			'failure_policy' => 'wait',
			'post_types'     => array( 'post' ),
			'window_days'    => 30,
		);
	}

	/**
	 * Hooks.
	 */
	public static function register(): void {
		add_action( 'admin_init', array( __CLASS__, 'admin_init' ) );
		add_action( 'admin_menu', array( __CLASS__, 'menu' ) );
		add_action( 'admin_post_gatekeeper_test', array( __CLASS__, 'handle_test' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( GATEKEEPER_FILE ), array( __CLASS__, 'action_links' ) );
	}

	/**
	 * One setting, constants first.
	 *
	 * @param string $key Option key.
	 * @return mixed
	 */
	public static function get( string $key ) {
		if ( isset( self::CONSTANTS[ $key ] ) && defined( self::CONSTANTS[ $key ] ) ) {
			return (string) constant( self::CONSTANTS[ $key ] );
		}
		$opts = get_option( self::OPTION, array() );
		$opts = is_array( $opts ) ? $opts : array();
		$all  = array_merge( self::defaults(), $opts );
		return $all[ $key ] ?? null;
	}

	/**
	 * Whether a wp-config constant pins this setting.
	 *
	 * @param string $key Option key.
	 */
	public static function pinned( string $key ): bool {
		return isset( self::CONSTANTS[ $key ] ) && defined( self::CONSTANTS[ $key ] );
	}

	/**
	 * Whether URL, outlet and secret are all set.
	 */
	public static function configured(): bool {
		return '' !== (string) self::get( 'url' ) && '' !== (string) self::get( 'outlet' ) && '' !== (string) self::get( 'secret' );
	}

	/**
	 * Post types the gate applies to.
	 */
	public static function post_types(): array {
		$types = self::get( 'post_types' );
		$types = is_array( $types ) && $types ? $types : array( 'post' );
		/**
		 * Filters the post types Gatekeeper checks before they go live.
		 *
		 * @param string[] $types Post type names.
		 */
		return (array) apply_filters( 'gatekeeper_post_types', $types );
	}

	/**
	 * Whether a secret looks like "whsec_" + base64 of 24..64 bytes.
	 *
	 * @param string $secret Secret.
	 */
	public static function valid_secret( string $secret ): bool {
		if ( ! str_starts_with( $secret, 'whsec_' ) ) {
			return false;
		}
		$key = base64_decode( substr( $secret, 6 ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
		return false !== $key && strlen( $key ) >= 24 && strlen( $key ) <= 64;
	}

	/**
	 * Registers the setting, its section and fields.
	 */
	public static function admin_init(): void {
		register_setting(
			'gatekeeper',
			self::OPTION,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( __CLASS__, 'sanitize' ),
				'show_in_rest'      => false,
				'default'           => self::defaults(),
			)
		);
		add_settings_section( 'gatekeeper_service', __( 'Service', 'gatekeeper' ), array( __CLASS__, 'section_service' ), self::PAGE );
		add_settings_section( 'gatekeeper_behaviour', __( 'Behaviour', 'gatekeeper' ), '__return_false', self::PAGE );

		$fields = array(
			'url'            => array( __( 'Service URL', 'gatekeeper' ), 'gatekeeper_service' ),
			'outlet'         => array( __( 'Outlet ID', 'gatekeeper' ), 'gatekeeper_service' ),
			'secret'         => array( __( 'Signing secret', 'gatekeeper' ), 'gatekeeper_service' ),
			'timeout_check'  => array( __( 'Timeout at publish (seconds)', 'gatekeeper' ), 'gatekeeper_behaviour' ),
			'timeout_panel'  => array( __( 'Timeout in the editor panel (seconds)', 'gatekeeper' ), 'gatekeeper_behaviour' ),
			'failure_policy' => array( __( 'When the service cannot be reached', 'gatekeeper' ), 'gatekeeper_behaviour' ),
		);
		foreach ( $fields as $key => $field ) {
			if ( self::pinned( $key ) ) {
				continue; // Set in wp-config.php: not shown, not editable.
			}
			add_settings_field(
				'gatekeeper_' . $key,
				$field[0],
				array( __CLASS__, 'field' ),
				self::PAGE,
				$field[1],
				array(
					'key'       => $key,
					'label_for' => 'gatekeeper_' . $key,
				)
			);
		}
	}

	/**
	 * Settings → Gatekeeper.
	 */
	public static function menu(): void {
		add_options_page( __( 'Gatekeeper', 'gatekeeper' ), __( 'Gatekeeper', 'gatekeeper' ), 'manage_options', self::PAGE, array( __CLASS__, 'render' ) );
	}

	/**
	 * "Settings" link on the Plugins screen.
	 *
	 * @param array $links Links.
	 */
	public static function action_links( $links ) {
		array_unshift( $links, '<a href="' . esc_url( admin_url( 'options-general.php?page=' . self::PAGE ) ) . '">' . esc_html__( 'Settings', 'gatekeeper' ) . '</a>' );
		return $links;
	}

	/**
	 * Cleans what the form sent. An empty secret field keeps the stored secret.
	 *
	 * @param mixed $input Submitted values.
	 */
	public static function sanitize( $input ): array {
		$old   = get_option( self::OPTION, array() );
		$old   = is_array( $old ) ? array_merge( self::defaults(), $old ) : self::defaults();
		$input = is_array( $input ) ? $input : array();
		$out   = $old;

		if ( isset( $input['url'] ) ) {
			$url = esc_url_raw( trim( (string) $input['url'] ), array( 'http', 'https' ) );
			if ( '' === trim( (string) $input['url'] ) || '' !== $url ) {
				$out['url'] = untrailingslashit( $url );
			} else {
				add_settings_error( self::OPTION, 'url', __( 'The service URL must start with http:// or https://.', 'gatekeeper' ) );
			}
		}
		if ( isset( $input['outlet'] ) ) {
			$outlet = trim( (string) $input['outlet'] );
			if ( '' === $outlet || preg_match( '/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/', $outlet ) ) {
				$out['outlet'] = $outlet;
			} else {
				add_settings_error( self::OPTION, 'outlet', __( 'The outlet ID may contain only letters, digits, dot, dash and underscore.', 'gatekeeper' ) );
			}
		}
		if ( isset( $input['secret'] ) && '' !== trim( (string) $input['secret'] ) ) {
			$secret = trim( (string) $input['secret'] );
			if ( self::valid_secret( $secret ) ) {
				$out['secret'] = $secret;
			} else {
				add_settings_error( self::OPTION, 'secret', __( 'The secret must be "whsec_" followed by base64, as the service printed it.', 'gatekeeper' ) );
			}
		}
		foreach ( array( 'timeout_check', 'timeout_panel' ) as $key ) {
			if ( isset( $input[ $key ] ) ) {
				$out[ $key ] = max( 1, min( 30, (int) $input[ $key ] ) );
			}
		}
		if ( isset( $input['failure_policy'] ) ) {
			$out['failure_policy'] = 'publish' === $input['failure_policy'] ? 'publish' : 'wait';
		}
		if ( isset( $input['window_days'] ) ) {
			$out['window_days'] = max( 1, min( 366, (int) $input['window_days'] ) );
		}
		return $out;
	}

	/**
	 * Text above the service fields.
	 */
	public static function section_service(): void {
		echo '<p>' . esc_html__( 'Where the Gatekeeper service runs and how this site signs its requests. The operator gives you the outlet ID and the secret (gatekeeper outlet add).', 'gatekeeper' ) . '</p>';
		$pinned = array_filter( array_keys( self::CONSTANTS ), array( __CLASS__, 'pinned' ) );
		if ( $pinned ) {
			echo '<p><em>' . esc_html__( 'Some settings are set in wp-config.php and are not shown here.', 'gatekeeper' ) . '</em></p>';
		}
	}

	/**
	 * One field.
	 *
	 * @param array $args Field arguments.
	 */
	public static function field( array $args ): void {
		$key  = $args['key'];
		$id   = 'gatekeeper_' . $key;
		$name = self::OPTION . '[' . $key . ']';
		switch ( $key ) {
			case 'secret':
				$has = '' !== (string) self::get( 'secret' );
				printf(
					'<input type="password" id="%1$s" name="%2$s" value="" class="regular-text" autocomplete="new-password" placeholder="%3$s" />',
					esc_attr( $id ),
					esc_attr( $name ),
					esc_attr( $has ? __( 'Saved — leave empty to keep it', 'gatekeeper' ) : 'whsec_…' )
				);
				echo '<p class="description">' . esc_html__( 'Stored on the server only; it is never sent back to the browser.', 'gatekeeper' ) . '</p>';
				break;
			case 'timeout_check':
			case 'timeout_panel':
				printf( '<input type="number" min="1" max="30" id="%1$s" name="%2$s" value="%3$d" class="small-text" />', esc_attr( $id ), esc_attr( $name ), (int) self::get( $key ) );
				break;
			case 'failure_policy':
				$value = self::get( 'failure_policy' );
				$opts  = array(
					'wait'    => __( 'Keep the post waiting for the check and retry (recommended)', 'gatekeeper' ),
					'publish' => __( 'Publish and report it to the service later (recorded)', 'gatekeeper' ),
				);
				foreach ( $opts as $v => $label ) {
					printf(
						'<label><input type="radio" name="%1$s" value="%2$s" %3$s /> %4$s</label><br />',
						esc_attr( $name ),
						esc_attr( $v ),
						checked( $value, $v, false ),
						esc_html( $label )
					);
				}
				echo '<p class="description">' . esc_html__( 'While waiting, WP-Cron re-checks with growing delays; a manager may publish anyway, which is recorded and replayed to the service.', 'gatekeeper' ) . '</p>';
				break;
			default:
				printf(
					'<input type="%4$s" id="%1$s" name="%2$s" value="%3$s" class="regular-text" />',
					esc_attr( $id ),
					esc_attr( $name ),
					esc_attr( (string) self::get( $key ) ),
					'url' === $key ? 'url' : 'text'
				);
		}
	}

	/**
	 * The settings screen: form, connection test, sync, outbox.
	 */
	public static function render(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Gatekeeper.', 'gatekeeper' ), 403 );
		}
		$result = get_transient( 'gatekeeper_test_' . get_current_user_id() );
		if ( is_array( $result ) ) {
			delete_transient( 'gatekeeper_test_' . get_current_user_id() );
			printf( '<div class="notice notice-%1$s is-dismissible"><p>%2$s</p></div>', esc_attr( $result['ok'] ? 'success' : 'error' ), esc_html( $result['message'] ) );
		}
		echo '<div class="wrap gatekeeper-settings"><h1>' . esc_html__( 'Gatekeeper', 'gatekeeper' ) . '</h1>';
		settings_errors( self::OPTION );
		echo '<form method="post" action="options.php">';
		settings_fields( 'gatekeeper' );
		do_settings_sections( self::PAGE );
		submit_button();
		echo '</form>';

		echo '<h2>' . esc_html__( 'Connection', 'gatekeeper' ) . '</h2>';
		echo '<p>' . esc_html__( 'Callback URL to give the operator (gatekeeper outlet update ID --callback-url URL):', 'gatekeeper' ) . ' <code>' . esc_html( Callbacks::url() ) . '</code></p>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline-block;margin-right:1em">';
		wp_nonce_field( 'gatekeeper_test' );
		echo '<input type="hidden" name="action" value="gatekeeper_test" />';
		submit_button( __( 'Test connection', 'gatekeeper' ), 'secondary', 'submit', false );
		echo '</form>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '" style="display:inline-block">';
		wp_nonce_field( 'gatekeeper_sync' );
		echo '<input type="hidden" name="action" value="gatekeeper_sync" />';
		submit_button( __( 'Sync published posts now', 'gatekeeper' ), 'secondary', 'submit', false );
		echo '</form>';
		$last = get_option( 'gatekeeper_last_sync' );
		if ( is_array( $last ) ) {
			echo '<p class="description">' . esc_html(
				sprintf(
					/* translators: 1: date and time, 2: posts sent, 3: added, 4: withdrawn */
					__( 'Last sync: %1$s — %2$d posts sent, %3$d added, %4$d withdrawn.', 'gatekeeper' ),
					wp_date( Plugin::DATE_FORMAT, (int) $last['at'] ),
					(int) $last['sent'],
					(int) $last['added'],
					(int) $last['withdrawn']
				)
			) . '</p>';
		}
		Outbox::render_admin();
		echo '</div>';
	}

	/**
	 * "Test connection": a signed GET of the outlet's share.
	 */
	public static function handle_test(): void {
		if ( ! current_user_can( 'manage_options' ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Gatekeeper.', 'gatekeeper' ), 403 );
		}
		check_admin_referer( 'gatekeeper_test' );
		$test = self::test_connection();
		set_transient( 'gatekeeper_test_' . get_current_user_id(), $test, 60 );
		wp_safe_redirect( admin_url( 'options-general.php?page=' . self::PAGE ) );
		exit;
	}

	/**
	 * Calls GET /share and says whether it worked, in words for people.
	 *
	 * @param int $timeout Seconds.
	 * @return array{ok: bool, message: string}
	 */
	public static function test_connection( int $timeout = 5 ): array {
		if ( ! self::configured() ) {
			return array(
				'ok'      => false,
				'message' => __( 'Gatekeeper is not configured: set the service URL, the outlet ID and the secret.', 'gatekeeper' ),
			);
		}
		$res = Client::get( 'share', array( 'timeout' => $timeout ) );
		if ( $res['ok'] ) {
			$share = isset( $res['body']['share'] ) && is_array( $res['body']['share'] ) ? $res['body']['share'] : $res['body'];
			if ( isset( $share['window_days'] ) ) {
				$opts                = get_option( self::OPTION, array() );
				$opts                = is_array( $opts ) ? $opts : array();
				$opts['window_days'] = max( 1, (int) $share['window_days'] );
				update_option( self::OPTION, $opts );
			}
			return array(
				'ok'      => true,
				'message' => sprintf(
					/* translators: 1: outlet id, 2: posts in the window, 3: negative posts */
					__( 'Connected to outlet %1$s: %2$d posts in the window, %3$d negative.', 'gatekeeper' ),
					(string) self::get( 'outlet' ),
					(int) ( $share['published'] ?? 0 ),
					(int) ( $share['negative'] ?? 0 )
				),
			);
		}
		return array(
			'ok'      => false,
			'message' => sprintf(
				/* translators: %s: error detail */
				__( 'Could not reach Gatekeeper: %s', 'gatekeeper' ),
				Client::describe_error( $res )
			),
		);
	}
}
