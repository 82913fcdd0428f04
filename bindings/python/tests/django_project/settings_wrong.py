"""The test project with a wrong option, for `manage.py check` (test_django.py)."""

from settings import *  # noqa: F401,F403

INSTALLED_APPS = INSTALLED_APPS + ["s3storage.django.S3StorageConfig"]  # noqa: F405
AWS_S3_ADDRESSING_STYLE = "sideways"
STORAGES = dict(STORAGES)  # noqa: F405
STORAGES["media"] = {"BACKEND": "s3storage.django.S3Storage", "OPTIONS": {"bucket_nam": "x"}}
