//! The in-memory store: a bucket held in this process, selected by
//! `AWS_S3_ENDPOINT_URL=memory://NAME` (storages with the same NAME and bucket share
//! their objects), as object_store's `InMemory` or Django's `InMemoryStorage`: for
//! testing code that uses a storage without an S3 server.
//!
//! It keeps S3's semantics where the storage relies on them: create-only writes and
//! completions (`If-None-Match`) decided atomically under the bucket's lock, `If-Match`
//! on ranged reads, multipart uploads (parts of at least 5 MiB but the last, ETags as S3
//! makes them, aborted uploads gone), delimited listings in pages (`?max_keys=N` in the
//! URL makes them small), the upload's checksum kept with the object. Faults can be
//! injected into any call kind ([`inject_fault`]), transient (retried like the S3
//! store's requests) or persistent.

use crate::checksums::{ChecksumWhen, ObjectChecksum};
use crate::config::Config;
use crate::error::{Error, Result, S3Failure};
use crate::object_parameters::{AccessParameters, WriteParameters};
use crate::store::{
    BodyStream, CopyRequest, Destination, FirstWindow, KeyFailure, ListPage, Listed, ObjectBody,
    ObjectHead, ObjectStore, Overwrite, PendingUpload, Upload as StartedUpload, UploadChecksum,
    UploadedPart, UploadsPage, UrlRequest,
};
use once_cell::sync::Lazy;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

/// The smallest part S3 accepts but for the last one.
const MIN_PART: usize = 5 * 1024 * 1024;

/// The kinds of call a fault can be injected into (one per request kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Call {
    /// HEAD.
    Head,
    /// PUT of a whole object.
    Put,
    /// A GET (the first window of an open, or a range).
    Get,
    /// DELETE.
    Delete,
    /// DeleteObjects (a batch of keys).
    DeleteMany,
    /// CopyObject.
    Copy,
    /// UploadPartCopy.
    PartCopy,
    /// A listing page.
    List,
    /// A page of the multipart uploads in progress.
    ListUploads,
    /// CreateMultipartUpload.
    Start,
    /// UploadPart.
    Part,
    /// CompleteMultipartUpload.
    Complete,
    /// AbortMultipartUpload.
    Abort,
}

/// What an injected fault does to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The store answers 503 SlowDown (retried, as S3's throttling is).
    Unavailable,
    /// The connection is lost before the call is carried out (a network error; retried
    /// where the S3 store retries it: every call but Start and Complete).
    ConnectionLost,
    /// The store answers 500 InternalError without acting (retried).
    InternalError,
    /// The store refuses the call with 403 AccessDenied (never retried).
    AccessDenied,
    /// A GET's body arrives with one byte flipped, its length and the object's checksum
    /// intact (what a full read's checksum check must catch); an UploadPart's bytes are
    /// kept with one byte flipped after the part's checksum was taken (damage inside the
    /// store that only the completion's full-object checksum catches). Other calls
    /// ignore it.
    CorruptBody,
}

/// A stored object.
#[derive(Clone)]
struct Object {
    data: Arc<Vec<u8>>,
    etag: String,
    modified: SystemTime,
    content_encoding: Option<String>,
    /// The checksum the write carried, full-object or composite, as S3 keeps it.
    checksum: Option<ObjectChecksum>,
    /// Content-Type and user metadata, as the write gave them.
    described: Described,
}

/// What a write says of its object besides its bytes.
#[derive(Clone, Default)]
struct Described {
    content_type: String,
    metadata: Vec<(String, String)>,
}

impl Described {
    fn of(write: &WriteParameters) -> Described {
        let metadata = (write.create_headers().iter())
            .filter_map(|(name, value)| {
                let key = name
                    .to_ascii_lowercase()
                    .strip_prefix("x-amz-meta-")?
                    .to_string();
                Some((key, value.clone()))
            })
            .collect();
        Described {
            content_type: write.content_type.clone(),
            metadata,
        }
    }
}

