//! `Storage`: django-storages' `S3Storage` operations on one bucket: names, defaults and
//! object parameters, create-only saves, listings. Every request goes through the
//! object-store seam (`crate::store`): the S3 protocol or the in-memory store; nothing
//! here knows HTTP.

use crate::cloudfront;
use crate::config::Config;
use crate::content::{read_up_to, Content};
use crate::content_type;
use crate::error::{Error, Result};
use crate::file::{Mode, S3File, WriteTarget};
use crate::log;
use crate::multipart::Uploader;
use crate::names;
use crate::object_parameters::{self, AccessParameters, WriteParameters};
use crate::object_urls::{self, UrlOptions};
use crate::progress::{Direction, ProgressFn, ProgressSlot, Reporter};
use crate::reader::{ObjectRef, RangedReader, Verifier};
use crate::requests::{RequestFn, RequestSlot};
use crate::s3::S3Store;
use crate::settings::{redacted_json, Settings};
use crate::store::{memory, FirstWindow, ObjectHead, ObjectStore, Overwrite};
use flate2::read::GzEncoder;
use serde_json::{Map, Value as Json};
use std::fmt;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// The bytes the GET that opens a file for reading asks for: enough for a small object
/// whole, little enough that a read in the middle of a large one stays cheap.
const FIRST_WINDOW: u64 = 64 * 1024;

/// How many times a create-only save tries a new name after losing a race.
const CREATE_ONLY_ATTEMPTS: usize = 100;

/// Per-save options: django-storages' `get_object_parameters(name)` and the content's
/// `content_type`, and Django's `max_length`.
#[derive(Clone, Default)]
pub struct SaveOptions {
    /// boto3 PutObject parameters (`ContentType`, `ContentDisposition`, `CacheControl`,
    /// `Metadata`, `ACL`, ...) merged over `AWS_S3_OBJECT_PARAMETERS`; an explicit
    /// `ContentType` wins over the type guessed from the name.
    pub parameters: Option<Map<String, Json>>,
    /// The longest acceptable name, in characters.
    pub max_length: Option<usize>,
}

impl SaveOptions {
    /// Options from a JSON object's text (`None`: no parameters); bad JSON or an unknown
    /// parameter is `InvalidArgument` naming it.
    pub fn from_json(parameters: Option<&str>, max_length: Option<usize>) -> Result<SaveOptions> {
        let parameters = match parameters.map(serde_json::from_str::<Json>) {
            None => None,
            Some(Ok(Json::Object(map))) => {
                object_parameters::validate_request(&map, "params_json")?;
                Some(map)
            }
            Some(_) => {
                return Err(Error::InvalidArgument(
                    "params_json must be a JSON object of boto3 PutObject parameters, such as \
                     {\"ContentType\": \"text/plain\"}"
                        .into(),
                ))
            }
        };
        Ok(SaveOptions {
            parameters,
            max_length,
        })
    }
}

impl fmt::Debug for SaveOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parameters = self.parameters.as_ref().map(redacted_json);
        f.debug_struct("SaveOptions")
            .field("parameters", &parameters)
            .field("max_length", &self.max_length)
            .finish()
    }
}

/// A configured S3 storage. Cheap to clone; safe to share between threads.
#[derive(Clone)]
pub struct Storage {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: Config,
    /// The store (shared with files, readers and listings).
    pub(crate) objects: Arc<dyn ObjectStore>,
    /// What every HEAD and GET repeats (SSE-C parameters).
    pub(crate) read: AccessParameters,
    /// Set once the bucket is known to exist (AWS_AUTO_CREATE_BUCKET).
    bucket_ready: Mutex<bool>,
    /// The progress callback, shared with every transfer.
    progress: ProgressSlot,
    /// The request callback, shared with the store.
    requests: RequestSlot,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Storage")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// What a storage's settings resolved to, for diagnostics (the command-line tool's
/// `doctor`); it holds no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolved {
    /// The bucket.
    pub bucket: String,
    /// `AWS_LOCATION`, the prefix of every key.
    pub location: String,
    /// The S3 endpoint requests go to.
    pub endpoint: String,
    /// The region requests are signed for.
    pub region: String,
    /// "path" or "virtual".
    pub addressing: &'static str,
    /// Where the credentials came from ("access keys in the settings", "STS AssumeRole of
    /// arn:...", "none: requests are sent unsigned", ...).
    pub credentials: String,
    /// Whether saves may overwrite (`AWS_S3_FILE_OVERWRITE`).
    pub file_overwrite: bool,
}

