#!/bin/bash
# tests/hardening/run.sh [t-NAME.sh...] - every tests/hardening/t-*.sh, through tests/lib/run-suite.sh;
# last line exactly "hardening: N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../lib/run-suite.sh" hardening "$here" "$@"
