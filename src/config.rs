//! The resolved configuration of a storage: Django's defaults applied, the legacy
//! settings of the specification's migration section translated, and the cross-key
//! checks made. `Settings::resolve` builds it; the rest of the library reads only this.

use crate::error::{Error, Result};
use crate::s3::object_parameters as params;
use crate::settings::{redacted_json, Settings, Value, DEFAULT_GZIP_CONTENT_TYPES};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::fmt;

impl Settings {
    /// Applies defaults, legacy translations and cross-key checks.
    pub fn resolve(&self) -> Result<Config> {
        let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let setting_or_env = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| self.string(name))
                .or_else(|| names.iter().find_map(|name| env(name)))
        };
        let access_key = setting_or_env(&["AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"]);
        let secret_key = setting_or_env(&["AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"]);
        let security_token = setting_or_env(&["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]);
        let session_profile = setting_or_env(&["AWS_S3_SESSION_PROFILE"]);
        if session_profile.is_some() && (access_key.is_some() || secret_key.is_some()) {
            return Err(Error::Config(
                "AWS_S3_SESSION_PROFILE/session_profile should not be provided with \
                 AWS_S3_ACCESS_KEY_ID/access_key and AWS_S3_SECRET_ACCESS_KEY/secret_key"
                    .into(),
            ));
        }
        if access_key.is_some() != secret_key.is_some() {
            let missing = if access_key.is_some() {
                "AWS_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY)"
            } else {
                "AWS_S3_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID)"
            };
            return Err(Error::Config(format!(
                "{missing} is missing: keys must be set in pairs"
            )));
        }
        let cloudfront_key = self.string("AWS_CLOUDFRONT_KEY");
        let cloudfront_key_id = self.string("AWS_CLOUDFRONT_KEY_ID");
        if cloudfront_key.is_some() != cloudfront_key_id.is_some() {
            return Err(Error::Config(
                "Both AWS_CLOUDFRONT_KEY_ID/cloudfront_key_id and AWS_CLOUDFRONT_KEY/cloudfront_key \
                 must be provided together."
                    .into(),
            ));
        }
        let bucket_name = self.string("AWS_STORAGE_BUCKET_NAME").ok_or_else(|| {
            Error::Config(
                "AWS_STORAGE_BUCKET_NAME is required: the name of the bucket to use".into(),
            )
        })?;

        let client = self.dict("AWS_S3_CLIENT_CONFIG").unwrap_or_default();
        let client_str = |name: &str| client.get(name).and_then(Json::as_str).map(str::to_string);
        let client_secs = |name: &str| -> Result<Option<f64>> {
            match client.get(name) {
                None => Ok(None),
                Some(value) => value
                    .as_f64()
                    .filter(|secs| *secs > 0.0)
                    .map(Some)
                    .ok_or_else(|| {
                        Error::Config(format!(
                            "AWS_S3_CLIENT_CONFIG: {name} must be a positive number of seconds"
                        ))
                    }),
            }
        };

        let use_ssl = self.flag("AWS_S3_USE_SSL", true);
        let mut region_name = self
            .string("AWS_S3_REGION_NAME")
            .or_else(|| client_str("region_name"))
            .or_else(|| self.string("AWS_ORIGIN"));
        let mut endpoint_url = self.string("AWS_S3_ENDPOINT_URL");
        if endpoint_url.is_none() {
            if let Some(host) = self.string("AWS_S3_HOST") {
                let scheme = if use_ssl { "https" } else { "http" };
                endpoint_url = Some(match self.int("AWS_S3_PORT") {
                    Some(port) => format!("{scheme}://{host}:{port}"),
                    None => format!("{scheme}://{host}"),
                });
                if region_name.is_none() {
                    region_name = region_from_host(&host);
                }
            }
        }
        let endpoint_url = endpoint_url.map(|url| url.trim_end_matches('/').to_string());

        let client_style = client
            .get("s3")
            .and_then(|s3| s3.get("addressing_style"))
            .and_then(Json::as_str)
            .map(str::to_string);
        let addressing_style = match self.string("AWS_S3_ADDRESSING_STYLE").or(client_style) {
            Some(style) if style == "path" => AddressingStyle::Path,
            Some(style) if style == "virtual" => AddressingStyle::Virtual,
            Some(style) if style == "auto" => AddressingStyle::Auto,
            Some(style) => {
                return Err(Error::Config(format!(
                    "addressing_style must be 'virtual', 'path' or 'auto', not {style:?}"
                )))
            }
            None => match self.string("AWS_S3_CALLING_FORMAT") {
                Some(format) if format.contains("OrdinaryCallingFormat") => AddressingStyle::Path,
                Some(format) if format.contains("CallingFormat") => AddressingStyle::Virtual,
                _ => AddressingStyle::Auto,
            },
        };

        let signature_version = match self
            .string("AWS_S3_SIGNATURE_VERSION")
            .or_else(|| client_str("signature_version"))
            .as_deref()
        {
            Some("s3") => SignatureVersion::V2,
            Some("s3v4") | None => SignatureVersion::V4,
            Some(other) => {
                return Err(Error::Config(format!(
                    "signature_version must be 's3' or 's3v4', not {other:?}"
                )))
            }
        };

        let mut proxies: BTreeMap<String, String> = BTreeMap::new();
        let explicit = self
            .dict("AWS_S3_PROXIES")
            .or_else(|| client.get("proxies").and_then(Json::as_object).cloned());
        if let Some(map) = explicit {
            for (scheme, proxy) in map {
                let proxy = proxy
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| Error::Config("AWS_S3_PROXIES values must be strings".into()))?;
                proxies.insert(scheme, proxy);
            }
        } else if let Some(host) = self.string("AWS_S3_PROXY_HOST") {
            let proxy = match self.int("AWS_S3_PROXY_PORT") {
                Some(port) => format!("{host}:{port}"),
                None => host,
            };
            proxies.insert("http".into(), proxy.clone());
            proxies.insert("https".into(), proxy);
        }

        let mut object_parameters = match self.dict("AWS_HEADERS") {
            Some(headers) => params::from_legacy_headers(&headers)?,
            None => Map::new(),
        };
        object_parameters.extend(self.dict("AWS_S3_OBJECT_PARAMETERS").unwrap_or_default());

        let url_protocol = self.string("AWS_S3_URL_PROTOCOL").unwrap_or_else(|| {
            match self.get("AWS_S3_SECURE_URLS") {
                Some(Value::Bool(false)) => "http:".to_string(),
                _ => "https:".to_string(),
            }
        });

        let verify = match self.get("AWS_S3_VERIFY") {
            Some(Value::Bool(false)) => Verify::Off,
            Some(Value::Str(path)) => Verify::CaBundle(path.into()),
            _ => Verify::Default,
        };

        let transfer = self.dict("AWS_S3_TRANSFER_CONFIG").unwrap_or_default();
        let transfer_int = |name: &str, default: u64| -> Result<u64> {
            match transfer.get(name) {
                None => Ok(default),
                Some(value) => value.as_u64().filter(|v| *v > 0).ok_or_else(|| {
                    Error::Config(format!(
                        "AWS_S3_TRANSFER_CONFIG: {name} must be a positive integer"
                    ))
                }),
            }
        };
        const MIB: u64 = 1024 * 1024;

        Ok(Config {
            access_key,
            secret_key,
            security_token,
            session_profile,
            bucket_name,
            location: self.string("AWS_LOCATION").unwrap_or_default(),
            file_overwrite: self.flag("AWS_S3_FILE_OVERWRITE", true),
            object_parameters,
            default_acl: self.string("AWS_DEFAULT_ACL"),
            bucket_acl: self.string("AWS_BUCKET_ACL"),
            auto_create_bucket: self.flag("AWS_AUTO_CREATE_BUCKET", false),
            encryption: self.flag("AWS_S3_ENCRYPTION", false),
            querystring_auth: self.flag("AWS_QUERYSTRING_AUTH", true),
            querystring_expire: self.int("AWS_QUERYSTRING_EXPIRE").unwrap_or(3600),
            signature_version,
            custom_domain: self.string("AWS_S3_CUSTOM_DOMAIN"),
            url_protocol,
            cloudfront_key,
            cloudfront_key_id,
            addressing_style,
            gzip: self.flag("AWS_IS_GZIPPED", false),
            gzip_content_types: match self.get("GZIP_CONTENT_TYPES") {
                Some(Value::List(items)) => items.clone(),
                _ => DEFAULT_GZIP_CONTENT_TYPES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            endpoint_url,
            region_name,
            use_ssl,
            verify,
            proxies,
            max_memory_size: self.int("AWS_S3_MAX_MEMORY_SIZE").unwrap_or(0),
            file_buffer_size: self.int("AWS_S3_FILE_BUFFER_SIZE").unwrap_or(5 * MIB) as usize,
            multipart_threshold: transfer_int("multipart_threshold", 8 * MIB)?,
            multipart_chunksize: transfer_int("multipart_chunksize", 8 * MIB)?.max(5 * MIB),
            max_concurrency: transfer_int("max_concurrency", 4)? as usize,
            connect_timeout: client_secs("connect_timeout")?.unwrap_or(60.0),
            read_timeout: client_secs("read_timeout")?.unwrap_or(60.0),
            max_pool_connections: client
                .get("max_pool_connections")
                .and_then(Json::as_u64)
                .unwrap_or(10) as usize,
            max_attempts: client
                .get("retries")
                .and_then(|retries| {
                    retries
                        .get("max_attempts")
                        .or_else(|| retries.get("total_max_attempts"))
                })
                .and_then(Json::as_u64)
                .unwrap_or(3)
                .max(1) as u32,
            temp_dir: self.string("FILE_UPLOAD_TEMP_DIR").map(Into::into),
        })
    }
}

