/**
 * End to end, in Debian's headless Chromium (playwright-core, no browser
 * download), against WordPress 6.1 (selectors pinned to its Gutenberg 14.1),
 * the real gatekeeper service and Redis started by run.sh.
 *
 * 1. An editor (Vietnamese UI) writes a negative post in the block editor and
 *    sees the hold verdict in the pre-publish panel before the final click.
 * 2. She publishes: the post ends "gatekeeper-held" and a persistent notice
 *    "Bài đang chờ duyệt…" replaces "Draft saved".
 * 3. A manager approves it on the review screen in WordPress: it is published.
 * 4. A second held post is approved through the service: its signed callback
 *    (or, if the service cannot reach the site, the WP-Cron poll) publishes it.
 */
'use strict';
const { chromium } = require( 'playwright-core' );
const crypto = require( 'crypto' );
const fs = require( 'fs' );
const os = require( 'os' );
const path = require( 'path' );
const { execFileSync } = require( 'child_process' );

const WP = process.env.WP_URL;
const GK = process.env.GK_URL;
const OUTLET = process.env.GK_E2E_OUTLET;
const SECRET = process.env.GK_E2E_SECRET;
const DOCS = path.resolve( __dirname, '../../docs' );
const HELD = 'gatekeeper-held';

let passed = 0;
let failed = 0;
function ok( cond, what ) {
	if ( ! cond ) {
		throw new Error( 'assertion failed: ' + what );
	}
}

async function step( name, fn ) {
	const t = Date.now();
	try {
		await fn();
		passed++;
		console.log( `ok - ${ name } (${ Date.now() - t } ms)` );
	} catch ( e ) {
		failed++;
		console.log( `not ok - ${ name }\n  ${ ( e && e.stack ) || e }` );
		throw e;
	}
}

function signedFetch( method, p, body ) {
	const id = 'msg_' + crypto.randomBytes( 12 ).toString( 'hex' );
	const ts = Math.floor( Date.now() / 1000 ).toString();
	const raw = body === undefined ? '' : JSON.stringify( body );
	const key = Buffer.from( SECRET.slice( 'whsec_'.length ), 'base64' );
	const sig = crypto.createHmac( 'sha256', key ).update( `${ id }.${ ts }.${ raw }` ).digest( 'base64' );
	return fetch( `${ GK }/v1/outlets/${ encodeURIComponent( OUTLET ) }/${ p }`, {
		method,
		headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': 'v1,' + sig },
		body: raw === '' ? undefined : raw,
	} );
}

async function login( page, user, pass ) {
	await page.context().clearCookies();
	await page.goto( WP + '/wp-login.php' );
	await page.fill( '#user_login', user );
	await page.fill( '#user_pass', pass );
	await Promise.all( [ page.waitForURL( /wp-admin/ ), page.click( '#wp-submit' ) ] );
}

async function restGet( page, route ) {
	return page.evaluate( ( r ) => window.wp.apiFetch( { path: r } ), route );
}

/** Straight from the database (the review screen has no wp.apiFetch). */
function sql( query ) {
	return execFileSync( 'mariadb', [ '--no-defaults', '--socket', path.join( process.env.RUN_DIR, 'mysqld.sock' ), '-uroot', '-N', '-B', 'wp', '-e', query ] )
		.toString()
		.trim();
}
function dbStatus( id ) {
	return sql( `SELECT post_status FROM wp_posts WHERE ID = ${ Number( id ) }` );
}
function dbMeta( id, key ) {
	return sql( `SELECT meta_value FROM wp_postmeta WHERE post_id = ${ Number( id ) } AND meta_key = '${ key }'` );
}

function marker() {
	const t0 = Date.now();
	const marks = [];
	return {
		mark: ( what ) => marks.push( `${ what } ${ Date.now() - t0 }ms` ),
		toString: () => marks.join( ', ' ),
	};
}

async function writeAndPublish( page, title, body, screenshots ) {
	const m = marker();
	await page.goto( WP + '/wp-admin/post-new.php' );
	await page.waitForSelector( '.edit-post-layout' );
	m.mark( 'editor loaded' );
	const guide = page.locator( '.edit-post-welcome-guide' );
	if ( await guide.isVisible().catch( () => false ) ) {
		await page.getByRole( 'button', { name: /close/i } ).click();
	}
	await page.click( '.editor-post-title__input' );
	await page.keyboard.insertText( title );
	await page.keyboard.press( 'Enter' );
	await page.keyboard.insertText( body );

	m.mark( 'typed' );
	await page.click( '.editor-post-publish-panel__toggle' );
	const panel = page.locator( '.gatekeeper-prepublish' );
	await panel.waitFor();
	// Declared tone: negative whatever the classifier says.
	await panel.locator( '.gk-tone select' ).selectOption( 'negative' );
	await panel.locator( '.gk-verdict--hold' ).waitFor( { timeout: 45000 } );
	m.mark( 'hold verdict shown' );
	const text = await panel.innerText();
	ok( /Sẽ bị giữ lại/.test( text ), 'hold verdict in Vietnamese: ' + text );
	ok( /Tỷ lệ tin tiêu cực: .*→.*\(giới hạn 15,0%\)/.test( text ), 'share before → after against the limit: ' + text );
	ok( /Cần thêm \d+ tin không tiêu cực/.test( text ), 'headroom: ' + text );
	ok( ( await panel.locator( '.gk-meter' ).count() ) === 1, 'meter shown' );
	if ( screenshots ) {
		await page.locator( '.editor-post-publish-panel' ).screenshot( { path: path.join( DOCS, 'prepublish-panel.png' ) } );
	}

	const saved = page.waitForResponse(
		( r ) => /wp\/v2\/posts\/\d+/.test( decodeURIComponent( r.url() ) ) && ! /autosaves/.test( decodeURIComponent( r.url() ) ) && r.request().method() !== 'GET'
	);
	await page.click( '.editor-post-publish-panel .editor-post-publish-button' );
	const res = await saved;
	const post = await res.json();
	ok( post.status === HELD, 'REST answer status held, got ' + post.status );
	m.mark( 'published (held)' );
	console.log( `  (${ m })` );
	return post.id;
}

