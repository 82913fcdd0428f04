/* The specification's storage walkthrough, printing each step. */
#include <string.h>
#include "example.h"

static const char *py_bool(bool value) { return value ? "True" : "False"; }

int main(void) {
    s3storage *storage = storage_from_env(NULL);
    s3storage_file *file = NULL;
    bool exists = false;
    char buf[64];
    size_t n = 0;

    printf(">>> default_storage.exists('storage_test')\n");
    CHECK(s3storage_exists(storage, "storage_test", &exists));
    printf("%s\n", py_bool(exists));

    printf(">>> file = default_storage.open('storage_test', 'w')\n");
    CHECK(s3storage_open(storage, "storage_test", "w", &file));
    printf(">>> file.write('storage contents')\n");
    CHECK(s3storage_file_write(file, "storage contents", strlen("storage contents")));
    printf(">>> file.close()\n");
    CHECK(s3storage_file_close(file));

    printf(">>> default_storage.exists('storage_test')\n");
    CHECK(s3storage_exists(storage, "storage_test", &exists));
    printf("%s\n", py_bool(exists));

    printf(">>> file = default_storage.open('storage_test', 'r')\n");
    CHECK(s3storage_open(storage, "storage_test", "r", &file));
    printf(">>> file.read()\n");
    CHECK(s3storage_file_read(file, buf, sizeof buf - 1, &n));
    buf[n] = '\0';
    printf("'%s'\n", buf);
    printf(">>> file.close()\n");
    CHECK(s3storage_file_close(file));

    printf(">>> default_storage.delete('storage_test')\n");
    CHECK(s3storage_delete(storage, "storage_test"));
    printf(">>> default_storage.exists('storage_test')\n");
    CHECK(s3storage_exists(storage, "storage_test", &exists));
    printf("%s\n", py_bool(exists));

    s3storage_free(storage);
    return 0;
}
