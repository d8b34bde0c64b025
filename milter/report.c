/*
 * report.c - queue and send invitation records to otpd (see report.h).
 *
 * Ownership: the queue owns copies of submitted records; the thread frees
 * them after sending. Failure: logged at warn, never reaches the mail.
 */
#include "report.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "log.h"

#define REPORT_QUEUE 1024

static const struct milter_config *r_cfg;
static const struct signing_key *r_key;
static struct report *queue[REPORT_QUEUE];
static size_t q_head, q_len;
static bool running, stopping;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static pthread_t r_thread;

char *report_body(const struct report *r, const uint8_t kid[KEYS_KID_LEN], uint64_t now)
{
	char hex[KEYS_KID_HEX];
	json_t *obj, *res = json_array();
	const char *p = r->resources;
	char *text;

	keys_kid_hex(kid, hex);
	while (res != NULL && p != NULL && *p != '\0') {
		const char *end = strchr(p, ' ');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		json_array_append_new(res, json_stringn(p, len));
		p = end ? end + 1 : p + len;
	}
	obj = json_pack("{s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:s,s:I}", "invitation", r->invitation, "kid", hex,
			"inviter", r->inviter, "resources", res, "guests", (json_int_t)r->guests,
			"issued_at", (json_int_t)r->issued_at, "expires_at", (json_int_t)r->expires_at,
			"queue_id", r->queue_id, "sent_at", (json_int_t)now);
	if (obj == NULL)
		return NULL;
	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	return text;
}

/* post - one signed POST; true on a 2xx answer */
static bool post(CURL *curl, const char *url, const char *body)
{
	uint8_t sig[crypto_sign_BYTES];
	char hex[KEYS_KID_HEX], b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	char header[200];
	struct curl_slist *h = NULL;
	long code = 0;
	CURLcode rc;

	crypto_sign_detached(sig, NULL, (const unsigned char *)body, strlen(body), r_key->sk);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	keys_kid_hex(r_key->kid, hex);
	snprintf(header, sizeof(header), "X-Guestlink-Signature: %s:%s", hex, b64);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, header);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, CAP_REPORT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, CAP_REPORT_CONNECT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		log_warn("event=report_failed error=\"%s\"", curl_easy_strerror(rc));
	else if (code / 100 != 2)
		log_warn("event=report_failed status=%ld", code);
	return rc == CURLE_OK && code / 100 == 2;
}

static void send_one(CURL *curl, const char *url, struct report *r)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		char *body = report_body(r, r_key->kid, (uint64_t)time(NULL));
		bool ok = body != NULL && post(curl, url, body);

		free(body);
		if (ok) {
			log_info("event=reported invitation=%s queue_id=%s", r->invitation, r->queue_id);
			return;
		}
	}
	log_warn("event=report_dropped invitation=%s queue_id=%s", r->invitation, r->queue_id);
}

static void free_report(struct report *r)
{
	free((char *)(uintptr_t)r->resources);
	free(r);
}

static void *report_loop(void *arg)
{
	char url[CAP_URL_BYTES];
	CURL *curl = curl_easy_init();

	(void)arg;
	snprintf(url, sizeof(url), "%s/api/v1/invitations", r_cfg->otpd_url);
	for (;;) {
		struct report *r;

		pthread_mutex_lock(&q_lock);
		while (q_len == 0 && !stopping)
			pthread_cond_wait(&q_cond, &q_lock);
		if (q_len == 0) {
			pthread_mutex_unlock(&q_lock);
			break;
		}
		r = queue[q_head];
		q_head = (q_head + 1) % REPORT_QUEUE;
		q_len--;
		pthread_mutex_unlock(&q_lock);
		if (curl != NULL)
			send_one(curl, url, r);
		free_report(r);
	}
	if (curl != NULL)
		curl_easy_cleanup(curl);
	return NULL;
}

bool report_start(const struct milter_config *cfg, const struct signing_key *key)
{
	if (cfg->otpd_url == NULL || cfg->otpd_url[0] == '\0')
		return true;
	r_cfg = cfg;
	r_key = key;
	if (pthread_create(&r_thread, NULL, report_loop, NULL) != 0)
		return false;
	running = true;
	return true;
}

void report_submit(const struct report *r)
{
	struct report *copy;

	if (!running)
		return;
	copy = malloc(sizeof(*copy));
	if (copy == NULL) {
		log_warn("event=report_dropped invitation=%s reason=out_of_memory", r->invitation);
		return;
	}
	*copy = *r;
	copy->resources = strdup(r->resources ? r->resources : "");
	if (copy->resources == NULL) {
		free(copy);
		return;
	}
	pthread_mutex_lock(&q_lock);
	if (q_len == REPORT_QUEUE) {
		pthread_mutex_unlock(&q_lock);
		log_warn("event=report_dropped invitation=%s reason=queue_full", r->invitation);
		free_report(copy);
		return;
	}
	queue[(q_head + q_len) % REPORT_QUEUE] = copy;
	q_len++;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
}

void report_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&q_lock);
	stopping = true;
	pthread_cond_signal(&q_cond);
	pthread_mutex_unlock(&q_lock);
	pthread_join(r_thread, NULL);
	running = false;
}