/// `s3.eu-west-1.amazonaws.com` / `s3-eu-west-1.amazonaws.com` → `eu-west-1`.
pub(crate) fn region_from_host(host: &str) -> Option<String> {
    let first = host.split('.').next()?;
    let rest = first.strip_prefix("s3-").or_else(|| {
        if first == "s3" {
            host.split('.').nth(1).filter(|part| *part != "amazonaws")
        } else {
            None
        }
    })?;
    (!rest.is_empty() && rest != "external-1").then(|| rest.to_string())
}

/// How bucket names reach the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressingStyle {
    /// `https://endpoint/bucket/key`.
    Path,
    /// `https://bucket.endpoint/key`.
    Virtual,
    /// botocore's default: virtual on AWS, path on a custom endpoint.
    Auto,
}

/// Which signature query-string URLs carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureVersion {
    /// Legacy SigV2 (`"s3"`).
    V2,
    /// SigV4 (`"s3v4"`, the default).
    V4,
}

/// TLS certificate checking (`AWS_S3_VERIFY`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verify {
    /// The platform's trust store.
    Default,
    /// No certificate checks.
    Off,
    /// Trust the CA certificates in this PEM file.
    CaBundle(std::path::PathBuf),
}

/// Resolved, typed configuration of one storage.
#[derive(Clone)]
pub struct Config {
    pub(crate) access_key: Option<String>,
    pub(crate) secret_key: Option<String>,
    pub(crate) security_token: Option<String>,
    pub(crate) session_profile: Option<String>,
    pub(crate) bucket_name: String,
    pub(crate) location: String,
    pub(crate) file_overwrite: bool,
    pub(crate) object_parameters: Map<String, Json>,
    pub(crate) default_acl: Option<String>,
    pub(crate) bucket_acl: Option<String>,
    pub(crate) auto_create_bucket: bool,
    pub(crate) encryption: bool,
    pub(crate) querystring_auth: bool,
    pub(crate) querystring_expire: u64,
    pub(crate) signature_version: SignatureVersion,
    pub(crate) custom_domain: Option<String>,
    pub(crate) url_protocol: String,
    pub(crate) cloudfront_key: Option<String>,
    pub(crate) cloudfront_key_id: Option<String>,
    pub(crate) addressing_style: AddressingStyle,
    pub(crate) gzip: bool,
    pub(crate) gzip_content_types: Vec<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) region_name: Option<String>,
    pub(crate) use_ssl: bool,
    pub(crate) verify: Verify,
    pub(crate) proxies: BTreeMap<String, String>,
    pub(crate) max_memory_size: u64,
    pub(crate) file_buffer_size: usize,
    pub(crate) multipart_threshold: u64,
    pub(crate) multipart_chunksize: u64,
    pub(crate) max_concurrency: usize,
    pub(crate) connect_timeout: f64,
    pub(crate) read_timeout: f64,
    pub(crate) max_pool_connections: usize,
    pub(crate) max_attempts: u32,
    pub(crate) temp_dir: Option<std::path::PathBuf>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("Config")
            .field("access_key", &self.access_key)
            .field("secret_key", &hidden(&self.secret_key))
            .field("security_token", &hidden(&self.security_token))
            .field("session_profile", &self.session_profile)
            .field("bucket_name", &self.bucket_name)
            .field("location", &self.location)
            .field("file_overwrite", &self.file_overwrite)
            .field(
                "object_parameters",
                &format_args!("{}", redacted_json(&self.object_parameters)),
            )
            .field("default_acl", &self.default_acl)
            .field("endpoint_url", &self.endpoint_url)
            .field("region_name", &self.region_name)
            .field("addressing_style", &self.addressing_style)
            .field("signature_version", &self.signature_version)
            .field("custom_domain", &self.custom_domain)
            .field("cloudfront_key", &hidden(&self.cloudfront_key))
            .field("cloudfront_key_id", &self.cloudfront_key_id)
            .field("verify", &self.verify)
            .field("proxies", &self.proxies)
            .finish_non_exhaustive()
    }
}
