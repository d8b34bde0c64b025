/*
 * qr.h - a QR code (libqrencode) drawn as inline SVG for the enrolment page.
 *
 * One <svg> element with a single path, a 4-module quiet zone, black on
 * white, scaled by the page's CSS; no external resource, so the strict CSP
 * stays as it is.
 * Security: the symbol encodes the TOTP secret: libqrencode's module array
 * is wiped before it is freed.
 * Failure: false when libqrencode cannot encode the text or the buffer is full.
 */
#ifndef OTPD_QR_H
#define OTPD_QR_H

#include <stdbool.h>

#include "buf.h"

/* qr_svg - append an SVG QR code of text (error correction M) with an accessible label */
bool qr_svg(struct buf *b, const char *text, const char *label) __attribute__((warn_unused_result, nonnull));

#endif
