# SPDX-License-Identifier: GPL-2.0-or-later
# jpath.awk -v path="a.b.0.c [more paths...]": the values at dotted paths of
# the JSON text on standard input (array elements by index), one line each,
# in the order asked. A string prints without its quotes, any other value as
# written (an object or array as its JSON text); a missing path prints an
# empty line and makes the exit status 1. A quick stand-in for jq or Python,
# which take most of a second to start under TCG.
function skip_ws() {
	while (pos <= n && index(" \t\r\n", substr(s, pos, 1)))
		pos++
}

# at an opening quote: the string's text, escapes left as they are
function str(    start, c) {
	start = ++pos
	while (pos <= n) {
		c = substr(s, pos, 1)
		if (c == "\\")
			pos += 2
		else if (c == "\"")
			break
		else
			pos++
	}
	pos++
	return substr(s, start, pos - 1 - start)
}

function found(p, v) {
	if (!(p in want) || (p in val))
		return
	val[p] = v
	if (++nfound == nwant)
		finish()
}

function finish(    i, rc) {
	rc = 0
	for (i = 1; i <= nwant; i++) {
		if (!(order[i] in val))
			rc = 1
		print val[order[i]]
	}
	exit rc
}

function value(p,    start, c, k, i) {
	skip_ws()
	start = pos
	c = substr(s, pos, 1)
	if (c == "{" || c == "[") {
		pos++
		skip_ws()
		if (substr(s, pos, 1) == (c == "{" ? "}" : "]")) {
			pos++
		} else {
			for (i = 0; ; i++) {
				skip_ws()
				if (c == "{") {
					k = str()
					skip_ws()
					pos++ # the colon
				} else {
					k = i
				}
				value(p == "" ? k : p "." k)
				skip_ws()
				if (substr(s, pos++, 1) != ",")
					break
			}
		}
	} else if (c == "\"") {
		found(p, str())
		return
	} else {
		while (pos <= n && !index(",}] \t\r\n", substr(s, pos, 1)))
			pos++
	}
	found(p, substr(s, start, pos - start))
}

BEGIN {
	nwant = split(path, order, " ")
	for (i = 1; i <= nwant; i++)
		want[order[i]] = 1
}

{ s = s $0 "\n" }

END {
	n = length(s)
	pos = 1
	value("")
	finish()
}
