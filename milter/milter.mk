# milter/ - guestlink-milter. Callbacks in milter.c are thin; the work is in
# modules that know nothing of libmilter (policy, subject, rewrite, links, footer).
MILTER_BIN = $(O)/milter/guestlink-milter
MILTER_CORE_SRC = milter/policy.c milter/subject.c milter/rewrite.c milter/links.c milter/footer.c \
		  milter/invite.c
MILTER_CORE_OBJ = $(MILTER_CORE_SRC:%.c=$(O)/%.o)
MILTER_SRC = milter/main.c milter/milter.c milter/report.c
MILTER_OBJ = $(MILTER_SRC:%.c=$(O)/%.o)
MILTER_LIBS = $(shell pkg-config --libs gmime-3.0 libcurl jansson) -lmilter -lpthread
CFLAGS_milter = $(shell pkg-config --cflags jansson)

all: $(MILTER_BIN)

$(MILTER_BIN): $(MILTER_OBJ) $(MILTER_CORE_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MILTER_LIBS) $(SHARED_LIBS)

CLEAN += milter/guestlink-milter
