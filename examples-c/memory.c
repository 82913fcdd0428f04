/* Testing a program without S3: the in-memory store (AWS_S3_ENDPOINT_URL=memory://NAME).
 * Two storages on the same name share their objects; nothing is sent anywhere. */
#include <string.h>
#include "example.h"

static s3storage *memory_storage(const char *bucket) {
    s3storage_settings *settings = s3storage_settings_new();
    s3storage *storage = NULL;
    CHECK(s3storage_settings_set(settings, "AWS_STORAGE_BUCKET_NAME", bucket));
    CHECK(s3storage_settings_set(settings, "AWS_S3_ENDPOINT_URL", "memory://c-example"));
    CHECK(s3storage_settings_set(settings, "AWS_S3_FILE_OVERWRITE", "False"));
    CHECK(s3storage_new(settings, &storage));
    s3storage_settings_free(settings);
    return storage;
}

int main(void) {
    s3storage *storage = memory_storage("media");
    s3storage *same = memory_storage("media");
    char *name = NULL, *second = NULL, **dirs = NULL, **files = NULL;
    s3storage_file *file = NULL;
    char buf[64];
    size_t n = 0;
    bool exists = false;

    CHECK(s3storage_save(storage, "reports/a.txt", "first", 5, &name));
    CHECK(s3storage_save(storage, "reports/a.txt", "second", 6, &second));
    printf("saved: %s, then %s\n", name, strcmp(name, second) != 0 ? "a new name" : second);
    CHECK(s3storage_listdir(same, "reports", &dirs, &files));
    size_t count = 0;
    while (files[count] != NULL) count++;
    printf("listdir(reports) through a second storage: %zu files\n", count);
    CHECK(s3storage_open(same, name, "rb", &file));
    CHECK(s3storage_file_read(file, buf, sizeof buf - 1, &n));
    buf[n] = '\0';
    printf("read: '%s'\n", buf);
    CHECK(s3storage_file_close(file));
    CHECK(s3storage_delete(storage, name));
    CHECK(s3storage_delete(storage, second));
    CHECK(s3storage_exists(same, name, &exists));
    printf("deleted: %s\n", exists ? "no" : "yes");
    int code = s3storage_open(same, "reports/missing.txt", "r", &file);
    printf("open(missing): %s\n", s3storage_code_name(code));

    s3storage_string_free(name);
    s3storage_string_free(second);
    s3storage_strv_free(dirs);
    s3storage_strv_free(files);
    s3storage_free(same);
    s3storage_free(storage);
    return 0;
}
