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

/// The `x-amz-content-sha256` of a request.
pub(crate) enum Payload {
    /// Not hashed: the body carries a checksum the server verifies.
    Unsigned,
    /// The hex SHA-256 of the body.
    Signed(String),
}

impl Payload {
    /// The payload of `body`: unsigned, or hashed now.
    pub fn of(body: &[u8], unsigned: bool) -> Payload {
        match unsigned {
            true => Payload::Unsigned,
            false => Payload::Signed(hex::encode(sha2::Sha256::digest(body))),
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
        let day = format!(
            "{:04}{:02}{:02}",
            signer.now.year(),
            signer.now.month() as u8,
            signer.now.day()
        );
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
        let canonical =
            signing::canonical_request(method, url, headers, payload.value()).map_err(fail)?;
        let to_sign =
            signing::string_to_sign(signer.now, signer.region, &canonical).map_err(fail)?;
        let mut mac = signing::HmacSha256::new_from_slice(&self.key(signer)?)
            .map_err(|error| error.to_string())?;
        mac.update(to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let signed = signing::signed_header_string(headers);
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
        assert_eq!(Payload::of(b"", false).value().len(), 64);
        assert_eq!(Payload::of(b"x", true).value(), "UNSIGNED-PAYLOAD");
    }
}
