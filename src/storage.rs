//! `Storage`: django-storages' `S3Storage` operations on one bucket.

use crate::config::Config;
use crate::content_type;
use crate::credentials::CredentialSource;
use crate::error::{from_io, Error, Result};
use crate::file::S3File;
use crate::log;
use crate::multipart::Uploader;
use crate::names;
use crate::params;
use crate::progress::ProgressFn;
use crate::progress::{Direction, Transfer};
use crate::settings::Settings;
use crate::transport::Transport;
use crate::url::{self, UrlOptions};
use flate2::read::GzEncoder;
use s3::command::Command;
use serde::Deserialize;
use std::fmt;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

/// How many times a create-only save tries a new name after losing a race.
const CREATE_ONLY_ATTEMPTS: usize = 100;

/// A configured S3 storage. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    transport: Transport,
    /// Set once the bucket is known to exist (AWS_AUTO_CREATE_BUCKET).
    bucket_ready: Mutex<bool>,
    /// The progress callback.
    progress: RwLock<Option<ProgressFn>>,
}

/// How an object is written: content type and the signed headers that go with it.
pub(crate) struct WriteParams {
    /// The Content-Type of the object.
    pub content_type: String,
    /// Other headers (ACL, Cache-Control, Content-Encoding, metadata, SSE...).
    pub headers: Vec<(String, String)>,
}

impl WriteParams {
    fn has(&self, header: &str) -> bool {
        self.headers.iter().any(|(name, _)| name == header)
    }
}

/// What a HEAD told about an object.
pub(crate) struct ObjectInfo {
    /// Content-Length.
    pub size: u64,
    /// Content-Encoding, if any.
    pub content_encoding: Option<String>,
    /// Last-Modified.
    pub modified: Option<SystemTime>,
    /// ETag, to read consistent ranges.
    pub etag: Option<String>,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("config", &self.inner.config)
            .finish()
    }
}

#[derive(Deserialize)]
struct ListPage {
    #[serde(rename = "IsTruncated", default)]
    is_truncated: Option<String>,
    #[serde(rename = "NextMarker", default)]
    next_marker: Option<String>,
    #[serde(rename = "Contents", default)]
    contents: Vec<ListEntry>,
    #[serde(rename = "CommonPrefixes", default)]
    common_prefixes: Vec<ListPrefix>,
}

#[derive(Deserialize)]
struct UploadsPage {
    #[serde(rename = "IsTruncated", default)]
    is_truncated: Option<String>,
    #[serde(rename = "NextKeyMarker", default)]
    next_key_marker: Option<String>,
    #[serde(rename = "NextUploadIdMarker", default)]
    next_upload_id_marker: Option<String>,
    #[serde(rename = "Upload", default)]
    uploads: Vec<UploadEntry>,
}

#[derive(Deserialize)]
struct UploadEntry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "UploadId")]
    upload_id: String,
}

#[derive(Deserialize)]
struct ListEntry {
    #[serde(rename = "Key")]
    key: String,
}

#[derive(Deserialize)]
struct ListPrefix {
    #[serde(rename = "Prefix")]
    prefix: String,
}

/// Reads until `buffer` holds `limit` bytes or the reader ends.
pub(crate) fn read_up_to(reader: &mut dyn Read, limit: usize, buffer: &mut Vec<u8>) -> Result<()> {
    let start = buffer.len();
    reader
        .take((limit - start.min(limit)) as u64)
        .read_to_end(buffer)
        .map_err(|error| from_io("reading the content to save", error))?;
    Ok(())
}

