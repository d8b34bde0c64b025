# tests/packaging/packaging.mk - installing guestlink (issue 14):
#   test-packaging  tests/packaging/t-*.sh:
#                   t-install.sh  make install into a DESTDIR (PREFIX /usr/local and /opt/gl):
#                                 binaries, example config, man pages, units;
#                   t-deb.sh      the Debian packages built from the files git tracks: contents,
#                                 metadata, lintian, dpkg -i, user, directories, units, man
#                                 pages, -n without keys, then purge. Needs root; refuses to
#                                 run where a guestlink user, /etc/guestlink or the packages
#                                 already are. About 1.5 min of CPU.
# Include from the top Makefile.
.PHONY: test-packaging

test-packaging: all
	@BUILD=$(O) tests/packaging/run.sh