/// A multipart upload in progress.
struct Upload {
    key: String,
    initiated: SystemTime,
    parts: BTreeMap<u32, (String, Arc<Vec<u8>>)>,
    content_encoding: Option<String>,
    checksum: Option<UploadChecksum>,
    described: Described,
}

#[derive(Default)]
struct State {
    objects: BTreeMap<String, Object>,
    uploads: BTreeMap<String, Upload>,
    next_upload: u64,
}

/// A fault waiting for its calls.
struct Rule {
    call: Call,
    fault: Fault,
    remaining: usize,
}

/// One bucket's state, shared by every storage on it.
#[derive(Default)]
struct Bucket {
    state: Mutex<State>,
    faults: Mutex<Vec<Rule>>,
    /// How many calls of each kind were made (attempts included).
    calls: Mutex<HashMap<Call, usize>>,
}

/// In-memory buckets by (store name, bucket name).
type Buckets = HashMap<(String, String), Arc<Bucket>>;

/// Every in-memory bucket of the process.
static BUCKETS: Lazy<Mutex<Buckets>> = Lazy::new(Default::default);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn bucket(name: &str, bucket: &str) -> Arc<Bucket> {
    let key = (name.to_string(), bucket.to_string());
    lock(&BUCKETS).entry(key).or_default().clone()
}

/// Makes the next `times` calls of kind `call` on the in-memory store `name` (all its
/// buckets) meet `fault`: once is transient for a retried call, more than the storage's
/// attempts is persistent. Gives an error if no storage has opened that store yet.
pub fn inject_fault(name: &str, call: Call, fault: Fault, times: usize) -> Result<()> {
    let buckets: Vec<Arc<Bucket>> = (lock(&BUCKETS).iter())
        .filter(|((store, _), _)| store == name)
        .map(|(_, bucket)| bucket.clone())
        .collect();
    if buckets.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "no in-memory store named {name:?}: open a storage on memory://{name} first"
        )));
    }
    for bucket in buckets {
        lock(&bucket.faults).push(Rule {
            call,
            fault,
            remaining: times,
        });
    }
    Ok(())
}

/// Removes the faults still waiting on the in-memory store `name`; gives how many calls
/// they had left to hit (0: every injected fault fired as often as it was told).
pub fn clear_faults(name: &str) -> usize {
    let buckets = lock(&BUCKETS);
    let mut left = 0;
    for ((store, _), bucket) in buckets.iter() {
        if store == name {
            left += lock(&bucket.faults)
                .drain(..)
                .map(|rule| rule.remaining)
                .sum::<usize>();
        }
    }
    left
}

/// How many calls of kind `call` the in-memory store `name` has served (all its buckets;
/// each retried attempt counts), e.g. to check how many parts a save sent.
pub fn calls(name: &str, call: Call) -> usize {
    let buckets = lock(&BUCKETS);
    (buckets.iter())
        .filter(|((store, _), _)| store == name)
        .map(|(_, bucket)| lock(&bucket.calls).get(&call).copied().unwrap_or(0))
        .sum()
}

/// Forgets the in-memory store `name`: its objects, uploads and faults (storages still
/// open on it keep their own reference until they are dropped).
pub fn forget(name: &str) {
    lock(&BUCKETS).retain(|(store, _), _| store != name);
}

/// The store name of a `memory://NAME[?max_keys=N]` endpoint, and its page size.
pub(crate) use crate::settings::memory_endpoint as parse_endpoint;

/// One storage's view of an in-memory bucket.
pub(crate) struct MemoryStore {
    name: String,
    bucket_name: String,
    bucket: Arc<Bucket>,
    page: usize,
    max_attempts: u32,
    /// `request_checksum_calculation` (the profile is not read: no AWS here).
    checksums: ChecksumWhen,
    /// `response_checksum_validation`.
    response_checksums: ChecksumWhen,
}

