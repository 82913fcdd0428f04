//! The operations a native program needs beyond Django's `Storage` (0.3): stat,
//! streaming listings, batch and prefix deletes, server-side copy and move, parallel
//! downloads and presigned POST. They follow the Django semantics of `storage.rs` (names,
//! `AWS_LOCATION`, save's rules for new names) and see only the object-store seam.

use crate::bulk::{self, DeleteFailure};
use crate::error::{Error, Result};
use crate::listing::Listing;
use crate::names;
use crate::object_info::ObjectInfo;
use crate::object_parameters::WriteParameters;
use crate::storage::{not_found, SaveOptions, Storage};
use crate::store::{CopyRequest, ObjectHead, PresignedPost};
use serde_json::{Map, Value as Json};

/// The largest object one CopyObject copies (5 GiB); larger ones go in parts.
const COPY_OBJECT_LIMIT: u64 = 5 * 1024 * 1024 * 1024;

impl Storage {
    /// Deletes `names` with DeleteObjects, 1,000 per request (one DELETE each on a
    /// server without it); gives the names not deleted, with why. Missing names are not
    /// failures. Every name is checked first (nothing is sent if one is unsafe); an
    /// empty list is an error.
    pub fn delete_many<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<DeleteFailure>> {
        if names.is_empty() {
            return Err(Error::InvalidArgument(
                "delete_many: the list of names is empty".into(),
            ));
        }
        let keys = (names.iter())
            .map(|name| self.key(name.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        self.ensure_bucket()?;
        bulk::delete_keys(
            self.objects(),
            &keys,
            (
                &self.location_prefix(),
                self.config().http.max_pool_connections,
            ),
        )
    }

    /// Deletes every object under `path/` (recursively, and its directory marker),
    /// streaming the listing into DeleteObjects batches: memory stays bounded whatever
    /// the count. Gives the number deleted; any object not deleted fails the call.
    pub fn delete_prefix(&self, path: &str) -> Result<u64> {
        let prefix = names::object_key(&self.config().location, path)?;
        if prefix.trim_matches('/') == self.config().location.trim_matches('/') {
            return Err(Error::InvalidArgument(format!(
                "delete_prefix({path:?}) would delete everything under AWS_LOCATION: name a \
                 directory"
            )));
        }
        let listing = self.list(path, true)?.with_marker();
        bulk::delete_listed(
            self.objects(),
            listing,
            (
                &self.location_prefix(),
                self.config().http.max_pool_connections,
            ),
        )
    }

    /// `AWS_LOCATION/` (or "" without a location): what keys begin with.
    fn location_prefix(&self) -> String {
        let location = self.config().location.trim_matches('/');
        match location.is_empty() {
            true => String::new(),
            false => format!("{location}/"),
        }
    }

    /// Everything one HEAD tells of the object: size, modified time, ETag, content type,
    /// user metadata (`x-amz-meta-*`) and version id; `NotFound` if there is none.
    pub fn stat(&self, name: &str) -> Result<ObjectInfo> {
        let head = self.info(name)?;
        Ok(ObjectInfo::from_head(names::clean_name(name), head))
    }

    /// The entries under `path`, streamed a page at a time: with `recursive`, every
    /// object below it; else one level, directories as entries whose name ends in `/`
    /// (size 0), as `listdir` sees them. Names are whole names without `AWS_LOCATION`,
    /// what `stat` and `open` take; entries carry size, modified time and ETag.
    pub fn list(&self, path: &str, recursive: bool) -> Result<Listing> {
        let mut prefix = names::object_key(&self.config().location, path)?;
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.ensure_bucket()?;
        let objects = self.inner.objects.clone();
        Ok(Listing::new(
            objects,
            (prefix, self.location_prefix()),
            recursive,
        ))
    }

    /// A server-side copy of `src` to `dst` (CopyObject: the bytes never pass through
    /// here). `dst` follows `save`'s rules: `get_available_name`, create-only with
    /// `AWS_S3_FILE_OVERWRITE=False`; gives the name used. Without `options.parameters`
    /// the metadata and content type are kept; with them they are replaced (as
    /// MetadataDirective REPLACE). SSE-C source keys come from the object parameters.
    pub fn copy(&self, src: &str, dst: &str, options: &SaveOptions) -> Result<String> {
        let src_key = self.key(src)?;
        self.check_save(dst, options)?;
        if options.parameters.is_none() && names::clean_name(src) == names::clean_name(dst) {
            return Err(Error::InvalidArgument(format!(
                "copying {src} onto itself changes nothing (give object parameters to \
                 replace its metadata)"
            )));
        }
        self.ensure_bucket()?;
        let source = self.head(&src_key)?.ok_or_else(|| not_found(&src_key))?;
        // CopyObject takes at most 5 GiB, whatever the threshold says.
        let multipart = source.size > self.config().transfer.multipart_threshold
            || source.size > COPY_OBJECT_LIMIT;
        self.write_under_available_name(dst, options.max_length, |name, overwrite, _| {
            let key = self.key(name)?;
            let copy = |replace, kept| CopyRequest {
                source: &src_key,
                key: &key,
                replace,
                kept,
                read: &self.inner.read,
                source_etag: source.etag.as_deref(),
            };
            if multipart {
                let write = self.copy_parameters(&key, options, &source)?;
                let parts = crate::copying::PartCopy {
                    objects: self.objects(),
                    copy: copy(None, None),
                    size: source.size,
                    chunk: self.config().transfer.multipart_chunksize,
                    concurrency: self.config().transfer.max_concurrency,
                };
                return parts.run(&write, overwrite);
            }
            let params = self.object_parameters(&key, options.parameters.as_ref());
            let write = WriteParameters::from_parameters(&params)?;
            let request = match options.parameters {
                None => copy(None, Some(&write)),
                Some(_) => copy(Some(&write), None),
            };
            self.objects().copy_object(&request, overwrite)
        })
    }

    /// The parameters a multipart copy creates its destination with: the per-copy ones,
    /// or (boto3's managed copy does the same) the source's content type and metadata.
    fn copy_parameters(
        &self,
        key: &str,
        options: &SaveOptions,
        source: &ObjectHead,
    ) -> Result<WriteParameters> {
        let kept = || {
            let mut kept = Map::new();
            if let Some(content_type) = &source.content_type {
                kept.insert("ContentType".into(), Json::String(content_type.clone()));
            }
            if let Some(encoding) = &source.content_encoding {
                kept.insert("ContentEncoding".into(), Json::String(encoding.clone()));
            }
            let metadata = (source.metadata.iter())
                .map(|(name, value)| (name.clone(), Json::String(value.clone())))
                .collect::<Map<String, Json>>();
            if !metadata.is_empty() {
                kept.insert("Metadata".into(), Json::Object(metadata));
            }
            kept
        };
        let per_copy = options.parameters.clone().unwrap_or_else(kept);
        WriteParameters::from_parameters(&self.object_parameters(key, Some(&per_copy)))
    }

    /// `copy`, then the source deleted once the copy is complete: a failure at any
    /// step leaves the source in place. Gives the destination's name. If only the
    /// delete fails, both exist and the error's message names the destination.
    pub fn move_to(&self, src: &str, dst: &str, options: &SaveOptions) -> Result<String> {
        if names::clean_name(src) == names::clean_name(dst) {
            return Err(Error::InvalidArgument(format!(
                "moving {src} onto itself would delete it"
            )));
        }
        let moved = self.copy(src, dst, options)?;
        // Never delete the only copy, whatever name the copy ended under.
        if self.key(&moved)? != self.key(src)? {
            self.delete(src).map_err(|error| {
                error.within(&format!(
                    "moved {src} to {moved}, but {src} could not be deleted (both exist)"
                ))
            })?;
        }
        Ok(moved)
    }

    /// Downloads `name` into the local file `path` as `open(name, "rb")` reads it: one
    /// streamed GET while that is fast, parallel ranged GETs (`AWS_S3_TRANSFER_CONFIG`
    /// `max_concurrency` ranges of `multipart_chunksize` at once) where one stream is the
    /// bottleneck or `read_ahead` is `"always"`; checked against the object's checksum,
    /// fsynced and renamed into place: on any failure `path` is left as it was (a failed
    /// download leaves no partial file). Gives the size.
    pub fn download_to(&self, name: &str, path: impl AsRef<std::path::Path>) -> Result<u64> {
        let key = self.key(name)?;
        self.ensure_bucket()?;
        let name = names::clean_name(name);
        let open = || self.open_reader(&key, &name);
        let download = crate::download::Download {
            key: &key,
            open: &open,
        };
        download.to(path.as_ref())
    }

    /// boto3's `generate_presigned_post`: the URL and form fields with which a browser
    /// (or any HTTP client) uploads `name` directly, under `conditions` (boto3's list:
    /// `{"acl": "public-read"}`, `["starts-with", "$Content-Type", "image/"]`,
    /// `["content-length-range", 1, 1048576]`), valid for `expire` seconds (default
    /// `AWS_QUERYSTRING_EXPIRE`). The name is checked as `save` checks it; a name ending
    /// in `${filename}` lets the form pick the rest. Nothing is sent.
    pub fn presigned_post(
        &self,
        name: &str,
        conditions: Option<&Json>,
        expire: Option<u64>,
    ) -> Result<PresignedPost> {
        names::check_new_name(name)?;
        let key = self.key(name)?;
        let conditions = match conditions {
            None => Vec::new(),
            Some(Json::Array(items)) => items.clone(),
            Some(other) => {
                return Err(Error::InvalidArgument(format!(
                    "POST conditions must be a list, not {other}"
                )))
            }
        };
        crate::post_policy::check_conditions(&conditions)?;
        if expire.is_some_and(|seconds| seconds > 10 * 365 * 24 * 3600) {
            return Err(Error::InvalidArgument(format!(
                "presigned POST: an expiry of {} seconds is over ten years",
                expire.unwrap_or_default()
            )));
        }
        let expire = expire.unwrap_or(self.config().urls.querystring_expire);
        self.objects().presigned_post(&key, &conditions, expire)
    }
}
