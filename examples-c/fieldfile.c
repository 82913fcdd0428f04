/* The specification's FieldFile walk: save, name, size, read(3), read rest, chunks of 2,
 * same-name save with and without overwrite, delete. */
#include <string.h>
#include "example.h"

static void read_exactly(s3storage_file *file, char *buf, size_t want) {
    size_t got = 0, n = 0;
    while (got < want) {
        CHECK(s3storage_file_read(file, buf + got, want - got, &n));
        if (n == 0) break;
        got += n;
    }
    buf[got] = '\0';
}

int main(void) {
    s3storage *storage = storage_from_env("True");
    s3storage *no_overwrite = storage_from_env("False");
    char *name = NULL, *name2 = NULL, *name3 = NULL;
    s3storage_file *file = NULL;
    uint64_t size = 0, pos = 0;
    char buf[64];
    size_t n = 0;

    CHECK(s3storage_save(storage, "tests/django_test.txt", "content", 7, &name));
    printf("name: %s\n", name);
    CHECK(s3storage_size(storage, name, &size));
    printf("size: %llu\n", (unsigned long long)size);

    CHECK(s3storage_open(storage, name, "rb", &file));
    read_exactly(file, buf, 3);
    printf("read(3): '%s'\n", buf);
    read_exactly(file, buf, sizeof buf - 1);
    printf("read(): '%s'\n", buf);

    /* chunks(chunk_size=2): rewind, then pieces of two bytes joined with '-'. */
    CHECK(s3storage_file_seek(file, 0, 0 /* SEEK_SET */, &pos));
    printf("chunks(2): '");
    for (int first = 1;; first = 0) {
        CHECK(s3storage_file_read(file, buf, 2, &n));
        if (n == 0) break;
        printf("%s%.*s", first ? "" : "-", (int)n, buf);
    }
    printf("'\n");
    CHECK(s3storage_file_close(file));

    CHECK(s3storage_save(storage, "tests/django_test.txt", "more content", 12, &name2));
    CHECK(s3storage_size(storage, name2, &size));
    printf("overwrite save: %s size %llu\n", name2, (unsigned long long)size);

    CHECK(s3storage_save(no_overwrite, "tests/django_test.txt", "other content", 13, &name3));
    printf("no-overwrite save: %s (%s)\n", name3,
           strcmp(name3, name) != 0 && strncmp(name3, "tests/django_test_", 18) == 0
               ? "new name" : "UNEXPECTED");

    CHECK(s3storage_delete(storage, name));
    CHECK(s3storage_delete(storage, name3));
    bool exists = true;
    CHECK(s3storage_exists(storage, name, &exists));
    printf("deleted: %s\n", exists ? "no" : "yes");

    /* A write that is given up: abort discards it, nothing is stored. */
    s3storage_file *draft = NULL;
    CHECK(s3storage_open(storage, "tests/draft.txt", "w", &draft));
    CHECK(s3storage_file_write(draft, "draft", 5));
    CHECK(s3storage_file_abort(draft));
    CHECK(s3storage_exists(storage, "tests/draft.txt", &exists));
    printf("aborted draft stored: %s\n", exists ? "yes" : "no");

    s3storage_string_free(name);
    s3storage_string_free(name2);
    s3storage_string_free(name3);
    s3storage_free(no_overwrite);
    s3storage_free(storage);
    return 0;
}
