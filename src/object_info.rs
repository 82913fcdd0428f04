//! What the library tells of one object: [`ObjectInfo`], from a HEAD (`Storage::stat`)
//! and, later, from listing entries.

use std::collections::BTreeMap;
use std::time::SystemTime;

/// One object's metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its name, without `AWS_LOCATION` (what `open` and `stat` take).
    pub name: String,
    /// Its size in bytes (as stored: a gzipped object's compressed size).
    pub size: u64,
    /// When it was last modified, if the server said.
    pub modified: Option<SystemTime>,
    /// Its ETag as the server sent it, quotes removed (`""` if none).
    pub etag: String,
    /// Its Content-Type (`""` when unknown).
    pub content_type: String,
    /// Its user metadata (`x-amz-meta-*`), by key without the prefix, lower-case.
    pub metadata: BTreeMap<String, String>,
    /// Its version id in a versioned bucket.
    pub version_id: Option<String>,
}

impl ObjectInfo {
    /// The info of `name` from what a store said of its object.
    pub(crate) fn from_head(name: String, head: crate::store::ObjectHead) -> ObjectInfo {
        ObjectInfo {
            name,
            size: head.size,
            modified: head.modified,
            etag: head.etag.unwrap_or_default().trim_matches('"').to_string(),
            content_type: head.content_type.unwrap_or_default(),
            metadata: (head.metadata.into_iter())
                .map(|(key, value)| (key.to_ascii_lowercase(), value))
                .collect(),
            version_id: head.version_id.filter(|id| !id.is_empty() && id != "null"),
        }
    }
}
