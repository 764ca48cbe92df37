<?php
/**
 * Signed calls to the Gatekeeper service (Standard Webhooks: webhook-id,
 * webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256 of id.ts.payload>",
 * where the payload is webhook-target + "\n" + body, binding method and path).
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * HTTP client for the service's API.
 */
final class Client {

	/**
	 * A fresh webhook id.
	 */
	public static function new_id(): string {
		return 'msg_' . bin2hex( random_bytes( 12 ) );
	}

	/**
	 * The key bytes of a "whsec_" secret, or null.
	 *
	 * @param string $secret Secret.
	 */
	public static function key( string $secret ): ?string {
		if ( ! Settings::valid_secret( $secret ) ) {
			return null;
		}
		return base64_decode( substr( $secret, 6 ), true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
	}

	/**
	 * The key that signs the service's callbacks, derived from the outlet's
	 * key: HMAC-SHA256(key, "gatekeeper:callback"). Requests to the service
	 * are signed with the outlet's key itself, so a callback the site receives
	 * can never be sent on to the service as a request (and the other way round).
	 *
	 * @param string $key Key bytes of the outlet's secret.
	 */
	public static function callback_key( string $key ): string {
		return hash_hmac( 'sha256', 'gatekeeper:callback', $key, true );
	}

	/**
	 * What is signed in place of the body: the request's target
	 * ("METHOD /path?query", also sent as webhook-target), a newline, the body.
	 * A captured request then verifies for no other method or path.
	 *
	 * @param string $target Method and path.
	 * @param string $body   Raw body.
	 */
	public static function bound( string $target, string $body ): string {
		return $target . "\n" . $body;
	}

	/**
	 * The "v1,…" signature of a body.
	 *
	 * @param string $key  Key bytes.
	 * @param string $id   Webhook id.
	 * @param int    $ts   Unix seconds.
	 * @param string $body Raw body.
	 */
	public static function sign( string $key, string $id, int $ts, string $body ): string {
		return 'v1,' . base64_encode( hash_hmac( 'sha256', $id . '.' . $ts . '.' . $body, $key, true ) ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_encode
	}

	/**
	 * Whether any "v1," signature in $header matches.
	 *
	 * @param string $key    Key bytes.
	 * @param string $id     Webhook id.
	 * @param string $ts     Timestamp as sent.
	 * @param string $body   Raw body.
	 * @param string $header webhook-signature header (space-separated list).
	 */
	public static function verify( string $key, string $id, string $ts, string $body, string $header ): bool {
		$want  = hash_hmac( 'sha256', $id . '.' . $ts . '.' . $body, $key, true );
		$match = false;
		foreach ( preg_split( '/\s+/', trim( $header ) ) as $sig ) {
			$parts = explode( ',', $sig, 2 );
			if ( 2 !== count( $parts ) || 'v1' !== $parts[0] ) {
				continue;
			}
			$got = base64_decode( $parts[1], true ); // phpcs:ignore WordPress.PHP.DiscouragedPHPFunctions.obfuscation_base64_decode
			if ( false !== $got && hash_equals( $want, $got ) ) {
				$match = true; // Keep going: constant work whatever matched.
			}
		}
		return $match;
	}

	/**
	 * JSON the way it is signed and sent.
	 *
	 * @param mixed $data Data.
	 */
	public static function json( $data ): string {
		return (string) wp_json_encode( $data, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES );
	}

	/**
	 * Signed GET.
	 *
	 * @param string $path Path under /v1/outlets/{outlet}/.
	 * @param array  $opts Options (timeout, webhook_id).
	 */
	public static function get( string $path, array $opts = array() ): array {
		return self::request( 'GET', $path, null, $opts );
	}

	/**
	 * Signed POST.
	 *
	 * @param string     $path Path under /v1/outlets/{outlet}/.
	 * @param array|null $data Body.
	 * @param array      $opts Options (timeout, webhook_id).
	 */
	public static function post( string $path, $data, array $opts = array() ): array {
		return self::request( 'POST', $path, $data, $opts );
	}

	/**
	 * One signed request to the outlet's API.
	 *
	 * Returns ok (2xx), status, body (decoded JSON), error (text), retryable
	 * (could not reach the service, 5xx, 429: try again later with the same
	 * webhook id), retry_after (seconds) and webhook_id.
	 *
	 * @param string            $method HTTP method.
	 * @param string            $path   Path under /v1/outlets/{outlet}/.
	 * @param array|string|null $data   Body (array → JSON; string sent as is).
	 * @param array             $opts   timeout, webhook_id.
	 */
	public static function request( string $method, string $path, $data = null, array $opts = array() ): array {
		$id  = isset( $opts['webhook_id'] ) && '' !== $opts['webhook_id'] ? (string) $opts['webhook_id'] : self::new_id();
		$out = array(
			'ok'          => false,
			'status'      => 0,
			'body'        => null,
			'error'       => '',
			'code'        => '',
			'retryable'   => true,
			'retry_after' => 0,
			'webhook_id'  => $id,
		);
		$base   = (string) Settings::get( 'url' );
		$outlet = (string) Settings::get( 'outlet' );
		$key    = self::key( (string) Settings::get( 'secret' ) );
		if ( '' === $base || '' === $outlet || null === $key ) {
			$out['error'] = __( 'Gatekeeper is not configured: set the service URL, the outlet ID and the secret.', 'gatekeeper' );
			$out['code']  = 'not_configured';
			return $out;
		}
		$body = '';
		if ( null !== $data ) {
			$body = is_string( $data ) ? $data : self::json( $data );
		}
		$url     = untrailingslashit( $base ) . '/v1/outlets/' . rawurlencode( $outlet ) . '/' . ltrim( $path, '/' );
		$parts   = wp_parse_url( $url );
		$target  = $method . ' ' . ( $parts['path'] ?? '/' ) . ( isset( $parts['query'] ) ? '?' . $parts['query'] : '' );
		$ts      = time();
		$headers = array(
			'webhook-id'        => $id,
			'webhook-timestamp' => (string) $ts,
			'webhook-signature' => self::sign( $key, $id, $ts, self::bound( $target, 'GET' === $method || 'DELETE' === $method ? '' : $body ) ),
			'webhook-target'    => $target,
			'Accept'            => 'application/json',
			'Accept-Language'   => Plugin::is_vietnamese() ? 'vi' : 'en',
			'User-Agent'        => 'Gatekeeper-WordPress/' . GATEKEEPER_VERSION . '; ' . home_url( '/' ),
		);
		if ( 'GET' !== $method ) {
			$headers['Content-Type'] = 'application/json';
		}
		// Not wp_safe_remote_request(): the service often runs on loopback or a private network.
		$res = wp_remote_request(
			$url,
			array(
				'method'      => $method,
				'headers'     => $headers,
				'body'        => 'GET' === $method || 'DELETE' === $method ? null : $body,
				'timeout'     => isset( $opts['timeout'] ) ? (float) $opts['timeout'] : (float) Settings::get( 'timeout_check' ),
				'redirection' => 0,
			)
		);
		if ( is_wp_error( $res ) ) {
			$out['error'] = $res->get_error_message();
			$out['code']  = 'unreachable';
			return $out;
		}
		$status         = (int) wp_remote_retrieve_response_code( $res );
		$decoded        = json_decode( (string) wp_remote_retrieve_body( $res ), true );
		$out['status']  = $status;
		$out['body']    = is_array( $decoded ) ? $decoded : null;
		$out['ok']      = $status >= 200 && $status < 300;
		$out['retryable'] = ! $out['ok'] && ( $status >= 500 || 429 === $status || 408 === $status );
		$out['retry_after'] = (int) wp_remote_retrieve_header( $res, 'retry-after' );
		if ( ! $out['ok'] ) {
			$err          = is_array( $decoded ) && isset( $decoded['error'] ) && is_array( $decoded['error'] ) ? $decoded['error'] : array();
			$out['code']  = isset( $err['code'] ) ? (string) $err['code'] : 'http_' . $status;
			$out['error'] = isset( $err['message'] ) ? (string) $err['message'] : sprintf( 'HTTP %d', $status );
		}
		return $out;
	}

	/**
	 * A failed answer in words for people.
	 *
	 * @param array $res Result of request().
	 */
	public static function describe_error( array $res ): string {
		if ( 'not_configured' === $res['code'] ) {
			return $res['error'];
		}
		if ( 0 === $res['status'] ) {
			/* translators: %s: transport error */
			return sprintf( __( 'no answer (%s)', 'gatekeeper' ), $res['error'] );
		}
		if ( 401 === $res['status'] ) {
			return __( 'the service refused the signature (check the outlet ID and the secret)', 'gatekeeper' );
		}
		if ( 503 === $res['status'] ) {
			return __( 'the service cannot record decisions right now (store unavailable)', 'gatekeeper' );
		}
		/* translators: 1: HTTP status, 2: message from the service */
		return sprintf( __( 'HTTP %1$d: %2$s', 'gatekeeper' ), $res['status'], $res['error'] );
	}
}
