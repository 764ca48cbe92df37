<?php
/**
 * Wiring: hooks, activation, cron schedules, translations.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * The plugin's entry point.
 */
final class Plugin {
	/**
	 * The one way the plugin writes a date and time (docs/glossary.md), as the
	 * service's console does: 02/01/2027 05:08.
	 */
	const DATE_FORMAT = 'd/m/Y H:i';


	const DB_VERSION   = '1';
	const CAP_REVIEW   = 'gatekeeper_review';
	const CRON_OUTBOX  = 'gatekeeper_outbox_run';
	const CRON_POLL    = 'gatekeeper_poll_holds';
	const CRON_SYNC    = 'gatekeeper_daily_sync';
	const CRON_CLEANUP = 'gatekeeper_cleanup';

	/**
	 * Registers every hook. Called once when the plugin file loads.
	 */
	public static function boot(): void {
		add_action( 'init', array( __CLASS__, 'load_textdomain' ), 1 );
		add_filter( 'plugin_locale', array( __CLASS__, 'plugin_locale' ), 10, 2 );
		add_filter( 'cron_schedules', array( __CLASS__, 'cron_schedules' ) );
		add_action( 'plugins_loaded', array( __CLASS__, 'maybe_upgrade' ) );
		add_action( 'init', array( __CLASS__, 'ensure_cron' ), 20 );

		Settings::register();
		Statuses::register();
		Gate::register();
		Rest::register();
		Callbacks::register();
		Review::register();
		Sync::register();
		Outbox::register();
		Editor::register();
		Health::register();
	}

	/**
	 * Loads the plugin's translations.
	 */
	public static function load_textdomain(): void {
		load_plugin_textdomain( 'gatekeeper', false, dirname( plugin_basename( GATEKEEPER_FILE ) ) . '/languages' );
	}

	/**
	 * Whether the plugin should speak Vietnamese: the reader's language — the
	 * user's own locale when they chose one (an en_US admin on a Vietnamese
	 * site reads English), otherwise the site's.
	 */
	public static function is_vietnamese(): bool {
		$locale = function_exists( 'get_user_locale' ) && did_action( 'set_current_user' ) ? get_user_locale() : '';
		if ( '' === $locale ) {
			$locale = (string) get_option( 'WPLANG', '' );
		}
		if ( '' === $locale ) {
			$locale = determine_locale();
		}
		return str_starts_with( $locale, 'vi' );
	}

	/**
	 * Vietnamese for the plugin whenever its reader is (is_vietnamese).
	 *
	 * @param string $locale Locale WordPress picked.
	 * @param string $domain Text domain.
	 */
	public static function plugin_locale( $locale, $domain ) {
		if ( 'gatekeeper' === $domain && self::is_vietnamese() ) {
			return 'vi';
		}
		return $locale;
	}

	/**
	 * Adds the five-minute schedule used by the outbox and the hold poll.
	 *
	 * @param array $schedules Known schedules.
	 */
	public static function cron_schedules( $schedules ) {
		$schedules['gatekeeper_5min'] = array(
			'interval' => 5 * MINUTE_IN_SECONDS,
			'display'  => __( 'Every five minutes (Gatekeeper)', 'gatekeeper' ),
		);
		return $schedules;
	}

	/**
	 * Schedules the recurring events if they are missing.
	 */
	public static function ensure_cron(): void {
		if ( ! wp_next_scheduled( self::CRON_OUTBOX ) ) {
			wp_schedule_event( time() + 60, 'gatekeeper_5min', self::CRON_OUTBOX );
		}
		if ( ! wp_next_scheduled( self::CRON_POLL ) ) {
			wp_schedule_event( time() + 120, 'gatekeeper_5min', self::CRON_POLL );
		}
		if ( ! wp_next_scheduled( self::CRON_SYNC ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::CRON_SYNC );
		}
		if ( ! wp_next_scheduled( self::CRON_CLEANUP ) ) {
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'daily', self::CRON_CLEANUP );
		}
	}

	/**
	 * Creates or upgrades the tables when the stored version is older.
	 */
	public static function maybe_upgrade(): void {
		if ( get_option( 'gatekeeper_db_version' ) !== self::DB_VERSION ) {
			self::install_tables();
		}
	}

	/**
	 * Activation: tables, the review capability, cron.
	 */
	public static function activate(): void {
		self::install_tables();
		foreach ( array( 'administrator', 'editor' ) as $role_name ) {
			$role = get_role( $role_name );
			if ( $role ) {
				$role->add_cap( self::CAP_REVIEW );
			}
		}
		Statuses::register_statuses();
		self::ensure_cron();
	}

	/**
	 * Deactivation: stop cron. Data, capabilities and tables stay until uninstall.
	 */
	public static function deactivate(): void {
		foreach ( array( self::CRON_OUTBOX, self::CRON_POLL, self::CRON_SYNC, self::CRON_CLEANUP, Outbox::CRON_SOON ) as $hook ) {
			wp_clear_scheduled_hook( $hook );
		}
	}

	/**
	 * Creates the outbox and the seen-webhook tables.
	 */
	public static function install_tables(): void {
		global $wpdb;
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		$charset = $wpdb->get_charset_collate();
		$outbox  = Outbox::table();
		$seen    = Callbacks::table();
		dbDelta(
			"CREATE TABLE {$outbox} (
  id bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  kind varchar(20) NOT NULL,
  post_id bigint(20) unsigned NOT NULL DEFAULT 0,
  webhook_id varchar(64) NOT NULL,
  method varchar(8) NOT NULL DEFAULT 'POST',
  path varchar(255) NOT NULL DEFAULT '',
  body longtext NULL,
  state varchar(10) NOT NULL DEFAULT 'pending',
  attempts int(11) NOT NULL DEFAULT 0,
  next_attempt datetime NOT NULL,
  last_status int(11) NOT NULL DEFAULT 0,
  last_error text NULL,
  actor varchar(60) NOT NULL DEFAULT '',
  created_at datetime NOT NULL,
  done_at datetime NULL,
  PRIMARY KEY  (id),
  KEY state_next (state,next_attempt),
  KEY post_id (post_id)
) {$charset};
CREATE TABLE {$seen} (
  webhook_id varchar(128) NOT NULL,
  received_at datetime NOT NULL,
  PRIMARY KEY  (webhook_id),
  KEY received_at (received_at)
) {$charset};"
		);
		update_option( 'gatekeeper_db_version', self::DB_VERSION, false );
	}
}
