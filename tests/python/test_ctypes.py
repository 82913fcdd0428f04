"""The storage walkthrough through the shared library with Python's ctypes: the FFI path
any language with a C FFI takes. Needs S3STORAGE_LIB and the AWS_* variables set by
scripts/test-c.sh."""

import ctypes
import os
import sys

lib = ctypes.CDLL(os.environ["S3STORAGE_LIB"])
c_char_p, c_int, c_size_t, c_void_p = ctypes.c_char_p, ctypes.c_int, ctypes.c_size_t, ctypes.c_void_p
lib.s3storage_errmsg.restype = c_char_p
lib.s3storage_code_name.restype = c_char_p
lib.s3storage_version.restype = c_char_p
lib.s3storage_settings_new.restype = c_void_p
lib.s3storage_settings_set.argtypes = [c_void_p, c_char_p, c_char_p]
lib.s3storage_settings_load_env.argtypes = [c_void_p]
lib.s3storage_settings_free.argtypes = [c_void_p]
lib.s3storage_new.argtypes = [c_void_p, ctypes.POINTER(c_void_p)]
lib.s3storage_free.argtypes = [c_void_p]
lib.s3storage_exists.argtypes = [c_void_p, c_char_p, ctypes.POINTER(ctypes.c_bool)]
lib.s3storage_open.argtypes = [c_void_p, c_char_p, c_char_p, ctypes.POINTER(c_void_p)]
lib.s3storage_file_write.argtypes = [c_void_p, c_char_p, c_size_t]
lib.s3storage_file_read.argtypes = [c_void_p, c_void_p, c_size_t, ctypes.POINTER(c_size_t)]
lib.s3storage_file_close.argtypes = [c_void_p]
lib.s3storage_delete.argtypes = [c_void_p, c_char_p]


def check(rc):
    if rc != 0:
        raise RuntimeError("%s: %s" % (lib.s3storage_code_name(rc).decode(), lib.s3storage_errmsg().decode()))


def exists(storage, name):
    out = ctypes.c_bool()
    check(lib.s3storage_exists(storage, name, ctypes.byref(out)))
    return out.value


def main():
    settings = lib.s3storage_settings_new()
    rc = lib.s3storage_settings_set(settings, b"AWS_LOCATION", b"/leading-slash")
    assert lib.s3storage_code_name(rc) == b"S3STORAGE_ERR_CONFIG", rc
    assert b"AWS_LOCATION" in lib.s3storage_errmsg()
    check(lib.s3storage_settings_load_env(settings))
    storage = c_void_p()
    check(lib.s3storage_new(settings, ctypes.byref(storage)))
    lib.s3storage_settings_free(settings)

    assert exists(storage, b"storage_test") is False
    handle = c_void_p()
    check(lib.s3storage_open(storage, b"storage_test", b"w", ctypes.byref(handle)))
    check(lib.s3storage_file_write(handle, b"storage contents", 16))
    check(lib.s3storage_file_close(handle))
    assert exists(storage, b"storage_test") is True
    check(lib.s3storage_open(storage, b"storage_test", b"r", ctypes.byref(handle)))
    buf = ctypes.create_string_buffer(64)
    n = c_size_t()
    check(lib.s3storage_file_read(handle, buf, 64, ctypes.byref(n)))
    assert buf.raw[: n.value] == b"storage contents", buf.raw[: n.value]
    check(lib.s3storage_file_close(handle))
    check(lib.s3storage_delete(storage, b"storage_test"))
    assert exists(storage, b"storage_test") is False
    lib.s3storage_free(storage)
    print("python ctypes walkthrough with s3storage %s: ok" % lib.s3storage_version().decode())


if __name__ == "__main__":
    main()
    sys.exit(0)
