// tests/browser/journey.mjs - the guest's whole journey in headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core), at one viewport.
//
// tests/browser/run.sh sets up Postfix + milter + otpd + nginx + smtp-sink,
// sends the invitation through Postfix and the milter, and runs this with:
//   VIEWPORT   desktop (1280x800) | phone (360x740, isMobile, hasTouch)
//   MAIL_HTML  the delivered invitation's text/html part (decoded), a file
//   GUEST      the invited address
//   SINK_DIR   where smtp-sink writes every mail Postfix delivers
//   RESOURCE   the resource URL the invitation links to (behind nginx)
//   PARTNER_MAIL_HTML  the text/html part of a second invitation, to PARTNER
//   PARTNER    an invited address of partner.example (alice@partner.example),
//              a domain with its own OpenID Connect provider in otpd's config
//   PROVIDER   that provider's public origin (glewlwyd behind nginx; its login
//              page is tests/browser/provider-login.html, a stand-in)
//   OUT        where the screenshots go (NN-name.png), kept after the run
//   CHROMIUM   the browser (default /usr/bin/chromium)
// Steps: the invitation mail (rendered, its link clicked), accept page, email,
// code from the sink, code page, /mfa/setup with oathtool's TOTP (an
// independent implementation), recovery codes, the resource behind nginx;
// then as a returning guest in a fresh context: the resource sends to
// /login, email, code, /mfa/verify, back at the resource.
// Then the guest of partner.example, in a fresh context: the invitation mail,
// the accept page ("Email me a code instead" offered), her address, the
// provider's login page with the address filled in (login_hint), her
// password, back through otpd's /oidc/callback to the privacy page (her
// sign-in held until she accepts it: the resource still sends to /login),
// English and Dutch, then on to the resource, named there; no code mail for
// her, no TOTP. Last, a refusal: bob@partner.example (not invited) at the
// same accept link signs in at the provider and gets the "not invited" page,
// with no session.
// With STAGE=disabled only this instead: DISABLED (a guest otpd disabled for
// not signing in) goes to the resource, is sent to /login, types the address
// and the emailed code and gets the page saying to ask for a new invitation,
// in English and in Dutch (screenshots numbered from SHOT_FROM).
// Prints one "ok N - ..." / "not ok N - ..." line per check and, last,
// "journey-VIEWPORT: N passed, N failed". Exit status 1 when a check failed.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const env = (name, dflt) => {
	const v = process.env[name] ?? dflt;
	if (v === undefined) {
		console.error(`journey.mjs: ${name} is not set`);
		process.exit(2);
	}
	return v;
};
const VIEWPORT = env('VIEWPORT');
const MAIL_HTML = env('MAIL_HTML');
const GUEST = env('GUEST');
const SINK_DIR = env('SINK_DIR');
const RESOURCE = env('RESOURCE');
const PARTNER_MAIL_HTML = env('PARTNER_MAIL_HTML');
const PARTNER = env('PARTNER');
const PROVIDER = env('PROVIDER');
const OUT = env('OUT');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const STAGE = env('STAGE', 'journey');
const DISABLED = env('DISABLED', '');

