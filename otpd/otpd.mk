# otpd/ - otpctl (admin CLI) and, later, the otpd daemon.
OTPCTL_BIN = $(O)/otpd/otpctl
OTPCTL_SRC = otpd/otpctl.c
OTPCTL_OBJ = $(OTPCTL_SRC:%.c=$(O)/%.o)
OTPCTL_LIBS = $(shell pkg-config --libs jansson)
CFLAGS_otpd = $(shell pkg-config --cflags jansson)

all: $(OTPCTL_BIN)

$(OTPCTL_BIN): $(OTPCTL_OBJ) $(SHARED_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(OTPCTL_LIBS) $(SHARED_LIBS)

CLEAN += otpd/otpctl
