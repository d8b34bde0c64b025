/*
 * fuzz_record - the record decoders (otpd/record.c, record_legacy.c): guest, invitation and session bytes
 * as a damaged or hostile database would hold them. The first input byte picks the decoder, the rest is the
 * record. Whatever decodes must encode again within its caps and decode to the same encoding (a round trip
 * that is stable), and record_invitation_revoked must agree with the full decoder.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

/* guest_again - a decoded guest encodes (unless a JSON one is past CAP_RECORD_BYTES in binary too), and
 * decoding and encoding that again gives the same bytes */
static void guest_again(const struct guest *g, bool binary)
{
	struct buf a, b;
	struct guest back;
	enum record_status s;

	buf_init(&a, CAP_RECORD_BYTES);
	buf_init(&b, CAP_RECORD_BYTES);
	if ((s = record_guest_encode(g, &a)) != RECORD_OK) {
		if (binary || s != RECORD_TOO_BIG)
			abort();	/* a binary record that decoded is within every cap the encoder keeps */
		buf_release(&a);
		buf_release(&b);
		return;
	}
	if (record_guest_decode(a.data, a.len, &back) != RECORD_OK || record_guest_encode(&back, &b) != RECORD_OK ||
	    a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	record_guest_clear(&back);
	buf_release(&a);
	buf_release(&b);
}

static void invitation_again(const struct invitation *inv)
{
	struct buf a, b;
	struct invitation back;
	bool revoked = false;

	buf_init(&a, CAP_RECORD_BYTES);
	buf_init(&b, CAP_RECORD_BYTES);
	/* A JSON invitation may hold more than a record can (64 KiB of report): then the encoder says so. */
	if (record_invitation_encode(inv, &a) == RECORD_OK) {
		if (record_invitation_decode(a.data, a.len, &back) != RECORD_OK ||
		    record_invitation_encode(&back, &b) != RECORD_OK || a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			abort();
		if (record_invitation_revoked(a.data, a.len, &revoked) != RECORD_OK ||
		    revoked != ((inv->has & INVITATION_HAS_REVOKED_AT) != 0))
			abort();
		record_invitation_clear(&back);
	}
	buf_release(&a);
	buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest g;
	struct invitation inv;
	struct session s, back;
	uint8_t out[RECORD_SESSION_MAX];
	size_t len;
	bool revoked;

	if (size < 1 || size > CAP_RECORD_BYTES + 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (record_guest_decode(data + 1, size - 1, &g) == RECORD_OK)
			guest_again(&g, size - 1 != 8 && data[1] == RECORD_GUEST_V1);
		record_guest_clear(&g);
		break;
	case 1:
		if (record_invitation_decode(data + 1, size - 1, &inv) == RECORD_OK) {
			invitation_again(&inv);
			if (record_invitation_revoked(data + 1, size - 1, &revoked) != RECORD_OK ||
			    revoked != ((inv.has & INVITATION_HAS_REVOKED_AT) != 0))
				abort();
		}
		record_invitation_clear(&inv);
		break;
	default:
		if (record_session_decode(data + 1, size - 1, &s) == RECORD_OK) {
			if (strlen(s.addr) == 0 || strlen(s.addr) > CAP_ADDR_BYTES || strlen(s.dest) > CAP_URL_BYTES)
				abort();
			if (record_session_encode(&s, out, &len) != RECORD_OK || record_session_decode(out, len, &back) != RECORD_OK ||
			    memcmp(&s, &back, sizeof(s)) != 0)
				abort();
		}
		break;
	}
	return 0;
}