/// The store the settings name: the in-memory one for `memory://NAME`, else S3.
/// Its requests are reported to `requests` (the in-memory store makes none).
fn open_store(config: &Config, requests: &RequestSlot) -> Result<Arc<dyn ObjectStore>> {
    let memory = (config.endpoint.url.as_deref()).and_then(memory::parse_endpoint);
    Ok(match memory.transpose()? {
        Some((name, page)) => Arc::new(memory::MemoryStore::open(config, name, page)),
        None => Arc::new(S3Store::new(config, requests.clone())?),
    })
}

pub(crate) fn not_found(key: &str) -> Error {
    Error::NotFound(format!("File does not exist: {key}"))
}

impl Storage {
    /// Creates a storage from settings (validated and resolved; nothing is sent yet).
    pub fn new(settings: &Settings) -> Result<Storage> {
        let config = Config::resolve(settings)?;
        if let Some(pem) = &config.urls.cloudfront_key {
            cloudfront::check_key(pem)?;
        }
        let requests = RequestSlot::default();
        let objects = open_store(&config, &requests)?;
        let read = AccessParameters::from_parameters(&config.object_parameters)?;
        Ok(Storage {
            inner: Arc::new(Inner {
                config,
                objects,
                read,
                bucket_ready: Mutex::new(false),
                progress: ProgressSlot::default(),
                requests,
            }),
        })
    }

    pub(crate) fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn objects(&self) -> &dyn ObjectStore {
        self.inner.objects.as_ref()
    }

    /// The key of a file's name under `AWS_LOCATION`, checked.
    pub(crate) fn key(&self, name: &str) -> Result<String> {
        names::file_key(&self.config().location, name)
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
        if !*ready {
            self.objects()
                .create_bucket(self.config().bucket_acl.as_deref())?;
            *ready = true;
        }
        Ok(())
    }

    /// HEAD of a key: `None` if there is no such object.
    pub(crate) fn head(&self, key: &str) -> Result<Option<ObjectHead>> {
        self.ensure_bucket()?;
        self.objects().head(key, &self.inner.read)
    }

    /// A reporter of one transfer's progress.
    pub(crate) fn reporter(
        &self,
        name: &str,
        direction: Direction,
        total: Option<u64>,
    ) -> Reporter {
        self.inner.progress.reporter(name, direction, total)
    }

    /// What the settings resolved to: bucket, endpoint, region, addressing and where the
    /// credentials came from. Sends nothing.
    pub fn resolved(&self) -> Resolved {
        let destination = self.objects().destination();
        Resolved {
            bucket: self.config().bucket_name.clone(),
            location: self.config().location.clone(),
            endpoint: destination.endpoint,
            region: destination.region,
            addressing: if destination.path_style {
                "path"
            } else {
                "virtual"
            },
            credentials: destination.credentials,
            file_overwrite: self.config().file_overwrite,
        }
    }

    /// Sets (or with `None` removes) the callback that reports progress of saves, writes
    /// and reads on this storage and all its clones. It may be called from worker threads.
    pub fn set_progress(&self, callback: Option<ProgressFn>) {
        self.inner.progress.set(callback);
    }

    /// Sets (or with `None` removes) the callback told of every HTTP request this
    /// storage makes, retries included, on the thread that made it: operation, name,
    /// status, bytes, seconds and attempt, never a secret. The in-memory store makes no
    /// requests and reports none.
    pub fn set_request_callback(&self, callback: Option<RequestFn>) {
        self.inner.requests.set(callback);
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
        self.objects().delete(&key)
    }

    pub(crate) fn info(&self, name: &str) -> Result<ObjectHead> {
        let key = self.key(name)?;
        self.head(&key)?.ok_or_else(|| not_found(&key))
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
        let mut prefix = names::object_key(&self.config().location, path)?;
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.ensure_bucket()?;
        let (mut dirs, mut files) = (Vec::new(), Vec::new());
        let mut marker: Option<String> = None;
        loop {
            let page = self.objects().list_page(&prefix, marker.as_deref(), true)?;
            for dir in page.prefixes {
                let dir = dir.strip_prefix(&prefix).unwrap_or(&dir);
                dirs.push(dir.trim_end_matches('/').to_string());
            }
            let keys = page.objects.into_iter().map(|object| object.key);
            for key in keys.filter(|key| *key != prefix) {
                files.push(key.strip_prefix(&prefix).unwrap_or(&key).to_string());
            }
            if page.next_marker.is_none() || page.next_marker == marker {
                break;
            }
            marker = page.next_marker;
        }
        Ok((dirs, files))
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
        let (mut found, mut markers) = (Vec::new(), (None, None));
        loop {
            let page = self
                .objects()
                .list_uploads_page(&prefix, markers.0, markers.1)?;
            for upload in page.uploads {
                let key = &upload.key;
                let name = key.strip_prefix(&prefix).unwrap_or(key).to_string();
                found.push((name, upload.upload_id));
            }
            let Some((key_marker, upload_id_marker)) = page.next else {
                break;
            };
            markers = (Some(key_marker), upload_id_marker);
        }
        Ok(found)
    }

