//! Streaming listings (`Storage::list`): one page in memory at a time, each entry an
//! [`ObjectInfo`]; one level (directories as entries ending in `/`, as `listdir` sees
//! them) or every object under the path.

use crate::error::Result;
use crate::object_info::ObjectInfo;
use crate::store::{ListPage, ObjectStore};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// The entries under a path, fetched a page at a time as they are iterated. A failed
/// page is the iterator's last item.
pub struct Listing {
    objects: Arc<dyn ObjectStore>,
    /// The key prefix listed (`AWS_LOCATION/path/`).
    prefix: String,
    /// What is taken off keys to make names (`AWS_LOCATION/`).
    location: String,
    recursive: bool,
    /// Whether the directory marker object (the prefix itself) is an entry too.
    with_marker: bool,
    marker: Option<String>,
    entries: VecDeque<ObjectInfo>,
    /// No page is left to fetch (or one failed).
    finished: bool,
}

impl Listing {
    /// A listing of `prefix` whose names are keys without `location` (both end in `/`
    /// unless empty); nothing is fetched yet.
    pub(crate) fn new(
        objects: Arc<dyn ObjectStore>,
        (prefix, location): (String, String),
        recursive: bool,
    ) -> Listing {
        Listing {
            objects,
            prefix,
            location,
            recursive,
            with_marker: false,
            marker: None,
            entries: VecDeque::new(),
            finished: false,
        }
    }

    /// The same listing, giving the directory marker object too (to delete it).
    pub(crate) fn with_marker(mut self) -> Listing {
        self.with_marker = true;
        self
    }

    fn name(&self, key: &str) -> String {
        key.strip_prefix(&self.location).unwrap_or(key).to_string()
    }

    /// Turns a page into entries in key order, directories among objects (the directory
    /// marker object itself left out).
    fn take(&mut self, page: ListPage) {
        let empty = |name: String| ObjectInfo {
            name,
            size: 0,
            modified: None,
            etag: String::new(),
            content_type: String::new(),
            metadata: BTreeMap::new(),
            version_id: None,
        };
        let mut entries: Vec<ObjectInfo> = (page.prefixes.iter())
            .map(|dir| empty(self.name(dir)))
            .collect();
        let keep = |key: &str| key != self.prefix || self.with_marker;
        for object in page.objects.into_iter().filter(|o| keep(&o.key)) {
            entries.push(ObjectInfo {
                size: object.size,
                modified: object.modified,
                etag: object
                    .etag
                    .unwrap_or_default()
                    .trim_matches('"')
                    .to_string(),
                ..empty(self.name(&object.key))
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        self.entries.extend(entries);
    }

    fn fetch(&mut self) -> Result<()> {
        let delimited = !self.recursive;
        let page = (self.objects).list_page(&self.prefix, self.marker.as_deref(), delimited)?;
        let advanced = page.next_marker.is_some() && page.next_marker != self.marker;
        self.marker = page.next_marker.clone();
        self.finished = !advanced;
        self.take(page);
        Ok(())
    }
}

impl Iterator for Listing {
    type Item = Result<ObjectInfo>;

    fn next(&mut self) -> Option<Result<ObjectInfo>> {
        loop {
            if let Some(entry) = self.entries.pop_front() {
                return Some(Ok(entry));
            }
            if self.finished {
                return None;
            }
            if let Err(error) = self.fetch() {
                self.finished = true;
                return Some(Err(error));
            }
        }
    }
}
