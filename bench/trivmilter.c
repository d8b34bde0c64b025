/*
 * trivmilter - the floor for "what does a milter cost Postfix": a milter
 * that does nothing, so what it costs is Postfix's side of the protocol
 * (and libmilter's), not any work.
 *
 *   trivmilter SOCKET eoh|mail
 *
 * eoh:  takes the same steps guestlink-milter takes for ordinary mail
 *       (connect, MAIL, RCPT, each header, accept at end of headers);
 * mail: accepts at MAIL FROM, the least any milter can do.
 * Negotiates away HELO, DATA and unknown commands, and no replies to connect,
 * RCPT, headers and body chunks, as guestlink-milter does.
 */
#include <libmilter/mfapi.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int accept_at_mail;
/* The no-reply steps agreed (every MTA connection offers the same). */
static atomic_ulong nr_agreed;

#define NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_BODY)

static sfsistat seen(unsigned long flag)
{
	return (atomic_load(&nr_agreed) & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat t_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	(void)ctx;
	(void)host;
	(void)sa;
	return seen(SMFIP_NR_CONN);
}

static sfsistat t_envfrom(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return accept_at_mail ? SMFIS_ACCEPT : SMFIS_CONTINUE;
}

static sfsistat t_envrcpt(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return seen(SMFIP_NR_RCPT);
}

static sfsistat t_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return seen(SMFIP_NR_HDR);
}

static sfsistat t_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_ACCEPT;
}

static sfsistat t_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			    unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f0;
	(void)f2;
	(void)f3;
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN | NR_STEPS);
	atomic_store(&nr_agreed, f1 & NR_STEPS);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

int main(int argc, char **argv)
{
	struct smfiDesc desc;

	if (argc != 3 || (strcmp(argv[2], "eoh") != 0 && strcmp(argv[2], "mail") != 0)) {
		fputs("usage: trivmilter SOCKET eoh|mail\n", stderr);
		return 2;
	}
	accept_at_mail = strcmp(argv[2], "mail") == 0;
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = "trivmilter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_connect = t_connect;
	desc.xxfi_envfrom = t_envfrom;
	desc.xxfi_envrcpt = t_envrcpt;
	desc.xxfi_header = t_header;
	desc.xxfi_eoh = t_eoh;
	desc.xxfi_negotiate = t_negotiate;
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS)
		return 1;
	if (strncmp(argv[1], "unix:", 5) == 0)
		unlink(argv[1] + 5);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
