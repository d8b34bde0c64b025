/*
 * auth_fast.c - the answers of GET /auth, made once (see auth_fast.h).
 *
 * The 200s live in AUTH_SLOTS slots, chosen by a hash of the address, each
 * with its own lock, held while the response is looked up and queued (a
 * queued response holds its own reference, so replacing a slot's response
 * never frees one that a connection is still sending).
 */
#include "auth_fast.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

#define AUTH_SLOTS 256

struct auth_slot {
	pthread_mutex_t lock;
	char addr[ADDR_BUF];
	struct MHD_Response *r;
};

struct auth_answers {
	struct MHD_Response *deny, *unavailable;
	struct auth_slot slot[AUTH_SLOTS];
};

/* make - an empty text/plain answer with otpd's headers; guest: X-Guest-Email, or NULL */
static struct MHD_Response *make(const char *guest)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)(uintptr_t)"", MHD_RESPMEM_PERSISTENT);

	if (r == NULL)
		return NULL;
	/* Only nginx reads these answers (auth_request passes none of their headers to the browser, and the body
	 * is empty), so no page headers (CSP, frame and referrer policy): fewer bytes on every resource request. */
	if (MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8") != MHD_YES ||
	    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(r, "Cache-Control", "no-store") != MHD_YES ||
	    (guest != NULL && MHD_add_response_header(r, "X-Guest-Email", guest) != MHD_YES)) {
		MHD_destroy_response(r);
		return NULL;
	}
	return r;
}

struct auth_answers *auth_answers_new(void)
{
	struct auth_answers *aa = calloc(1, sizeof(*aa));

	if (aa == NULL)
		return NULL;
	for (size_t i = 0; i < AUTH_SLOTS; i++)
		pthread_mutex_init(&aa->slot[i].lock, NULL);
	if ((aa->deny = make(NULL)) == NULL || (aa->unavailable = make(NULL)) == NULL) {
		auth_answers_free(aa);
		return NULL;
	}
	return aa;
}

/* slot_of - FNV-1a of the address */
static struct auth_slot *slot_of(struct auth_answers *aa, const char *addr)
{
	uint32_t h = 2166136261u;

	for (; *addr != '\0'; addr++)
		h = (h ^ (uint8_t)*addr) * 16777619u;
	return &aa->slot[h % AUTH_SLOTS];
}

enum MHD_Result auth_answer(struct auth_answers *aa, struct MHD_Connection *c, enum auth_result ar, const char *addr)
{
	struct auth_slot *s;
	enum MHD_Result ret = MHD_NO;
	size_t alen;

	if (ar == AUTH_DENY)
		return MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, aa->deny);
	if (ar != AUTH_ALLOW || addr == NULL || (alen = strlen(addr)) >= ADDR_BUF)
		return MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, aa->unavailable);
	s = slot_of(aa, addr);
	pthread_mutex_lock(&s->lock);
	if (s->r == NULL || strcmp(s->addr, addr) != 0) {
		struct MHD_Response *r = make(addr);

		if (r != NULL) {
			if (s->r != NULL)
				MHD_destroy_response(s->r);
			s->r = r;
			memcpy(s->addr, addr, alen + 1);
		}
	}
	if (s->r != NULL && strcmp(s->addr, addr) == 0)
		ret = MHD_queue_response(c, MHD_HTTP_OK, s->r);
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void auth_answers_free(struct auth_answers *aa)
{
	if (aa == NULL)
		return;
	for (size_t i = 0; i < AUTH_SLOTS; i++) {
		if (aa->slot[i].r != NULL)
			MHD_destroy_response(aa->slot[i].r);
		pthread_mutex_destroy(&aa->slot[i].lock);
	}
	if (aa->deny != NULL)
		MHD_destroy_response(aa->deny);
	if (aa->unavailable != NULL)
		MHD_destroy_response(aa->unavailable);
	free(aa);
}
