# tests/packaging/packaging.mk - the Debian packages (issue 14):
#   test-packaging  tests/packaging/t-*.sh: build the packages from the files
#                   git tracks, check contents, metadata and lintian, install
#                   them with dpkg -i, check user, directories, units and man
#                   pages, then purge. Needs root; refuses to run where a
#                   guestlink user, /etc/guestlink or the packages already are.
# Include from the top Makefile.
.PHONY: test-packaging

test-packaging:
	@tests/packaging/run.sh
