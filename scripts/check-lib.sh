# Sourced by the test scripts: `check NAME COMMAND...` runs COMMAND (a shell function or
# program) with its output in $tmp/check.log; a failure prints the command, its exit code
# and the tail of its output. `check_summary LABEL` prints the counts and fails if any
# check failed. Needs $tmp (a private directory).
passed=0 failed=0
check() {
  local name=$1; shift
  local status=0
  "$@" > "$tmp/check.log" 2>&1 || status=$?
  if [ "$status" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"
    echo "     command: $*"
    echo "     exit code: $status"
    echo "     output (last 40 lines):"
    tail -40 "$tmp/check.log" | sed 's/^/     | /'
  fi
}
check_summary() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}
