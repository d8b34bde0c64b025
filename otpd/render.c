/*
 * render.c - an outcome as HTML, JSON or text (see render.h).
 */
#include "render.h"

#include <jansson.h>
#include <stdlib.h>

#define CT_TEXT "text/plain; charset=utf-8"

const char *render_html(const struct step_out *out, struct buf *b, unsigned *status)
{
	if (out->location != NULL)
		return CT_TEXT;
	if (!pages_render(&out->pg, b)) {
		buf_reset(b);
		*status = HTTP_INTERNAL_SERVER_ERROR;
	}
	return "text/html; charset=utf-8";
}

const char *render_json(const struct step_out *out, struct buf *b, unsigned *status)
{
	json_t *o = out->next != NULL ? json_pack("{s:s,s:s}", out->key ? out->key : "status",
						  out->word ? out->word : "", "next", out->next)
				      : json_pack("{s:s}", out->key ? out->key : "error", out->word ? out->word : "");
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	if (text == NULL || !buf_puts(b, text) || !buf_putc(b, '\n')) {
		buf_reset(b);
		*status = HTTP_INTERNAL_SERVER_ERROR;
	}
	free(text);
	json_decref(o);
	return "application/json";
}

const char *render_text(const struct step_out *out, struct buf *b, unsigned *status)
{
	(void)status;
	if (out->text != NULL && !buf_puts(b, out->text))
		buf_reset(b);
	return out->ctype != NULL ? out->ctype : CT_TEXT;
}
