# shared/ - code common to the milter, otpd and otpctl (never includes their headers).
SHARED_SRC = shared/log.c shared/buf.c shared/cidr.c shared/resource.c shared/config.c \
	     shared/addr.c shared/keys.c shared/token.c shared/privs.c shared/errmsg.c shared/listen.c
SHARED_OBJ = $(SHARED_SRC:%.c=$(O)/%.o)
SHARED_LIBS = $(shell pkg-config --libs libsodium inih)
