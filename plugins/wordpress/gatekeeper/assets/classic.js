/**
 * Gatekeeper in the classic editor: "Check again" asks for the dry-run
 * verdict of the post as it is being edited.
 */
( function ( wp, cfg ) {
	'use strict';
	var __ = wp.i18n.__;
	var _n = wp.i18n._n;
	var sprintf = wp.i18n.sprintf;
	function pct( x ) {
		var n = Number( x ) * 100;
		return n.toLocaleString( cfg.numberLocale, { minimumFractionDigits: 1, maximumFractionDigits: 1 } ) + '%';
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
		var headlines = {
			allow: __( 'Allowed: this post can go live.', 'gatekeeper' ),
			warn: __( 'Allowed with a warning: the outlet is close to its limit of negative news.', 'gatekeeper' ),
			hold: __( 'Will be held: if you publish, this post waits for a manager\'s approval.', 'gatekeeper' ),
		};
		box.querySelector( '.gk-classic-refresh' ).addEventListener( 'click', function () {
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
					if ( ! r.ok ) {
						out.appendChild( p( 'gk-error', r.error ) );
						return;
					}
					var a = r.answer;
					out.appendChild( p( 'gk-verdict gk-verdict--' + a.decision, headlines[ a.decision ] || headlines.warn ) );
					if ( a.share ) {
						out.appendChild( p( 'gk-share-text', sprintf( __( 'Negative share: %1$s → %2$s (limit %3$s)', 'gatekeeper' ), pct( a.share.before ), pct( a.share.after ), pct( a.share.limit ) ) ) );
					}
					var words = ( ( a.tone && a.tone.evidence ) || [] )
						.filter( function ( e ) {
							return e.field !== 'declared_tone';
						} )
						.map( function ( e ) {
							return e.text;
						} );
					if ( words.length ) {
						out.appendChild( p( 'gk-words', __( 'Words that made it negative:', 'gatekeeper' ) + ' ' + words.join( ', ' ) ) );
					}
					if ( a.headroom ) {
						var need = a.headroom.non_negative_needed || 0;
						var left = a.headroom.negative_left || 0;
						out.appendChild(
							p(
								'gk-headroom',
								need > 0
									? sprintf( _n( '%d more non-negative post needed before another negative one fits.', '%d more non-negative posts needed before another negative one fits.', need, 'gatekeeper' ), need )
									: sprintf( _n( '%d more negative post can go out now.', '%d more negative posts can go out now.', left, 'gatekeeper' ), left )
							)
						);
					}
					if ( a.sensational && a.sensational.flagged ) {
						out.appendChild( p( 'gk-sensational', __( 'The headline looks sensational.', 'gatekeeper' ) ) );
					}
					( a.reasons || [] ).forEach( function ( reason ) {
						if ( reason.message ) {
							out.appendChild( p( 'gk-reason', reason.message ) );
						}
					} );
				},
				function ( err ) {
					out.textContent = ( err && err.message ) || __( 'Could not reach Gatekeeper.', 'gatekeeper' );
				}
			);
		} );
	} );
} )( window.wp, window.gatekeeperClassic || { numberLocale: 'en' } );
