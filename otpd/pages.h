/*
 * pages.h - the HTML pages guests see, Dutch and English, compiled in.
 *
 * No external assets: one stylesheet served by otpd (/static/style.css),
 * no script. Every variable part is HTML-escaped. Pages are readable on a
 * 360-px-wide screen (one column, viewport meta, relative sizes).
 */
#ifndef OTPD_PAGES_H
#define OTPD_PAGES_H

#include <stdbool.h>

#include "buf.h"
#include "lang.h"

enum page_view {
	VIEW_ASK_EMAIL,		/* GET /accept/<token> */
	VIEW_ASK_CODE,		/* after the email step: "if invited, a code is on its way" */
	VIEW_WRONG_CODE,	/* wrong, old or reused code */
	VIEW_LIMITED,		/* too many tries */
	VIEW_SIGNED_IN,		/* on to the resource */
	VIEW_BAD_LINK,
	VIEW_EXPIRED_LINK,
	VIEW_REVOKED_LINK,
	VIEW_BAD_REQUEST,	/* a form that did not come from our page (CSRF) or is malformed */
	VIEW_UNAVAILABLE,
	VIEW_NOT_FOUND,
};

struct page {
	enum page_view view;
	enum lang lang;
	const char *org_name;
	const char *inviter;	/* "" when unknown */
	const char *resource;
	const char *token;	/* base64url, for form actions */
	const char *csrf;
	const char *email;	/* what the guest typed, or "" */
};

bool pages_render(const struct page *p, struct buf *out) __attribute__((warn_unused_result, nonnull));

/* pages_stylesheet - the one stylesheet */
const char *pages_stylesheet(void);

#endif
