//! Content type and encoding from a name, as Python's `mimetypes.guess_type` gives them.
//!
//! Python first maps suffix aliases (`.tgz` → `.tar.gz`), then takes a compression
//! suffix as the *encoding* (`.gz` → `gzip`), then looks the remaining extension up in
//! the system's `mime.types` files and its own table. We do the same, reading the same
//! system files and falling back to `mime_guess`.

use once_cell::sync::Lazy;
use std::collections::HashMap;

/// Python's `mimetypes.suffix_map`.
const SUFFIX_MAP: &[(&str, &str)] = &[
    (".svgz", ".svg.gz"),
    (".tgz", ".tar.gz"),
    (".taz", ".tar.gz"),
    (".tz", ".tar.gz"),
    (".tbz2", ".tar.bz2"),
    (".txz", ".tar.xz"),
];

/// Python's `mimetypes.encodings_map`.
const ENCODINGS: &[(&str, &str)] = &[
    (".gz", "gzip"),
    (".Z", "compress"),
    (".bz2", "bzip2"),
    (".xz", "xz"),
    (".br", "br"),
];

/// The files Python's `mimetypes.knownfiles` reads, in its order (later ones win).
const KNOWN_FILES: &[&str] = &[
    "/etc/mime.types",
    "/etc/httpd/mime.types",
    "/etc/httpd/conf/mime.types",
    "/etc/apache/mime.types",
    "/etc/apache2/mime.types",
    "/usr/local/etc/httpd/conf/mime.types",
    "/usr/local/lib/netscape/mime.types",
    "/usr/local/etc/mime.types",
];

/// Extension (with dot) → type, from the system's `mime.types` files.
static SYSTEM_TYPES: Lazy<HashMap<String, String>> = Lazy::new(|| {
    let mut types = HashMap::new();
    for path in KNOWN_FILES {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(mime) = words.next() else { continue };
            for ext in words {
                types.insert(format!(".{ext}"), mime.to_string());
            }
        }
    }
    types
});

/// `os.path.splitext` on the last path component: (root, ".ext").
fn splitext(name: &str) -> (&str, &str) {
    let start = name.rfind('/').map_or(0, |index| index + 1);
    let file = &name[start..];
    let stripped = file.trim_start_matches('.');
    let offset = start + file.len() - stripped.len();
    match stripped.rfind('.') {
        Some(index) => name.split_at(offset + index),
        None => (name, ""),
    }
}

/// Looks a single extension up: exact, then lower case; system files, then `mime_guess`.
fn type_of_extension(ext: &str) -> Option<String> {
    if ext.is_empty() {
        return None;
    }
    for candidate in [ext.to_string(), ext.to_ascii_lowercase()] {
        if let Some(mime) = SYSTEM_TYPES.get(&candidate) {
            return Some(mime.clone());
        }
    }
    mime_guess::from_ext(&ext[1..])
        .first_raw()
        .map(str::to_string)
}

/// `mimetypes.guess_type(name)`: (type, encoding).
pub fn guess(name: &str) -> (Option<String>, Option<&'static str>) {
    let mut owned = name.to_string();
    let (mut base, mut ext) = {
        let (base, ext) = splitext(&owned);
        (base.to_string(), ext.to_string())
    };
    // Suffix aliases, repeatedly (case-sensitive, then lower case).
    while let Some((_, replacement)) = SUFFIX_MAP
        .iter()
        .find(|(suffix, _)| *suffix == ext || *suffix == ext.to_ascii_lowercase())
    {
        owned = format!("{base}{replacement}");
        let (b, e) = splitext(&owned);
        (base, ext) = (b.to_string(), e.to_string());
    }
    let mut encoding = None;
    if let Some((_, name)) = ENCODINGS
        .iter()
        .find(|(suffix, _)| *suffix == ext || *suffix == ext.to_ascii_lowercase())
    {
        encoding = Some(*name);
        let (b, e) = splitext(&base);
        (base, ext) = (b.to_string(), e.to_string());
    }
    let _ = base;
    (type_of_extension(&ext), encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_types() {
        assert_eq!(guess("a/b.jpg").0.as_deref(), Some("image/jpeg"));
        assert_eq!(guess("a.css").0.as_deref(), Some("text/css"));
        assert_eq!(guess("a.txt").0.as_deref(), Some("text/plain"));
        assert_eq!(guess("a.TXT").0.as_deref(), Some("text/plain"));
        assert_eq!(guess("noext"), (None, None));
        assert_eq!(guess(".bashrc"), (None, None));
        assert_eq!(guess("dir.d/noext"), (None, None));
    }

    #[test]
    fn compression_suffix_is_an_encoding() {
        assert_eq!(guess("a.gz"), (None, Some("gzip")));
        assert_eq!(
            guess("a.tar.gz"),
            (Some("application/x-tar".into()), Some("gzip"))
        );
        assert_eq!(
            guess("a.tgz"),
            (Some("application/x-tar".into()), Some("gzip"))
        );
        assert_eq!(
            guess("a.svgz"),
            (Some("image/svg+xml".into()), Some("gzip"))
        );
        assert_eq!(guess("a.bz2"), (None, Some("bzip2")));
    }
}
