#!/usr/bin/env bash
# The Python side of the test command, against the local server scripts/test.sh started
# (S3STORAGE_TEST_* in the environment):
#   - the wheel from this clone in one command (`pip wheel bindings/python`), its tag the
#     manylinux policy its library's glibc needs (auditwheel show agrees), used alone in a
#     fresh venv;
#   - the sdist (the crate inside it) built, installed with pip in a fresh venv in
#     another folder, imported, saving and reading;
#   - mypy --strict on the package;
#   - the Python API tests, the fsspec filesystem (fsspec's own abstract suite, pandas
#     and pyarrow through an s3storage:// URL), the Django project once with
#     django-storages' backend and once with s3storage.django (same assertions), and the
#     Django tests again with Django 4.2 and 5.1, each in its own venv.
#
#   scripts/test-python.sh                 everything
#   scripts/test-python.sh --server-only   the wheel and only what depends on the server:
#                                          the API, fsspec and Django tests (the cluster
#                                          run; the packaging checks are the same on any)
set -euo pipefail
cd "$(dirname "$0")/.."
server_only=false
[ "${1:-}" = --server-only ] && server_only=true
repo=$PWD
: "${S3STORAGE_TEST_ENDPOINT:?run through scripts/test.sh}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=scripts/check-lib.sh
source scripts/check-lib.sh
unset S3STORAGE_LIB
pip_quiet=(--quiet --disable-pip-version-check)

wheel() {
  python3 -m pip wheel "${pip_quiet[@]}" --no-deps -w "$tmp/dist" bindings/python
  ls -l "$tmp/dist"
  python3 -m zipfile -l "$tmp"/dist/s3storage-*.whl > "$tmp/wheel-files.txt"
  cat "$tmp/wheel-files.txt"
  for file in s3storage/libs3storage.so s3storage/py.typed s3storage/django.py s3storage/__init__.py; do
    grep -qE "(^|/)$file " "$tmp/wheel-files.txt" || { echo "the wheel lacks $file"; return 1; }
  done
}
check "pip wheel bindings/python (cargo builds libs3storage.so into it)" wheel

venv="$tmp/venv"
if ! $server_only; then
tools="$tmp/tools"
tools_venv() {
  python3 -m venv "$tools"
  "$tools/bin/pip" install "${pip_quiet[@]}" "build==1.6.1" "auditwheel==6.8.2" "mypy==2.4.1"
}
check "the packaging tools (build, auditwheel, mypy) in their own venv" tools_venv

wheel_tag() {
  local wheel tag
  wheel=$(ls "$tmp"/dist/s3storage-*.whl)
  tag=$(basename "$wheel" .whl | cut -d- -f3-)
  echo "tag: $tag"
  [[ $tag =~ ^py3-none-manylinux_[0-9]+_[0-9]+_x86_64$ ]] || { echo "not a manylinux tag"; return 1; }
  "$tools/bin/auditwheel" show "$wheel" | tee "$tmp/auditwheel.txt"
  tr -s ' \n' ' ' < "$tmp/auditwheel.txt" |
    grep -q "is consistent with the following platform tag: \"${tag#py3-none-}\"" ||
    { echo "auditwheel does not find the wheel consistent with ${tag#py3-none-}"; return 1; }
}
check "the wheel's tag is the manylinux policy its library needs (auditwheel show)" wheel_tag

# smoke PYTHON DIR WHAT: from DIR, PYTHON imports the installed package (the copy under
# DIR when DIR is a venv's folder), saves, reads back and deletes one object.
smoke() {
  (cd "$2" && AWS_LOCATION="py-$3-$$" S3STORAGE_SMOKE="$3" "$1" - <<'PY'
import os, s3storage
what = os.environ["S3STORAGE_SMOKE"]
storage = s3storage.Storage(
    AWS_STORAGE_BUCKET_NAME="s3storage-python-tests", AWS_AUTO_CREATE_BUCKET=True,
    AWS_S3_ENDPOINT_URL=os.environ["S3STORAGE_TEST_ENDPOINT"], AWS_S3_REGION_NAME="us-east-1",
    AWS_S3_ACCESS_KEY_ID=os.environ["S3STORAGE_TEST_ACCESS_KEY"],
    AWS_S3_SECRET_ACCESS_KEY=os.environ["S3STORAGE_TEST_SECRET_KEY"],
    AWS_LOCATION=os.environ["AWS_LOCATION"])
content = ("hello from the %s" % what).encode()
name = storage.save("hello.txt", content)
assert storage.open(name).read() == content, "read back"
storage.delete(name)
if what == "sdist":
    assert "/elsewhere/venv/" in s3storage.__file__, s3storage.__file__
print("the %s:" % what, s3storage.__file__, s3storage.version())
PY
  )
}

