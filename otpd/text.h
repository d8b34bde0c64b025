/*
 * text.h - escaping and encoding for what otpd writes: HTML, mail headers
 * and bodies, base64url.
 *
 * All functions append to a capped buffer and return false when it is full.
 */
#ifndef OTPD_TEXT_H
#define OTPD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define TEXT_WUR __attribute__((warn_unused_result, nonnull))

/* text_html - escape & < > " ' */
bool text_html(struct buf *b, const char *s) TEXT_WUR;
/* text_qp - quoted-printable body (CRLF line ends in; soft breaks at 76) */
bool text_qp(struct buf *b, const char *s, size_t len) TEXT_WUR;
/* text_header_word - RFC 2047 encoded-word (UTF-8, B) unless s is plain printable ASCII */
bool text_header_word(struct buf *b, const char *s) TEXT_WUR;
/* text_b64url - base64url without padding */
bool text_b64url(struct buf *b, const uint8_t *p, size_t len) TEXT_WUR;
/* text_urlencode - percent-encode all but RFC 3986 unreserved characters (a query value) */
bool text_urlencode(struct buf *b, const char *s) TEXT_WUR;
/* text_safe_line - no control characters at all (header values, config strings) */
bool text_safe_line(const char *s) __attribute__((nonnull));

#endif
