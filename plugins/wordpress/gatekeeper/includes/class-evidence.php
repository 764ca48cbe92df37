<?php
/**
 * Evidence items of a Gatekeeper answer (tone.evidence, sensational.evidence)
 * as short texts for people (the PHP twin of assets/evidence.js).
 *
 * An item is {text, field, weight, …}. Structural headline cues (an
 * exclamation mark, a question, a teaser…) carry a `cue` code and a readable
 * `text`; older services sent the code itself as the text ("#exclamation").
 * The readable text is shown when there is one; a bare code is named here.
 * Unknown fields and unexpected values are ignored, never an error.
 *
 * @package Gatekeeper
 */

namespace Gatekeeper;

defined( 'ABSPATH' ) || exit;

/**
 * Evidence as text.
 */
final class Evidence {

	/** Texts shown at most. */
	const MAX = 6;

	/**
	 * Names of the structural headline cues the service may send as bare codes.
	 */
	public static function cue_names(): array {
		return array(
			'question'       => __( 'question in the headline', 'gatekeeper' ),
			'exclamation'    => __( 'exclamation mark in the headline', 'gatekeeper' ),
			'quotes'         => __( 'quotation in the headline', 'gatekeeper' ),
			'ellipsis'       => __( 'ellipsis in the headline', 'gatekeeper' ),
			'leading_number' => __( 'headline starts with a number', 'gatekeeper' ),
			'number'         => __( 'number in the headline', 'gatekeeper' ),
			'colon'          => __( 'colon in the headline', 'gatekeeper' ),
			'short'          => __( 'very short headline', 'gatekeeper' ),
			'length'         => __( 'headline length', 'gatekeeper' ),
			'harm'           => __( 'harm or violence in the headline', 'gatekeeper' ),
			'names'          => __( 'many capitalised names in the headline', 'gatekeeper' ),
			'teaser'         => __( 'headline words missing from the lead (teaser)', 'gatekeeper' ),
		);
	}

	/**
	 * A scalar as trimmed text ('' for anything else).
	 *
	 * @param mixed $v Value.
	 */
	private static function str( $v ): string {
		if ( is_string( $v ) ) {
			return trim( $v );
		}
		return is_int( $v ) || ( is_float( $v ) && is_finite( $v ) ) ? (string) $v : '';
	}

	/**
	 * One item as text ('' when there is nothing to show).
	 *
	 * @param mixed $item Evidence item.
	 */
	public static function label( $item ): string {
		if ( ! is_array( $item ) ) {
			return '';
		}
		$text = self::str( $item['text'] ?? '' );
		$cue  = ltrim( self::str( $item['cue'] ?? '' ), '#' );
		if ( '' === $cue && str_starts_with( $text, '#' ) ) {
			$cue = substr( $text, 1 );
		}
		if ( '' !== $cue && ( '' === $text || str_starts_with( $text, '#' ) ) ) {
			$names = self::cue_names();
			return $names[ $cue ] ?? str_replace( '_', ' ', $cue );
		}
		return $text;
	}

	/**
	 * The distinct texts of a list, in the service's order (strongest first),
	 * without the editor's own declaration (field "declared_tone"). A phrase
	 * inside one already shown ("tai nạn" after "tai nạn giao thông") is not
	 * repeated.
	 *
	 * @param mixed $items Evidence list.
	 * @param int   $max   At most this many (0: all).
	 * @return string[]
	 */
	public static function texts( $items, int $max = self::MAX ): array {
		$out = array();
		foreach ( is_array( $items ) ? $items : array() as $item ) {
			if ( ! is_array( $item ) || 'declared_tone' === ( $item['field'] ?? '' ) ) {
				continue;
			}
			$t = self::label( $item );
			if ( '' === $t || in_array( $t, $out, true ) ) {
				continue;
			}
			foreach ( $out as $shown ) {
				if ( str_contains( ' ' . $shown . ' ', ' ' . $t . ' ' ) ) {
					continue 2;
				}
			}
			$out[] = $t;
		}
		return $max > 0 ? array_slice( $out, 0, $max ) : $out;
	}

	/**
	 * The heading of the tone's words: negative or not.
	 *
	 * @param mixed $tone The answer's tone object.
	 */
	public static function words_heading( $tone ): string {
		return is_array( $tone ) && 'negative' === ( $tone['label'] ?? '' )
			? __( 'Words that made it negative:', 'gatekeeper' )
			: __( 'Words that set the tone:', 'gatekeeper' );
	}
}