async function main() {
	fs.mkdirSync( DOCS, { recursive: true } );
	const profile = fs.mkdtempSync( path.join( os.tmpdir(), 'gk-chromium-' ) );
	const context = await chromium.launchPersistentContext( profile, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		viewport: { width: 1280, height: 900 },
		locale: 'vi-VN',
		timezoneId: 'Asia/Ho_Chi_Minh',
		args: [ '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync' ],
	} );
	const page = context.pages()[ 0 ] || ( await context.newPage() );
	page.setDefaultTimeout( 45000 );
	let postId;
	try {
		await step( 'editor sees the hold verdict in the pre-publish panel before the final click, publishes, post ends held', async () => {
			await login( page, 'bientap', 'bientap-pass' );
			postId = await writeAndPublish( page, 'Tai nạn giao thông nghiêm trọng trên quốc lộ 14', 'Sáng nay, một vụ tai nạn giữa xe tải và xe máy khiến hai người bị thương.', true );
			const p = await restGet( page, `/wp/v2/posts/${ postId }?context=edit` );
			ok( p.status === HELD, 'status held over REST, got ' + p.status );
			ok( dbStatus( postId ) === HELD, 'status held in the database' );
		} );

		await step( 'a persistent "Bài đang chờ duyệt" notice replaces "Draft saved"', async () => {
			const notice = page.locator( '.components-notice', { hasText: 'Bài đang chờ duyệt' } );
			await notice.waitFor();
			await page.waitForTimeout( 500 );
			ok( ( await page.locator( '.components-snackbar', { hasText: /Draft saved|Đã lưu bản nháp/ } ).count() ) === 0, 'no "Draft saved" snackbar' );
			// The document tab of the sidebar, where the Gatekeeper badge sits in the status panel.
			const tab = page.locator( '.edit-post-sidebar__panel-tab' ).first();
			if ( await tab.isVisible().catch( () => false ) ) {
				await tab.click();
			}
			await page.locator( '.gk-status .gatekeeper-hold' ).waitFor();
			await page.screenshot( { path: path.join( DOCS, 'held-notice.png' ) } );
		} );

		await step( 'a manager approves it on the review screen in WordPress: it is published', async () => {
			await login( page, 'quanly', 'quanly-pass' );
			await page.goto( WP + '/wp-admin/edit.php?page=gatekeeper-review' );
			const card = page.locator( `#gatekeeper-post-${ postId }` );
			await card.waitFor();
			await card.locator( 'textarea[name=note]' ).fill( 'Tin cần thiết cho người dân, đồng ý đăng.' );
			await page.screenshot( { path: path.join( DOCS, 'review-screen.png' ) } );
			await Promise.all( [ page.waitForURL( /gatekeeper_done=/ ), card.locator( '.gatekeeper-approve' ).click() ] );
			ok( /gatekeeper_done=published/.test( page.url() ), 'approved: ' + page.url() );
			ok( dbStatus( postId ) === 'publish', 'published, got ' + dbStatus( postId ) );
			ok( dbMeta( postId, '_gatekeeper_decision' ) === 'approved', 'approval recorded' );
			ok( dbMeta( postId, '_gatekeeper_reviewer' ) === 'quanly', 'reviewer recorded' );
		} );

		await step( 'a hold approved through the service publishes the post (signed callback, or the WP-Cron poll)', async () => {
			await login( page, 'bientap', 'bientap-pass' );
			const id = await writeAndPublish( page, 'Cháy rừng tại xã Đắk Pék', 'Lực lượng chức năng đang khống chế đám cháy.', false );
			const st = await restGet( page, `/gatekeeper/v1/state/${ id }` );
			ok( st.hold_id, 'hold id kept: ' + JSON.stringify( st ) );
			const r = await signedFetch( 'POST', `holds/${ encodeURIComponent( st.hold_id ) }/approve`, { reviewer: 'quanly', note: 'Đồng ý' } );
			ok( r.ok, 'service approve: ' + r.status + ' ' + ( await r.text() ) );
			let status = '';
			for ( let i = 0; i < 40 && status !== 'publish'; i++ ) {
				await page.waitForTimeout( 250 );
				status = dbStatus( id );
			}
			let via = 'callback';
			if ( status !== 'publish' ) {
				via = 'WP-Cron poll';
				execFileSync( 'php', [ path.join( __dirname, '../lib/run-cron.php' ), process.env.WP_HOST, 'gatekeeper_poll_holds' ] );
				status = dbStatus( id );
			}
			ok( status === 'publish', 'published after the service approval, got ' + status );
			console.log( `  (delivered by ${ via })` );
		} );
	} catch ( e ) {
		await page.screenshot( { path: path.join( process.env.RUN_DIR || os.tmpdir(), 'e2e-failure.png' ) } ).catch( () => {} );
	} finally {
		await context.close();
		fs.rmSync( profile, { recursive: true, force: true } );
	}
}

main()
	.catch( ( e ) => {
		failed++;
		console.log( String( ( e && e.stack ) || e ) );
	} )
	.finally( () => {
		console.log( `e2e: ${ passed } passed, ${ failed } failed` );
		process.exitCode = failed === 0 && passed === 4 ? 0 : 1;
	} );
