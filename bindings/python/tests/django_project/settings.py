"""A small Django project, run once with django-storages' backend and once with this
package's (S3STORAGE_DJANGO_BACKEND = "django-storages" or "s3storage"); everything else,
the assertions included, is the same."""

import os
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
BACKEND = os.environ.get("S3STORAGE_DJANGO_BACKEND", "s3storage")
MODULE = {"s3storage": "s3storage.django", "django-storages": "storages.backends.s3"}[BACKEND]
LOCATION = os.environ["S3STORAGE_DJANGO_LOCATION"]

SECRET_KEY = "not-secret-tests-only"
INSTALLED_APPS = ["django.contrib.staticfiles", "docs"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AWS_STORAGE_BUCKET_NAME = "s3storage-django-tests"
AWS_S3_ENDPOINT_URL = os.environ["S3STORAGE_TEST_ENDPOINT"]
AWS_S3_REGION_NAME = "us-east-1"
AWS_S3_ACCESS_KEY_ID = os.environ["S3STORAGE_TEST_ACCESS_KEY"]
AWS_S3_SECRET_ACCESS_KEY = os.environ["S3STORAGE_TEST_SECRET_KEY"]
AWS_S3_FILE_OVERWRITE = False
AWS_LOCATION = LOCATION + "/media"

STORAGES = {
    "default": {"BACKEND": f"{MODULE}.S3Storage"},
    "staticfiles": {
        "BACKEND": f"{MODULE}.S3StaticStorage",
        "OPTIONS": {"location": LOCATION + "/static"},
    },
}
STATIC_URL = "static/"
STATICFILES_DIRS = [HERE / "static_src"]
