/**
 * Gatekeeper in the block editor (no build step: plain wp.element).
 *
 * - Pre-publish panel: the dry-run verdict of the post as it is being edited
 *   (allow / warn / hold), the negative share before → after on a meter
 *   against the limit, the words that made it negative (the classifier's
 *   evidence, assets/evidence.js), the headroom, the sensational-headline
 *   warning with its signs, and the editor's declared tone. Refreshed
 *   (debounced) while the title, content, terms or tone change. Fields of
 *   the answer it does not know are ignored.
 * - Keeps the publish sidebar on, so the panel is always seen before the final click.
 * - After a save that ended held (or waiting), a persistent notice replaces
 *   "Draft saved"; a badge in the status panel shows the Gatekeeper state.
 * - A held post has no Publish button; the status panel offers "withdraw
 *   from review" and, for reviewers, a link to approve it.
 */
( function ( wp, cfg ) {
	'use strict';
	if ( ! wp || ! cfg || ! wp.plugins || ! wp.data ) {
		return;
	}
	var el = wp.element.createElement;
	var useState = wp.element.useState;
	var useEffect = wp.element.useEffect;
	var __ = wp.i18n.__;
	var _n = wp.i18n._n;
	var sprintf = wp.i18n.sprintf;
	var data = wp.data;
	var apiFetch = wp.apiFetch;
	var components = wp.components;
	var editPostPkg = wp.editPost || {};
	var editorPkg = wp.editor || {};
	// WordPress 6.6+ moved these to wp.editor; 6.1–6.5 have them on wp.editPost.
	var PrePublishPanel = editorPkg.PluginPrePublishPanel || editPostPkg.PluginPrePublishPanel;
	var PostStatusInfo = editorPkg.PluginPostStatusInfo || editPostPkg.PluginPostStatusInfo;
	var TONE = cfg.toneKey;
	var HELD = cfg.heldStatus;
	var WAIT = cfg.waitStatus;
	var NOTICE_ID = 'gatekeeper-state';

	function pct( x ) {
		var n = Number( x ) * 100;
		try {
			return n.toLocaleString( cfg.numberLocale, { minimumFractionDigits: 2, maximumFractionDigits: 2 } ) + '%';
		} catch ( e ) {
			return n.toFixed( 2 ) + '%';
		}
	}

	// The post's Gatekeeper state, shared by the badge and the notices.
	var state = cfg.state || {};
	var listeners = [];
	function setState( s ) {
		state = s || {};
		listeners.forEach( function ( f ) {
			f( state );
		} );
		showNotice( state );
	}
	function useGkState() {
		var pair = useState( state );
		useEffect( function () {
			listeners.push( pair[ 1 ] );
			return function () {
				listeners = listeners.filter( function ( f ) {
					return f !== pair[ 1 ];
				} );
			};
		}, [] );
		return pair[ 0 ];
	}

	function showNotice( s ) {
		var notices = data.dispatch( 'core/notices' );
		notices.removeNotice( NOTICE_ID );
		if ( s.status === HELD ) {
			notices.removeNotice( 'SAVE_POST_NOTICE_ID' );
			notices.createWarningNotice(
				__( 'This post is held for review: publishing it now would take the outlet past its limit of negative news. A manager will approve or reject it; it goes live as soon as it is approved.', 'gatekeeper' ),
				{
					id: NOTICE_ID,
					isDismissible: false,
					actions: s.review_url ? [ { label: __( 'Review it now', 'gatekeeper' ), url: s.review_url } ] : [],
				}
			);
		} else if ( s.status === WAIT ) {
			notices.removeNotice( 'SAVE_POST_NOTICE_ID' );
			notices.createWarningNotice(
				__( 'This post is waiting for the Gatekeeper check: the service could not be reached. It is checked again automatically and published if allowed.', 'gatekeeper' ),
				{ id: NOTICE_ID, isDismissible: false }
			);
		} else if ( s.status === 'draft' && s.decision === 'rejected' ) {
			notices.createErrorNotice(
				s.note
					? sprintf( __( 'Rejected by %1$s: %2$s', 'gatekeeper' ), s.reviewer || '—', s.note )
					: sprintf( __( 'Rejected by %s.', 'gatekeeper' ), s.reviewer || '—' ),
				{ id: NOTICE_ID, isDismissible: true }
			);
		}
	}

	function refreshState( postId ) {
		return apiFetch( { path: '/gatekeeper/v1/state/' + postId } ).then( setState, function () {} );
	}

	// After every real save: fetch the state; keep the publish sidebar on.
	var wasSaving = false;
	data.subscribe( function () {
		var ed = data.select( 'core/editor' );
		if ( ! ed || ! ed.getCurrentPostId ) {
			return;
		}
		var saving = ed.isSavingPost() && ! ed.isAutosavingPost();
		if ( wasSaving && ! saving ) {
			var post = ed.getCurrentPost();
			refreshState( post.id ).then( function () {
				if ( state.status === HELD || state.status === WAIT ) {
					var ep = data.dispatch( 'core/edit-post' );
					if ( ep && ep.closePublishSidebar ) {
						ep.closePublishSidebar();
					}
				}
			} );
		}
		wasSaving = saving;
		if ( ed.isPublishSidebarEnabled && ! ed.isPublishSidebarEnabled() ) {
			data.dispatch( 'core/editor' ).enablePublishSidebar();
		}
	} );

	function ToneControl() {
		var tone = data.useSelect( function ( select ) {
			var meta = select( 'core/editor' ).getEditedPostAttribute( 'meta' ) || {};
			return meta[ TONE ] || '';
		}, [] );
		var editPost = data.useDispatch( 'core/editor' ).editPost;
		return el( components.SelectControl, {
			className: 'gk-tone',
			label: __( 'Tone of this post', 'gatekeeper' ),
			value: tone,
			options: [
				{ value: '', label: __( 'Let Gatekeeper decide', 'gatekeeper' ) },
				{ value: 'negative', label: __( 'Negative', 'gatekeeper' ) },
				{ value: 'neutral', label: __( 'Neutral', 'gatekeeper' ) },
				{ value: 'positive', label: __( 'Positive', 'gatekeeper' ) },
			],
			help: __( 'Declaring "negative" is always honoured; a milder tone than the text shows makes the post borderline.', 'gatekeeper' ),
			onChange: function ( v ) {
				var meta = {};
				meta[ TONE ] = v;
				editPost( { meta: meta } );
			},
		} );
	}

	function useVerdict() {
		var post = data.useSelect( function ( select ) {
			var ed = select( 'core/editor' );
			var meta = ed.getEditedPostAttribute( 'meta' ) || {};
			return {
				post: ed.getCurrentPostId(),
				title: ed.getEditedPostAttribute( 'title' ) || '',
				content: ed.getEditedPostContent() || '',
				excerpt: ed.getEditedPostAttribute( 'excerpt' ) || '',
				categories: ed.getEditedPostAttribute( 'categories' ) || [],
				tags: ed.getEditedPostAttribute( 'tags' ) || [],
				tone: meta[ TONE ] || '',
			};
		}, [] );
		var key = JSON.stringify( post );
		var pair = useState( { loading: true } );
		var setResult = pair[ 1 ];
		useEffect(
			function () {
				var live = true;
				setResult( function ( prev ) {
					return Object.assign( {}, prev, { loading: true } );
				} );
				var timer = setTimeout( function () {
					apiFetch( { path: '/gatekeeper/v1/verdict', method: 'POST', data: post } ).then(
						function ( r ) {
							if ( live ) {
								setResult( r );
							}
						},
						function ( err ) {
							if ( live ) {
								setResult( { ok: false, error: ( err && err.message ) || __( 'Could not reach Gatekeeper.', 'gatekeeper' ) } );
							}
						}
					);
				}, cfg.debounce );
				return function () {
					live = false;
					clearTimeout( timer );
				};
			},
			[ key ]
		);
		return pair[ 0 ];
	}

	function Meter( props ) {
		var raw = props.share;
		var s = {};
		[ 'before', 'after', 'limit', 'warn_at', 'published', 'negative', 'window_days', 'positive', 'positive_before', 'positive_after' ].forEach( function ( k ) {
			s[ k ] = Number( raw[ k ] ) || 0;
		} );
		var scale = Math.max( s.limit * 1.5, s.after, s.before, 0.01 );
		var w = function ( x ) {
			return Math.min( 100, ( 100 * x ) / scale ) + '%';
		};
		return el(
			'div',
			{ className: 'gk-share' },
			el(
				'p',
				{ className: 'gk-share-text' },
				sprintf( __( 'Negative share: %1$s → %2$s (limit %3$s)', 'gatekeeper' ), pct( s.before ), pct( s.after ), pct( s.limit ) )
			),
			el(
				'div',
				{ className: 'gk-meter', role: 'img', 'aria-label': sprintf( __( 'Negative share after this post: %s', 'gatekeeper' ), pct( s.after ) ) },
				el( 'div', { className: 'gk-meter-after gk-meter-after--' + props.decision, style: { width: w( s.after ) } } ),
				el( 'div', { className: 'gk-meter-before', style: { width: w( s.before ) } } ),
				el( 'div', { className: 'gk-meter-warn', style: { left: w( s.warn_at ) } } ),
				el( 'div', { className: 'gk-meter-limit', style: { left: w( s.limit ) } } )
			),
			el(
				'p',
				{ className: 'gk-share-counts' },
				sprintf( __( '%1$d posts in the last %2$d days, %3$d negative.', 'gatekeeper' ), s.published, s.window_days, s.negative )
			),
			typeof raw.positive_after === 'undefined' ? null : el( Positive, { share: s, dominant: raw.positive_dominant === true } )
		);
	}

	// The positive side, next to the negative share: the product expects
	// positive news to dominate; the verdict does not depend on it.
	function Positive( props ) {
		var s = props.share;
		return el(
			'div',
			{ className: 'gk-positive gk-positive--' + ( props.dominant ? 'yes' : 'no' ) },
			el( 'p', { className: 'gk-positive-text' }, sprintf( __( 'Positive share: %1$s → %2$s (%3$d positive posts before this one)', 'gatekeeper' ), pct( s.positive_before ), pct( s.positive_after ), s.positive ) ),
			el(
				'p',
				{ className: 'gk-positive-expect' },
				props.dominant
					? __( 'Expected: positive news dominates. It does: more positive posts than neutral and than negative ones.', 'gatekeeper' )
					: __( 'Expected: positive news dominates. Not yet: it needs more positive posts than neutral and than negative ones.', 'gatekeeper' )
			)
		);
	}

	var evidence = window.gatekeeperEvidence;
	var MAX_WORDS = 6;

	function Verdict() {
		var r = useVerdict();
		if ( r.loading && ! r.answer && ! r.error ) {
			return el( 'p', { className: 'gk-loading' }, el( components.Spinner ), __( 'Checking with Gatekeeper…', 'gatekeeper' ) );
		}
		if ( ! r.ok ) {
			return el( 'p', { className: 'gk-error' }, r.error || __( 'Could not reach Gatekeeper.', 'gatekeeper' ) );
		}
		var a = r.answer && typeof r.answer === 'object' ? r.answer : {};
		// The headline, the reasons and the earliest time come worded by the
		// plugin's PHP (Editor::explain), the same for both editors.
		var h = r.headline && typeof r.headline === 'object' ? r.headline : {};
		var d = [ 'allow', 'warn', 'hold' ].indexOf( h.decision ) >= 0 ? h.decision : 'warn';
		var kids = [];
		kids.push( el( 'p', { key: 'h', className: 'gk-verdict gk-verdict--' + d + ' gk-cause--' + String( h.cause || '' ) }, String( h.title || '' ) ) );
		if ( typeof h.action === 'string' && h.action ) {
			kids.push( el( 'p', { key: 'a', className: 'gk-action' }, h.action ) );
		}
		if ( a.share && typeof a.share === 'object' ) {
			kids.push( el( Meter, { key: 'm', share: a.share, decision: d } ) );
		}
		var tone = a.tone && typeof a.tone === 'object' ? a.tone : {};
		var neg = evidence.texts( tone.evidence, MAX_WORDS );
		if ( neg.length ) {
			kids.push(
				el(
					'p',
					{ key: 'w', className: 'gk-words' },
					( tone.label === 'negative' ? __( 'Words that made it negative:', 'gatekeeper' ) : __( 'Words that set the tone:', 'gatekeeper' ) ) + ' ',
					el( 'strong', null, neg.join( ', ' ) )
				)
			);
		}
		if ( a.headroom && typeof a.headroom === 'object' ) {
			// null means "no bound" (a limit of 0% or 100%): nothing to say then.
			var need = Number( a.headroom.non_negative_needed ) || 0;
			var left = a.headroom.negative_left;
			if ( need > 0 ) {
				kids.push(
					el(
						'p',
						{ key: 'r', className: 'gk-headroom' },
						sprintf( _n( '%d more non-negative post needed before another negative one fits.', '%d more non-negative posts needed before another negative one fits.', need, 'gatekeeper' ), need )
					)
				);
			} else if ( typeof left === 'number' ) {
				kids.push(
					el( 'p', { key: 'r', className: 'gk-headroom' }, sprintf( _n( '%d more negative post can go out now.', '%d more negative posts can go out now.', left, 'gatekeeper' ), left ) )
				);
			}
		}
		if ( a.sensational && a.sensational.flagged ) {
			var sw = evidence.texts( a.sensational.evidence, MAX_WORDS );
			kids.push(
				el(
					'p',
					{ key: 's', className: 'gk-sensational' },
					__( 'The headline looks sensational.', 'gatekeeper' ) + ( sw.length ? ' ' + sprintf( __( 'Signs: %s', 'gatekeeper' ), sw.join( ', ' ) ) : '' )
				)
			);
		}
		( Array.isArray( r.reasons ) ? r.reasons : [] ).forEach( function ( message, i ) {
			if ( typeof message === 'string' && message ) {
				kids.push( el( 'p', { key: 'x' + i, className: 'gk-reason' }, message ) );
			}
		} );
		if ( typeof r.earliest === 'string' && r.earliest ) {
			kids.push( el( 'p', { key: 'e', className: 'gk-earliest' }, r.earliest ) );
		}
		if ( r.loading ) {
			kids.push( el( 'p', { key: 'l', className: 'gk-refreshing' }, __( 'Updating…', 'gatekeeper' ) ) );
		}
		return el( 'div', { className: 'gk-answer' }, kids );
	}

	function Badge() {
		var s = useGkState();
		var current = data.useSelect( function ( select ) {
			return select( 'core/editor' ).getCurrentPostAttribute( 'status' );
		}, [] );
		var key = current === HELD ? 'hold' : current === WAIT ? 'wait' : s.decision;
		var label = current === HELD ? cfg.labels.hold : current === WAIT ? cfg.labels.wait : s.label;
		if ( ! label ) {
			return null;
		}
		return el(
			'div',
			{ className: 'gk-status' },
			el( 'span', null, __( 'Gatekeeper:', 'gatekeeper' ) + ' ' ),
			el( 'span', { className: 'gatekeeper-badge gatekeeper-' + key }, label )
		);
	}

	// A held post is not publishable from here: the Publish button goes (a
	// second click would only ask again), the status panel says where the post
	// is and offers to withdraw it from review or, for reviewers, to approve it.
	function HeldActions() {
		var s = useGkState();
		var current = data.useSelect( function ( select ) {
			return select( 'core/editor' ).getCurrentPostAttribute( 'status' );
		}, [] );
		var busy = data.useSelect( function ( select ) {
			return select( 'core/editor' ).isSavingPost();
		}, [] );
		var dispatch = data.useDispatch( 'core/editor' );
		useEffect(
			function () {
				document.body.classList.toggle( 'gk-is-held', current === HELD );
			},
			[ current ]
		);
		if ( current !== HELD ) {
			return null;
		}
		var kids = [
			el( 'p', { key: 't', className: 'gk-held-text' }, __( 'Waiting for review: the outlet\'s reviewer approves or rejects this post; it goes live as soon as it is approved.', 'gatekeeper' ) ),
			el(
				components.Button,
				{
					key: 'w',
					variant: 'secondary',
					className: 'gk-withdraw',
					isBusy: busy,
					disabled: busy,
					onClick: function () {
						dispatch.editPost( { status: 'draft' } );
						dispatch.savePost();
					},
				},
				__( 'Withdraw from review', 'gatekeeper' )
			),
		];
		if ( s.can_review && s.review_url ) {
			kids.push( el( components.Button, { key: 'r', variant: 'primary', className: 'gk-approve', href: s.review_url }, __( 'Approve in Gatekeeper', 'gatekeeper' ) ) );
		}
		return el( 'div', { className: 'gk-held-actions' }, kids );
	}

	function Root() {
		return el(
			wp.element.Fragment,
			null,
			PostStatusInfo ? el( PostStatusInfo, { className: 'gatekeeper-status-info' }, el( 'div', { className: 'gk-status-wrap' }, el( Badge ), el( HeldActions ), el( ToneControl ) ) ) : null,
			PrePublishPanel
				? el(
						PrePublishPanel,
						{ title: __( 'Gatekeeper: negative news check', 'gatekeeper' ), initialOpen: true, className: 'gatekeeper-prepublish' },
						el( Verdict ),
						el( ToneControl )
				  )
				: null
		);
	}

	wp.plugins.registerPlugin( 'gatekeeper', { render: Root, icon: 'shield' } );

	wp.domReady( function () {
		showNotice( state );
	} );
} )( window.wp, window.gatekeeperEditor );