    /// Django's `get_available_name`: with overwrite, the cleaned name (truncated to
    /// `max_length`); without, a name no object has yet (`_` + 7 random characters).
    pub fn get_available_name(&self, name: &str, max_length: Option<usize>) -> Result<String> {
        names::check_new_name(name)?;
        let name = names::clean_name(name);
        if self.config().file_overwrite {
            return names::available_overwrite_name(&name, max_length);
        }
        names::available_name(&name, max_length, |candidate| self.exists(candidate))
    }

    /// django-storages' `_get_write_parameters`: `AWS_S3_OBJECT_PARAMETERS`, then the
    /// guessed `ContentType` and `ContentEncoding` unless a type is given, the default
    /// ACL and server-side encryption unless the parameters say otherwise.
    pub(crate) fn object_parameters(
        &self,
        key: &str,
        per_save: Option<&Map<String, Json>>,
    ) -> Map<String, Json> {
        let config = self.config();
        let mut params = config.object_parameters.clone();
        if let Some(per_save) = per_save {
            params.extend(per_save.clone());
        }
        if !params.contains_key("ContentType") {
            let (guessed, encoding) = content_type::guess(key);
            let guessed = guessed.unwrap_or_else(|| "application/octet-stream".into());
            params.insert("ContentType".into(), guessed.into());
            if let Some(encoding) = encoding {
                params.insert("ContentEncoding".into(), encoding.into());
            }
        }
        if let Some(acl) = &config.default_acl {
            params.entry("ACL").or_insert_with(|| acl.clone().into());
        }
        if config.encryption {
            params
                .entry("ServerSideEncryption")
                .or_insert_with(|| "AES256".into());
        }
        params
    }

    /// Whether saved content with these parameters is gzipped (AWS_IS_GZIPPED).
    fn gzips(&self, params: &Map<String, Json>) -> bool {
        let content_type = params.get("ContentType").and_then(Json::as_str);
        self.config().gzip
            && !params.contains_key("ContentEncoding")
            && content_type.is_some_and(|content_type| {
                self.config()
                    .gzip_content_types
                    .iter()
                    .any(|gzipped| gzipped == content_type)
            })
    }

    /// Saves `content` under `name` (or the available name Django's rules give) and
    /// returns the name used, without `AWS_LOCATION`.
    ///
    /// Content is streamed: parts of `multipart_chunksize` go up in parallel, so a large
    /// source is never held in memory whole. With `AWS_S3_FILE_OVERWRITE=False` the write
    /// is create-only: if another writer takes the name first, another available name is
    /// chosen, so nothing is overwritten (a reader's bytes are then also copied to a
    /// temporary file on disk, to be sent again under the new name).
    pub fn save<R: Read>(&self, name: &str, content: R) -> Result<String> {
        self.save_with(name, content, &SaveOptions::default())
    }

    /// `save` with per-save object parameters and `max_length`.
    pub fn save_with<R: Read>(
        &self,
        name: &str,
        mut content: R,
        options: &SaveOptions,
    ) -> Result<String> {
        self.check_save(name, options)?;
        let replayable = !self.config().file_overwrite;
        let temp_dir = self.config().transfer.temp_dir.as_deref();
        let content = Content::stream(&mut content, replayable, temp_dir)?;
        self.save_content(name, content, None, options)
    }

    /// Saves a local file (streamed, never loaded whole), as `save`.
    pub fn save_file(&self, name: &str, path: impl AsRef<std::path::Path>) -> Result<String> {
        self.save_file_with(name, path, &SaveOptions::default())
    }

    /// `save_file` with per-save object parameters and `max_length`.
    pub fn save_file_with(
        &self,
        name: &str,
        path: impl AsRef<std::path::Path>,
        options: &SaveOptions,
    ) -> Result<String> {
        self.check_save(name, options)?;
        let path = path.as_ref();
        let file = std::fs::File::open(path)
            .map_err(|error| Error::io(&format!("opening {}", path.display()), error))?;
        let size = file.metadata().ok().map(|metadata| metadata.len());
        self.save_content(name, Content::file(file), size, options)
    }

