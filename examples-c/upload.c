/* upload LOCAL_FILE NAME: uploads a local file under NAME (streamed, with per-save
 * object parameters: it is served as a download), then prints the saved name and its URL. Configured from the environment by Django setting names
 * (AWS_STORAGE_BUCKET_NAME, AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...). */
#include "example.h"

/* Draws a progress bar on stderr (stdout keeps the results). */
static void progress(const char *name, int direction, uint64_t done, uint64_t total, void *userdata) {
    (void)userdata;
    if (direction != S3STORAGE_UPLOAD) return;
    if (total == S3STORAGE_SIZE_UNKNOWN || total == 0) {
        fprintf(stderr, "\r%s: %llu bytes", name, (unsigned long long)done);
        return;
    }
    int width = 40, filled = (int)(done * (uint64_t)width / total);
    fprintf(stderr, "\r%s [", name);
    for (int i = 0; i < width; i++) fputc(i < filled ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%%s", (int)(done * 100 / total), done >= total ? "\n" : "");
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s LOCAL_FILE NAME\n", argv[0]);
        return 2;
    }
    s3storage *storage = storage_from_env(NULL);
    char *saved = NULL, *url = NULL;
    CHECK(s3storage_set_progress_callback(storage, progress, NULL));
    /* Per-save parameters, as django-storages' get_object_parameters(name). */
    const char *params = "{\"ContentDisposition\": \"attachment\"}";
    CHECK(s3storage_save_file_ex(storage, argv[2], argv[1], params, 0, &saved));
    CHECK(s3storage_url(storage, saved, &url));
    printf("saved: %s\nurl: %s\n", saved, url);
    s3storage_string_free(saved);
    s3storage_string_free(url);
    s3storage_free(storage);
    return 0;
}
