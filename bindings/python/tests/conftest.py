"""The local server the test command started (S3STORAGE_TEST_* in the environment)."""

import os
import uuid

import pytest

import s3storage


def server_settings(**more):
    values = {
        "AWS_STORAGE_BUCKET_NAME": "s3storage-python-tests",
        "AWS_AUTO_CREATE_BUCKET": True,
        "AWS_S3_ENDPOINT_URL": os.environ["S3STORAGE_TEST_ENDPOINT"],
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ACCESS_KEY_ID": os.environ["S3STORAGE_TEST_ACCESS_KEY"],
        "AWS_S3_SECRET_ACCESS_KEY": os.environ["S3STORAGE_TEST_SECRET_KEY"],
    }
    values.update(more)
    return values


@pytest.fixture
def location():
    return f"py-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def storage(location):
    with s3storage.Storage(server_settings(AWS_LOCATION=location)) as storage:
        yield storage
