#!/usr/bin/env bash
# Self-test of the test harness (scripts/check-lib.sh), run by the test command: a check
# fails when any of its steps fails, not only its last; a negation fails when what it
# inspects is missing; failures print the command, the code and the output. It also
# fails while a test script asserts with a bare `!` (errexit ignores it: use `lacks`).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=scripts/check-lib.sh
source scripts/check-lib.sh

# expect OUTCOME NAME COMMAND...: runs `check` in a subshell and asserts it printed
# "ok   NAME" (OUTCOME ok) or "FAIL NAME" (OUTCOME FAIL).
expect_passed=0 expect_failed=0
expect() {
  local outcome=$1 name=$2; shift 2
  local out
  out=$(source scripts/check-lib.sh; check "$name" "$@"; echo "counts $passed $failed $skipped")
  if outcome_is "$outcome" "$name" "$out"; then
    expect_passed=$((expect_passed + 1)); echo "ok   harness: '$name' is reported $outcome"
  else
    expect_failed=$((expect_failed + 1)); echo "FAIL harness: '$name' should be reported $outcome; check printed:"
    sed 's/^/     | /' <<< "$out"
  fi
}
outcome_is() {
  local outcome=$1 name=$2 out=$3
  case $outcome in
    ok) [ "$(head -1 <<< "$out")" = "ok   $name" ] && grep -qx "counts 1 0 0" <<< "$out" ;;
    skip) [ "$(head -1 <<< "$out")" = "skip $name: SKIPPED: no database here" ] &&
            grep -qx "counts 0 0 1" <<< "$out" ;;
    FAIL) [ "$(head -1 <<< "$out")" = "FAIL $name" ] && grep -qx "counts 0 1 0" <<< "$out" &&
            grep -q "^     exit code: [1-9]" <<< "$out" && grep -q "^     command: " <<< "$out" ;;
  esac
}

first_step_fails() { false; ! ls /nonexistent 2>/dev/null | grep -q x; }
middle_step_fails() { true; grep -q never-there /dev/null; echo last; }
pipe_head_fails() { false | cat; echo last; }
negation_on_missing_file() { lacks "libs3storage" "$tmp/never-built.txt"; }
negation_on_missing_binary() { output_lacks "libs3storage" ldd "$tmp/never-built"; }
negation_on_silent_command() { output_lacks "libs3storage" true; }
negation_finds_what_must_not_be() { echo "libs3storage.so => x" > "$tmp/ldd.out"; lacks "libs3storage" "$tmp/ldd.out"; }
unset_variable() { echo "$never_set_anywhere"; }
all_steps_pass() { true; echo "libc.so.6" > "$tmp/ok.out"; lacks "libs3storage" "$tmp/ok.out"; output_lacks "libs3storage" echo libc; }

expect FAIL "first step fails" first_step_fails
expect FAIL "a middle step fails" middle_step_fails
expect FAIL "the head of a pipeline fails" pipe_head_fails
expect FAIL "a negated grep on a missing file" negation_on_missing_file
expect FAIL "a negated grep on the output of a missing binary" negation_on_missing_binary
expect FAIL "a negated grep on a command that printed nothing" negation_on_silent_command
expect FAIL "a negated grep that matches" negation_finds_what_must_not_be
expect FAIL "an unset variable" unset_variable
expect FAIL "a plain command that fails" false
expect ok "every step passes" all_steps_pass
expect ok "a plain command that passes" true
cannot_run_here() { echo "looking for a database"; skip "no database here"; }
expect skip "a check that cannot run here is skipped, not passed" cannot_run_here

# No bare negation in the test scripts: `! cmd` never trips errexit, so it asserts
# nothing unless it is the last command of a check. (`if !` and `while !` are fine.)
ls scripts/test-c.sh scripts/test-python.sh scripts/check-package.sh > /dev/null
grep -nE '^[[:space:]]*!([[:space:]]|$)|(&&|\|\||;)[[:space:]]*![[:space:]]' scripts/*.sh .ci/run |
  grep -v '^scripts/check-lib-selftest.sh:' |
  grep -vE '^[^:]*:[0-9]+:[[:space:]]*(if|elif|while|until)[[:space:]]' > "$tmp/negations" || true
if [ ! -s "$tmp/negations" ]; then
  expect_passed=$((expect_passed + 1)); echo "ok   harness: no bare '!' assertion in the test scripts"
else
  expect_failed=$((expect_failed + 1)); echo "FAIL harness: bare '!' assertions: use lacks / output_lacks"
  sed 's/^/     | /' "$tmp/negations"
fi

echo "harness: $expect_passed passed, $expect_failed failed"
[ "$expect_failed" = 0 ]
