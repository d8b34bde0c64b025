/*
 * fuzz_rewrite.c - libFuzzer target for the MIME rewriter: arbitrary bytes
 * as a whole message, split at the first blank line into the header block
 * and the body, rewritten with the test resources and footers.
 * Checks beyond "no crash, no leak": only CHANGED may write the output.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caps.h"
#include "resource.h"
#include "rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct resource_list resources;
static struct rewrite_scratch *scratch;	/* kept from input to input, as the milter keeps it */

static bool fuzz_link(void *ctx, const struct resource *res, const char *url, size_t len, struct buf *out)
{
	(void)ctx;
	(void)res;
	(void)url;
	/* Longer or shorter than the URL depending on it, to move line lengths around. */
	return buf_puts(out, (len & 1) ? "https://guest.example.org/accept/T" :
					 "https://guest.example.org/accept/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

static void fuzz_init(void)
{
	static bool done;
	const char *why;

	if (done)
		return;
	done = true;
	rewrite_init();
	if ((scratch = rewrite_scratch_new()) == NULL)
		abort();
	if (!resource_list_add(&resources, "https://teams.example.org/", &why) ||
	    !resource_list_add(&resources, "https://wiki.example.org/space", &why))
		abort();
}

/* split - header block (with its last line break) and body after the first blank line */
static size_t split(const uint8_t *d, size_t n, size_t *body)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (d[i] == '\n' && d[i + 1] == '\n') {
			*body = i + 2;
			return i + 1;
		}
		if (d[i] == '\n' && d[i + 1] == '\r' && i + 2 < n && d[i + 2] == '\n') {
			*body = i + 3;
			return i + 1;
		}
	}
	*body = n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rewrite_input in;
	struct rewrite_stats st;
	struct buf out;
	size_t body, hlen;
	enum rewrite_result r;

	fuzz_init();
	hlen = split(data, size, &body);
	memset(&in, 0, sizeof(in));
	in.headers = (const char *)data;
	in.headers_len = hlen;
	in.body = (const char *)data + body;
	in.body_len = size - body;
	in.resources = &resources;
	in.link_fn = fuzz_link;
	in.footer_text = "-- \nGuest access footer\n";
	in.footer_html = "<p>Guest access footer</p>";
	/* Every other input with the shared scratch, the others with buffers of their own. */
	in.scratch = (size & 1) ? scratch : NULL;
	buf_init(&out, CAP_MESSAGE_BYTES);
	r = rewrite_body(&in, &out, &st);
	if (r != REWRITE_CHANGED && out.len != 0)
		abort();
	if (r == REWRITE_CHANGED && (st.links == 0 || st.parts == 0))
		abort();
	if ((r == REWRITE_MALFORMED) != (st.why != NULL))
		abort();	/* a refusal always says why, and only a refusal */
	buf_release(&out);
	return 0;
}
