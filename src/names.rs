//! Name handling, as django-storages and Django do it: pure functions, no I/O.
//!
//! * [`clean_name`] — `storages.utils.clean_name`: POSIX-normalise, then turn `\` into `/`,
//!   keep a trailing slash, `"."` becomes `""`.
//! * [`safe_join`] — `storages.utils.safe_join`, except that climbing above the root is
//!   always refused, also with an empty `AWS_LOCATION` (django-storages #1558), and that
//!   absolute names are refused rather than re-rooted.
//! * [`available_overwrite_name`] — `storages.utils.get_available_overwrite_name`.
//! * [`alternative_name`] / [`split_root_ext`] — Django's `get_alternative_name`.
//! * [`object_key`] / [`file_key`] — the one name → key function, with every check
//!   S3 and our URL handling need.

use crate::error::{Error, Result};
use rand::Rng;

/// S3's limit on the length of a key, in bytes of UTF-8.
pub(crate) const MAX_KEY_BYTES: usize = 1024;

/// Python's `posixpath.normpath` for names.
fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// `storages.utils.clean_name`.
pub fn clean_name(name: &str) -> String {
    let mut clean = normpath(name).replace('\\', "/");
    if name.ends_with('/') && !clean.ends_with('/') {
        clean.push('/');
    }
    if clean == "." {
        clean.clear();
    }
    clean
}

/// Normalises `path` joined under the root `/`, failing if a `..` would climb above it.
fn normalise_under_root(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// `storages.utils.safe_join(base, *paths)`, refusing every escape.
///
/// The result is the key (no leading `/`, trailing slashes kept).
pub fn safe_join(base: &str, paths: &[&str]) -> Result<String> {
    let denied =
        |path: &str| Error::SuspiciousName(format!("Attempted access to '{path}' denied."));
    // Work rooted at "/", as django-storages does with an empty base.
    let rooted_base = format!("/{}", base.trim_matches('/'));
    let rooted_base = if rooted_base == "/" {
        String::new()
    } else {
        rooted_base
    };
    let mut final_path = format!("{rooted_base}/");
    for path in paths {
        if path.starts_with('/') {
            return Err(denied(path));
        }
        let separator = if final_path.ends_with('/') { "" } else { "/" };
        let mut joined = normalise_under_root(&format!("{final_path}{separator}{path}"))
            .ok_or_else(|| denied(path))?;
        if path.ends_with('/') || format!("{joined}/") == final_path {
            joined.push('/');
        }
        final_path = joined;
    }
    if final_path == rooted_base {
        final_path.push('/');
    }
    let inside = final_path
        .strip_prefix(&rooted_base)
        .is_some_and(|rest| rest.starts_with('/'));
    if !inside {
        return Err(denied(paths.last().copied().unwrap_or("")));
    }
    Ok(final_path.trim_start_matches('/').to_string())
}

/// The key of `name` under `location`: `safe_join(location, clean_name(name))`, the one
/// place where a name's characters, an escape from the location and S3's length limit are
/// checked. `""` (the root) and directory names are allowed: listing prefixes and URLs use
/// them; [`file_key`] also refuses those. Control characters other than NUL are allowed
/// here, so that any key a listing returns can be read; names this library creates are
/// held to [`check_new_name`].
pub fn object_key(location: &str, name: &str) -> Result<String> {
    if name.contains('\0') {
        return Err(Error::SuspiciousName(format!(
            "The name {name:?} contains a NUL character"
        )));
    }
    let key = safe_join(location, &[&clean_name(name)])?;
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::SuspiciousName(format!(
            "The key for '{}...' is {} bytes long; S3 allows at most {MAX_KEY_BYTES}",
            name.chars().take(40).collect::<String>(),
            key.len()
        )));
    }
    if key
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(Error::SuspiciousName(format!(
            "Attempted access to '{name}' denied."
        )));
    }
    Ok(key)
}

/// The key of a file: [`object_key`], which must name something below the location.
pub fn file_key(location: &str, name: &str) -> Result<String> {
    let key = object_key(location, name)?;
    if key.trim_end_matches('/').is_empty() {
        return Err(Error::SuspiciousName(format!(
            "Could not derive an object key from '{name}': the name is empty"
        )));
    }
    Ok(key)
}

