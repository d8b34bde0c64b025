#!/bin/sh
# style.sh - keep banned functions out of the C sources (see ../shared/STYLE.md;
# curl's CODE_STYLE does the same). Fuzz harnesses are exempt.
cd "$(dirname "$0")/.." || exit 2
hits=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^tests/fuzz/' |
	xargs grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|sscanf|gets)[[:space:]]*\(' 2>/dev/null)
if [ -n "$hits" ]; then
	echo "style: banned functions (use the buf/cursor helpers instead):" >&2
	echo "$hits" >&2
	exit 1
fi
echo "style: no banned functions"
