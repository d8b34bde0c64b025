/*
 * footer.h - the short bilingual (English, Dutch) text added to an invitation.
 *
 * It tells the guest what the link asks of them: their address, an 8-digit
 * code by mail, an authenticator app the first time. ASCII only, so it can be
 * added to a part in any ASCII-compatible charset without conversion; an
 * org_name with other characters is left out of it.
 *
 * Ownership: the caller's buffers; footer_render fills both.
 */
#ifndef GUESTLINK_FOOTER_H
#define GUESTLINK_FOOTER_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

bool footer_render(const char *org_name, uint64_t expires_at, struct buf *text, struct buf *html)
	__attribute__((warn_unused_result, nonnull));

#endif