fn failure(operation: &str, status: u16, code: &str, message: &str) -> S3Failure {
    S3Failure {
        operation: operation.to_string(),
        status,
        code: code.into(),
        message: message.into(),
        request_id: String::new(),
    }
}

/// A create-only write or completion that found the key taken (S3's 412).
fn precondition_failed(operation: &str) -> Error {
    let message = "At least one of the pre-conditions you specified did not hold";
    Error::AlreadyExists(failure(operation, 412, "PreconditionFailed", message).to_string())
}

fn quoted_md5(data: &[u8]) -> String {
    format!("\"{:x}\"", md5::compute(data))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    (headers.iter())
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

impl MemoryStore {
    /// The store of a `memory://` endpoint for `config`'s bucket.
    pub fn open(config: &Config, name: String, page: usize) -> MemoryStore {
        MemoryStore {
            bucket: bucket(&name, &config.bucket_name),
            bucket_name: config.bucket_name.clone(),
            name,
            page,
            max_attempts: config.http.max_attempts.max(1),
            checksums: config.http.request_checksums.unwrap_or_default(),
            response_checksums: config.http.response_checksums.unwrap_or_default(),
        }
    }

    /// Runs `act` as the store's requests run: an injected fault first, retried as the
    /// S3 store retries (every fault but AccessDenied; a lost connection only where the
    /// call is idempotent), up to the storage's attempts.
    fn call<T>(&self, call: Call, operation: &str, act: impl FnOnce() -> Result<T>) -> Result<T> {
        let idempotent = !matches!(call, Call::Start | Call::Complete);
        let mut attempt = 1;
        loop {
            *lock(&self.bucket.calls).entry(call).or_default() += 1;
            let error = match self.take_fault(call) {
                None => return act(),
                Some(Fault::Unavailable) => Error::Server(failure(
                    operation,
                    503,
                    "SlowDown",
                    "Please reduce your request rate.",
                )),
                Some(Fault::InternalError) => {
                    Error::Server(failure(operation, 500, "InternalError", "injected"))
                }
                Some(Fault::AccessDenied) => {
                    return Err(Error::AccessDenied(failure(
                        operation,
                        403,
                        "AccessDenied",
                        "injected",
                    )))
                }
                Some(Fault::ConnectionLost) if !idempotent => {
                    return Err(Error::network(format!(
                        "{operation}: the connection was lost (injected)"
                    )))
                }
                Some(Fault::ConnectionLost) => {
                    Error::network(format!("{operation}: the connection was lost (injected)"))
                }
                Some(Fault::CorruptBody) => unreachable!("take_fault leaves CorruptBody"),
            };
            if attempt >= self.max_attempts {
                return Err(match error {
                    Error::Network { message, .. } => {
                        Error::network(format!("{message} (after {attempt} attempts)"))
                    }
                    other => other,
                });
            }
            attempt += 1;
        }
    }

    fn take_fault(&self, call: Call) -> Option<Fault> {
        self.take_rule(|rule| rule.call == call && rule.fault != Fault::CorruptBody)
    }

    fn take_rule(&self, matches: impl Fn(&Rule) -> bool) -> Option<Fault> {
        let mut faults = lock(&self.bucket.faults);
        let rule = faults
            .iter_mut()
            .find(|rule| rule.remaining > 0 && matches(rule))?;
        rule.remaining -= 1;
        Some(rule.fault)
    }

    /// The object's bytes as this GET of `[start, end)` delivers them: with one byte
    /// flipped in the middle of that range when a `CorruptBody` fault is waiting.
    fn delivered(&self, data: &Arc<Vec<u8>>, (start, end): (usize, usize)) -> Arc<Vec<u8>> {
        let intact = data.is_empty()
            || (self.take_rule(|rule| rule.call == Call::Get && rule.fault == Fault::CorruptBody))
                .is_none();
        if intact {
            return data.clone();
        }
        let mut damaged = data.as_ref().clone();
        let last = damaged.len() - 1;
        let (start, end) = (start.min(last), end.min(damaged.len()));
        let middle = (start + end.saturating_sub(start) / 2).min(last);
        damaged[middle] ^= 0x01;
        Arc::new(damaged)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.bucket.state)
    }

    /// What a GET or HEAD says of `object` (its checksum only when reads check them).
    fn info(&self, object: &Object) -> ObjectHead {
        let checks = self.response_checksums == ChecksumWhen::Supported;
        ObjectHead {
            size: object.data.len() as u64,
            content_encoding: object.content_encoding.clone(),
            modified: Some(object.modified),
            etag: Some(object.etag.clone()),
            checksum: object.checksum.clone().filter(|_| checks),
            content_type: Some(object.described.content_type.clone()),
            metadata: object.described.metadata.clone(),
            version_id: None,
        }
    }

    /// Stores `object` at `key` unless `overwrite` refuses a taken key: one decision under
    /// the bucket's lock, so racing create-only writers never overwrite each other.
    fn store(
        &self,
        key: &str,
        object: Object,
        overwrite: Overwrite,
        operation: &str,
    ) -> Result<()> {
        let mut state = self.state();
        if overwrite == Overwrite::Refused && state.objects.contains_key(key) {
            return Err(precondition_failed(operation));
        }
        state.objects.insert(key.to_string(), object);
        Ok(())
    }

    fn upload_of<'a>(
        state: &'a mut State,
        upload_id: &str,
        operation: &str,
    ) -> Result<&'a mut Upload> {
        state.uploads.get_mut(upload_id).ok_or_else(|| {
            Error::Server(failure(
                operation,
                404,
                "NoSuchUpload",
                "The specified upload does not exist.",
            ))
        })
    }
}

