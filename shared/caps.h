/*
 * caps.h - every hard limit on input and growable buffers, in one place.
 *
 * Security: each of these bounds what an untrusted peer (an SMTP client
 * through Postfix, a browser, a config file) can make us allocate or walk.
 * Changing one changes the documented behaviour: see docs/admin.md.
 */
#ifndef GUESTLINK_CAPS_H
#define GUESTLINK_CAPS_H

/* Mail, as the milter sees it. */
#define CAP_MESSAGE_BYTES	(64u * 1024 * 1024)	/* headers + body kept for a rewrite */
#define CAP_HEADER_COUNT	1000u			/* header fields in one message */
#define CAP_HEADER_BYTES	(256u * 1024)		/* all header fields together */
#define CAP_MIME_DEPTH		32u			/* nested multiparts / attached messages */
#define CAP_MIME_PARTS		1000u			/* leaf parts looked at */
#define CAP_RECIPIENTS		1000u			/* envelope recipients remembered */
#define CAP_LINKS		200u			/* resource links rewritten in one mail */

/* Addresses, URLs, tokens. */
#define CAP_ADDR_BYTES		254u			/* RFC 5321 path limit */
#define CAP_DOMAIN_BYTES	253u			/* a domain name, RFC 1035 */
#define CAP_URL_BYTES		2048u			/* a resource URL in a token */
#define CAP_GUESTS		255u			/* guests in one token (1-byte count) */
#define CAP_TOKEN_BYTES		16384u			/* a token, base64url text */

/* Config. */
#define CAP_CONFIG_LINE		4096u			/* one line of the INI file */
#define CAP_LIST_ITEMS		256u			/* items in a space-separated list */
#define CAP_KEY_FILES		64u			/* public keys in verify_keys */
#define CAP_PORT_DIGITS		7u			/* the PORT of a socket or listen value, as text */

/* otpd HTTP. */
#define CAP_HTTP_FORM_BYTES	(8u * 1024)		/* an urlencoded form body */
#define CAP_HTTP_JSON_BYTES	(8u * 1024)		/* a JSON API request body */
#define CAP_HTTP_REPORT_BYTES	(64u * 1024)		/* an invitation report from the milter */
#define CAP_HTTP_HEADER_COUNT	64u			/* request header fields */
#define CAP_HTTP_FORM_FIELDS	16u			/* fields in one form */
#define CAP_HTTP_COOKIES	32u			/* cookies in one Cookie header */
#define CAP_JSON_DEPTH		8u			/* nesting of a JSON request body */
#define CAP_PAGE_BYTES		(64u * 1024)		/* a rendered HTML page */
#define CAP_MAIL_BYTES		(64u * 1024)		/* a composed code mail */
#define CAP_RECORD_BYTES	(64u * 1024)		/* one LMDB value */
#define CAP_XFF_BYTES		1024u			/* all X-Forwarded-For lines of a request, joined */
#define CAP_CSP_BYTES		2048u			/* the Content-Security-Policy header */
#define CAP_SET_COOKIE_BYTES	200u			/* a Set-Cookie value otpd builds */
#define CAP_SET_COOKIE_SHORT	160u			/* ... a short one (CSRF, clearing a cookie) */
#define CAP_ORIGIN_BYTES	512u			/* scheme://host:port of a provider, for the CSP */
#define CAP_HOST_BYTES		256u			/* a host name or [v6] address as text */
#define CAP_LISTEN_BACKLOG	128			/* listen(2) backlog of otpd's socket */

/* OpenID Connect (otpd/oidc.c): what a provider may make us fetch and keep. */
#define CAP_OIDC_PROVIDERS	32u			/* [oidc NAME] sections */
#define CAP_OIDC_NAME		32u			/* NAME of an [oidc NAME] section */
#define CAP_OIDC_SECRET_BYTES	1024u			/* a client_secret_file */
#define CAP_OIDC_DOC_BYTES	(64u * 1024)		/* discovery document, JWKS, token response */
#define CAP_OIDC_JWT_BYTES	(16u * 1024)		/* an ID token, compact JWS text */
#define CAP_OIDC_KEYS		32u			/* keys used from one JWKS */
#define CAP_OIDC_PENDING_BYTES	(CAP_TOKEN_BYTES + 1024u)	/* a serialized pending sign-in */

/* Generic. */
#define CAP_ERRMSG		512u			/* an error message for a person */
#define CAP_PASSWD_BYTES	4096u			/* getpwnam_r's buffer for one passwd entry */
#define CAP_PATH_BYTES		4096u			/* a file name we build (PATH_MAX) */
#define CAP_IP_TEXT_BYTES	64u			/* an IP address as text, with brackets or a zone */
#define CAP_QUEUE_ID_BYTES	64u			/* a Postfix queue id */
#define CAP_ICONV_CHUNK		4096u			/* bytes converted per iconv() call */
#define CAP_DB_ERROR_BYTES	200u			/* the first line of a libpq message, for a log line */

/* Time limits on the peers we talk to (not configurable). */
#define CAP_REPORT_TIMEOUT_MS	2000L			/* the milter's report to otpd, in all */
#define CAP_REPORT_CONNECT_MS	1000L			/* ... of which connecting */
#define CAP_SMTP_CONNECT_S	10L			/* connecting to smtp_url (at most smtp_timeout) */

#endif
