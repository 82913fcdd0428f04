/* Helpers shared by the examples: fail loudly with the library's message. */
#ifndef S3STORAGE_EXAMPLE_H
#define S3STORAGE_EXAMPLE_H

#include <stdio.h>
#include <stdlib.h>
#include "s3storage.h"

/* Runs a call; on failure prints its code name and message, and exits. */
#define CHECK(call)                                                              \
    do {                                                                         \
        int check_rc_ = (call);                                                  \
        if (check_rc_ != S3STORAGE_OK) {                                         \
            fprintf(stderr, "%s:%d: %s failed: %s: %s\n", __FILE__, __LINE__,    \
                    #call, s3storage_code_name(check_rc_), s3storage_errmsg());  \
            exit(1);                                                             \
        }                                                                        \
    } while (0)

/* A storage configured from the environment (Django setting names). */
static inline s3storage *storage_from_env(const char *overwrite) {
    s3storage_settings *settings = s3storage_settings_new();
    s3storage *storage = NULL;
    CHECK(s3storage_settings_load_env(settings));
    if (overwrite != NULL) {
        CHECK(s3storage_settings_set(settings, "AWS_S3_FILE_OVERWRITE", overwrite));
    }
    CHECK(s3storage_new(settings, &storage));
    s3storage_settings_free(settings);
    return storage;
}

#endif
