//! The layering of src/ (ARCHITECTURE.md), read from the sources: no module imports a
//! layer above its own, and no two sibling modules import each other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module (path under src/ without `.rs`, `mod.rs` as its folder) → its non-test code.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).unwrap().with_extension("");
                let name = rel.to_string_lossy().trim_end_matches("/mod").to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or("");
                let code: Vec<&str> = (code.lines())
                    .filter(|line| !line.trim_start().starts_with("//"))
                    .collect();
                out.insert(name, code.join("\n"));
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&src, &src, &mut out);
    out
}

/// The top-level modules a module's code names as `crate::X`.
fn crate_imports(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(at, _)| {
            let rest = &code[at + "crate::".len()..];
            rest.chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect()
        })
        .collect()
}

/// The sibling modules a module names as `super::X` (for a file inside a folder).
fn sibling_imports(name: &str, code: &str, all: &BTreeMap<String, String>) -> BTreeSet<String> {
    let Some((folder, _)) = name.rsplit_once('/') else {
        return BTreeSet::new();
    };
    (code.match_indices("super::"))
        .map(|(at, _)| {
            let rest = &code[at + "super::".len()..];
            let word: String = (rest.chars())
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            format!("{folder}/{word}")
        })
        .filter(|sibling| all.contains_key(sibling) && sibling != name)
        .collect()
}

/// What each layer may not import (top-level module names).
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "config",
        &[
            "s3",
            "aws",
            "store",
            "storage",
            "file",
            "reader",
            "multipart",
            "ffi",
        ],
    ),
    (
        "settings",
        &["s3", "aws", "store", "storage", "file", "config", "ffi"],
    ),
    (
        "object_parameters",
        &["s3", "aws", "store", "storage", "config", "settings", "ffi"],
    ),
    (
        "checksums",
        &["s3", "aws", "store", "storage", "config", "settings", "ffi"],
    ),
    ("names", &["s3", "aws", "store", "storage", "config", "ffi"]),
    ("http_client", &["s3", "aws", "store", "storage", "ffi"]),
    (
        "post_policy",
        &["s3", "aws", "store", "storage", "config", "settings", "ffi"],
    ),
    (
        "xml",
        &["s3", "aws", "store", "storage", "config", "settings", "ffi"],
    ),
    (
        "requests",
        &["s3", "aws", "store", "storage", "config", "settings", "ffi"],
    ),
    (
        "aws",
        &[
            "s3",
            "store",
            "storage",
            "file",
            "reader",
            "multipart",
            "object_urls",
            "ffi",
        ],
    ),
    (
        "s3",
        &[
            "storage",
            "file",
            "reader",
            "multipart",
            "object_urls",
            "ffi",
        ],
    ),
    (
        "store",
        &["s3", "storage", "file", "reader", "multipart", "ffi"],
    ),
    ("file", &["storage", "s3", "aws", "ffi"]),
    ("reader", &["storage", "file", "s3", "aws", "ffi"]),
    (
        "read_ahead",
        &["storage", "file", "download", "s3", "aws", "ffi"],
    ),
    ("download", &["storage", "file", "s3", "aws", "ffi"]),
    (
        "local_file",
        &[
            "storage", "file", "reader", "download", "store", "s3", "aws", "ffi",
        ],
    ),
    ("bulk", &["storage", "file", "s3", "aws", "ffi"]),
    ("multipart", &["storage", "file", "s3", "aws", "ffi"]),
    ("storage", &["ffi", "aws"]),
];

#[test]
fn no_layer_imports_one_above_it() {
    let all = modules();
    assert!(all.len() > 30, "{:?}", all.keys());
    let mut wrong = Vec::new();
    for (name, code) in &all {
        let top = name.split('/').next().unwrap();
        let Some((_, forbidden)) = FORBIDDEN.iter().find(|(layer, _)| *layer == top) else {
            continue;
        };
        for import in crate_imports(code) {
            if forbidden.contains(&import.as_str()) {
                wrong.push(format!("{name} imports crate::{import}"));
            }
        }
    }
    assert!(wrong.is_empty(), "upward imports: {wrong:#?}");
}

#[test]
fn no_two_sibling_modules_import_each_other() {
    let all = modules();
    let imports: BTreeMap<&String, BTreeSet<String>> = (all.iter())
        .map(|(name, code)| (name, sibling_imports(name, code, &all)))
        .collect();
    let mut circles = Vec::new();
    for (name, siblings) in &imports {
        for sibling in siblings {
            let back = imports
                .get(sibling)
                .is_some_and(|theirs| theirs.contains(*name));
            if back && name.as_str() < sibling.as_str() {
                circles.push(format!("{name} <-> {sibling}"));
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:?}");
    // The check sees sibling imports at all (it would pass vacuously otherwise).
    assert!(imports.values().map(BTreeSet::len).sum::<usize>() > 10);
}
