#!/usr/bin/env bash
# The Python side of the test command: builds the wheel from this clone in one command
# (`pip wheel bindings/python`), installs it into a fresh venv and uses it with nothing
# else installed, then runs the Python API tests and the Django project once with
# django-storages' backend and once with s3storage.django (same assertions), against the
# local server scripts/test.sh started. Expects S3STORAGE_TEST_* in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
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
alone() {
  python3 -m venv "$venv"
  "$venv/bin/pip" install "${pip_quiet[@]}" "$tmp"/dist/s3storage-*.whl
  "$venv/bin/pip" list --format=freeze > "$tmp/installed.txt"
  grep -q '^s3storage==' "$tmp/installed.txt"
  lacks '^[^=]*==' <(grep -v '^\(pip\|setuptools\|s3storage\)==' "$tmp/installed.txt")
  (cd "$tmp" && AWS_LOCATION="py-alone-$$" "$venv/bin/python" - <<'PY'
import os, s3storage
storage = s3storage.Storage(
    AWS_STORAGE_BUCKET_NAME="s3storage-python-tests", AWS_AUTO_CREATE_BUCKET=True,
    AWS_S3_ENDPOINT_URL=os.environ["S3STORAGE_TEST_ENDPOINT"], AWS_S3_REGION_NAME="us-east-1",
    AWS_S3_ACCESS_KEY_ID=os.environ["S3STORAGE_TEST_ACCESS_KEY"],
    AWS_S3_SECRET_ACCESS_KEY=os.environ["S3STORAGE_TEST_SECRET_KEY"],
    AWS_LOCATION=os.environ["AWS_LOCATION"])
name = storage.save("hello.txt", b"hello from the wheel")
assert storage.open(name).read() == b"hello from the wheel", "read back"
storage.delete(name)
print("the wheel alone:", s3storage.__file__, s3storage.version())
PY
  )
}
check "the wheel in a fresh venv, nothing else installed" alone

test_deps() {
  "$venv/bin/pip" install "${pip_quiet[@]}" "pytest==8.3.5" "Django==5.2.19" \
    "django-storages==1.14.6" "boto3==1.43.11"
}
check "test dependencies (pytest, Django, django-storages, boto3)" test_deps

# Run from the tests directory so that `import s3storage` is the installed wheel.
pytest_run() { (cd bindings/python/tests && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"); }
check "Python API tests" pytest_run test_storage.py
django_run() {
  S3STORAGE_DJANGO_BACKEND=$1 S3STORAGE_DJANGO_LOCATION="dj-$1-$$" pytest_run test_django.py
}
for backend in django-storages s3storage; do
  check "Django project with $backend" django_run "$backend"
done
check_summary python
