/*
 * rewrite.h - turn resource links in a mail body into accept links.
 *
 * Knows nothing of libmilter: it takes the top-level header block and the
 * body bytes as Postfix handed them to the milter (CRLF line ends), finds
 * every text/plain, text/html and text/calendar leaf at any depth (7bit, 8bit,
 * quoted-printable, base64; any charset) with GMime, replaces each link to a
 * configured resource by what link_fn returns (in a calendar: in DESCRIPTION
 * and X-ALT-DESC only), appends the footer to each changed text part, and
 * re-encodes a changed part in its own transfer encoding.
 * Every byte outside the changed parts' bodies stays as it was (the new body
 * is spliced into the original bytes).
 *
 * Never touched: attachments (Content-Disposition: attachment), attached
 * messages (message/rfc822), parts that are not text/plain or text/html.
 * Signed or encrypted mail (multipart/signed, multipart/encrypted,
 * application/pkcs7-mime, inline PGP) is reported as REWRITE_SIGNED and left
 * alone. Input GMime cannot parse faithfully is REWRITE_MALFORMED.
 *
 * Ownership: out is the caller's; it holds the whole new body (CRLF line
 * ends) only when REWRITE_CHANGED is returned. It is left untouched when no
 * part changed or the structure is refused; it is emptied when a failure
 * (a cap, too many links, link_fn) comes after a first part was written.
 */
#ifndef GUESTLINK_REWRITE_H
#define GUESTLINK_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "resource.h"

enum rewrite_result {
	REWRITE_UNCHANGED,	/* no resource link anywhere: body untouched */
	REWRITE_CHANGED,	/* out holds the new body */
	REWRITE_SIGNED,		/* signed or encrypted: must not be modified */
	REWRITE_MALFORMED,	/* the message's own structure cannot be rewritten faithfully (bad MIME,
				 * depth, part count, too many links): a retry gets the same answer */
	REWRITE_ERROR,		/* out of memory, a buffer cap, link_fn failed: a retry can cure it */
};

/*
 * link_fn - make the accept link for one resource URL (the URL as it stands
 * after decoding transfer encoding and, in HTML, entities). Append it to out
 * and return true; false makes the whole rewrite REWRITE_ERROR.
 */
/*
 * struct rewrite_scratch - the rewriter's working buffers, kept between
 * calls by whoever makes many (the milter keeps one per pooled message
 * slot). One scratch serves one call at a time.
 */
struct rewrite_scratch;

typedef bool (*rewrite_link_fn)(void *ctx, const struct resource *res, const char *url, size_t len,
				struct buf *out);

struct rewrite_input {
	const char *headers;		/* top-level header block, "Name: value\r\n"..., may be partial */
	size_t headers_len;
	const char *body;		/* the body as received, CRLF */
	size_t body_len;
	const struct resource_list *resources;
	rewrite_link_fn link_fn;
	void *link_ctx;
	const char *footer_text;	/* ASCII, "\n" line ends; appended to changed text/plain parts */
	const char *footer_html;	/* ASCII HTML fragment; before </body> of changed text/html parts */
	struct rewrite_scratch *scratch;	/* reused between calls; NULL: buffers for this call only */
};

struct rewrite_stats {
	size_t links;			/* links replaced */
	size_t parts;			/* parts changed */
	bool top_qp;			/* the message itself became quoted-printable: the caller must set
					 * its Content-Transfer-Encoding header (and MIME-Version if absent) */
	const char *why;		/* REWRITE_MALFORMED: what is wrong with the message, in words for
					 * the staff member who sent it (a static string); else NULL */
};

/* rewrite_init - once in main(), before threads: initialises GMime */
void rewrite_init(void);
void rewrite_shutdown(void);

/* rewrite_scratch_new - NULL when out of memory; _free returns NULL */
struct rewrite_scratch *rewrite_scratch_new(void) __attribute__((warn_unused_result));
struct rewrite_scratch *rewrite_scratch_free(struct rewrite_scratch *s);
/* rewrite_scratch_trim - empty it, and give back any buffer larger than keep bytes */
void rewrite_scratch_trim(struct rewrite_scratch *s, size_t keep) __attribute__((nonnull));

/*
 * rewrite_body - when headers, "\r\n" and body lie back to back in memory
 * (headers + headers_len + 2 == body), the message is parsed where it lies;
 * otherwise it is first copied into one block.
 */
enum rewrite_result rewrite_body(const struct rewrite_input *in, struct buf *out, struct rewrite_stats *stats)
	__attribute__((warn_unused_result, nonnull(1, 2)));

const char *rewrite_result_word(enum rewrite_result r);

#endif