alone() {
  python3 -m venv "$venv"
  "$venv/bin/pip" install "${pip_quiet[@]}" "$tmp"/dist/s3storage-*.whl
  "$venv/bin/pip" list --format=freeze > "$tmp/installed.txt"
  grep -q '^s3storage==' "$tmp/installed.txt"
  lacks '^[^=]*==' <(grep -v '^\(pip\|setuptools\|s3storage\)==' "$tmp/installed.txt")
  smoke "$venv/bin/python" "$tmp" wheel
}
check "the wheel in a fresh venv, nothing else installed" alone

sdist() {
  "$tools/bin/python" -m build --sdist -o "$tmp/sdist" bindings/python
  local archive
  archive=$(ls "$tmp"/sdist/s3storage-*.tar.gz)
  tar tzf "$archive" > "$tmp/sdist-files.txt"
  for file in rust/Cargo.toml rust/Cargo.lock rust/src/lib.rs rust/build.rs setup.py src/s3storage/storage.py; do
    grep -q "^s3storage-[^/]*/$file\$" "$tmp/sdist-files.txt" || { echo "the sdist lacks $file"; return 1; }
  done
  # Another folder, a fresh venv: pip builds the wheel from the sdist with cargo (the
  # clone's target directory only saves compiling the dependencies again).
  mkdir -p "$tmp/elsewhere"
  python3 -m venv "$tmp/elsewhere/venv"
  (cd "$tmp/elsewhere" && CARGO_TARGET_DIR="$repo/target" \
    venv/bin/pip install "${pip_quiet[@]}" "$archive")
  smoke "$tmp/elsewhere/venv/bin/python" "$tmp/elsewhere" sdist
  # And the Python API tests with the package the sdist built.
  "$tmp/elsewhere/venv/bin/pip" install "${pip_quiet[@]}" "pytest==8.3.5"
  (cd bindings/python/tests && "$tmp/elsewhere/venv/bin/python" -m pytest -q \
    -p no:cacheprovider test_storage.py)
}
check "the sdist builds with cargo and installs in a fresh venv in another folder" sdist

mypy_strict() { (cd bindings/python && "$tools/bin/mypy" --strict); }
check "mypy --strict on the package" mypy_strict

fi

test_deps() {
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install "${pip_quiet[@]}" "pytest==8.3.5" "Django==5.2.19" \
    "django-storages==1.14.6" "boto3==1.43.11" "fsspec==2026.9.0" "pandas==3.1.1" \
    "pyarrow==26.0.1"
  $server_only || return 0 # the full run installed the wheel alone, above
  "$venv/bin/pip" install "${pip_quiet[@]}" "$tmp"/dist/s3storage-*.whl
}
check "test dependencies (pytest, Django, django-storages, boto3, fsspec, pandas, pyarrow)" test_deps

# Run from the tests directory so that `import s3storage` is the installed wheel.
pytest_run() { (cd bindings/python/tests && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"); }
check "Python API tests" pytest_run test_storage.py
django_run() {
  S3STORAGE_DJANGO_BACKEND=$1 S3STORAGE_DJANGO_LOCATION="dj-$1-$$" pytest_run test_django.py
}
check "fsspec: the abstract suite, listings, reads, writes, pandas and pyarrow" \
  pytest_run test_fsspec.py
for backend in django-storages s3storage; do
  check "Django project with $backend" django_run "$backend"
done
django_version() {
  local version=$1 venv="$tmp/django-$1"
  python3 -m venv "$venv"
  "$venv/bin/pip" install "${pip_quiet[@]}" "$tmp"/dist/s3storage-*.whl "pytest==8.3.5" "boto3==1.43.11" \
    "Django==$version"
  (cd bindings/python/tests && S3STORAGE_DJANGO_BACKEND=s3storage \
    S3STORAGE_DJANGO_LOCATION="dj-$version-$$" "$venv/bin/python" -m pytest -q \
    -p no:cacheprovider test_django.py)
}
for version in 4.2.30 5.1.15; do
  $server_only || check "Django $version (its own venv): the Django project with s3storage" django_version "$version"
done
check_summary python
