# milter/ - guestlink-milter. Callbacks in milter.c are thin; the work is in
# modules that know nothing of libmilter (policy, subject, rewrite, links, footer).
MILTER_BIN = $(O)/milter/guestlink-milter
MILTER_CORE_SRC = milter/policy.c milter/subject.c milter/rewrite.c milter/links.c milter/footer.c \
		  milter/invite.c
MILTER_CORE_OBJ = $(MILTER_CORE_SRC:%.c=$(O)/%.o)
# Both daemons' config tables: one file serves both, so each program that reads it with its own
# table knows the other's key names; everything that links a daemon's core links these.
CONFIG_TABLES_OBJ = $(O)/milter/milter_config.o $(O)/otpd/otpd_config.o
MILTER_SRC = milter/main.c milter/milter.c milter/report.c
MILTER_OBJ = $(MILTER_SRC:%.c=$(O)/%.o)
MILTER_LIBS = $(shell pkg-config --libs gmime-3.0 libcurl jansson) -lmilter -lpthread
# -Iotpd: milter_config.c knows otpd's sections by name (otpd/otpd_config.h), as one file serves both.
CFLAGS_milter = $(shell pkg-config --cflags jansson) -Iotpd

all: $(MILTER_BIN)

$(MILTER_BIN): $(MILTER_OBJ) $(MILTER_CORE_OBJ) $(CONFIG_TABLES_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MILTER_LIBS) $(SHARED_LIBS)

CLEAN += milter/guestlink-milter
