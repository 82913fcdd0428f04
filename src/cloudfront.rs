//! CloudFront canned-policy signing (RSA-SHA1, PKCS#1 v1.5) of custom-domain URLs, as
//! botocore's `CloudFrontSigner` and django-storages' `AWS_CLOUDFRONT_KEY` do it.

use crate::config::Config;
use crate::error::{Error, Result};
use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use time::OffsetDateTime;

/// CloudFront's URL-safe base64: `+` → `-`, `=` → `_`, `/` → `~`.
pub(crate) fn url_safe_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .replace('+', "-")
        .replace('=', "_")
        .replace('/', "~")
}

/// The canned policy for `url` valid until `expires` (seconds since the epoch).
pub(crate) fn canned_policy(url: &str, expires: i64) -> String {
    let resource = serde_json::to_string(url).expect("a string serialises");
    format!(
        r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#
    )
}

fn private_key(pem: &str) -> Result<rsa::RsaPrivateKey> {
    rsa::RsaPrivateKey::from_pkcs1_pem(pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs8_pem(pem))
        .map_err(|_| {
            Error::Config(
                "AWS_CLOUDFRONT_KEY must be a PEM RSA private key (PKCS#1 or PKCS#8)".into(),
            )
        })
}

/// Checks that the configured key can sign (at storage creation).
pub(crate) fn check_key(pem: &str) -> Result<()> {
    private_key(pem).map(|_| ())
}

/// Signs `url` with a canned policy expiring `expire` seconds from now.
pub(crate) fn sign(config: &Config, url: &str, expire: u64) -> Result<String> {
    let (Some(pem), Some(key_id)) = (&config.urls.cloudfront_key, &config.urls.cloudfront_key_id)
    else {
        return Ok(url.to_string());
    };
    let expires = OffsetDateTime::now_utc().unix_timestamp() + expire as i64;
    sign_until(pem, key_id, url, expires)
}

/// Signs `url` with a canned policy valid until `expires`.
pub(crate) fn sign_until(pem: &str, key_id: &str, url: &str, expires: i64) -> Result<String> {
    let key = private_key(pem)?;
    let signer = rsa::pkcs1v15::SigningKey::<sha1::Sha1>::new(key);
    let policy = canned_policy(url, expires);
    let signature = signer.sign(policy.as_bytes()).to_vec();
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{url}{separator}Expires={expires}&Signature={}&Key-Pair-Id={key_id}",
        url_safe_base64(&signature)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key of django-storages' test_storage_url_custom_domain_signed_urls.
    pub(crate) const TEST_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICWwIBAAKBgQCXVuwcMk+JmVSKuQ1K4dZx4Z1dEcRQgTlqvhAyljIpttXlZh2/
fD3GkJCiqfwEmo+cdNK/LFzRj/CX8Wz1z1lH2USONpG6sAkotkatCbejiItDu5y6
janGJHfuWXu6B/o9gwZylU1gIsePY3lLNk+r9QhXUO4jXw6zLJftVwKPhQIDAQAB
AoGAbpkRV9HUmoQ5al+uPSkp5HOy4s8XHpYxdbaMc8ubwSxiyJCF8OhE5RXE/Xso
N90UUox1b0xmUKfWddPzgvgTD/Ub7D6Ukf+nVWDX60tWgNxICAUHptGL3tWweaAy
H+0+vZ0TzvTt9r00vW0FzO7F8X9/Rs1ntDRLtF3RCCxdq0kCQQDHFu+t811lCvy/
67rMEKGvNsNNSTrzOrNr3PqUrCnOrzKazjFVjsKv5VzI/U+rXGYKWJsMpuCFiHZ3
DILUC09TAkEAwpm2S6MN6pzn9eY6pmhOxZ+GQGGRUkKZfC1GDxaRSRb8sKTjptYw
WSemJSxiDzdj3Po2hF0lbhkpJgUq6xnCxwJAZgHHfn5CLSJrDD7Q7/vZi/foK3JJ
BRTfl3Wa4pAvv5meuRjKyEakVBGV79lyd5+ZHNX3Y40hXunjoO3FHrZIxwJAdRzu
waxahrRxQOKSr20c4wAzWnGddIUSO9I/VHs/al5EKsbBHrnOlQkwizSfuwqZtfZ7
csNf8FeCFRiNELoLJwJAZxWBE2+8J9VW9AQ0SE7j4FyM/B8FvRhF5PLAAsw/OxHO
SxiFP7Ptdac1tm5H5zOqaqSHWphI19HNNilXKmxuCA==
-----END RSA PRIVATE KEY-----";

    #[test]
    fn cloudfront_signature_as_django_storages() {
        let url = "https://mock.cloudfront.net/file.txt";
        let signed = sign_until(TEST_PEM, "test-key", url, 3600).unwrap();
        assert_eq!(
            signed,
            format!(
                "{url}?Expires=3600&Signature=DbqVgh3FHtttQxof214tSAVE8Nqn3Q4Ii7eR3iykbOqAPbV\
                     89HC3EB~0CWxarpLNtbfosS5LxiP5EutriM7E8uR4Gm~UVY-PFUjPcwqdnmAiKJF0EVs7koJc\
                     MR8MKDStuWfFKVUPJ8H7ORYTOrixyHBV2NOrpI6SN5UX6ctNM50_&Key-Pair-Id=test-key"
            )
        );
        assert!(check_key("not a key").is_err());
        assert_eq!(
            canned_policy("https://x/a", 5),
            r#"{"Statement":[{"Resource":"https://x/a","Condition":{"DateLessThan":{"AWS:EpochTime":5}}}]}"#
        );
    }
}
