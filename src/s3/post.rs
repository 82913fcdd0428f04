//! Presigned POST (boto3's `generate_presigned_post`): a policy document of conditions,
//! signed with SigV4, and the form fields a browser (or curl) sends with the file.

use super::objects::S3Store;
use crate::aws::sigv4::{long_date, Signer, SigningKeys};
use crate::error::{Error, Result};
use crate::store::PresignedPost;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

impl S3Store {
    /// The URL and form fields of a POST upload of `key` under `conditions` (checked by
    /// the caller, `post_policy::check_conditions`),
    /// valid for `expire` seconds. Exact-field conditions become fields too, so the form
    /// works as given.
    pub fn presigned_post(
        &self,
        key: &str,
        conditions: &[Value],
        expire: u64,
    ) -> Result<PresignedPost> {
        let bucket = self.transport.signing_bucket()?;
        let credentials = (bucket.credentials())
            .map_err(|error| Error::Config(format!("credentials: {error}")))?;
        let (Some(access_key), Some(secret_key)) = (credentials.access_key, credentials.secret_key)
        else {
            return Err(Error::Config(
                "a presigned POST needs credentials; this storage has none".into(),
            ));
        };
        let token = credentials.session_token.or(credentials.security_token);
        let (now, region) = (OffsetDateTime::now_utc(), bucket.region());
        let signer = Signer {
            access_key: &access_key,
            secret_key: &secret_key,
            region: &region,
            service: "s3",
            now: &now,
        };
        let mut fields = BTreeMap::from([
            ("key".to_string(), key.to_string()),
            ("x-amz-algorithm".into(), "AWS4-HMAC-SHA256".into()),
            (
                "x-amz-credential".into(),
                format!("{access_key}/{}", signer.scope()),
            ),
            ("x-amz-date".into(), long_date(&now)),
        ]);
        if let Some(token) = token {
            fields.insert("x-amz-security-token".into(), token);
        }
        for condition in conditions {
            if let Value::Object(exact) = condition {
                for (name, value) in exact {
                    fields.insert(name.clone(), value.as_str().unwrap_or_default().into());
                }
            }
        }
        let policy = policy(&fields, conditions, (bucket.name(), now, expire))?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(policy.as_bytes());
        let signature = (SigningKeys::default().policy_signature(&signer, &encoded))
            .map_err(|error| Error::InvalidArgument(format!("signing the policy: {error}")))?;
        fields.insert("policy".into(), encoded);
        fields.insert("x-amz-signature".into(), signature);
        Ok(PresignedPost {
            url: bucket.url(),
            fields,
        })
    }
}

/// The policy document: the bucket, the key (a `starts-with` when it ends in
/// `${filename}`, as boto3 does), the caller's conditions and every signing field.
fn policy(
    fields: &BTreeMap<String, String>,
    conditions: &[Value],
    (bucket, now, expire): (String, OffsetDateTime, u64),
) -> Result<String> {
    let expiration = (now + time::Duration::seconds(expire as i64))
        .replace_nanosecond(0)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .ok_or_else(|| Error::InvalidArgument(format!("expire {expire} is out of range")))?;
    let key = &fields["key"];
    let mut all = vec![json!({"bucket": bucket})];
    all.push(match key.strip_suffix("${filename}") {
        Some(start) => json!(["starts-with", "$key", start]),
        None => json!({"key": key}),
    });
    all.extend(conditions.iter().cloned());
    for name in [
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-security-token",
    ] {
        if let Some(value) = fields.get(name) {
            all.push(Value::Object(Map::from_iter([(name.into(), json!(value))])));
        }
    }
    Ok(json!({"expiration": expiration, "conditions": all}).to_string())
}
