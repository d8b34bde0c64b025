/*
 * lang.h - the two languages of guest-facing text, and choosing one.
 *
 * lang_from_header() reads Accept-Language (q-values honoured, first of
 * nl/en with the highest q wins; English when neither is asked for).
 */
#ifndef OTPD_LANG_H
#define OTPD_LANG_H

#include <stddef.h>

enum lang { LANG_EN, LANG_NL, LANG_N };

enum lang lang_from_header(const char *accept_language);
/* lang_from_code - "nl" / "en" (a ?lang= switch); fallback when neither */
enum lang lang_from_code(const char *code, enum lang fallback);
const char *lang_code(enum lang l);

#endif