/// Refuses NUL and other control characters in a name this library is to create: S3
/// keys can hold them, but XML listings without `encoding-type=url`, logs and other
/// clients handle them badly.
pub fn check_new_name(name: &str) -> Result<()> {
    if let Some(bad) = name.chars().find(|c| c.is_control()) {
        return Err(Error::SuspiciousName(format!(
            "The name {name:?} contains the control character U+{:04X}",
            bad as u32
        )));
    }
    Ok(())
}

/// `os.path.split`: (directory, file name).
fn split_dir(name: &str) -> (&str, &str) {
    match name.rfind('/') {
        Some(index) => {
            let dir = &name[..index];
            let dir = if dir.trim_end_matches('/').is_empty() {
                dir
            } else {
                dir.trim_end_matches('/')
            };
            (dir, &name[index + 1..])
        }
        None => ("", name),
    }
}

/// `os.path.join(dir, file)` for our two-part case.
fn join_dir(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else if dir.ends_with('/') {
        format!("{dir}{file}")
    } else {
        format!("{dir}/{file}")
    }
}

/// `os.path.splitext`: the last extension, ignoring leading dots.
fn splitext(file: &str) -> (&str, &str) {
    let stripped = file.trim_start_matches('.');
    let offset = file.len() - stripped.len();
    match stripped.rfind('.') {
        Some(index) => file.split_at(offset + index),
        None => (file, ""),
    }
}

/// Django's split of a file name into root and all its suffixes (`PurePath.suffixes`),
/// so that `a.tar.gz` becomes `("a", ".tar.gz")`.
pub fn split_root_ext(file: &str) -> (&str, &str) {
    if file.ends_with('.') {
        return (file, "");
    }
    let stripped = file.trim_start_matches('.');
    let offset = file.len() - stripped.len();
    match stripped.find('.') {
        Some(index) => file.split_at(offset + index),
        None => (file, ""),
    }
}

/// Django's `validate_file_name(name, allow_relative_path=True)`.
pub fn validate_file_name(name: &str) -> Result<()> {
    let (_, base) = split_dir(name);
    if base.is_empty() || base == "." || base == ".." {
        return Err(Error::SuspiciousName(format!(
            "Could not derive file name from '{name}'"
        )));
    }
    if name.starts_with('/') || name.split('/').any(|part| part == "..") {
        return Err(Error::SuspiciousName(format!(
            "Detected path traversal attempt in '{name}'"
        )));
    }
    Ok(())
}

/// Fails on `..` in the directory part, as Django's name helpers do.
fn check_dir_traversal(name: &str) -> Result<(&str, &str)> {
    let (dir, file) = split_dir(name);
    if dir.split('/').any(|part| part == "..") {
        return Err(Error::SuspiciousName(format!(
            "Detected path traversal attempt in '{dir}'"
        )));
    }
    Ok((dir, file))
}

/// `storages.utils.get_available_overwrite_name`: truncate the file root to fit.
pub fn available_overwrite_name(name: &str, max_length: Option<usize>) -> Result<String> {
    let (dir, file) = check_dir_traversal(name)?;
    validate_file_name(file)?;
    let Some(max) = max_length else {
        return Ok(name.to_string());
    };
    let length = name.chars().count();
    if length <= max {
        return Ok(name.to_string());
    }
    let (root, ext) = splitext(file);
    let truncation = length - max;
    let root_chars: Vec<char> = root.chars().collect();
    if truncation >= root_chars.len() {
        return Err(Error::SuspiciousName(format!(
            "Storage tried to truncate away entire filename \"{name}\". Please make sure that \
             the corresponding file field allows sufficient \"max_length\"."
        )));
    }
    let root: String = root_chars[..root_chars.len() - truncation].iter().collect();
    let name = join_dir(dir, &format!("{root}{ext}"));
    validate_file_name(&name)?;
    Ok(name)
}

/// Django's `get_random_string(7)`: alphanumerics.
fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::thread_rng();
    (0..7)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Django's `Storage.get_available_name` without overwrite, as an iterator-free helper:
/// checks `name`, then calls `taken` until it finds a free candidate.
///
/// `taken(candidate)` answers whether the candidate exists (on S3, a HEAD).
pub fn available_name(
    name: &str,
    max_length: Option<usize>,
    mut taken: impl FnMut(&str) -> Result<bool>,
) -> Result<String> {
    let name = name.replace('\\', "/");
    let (dir, file) = check_dir_traversal(&name)?;
    if file.is_empty() || file == "." || file == ".." {
        return Err(Error::SuspiciousName(format!(
            "Could not derive file name from '{name}'"
        )));
    }
    let (root, ext) = split_root_ext(file);
    let mut root: Vec<char> = root.chars().collect();
    let mut candidate = name.clone();
    let too_long = |candidate: &str| max_length.is_some_and(|max| candidate.chars().count() > max);
    while too_long(&candidate) || taken(&candidate)? {
        let root_str: String = root.iter().collect();
        candidate = join_dir(dir, &alternative_name(&root_str, ext));
        let Some(max) = max_length else { continue };
        let truncation = candidate.chars().count().saturating_sub(max);
        if truncation > 0 {
            if truncation >= root.len() {
                return Err(Error::SuspiciousName(format!(
                    "Storage can not find an available filename for \"{candidate}\". Please make \
                     sure that the corresponding file field allows sufficient \"max_length\"."
                )));
            }
            root.truncate(root.len() - truncation);
            let root_str: String = root.iter().collect();
            candidate = join_dir(dir, &alternative_name(&root_str, ext));
        }
    }
    Ok(candidate)
}

/// Django's `get_alternative_name(file_root, file_ext)`: `root_XXXXXXX.ext`.
pub fn alternative_name(root: &str, ext: &str) -> String {
    format!("{root}_{}{ext}", random_suffix())
}

#[cfg(test)]
mod tests {
    use super::*;

    // CleanNameTests (django-storages tests/test_utils.py)
    #[test]
    fn clean_name_base() {
        assert_eq!(clean_name("path/to/somewhere"), "path/to/somewhere");
    }
    #[test]
    fn clean_name_normalize() {
        assert_eq!(clean_name("path/to/../somewhere"), "path/somewhere");
    }
    #[test]
    fn clean_name_trailing_slash() {
        assert_eq!(clean_name("path/to/somewhere/"), "path/to/somewhere/");
    }
    #[test]
    fn clean_name_windows() {
        assert_eq!(clean_name("path\\to\\somewhere"), "path/to/somewhere");
    }
    #[test]
    fn clean_name_dot_and_empty() {
        assert_eq!(clean_name("."), "");
        assert_eq!(clean_name(""), "");
        assert_eq!(clean_name("./a//b/./c"), "a/b/c");
        assert_eq!(clean_name("../x"), "../x");
    }

    // SafeJoinTest
    #[test]
    fn safe_join_normal() {
        assert_eq!(
            safe_join("", &["path/to/somewhere", "other", "path/to/somewhere"]).unwrap(),
            "path/to/somewhere/other/path/to/somewhere"
        );
    }
    #[test]
    fn safe_join_with_dot() {
        assert_eq!(
            safe_join(
                "",
                &["path/./somewhere/../other", "..", ".", "to/./somewhere"]
            )
            .unwrap(),
            "path/to/somewhere"
        );
    }
    #[test]
    fn safe_join_only_dot() {
        assert_eq!(safe_join("", &["."]).unwrap(), "");
    }
    #[test]
    fn safe_join_base_url() {
        assert_eq!(
            safe_join("base_url", &["path/to/somewhere"]).unwrap(),
            "base_url/path/to/somewhere"
        );
        assert_eq!(
            safe_join("base_url/", &["path/to/somewhere"]).unwrap(),
            "base_url/path/to/somewhere"
        );
    }
    #[test]
    fn safe_join_suspicious() {
        for (base, path) in [
            ("base", "../../../../../../../etc/passwd"),
            ("base", "/etc/passwd"),
            ("", "../x"),
            ("", "a/../../x"),
            ("", "/etc/passwd"),
            ("media", "../other/x"),
            ("media", ".."),
        ] {
            let error = safe_join(base, &[path]).unwrap_err();
            assert!(matches!(error, Error::SuspiciousName(_)), "{base} {path}");
        }
        // Coming back into the base is what django-storages allows, and so do we.
        assert_eq!(safe_join("media", &["../media/x"]).unwrap(), "media/x");
    }
    #[test]
    fn safe_join_trailing_slashes() {
        assert_eq!(
            safe_join("base_url/", &["path/to/somewhere/"]).unwrap(),
            "base_url/path/to/somewhere/"
        );
        assert_eq!(
            safe_join("base_url/", &["path/to/", "somewhere/"]).unwrap(),
            "base_url/path/to/somewhere/"
        );
    }
    #[test]
    fn safe_join_datetime_and_empties() {
        assert_eq!(
            safe_join("base_url", &["2017-05-19T14:45:37.123456"]).unwrap(),
            "base_url/2017-05-19T14:45:37.123456"
        );
        assert_eq!(safe_join("base_url", &[""]).unwrap(), "base_url/");
        assert_eq!(safe_join("base_url", &["."]).unwrap(), "base_url/");
        assert_eq!(
            safe_join("base_url", &[".", "path/to/", "."]).unwrap(),
            "base_url/path/to/"
        );
        assert_eq!(safe_join("", &[]).unwrap(), "");
        assert_eq!(safe_join("base_url", &[]).unwrap(), "base_url/");
        assert_eq!(safe_join("a/b", &["c"]).unwrap(), "a/b/c");
    }