impl Storage {
    /// Creates a storage from settings (validated and resolved; nothing is sent yet).
    pub fn new(settings: &Settings) -> Result<Storage> {
        let config = settings.resolve()?;
        if let Some(pem) = &config.cloudfront_key {
            url::cloudfront::check_key(pem)?;
        }
        let credentials = CredentialSource::resolve(&config)?;
        let transport = Transport::new(&config, credentials)?;
        Ok(Storage {
            inner: Arc::new(Inner {
                config,
                transport,
                bucket_ready: Mutex::new(false),
                progress: RwLock::new(None),
            }),
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// The key of a name: `safe_join(AWS_LOCATION, clean_name(name))`, checked.
    pub(crate) fn key(&self, name: &str) -> Result<String> {
        let key = names::safe_join(&self.config().location, &[&names::clean_name(name)])?;
        names::check_key(&key, name)?;
        Ok(key)
    }

    /// Creates the bucket on first use when AWS_AUTO_CREATE_BUCKET is set.
    pub(crate) fn ensure_bucket(&self) -> Result<()> {
        if !self.config().auto_create_bucket {
            return Ok(());
        }
        let mut ready = self
            .inner
            .bucket_ready
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if *ready {
            return Ok(());
        }
        let mut headers = Vec::new();
        if let Some(acl) = &self.config().bucket_acl {
            headers.push(("x-amz-acl".to_string(), acl.clone()));
        }
        let mut configuration = s3::BucketConfiguration::public();
        if let Some(region) = self
            .config()
            .region_name
            .as_deref()
            .filter(|r| *r != "us-east-1")
        {
            configuration.set_location_constraint(region.parse().map_err(|_| {
                Error::Config(format!("AWS_S3_REGION_NAME: {region:?} is not a region"))
            })?);
        }
        let bucket = self.config().bucket_name.clone();
        let operation = format!("CreateBucket {bucket}");
        let reply = self.transport().send(
            Command::CreateBucket {
                config: configuration,
            },
            "",
            &headers,
        )?;
        match reply.status {
            200..=299 => log::debug(|| format!("created bucket {bucket}")),
            409 => {} // BucketAlreadyOwnedByYou / BucketAlreadyExists
            _ => return Err(reply.into_error(&operation)),
        }
        *ready = true;
        Ok(())
    }

    /// HEAD of a key: `None` on 404, the object's info on 2xx, an error otherwise.
    pub(crate) fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        self.ensure_bucket()?;
        let read_headers = params::headers_for(&self.config().object_parameters, true)?;
        let reply = self
            .transport()
            .send(Command::HeadObject, key, &read_headers)?;
        if reply.status == 404 {
            return Ok(None);
        }
        let reply = reply.check(&format!("HEAD {key}"))?;
        Ok(Some(ObjectInfo {
            size: reply
                .header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            content_encoding: reply.header("content-encoding").map(str::to_string),
            modified: reply
                .header("last-modified")
                .and_then(|v| httpdate::parse_http_date(v).ok()),
            etag: reply.header("etag").map(str::to_string),
        }))
    }

    /// The headers every read of an object carries (SSE-C parameters).
    pub(crate) fn read_headers(&self) -> Result<Vec<(String, String)>> {
        params::headers_for(&self.config().object_parameters, true)
    }

    /// The progress callback, if one is set.
    pub(crate) fn progress(&self) -> Option<ProgressFn> {
        self.inner
            .progress
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sets (or with `None` removes) the callback that reports progress of saves, writes
    /// and reads on this storage and all its clones. It may be called from worker threads.
    pub fn set_progress(&self, callback: Option<ProgressFn>) {
        *self
            .inner
            .progress
            .write()
            .unwrap_or_else(|p| p.into_inner()) = callback;
    }

    /// True if the object exists (HEAD: 404 → false; 403 → `AccessDenied`).
    pub fn exists(&self, name: &str) -> Result<bool> {
        let key = self.key(name)?;
        Ok(self.head(&key)?.is_some())
    }

    /// Deletes the object; a missing one is not an error.
    pub fn delete(&self, name: &str) -> Result<()> {
        let key = self.key(name)?;
        self.ensure_bucket()?;
        let reply = self.transport().send(Command::DeleteObject, &key, &[])?;
        if reply.status == 404 {
            return Ok(());
        }
        reply.check(&format!("DELETE {key}")).map(|_| ())
    }

    fn info(&self, name: &str) -> Result<ObjectInfo> {
        let key = self.key(name)?;
        self.head(&key)?
            .ok_or_else(|| Error::NotFound(format!("File does not exist: {key}")))
    }

    /// The object's size in bytes (as stored: a gzipped object's compressed size).
    pub fn size(&self, name: &str) -> Result<u64> {
        Ok(self.info(name)?.size)
    }

    /// The object's last-modified time.
    pub fn modified_time(&self, name: &str) -> Result<SystemTime> {
        self.info(name)?.modified.ok_or_else(|| {
            crate::error::S3Failure::malformed(
                &format!("HEAD {name}"),
                "the reply has no valid Last-Modified header",
            )
        })
    }

    /// `(directories, files)` directly under `path` (delimiter `/`; the directory
    /// marker object itself is left out), as django-storages' `listdir`.
    pub fn listdir(&self, path: &str) -> Result<(Vec<String>, Vec<String>)> {
        names::check_characters(path)?;
        let mut prefix = names::safe_join(&self.config().location, &[&names::clean_name(path)])?;
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.ensure_bucket()?;
        let (mut dirs, mut files) = (Vec::new(), Vec::new());
        let mut marker: Option<String> = None;
        loop {
            let command = Command::ListObjects {
                prefix: prefix.clone(),
                delimiter: Some("/".into()),
                marker: marker.clone(),
                max_keys: None,
            };
            let operation = format!("LIST {}/{prefix}", self.config().bucket_name);
            let page: ListPage = self.listing(command, &operation)?;
            let mut last = None;
            for entry in page.common_prefixes {
                let dir = entry.prefix.strip_prefix(&prefix).unwrap_or(&entry.prefix);
                dirs.push(dir.trim_end_matches('/').to_string());
                last = last.max(Some(entry.prefix.clone()));
            }
            for entry in page.contents {
                if entry.key != prefix {
                    files.push(
                        entry
                            .key
                            .strip_prefix(&prefix)
                            .unwrap_or(&entry.key)
                            .to_string(),
                    );
                }
                last = last.max(Some(entry.key.clone()));
            }
            if page.is_truncated.as_deref() != Some("true") {
                break;
            }
            let next = page.next_marker.or(last);
            if next.is_none() || next == marker {
                break;
            }
            marker = next;
        }
        Ok((dirs, files))
    }

    /// One page of a bucket listing, parsed.
    fn listing<T: serde::de::DeserializeOwned>(
        &self,
        command: Command<'_>,
        operation: &str,
    ) -> Result<T> {
        let text = self
            .transport()
            .send(command, "/", &[])?
            .check(operation)?
            .text(operation)?;
        quick_xml::de::from_str(&text).map_err(|error| {
            crate::error::S3Failure::malformed(
                operation,
                format!("the listing could not be parsed: {error}"),
            )
        })
    }

    /// Multipart uploads begun under `AWS_LOCATION` and neither completed nor aborted, as
    /// `(name, upload id)`. This library aborts its own failed uploads; this shows what a
    /// crashed process (of any client) left behind.
    pub fn incomplete_uploads(&self) -> Result<Vec<(String, String)>> {
        self.ensure_bucket()?;
        let location = &self.config().location;
        let prefix = if location.is_empty() {
            String::new()
        } else {
            format!("{}/", location.trim_end_matches('/'))
        };
        let (mut found, mut key_marker, mut upload_id_marker) = (Vec::new(), None, None);
        loop {
            let command = Command::ListMultipartUploads {
                prefix: Some(&prefix),
                delimiter: None,
                key_marker: key_marker.clone(),
                upload_id_marker: upload_id_marker.clone(),
                max_uploads: None,
            };
            let operation = format!(
                "ListMultipartUploads {}/{prefix}",
                self.config().bucket_name
            );
            let page: UploadsPage = self.listing(command, &operation)?;
            for upload in page.uploads {
                let name = upload
                    .key
                    .strip_prefix(&prefix)
                    .unwrap_or(&upload.key)
                    .to_string();
                found.push((name, upload.upload_id));
            }
            if page.is_truncated.as_deref() != Some("true") || page.next_key_marker.is_none() {
                break;
            }
            key_marker = page.next_key_marker;
            upload_id_marker = page.next_upload_id_marker;
        }
        Ok(found)
    }

    /// Django's `get_available_name`: with overwrite, the cleaned name (truncated to
    /// `max_length`); without, a name no object has yet (`_` + 7 random characters).
    pub fn get_available_name(&self, name: &str, max_length: Option<usize>) -> Result<String> {
        names::check_characters(name)?;
        let name = names::clean_name(name);
        if self.config().file_overwrite {
            return names::available_overwrite_name(&name, max_length);
        }
        names::available_name(&name, max_length, |candidate| self.exists(candidate))
    }

    /// The content type and headers for writing `key` (object parameters, guessed type and
    /// encoding, default ACL, encryption).
    pub(crate) fn write_params(&self, key: &str) -> Result<WriteParams> {
        let config = self.config();
        let mut headers = params::headers_for(&config.object_parameters, false)?;
        let explicit_type = headers
            .iter()
            .position(|(name, _)| name == "content-type")
            .map(|index| headers.remove(index).1);
        let content_type = match explicit_type {
            Some(content_type) => content_type,
            None => {
                let (guessed, encoding) = content_type::guess(key);
                if let Some(encoding) = encoding {
                    headers.retain(|(name, _)| name != "content-encoding");
                    headers.push(("content-encoding".into(), encoding.into()));
                }
                guessed.unwrap_or_else(|| "application/octet-stream".into())
            }
        };
        let mut write = WriteParams {
            content_type,
            headers,
        };
        if let Some(acl) = &config.default_acl {
            if !write.has("x-amz-acl") {
                write.headers.push(("x-amz-acl".into(), acl.clone()));
            }
        }
        if config.encryption && !write.has("x-amz-server-side-encryption") {
            write
                .headers
                .push(("x-amz-server-side-encryption".into(), "AES256".into()));
        }
        Ok(write)
    }

    /// Whether saved content of this type is gzipped (AWS_IS_GZIPPED).
    fn gzips(&self, write: &WriteParams) -> bool {
        self.config().gzip
            && !write.has("content-encoding")
            && self
                .config()
                .gzip_content_types
                .contains(&write.content_type)
    }

    /// One PUT of a whole body; with `create_only`, `If-None-Match: *`.
    pub(crate) fn put(
        &self,
        key: &str,
        body: &[u8],
        write: &WriteParams,
        create_only: bool,
    ) -> Result<()> {
        let mut headers = write.headers.clone();
        if create_only {
            headers.push(("if-none-match".into(), "*".into()));
        }
        let command = Command::PutObject {
            content: body,
            content_type: &write.content_type,
            custom_headers: None,
            multipart: None,
        };
        self.transport()
            .send(command, key, &headers)?
            .check(&format!("PUT {key}"))
            .map(|_| ())
    }

    /// Saves `content` under `name` (or the available name Django's rules give) and
    /// returns the name used, without `AWS_LOCATION`.
    ///
    /// Content is streamed: parts of `multipart_chunksize` go up in parallel, so a large
    /// source is never held in memory whole. With `AWS_S3_FILE_OVERWRITE=False` the write
    /// is create-only: if another writer takes the name first, another available name is
    /// chosen, so nothing is overwritten.
    pub fn save<R: Read>(&self, name: &str, content: R) -> Result<String> {
        self.save_sized(name, content, None, None)
    }

    /// Saves a local file (streamed), as `save`.
    pub fn save_file(&self, name: &str, path: impl AsRef<std::path::Path>) -> Result<String> {
        let path = path.as_ref();
        let file = std::fs::File::open(path)
            .map_err(|error| Error::io(&format!("opening {}", path.display()), error))?;
        let size = file.metadata().ok().map(|metadata| metadata.len());
        self.save_sized(
            name,
            std::io::BufReader::with_capacity(1 << 20, file),
            size,
            None,
        )
    }

    /// `save` with Django's `max_length` for the chosen name.
    pub fn save_with_max_length<R: Read>(
        &self,
        name: &str,
        content: R,
        max_length: Option<usize>,
    ) -> Result<String> {
        self.save_sized(name, content, None, max_length)
    }

    /// `save` knowing the content's size (for progress reports).
    pub(crate) fn save_sized<R: Read>(
        &self,
        name: &str,
        mut content: R,
        size: Option<u64>,
        max_length: Option<usize>,
    ) -> Result<String> {
        names::check_characters(name)?;
        names::validate_file_name(&name.replace('\\', "/"))?;
        let mut name = self.get_available_name(name, max_length)?;
        names::validate_file_name(&name)?;
        let mut key = self.key(&name)?;
        self.ensure_bucket()?;
        let mut write = self.write_params(&key)?;
        let gzip = self.gzips(&write);
        if gzip {
            write
                .headers
                .push(("content-encoding".into(), "gzip".into()));
        }
        let total = if gzip { None } else { size };
        let mut reader: Box<dyn Read + '_> = if gzip {
            Box::new(GzEncoder::new(&mut content, flate2::Compression::best()))
        } else {
            Box::new(&mut content)
        };
        let create_only = !self.config().file_overwrite;
        let threshold = self.config().multipart_threshold as usize;
        let mut first = Vec::new();
        read_up_to(&mut reader, threshold, &mut first)?;
        if first.len() < threshold {
            for _ in 0..CREATE_ONLY_ATTEMPTS {
                match self.put(&key, &first, &write, create_only) {
                    Err(Error::AlreadyExists(_)) if create_only => {
                        (name, key) = self.next_name(&name)?;
                    }
                    other => {
                        other?;
                        let done = first.len() as u64;
                        self.report(&name, Direction::Upload, done, Some(done));
                        return Ok(name);
                    }
                }
            }
            return Err(self.gave_up(&name));
        }
        let chunk = self.config().multipart_chunksize as usize;
        if !create_only {
            self.upload_parts(&key, &name, &write, first, &mut reader, chunk, total, false)?;
            return Ok(name);
        }
        // Create-only and large: keep the content so it can go up again under another name.
        let mut spool = self.spool();
        std::io::copy(&mut first.as_slice(), &mut spool)
            .and_then(|_| std::io::copy(&mut reader, &mut spool))
            .map_err(|error| from_io("spooling the content to save", error))?;
        for _ in 0..CREATE_ONLY_ATTEMPTS {
            spool
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::io("rewinding the spool", e))?;
            match self.upload_parts(
                &key,
                &name,
                &write,
                Vec::new(),
                &mut spool,
                chunk,
                total,
                true,
            ) {
                Err(Error::AlreadyExists(_)) => (name, key) = self.next_name(&name)?,
                other => return other.map(|_| name),
            }
        }
        Err(self.gave_up(&name))
    }

    /// Reports progress, if a callback is set.
    pub(crate) fn report(&self, name: &str, direction: Direction, done: u64, total: Option<u64>) {
        if let Some(progress) = self.progress() {
            progress(&Transfer {
                name,
                direction,
                done,
                total,
            });
        }
    }

    fn next_name(&self, name: &str) -> Result<(String, String)> {
        let next = names::alternative_of(name);
        log::debug(|| format!("create-only save: '{name}' was taken meanwhile; trying '{next}'"));
        let key = self.key(&next)?;
        Ok((next, key))
    }

    fn gave_up(&self, name: &str) -> Error {
        Error::AlreadyExists(format!(
            "could not find a free name for '{name}' after {CREATE_ONLY_ATTEMPTS} attempts"
        ))
    }

    /// A spool for content, rolling to disk above AWS_S3_MAX_MEMORY_SIZE (0: never).
    pub(crate) fn spool(&self) -> tempfile::SpooledTempFile {
        let max = match self.config().max_memory_size {
            0 => usize::MAX,
            size => size as usize,
        };
        match &self.config().temp_dir {
            Some(dir) => tempfile::SpooledTempFile::new_in(max, dir),
            None => tempfile::SpooledTempFile::new(max),
        }
    }

    /// Uploads `first` and the rest of `reader` as parts of `chunk` bytes (in parallel),
    /// then completes.
    #[allow(clippy::too_many_arguments)]
    fn upload_parts(
        &self,
        key: &str,
        name: &str,
        write: &WriteParams,
        mut part: Vec<u8>,
        reader: &mut dyn Read,
        chunk: usize,
        total: Option<u64>,
        create_only: bool,
    ) -> Result<()> {
        let mut upload = Uploader::start(self, key, name, write, total)?;
        loop {
            if let Err(error) = read_up_to(reader, chunk, &mut part) {
                upload.abort();
                return Err(error);
            }
            if part.is_empty() && upload.part_count() > 0 {
                break;
            }
            let last = part.len() < chunk;
            if let Err(error) = upload.submit(std::mem::take(&mut part)) {
                upload.abort();
                return Err(error);
            }
            if last {
                break;
            }
        }
        upload.finish(create_only)
    }

    /// Opens `name`: `"r"`/`"rb"` to read (a missing object fails here), `"w"`/`"wb"` to
    /// write (committed by `close`).
    pub fn open(&self, name: &str, mode: &str) -> Result<S3File> {
        S3File::open(self.clone(), name, mode)
    }

    /// The URL of `name`, as `url(name)` in django-storages.
    pub fn url(&self, name: &str) -> Result<String> {
        self.url_with(name, &UrlOptions::default())
    }

    /// `url(name, parameters, expire, http_method)`.
    pub fn url_with(&self, name: &str, options: &UrlOptions) -> Result<String> {
        names::check_characters(name)?;
        let key = names::safe_join(&self.config().location, &[&names::clean_name(name)])?;
        if key.len() > names::MAX_KEY_BYTES {
            names::check_key(&key, name)?;
        }
        let bucket = self.transport().signing_bucket()?;
        url::build(self.config(), &bucket, &key, options)
    }
}
