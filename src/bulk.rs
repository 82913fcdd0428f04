//! Many objects at once: `delete_many` and `delete_prefix` send DeleteObjects batches of
//! 1,000 keys; `delete_prefix` streams the listing into them, so memory holds one page
//! and a batch per thread whatever the number of keys. Batches go on as many threads
//! as the pool holds connections (`max_pool_connections`, botocore's 10 by default): a
//! batch is small to send and long for the server to carry out (0.3–0.7 s for 1,000
//! keys on SeaweedFS), so they are bound by connections, not by memory.

use crate::error::{Error, Result, S3Failure};
use crate::listing::Listing;
use crate::store::ObjectStore;
use std::sync::Mutex;

/// The most keys one DeleteObjects takes.
const BATCH: usize = 1000;

/// A name `delete_many` or `delete_prefix` did not delete, and the server's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteFailure {
    /// The name, without `AWS_LOCATION`.
    pub name: String,
    /// The S3 error code (`AccessDenied`, ...).
    pub code: String,
    /// The S3 error message.
    pub message: String,
}

/// Deletes `keys` in batches, `concurrency` at once; gives the names not deleted
/// (`location` taken off).
pub(crate) fn delete_keys(
    objects: &dyn ObjectStore,
    keys: &[String],
    (location, concurrency): (&str, usize),
) -> Result<Vec<DeleteFailure>> {
    let batches = keys.chunks(BATCH).map(|batch| Ok(batch.to_vec()));
    Ok(delete_batches(objects, batches, (location, concurrency))?.1)
}

/// What the batches deleted: how many keys, and the names not deleted.
type Outcome = (u64, Vec<DeleteFailure>);

/// Sends each batch as one DeleteObjects on up to `concurrency` threads while the next
/// batches are gathered (at most `concurrency` more wait, so memory stays bounded); the
/// names not deleted come back in the batches' order. The first error (of the batches'
/// source or of a request) stops the gathering, the batches still queued are not sent,
/// and it is the outcome once the requests in flight are done.
fn delete_batches(
    objects: &dyn ObjectStore,
    batches: impl Iterator<Item = Result<Vec<String>>>,
    (location, concurrency): (&str, usize),
) -> Result<Outcome> {
    type Tagged = (u64, Vec<(usize, DeleteFailure)>);
    let outcome: Mutex<Result<Tagged>> = Mutex::new(Ok((0, Vec::new())));
    let failed = || outcome.lock().unwrap_or_else(|p| p.into_inner()).is_err();
    let record = |index: usize, result: Result<Outcome>| {
        let mut total = outcome.lock().unwrap_or_else(|p| p.into_inner());
        match (&mut *total, result) {
            (Ok((deleted, failures)), Ok((more, failed))) => {
                *deleted += more;
                failures.extend(failed.into_iter().map(|failure| (index, failure)));
            }
            (Ok(_), Err(error)) => *total = Err(error),
            (Err(_), _) => {}
        }
    };
    let (send, receive) = std::sync::mpsc::sync_channel::<(usize, Vec<String>)>(concurrency);
    let receive = Mutex::new(receive);
    std::thread::scope(|scope| {
        for _ in 0..concurrency.max(1) {
            let (receive, record) = (&receive, &record);
            scope.spawn(move || loop {
                let batch = receive.lock().unwrap_or_else(|p| p.into_inner()).recv();
                let Ok((index, batch)) = batch else { return };
                if !failed() {
                    record(index, delete_batch(objects, &batch, location));
                }
            });
        }
        for (index, batch) in batches.enumerate() {
            match batch {
                Ok(batch) if !failed() => {
                    if send.send((index, batch)).is_err() {
                        break;
                    }
                }
                Ok(_) => break,
                Err(error) => {
                    record(index, Err(error));
                    break;
                }
            }
        }
        drop(send); // the workers finish what is queued, then stop
    });
    let (deleted, mut failures) = outcome.into_inner().unwrap_or_else(|p| p.into_inner())?;
    failures.sort_by_key(|(index, _)| *index); // stable: each batch's own order kept
    Ok((
        deleted,
        failures.into_iter().map(|(_, failure)| failure).collect(),
    ))
}

/// One DeleteObjects: how many keys it deleted, and the names it did not.
fn delete_batch(objects: &dyn ObjectStore, batch: &[String], location: &str) -> Result<Outcome> {
    let failures: Vec<DeleteFailure> = (objects.delete_batch(batch)?)
        .into_iter()
        .map(|failure| DeleteFailure {
            name: (failure.key.strip_prefix(location))
                .unwrap_or(&failure.key)
                .to_string(),
            code: failure.code,
            message: failure.message,
        })
        .collect();
    Ok((batch.len().saturating_sub(failures.len()) as u64, failures))
}

/// Deletes every object `listing` gives, a batch at a time, `concurrency` batches at
/// once; gives how many keys were deleted. Any key not deleted fails the call (after the
/// rest were tried), naming how many and the first.
pub(crate) fn delete_listed(
    objects: &dyn ObjectStore,
    listing: Listing,
    (location, concurrency): (&str, usize),
) -> Result<u64> {
    let mut entries = listing.map(|entry| entry.map(|info| format!("{location}{}", info.name)));
    let batches = std::iter::from_fn(|| {
        let mut batch = Vec::with_capacity(BATCH);
        for entry in entries.by_ref() {
            match entry {
                Ok(key) => batch.push(key),
                Err(error) => return Some(Err(error)),
            }
            if batch.len() == BATCH {
                break;
            }
        }
        (!batch.is_empty()).then_some(Ok(batch))
    });
    let (deleted, failures) = delete_batches(objects, batches, (location, concurrency))?;
    match failures.first() {
        None => Ok(deleted),
        Some(first) => Err(Error::Server(S3Failure {
            operation: format!("DeleteObjects under {location}"),
            status: 200,
            code: first.code.clone(),
            message: format!(
                "{} of {} objects were not deleted; the first, {}: {}",
                failures.len(),
                deleted + failures.len() as u64,
                first.name,
                first.message
            ),
            request_id: String::new(),
        })),
    }
}
