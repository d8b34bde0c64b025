#!/bin/bash
# tests/packaging/run.sh [t-NAME.sh...] - every tests/packaging/t-*.sh, through tests/lib/run-suite.sh;
# last line exactly "packaging: N passed, N failed".
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../lib/run-suite.sh" packaging "$here" "$@"
