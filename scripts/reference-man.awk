# reference-man.awk - the Markdown key reference of `otpctl config-reference`
# as man(7) for guestlink.conf(5): "### [section]" -> .SS, each table row
# -> a .TP entry, other text -> a paragraph. `code` -> bold, *x* -> italic.
# Reads only what the parser's table prints, so a new key needs nothing here.

# roff - escape TEXT for a roff text line: backslashes first, then inline markup
function roff(text,    out, parts, n, i, seg) {
	gsub(/\\/, "\\e", text)
	n = split(text, parts, "`")
	out = ""
	for (i = 1; i <= n; i++) {
		seg = parts[i]
		if (i % 2 == 0) {
			gsub(/-/, "\\-", seg)
			out = out "\\fB" seg "\\fR"
		} else {
			while (match(seg, /\*[^*]+\*/)) {
				out = out substr(seg, 1, RSTART - 1) "\\fI" substr(seg, RSTART + 1, RLENGTH - 2) "\\fR"
				seg = substr(seg, RSTART + RLENGTH)
			}
			out = out seg
		}
	}
	# A line must not start with a control character.
	if (out ~ /^[.']/)
		out = "\\&" out
	return out
}

/^### / {
	sub(/^### /, "")
	printf ".SS \"%s\"\n", $0
	next
}
/^\| key \|/ || /^\|---/ || /^$/ { next }
/^\| / {
	# | `key` | default | meaning |
	line = $0
	sub(/^\| /, "", line)
	sub(/ \|$/, "", line)
	n = split(line, cell, / \| /)
	if (n != 3) {
		print "reference-man.awk: line " NR ": want 3 cells, got " n ": " $0 > "/dev/stderr"
		exit 1
	}
	key = cell[1]
	gsub(/`/, "", key)
	print ".TP"
	printf "\\fB%s\\fR = %s\n", roff(key), roff(cell[2])
	print roff(cell[3])
	next
}
{
	print ".PP"
	print roff($0)
}
