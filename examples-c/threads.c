/* 8 threads share one storage and hammer it: each saves its objects, checks they exist,
 * reads them back, deletes them and checks they are gone. */
#include <pthread.h>
#include <string.h>
#include "example.h"

#define THREADS 8
#define OBJECTS 10

static s3storage *storage;

static void *worker(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < OBJECTS; i++) {
        char name[64], content[64], back[64];
        snprintf(name, sizeof name, "threads/t%ld/o%d.txt", id, i);
        int len = snprintf(content, sizeof content, "thread %ld object %d", id, i);
        char *saved = NULL;
        CHECK(s3storage_save(storage, name, content, (size_t)len, &saved));
        bool exists = false;
        CHECK(s3storage_exists(storage, saved, &exists));
        if (!exists) {
            fprintf(stderr, "thread %ld: %s does not exist after its save\n", id, saved);
            exit(1);
        }
        s3storage_file *file = NULL;
        CHECK(s3storage_open(storage, saved, "r", &file));
        size_t got = 0, n = 0;
        do {
            CHECK(s3storage_file_read(file, back + got, sizeof back - 1 - got, &n));
            got += n;
        } while (n > 0);
        back[got] = '\0';
        CHECK(s3storage_file_close(file));
        if (strcmp(back, content) != 0) {
            fprintf(stderr, "thread %ld: %s holds '%s', not '%s'\n", id, saved, back, content);
            exit(1);
        }
        CHECK(s3storage_delete(storage, saved));
        CHECK(s3storage_exists(storage, saved, &exists));
        if (exists) {
            fprintf(stderr, "thread %ld: %s still exists after its delete\n", id, saved);
            exit(1);
        }
        s3storage_string_free(saved);
    }
    return NULL;
}

int main(void) {
    storage = storage_from_env(NULL);
    pthread_t threads[THREADS];
    for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, worker, (void *)t);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
    printf("threads: %d x %d objects saved, read back and deleted\n", THREADS, OBJECTS);
    s3storage_free(storage);
    return 0;
}