    /// `save` of a buffer, with per-save options: read again from memory after a lost
    /// create-only race, never spooled to disk.
    pub fn save_bytes(&self, name: &str, data: &[u8], options: &SaveOptions) -> Result<String> {
        self.check_save(name, options)?;
        let size = Some(data.len() as u64);
        self.save_content(name, Content::bytes(data), size, options)
    }

    /// What a save checks before it reads or sends anything.
    pub(crate) fn check_save(&self, name: &str, options: &SaveOptions) -> Result<()> {
        names::check_new_name(name)?;
        names::validate_file_name(&name.replace('\\', "/"))?;
        match &options.parameters {
            Some(params) => object_parameters::validate_request(params, "object parameters"),
            None => Ok(()),
        }
    }

    /// Django's `Storage.save`: picks the name, uploads; after a lost create-only race,
    /// picks again from the original name (as Django's `get_available_name` does, with
    /// `max_length`) and sends the content again.
    fn save_content(
        &self,
        original: &str,
        mut content: Content<'_>,
        size: Option<u64>,
        options: &SaveOptions,
    ) -> Result<String> {
        self.write_under_available_name(original, options.max_length, |name, overwrite, again| {
            if again {
                content.rewind()?;
            }
            self.upload(name, &mut content, size, options, overwrite)
        })
    }

    /// Writes with `write(name, overwrite, again)` under the name `save` would pick:
    /// `get_available_name`, then create-only with `AWS_S3_FILE_OVERWRITE=False`; a
    /// create-only write that lost a race picks again from `original`. Gives the name.
    pub(crate) fn write_under_available_name(
        &self,
        original: &str,
        max_length: Option<usize>,
        mut write: impl FnMut(&str, Overwrite, bool) -> Result<()>,
    ) -> Result<String> {
        let mut name = self.get_available_name(original, max_length)?;
        names::validate_file_name(&name)?;
        self.ensure_bucket()?;
        let overwrite = match self.config().file_overwrite {
            true => Overwrite::Allowed,
            false => Overwrite::Refused,
        };
        for attempt in 0..CREATE_ONLY_ATTEMPTS {
            match write(&name, overwrite, attempt > 0) {
                Err(Error::AlreadyExists(_)) if overwrite == Overwrite::Refused => {
                    let taken = std::mem::take(&mut name);
                    name = self.get_available_name(original, max_length)?;
                    log::debug(|| {
                        format!("create-only write: '{taken}' was taken meanwhile; trying '{name}'")
                    });
                }
                other => return other.map(|()| name),
            }
        }
        Err(Error::AlreadyExists(format!(
            "could not find a free name for '{original}' after {CREATE_ONLY_ATTEMPTS} attempts"
        )))
    }

