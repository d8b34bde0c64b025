# tests/browser/ - the guest's whole journey in headless Chromium (Debian's
# chromium, driven by playwright-core from npm: `npm ci` in tests/browser when
# node_modules is missing), at a desktop and a phone viewport, through a
# private Postfix + milter, otpd and nginx on loopback. Screenshots of every
# page are kept in build/artifacts/browser/<viewport>/. Needs root.
.PHONY: test-browser

test-browser: all
	@BUILD=$(O) tests/browser/run.sh
