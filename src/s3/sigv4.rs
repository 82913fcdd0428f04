//! SigV4 signing of requests, with each body hashed at most once.
//!
//! rust-s3 computes the canonical request, string to sign and authorization header
//! (`rust_s3::signing`), but its own header builder hashes a PUT body twice and always
//! adds Content-MD5. Here the payload is either `UNSIGNED-PAYLOAD` (the body is then
//! protected by its `x-amz-checksum-*` header, as botocore does over https) or its
//! SHA-256, computed once; and the signing key is derived once per day and region.

use rust_s3::signing;
use rust_s3::Region;
use sha2::Digest as _;
use std::sync::Mutex;
use time::OffsetDateTime;

/// SigV4's `x-amz-date` form of a time: `20261126T043500Z`.
pub(crate) fn long_date(now: &OffsetDateTime) -> String {
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

/// The `x-amz-content-sha256` of a request.
pub(crate) enum Payload {
    /// Not hashed: the body carries a checksum the server verifies.
    Unsigned,
    /// The hex SHA-256 of the body.
    Signed(String),
}

impl Payload {
    /// The payload of `body`: unsigned, or its hash (from `hash`, which computes it the
    /// first time and keeps it for the request's retries).
    pub fn of(body: &[u8], unsigned: bool, hash: &std::cell::OnceCell<String>) -> Payload {
        match unsigned {
            true => Payload::Unsigned,
            false => {
                let hash = hash.get_or_init(|| hex::encode(sha2::Sha256::digest(body)));
                Payload::Signed(hash.clone())
            }
        }
    }

    /// The header's value.
    pub fn value(&self) -> &str {
        match self {
            Payload::Unsigned => "UNSIGNED-PAYLOAD",
            Payload::Signed(hash) => hash,
        }
    }
}

/// The signing key of the last day, region and secret it was derived for.
#[derive(Default)]
pub(crate) struct SigningKeys(Mutex<Option<CachedKey>>);

struct CachedKey {
    scope: (String, String),
    secret_digest: [u8; 32],
    key: Vec<u8>,
}

/// The keys of one signature: who signs, with what, where.
pub(crate) struct Signer<'a> {
    /// The access key id.
    pub access_key: &'a str,
    /// The secret key.
    pub secret_key: &'a str,
    /// The bucket's region.
    pub region: &'a Region,
    /// When the request is made (also its `x-amz-date`).
    pub now: &'a OffsetDateTime,
}

impl SigningKeys {
    /// HMAC key of `signer`'s day and region: derived once, then reused.
    fn key(&self, signer: &Signer<'_>) -> Result<Vec<u8>, String> {
        let day = long_date(signer.now)[..8].to_string();
        let scope = (day, signer.region.to_string());
        let secret_digest: [u8; 32] = sha2::Sha256::digest(signer.secret_key.as_bytes()).into();
        let mut cached = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = cached.as_ref() {
            if entry.scope == scope && entry.secret_digest == secret_digest {
                return Ok(entry.key.clone());
            }
        }
        let key = signing::signing_key(signer.now, signer.secret_key, signer.region, "s3")
            .map_err(|error| error.to_string())?;
        *cached = Some(CachedKey {
            scope,
            secret_digest,
            key: key.clone(),
        });
        Ok(key)
    }

    /// The `Authorization` header of a request whose headers (host and every `x-amz-*`
    /// included) are all signed.
    pub fn authorization(
        &self,
        signer: &Signer<'_>,
        (method, url): (&str, &url::Url),
        headers: &http::HeaderMap,
        payload: &Payload,
    ) -> Result<String, String> {
        use hmac::Mac;
        let fail = |error: rust_s3::error::S3Error| error.to_string();
        let (canonical, signed) = canonical_request(method, url, headers, payload.value())?;
        let to_sign =
            signing::string_to_sign(signer.now, signer.region, &canonical).map_err(fail)?;
        let mut mac = signing::HmacSha256::new_from_slice(&self.key(signer)?)
            .map_err(|error| error.to_string())?;
        mac.update(to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        signing::authorization_header(
            signer.access_key,
            signer.now,
            signer.region,
            &signed,
            &signature,
        )
        .map_err(fail)
    }
}

/// SigV4's canonical request and signed-header list. Headers are sorted by name (not by
/// `name:value` lines, which puts `x-amz-…-key-md5` before `x-amz-…-key`) and their values
/// trimmed with inner runs of spaces collapsed, as AWS computes them.
pub(super) fn canonical_request(
    method: &str,
    url: &url::Url,
    headers: &http::HeaderMap,
    payload: &str,
) -> Result<(String, String), String> {
    let mut names: Vec<&str> = headers.keys().map(|name| name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let mut lines = String::new();
    for name in &names {
        let values: Result<Vec<String>, String> = (headers.get_all(*name).iter())
            .map(|value| {
                let text = value
                    .to_str()
                    .map_err(|_| format!("header {name} is not text"))?;
                Ok(text.split_whitespace().collect::<Vec<_>>().join(" "))
            })
            .collect();
        lines.push_str(&format!("{name}:{}\n", values?.join(",")));
    }
    let signed = names.join(";");
    let canonical = format!(
        "{method}\n{}\n{}\n{lines}\n{signed}\n{payload}",
        signing::canonical_uri_string(url),
        signing::canonical_query_string(url),
    );
    Ok((canonical, signed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_derived_once_per_day_region_and_secret() {
        let keys = SigningKeys::default();
        let region: Region = "us-east-1".parse().unwrap();
        let now = OffsetDateTime::now_utc();
        let signer = Signer {
            access_key: "AKID",
            secret_key: "SECRET",
            region: &region,
            now: &now,
        };
        let first = keys.key(&signer).unwrap();
        assert_eq!(keys.key(&signer).unwrap(), first);
        let expected = signing::signing_key(&now, "SECRET", &region, "s3").unwrap();
        assert_eq!(first, expected);
        let other = Signer {
            secret_key: "OTHER",
            ..signer
        };
        assert_ne!(keys.key(&other).unwrap(), first);
        let hash = std::cell::OnceCell::new();
        assert_eq!(Payload::of(b"", false, &hash).value().len(), 64);
        assert_eq!(Payload::of(b"x", true, &hash).value(), "UNSIGNED-PAYLOAD");
    }

    #[test]
    fn headers_are_sorted_by_name_and_values_collapsed() {
        let mut headers = http::HeaderMap::new();
        let key = "x-amz-server-side-encryption-customer-key";
        headers.insert(key, "k".parse().unwrap());
        headers.insert(
            "x-amz-server-side-encryption-customer-key-md5",
            "m".parse().unwrap(),
        );
        headers.insert("x-amz-meta-a", "  two  spaces ".parse().unwrap());
        let url = url::Url::parse("http://h/b/k?uploads").unwrap();
        let (canonical, signed) = canonical_request("PUT", &url, &headers, "p").unwrap();
        assert_eq!(
            signed,
            "x-amz-meta-a;x-amz-server-side-encryption-customer-key;\
             x-amz-server-side-encryption-customer-key-md5"
        );
        let lines: Vec<&str> = canonical.lines().collect();
        assert_eq!(lines[3], "x-amz-meta-a:two spaces");
        assert_eq!(lines[4], "x-amz-server-side-encryption-customer-key:k");
        assert_eq!(lines[5], "x-amz-server-side-encryption-customer-key-md5:m");
        assert_eq!(lines[2], "uploads=");
    }
}