    /// One upload of `content` under `name`: a single PUT below the multipart threshold,
    /// parallel parts above it.
    fn upload(
        &self,
        name: &str,
        content: &mut Content<'_>,
        size: Option<u64>,
        options: &SaveOptions,
        overwrite: Overwrite,
    ) -> Result<()> {
        let key = self.key(name)?;
        let mut params = self.object_parameters(&key, options.parameters.as_ref());
        let gzip = self.gzips(&params);
        if gzip {
            params.insert("ContentEncoding".into(), "gzip".into());
        }
        let write = WriteParameters::from_parameters(&params)?;
        let mut reader: Box<dyn Read + '_> = match gzip {
            true => Box::new(GzEncoder::new(content, flate2::Compression::best())),
            false => Box::new(content),
        };
        let threshold = self.config().transfer.multipart_threshold as usize;
        let mut first = Vec::new();
        read_up_to(&mut reader, threshold, &mut first)?;
        if first.len() < threshold {
            self.objects().put(&key, &first, &write, overwrite)?;
            let reporter = self.reporter(name, Direction::Upload, None);
            reporter.finished(first.len() as u64);
            return Ok(());
        }
        let total = if gzip { None } else { size };
        let progress = self.reporter(name, Direction::Upload, total);
        let concurrency = self.config().transfer.max_concurrency;
        let objects = self.inner.objects.clone();
        let upload = Uploader::start(objects, &key, &write, concurrency, progress)?;
        let chunk = self.config().transfer.multipart_chunksize as usize;
        upload.upload_all(first, &mut reader, chunk, overwrite)
    }

    /// Opens `name`: `"r"`/`"rb"` to read (a missing object fails here), `"w"`/`"wb"` to
    /// write (committed by `close`), `"x"`/`"xb"` to write create-only (`AlreadyExists`
    /// here if the name is taken, or at `close` if it was taken meanwhile).
    pub fn open(&self, name: &str, mode: &str) -> Result<S3File> {
        self.open_with(name, mode, &SaveOptions::default())
    }

    /// `open` with per-file object parameters for a write mode (`options.parameters`,
    /// as for `save_with`); a read mode takes none.
    pub fn open_with(&self, name: &str, mode: &str, options: &SaveOptions) -> Result<S3File> {
        let (exclusive, mode) = (Mode::exclusive(mode), Mode::parse(mode)?);
        if mode == Mode::Write {
            names::check_new_name(name)?;
        }
        let key = self.key(name)?;
        let name = names::clean_name(name);
        if let Some(params) = &options.parameters {
            if mode == Mode::Read {
                return Err(Error::InvalidArgument(
                    "object parameters apply to write modes only".into(),
                ));
            }
            object_parameters::validate_request(params, "object parameters")?;
        }
        if mode == Mode::Write {
            self.ensure_bucket()?;
            let params = self.object_parameters(&key, options.parameters.as_ref());
            let write = WriteParameters::from_parameters(&params)?;
            if exclusive && self.head(&key)?.is_some() {
                return Err(Error::AlreadyExists(format!("File exists: {name}")));
            }
            let target = WriteTarget {
                objects: self.inner.objects.clone(),
                key,
                write,
                read: self.inner.read.clone(),
                part_size: self.config().transfer.file_buffer_size,
                concurrency: self.config().transfer.max_concurrency,
                progress: self.reporter(&name, Direction::Upload, None),
                overwrite: match exclusive {
                    true => Overwrite::Refused,
                    false => Overwrite::Allowed,
                },
            };
            return Ok(S3File::for_writing(name, target));
        }
        self.ensure_bucket()?;
        let (reader, info) = self.open_reader(&key, &name)?;
        let gzip = self.config().gzip && info.content_encoding.as_deref() == Some("gzip");
        S3File::for_reading(name, key, info.size, reader, gzip)
    }

    /// The verified sequential reader of `key` (stored bytes, not decoded) that
    /// `open(name, "rb")` and `download_to` read through, reading ahead as
    /// `AWS_S3_TRANSFER_CONFIG` says, with what its opening GET said of the object.
    pub(crate) fn open_reader(&self, key: &str, name: &str) -> Result<(RangedReader, ObjectHead)> {
        let (first, verifier) = self.open_verified(key)?;
        let info = first.info;
        let object = ObjectRef {
            objects: self.inner.objects.clone(),
            key: key.to_string(),
            etag: info.etag.clone(),
            read: self.inner.read.clone(),
        };
        let progress = self.reporter(name, Direction::Download, Some(info.size));
        let transfer = &self.config().transfer;
        let reader = RangedReader::new(
            object,
            (info.size, progress),
            (first.data, first.rest),
            verifier,
        )
        .with_read_ahead(
            transfer.read_ahead,
            (transfer.multipart_chunksize, transfer.max_concurrency),
        );
        Ok((reader, info))
    }

    /// The GET that opens `key` for reading. An object that came whole is checked
    /// against its full-object checksum now, and fetched once more if it does not match
    /// (then the mismatch is the error); a larger one is checked as it is read, by the
    /// verifier given back.
    fn open_verified(&self, key: &str) -> Result<(FirstWindow, Option<Verifier>)> {
        let mut attempt = 1;
        loop {
            let first = (self.objects())
                .get_first(key, FIRST_WINDOW, &self.inner.read)?
                .ok_or_else(|| not_found(key))?;
            let mut verifier = Verifier::new(first.info.checksum.clone());
            let whole = first.rest.is_none() && first.data.len() as u64 == first.info.size;
            let Some(check) = verifier.as_mut().filter(|_| whole) else {
                return Ok((first, verifier));
            };
            match check.observe(0, &first.data, first.info.size, key) {
                Ok(()) => return Ok((first, None)),
                Err(error) if attempt >= 2 => return Err(error),
                Err(error) => crate::log::warn(&format!("{error}; reading it again")),
            }
            attempt += 1;
        }
    }

    /// The URL of `name`, as `url(name)` in django-storages. Presigning sends nothing,
    /// but credentials that come from an endpoint may be renewed first.
    pub fn url(&self, name: &str) -> Result<String> {
        self.url_with(name, &UrlOptions::default())
    }

    /// `url(name, parameters, expire, http_method)`.
    pub fn url_with(&self, name: &str, options: &UrlOptions) -> Result<String> {
        let key = names::object_key(&self.config().location, name)?;
        object_urls::build(self.config(), self.objects(), &key, options)
    }
}