/// A body served from memory.
struct MemoryBody {
    data: Arc<Vec<u8>>,
    at: usize,
    end: usize,
}

impl std::io::Read for MemoryBody {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = out.len().min(self.end - self.at);
        out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl BodyStream for MemoryBody {}

impl ObjectStore for MemoryStore {
    fn destination(&self) -> Destination {
        Destination {
            endpoint: format!("memory://{}", self.name),
            region: "memory".into(),
            path_style: true,
            credentials: "none: the in-memory store takes no credentials".into(),
        }
    }

    fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    fn pause_before_retry(&self, _operation: &str, _reason: &str, _attempt: u32) -> bool {
        true // nothing to wait for, no quota to spend
    }

    fn create_bucket(&self, _acl: Option<&str>) -> Result<()> {
        Ok(())
    }

    fn head(&self, key: &str, _read: &AccessParameters) -> Result<Option<ObjectHead>> {
        self.call(Call::Head, &format!("HEAD {key}"), || {
            Ok(self
                .state()
                .objects
                .get(key)
                .map(|object| self.info(object)))
        })
    }

    fn put(
        &self,
        key: &str,
        body: &[u8],
        write: &WriteParameters,
        overwrite: Overwrite,
    ) -> Result<()> {
        let operation = format!("PUT {key}");
        self.call(Call::Put, &operation, || {
            let checksum = write
                .checksum(self.checksums)
                .map(|algorithm| ObjectChecksum {
                    algorithm,
                    value: algorithm.compute(body),
                    full_object: true,
                });
            let object = Object {
                data: Arc::new(body.to_vec()),
                etag: quoted_md5(body),
                modified: SystemTime::now(),
                content_encoding: header(write.create_headers(), "content-encoding")
                    .map(str::to_string),
                checksum,
                described: Described::of(write),
            };
            self.store(key, object, overwrite, &operation)
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.call(Call::Delete, &format!("DELETE {key}"), || {
            self.state().objects.remove(key);
            Ok(())
        })
    }

    fn copy_object(&self, copy: &CopyRequest<'_>, overwrite: Overwrite) -> Result<()> {
        let operation = format!("CopyObject {} -> {}", copy.source, copy.key);
        self.call(Call::Copy, &operation, || {
            let source = (self.state().objects.get(copy.source).cloned())
                .ok_or_else(|| Error::NotFound(format!("File does not exist: {}", copy.source)))?;
            let mut object = Object {
                modified: SystemTime::now(),
                ..source
            };
            if let Some(write) = copy.replace {
                object.described = Described::of(write);
                object.content_encoding =
                    header(write.create_headers(), "content-encoding").map(str::to_string);
            }
            self.store(copy.key, object, overwrite, &operation)
        })
    }

    fn upload_part_copy(
        &self,
        copy: &CopyRequest<'_>,
        started: &StartedUpload,
        (number, (start, end)): (u32, (u64, u64)),
    ) -> Result<UploadedPart> {
        let operation = format!("UploadPartCopy {} #{number}", copy.key);
        self.call(Call::PartCopy, &operation, || {
            let mut state = self.state();
            let source = (state.objects.get(copy.source))
                .ok_or_else(|| Error::NotFound(format!("File does not exist: {}", copy.source)))?;
            if copy.source_etag.is_some_and(|etag| etag != source.etag) {
                return Err(Error::BadState(format!(
                    "{operation}: the source {} was replaced during the copy",
                    copy.source
                )));
            }
            let end = (end as usize).min(source.data.len());
            let data = source.data[(start as usize).min(end)..end].to_vec();
            let upload = MemoryStore::upload_of(&mut state, &started.id, &operation)?;
            let etag = quoted_md5(&data);
            let checksum = (started.checksum)
                .map(|checksum| (checksum.algorithm, checksum.algorithm.compute(&data)));
            upload.parts.insert(number, (etag.clone(), Arc::new(data)));
            Ok(UploadedPart {
                number,
                etag,
                checksum,
            })
        })
    }

    fn delete_batch(&self, keys: &[String]) -> Result<Vec<KeyFailure>> {
        let operation = format!("DeleteObjects {} ({} keys)", self.bucket_name, keys.len());
        self.call(Call::DeleteMany, &operation, || {
            let mut state = self.state();
            for key in keys {
                state.objects.remove(key);
            }
            Ok(Vec::new())
        })
    }

    fn get_range(
        &self,
        key: &str,
        (start, end): (u64, u64),
        if_match: Option<&str>,
        _read: &AccessParameters,
    ) -> Result<ObjectBody> {
        let operation = format!("GET {key} bytes {start}-{}", end.saturating_sub(1));
        self.call(Call::Get, &operation, || {
            let state = self.state();
            let object = (state.objects.get(key))
                .ok_or_else(|| Error::NotFound(format!("File does not exist: {key}")))?;
            if if_match.is_some_and(|etag| etag != object.etag) {
                return Err(Error::BadState(format!(
                    "{operation}: the object was replaced while it was being read"
                )));
            }
            let size = object.data.len();
            let end = (end as usize).min(size);
            Ok(ObjectBody::new(MemoryBody {
                data: self.delivered(&object.data, (start as usize, end)),
                at: (start as usize).min(end),
                end,
            }))
        })
    }

    fn get_first(
        &self,
        key: &str,
        len: u64,
        _read: &AccessParameters,
    ) -> Result<Option<FirstWindow>> {
        self.call(
            Call::Get,
            &format!("GET {key} bytes 0-{}", len.saturating_sub(1)),
            || {
                let state = self.state();
                let Some(object) = state.objects.get(key) else {
                    return Ok(None);
                };
                let data = self.delivered(&object.data, (0, object.data.len()));
                let first = data.len().min(len as usize);
                let rest = (first < data.len()).then(|| {
                    ObjectBody::new(MemoryBody {
                        data: data.clone(),
                        at: first,
                        end: data.len(),
                    })
                });
                Ok(Some(FirstWindow {
                    info: self.info(object),
                    data: data[..first].to_vec(),
                    rest,
                }))
            },
        )
    }

    fn list_page(&self, prefix: &str, marker: Option<&str>, delimited: bool) -> Result<ListPage> {
        let objects = || {
            let state = self.state();
            Ok(list(&state.objects, (prefix, marker), self.page, delimited))
        };
        self.call(
            Call::List,
            &format!("LIST {}/{prefix}", self.bucket_name),
            objects,
        )
    }

    fn list_uploads_page(
        &self,
        prefix: &str,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
    ) -> Result<UploadsPage> {
        let operation = format!("ListMultipartUploads {}/{prefix}", self.bucket_name);
        self.call(Call::ListUploads, &operation, || {
            let state = self.state();
            let mut pending: Vec<(&String, &String, SystemTime)> = (state.uploads.iter())
                .filter(|(_, upload)| upload.key.starts_with(prefix))
                .map(|(id, upload)| (&upload.key, id, upload.initiated))
                .filter(|(key, id, _)| match (&key_marker, &upload_id_marker) {
                    (None, _) => true,
                    (Some(marker), None) => *key > marker,
                    (Some(marker), Some(id_marker)) => (*key, *id) > (marker, id_marker),
                })
                .collect();
            pending.sort();
            let truncated = pending.len() > self.page;
            pending.truncate(self.page);
            let next = match (truncated, pending.last()) {
                (true, Some((key, id, _))) => Some(((*key).clone(), Some((*id).clone()))),
                _ => None,
            };
            let uploads = (pending.into_iter())
                .map(|(key, id, initiated)| PendingUpload {
                    key: key.clone(),
                    upload_id: id.clone(),
                    initiated: Some(initiated),
                })
                .collect();
            Ok(UploadsPage { uploads, next })
        })
    }

    fn create_multipart(&self, key: &str, write: &WriteParameters) -> Result<StartedUpload> {
        self.call(Call::Start, &format!("CreateMultipartUpload {key}"), || {
            let mut state = self.state();
            state.next_upload += 1;
            let id = format!("memory-upload-{}", state.next_upload);
            let upload = Upload {
                key: key.to_string(),
                initiated: SystemTime::now(),
                parts: BTreeMap::new(),
                content_encoding: header(write.create_headers(), "content-encoding")
                    .map(str::to_string),
                checksum: write
                    .checksum(self.checksums)
                    .map(|algorithm| UploadChecksum {
                        algorithm,
                        full_object: algorithm.has_full_object_form(),
                    }),
                described: Described::of(write),
            };
            let checksum = upload.checksum;
            state.uploads.insert(id.clone(), upload);
            Ok(StartedUpload { id, checksum })
        })
    }

    fn upload_part(
        &self,
        key: &str,
        started: &StartedUpload,
        (number, data): (u32, &[u8]),
        _write: &WriteParameters,
    ) -> Result<UploadedPart> {
        let operation = format!("UploadPart {key} #{number}");
        self.call(Call::Part, &operation, || {
            let mut state = self.state();
            let upload = MemoryStore::upload_of(&mut state, &started.id, &operation)?;
            let etag = quoted_md5(data);
            let checksum = (started.checksum)
                .map(|checksum| (checksum.algorithm, checksum.algorithm.compute(data)));
            let mut kept = data.to_vec();
            let damaged = |rule: &Rule| rule.call == Call::Part && rule.fault == Fault::CorruptBody;
            if !kept.is_empty() && self.take_rule(damaged).is_some() {
                let middle = kept.len() / 2;
                kept[middle] ^= 0x01;
            }
            upload.parts.insert(number, (etag.clone(), Arc::new(kept)));
            Ok(UploadedPart {
                number,
                etag,
                checksum,
            })
        })
    }

    fn complete(
        &self,
        key: &str,
        started: &StartedUpload,
        mut parts: Vec<UploadedPart>,
        (_write, overwrite, whole): (&WriteParameters, Overwrite, Option<String>),
    ) -> Result<()> {
        let operation = format!("CompleteMultipartUpload {key}");
        let upload_id = started.id.as_str();
        self.call(Call::Complete, &operation, || {
            parts.sort_by_key(|part| part.number);
            let mut state = self.state();
            let upload = MemoryStore::upload_of(&mut state, upload_id, &operation)?;
            let object = assemble(upload, &parts, (&operation, whole))?;
            if overwrite == Overwrite::Refused && state.objects.contains_key(key) {
                return Err(precondition_failed(&operation));
            }
            state.uploads.remove(upload_id);
            state.objects.insert(key.to_string(), object);
            Ok(())
        })
    }

    fn abort(&self, key: &str, upload_id: &str, _write: &WriteParameters) -> Result<()> {
        let operation = format!("AbortMultipartUpload {key}");
        self.call(Call::Abort, &operation, || {
            let mut state = self.state();
            MemoryStore::upload_of(&mut state, upload_id, &operation)?;
            state.uploads.remove(upload_id);
            Ok(())
        })
    }

    fn presigned_post(
        &self,
        _key: &str,
        _conditions: &[serde_json::Value],
        _expire: u64,
    ) -> Result<crate::store::PresignedPost> {
        Err(Error::BadState(
            "a presigned POST is a browser upload over HTTP: the in-memory store has no \
             HTTP endpoint to receive it"
                .into(),
        ))
    }

    fn url(&self, request: &UrlRequest<'_>) -> Result<String> {
        let key = crate::object_urls::filepath_to_uri(request.key);
        Ok(format!("memory://{}/{}/{key}", self.name, self.bucket_name))
    }
}

/// The object the listed parts of `upload` make, checked as S3 checks a completion.
fn assemble(
    upload: &Upload,
    parts: &[UploadedPart],
    (operation, whole): (&str, Option<String>),
) -> Result<Object> {
    if parts.is_empty() {
        return Err(Error::Server(failure(
            operation,
            400,
            "MalformedXML",
            "no parts",
        )));
    }
    let (mut data, mut digests) = (Vec::new(), Vec::new());
    for (index, part) in parts.iter().enumerate() {
        let invalid = || {
            Error::Server(failure(
                operation,
                400,
                "InvalidPart",
                "One or more of the specified parts could not be found.",
            ))
        };
        let (etag, bytes) = upload.parts.get(&part.number).ok_or_else(invalid)?;
        if *etag != part.etag {
            return Err(invalid());
        }
        if index + 1 < parts.len() && bytes.len() < MIN_PART {
            return Err(Error::Server(failure(
                operation,
                400,
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )));
        }
        digests.extend_from_slice(&md5::compute(bytes.as_slice()).0);
        data.extend_from_slice(bytes);
    }
    let checksum = match upload.checksum {
        Some(checksum) => Some(upload_checksum(checksum, &data, parts, (operation, whole))?),
        None => None,
    };
    Ok(Object {
        etag: format!("\"{:x}-{}\"", md5::compute(&digests), parts.len()),
        data: Arc::new(data),
        modified: SystemTime::now(),
        content_encoding: upload.content_encoding.clone(),
        checksum,
        described: upload.described.clone(),
    })
}

/// The checksum S3 keeps for a completed upload: the whole's, checked against the one
/// the completion declared (BadDigest if they differ), or the composite of the parts'.
fn upload_checksum(
    checksum: UploadChecksum,
    data: &[u8],
    parts: &[UploadedPart],
    (operation, whole): (&str, Option<String>),
) -> Result<ObjectChecksum> {
    let algorithm = checksum.algorithm;
    if checksum.full_object {
        let value = algorithm.compute(data);
        if whole.as_ref().is_some_and(|declared| *declared != value) {
            return Err(Error::Server(failure(
                operation,
                400,
                "BadDigest",
                "The full-object checksum you specified did not match the parts.",
            )));
        }
        return Ok(ObjectChecksum {
            algorithm,
            value,
            full_object: true,
        });
    }
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let mut joined = Vec::new();
    for (_, value) in parts.iter().filter_map(|part| part.checksum.as_ref()) {
        joined.extend(engine.decode(value).unwrap_or_default());
    }
    Ok(ObjectChecksum {
        algorithm,
        value: format!("{}-{}", algorithm.compute(&joined), parts.len()),
        full_object: false,
    })
}

/// One page of the listing of `prefix` after `marker`, as S3 gives it: keys (and, when
/// `delimited`, common prefixes grouped by `/`) in order, at most `page` of them together.
fn list(
    objects: &BTreeMap<String, Object>,
    (prefix, marker): (&str, Option<&str>),
    page: usize,
    delimited: bool,
) -> ListPage {
    let mut listed = ListPage::default();
    let mut count = 0;
    let after = |key: &String| marker.is_none_or(|marker| key.as_str() > marker);
    for (key, object) in (objects.iter())
        .filter(|(key, _)| key.starts_with(prefix))
        .filter(|(key, _)| after(key))
    {
        let rest = &key[prefix.len()..];
        let common = match rest.find('/').filter(|_| delimited) {
            Some(slash) => {
                let common = format!("{prefix}{}", &rest[..=slash]);
                if listed.prefixes.last() == Some(&common)
                    || marker.is_some_and(|m| common.as_str() <= m)
                {
                    continue;
                }
                Some(common)
            }
            None => None,
        };
        if count == page {
            let keys = listed.objects.iter().map(|object| &object.key);
            listed.next_marker = listed.prefixes.iter().chain(keys).max().cloned();
            return listed;
        }
        count += 1;
        match common {
            Some(common) => listed.prefixes.push(common),
            None => listed.objects.push(Listed {
                key: key.clone(),
                size: object.data.len() as u64,
                modified: Some(object.modified),
                etag: Some(object.etag.clone()),
            }),
        }
    }
    listed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(keys: &[&str]) -> BTreeMap<String, Object> {
        keys.iter()
            .map(|key| {
                let object = Object {
                    data: Arc::new(Vec::new()),
                    etag: quoted_md5(b""),
                    modified: SystemTime::now(),
                    content_encoding: None,
                    checksum: None,
                    described: Described::default(),
                };
                (key.to_string(), object)
            })
            .collect()
    }

    fn keys(page: &ListPage) -> Vec<String> {
        page.objects
            .iter()
            .map(|object| object.key.clone())
            .collect()
    }

    #[test]
    fn listings_page_through_keys_and_prefixes() {
        let objects = objects(&["a/1", "a/2", "b", "c/x/y", "c/z", "d"]);
        let page = list(&objects, ("", None), 2, true);
        assert_eq!(
            (page.prefixes.clone(), keys(&page)),
            (vec!["a/".to_string()], vec!["b".to_string()])
        );
        assert_eq!(page.next_marker.as_deref(), Some("b"));
        let page = list(&objects, ("", Some("b")), 2, true);
        assert_eq!(
            (page.prefixes.clone(), keys(&page)),
            (vec!["c/".to_string()], vec!["d".to_string()])
        );
        assert_eq!(page.next_marker, None);
        let page = list(&objects, ("c/", None), 10, true);
        assert_eq!(
            (page.prefixes.clone(), keys(&page)),
            (vec!["c/x/".to_string()], vec!["c/z".to_string()])
        );
    }

    #[test]
    fn endpoints_name_the_store() {
        assert_eq!(
            parse_endpoint("memory://t").unwrap().unwrap(),
            ("t".into(), 1000)
        );
        assert_eq!(
            parse_endpoint("memory://t?max_keys=3").unwrap().unwrap(),
            ("t".into(), 3)
        );
        assert!(parse_endpoint("memory://").unwrap().is_err());
        assert!(parse_endpoint("memory://a/b").unwrap().is_err());
        assert!(parse_endpoint("memory://t?x=1").unwrap().is_err());
        assert!(parse_endpoint("http://t").is_none());
    }
}
