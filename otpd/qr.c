/*
 * qr.c - QR code to SVG (see qr.h). Dark modules become runs of "h" path
 * segments, one run per row stretch, so a 41x41 symbol is a few KB.
 */
#include "qr.h"

#include <qrencode.h>
#include <sodium.h>
#include <string.h>

#include "text.h"

#define QUIET 4

bool qr_svg(struct buf *b, const char *text, const char *label)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int w, size;
	bool ok;

	if (q == NULL)
		return false;
	w = q->width;
	size = w + 2 * QUIET;
	ok = buf_printf(b, "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
			   "role=\"img\" aria-label=\"", size, size) &&
	     text_html(b, label) &&
	     buf_printf(b, "\" shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
			   "<path fill=\"#000\" d=\"", size, size);
	for (int y = 0; ok && y < w; y++) {
		for (int x = 0; ok && x < w;) {
			int run = 0;

			while (x + run < w && (q->data[y * w + x + run] & 1))
				run++;
			if (run > 0) {
				ok = buf_printf(b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
				x += run;
			} else {
				x++;
			}
		}
	}
	ok = ok && buf_puts(b, "\"/></svg>");
	/* Security: the modules spell the secret. */
	sodium_memzero(q->data, (size_t)w * (size_t)w);
	QRcode_free(q);
	return ok;
}
