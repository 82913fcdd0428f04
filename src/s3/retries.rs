//! When a failed request is tried again, as the AWS SDKs' standard retry mode: the
//! attempts of one request, a backoff with jitter between them (or the server's
//! `x-amz-retry-after`, clamped), and a retry quota shared by all of one storage's
//! requests, so that a storage facing a dead or overloaded endpoint stops multiplying
//! its requests (botocore's `RetryQuotaChecker`: 500 tokens, a retry costs 5, a retry
//! after a timeout 10, a success gives back what its retry took, or 1).

use rand::Rng;
use std::sync::Mutex;
use std::time::Duration;

/// The quota's capacity.
const CAPACITY: u32 = 500;
/// What a retry takes.
const RETRY_COST: u32 = 5;
/// What a retry after a timeout takes.
const TIMEOUT_RETRY_COST: u32 = 10;
/// What a success that needed no retry gives back.
const NO_RETRY_INCREMENT: u32 = 1;
/// The longest wait before a retry, whatever the server asks.
const MAX_DELAY: Duration = Duration::from_secs(20);

/// One storage's retry quota (none in botocore's legacy mode).
pub(crate) struct RetryQuota {
    tokens: Option<Mutex<u32>>,
}

impl RetryQuota {
    /// A full quota, or none (`legacy`: every request makes all its attempts).
    pub fn new(limited: bool) -> RetryQuota {
        RetryQuota {
            tokens: limited.then(|| Mutex::new(CAPACITY)),
        }
    }

    /// Takes what a retry costs; `None` when the quota is spent (do not retry), else
    /// the cost taken (0 without a quota).
    pub fn acquire(&self, after_timeout: bool) -> Option<u32> {
        let Some(tokens) = &self.tokens else {
            return Some(0);
        };
        let cost = if after_timeout {
            TIMEOUT_RETRY_COST
        } else {
            RETRY_COST
        };
        let mut tokens = tokens.lock().unwrap_or_else(|p| p.into_inner());
        if *tokens < cost {
            return None;
        }
        *tokens -= cost;
        Some(cost)
    }

    /// A request succeeded: gives back what its last retry took, or the increment.
    pub fn succeeded(&self, retry_cost: Option<u32>) {
        if let Some(tokens) = &self.tokens {
            let mut tokens = tokens.lock().unwrap_or_else(|p| p.into_inner());
            *tokens = (*tokens + retry_cost.unwrap_or(NO_RETRY_INCREMENT)).min(CAPACITY);
        }
    }

    /// The tokens left (for tests and diagnostics).
    #[cfg(test)]
    pub fn left(&self) -> Option<u32> {
        (self.tokens.as_ref()).map(|tokens| *tokens.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Exponential backoff with full jitter, as the AWS SDKs' standard mode.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let cap = 100u64 * (1u64 << attempt.min(8));
    Duration::from_millis(rand::thread_rng().gen_range(cap / 2..=cap)).min(MAX_DELAY)
}

/// The wait a reply asks for: `x-amz-retry-after` (milliseconds), else `Retry-After`
/// (seconds), clamped to 20 s.
pub(crate) fn retry_after(header: impl Fn(&str) -> Option<String>) -> Option<Duration> {
    let asked = match header("x-amz-retry-after") {
        Some(ms) => Duration::from_millis(ms.trim().parse().ok()?),
        None => Duration::from_secs(header("retry-after")?.trim().parse().ok()?),
    };
    Some(asked.min(MAX_DELAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_is_spent_by_retries_and_refilled_by_successes() {
        let quota = RetryQuota::new(true);
        for _ in 0..50 {
            assert_eq!(quota.acquire(false), Some(5));
        }
        assert_eq!(quota.acquire(true), Some(10));
        assert_eq!(quota.left(), Some(240));
        while quota.acquire(false).is_some() {}
        assert_eq!(quota.left(), Some(0));
        quota.succeeded(Some(10));
        quota.succeeded(None);
        assert_eq!(quota.left(), Some(11));
        assert_eq!(quota.acquire(true), Some(10));
        assert_eq!(quota.acquire(false), None);
        for _ in 0..1000 {
            quota.succeeded(Some(5));
        }
        assert_eq!(quota.left(), Some(500));
        let legacy = RetryQuota::new(false);
        for _ in 0..1000 {
            assert_eq!(legacy.acquire(true), Some(0));
        }
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        for attempt in 1..20 {
            let delay = backoff(attempt);
            assert!(delay <= MAX_DELAY);
            let floor = Duration::from_millis(100 * (1 << attempt.min(8)) / 2);
            assert!(delay >= floor.min(MAX_DELAY));
        }
    }

    #[test]
    fn retry_after_headers_are_read_and_clamped() {
        let one = |name: &'static str, value: &'static str| {
            move |asked: &str| (asked == name).then(|| value.to_string())
        };
        assert_eq!(
            retry_after(one("x-amz-retry-after", "1500")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(one("retry-after", "2")),
            Some(Duration::from_secs(2))
        );
        assert_eq!(retry_after(one("retry-after", "99999")), Some(MAX_DELAY));
        assert_eq!(retry_after(one("retry-after", "soon")), None);
        assert_eq!(retry_after(one("etag", "1")), None);
    }
}
