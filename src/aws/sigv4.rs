//! The one SigV4 signer: the `Authorization` header of S3 and STS requests and the
//! query-string signature of presigned URLs, for any service, with each body hashed at
//! most once.
//!
//! The payload is either `UNSIGNED-PAYLOAD` (the body is then protected by its
//! `x-amz-checksum-*` header, as botocore does over https) or its SHA-256, computed once;
//! the signing key (rust-s3's derivation) is derived once per day, region, service and
//! secret. rust-s3's own header builder is not used: it hashes a PUT body twice and
//! always adds Content-MD5.

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
    scope: String,
    secret_digest: [u8; 32],
    key: Vec<u8>,
}

/// The keys of one signature: who signs, with what, for which service, where, when.
pub(crate) struct Signer<'a> {
    /// The access key id.
    pub access_key: &'a str,
    /// The secret key.
    pub secret_key: &'a str,
    /// The region (the bucket's, or the STS endpoint's).
    pub region: &'a Region,
    /// The service: `s3` or `sts`.
    pub service: &'a str,
    /// When the request is made (also its `x-amz-date`).
    pub now: &'a OffsetDateTime,
}

impl Signer<'_> {
    /// The credential scope: `20261126/us-east-1/s3/aws4_request`.
    pub fn scope(&self) -> String {
        let day = &long_date(self.now)[..8];
        format!("{day}/{}/{}/aws4_request", self.region, self.service)
    }
}

impl SigningKeys {
    /// HMAC key of `signer`'s day, region and service: derived once, then reused.
    fn key(&self, signer: &Signer<'_>) -> Result<Vec<u8>, String> {
        let scope = signer.scope();
        let secret_digest: [u8; 32] = sha2::Sha256::digest(signer.secret_key.as_bytes()).into();
        let mut cached = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = cached.as_ref() {
            if entry.scope == scope && entry.secret_digest == secret_digest {
                return Ok(entry.key.clone());
            }
        }
        let key =
            (signing::signing_key(signer.now, signer.secret_key, signer.region, signer.service))
                .map_err(|error| error.to_string())?;
        *cached = Some(CachedKey {
            scope,
            secret_digest,
            key: key.clone(),
        });
        Ok(key)
    }

    /// The hex signature of a canonical request.
    fn signature(&self, signer: &Signer<'_>, canonical: &str) -> Result<String, String> {
        use hmac::Mac;
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{}\n{}",
            long_date(signer.now),
            signer.scope(),
            hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
        );
        let mut mac = signing::HmacSha256::new_from_slice(&self.key(signer)?)
            .map_err(|error| error.to_string())?;
        mac.update(to_sign.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
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
        let (canonical, signed) = canonical_request(method, url, headers, payload.value())?;
        let signature = self.signature(signer, &canonical)?;
        Ok(format!(
            "AWS4-HMAC-SHA256 Credential={}/{},SignedHeaders={signed},Signature={signature}",
            signer.access_key,
            signer.scope()
        ))
    }

    /// The `x-amz-signature` of a POST policy (browser uploads): the HMAC of the
    /// base64 policy document with the day's signing key.
    pub fn policy_signature(&self, signer: &Signer<'_>, policy: &str) -> Result<String, String> {
        use hmac::Mac;
        let mut mac = signing::HmacSha256::new_from_slice(&self.key(signer)?)
            .map_err(|error| error.to_string())?;
        mac.update(policy.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }

    /// The `X-Amz-Signature` of a presigned URL, whose query already carries the other
    /// `X-Amz-*` parameters; `headers` are the signed ones (host).
    pub fn query_signature(
        &self,
        signer: &Signer<'_>,
        (method, url): (&str, &url::Url),
        headers: &http::HeaderMap,
    ) -> Result<String, String> {
        let (canonical, _) = canonical_request(method, url, headers, "UNSIGNED-PAYLOAD")?;
        self.signature(signer, &canonical)
    }
}

/// SigV4's canonical request and signed-header list. Headers are sorted by name (not by
/// `name:value` lines, which puts `x-amz-…-key-md5` before `x-amz-…-key`) and their values
/// trimmed with inner runs of spaces collapsed, as AWS computes them.
pub(crate) fn canonical_request(
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
            service: "s3",
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
    fn the_signature_of_awss_documented_example() {
        // The IAM ListUsers example of the AWS SigV4 documentation, for any service.
        let mut headers = http::HeaderMap::new();
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        headers.insert("content-type", content_type.parse().unwrap());
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let url = url::Url::parse("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
            .unwrap();
        let now = time::macros::datetime!(2015-08-30 12:36:00 UTC);
        let region: Region = "us-east-1".parse().unwrap();
        let signer = Signer {
            access_key: "AKIDEXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            region: &region,
            service: "iam",
            now: &now,
        };
        let empty = Payload::Signed(hex::encode(sha2::Sha256::digest(b"")));
        let authorization = SigningKeys::default()
            .authorization(&signer, ("GET", &url), &headers, &empty)
            .unwrap();
        assert_eq!(
            authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,\
             SignedHeaders=content-type;host;x-amz-date,\
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
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