const VIEWPORTS = {
	desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
	phone: { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};
const ctxOptions = VIEWPORTS[VIEWPORT];
if (!ctxOptions) {
	console.error(`journey.mjs: VIEWPORT must be desktop or phone, not ${VIEWPORT}`);
	process.exit(2);
}
const WIDTH = ctxOptions.viewport.width;
const PHONE = VIEWPORT === 'phone';
mkdirSync(OUT, { recursive: true });

// --- checks ------------------------------------------------------------------
let passed = 0;
let failed = 0;
function ok(cond, msg, detail = '') {
	if (cond) {
		passed++;
		console.log(`ok ${passed + failed} - ${VIEWPORT}: ${msg}`);
	} else {
		failed++;
		console.log(`not ok ${passed + failed} - ${VIEWPORT}: ${msg}${detail ? `: ${detail}` : ''}`);
	}
	return cond;
}
function fatal(msg) {
	throw new Error(msg);
}

// --- the mail sink -------------------------------------------------------------
// codeMails [ADDR] - capture files holding a code mail for ADDR (default GUEST;
// smtp-sink records the envelope recipient as "X-Rcpt-Args: <addr>")
function codeMails(addr = GUEST) {
	return readdirSync(SINK_DIR)
		.map((f) => join(SINK_DIR, f))
		.filter((f) => {
			const t = readFileSync(f, 'latin1');
			return t.includes(`X-Rcpt-Args: <${addr}>`) && /^Subject: (Your code|Je code) /m.test(t);
		});
}

// waitCode - the 8-digit code from the first code mail (to addr) not in `seen`
async function waitCode(seen, addr = GUEST) {
	for (let i = 0; i < 200; i++) {
		const fresh = codeMails(addr).filter((f) => !seen.has(f));
		if (fresh.length > 0) {
			const text = readFileSync(fresh[0], 'latin1').replace(/\r/g, '');
			ok(/^Received: .*\n?.*by mx\.guestlink-test\.invalid \(Postfix\)/m.test(text),
				'the code mail came through the private Postfix (Received header)');
			const m = text.match(/^([0-9]{8})$/m);
			if (!ok(m !== null, 'an 8-digit code on a line of its own in the code mail'))
				fatal('no code in the code mail');
			return m[1];
		}
		await new Promise((r) => setTimeout(r, 100));
	}
	fatal(`no code mail for ${addr} in ${SINK_DIR} within 20 s`);
}

// totp - what an authenticator app shows now (or at now + offset seconds): oathtool
function totp(secret, offset = 0) {
	const at = Math.floor(Date.now() / 1000) + offset;
	return execFileSync('oathtool', ['--totp', '-b', '-N', `@${at}`, secret], { encoding: 'utf8' }).trim();
}

// --- pages ----------------------------------------------------------------------
let shot = Number(env('SHOT_FROM', '0'));
async function screenshot(page, name) {
	const file = join(OUT, `${String(shot).padStart(2, '0')}-${name}.png`);
	shot++;
	await page.screenshot({ path: file, fullPage: true });
	return file;
}

// layout - what would look wrong on this viewport: horizontal overflow, text
// smaller than 12 px, a button or input that sticks out of the viewport
async function layout(page) {
	return page.evaluate((width) => {
		const issues = [];
		const sw = document.documentElement.scrollWidth;
		if (sw > width)
			issues.push(`scrollWidth ${sw} > ${width}`);
		for (const el of document.querySelectorAll('body *')) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 || r.height === 0)
				continue;
			const cs = getComputedStyle(el);
			if (cs.visibility === 'hidden' || cs.display === 'none')
				continue;
			const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
			if (ownText && parseFloat(cs.fontSize) < 12)
				issues.push(`${el.tagName.toLowerCase()} font-size ${cs.fontSize}: "${el.textContent.trim().slice(0, 40)}"`);
			if (el.matches('button, input:not([type=hidden]), a.button') && (r.left < 0 || r.right > width + 0.5))
				issues.push(`${el.tagName.toLowerCase()} off-screen: ${Math.round(r.left)}..${Math.round(r.right)}`);
		}
		return issues;
	}, WIDTH);
}

// look - the checks every page of ours gets: its heading, the layout, a screenshot
async function look(page, name, heading) {
	const h1 = (await page.locator('h1').first().textContent({ timeout: 5000 }).catch(() => null)) ?? '';
	ok(h1.trim() === heading, `${name}: heading "${heading}"`, `got "${h1.trim()}" at ${page.url()}`);
	const issues = await layout(page);
	ok(issues.length === 0, `${name}: nothing overflows or is too small at ${WIDTH} px`, issues.slice(0, 5).join('; '));
	await screenshot(page, name);
}

async function press(page, locator) {
	if (PHONE)
		await locator.tap();
	else
		await locator.click();
}

// submit - press a button (or a link) and wait for the page it leads to: a
// POST may come back to the same URL, so wait for the navigation itself
async function submit(page, locator, url) {
	const nav = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 10000 });
	await press(page, locator);
	await nav;
	await page.waitForLoadState('load');
	if (url !== undefined)
		ok(url instanceof RegExp ? url.test(page.url()) : page.url() === url, `now at ${url}`, page.url());
}

async function text(page, selector) {
	return ((await page.locator(selector).first().textContent({ timeout: 5000 }).catch(() => null)) ?? '').trim();
}

