"""The Django project of tests/django_project, the same assertions whichever backend
S3STORAGE_DJANGO_BACKEND names (scripts/test-python.sh runs this module once per
backend): default_storage, a model's FileField through the ORM with max_length,
collectstatic to the static storage, deconstruct, threads."""

import datetime
import io
import os
import sys
import pathlib
import threading

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent / "django_project"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
os.environ.setdefault("S3STORAGE_DJANGO_LOCATION", f"dj-{os.getpid()}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage, storages  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from docs.models import Document  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def bucket_and_tables():
    import s3storage  # creates the bucket (django-storages does not)

    s3storage.Storage(
        AWS_STORAGE_BUCKET_NAME=settings.AWS_STORAGE_BUCKET_NAME,
        AWS_S3_ENDPOINT_URL=settings.AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_ACCESS_KEY_ID=settings.AWS_S3_ACCESS_KEY_ID,
        AWS_S3_SECRET_ACCESS_KEY=settings.AWS_S3_SECRET_ACCESS_KEY,
        AWS_AUTO_CREATE_BUCKET=True).exists("x")
    with connection.schema_editor() as editor:
        editor.create_model(Document)


def test_the_backend_is_the_one_asked_for():
    default_storage.exists("x")  # resolves the lazy object
    assert type(default_storage._wrapped).__module__ == settings.MODULE


def test_default_storage_walkthrough():
    name = default_storage.save("tests/django_test.txt", ContentFile(b"content"))
    assert name == "tests/django_test.txt"
    assert default_storage.exists(name)
    assert default_storage.size(name) == 7
    with default_storage.open(name) as f:
        assert f.read(3) == b"con"
        assert f.read() == b"tent"
    assert default_storage.listdir("tests") == ([], ["django_test.txt"])
    modified = default_storage.get_modified_time(name)
    assert modified.tzinfo is not None
    assert abs(datetime.datetime.now(datetime.timezone.utc) - modified).total_seconds() < 300
    url = default_storage.url(name)
    # Signed: SigV4 here, SigV2 from botocore's presigner when no signature version is
    # set (a documented difference, README "Semantics").
    assert "tests/django_test.txt" in url and "Signature=" in url
    again = default_storage.save("tests/django_test.txt", ContentFile(b"other"))
    assert again.startswith("tests/django_test_") and again.endswith(".txt")
    with default_storage.open(again) as f:
        assert f.read() == b"other"
    with pytest.raises(NotImplementedError):
        default_storage.get_accessed_time(name)
    default_storage.delete(name)
    default_storage.delete(again)
    assert not default_storage.exists(name)


def test_write_mode_files():
    with default_storage.open("written/notes.txt", "wb") as f:
        f.write(b"line one\n")
        f.write(b"line two\n")
    with default_storage.open("written/notes.txt", "rb") as f:
        assert f.read() == b"line one\nline two\n"


def test_a_file_field_through_the_orm():
    document = Document(title="report")
    document.file.save("report.txt", ContentFile(b"hello world"), save=True)
    assert document.file.name == "docs/report.txt"
    loaded = Document.objects.get(pk=document.pk)
    assert loaded.file.name == "docs/report.txt"
    assert loaded.file.size == 11
    with loaded.file.open("rb") as f:
        assert f.read() == b"hello world"
    assert "docs/report.txt" in loaded.file.url
    second = Document(title="again")
    second.file.save("report.txt", ContentFile(b"second"), save=True)
    assert second.file.name != "docs/report.txt"
    long = Document(title="long")
    long.file.save("a-very-long-file-name-that-does-not-fit.txt", ContentFile(b"x"), save=True)
    assert len(long.file.name) <= 40 and long.file.name.startswith("docs/a-very")
    assert long.file.name.endswith(".txt")
    assert Document.objects.get(pk=long.pk).file.read() == b"x"
    loaded.file.delete(save=True)
    assert not default_storage.exists("docs/report.txt")


def test_collectstatic_to_the_static_storage():
    out = io.StringIO()
    call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
    assert "2 static files copied" in out.getvalue(), out.getvalue()
    static = storages["staticfiles"]
    assert static.exists("css/site.css")
    with static.open("js/app.js") as f:
        assert f.read() == b"console.log('s3storage');\n"
    url = static.url("css/site.css")
    assert url.endswith("/static/css/site.css") and "X-Amz-" not in url
    out = io.StringIO()
    call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
    assert "0 static files copied" in out.getvalue() and "2 unmodified" in out.getvalue(), out.getvalue()


def test_deconstruct_and_options():
    backend = import_string(settings.STORAGES["default"]["BACKEND"])
    path, args, kwargs = backend(location="elsewhere", file_overwrite=True).deconstruct()
    assert path == settings.STORAGES["default"]["BACKEND"]
    assert (args, kwargs) == ((), {"location": "elsewhere", "file_overwrite": True})
    with pytest.raises(ImproperlyConfigured):
        backend(not_an_option=1)
    overwriting = backend(file_overwrite=True)
    assert overwriting.get_available_name("tests/same.txt") == "tests/same.txt"


def test_threads_share_default_storage():
    failures = []

    def work(worker):
        try:
            for i in range(5):
                name = default_storage.save(f"threads/{worker}-{i}.txt", ContentFile(b"%d" % i))
                with default_storage.open(name) as f:
                    assert f.read() == b"%d" % i
        except BaseException as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def test_files_open_as_django_storages_opens_them():
    # bytes: django-storages 1.14.6 fails (400) on a ContentFile of non-ASCII str, whose
    # length it counts in characters; s3storage stores it (tests/test_storage.py).
    default_storage.save("modes/notes.txt", ContentFile("héllo\nworld\n".encode()))
    with default_storage.open("modes/notes.txt", "r") as f:
        assert f.read() == "héllo\nworld\n"
    with default_storage.open("modes/notes.txt", "rb") as f:
        assert f.read() == "héllo\nworld\n".encode()
    f = default_storage.open("modes/notes.txt", "rb")
    assert f.size == len("héllo\nworld\n".encode())
    f.read()
    f.close()
    with f.open():
        assert f.read(5) == b"h\xc3\xa9ll"
    with default_storage.open("modes/written.txt", "w") as f:
        f.write("text ")
        f.write(b"and bytes")
    with default_storage.open("modes/written.txt", "rb") as f:
        assert f.read() == b"text and bytes"


def test_object_parameters_win_over_the_upload_type():
    from django.core.files.uploadedfile import SimpleUploadedFile

    backend = import_string(settings.STORAGES["default"]["BACKEND"])
    forced = backend(object_parameters={"ContentType": "application/x-forced"})
    upload = SimpleUploadedFile("page.html", b"<p>hi</p>", content_type="text/html")
    name = forced.save("types/page.html", upload)
    plain = backend()
    upload = SimpleUploadedFile("page.html", b"<p>hi</p>", content_type="text/x-custom")
    other = plain.save("types/page2.html", upload)

    import s3storage

    reader = s3storage.Storage(
        AWS_STORAGE_BUCKET_NAME=settings.AWS_STORAGE_BUCKET_NAME,
        AWS_S3_ENDPOINT_URL=settings.AWS_S3_ENDPOINT_URL, AWS_S3_REGION_NAME="us-east-1",
        AWS_S3_ACCESS_KEY_ID=settings.AWS_S3_ACCESS_KEY_ID,
        AWS_S3_SECRET_ACCESS_KEY=settings.AWS_S3_SECRET_ACCESS_KEY,
        AWS_LOCATION=settings.AWS_LOCATION)
    import urllib.request

    def content_type(key):
        request = urllib.request.Request(reader.url(key, http_method="HEAD"), method="HEAD")
        with urllib.request.urlopen(request) as reply:
            return reply.headers["Content-Type"]

    assert content_type(name) == "application/x-forced"
    assert content_type(other) == "text/x-custom"


def test_options_are_attributes_and_the_backend_pickles():
    import pickle

    backend = import_string(settings.STORAGES["default"]["BACKEND"])
    storage = backend(location="somewhere", file_overwrite=True)
    assert storage.location == "somewhere" and storage.file_overwrite is True
    assert storage.bucket_name == settings.AWS_STORAGE_BUCKET_NAME
    assert storage.querystring_auth is True and storage.querystring_expire == 3600
    storage.save("pickled.txt", ContentFile(b"p"))
    copy = pickle.loads(pickle.dumps(storage))
    assert copy.exists("pickled.txt") and copy.location == "somewhere"
    static = storages["staticfiles"]
    assert static.querystring_auth is False


def test_names_that_cannot_fit_are_refused():
    from django.core.exceptions import SuspiciousFileOperation

    with pytest.raises(SuspiciousFileOperation):
        default_storage.save("docs/abcdefghij.txt", ContentFile(b"x"), max_length=6)


def test_a_botocore_config_with_the_checksum_and_retry_switches():
    from botocore.config import Config

    backend = import_string(settings.STORAGES["default"]["BACKEND"])
    config = Config(request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                    retries={"mode": "standard", "total_max_attempts": 2})
    storage = backend(client_config=config)
    name = storage.save("tests/switches.txt", ContentFile(b"switched"))
    with storage.open(name) as f:
        assert f.read() == b"switched"
    storage.delete(name)


def manage_check(settings_module):
    import subprocess

    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings_module,
               PYTHONPATH=str(pathlib.Path(__file__).parent / "django_project"))
    return subprocess.run([sys.executable, "-m", "django", "check"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(settings.BACKEND != "s3storage", reason="the check is this package's")
def test_manage_py_check_names_wrong_options():
    wrong = manage_check("settings_wrong")
    assert wrong.returncode != 0, wrong.stdout + wrong.stderr
    report = wrong.stdout + wrong.stderr
    assert "s3storage.E001" in report, report
    assert "AWS_S3_ADDRESSING_STYLE" in report and "sideways" in report, report
    assert "bucket_nam" in report, report  # an unknown option, named
    good = manage_check("settings")
    assert good.returncode == 0, good.stdout + good.stderr


@pytest.mark.skipif(settings.BACKEND != "s3storage", reason="memory:// is this package's")
def test_an_in_memory_storage_for_tests():
    from s3storage.django import S3Storage

    # As Django's InMemoryStorage in a test settings module: no server, same semantics.
    memory = S3Storage(endpoint_url="memory://django-tests", bucket_name="media",
                       file_overwrite=False)
    first = memory.save("docs/a.txt", ContentFile(b"one"))
    second = memory.save("docs/a.txt", ContentFile(b"two"))
    assert first == "docs/a.txt" and second != first
    with memory.open(second) as f:
        assert f.read() == b"two"
    assert memory.listdir("docs") == ([], sorted([first.split("/")[1], second.split("/")[1]]))
    other = S3Storage(endpoint_url="memory://django-tests", bucket_name="media")
    assert other.exists(first), "one store per name, shared as a server would be"