    // TestGetAvailableOverwriteName
    #[test]
    fn overwrite_name_lengths() {
        let name = "superlong/file/with/path.txt";
        assert_eq!(available_overwrite_name(name, None).unwrap(), name);
        let name = "parent/child.txt";
        assert_eq!(
            available_overwrite_name(name, Some(name.len())).unwrap(),
            name
        );
        assert_eq!(
            available_overwrite_name(name, Some(name.len() + 1)).unwrap(),
            name
        );
        assert_eq!(
            available_overwrite_name(name, Some(name.len() - 1)).unwrap(),
            "parent/chil.txt"
        );
    }
    #[test]
    fn overwrite_name_truncate_away_and_traversal() {
        let name = "parent/child.txt";
        assert!(available_overwrite_name(name, Some(name.len() - 5)).is_err());
        assert!(available_overwrite_name("superlong/file/with/../path.txt", Some(50)).is_err());
        assert!(available_overwrite_name("dir/", None).is_err());
    }

    #[test]
    fn root_and_extensions_as_django() {
        assert_eq!(split_root_ext("django_test.txt"), ("django_test", ".txt"));
        assert_eq!(split_root_ext("a.tar.gz"), ("a", ".tar.gz"));
        assert_eq!(split_root_ext(".bashrc"), (".bashrc", ""));
        assert_eq!(split_root_ext("noext"), ("noext", ""));
        assert_eq!(split_root_ext("x."), ("x.", ""));
        assert_eq!(splitext("a.tar.gz"), ("a.tar", ".gz"));
        assert_eq!(splitext(".bashrc"), (".bashrc", ""));
    }

    #[test]
    fn available_name_adds_seven_alphanumerics() {
        let mut calls = 0;
        let name = available_name("dir/django_test.txt", None, |candidate| {
            calls += 1;
            Ok(candidate == "dir/django_test.txt")
        })
        .unwrap();
        assert_eq!(calls, 2);
        assert!(name.starts_with("dir/django_test_"), "{name}");
        assert!(name.ends_with(".txt"));
        let suffix = &name["dir/django_test_".len()..name.len() - 4];
        assert_eq!(suffix.len(), 7);
        assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn available_name_free_name_is_kept_and_long_names_truncated() {
        assert_eq!(
            available_name("a.txt", None, |_| Ok(false)).unwrap(),
            "a.txt"
        );
        let name = available_name("abcdefghij.txt", Some(13), |_| Ok(false)).unwrap();
        assert_eq!(name.len(), 13, "{name}");
        assert!(name.starts_with("a_") && name.ends_with(".txt"), "{name}");
        assert!(available_name("abcdefghij.txt", Some(12), |_| Ok(false)).is_err());
        assert_eq!(
            available_name("abcdefghij.txt", Some(16), |_| Ok(false)).unwrap(),
            "abcdefghij.txt"
        );
        assert!(available_name("abcdefghij.txt", Some(5), |_| Ok(false)).is_err());
        assert!(available_name("../a.txt", None, |_| Ok(false)).is_err());
    }

    #[test]
    fn keys_are_checked() {
        assert_eq!(file_key("media", "a/b.txt").unwrap(), "media/a/b.txt");
        assert!(file_key("", "").is_err());
        assert_eq!(object_key("media", "").unwrap(), "media/");
        assert_eq!(object_key("", "").unwrap(), "");
        assert!(file_key("", "a\u{0}b").is_err());
        assert_eq!(object_key("", "a\u{1}b").unwrap(), "a\u{1}b");
        assert!(check_new_name("a\nb").is_err());
        assert!(check_new_name("a\u{0}b").is_err());
        assert!(file_key("", &"x".repeat(1025)).is_err());
        assert!(file_key("", &"x".repeat(1024)).is_ok());
        assert!(file_key("", &"é".repeat(513)).is_err());
        assert!(file_key("media", "../x").is_err());
    }
}