// --- the journey -------------------------------------------------------------------
let recoveryCodes = [];	// from the enrolment, for /account's new recovery codes
async function firstVisit(browser) {
	const context = await browser.newContext(ctxOptions);
	const page = await context.newPage();
	const seen = new Set(codeMails());

	// 00: the invitation as the guest's mail program would show its HTML part; the link is clicked.
	await page.setContent(readFileSync(MAIL_HTML, 'utf8'));
	const link = page.locator('a', { hasText: 'our research lab' });
	const href = (await link.getAttribute('href')) ?? '';
	ok(/^http:\/\/127\.0\.0\.1:[0-9]+\/accept\/[A-Za-z0-9_-]+$/.test(href), 'the invitation links to <public_url>/accept/<token>', href);
	ok((await page.content()).includes('Example University'), 'the invitation carries the footer');
	await screenshot(page, 'invitation-mail');
	await submit(page, link, /\/accept\//);

	// 01: who invited you to what; the email field.
	ok((await text(page, 'p strong')) === 'staff@example.org', 'accept page names the inviter');
	ok((await text(page, 'span.resource')) === RESOURCE, 'accept page names the resource', await text(page, 'span.resource'));
	ok(await page.locator('input#email[type=email]').isVisible(), 'accept page has an email field');
	await page.locator('input#email').fill(GUEST);
	await look(page, 'accept', 'Accept your invitation');
	// With an organisation's sign-in configured the button says "Continue": another domain gets a code.
	await submit(page, page.getByRole('button', { name: 'Continue', exact: true }), /\/accept\/.*\/email$/);

	// 02: the code page; the code comes from the mail Postfix delivered.
	ok((await text(page, 'p.notice')).startsWith('If this address was invited, a code is on its way'), 'code-sent notice');
	ok(await page.locator('input#code').isVisible(), 'the code field exists');
	ok((await page.locator('input#code').getAttribute('autocomplete')) === 'one-time-code', 'the code field asks for one-time-code autofill');
	const code = await waitCode(seen);
	await page.locator('input#code').fill(code);
	await look(page, 'code', 'Accept your invitation');
	await submit(page, page.getByRole('button', { name: 'Sign in' }), /\/code$/);

	// 03: code accepted; the page moves on to /mfa/setup by itself (1 s refresh).
	ok((await text(page, 'p.notice')).startsWith('Code accepted. Next, set up an authenticator app'), 'code accepted: set up the app next');
	ok((await page.locator('a.button').getAttribute('href')) === '/mfa/setup?lang=en', 'the Continue button goes to /mfa/setup in the chosen language');
	await look(page, 'code-accepted', 'Accept your invitation');
	// 03a: privacy before consent (privacy_url is set): what is kept, once, before the enrolment.
	await page.waitForURL(/\/privacy\?lang=en$/, { timeout: 5000 });
	ok(true, 'moved on to the privacy page by itself (before /mfa/setup)');
	ok((await page.locator('ul.kept li').count()) === 5, 'privacy: the five things kept');
	ok((await page.locator('a#privacy-statement').getAttribute('href')) === 'https://www.example.org/privacy',
		'privacy: links to the organisation\'s statement');
	await look(page, 'privacy', 'What we keep about you');
	await page.goto(page.url().replace('lang=en', 'lang=nl'));
	await look(page, 'privacy-nl', 'Wat we over je bewaren');
	await page.goto(page.url().replace('lang=nl', 'lang=en'));
	await submit(page, page.getByRole('button', { name: 'I understand, continue' }), /\/mfa\/setup\?lang=en$/);

	// 04: enrolment: QR code, key, a TOTP from oathtool.
	ok(await page.locator('svg.qr').isVisible(), 'setup page shows the QR code');
	const secret = (await text(page, '#secret')).replace(/ /g, '');
	ok(/^[A-Z2-7]{32}$/.test(secret), 'setup page shows the key', secret);
	ok(((await page.locator('a.app').getAttribute('href')) ?? '').startsWith('otpauth://totp/'), 'an otpauth:// link for the app on this phone');
	await page.locator('input#code').fill(totp(secret));
	await look(page, 'mfa-setup', 'Set up your authenticator app');
	await submit(page, page.getByRole('button', { name: 'Confirm' }), /\/mfa\/setup$/);

	// 05: the recovery codes, once.
	const codes = await page.locator('ol.codes li code').allTextContents();
	recoveryCodes = codes;
	ok(codes.length === 10 && codes.every((c) => /^[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}$/.test(c)), '10 recovery codes', codes.join(' '));
	await look(page, 'recovery-codes', 'Save your recovery codes');
	const cont = page.getByRole('link', { name: 'I saved them, continue' });
	ok((await cont.getAttribute('href')) === RESOURCE, 'continue goes to the resource');

	// 06: the resource, behind nginx's auth_request.
	await submit(page, cont, RESOURCE);
	await look(page, 'resource', 'Research lab: shared files');
	ok((await text(page, '#who')) === `Signed in as guest ${GUEST}`, 'the resource page names the guest (X-Guest-Email via nginx)', await text(page, '#who'));
	await context.close();
	return secret;
}

async function returningVisit(browser, secret) {
	const context = await browser.newContext(ctxOptions);
	const page = await context.newPage();
	const seen = new Set(codeMails());

	// 07: the resource without a session: nginx sends to /login?rd=<resource>.
	await page.goto(RESOURCE);
	ok(page.url().includes('/login?rd='), 'no session: the resource sends to /login?rd=', page.url());
	ok(!(await page.content()).includes('Research lab: shared files'), 'no session: the resource is not shown');
	await page.locator('input#email').fill(GUEST);
	await look(page, 'login', 'Sign in');
	await submit(page, page.getByRole('button', { name: 'Continue', exact: true }), /\/login\/email$/);

	// 08: the emailed code again.
	ok(await page.locator('input#code').isVisible(), 'login: the code field exists');
	await page.locator('input#code').fill(await waitCode(seen));
	await look(page, 'login-code', 'Sign in');
	await submit(page, page.getByRole('button', { name: 'Sign in' }), /\/login\/code$/);
	ok((await text(page, 'p.notice')).startsWith('Code accepted. Next, confirm'), 'login code accepted: confirm with the app next');
	await page.waitForURL(/\/mfa\/verify\?lang=en$/, { timeout: 5000 });

	// 09: the app's code; the one used at enrolment is spent, so the next time step's.
	ok(await page.locator('input#code').isVisible(), 'verify page: the code field exists');
	await page.locator('input#code').fill(totp(secret, 30));
	await look(page, 'mfa-verify', 'Confirm it is you');
	await submit(page, page.getByRole('button', { name: 'Sign in' }), /\/mfa\/verify$/);

	// 10: signed in; back at the resource by itself.
	ok((await text(page, 'p.notice')) === 'You are signed in.', 'verify: signed in', await text(page, 'p.notice'));
	await look(page, 'signed-in', 'Signed in');
	await page.waitForURL(RESOURCE, { timeout: 5000 });
	await look(page, 'resource-again', 'Research lab: shared files');
	ok((await text(page, '#who')) === `Signed in as guest ${GUEST}`, 'back at the resource as the guest');

	// 10a: the guest's own page, in English and Dutch; then leave (the box ticked).
	const origin = new URL(page.url()).origin;
	await page.goto(`${origin}/account?lang=nl`);
	await look(page, 'account-nl', 'Je gastaccount');
	await page.goto(`${origin}/account?lang=en`);
	ok((await text(page, '#account-email')) === GUEST, 'account: names the guest');
	ok((await page.locator('ul.resources a').first().getAttribute('href')) === RESOURCE, 'account: lists the resource');
	ok((await text(page, '#lapse')).startsWith('If you do not sign in, your access is switched off on'), 'account: when access lapses');
	await look(page, 'account', 'Your guest account');
	// 10b: new recovery codes with one of the old ones (English), then with a new one (Dutch).
	await page.locator('input#code').fill(recoveryCodes[0] ?? '');
	await submit(page, page.getByRole('button', { name: 'Make new recovery codes' }), `${origin}/account/recovery`);
	const renewed = await page.locator('ol.codes li code').allTextContents();
	ok(renewed.length === 10 && !renewed.includes(recoveryCodes[0]), '10 new recovery codes', renewed.join(' '));
	await look(page, 'new-recovery', 'Your new recovery codes');
	await page.goto(`${origin}/account?lang=nl`);
	await page.locator('input#code').fill(renewed[0] ?? '');
	await submit(page, page.getByRole('button', { name: 'Maak nieuwe herstelcodes' }), `${origin}/account/recovery`);
	await look(page, 'new-recovery-nl', 'Je nieuwe herstelcodes');
	// 10c: a new authenticator: the page after "email me a code" (both codes asked), Dutch and English.
	await page.goto(`${origin}/account?lang=nl`);
	await submit(page, page.getByRole('button', { name: 'Mail me een code' }), `${origin}/account/authenticator/email`);
	ok(await page.locator('input#email_code').isVisible(), 'new authenticator: a field for the emailed code');
	await look(page, 'new-auth-nl', 'Stel een nieuwe authenticator in');
	await page.goto(`${origin}/account?lang=en`);
	await submit(page, page.getByRole('button', { name: 'Email me a code' }), `${origin}/account/authenticator/email`);
	await look(page, 'new-auth', 'Set up a new authenticator');
	await page.goto(`${origin}/account?lang=en`);
	await press(page, page.locator('input[name=confirm]'));
	await submit(page, page.getByRole('button', { name: 'Delete my guest account' }), `${origin}/account/leave`);
	await look(page, 'left', 'Your guest account is deleted');
	await page.goto(RESOURCE);
	ok(page.url().includes('/login?rd='), 'left: the resource sends to /login again', page.url());
	await context.close();
}

// mainFrameRequests - every URL the page's main frame requests from now on (redirects included)
function mainFrameRequests(page) {
	const urls = [];
	page.on('request', (r) => {
		if (r.isNavigationRequest() && r.frame() === page.mainFrame())
			urls.push(r.url());
	});
	return urls;
}

// providerLogin - at the provider's login page: address filled in from login_hint; sign in as USER
async function providerLogin(page, addr, password, name) {
	ok(page.url().startsWith(`${PROVIDER}/login.html?`), `${name}: at the provider's login page`, page.url());
	ok(new URL(page.url()).searchParams.get('login_hint') === addr, `${name}: login_hint=${addr}`, page.url());
	ok((await page.locator('input#username').inputValue()) === addr, `${name}: the address is filled in`);
	ok(await page.locator('input#password').isVisible(), `${name}: a password field`);
	await page.locator('input#password').fill(password);
	await look(page, name, 'Sign in to Partner University');
	await press(page, page.getByRole('button', { name: 'Sign in', exact: true }));
}

// partnerVisit - alice, invited, signs in with her own organisation's account
async function partnerVisit(browser) {
	const context = await browser.newContext(ctxOptions);
	const page = await context.newPage();
	const seen = new Set(codeMails(PARTNER));
	// A page's Content-Security-Policy may block the way to the provider (form-action covers redirects).
	const csp = [];
	page.on('console', (m) => {
		if (m.text().includes('Content Security Policy'))
			csp.push(m.text().trim().replace(/\/accept\/[A-Za-z0-9_-]+/g, '/accept/<token>'));
	});

	// 11: her invitation, through Postfix and the milter like the first.
	await page.setContent(readFileSync(PARTNER_MAIL_HTML, 'utf8'));
	const link = page.locator('a', { hasText: 'our research lab' });
	const href = (await link.getAttribute('href')) ?? '';
	ok(/^http:\/\/127\.0\.0\.1:[0-9]+\/accept\/[A-Za-z0-9_-]+$/.test(href), 'partner: the invitation links to <public_url>/accept/<token>', href);
	await screenshot(page, 'partner-invitation-mail');
	await submit(page, link, /\/accept\//);
	const acceptUrl = page.url();
	const publicUrl = new URL(acceptUrl).origin;

	// 12: the accept page: her address; the way out to a code is offered.
	ok((await text(page, 'p strong')) === 'staff@example.org', 'partner: accept page names the inviter');
	await page.locator('input#email').fill(PARTNER);
	const instead = page.getByRole('button', { name: 'Email me a code instead' });
	ok(await instead.isVisible(), 'partner: accept page offers "Email me a code instead"');
	ok((await instead.getAttribute('value')) === 'code', 'partner: that button asks for method=code');
	await look(page, 'partner-accept', 'Accept your invitation');
	const toProvider = submit(page, page.getByRole('button', { name: 'Continue', exact: true }),
		new RegExp(`^${PROVIDER}/login\\.html\\?`));
	await toProvider.catch(() => {});
	if (!ok(csp.length === 0, 'partner: no Content-Security-Policy violation on the way to the provider', csp[0] ?? ''))
		fatal('the browser did not go to the provider (blocked by the page\'s CSP)');
	await toProvider;

	// 13: the provider's login page (glewlwyd's authorization endpoint sent her there).
	const hops = mainFrameRequests(page);
	await providerLogin(page, PARTNER, 'pw-alice-0123', 'provider-login');

	// 13a: glewlwyd -> otpd's /oidc/callback -> the privacy page: her first sign-in is held until she
	// accepts it (privacy before consent), and the resource does not let her in meanwhile.
	await page.waitForURL(/\/privacy\?lang=en$/, { timeout: 10000 }).catch(() => {});
	ok(/\/privacy\?lang=en$/.test(page.url()), 'partner: back from the provider, at the privacy page first', page.url());
	ok((await page.locator('ul.kept li').count()) === 5, 'partner privacy: the five things kept');
	ok((await page.locator('a#privacy-statement').getAttribute('href')) === 'https://www.example.org/privacy',
		'partner privacy: links to the organisation\'s statement');
	await look(page, 'partner-privacy', 'What we keep about you');
	const held = await context.newPage();
	await held.goto(RESOURCE);
	ok(held.url().includes('/login?rd='), 'partner: before accepting, the resource still sends to /login', held.url());
	await held.close();
	await page.goto(page.url().replace('lang=en', 'lang=nl'));
	await look(page, 'partner-privacy-nl', 'Wat we over je bewaren');
	await submit(page, page.getByRole('button', { name: 'Ik begrijp het, ga verder' }));

	// 14: accepted -> the resource behind nginx, named there.
	await page.waitForURL(RESOURCE, { timeout: 10000 }).catch(() => {});
	ok(page.url() === RESOURCE, 'partner: privacy page accepted, now at the resource', page.url());
	ok(hops.some((u) => u.startsWith(`${PROVIDER}/api/oidc/auth?`) && u.includes('g_continue')),
		'partner: went on to the provider\'s authorization endpoint (g_continue)', hops.join(' '));
	ok(hops.some((u) => u.startsWith(`${publicUrl}/oidc/callback?`) && /[?&]code=/.test(u)),
		'partner: came back through otpd\'s /oidc/callback with a code', hops.join(' '));
	ok(!hops.some((u) => u.includes('/mfa/')), 'partner: no TOTP step (the provider\'s sign-in counts as MFA)', hops.join(' '));
	await look(page, 'partner-resource', 'Research lab: shared files');
	ok((await text(page, '#who')) === `Signed in as guest ${PARTNER}`, 'partner: the resource page names her', await text(page, '#who'));
	const cookies = await context.cookies(publicUrl);
	ok(cookies.some((c) => c.name === 'guestlink_session'), 'partner: otpd\'s session cookie');
	ok(!cookies.some((c) => c.name === 'oidc_state'), 'partner: the state cookie is gone');
	// Give a wrongly queued code mail the time to arrive before saying there is none.
	await new Promise((r) => setTimeout(r, 1000));
	ok(codeMails(PARTNER).filter((f) => !seen.has(f)).length === 0, `partner: no code mail was sent to ${PARTNER}`);
	// 14a: her own page says she signs in with her organisation; leaving, in Dutch.
	await page.goto(`${publicUrl}/account?lang=nl`);
	ok((await page.content()).includes('Met het account van je eigen organisatie.'), 'partner: account names her sign-in method');
	await press(page, page.locator('input[name=confirm]'));
	await submit(page, page.getByRole('button', { name: 'Verwijder mijn gastaccount' }), `${publicUrl}/account/leave`);
	await look(page, 'left-nl', 'Je gastaccount is verwijderd');
	await context.close();
	return acceptUrl;
}

// refusedVisit - bob (partner.example, not invited) at alice's link: the provider, then "not invited"
async function refusedVisit(browser, acceptUrl) {
	const context = await browser.newContext(ctxOptions);
	const page = await context.newPage();
	const bob = 'bob@partner.example';
	await page.goto(acceptUrl);
	await page.locator('input#email').fill(bob);
	await submit(page, page.getByRole('button', { name: 'Continue', exact: true }), new RegExp(`^${PROVIDER}/login\\.html\\?`));
	const answer = page.waitForResponse((r) => r.url().includes('/oidc/callback?'), { timeout: 10000 });
	await providerLogin(page, bob, 'pw-bob-0123', 'refused-provider-login');
	const r = await answer.catch(() => null);
	await page.waitForLoadState('load');
	ok(r !== null && r.status() === 403, 'refused: the callback answers 403', r ? String(r.status()) : 'no callback');
	ok((await text(page, 'p.error')).startsWith('Your university account is not one of the invited addresses'),
		'refused: says the account is not one of the invited addresses', await text(page, 'p.error'));
	ok(await page.getByRole('button', { name: 'Email me a code instead' }).isVisible(), 'refused: offers a code by email instead');
	await look(page, 'not-invited', 'Sign in with your organisation');
	ok(!(await context.cookies(new URL(acceptUrl).origin)).some((c) => c.name === 'guestlink_session'), 'refused: no session cookie');
	await page.goto(RESOURCE);
	ok(page.url().includes('/login?rd='), 'refused: the resource still sends to /login', page.url());
	ok(codeMails(bob).length === 0, 'refused: no code mail to bob');
	await context.close();
}

const browser = await chromium.launch({
	executablePath: CHROMIUM,
	headless: true,
	// Playwright gives every launch a new empty profile (user data dir).
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
		'--disable-component-update', '--disable-sync'],
});
const t0 = Date.now();

// disabledVisit - DISABLED at the resource, /login, the emailed code: the disabled page, in English and Dutch
async function disabledVisit() {
	for (const nl of [false, true]) {
		const context = await browser.newContext(ctxOptions);
		const page = await context.newPage();
		const seen = new Set(codeMails(DISABLED));
		await page.goto(RESOURCE);
		ok(page.url().includes('/login?rd='), `disabled${nl ? ' (nl)' : ''}: the resource sends to /login`, page.url());
		if (nl)
			await page.goto(`${page.url()}&lang=nl`);
		const origin = new URL(page.url()).origin;
		await page.locator('input#email').fill(DISABLED);
		await submit(page, page.getByRole('button', { name: nl ? 'Verder' : 'Continue', exact: true }), /\/login\/email$/);
		await page.locator('input#code').fill(await waitCode(seen, DISABLED));
		const answer = page.waitForResponse((r) => r.url().endsWith('/login/code'), { timeout: 10000 });
		await submit(page, page.getByRole('button', { name: nl ? 'Inloggen' : 'Sign in', exact: true }), /\/login\/code$/);
		const r = await answer.catch(() => null);
		ok(r !== null && r.status() === 403, `disabled${nl ? ' (nl)' : ''}: the right code, answered 403`, r ? String(r.status()) : 'none');
		ok((await text(page, 'p.error')).startsWith(nl ? 'Je hebt lange tijd niet ingelogd' : 'You have not signed in for a long time'),
			`disabled${nl ? ' (nl)' : ''}: says access was switched off`, await text(page, 'p.error'));
		ok((await text(page, 'p.error')).includes(nl ? 'Vraag degene die je heeft uitgenodigd om de uitnodiging opnieuw te sturen'
			: 'Ask the person who invited you to send the invitation again'),
			`disabled${nl ? ' (nl)' : ''}: says to ask the inviter for a new invitation`);
		await look(page, nl ? 'disabled-nl' : 'disabled', nl ? 'Je gasttoegang is uitgeschakeld' : 'Your guest access is disabled');
		ok(!(await context.cookies(origin)).some((c) => c.name === 'guestlink_session'), `disabled${nl ? ' (nl)' : ''}: no session cookie`);
		await page.goto(RESOURCE);
		ok(page.url().includes('/login?rd='), `disabled${nl ? ' (nl)' : ''}: the resource still sends to /login`, page.url());
		await context.close();
	}
}
if (STAGE === 'disabled') {
	try {
		await stage('disabled guest\'s visit', disabledVisit);
	} finally {
		await browser.close();
	}
	console.log(`# ${VIEWPORT}: screenshots up to ${shot} in ${OUT}, ${Date.now() - t0} ms`);
	console.log(`journey-${VIEWPORT}: ${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}
// stage - one part of the journey; an exception ends that part (one failed check), not the others
async function stage(name, fn) {
	try {
		return await fn();
	} catch (e) {
		ok(false, `the ${name} ran to the end`, e.message.split('\n')[0]);
		return undefined;
	}
}
try {
	const secret = await stage('journey with a code', () => firstVisit(browser));
	if (secret !== undefined)
		await stage('returning guest\'s journey', () => returningVisit(browser, secret));
	const acceptUrl = await stage('journey through the provider', () => partnerVisit(browser));
	if (acceptUrl !== undefined)
		await stage('refusal at the provider', () => refusedVisit(browser, acceptUrl));
} finally {
	await browser.close();
}
console.log(`# ${VIEWPORT}: ${shot} screenshots in ${OUT}, ${Date.now() - t0} ms`);
console.log(`journey-${VIEWPORT}: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
