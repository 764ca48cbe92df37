/**
 * Evidence items of a Gatekeeper answer (tone.evidence, sensational.evidence)
 * as short texts for people, shared by the block and the classic editor.
 *
 * An item is {text, field, weight, …}. Structural headline cues (an
 * exclamation mark, a question, a teaser…) carry a `cue` code and a readable
 * `text`; older services sent the code itself as the text ("#exclamation").
 * The readable text is shown when there is one; a bare code is named here.
 * Unknown fields and unexpected values are ignored, never an error.
 */
( function ( wp ) {
	'use strict';
	var __ = wp.i18n.__;
	var MAX = 6;

	function cueNames() {
		return {
			question: __( 'question in the headline', 'gatekeeper' ),
			exclamation: __( 'exclamation mark in the headline', 'gatekeeper' ),
			quotes: __( 'quotation in the headline', 'gatekeeper' ),
			ellipsis: __( 'ellipsis in the headline', 'gatekeeper' ),
			leading_number: __( 'headline starts with a number', 'gatekeeper' ),
			number: __( 'number in the headline', 'gatekeeper' ),
			colon: __( 'colon in the headline', 'gatekeeper' ),
			short: __( 'very short headline', 'gatekeeper' ),
			length: __( 'headline length', 'gatekeeper' ),
			harm: __( 'harm or violence in the headline', 'gatekeeper' ),
			names: __( 'many capitalised names in the headline', 'gatekeeper' ),
			teaser: __( 'headline words missing from the lead (teaser)', 'gatekeeper' ),
		};
	}

	function str( v ) {
		if ( typeof v === 'string' ) {
			return v.trim();
		}
		return typeof v === 'number' && isFinite( v ) ? String( v ) : '';
	}

	/** One item as text ('' when there is nothing to show). */
	function label( item ) {
		if ( ! item || typeof item !== 'object' ) {
			return '';
		}
		var text = str( item.text );
		var cue = str( item.cue ).replace( /^#/, '' );
		if ( ! cue && text.charAt( 0 ) === '#' ) {
			cue = text.slice( 1 );
		}
		if ( cue && ( text === '' || text.charAt( 0 ) === '#' ) ) {
			var names = cueNames();
			return Object.prototype.hasOwnProperty.call( names, cue ) ? names[ cue ] : cue.replace( /_/g, ' ' );
		}
		return text;
	}

	/** Whether phrase t is already said by one of the texts shown (whole words). */
	function covered( shown, t ) {
		return shown.some( function ( s ) {
			return ( ' ' + s + ' ' ).indexOf( ' ' + t + ' ' ) !== -1;
		} );
	}

	/**
	 * The distinct texts of a list, in the service's order (strongest first);
	 * a phrase inside one already shown ("tai nạn" after "tai nạn giao thông")
	 * is not repeated. The editor's own declaration (field "declared_tone") is
	 * left out: it is shown as a reason instead.
	 */
	function texts( list, max ) {
		var seen = {};
		var out = [];
		( Array.isArray( list ) ? list : [] ).forEach( function ( item ) {
			if ( ! item || typeof item !== 'object' || item.field === 'declared_tone' ) {
				return;
			}
			var t = label( item );
			if ( t && ! seen[ t ] && ! covered( out, t ) ) {
				seen[ t ] = true;
				out.push( t );
			}
		} );
		return max === 0 ? out : out.slice( 0, max || MAX );
	}

	window.gatekeeperEvidence = { label: label, texts: texts };
} )( window.wp );
