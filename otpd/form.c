/*
 * form.c - bounded parsers for forms, cookies and JSON bodies (see form.h).
 * Each is a fuzz target (tests/fuzz/fuzz_form.c, fuzz_cookie.c, fuzz_api_body.c).
 */
#include "form.h"

#include <jansson.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* url_decode - percent and '+' decoding of len bytes into out (NUL-terminated); false if bad or too long */
static bool url_decode(const char *in, size_t len, char *out, size_t outsz)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = hexval(in[i + 1]);
			lo = hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || n + 1 >= outsz)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

bool form_parse(const char *body, size_t len, struct form *out)
{
	const char *p, *end;

	out->n = 0;
	if (len > CAP_HTTP_FORM_BYTES)
		return false;
	/* A POST without a body hands us NULL (found by fuzz_dispatch: NULL + 0 is undefined). */
	if (body == NULL || len == 0)
		return true;
	p = body;
	end = body + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		const char *stop = amp ? amp : end;

		if (stop == p) {
			p++;
			continue;
		}
		if (out->n >= CAP_HTTP_FORM_FIELDS)
			return false;
		eq = memchr(p, '=', (size_t)(stop - p));
		if (eq == NULL)
			eq = stop;
		if (!url_decode(p, (size_t)(eq - p), out->f[out->n].name, FORM_NAME_MAX))
			return false;
		if (!url_decode(eq < stop ? eq + 1 : stop, eq < stop ? (size_t)(stop - eq - 1) : 0, out->f[out->n].value,
				FORM_VALUE_MAX))
			return false;
		if (form_get(out, out->f[out->n].name) != NULL)
			return false;
		out->n++;
		p = stop + (amp ? 1 : 0);
	}
	return true;
}

const char *form_get(const struct form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}

bool cookie_get(const char *header, const char *name, char *out, size_t outsz)
{
	size_t nlen = strlen(name);
	const char *p = header;
	bool found = false;

	if (header == NULL || outsz == 0)
		return false;
	for (unsigned i = 0; *p != '\0'; i++) {
		const char *semi = strchr(p, ';');
		const char *end = semi ? semi : p + strlen(p);
		size_t vlen;

		/* Security: past the cap nothing is believed; stopping there instead would let a planted
		 * cookie first, then fillers, hide ours from the same-name check below. */
		if (i >= CAP_HTTP_COOKIES) {
			memset(out, 0, outsz);
			return false;
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;

			/* Security: the same name twice is a cookie planted beside ours (another host of the
			 * domain, another path): neither value is trusted, whichever comes first. */
			if (found) {
				memset(out, 0, outsz);
				return false;
			}
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"')
				v++, vlen -= 2;
			if (vlen + 1 > outsz) {
				memset(out, 0, outsz);
				return false;
			}
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			found = true;
		}
		p = semi ? semi + 1 : end;
	}
	return found;
}

static bool take_string(json_t *root, const char *key, char *out, bool *has)
{
	json_t *v = json_object_get(root, key);
	size_t len;

	*has = false;
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return false;
	len = json_string_length(v);
	if (len + 1 > FORM_VALUE_MAX || memchr(json_string_value(v), '\0', len) != NULL)
		return false;
	memcpy(out, json_string_value(v), len + 1);
	*has = true;
	return true;
}

bool api_body_parse(const char *body, size_t len, struct api_body *out)
{
	json_t *root;
	json_error_t jerr;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (body == NULL || len == 0 || len > CAP_HTTP_JSON_BYTES)
		return false;
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return false;
	ok = json_is_object(root) && json_object_size(root) <= CAP_HTTP_FORM_FIELDS &&
	     take_string(root, "email", out->email, &out->has_email) &&
	     take_string(root, "code", out->code, &out->has_code) &&
	     take_string(root, "method", out->method, &out->has_method);
	json_decref(root);
	return ok;
}
