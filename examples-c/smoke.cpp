// A C++ translation unit using the C header: settings errors, a save and a listing.
#include <cstdio>
#include <string>
#include <vector>
#include "s3storage.h"

int main() {
    std::printf("s3storage %s from C++\n", s3storage_version());
    s3storage_settings *settings = s3storage_settings_new();
    if (s3storage_settings_set(settings, "AWS_NO_SUCH_SETTING", "1") != S3STORAGE_ERR_CONFIG) return 1;
    std::printf("unknown setting: %s\n", s3storage_errmsg());
    if (s3storage_settings_load_env(settings) != S3STORAGE_OK) return 1;
    s3storage *storage = nullptr;
    if (s3storage_new(settings, &storage) != S3STORAGE_OK) return 1;
    s3storage_settings_free(settings);
    std::string content = "from C++";
    if (s3storage_save(storage, "cxx/hello.txt", content.data(), content.size(), nullptr) != S3STORAGE_OK) return 1;
    char **files = nullptr;
    if (s3storage_listdir(storage, "cxx", nullptr, &files) != S3STORAGE_OK) return 1;
    std::vector<std::string> names;
    for (char **f = files; *f != nullptr; ++f) names.emplace_back(*f);
    s3storage_strv_free(files);
    std::printf("listdir(cxx): %zu file(s), first %s\n", names.size(), names.empty() ? "-" : names[0].c_str());
    s3storage_delete(storage, "cxx/hello.txt");
    s3storage_free(storage);
    return names.size() == 1 ? 0 : 1;
}
