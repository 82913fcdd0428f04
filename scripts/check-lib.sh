# Sourced by the test scripts: `check NAME COMMAND...` runs COMMAND (a shell function or
# program) with its output in $tmp/check.log; a failure prints the command, its exit code
# and the tail of its output. `check_summary LABEL` prints the counts and fails if any
# check failed. Needs $tmp (a private directory). A check that cannot run here exits with
# `skip REASON` (code 77): it is counted as skipped, not passed, and named in the summary.
#
# Every step of a check counts: COMMAND runs in a background subshell with errexit,
# nounset and pipefail on, and `check` waits for it. (Run on the left of `||` or inside
# `if`, a function has errexit switched off whatever the script set, so only its last
# command would count.) errexit never fires for a command negated with `!`: write
# negations with `lacks` / `output_lacks` below, which also fail when what they inspect is
# missing. scripts/check-lib-selftest.sh proves all of this and runs in the test command.
passed=0 failed=0 skipped=0 skipped_names=()
check() {
  local name=$1; shift
  local status=0
  (set -euo pipefail; "$@") > "$tmp/check.log" 2>&1 &
  wait $! || status=$?
  if [ "$status" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $name"
  elif [ "$status" = 77 ]; then
    skipped=$((skipped + 1)); skipped_names+=("$name")
    echo "skip $name: $(tail -1 "$tmp/check.log")"
  else
    failed=$((failed + 1)); echo "FAIL $name"
    echo "     command: $*"
    echo "     exit code: $status"
    echo "     output (last 40 lines):"
    tail -40 "$tmp/check.log" | sed 's/^/     | /'
  fi
}
check_summary() {
  local names=""
  [ "$skipped" = 0 ] || names=$(printf ' (%s)' "$(IFS=';'; echo "${skipped_names[*]}")")
  echo "$1: $passed passed, $failed failed, $skipped skipped$names"
  [ "$failed" = 0 ]
}
# skip REASON: ends a check as skipped (see above).
skip() { echo "SKIPPED: $*"; exit 77; }

# lacks PATTERN FILE: FILE exists and is readable, and no line of it matches the
# extended regular expression PATTERN (the matching lines are printed otherwise).
lacks() {
  local pattern=$1 file=$2 status=0
  if [ ! -r "$file" ]; then
    echo "lacks: $file does not exist or cannot be read"; return 1
  fi
  grep -nE -- "$pattern" "$file" || status=$?
  case $status in
    0) echo "lacks: $file has lines matching '$pattern' (above)"; return 1 ;;
    1) return 0 ;;
    *) echo "lacks: grep failed on $file"; return 1 ;;
  esac
}

# output_lacks PATTERN COMMAND...: COMMAND succeeds and prints at least one line, none of
# which matches PATTERN. (For `ldd BINARY`: a missing binary fails instead of passing.)
output_lacks() {
  local pattern=$1; shift
  local out status=0
  out=$(mktemp "$tmp/output.XXXXXX")
  "$@" > "$out" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    echo "output_lacks: '$*' failed with $status:"; tail -20 "$out"; return 1
  fi
  if [ ! -s "$out" ]; then
    echo "output_lacks: '$*' printed nothing to inspect"; return 1
  fi
  lacks "$pattern" "$out"
}
