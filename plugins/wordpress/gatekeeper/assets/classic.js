/**
 * Gatekeeper in the classic editor: the meta box shows the dry-run verdict of
 * the post as it is being edited, fetched when the page is shown and again on
 * "Check again" (the words that made it negative, the share, the headroom).
 */
( function ( wp, cfg ) {
	'use strict';
	var __ = wp.i18n.__;
	var _n = wp.i18n._n;
	var sprintf = wp.i18n.sprintf;
	function pct( x ) {
		var n = Number( x ) * 100;
		return n.toLocaleString( cfg.numberLocale, { minimumFractionDigits: 2, maximumFractionDigits: 2 } ) + '%';
	}
	function p( cls, text ) {
		var e = document.createElement( 'p' );
		e.className = cls;
		e.textContent = text;
		return e;
	}
	function content() {
		if ( window.tinymce && window.tinymce.get( 'content' ) && ! window.tinymce.get( 'content' ).isHidden() ) {
			return window.tinymce.get( 'content' ).getContent();
		}
		var t = document.getElementById( 'content' );
		return t ? t.value : '';
	}
	wp.domReady( function () {
		var box = document.querySelector( '.gatekeeper-classic' );
		if ( ! box ) {
			return;
		}
		var out = box.querySelector( '.gk-classic-result' );
		function check() {
			var title = document.getElementById( 'title' );
			var cats = Array.prototype.map.call( document.querySelectorAll( '#categorychecklist input:checked' ), function ( i ) {
				return parseInt( i.value, 10 );
			} );
			out.textContent = __( 'Checking with Gatekeeper…', 'gatekeeper' );
			wp.apiFetch( {
				path: '/gatekeeper/v1/verdict',
				method: 'POST',
				data: {
					post: parseInt( box.getAttribute( 'data-post' ), 10 ),
					title: title ? title.value : '',
					content: content(),
					categories: cats,
					tone: document.getElementById( 'gatekeeper_tone' ).value,
				},
			} ).then(
				function ( r ) {
					out.textContent = '';
					if ( ! r || ! r.ok ) {
						out.appendChild( p( 'gk-error', ( r && r.error ) || __( 'Could not reach Gatekeeper.', 'gatekeeper' ) ) );
						return;
					}
					var a = r.answer && typeof r.answer === 'object' ? r.answer : {};
					var h = r.headline && typeof r.headline === 'object' ? r.headline : {};
					var d = [ 'allow', 'warn', 'hold' ].indexOf( h.decision ) >= 0 ? h.decision : 'warn';
					out.appendChild( p( 'gk-verdict gk-verdict--' + d + ' gk-cause--' + String( h.cause || '' ), String( h.title || '' ) ) );
					if ( typeof h.action === 'string' && h.action ) {
						out.appendChild( p( 'gk-action', h.action ) );
					}
					if ( a.share && typeof a.share === 'object' ) {
						out.appendChild( p( 'gk-share-text', sprintf( __( 'Negative share: %1$s → %2$s (limit %3$s)', 'gatekeeper' ), pct( a.share.before ), pct( a.share.after ), pct( a.share.limit ) ) ) );
						if ( typeof a.share.positive_after !== 'undefined' ) {
							out.appendChild( p( 'gk-positive-text', sprintf( __( 'Positive share: %1$s → %2$s (%3$d positive posts before this one)', 'gatekeeper' ), pct( a.share.positive_before ), pct( a.share.positive_after ), Number( a.share.positive ) || 0 ) ) );
							out.appendChild(
								p(
									'gk-positive-expect',
									a.share.positive_dominant === true
										? __( 'Expected: positive news dominates. It does: more positive posts than neutral and than negative ones.', 'gatekeeper' )
										: __( 'Expected: positive news dominates. Not yet: it needs more positive posts than neutral and than negative ones.', 'gatekeeper' )
								)
							);
						}
					}
					var tone = a.tone && typeof a.tone === 'object' ? a.tone : {};
					var words = window.gatekeeperEvidence.texts( tone.evidence );
					if ( words.length ) {
						out.appendChild(
							p(
								'gk-words',
								( tone.label === 'negative' ? __( 'Words that made it negative:', 'gatekeeper' ) : __( 'Words that set the tone:', 'gatekeeper' ) ) + ' ' + words.join( ', ' )
							)
						);
					}
					if ( a.headroom && typeof a.headroom === 'object' ) {
						var need = Number( a.headroom.non_negative_needed ) || 0;
						var left = a.headroom.negative_left;
						if ( need > 0 ) {
							out.appendChild(
								p( 'gk-headroom', sprintf( _n( '%d more non-negative post needed before another negative one fits.', '%d more non-negative posts needed before another negative one fits.', need, 'gatekeeper' ), need ) )
							);
						} else if ( typeof left === 'number' ) {
							out.appendChild( p( 'gk-headroom', sprintf( _n( '%d more negative post can go out now.', '%d more negative posts can go out now.', left, 'gatekeeper' ), left ) ) );
						}
					}
					if ( a.sensational && a.sensational.flagged ) {
						var signs = window.gatekeeperEvidence.texts( a.sensational.evidence );
						out.appendChild(
							p( 'gk-sensational', __( 'The headline looks sensational.', 'gatekeeper' ) + ( signs.length ? ' ' + sprintf( __( 'Signs: %s', 'gatekeeper' ), signs.join( ', ' ) ) : '' ) )
						);
					}
					( Array.isArray( r.reasons ) ? r.reasons : [] ).forEach( function ( message ) {
						if ( typeof message === 'string' && message ) {
							out.appendChild( p( 'gk-reason', message ) );
						}
					} );
					if ( typeof r.earliest === 'string' && r.earliest ) {
						out.appendChild( p( 'gk-earliest', r.earliest ) );
					}
				},
				function ( err ) {
					out.textContent = ( err && err.message ) || __( 'Could not reach Gatekeeper.', 'gatekeeper' );
				}
			);
		}
		box.querySelector( '.gk-classic-refresh' ).addEventListener( 'click', check );
		check();
	} );
} )( window.wp, window.gatekeeperClassic || { numberLocale: 'en' } );
