//! Many objects at once: `delete_many` and `delete_prefix` send DeleteObjects batches of
//! 1,000 keys; `delete_prefix` streams the listing into them, so memory holds one page
//! and one batch whatever the number of keys.

use crate::error::{Error, Result, S3Failure};
use crate::listing::Listing;
use crate::store::ObjectStore;

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

/// Deletes `keys` in batches; gives the names not deleted (`location` taken off).
pub(crate) fn delete_keys(
    objects: &dyn ObjectStore,
    keys: &[String],
    location: &str,
) -> Result<Vec<DeleteFailure>> {
    let mut failures = Vec::new();
    for batch in keys.chunks(BATCH) {
        for failure in objects.delete_batch(batch)? {
            failures.push(DeleteFailure {
                name: failure
                    .key
                    .strip_prefix(location)
                    .unwrap_or(&failure.key)
                    .to_string(),
                code: failure.code,
                message: failure.message,
            });
        }
    }
    Ok(failures)
}

/// Deletes every object `listing` gives, a batch at a time; gives how many keys were
/// deleted. Any key not deleted fails the call (after the rest were tried), naming how
/// many and the first.
pub(crate) fn delete_listed(
    objects: &dyn ObjectStore,
    listing: Listing,
    location: &str,
) -> Result<u64> {
    let (mut deleted, mut failures, mut batch) = (0u64, Vec::new(), Vec::with_capacity(BATCH));
    let mut entries = listing.map(|entry| entry.map(|info| format!("{location}{}", info.name)));
    loop {
        let next = entries.next().transpose()?;
        if let Some(key) = &next {
            batch.push(key.clone());
        }
        if batch.len() == BATCH || (next.is_none() && !batch.is_empty()) {
            let failed = delete_keys(objects, &batch, location)?;
            deleted += batch.len().saturating_sub(failed.len()) as u64;
            failures.extend(failed);
            batch.clear();
        }
        if next.is_none() {
            break;
        }
    }
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
