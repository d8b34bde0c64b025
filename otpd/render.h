/*
 * render.h - an outcome (step.h) as the body of an answer: one renderer for
 * pages, one for the JSON API, so a step and its JSON twin are one step.
 *
 *   render_html  the page of out->pg (pages.h); a redirect has no body
 *   render_json  {"<key>":"<word>"} or {"status":"<word>","next":"<url>"}
 *   render_text  the step's plain text
 * Each writes the body into b and returns its Content-Type; on failure
 * (the page outgrew its cap) b is empty and *status becomes 500.
 */
#ifndef OTPD_RENDER_H
#define OTPD_RENDER_H

#include "buf.h"
#include "step.h"

const char *render_html(const struct step_out *out, struct buf *b, unsigned *status) __attribute__((nonnull));
const char *render_json(const struct step_out *out, struct buf *b, unsigned *status) __attribute__((nonnull));
const char *render_text(const struct step_out *out, struct buf *b, unsigned *status) __attribute__((nonnull));

#endif
