#!/usr/bin/env bash
# funclen.sh [LIMIT [FILES...]]: lists the C functions longer than LIMIT lines (default 80), longest first, as
# `LINES FILE:LINE NAME`. Relies on the repo's clang-format layout: a definition's opening brace alone on a line after
# its signature, its closing brace alone in column 0. Exit status 0 always: a report, not a gate (yet).
limit=${1:-80}
shift
files=("$@")
[[ ${#files[@]} -eq 0 ]] && files=(src/*/*.c drivers/*.c)
awk -v limit="$limit" '
  FNR == 1 { sig = ""; start = 0 }
  /^[A-Za-z_].*\)$/ { sig = $0; sigline = FNR; next }
  /^\{$/ && sig != "" { start = FNR; name = sig; sub(/\(.*/, "", name); n = split(name, w, /[ *]+/); name = w[n]; next }
  /^\}$/ && start { len = FNR - start + 1; if (len > limit) printf "%d %s:%d %s\n", len, FILENAME, sigline, name; start = 0; sig = "" }
' "${files[@]}" | sort -rn
