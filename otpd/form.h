/*
 * form.h - request bodies and headers otpd reads: urlencoded forms, the
 * Cookie header, JSON API bodies.
 *
 * Everything is bounded (caps.h): fields, their sizes, cookies. A body that
 * breaks a bound or is malformed is refused whole, never truncated.
 * Ownership: results are plain structs with fixed arrays, caller-owned.
 */
#ifndef OTPD_FORM_H
#define OTPD_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"

#define FORM_NAME_MAX 32
#define FORM_VALUE_MAX 512

struct form {
	size_t n;
	struct {
		char name[FORM_NAME_MAX];
		char value[FORM_VALUE_MAX];
	} f[CAP_HTTP_FORM_FIELDS];
};

#define FORM_WUR __attribute__((warn_unused_result))

/* form_parse - application/x-www-form-urlencoded; later duplicates are refused */
bool form_parse(const char *body, size_t len, struct form *out) FORM_WUR __attribute__((nonnull(3)));
/* form_get - a field's value, or NULL */
const char *form_get(const struct form *f, const char *name) __attribute__((nonnull));

/* cookie_get - the value of cookie name in a Cookie header; false if absent, too long or sent more than once */
bool cookie_get(const char *header, const char *name, char *out, size_t outsz) FORM_WUR
	__attribute__((nonnull(2, 3)));

/* The JSON API's request body: a flat object of strings. */
struct api_body {
	char email[FORM_VALUE_MAX];
	char code[FORM_VALUE_MAX];
	char method[FORM_VALUE_MAX];	/* email step: "code" skips organisation sign-in */
	bool has_email, has_code, has_method;
};

/* api_body_parse - false when not a JSON object, or a field is not a string, or too long */
bool api_body_parse(const char *body, size_t len, struct api_body *out) FORM_WUR __attribute__((nonnull(3)));

#endif
