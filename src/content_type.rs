//! Content type and encoding from a name, as Python's `mimetypes.guess_type` gives them.
//!
//! Python first maps suffix aliases (`.tgz` → `.tar.gz`), then takes a compression
//! suffix as the *encoding* (`.gz` → `gzip`), then looks the remaining extension up in
//! the system's `mime.types` files and its own table. We do the same, reading the same
//! system files and carrying Python's table; `mime_guess` answers only where no system
//! file exists.

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

/// Python 3.11's built-in `mimetypes.types_map` (strict), which `guess_type` consults
/// after the system's `mime.types` files. Generated from `mimetypes.MimeTypes(filenames=())`.
const PYTHON_TYPES: &[(&str, &str)] = &[
    (".3g2", "audio/3gpp2"),
    (".3gp", "audio/3gpp"),
    (".3gpp", "audio/3gpp"),
    (".3gpp2", "audio/3gpp2"),
    (".a", "application/octet-stream"),
    (".aac", "audio/aac"),
    (".adts", "audio/aac"),
    (".ai", "application/postscript"),
    (".aif", "audio/x-aiff"),
    (".aifc", "audio/x-aiff"),
    (".aiff", "audio/x-aiff"),
    (".ass", "audio/aac"),
    (".au", "audio/basic"),
    (".avi", "video/x-msvideo"),
    (".avif", "image/avif"),
    (".bat", "text/plain"),
    (".bcpio", "application/x-bcpio"),
    (".bin", "application/octet-stream"),
    (".bmp", "image/bmp"),
    (".c", "text/plain"),
    (".cdf", "application/x-netcdf"),
    (".cpio", "application/x-cpio"),
    (".csh", "application/x-csh"),
    (".css", "text/css"),
    (".csv", "text/csv"),
    (".dll", "application/octet-stream"),
    (".doc", "application/msword"),
    (".dot", "application/msword"),
    (".dvi", "application/x-dvi"),
    (".eml", "message/rfc822"),
    (".eps", "application/postscript"),
    (".etx", "text/x-setext"),
    (".exe", "application/octet-stream"),
    (".gif", "image/gif"),
    (".gtar", "application/x-gtar"),
    (".h", "text/plain"),
    (".h5", "application/x-hdf5"),
    (".hdf", "application/x-hdf"),
    (".heic", "image/heic"),
    (".heif", "image/heif"),
    (".htm", "text/html"),
    (".html", "text/html"),
    (".ico", "image/vnd.microsoft.icon"),
    (".ief", "image/ief"),
    (".jpe", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".jpg", "image/jpeg"),
    (".js", "application/javascript"),
    (".json", "application/json"),
    (".ksh", "text/plain"),
    (".latex", "application/x-latex"),
    (".loas", "audio/aac"),
    (".m1v", "video/mpeg"),
    (".m3u", "application/vnd.apple.mpegurl"),
    (".m3u8", "application/vnd.apple.mpegurl"),
    (".man", "application/x-troff-man"),
    (".me", "application/x-troff-me"),
    (".mht", "message/rfc822"),
    (".mhtml", "message/rfc822"),
    (".mif", "application/x-mif"),
    (".mjs", "application/javascript"),
    (".mov", "video/quicktime"),
    (".movie", "video/x-sgi-movie"),
    (".mp2", "audio/mpeg"),
    (".mp3", "audio/mpeg"),
    (".mp4", "video/mp4"),
    (".mpa", "video/mpeg"),
    (".mpe", "video/mpeg"),
    (".mpeg", "video/mpeg"),
    (".mpg", "video/mpeg"),
    (".ms", "application/x-troff-ms"),
    (".n3", "text/n3"),
    (".nc", "application/x-netcdf"),
    (".nq", "application/n-quads"),
    (".nt", "application/n-triples"),
    (".nws", "message/rfc822"),
    (".o", "application/octet-stream"),
    (".obj", "application/octet-stream"),
    (".oda", "application/oda"),
    (".opus", "audio/opus"),
    (".p12", "application/x-pkcs12"),
    (".p7c", "application/pkcs7-mime"),
    (".pbm", "image/x-portable-bitmap"),
    (".pdf", "application/pdf"),
    (".pfx", "application/x-pkcs12"),
    (".pgm", "image/x-portable-graymap"),
    (".pl", "text/plain"),
    (".png", "image/png"),
    (".pnm", "image/x-portable-anymap"),
    (".pot", "application/vnd.ms-powerpoint"),
    (".ppa", "application/vnd.ms-powerpoint"),
    (".ppm", "image/x-portable-pixmap"),
    (".pps", "application/vnd.ms-powerpoint"),
    (".ppt", "application/vnd.ms-powerpoint"),
    (".ps", "application/postscript"),
    (".pwz", "application/vnd.ms-powerpoint"),
    (".py", "text/x-python"),
    (".pyc", "application/x-python-code"),
    (".pyo", "application/x-python-code"),
    (".qt", "video/quicktime"),
    (".ra", "audio/x-pn-realaudio"),
    (".ram", "application/x-pn-realaudio"),
    (".ras", "image/x-cmu-raster"),
    (".rdf", "application/xml"),
    (".rgb", "image/x-rgb"),
    (".roff", "application/x-troff"),
    (".rtx", "text/richtext"),
    (".sgm", "text/x-sgml"),
    (".sgml", "text/x-sgml"),
    (".sh", "application/x-sh"),
    (".shar", "application/x-shar"),
    (".snd", "audio/basic"),
    (".so", "application/octet-stream"),
    (".src", "application/x-wais-source"),
    (".srt", "text/plain"),
    (".sv4cpio", "application/x-sv4cpio"),
    (".sv4crc", "application/x-sv4crc"),
    (".svg", "image/svg+xml"),
    (".swf", "application/x-shockwave-flash"),
    (".t", "application/x-troff"),
    (".tar", "application/x-tar"),
    (".tcl", "application/x-tcl"),
    (".tex", "application/x-tex"),
    (".texi", "application/x-texinfo"),
    (".texinfo", "application/x-texinfo"),
    (".tif", "image/tiff"),
    (".tiff", "image/tiff"),
    (".tr", "application/x-troff"),
    (".trig", "application/trig"),
    (".tsv", "text/tab-separated-values"),
    (".txt", "text/plain"),
    (".ustar", "application/x-ustar"),
    (".vcf", "text/x-vcard"),
    (".vtt", "text/vtt"),
    (".wasm", "application/wasm"),
    (".wav", "audio/x-wav"),
    (".webm", "video/webm"),
    (".webmanifest", "application/manifest+json"),
    (".wiz", "application/msword"),
    (".wsdl", "application/xml"),
    (".xbm", "image/x-xbitmap"),
    (".xlb", "application/vnd.ms-excel"),
    (".xls", "application/vnd.ms-excel"),
    (".xml", "text/xml"),
    (".xpdl", "application/xml"),
    (".xpm", "image/x-xpixmap"),
    (".xsl", "application/xml"),
    (".xwd", "image/x-xwindowdump"),
    (".zip", "application/zip"),
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

/// Looks a single extension up as Python does: exact, then lower case; in the system's
/// files, then in Python's own table. Only on a machine without any `mime.types` file,
/// where Python would know little, `mime_guess` has the last word.
fn type_of_extension(ext: &str) -> Option<String> {
    if ext.is_empty() {
        return None;
    }
    for candidate in [ext.to_string(), ext.to_ascii_lowercase()] {
        if let Some(mime) = SYSTEM_TYPES.get(&candidate) {
            return Some(mime.clone());
        }
        if let Some((_, mime)) = PYTHON_TYPES.iter().find(|(known, _)| *known == candidate) {
            return Some(mime.to_string());
        }
    }
    if SYSTEM_TYPES.is_empty() {
        return mime_guess::from_ext(&ext[1..])
            .first_raw()
            .map(str::to_string);
    }
    None
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
    // Python's encodings_map is case-sensitive: "X.GZ" is a gzip file, not gzip-encoded.
    let mut encoding = None;
    if let Some((_, name)) = ENCODINGS.iter().find(|(suffix, _)| *suffix == ext) {
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
        assert_eq!(guess("a.h5").0.as_deref(), Some("application/x-hdf5"));
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

    #[test]
    fn compression_suffixes_are_case_sensitive_as_in_python() {
        // Python 3.11: mimetypes.guess_type("X.GZ") == ("application/gzip", None).
        assert_eq!(guess("X.GZ").1, None);
        assert_eq!(guess("a.tar.GZ").1, None);
        assert_eq!(guess("a.BZ2"), (None, None));
        assert_eq!(
            guess("a.TGZ"),
            (Some("application/x-tar".into()), Some("gzip"))
        );
    }
}
