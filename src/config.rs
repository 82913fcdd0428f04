//! The resolved configuration of a storage: Django's defaults applied, the legacy
//! settings of the specification's migration section translated, and the cross-key
//! checks made. [`Config::resolve`] builds it from [`Settings`] (whose values were each
//! checked when set); the rest of the library reads only this.

pub(crate) use crate::checksums::ChecksumWhen;
use crate::error::{Error, Result};
use crate::object_parameters as params;
use crate::settings::{redacted_json, Settings, Value, DEFAULT_GZIP_CONTENT_TYPES};
pub(crate) use crate::settings::{AddressingStyle, SignatureVersion};
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;
use std::fmt;

const MIB: u64 = 1024 * 1024;

/// `AWS_S3_CLIENT_CONFIG`, botocore's `Config`: it replaces the addressing style,
/// signature version and proxies of the individual settings when it names them.
struct ClientConfig(Map<String, Json>);

impl ClientConfig {
    fn str(&self, name: &str) -> Option<String> {
        self.0.get(name).and_then(Json::as_str).map(str::to_string)
    }

    fn seconds(&self, name: &str, default: f64) -> f64 {
        self.0.get(name).and_then(Json::as_f64).unwrap_or(default)
    }

    fn addressing_style(&self) -> Option<String> {
        let s3 = self.0.get("s3")?;
        s3.get("addressing_style")
            .and_then(Json::as_str)
            .map(str::to_string)
    }

    /// botocore's `s3.payload_signing_enabled`.
    fn payload_signing(&self) -> Option<bool> {
        self.0.get("s3")?.get("payload_signing_enabled")?.as_bool()
    }

    /// `retries`: `total_max_attempts` (attempts) or `max_attempts` (retries after the
    /// first, as botocore counts them), else `AWS_MAX_ATTEMPTS` (attempts); the mode's
    /// default otherwise (legacy 5, standard and adaptive 3).
    fn max_attempts(&self, mode: RetryMode) -> Result<u32> {
        let retries = self.0.get("retries");
        let configured = match retries {
            Some(retries) => (retries.get("total_max_attempts").and_then(Json::as_u64))
                .or_else(|| Some(retries.get("max_attempts")?.as_u64()? + 1)),
            None => None,
        };
        let attempts = match configured {
            Some(attempts) => attempts,
            None => match env("AWS_MAX_ATTEMPTS") {
                Some(value) => value.trim().parse::<u64>().map_err(|_| {
                    Error::Config(format!(
                        "AWS_MAX_ATTEMPTS: {value:?} is not a number of attempts"
                    ))
                })?,
                None if mode == RetryMode::Legacy => 5,
                None => 3,
            },
        };
        Ok(attempts.clamp(1, 100) as u32)
    }

    /// `retries.mode`, else `AWS_RETRY_MODE`, else standard.
    fn retry_mode(&self) -> Result<RetryMode> {
        let configured = (self.0.get("retries"))
            .and_then(|retries| retries.get("mode")?.as_str())
            .map(|mode| (mode.to_string(), "AWS_S3_CLIENT_CONFIG retries.mode"));
        let Some((mode, origin)) =
            configured.or_else(|| env("AWS_RETRY_MODE").map(|mode| (mode, "AWS_RETRY_MODE")))
        else {
            return Ok(RetryMode::Standard);
        };
        RetryMode::parse(&mode).ok_or_else(|| {
            Error::Config(format!(
                "{origin}: {mode:?} is not a retry mode (standard, legacy or adaptive)"
            ))
        })
    }

    /// A checksum switch: the option, else its environment variable (the profile's key
    /// is read later, by the protocol layer, when both say nothing).
    fn checksum_when(&self, option: &str, variable: &str) -> Result<Option<ChecksumWhen>> {
        let (value, origin) = match self.str(option) {
            Some(value) => (value, format!("AWS_S3_CLIENT_CONFIG {option}")),
            None => match env(variable) {
                Some(value) => (value, variable.to_string()),
                None => return Ok(None),
            },
        };
        ChecksumWhen::parse(&value).map(Some).ok_or_else(|| {
            Error::Config(format!(
                "{origin}: {value:?} is not when_supported or when_required"
            ))
        })
    }
}

/// botocore's retry modes (`retries.mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum RetryMode {
    /// No retry quota; 5 attempts by default.
    Legacy,
    /// The SDKs' standard mode: a retry quota per storage, 3 attempts by default.
    #[default]
    Standard,
    /// Accepted as botocore does; here the same as standard (no client-side rate
    /// limiter).
    Adaptive,
}

impl RetryMode {
    fn parse(name: &str) -> Option<RetryMode> {
        match name.trim().to_ascii_lowercase().as_str() {
            "legacy" => Some(RetryMode::Legacy),
            "standard" => Some(RetryMode::Standard),
            "adaptive" => Some(RetryMode::Adaptive),
            _ => None,
        }
    }
}

/// CloudFront signing needs both the key and its id.
fn check_cloudfront(settings: &Settings) -> Result<()> {
    if settings.string("AWS_CLOUDFRONT_KEY").is_some()
        != settings.string("AWS_CLOUDFRONT_KEY_ID").is_some()
    {
        return Err(Error::Config(
            "Both AWS_CLOUDFRONT_KEY_ID/cloudfront_key_id and AWS_CLOUDFRONT_KEY/cloudfront_key \
             must be provided together."
                .into(),
        ));
    }
    Ok(())
}

/// Where S3 requests go: what [`Config::s3_endpoint`] decides for the protocol layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct S3Endpoint {
    /// The endpoint URL (`https://s3.eu-west-1.amazonaws.com`, or the custom one).
    pub url: String,
    /// The region requests are signed for.
    pub region: String,
    /// Path-style addressing (`endpoint/bucket/key`) rather than virtual-hosted.
    pub path_style: bool,
    /// Whether the endpoint is AWS's own, derived from the region (it moves with it).
    pub aws: bool,
}

/// The endpoint and region: `AWS_S3_ENDPOINT_URL` / `AWS_S3_REGION_NAME`, or the legacy
/// `AWS_S3_HOST` + `AWS_S3_PORT` and `AWS_ORIGIN`.
fn endpoint_and_region(
    settings: &Settings,
    client: &ClientConfig,
) -> (Option<String>, Option<String>) {
    let mut region = settings
        .string("AWS_S3_REGION_NAME")
        .or_else(|| client.str("region_name"))
        .or_else(|| settings.string("AWS_ORIGIN"));
    let mut endpoint = settings.string("AWS_S3_ENDPOINT_URL");
    if endpoint.is_none() {
        if let Some(host) = settings.string("AWS_S3_HOST") {
            let scheme = if settings.flag("AWS_S3_USE_SSL", true) {
                "https"
            } else {
                "http"
            };
            endpoint = Some(match settings.int("AWS_S3_PORT") {
                Some(port) => format!("{scheme}://{host}:{port}"),
                None => format!("{scheme}://{host}"),
            });
            region = region.or_else(|| region_from_host(&host));
        }
    }
    let endpoint = endpoint.map(|url| url.trim_end_matches('/').to_string());
    (endpoint, region)
}

/// The addressing style: the client config's, then the setting, then the legacy calling
/// format, then botocore's `auto`.
fn addressing_style(settings: &Settings, client: &ClientConfig) -> AddressingStyle {
    let chosen = client
        .addressing_style()
        .or_else(|| settings.string("AWS_S3_ADDRESSING_STYLE"));
    if let Some(style) = chosen.and_then(|style| AddressingStyle::parse(&style).ok()) {
        return style;
    }
    match settings.string("AWS_S3_CALLING_FORMAT") {
        Some(format) if format.contains("OrdinaryCallingFormat") => AddressingStyle::Path,
        Some(format) if format.contains("CallingFormat") => AddressingStyle::Virtual,
        _ => AddressingStyle::Auto,
    }
}

/// The signature version of URLs: the client config's, then the setting, then SigV4.
fn signature_version(settings: &Settings, client: &ClientConfig) -> SignatureVersion {
    client
        .str("signature_version")
        .or_else(|| settings.string("AWS_S3_SIGNATURE_VERSION"))
        .and_then(|version| SignatureVersion::parse(&version).ok())
        .unwrap_or(SignatureVersion::V4)
}

/// Proxies by scheme or `scheme://host`: the client config's, then `AWS_S3_PROXIES`, then
/// the legacy `AWS_S3_PROXY_HOST` + `AWS_S3_PROXY_PORT` for both schemes.
fn proxies(settings: &Settings, client: &ClientConfig) -> BTreeMap<String, String> {
    let explicit = client
        .0
        .get("proxies")
        .and_then(Json::as_object)
        .cloned()
        .or_else(|| settings.dict("AWS_S3_PROXIES"));
    if let Some(map) = explicit {
        return map
            .into_iter()
            .filter_map(|(scheme, proxy)| Some((scheme, proxy.as_str()?.to_string())))
            .collect();
    }
    let mut proxies = BTreeMap::new();
    if let Some(host) = settings.string("AWS_S3_PROXY_HOST") {
        let proxy = match settings.int("AWS_S3_PROXY_PORT") {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        proxies.insert("http".into(), proxy.clone());
        proxies.insert("https".into(), proxy);
    }
    proxies
}

/// `AWS_S3_OBJECT_PARAMETERS` over the legacy `AWS_HEADERS`.
fn object_parameters(settings: &Settings) -> Result<Map<String, Json>> {
    let mut parameters = match settings.dict("AWS_HEADERS") {
        Some(headers) => params::from_legacy_headers(&headers)?,
        None => Map::new(),
    };
    parameters.extend(
        settings
            .dict("AWS_S3_OBJECT_PARAMETERS")
            .unwrap_or_default(),
    );
    Ok(parameters)
}

/// boto3's `TransferConfig` (`AWS_S3_TRANSFER_CONFIG`): threshold, part size, threads;
/// and our `read_ahead`.
struct Transfer {
    multipart_threshold: u64,
    multipart_chunksize: u64,
    max_concurrency: usize,
    read_ahead: ReadAheadMode,
}

/// When a long sequential read fetches ranges ahead in parallel (`AWS_S3_TRANSFER_CONFIG`
/// `read_ahead`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadAheadMode {
    /// `"auto"` (the default): once the opening GET's single stream has delivered
    /// [`ReadAheadMode::AUTO_SPAN`] chunks (after [`ReadAheadMode::AUTO_WARMUP`]) slower than
    /// [`ReadAheadMode::AUTO_BELOW`] bytes a second.
    Auto,
    /// `"always"`: from the opening GET on.
    Always,
    /// `"never"`: one stream.
    Never,
}

impl ReadAheadMode {
    /// The single stream's rate below which `Auto` reads ahead: 128 MiB/s, above what
    /// one connection to S3 gives (tens of MiB/s) and well below what one gives on a
    /// local network or loopback (0.4–2 GiB/s here), where ranges would only add work.
    pub(crate) const AUTO_BELOW: f64 = 128.0 * 1024.0 * 1024.0;
    /// The chunks `Auto` lets pass before it times the stream: a stream's start (the
    /// connection's window growing, the server's first chunks) is not its rate. On
    /// loopback here the 32 MiB after the first chunk came at 127–185 MiB/s, the whole GiB
    /// at 1 GiB/s.
    pub(crate) const AUTO_WARMUP: u64 = 4;
    /// The chunks over which `Auto` then times the stream: one 8 MiB chunk alone came at
    /// anything from 30 MiB/s to 2.6 GiB/s (the server's and the VM's bursts).
    pub(crate) const AUTO_SPAN: u64 = 4;

    /// The mode a `read_ahead` value names (checked by the settings).
    pub(crate) fn named(name: Option<&str>) -> ReadAheadMode {
        match name {
            Some("always") => ReadAheadMode::Always,
            Some("never") => ReadAheadMode::Never,
            _ => ReadAheadMode::Auto,
        }
    }
}

fn transfer(settings: &Settings) -> Transfer {
    let map = settings.dict("AWS_S3_TRANSFER_CONFIG").unwrap_or_default();
    let int = |name: &str, default: u64| map.get(name).and_then(Json::as_u64).unwrap_or(default);
    Transfer {
        multipart_threshold: int("multipart_threshold", 8 * MIB),
        multipart_chunksize: int("multipart_chunksize", 8 * MIB).max(5 * MIB),
        max_concurrency: int("max_concurrency", 4) as usize,
        read_ahead: ReadAheadMode::named(map.get("read_ahead").and_then(Json::as_str)),
    }
}

/// `AWS_S3_VERIFY`: True (the platform's roots), False, or a CA bundle path.
fn verify(settings: &Settings) -> Verify {
    match settings.get("AWS_S3_VERIFY") {
        Some(Value::Bool(false)) => Verify::Off,
        Some(Value::Str(path)) => Verify::CaBundle(path.into()),
        _ => Verify::Default,
    }
}

/// `AWS_S3_URL_PROTOCOL`, or `http:` from the legacy `AWS_S3_SECURE_URLS=False`.
fn url_protocol(settings: &Settings) -> String {
    settings.string("AWS_S3_URL_PROTOCOL").unwrap_or_else(|| {
        match settings.get("AWS_S3_SECURE_URLS") {
            Some(Value::Bool(false)) => "http:".to_string(),
            _ => "https:".to_string(),
        }
    })
}

impl Config {
    /// Applies defaults, legacy translations and cross-key checks.
    pub(crate) fn resolve(settings: &Settings) -> Result<Config> {
        check_cloudfront(settings)?;
        let bucket_name = settings.string("AWS_STORAGE_BUCKET_NAME").ok_or_else(|| {
            Error::Config(
                "AWS_STORAGE_BUCKET_NAME is required: the name of the bucket to use".into(),
            )
        })?;
        let client = ClientConfig(settings.dict("AWS_S3_CLIENT_CONFIG").unwrap_or_default());
        let (endpoint_url, region_name) = endpoint_and_region(settings, &client);
        let transfer = transfer(settings);
        Ok(Config {
            keys: keys(settings)?,
            bucket_name,
            location: settings.string("AWS_LOCATION").unwrap_or_default(),
            file_overwrite: settings.flag("AWS_S3_FILE_OVERWRITE", true),
            object_parameters: object_parameters(settings)?,
            default_acl: settings.string("AWS_DEFAULT_ACL"),
            bucket_acl: settings.string("AWS_BUCKET_ACL"),
            auto_create_bucket: settings.flag("AWS_AUTO_CREATE_BUCKET", false),
            encryption: settings.flag("AWS_S3_ENCRYPTION", false),
            urls: UrlSpec {
                querystring_auth: settings.flag("AWS_QUERYSTRING_AUTH", true),
                querystring_expire: settings.int("AWS_QUERYSTRING_EXPIRE").unwrap_or(3600),
                signature_version: signature_version(settings, &client),
                custom_domain: settings.string("AWS_S3_CUSTOM_DOMAIN"),
                url_protocol: url_protocol(settings),
                cloudfront_key: settings.string("AWS_CLOUDFRONT_KEY"),
                cloudfront_key_id: settings.string("AWS_CLOUDFRONT_KEY_ID"),
            },
            gzip: settings.flag("AWS_IS_GZIPPED", false),
            gzip_content_types: match settings.get("GZIP_CONTENT_TYPES") {
                Some(Value::List(items)) => items.clone(),
                _ => DEFAULT_GZIP_CONTENT_TYPES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            },
            endpoint: EndpointSpec {
                url: endpoint_url,
                region: region_name,
                use_ssl: settings.flag("AWS_S3_USE_SSL", true),
                addressing: addressing_style(settings, &client),
            },
            http: HttpSpec {
                verify: verify(settings),
                proxies: proxies(settings, &client),
                connect_timeout: client.seconds("connect_timeout", 60.0),
                read_timeout: client.seconds("read_timeout", 60.0),
                max_pool_connections: (client.0.get("max_pool_connections"))
                    .and_then(Json::as_u64)
                    .unwrap_or(10) as usize,
                max_attempts: client.max_attempts(client.retry_mode()?)?,
                retry_mode: client.retry_mode()?,
                payload_signing: client.payload_signing(),
                request_checksums: client.checksum_when(
                    "request_checksum_calculation",
                    "AWS_REQUEST_CHECKSUM_CALCULATION",
                )?,
                response_checksums: client.checksum_when(
                    "response_checksum_validation",
                    "AWS_RESPONSE_CHECKSUM_VALIDATION",
                )?,
            },
            transfer: TransferSpec {
                // S3's smallest part (but the last) is 5 MiB.
                file_buffer_size: (settings.int("AWS_S3_FILE_BUFFER_SIZE"))
                    .unwrap_or(5 * MIB)
                    .max(5 * MIB) as usize,
                multipart_threshold: transfer.multipart_threshold,
                multipart_chunksize: transfer.multipart_chunksize,
                max_concurrency: transfer.max_concurrency,
                read_ahead: transfer.read_ahead,
                temp_dir: settings.string("FILE_UPLOAD_TEMP_DIR").map(Into::into),
            },
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

/// TLS certificate checking (`AWS_S3_VERIFY`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verify {
    /// The platform's trust store.
    Default,
    /// No certificate checks.
    Off,
    /// Trust the CA certificates in this PEM file.
    CaBundle(std::path::PathBuf),
}

/// Resolved, typed configuration of one storage.
#[derive(Clone)]
pub(crate) struct Config {
    /// The bucket.
    pub(crate) bucket_name: String,
    /// `AWS_LOCATION`, the prefix of every key.
    pub(crate) location: String,
    pub(crate) file_overwrite: bool,
    pub(crate) object_parameters: Map<String, Json>,
    pub(crate) default_acl: Option<String>,
    pub(crate) bucket_acl: Option<String>,
    pub(crate) auto_create_bucket: bool,
    pub(crate) encryption: bool,
    pub(crate) gzip: bool,
    pub(crate) gzip_content_types: Vec<String>,
    /// For identity: the keys and profile the settings give.
    pub(crate) keys: KeySpec,
    /// For the protocol: where requests go.
    pub(crate) endpoint: EndpointSpec,
    /// For the HTTP client: TLS, proxies, timeouts, pool, retries, payload signing.
    pub(crate) http: HttpSpec,
    /// For uploads: part sizes, threshold, concurrency, spool directory.
    pub(crate) transfer: TransferSpec,
    /// For `url()`: presigning, custom domain, CloudFront.
    pub(crate) urls: UrlSpec,
}

/// The keys and profile of the settings, else of the environment (django-storages reads
/// both, as `lookup_env`): keys come in pairs, and never together with a profile. With
/// none, the chain in `aws/` looks further.
#[derive(Clone, Default)]
pub(crate) struct KeySpec {
    pub(crate) access_key: Option<String>,
    pub(crate) secret_key: Option<String>,
    pub(crate) security_token: Option<String>,
    pub(crate) session_profile: Option<String>,
    /// Whether the access key came from the settings (not the environment).
    pub(crate) from_settings: bool,
}

/// A setting, else the first of these environment variables that is set and not empty.
fn setting_or_env(setting: Option<String>, names: &[&str]) -> Option<String> {
    setting.or_else(|| names.iter().find_map(|name| env(name)))
}

/// An environment variable that is set and not empty (botocore ignores empty ones).
pub(crate) fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// The settings' keys and profile, with the environment's fallback, checked.
fn keys(settings: &Settings) -> Result<KeySpec> {
    let access = settings.first_string(&["AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"]);
    let keys = KeySpec {
        from_settings: access.is_some(),
        access_key: setting_or_env(access, &["AWS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"]),
        secret_key: setting_or_env(
            settings.first_string(&["AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"]),
            &["AWS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"],
        ),
        security_token: setting_or_env(
            settings.first_string(&["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]),
            &["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"],
        ),
        session_profile: setting_or_env(
            settings.string("AWS_S3_SESSION_PROFILE"),
            &["AWS_S3_SESSION_PROFILE"],
        ),
    };
    if keys.session_profile.is_some() && (keys.access_key.is_some() || keys.secret_key.is_some()) {
        return Err(Error::Config(
            "AWS_S3_SESSION_PROFILE/session_profile should not be provided with \
             AWS_S3_ACCESS_KEY_ID/access_key and AWS_S3_SECRET_ACCESS_KEY/secret_key"
                .into(),
        ));
    }
    if keys.access_key.is_some() != keys.secret_key.is_some() {
        let missing = match keys.access_key.is_some() {
            true => "AWS_S3_SECRET_ACCESS_KEY (or AWS_SECRET_ACCESS_KEY)",
            false => "AWS_S3_ACCESS_KEY_ID (or AWS_ACCESS_KEY_ID)",
        };
        return Err(Error::Config(format!(
            "{missing} is missing: keys must be set in pairs"
        )));
    }
    Ok(keys)
}

/// Where S3 requests go, as the settings say (see [`Config::s3_endpoint`]).
#[derive(Clone, Debug)]
pub(crate) struct EndpointSpec {
    /// `AWS_S3_ENDPOINT_URL`, without a trailing slash.
    pub(crate) url: Option<String>,
    /// `AWS_S3_REGION_NAME` (or the legacy host's region), before botocore's chain.
    pub(crate) region: Option<String>,
    pub(crate) use_ssl: bool,
    pub(crate) addressing: AddressingStyle,
}

/// The HTTP client's part: `AWS_S3_VERIFY`, proxies and `AWS_S3_CLIENT_CONFIG`.
#[derive(Clone, Debug)]
pub(crate) struct HttpSpec {
    pub(crate) verify: Verify,
    pub(crate) proxies: BTreeMap<String, String>,
    pub(crate) connect_timeout: f64,
    pub(crate) read_timeout: f64,
    pub(crate) max_pool_connections: usize,
    pub(crate) max_attempts: u32,
    pub(crate) retry_mode: RetryMode,
    pub(crate) payload_signing: Option<bool>,
    /// `request_checksum_calculation` (`None`: not said by the settings or the
    /// environment; the profile's key, else when_supported).
    pub(crate) request_checksums: Option<ChecksumWhen>,
    /// `response_checksum_validation`, likewise.
    pub(crate) response_checksums: Option<ChecksumWhen>,
}

/// Uploads: `AWS_S3_FILE_BUFFER_SIZE`, `AWS_S3_TRANSFER_CONFIG`, `FILE_UPLOAD_TEMP_DIR`.
#[derive(Clone, Debug)]
pub(crate) struct TransferSpec {
    pub(crate) file_buffer_size: usize,
    pub(crate) multipart_threshold: u64,
    pub(crate) multipart_chunksize: u64,
    pub(crate) max_concurrency: usize,
    pub(crate) read_ahead: ReadAheadMode,
    pub(crate) temp_dir: Option<std::path::PathBuf>,
}

/// `url()`: presigning, its lifetime and signature, the custom domain and CloudFront.
#[derive(Clone)]
pub(crate) struct UrlSpec {
    pub(crate) querystring_auth: bool,
    pub(crate) querystring_expire: u64,
    pub(crate) signature_version: SignatureVersion,
    pub(crate) custom_domain: Option<String>,
    pub(crate) url_protocol: String,
    pub(crate) cloudfront_key: Option<String>,
    pub(crate) cloudfront_key_id: Option<String>,
}

impl Config {
    /// The endpoint, region and addressing of S3 requests, with `region` the region
    /// resolved after the settings (botocore's chain adds the profile's): AWS's regional
    /// endpoint unless one is set; botocore's addressing (virtual for DNS-compatible
    /// bucket names on AWS, path on a custom endpoint) unless AWS_S3_ADDRESSING_STYLE says.
    pub(crate) fn s3_endpoint(&self, region: Option<&str>) -> S3Endpoint {
        let url = match &self.endpoint.url {
            Some(url) => url.clone(),
            None => {
                let scheme = if self.endpoint.use_ssl {
                    "https"
                } else {
                    "http"
                };
                match region {
                    None | Some("us-east-1") => format!("{scheme}://s3.amazonaws.com"),
                    Some(region) => format!("{scheme}://s3.{region}.amazonaws.com"),
                }
            }
        };
        let path_style = match self.endpoint.addressing {
            AddressingStyle::Path => true,
            AddressingStyle::Virtual => false,
            AddressingStyle::Auto => {
                self.endpoint.url.is_some()
                    || self.bucket_name.contains('.')
                    || self.bucket_name.chars().any(|c| c.is_ascii_uppercase())
            }
        };
        S3Endpoint {
            url,
            region: region.unwrap_or("us-east-1").to_string(),
            path_style,
            aws: self.endpoint.url.is_none(),
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("Config")
            .field("access_key", &self.keys.access_key)
            .field("secret_key", &hidden(&self.keys.secret_key))
            .field("security_token", &hidden(&self.keys.security_token))
            .field("session_profile", &self.keys.session_profile)
            .field("bucket_name", &self.bucket_name)
            .field("location", &self.location)
            .field("file_overwrite", &self.file_overwrite)
            .field(
                "object_parameters",
                &format_args!("{}", redacted_json(&self.object_parameters)),
            )
            .field("default_acl", &self.default_acl)
            .field("endpoint_url", &self.endpoint.url)
            .field("region_name", &self.endpoint.region)
            .field("addressing_style", &self.endpoint.addressing)
            .field("signature_version", &self.urls.signature_version)
            .field("custom_domain", &self.urls.custom_domain)
            .field("cloudfront_key", &hidden(&self.urls.cloudfront_key))
            .field("cloudfront_key_id", &self.urls.cloudfront_key_id)
            .field("verify", &self.http.verify)
            .field("proxies", &self.http.proxies)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::Settings;

    fn config(pairs: &[(&str, &str)]) -> super::Config {
        let mut settings = Settings::new();
        settings.set("AWS_STORAGE_BUCKET_NAME", "media").unwrap();
        for (key, value) in pairs {
            settings.set(key, value).unwrap();
        }
        super::Config::resolve(&settings).unwrap()
    }

    #[test]
    fn keys_come_in_pairs_and_not_with_a_profile() {
        let mut settings = Settings::new();
        settings.set("AWS_STORAGE_BUCKET_NAME", "bucket").unwrap();
        let with = |pairs: &[(&str, &str)]| {
            let mut settings = settings.clone();
            for (key, value) in pairs {
                settings.set(key, value).unwrap();
            }
            super::Config::resolve(&settings).err().unwrap().to_string()
        };
        let error = with(&[
            ("AWS_S3_SESSION_PROFILE", "p"),
            ("AWS_S3_ACCESS_KEY_ID", "a"),
            ("AWS_S3_SECRET_ACCESS_KEY", "s"),
        ]);
        assert!(error.contains("AWS_S3_SESSION_PROFILE"), "{error}");
        let error = with(&[("AWS_S3_ACCESS_KEY_ID", "a")]);
        assert!(error.contains("AWS_S3_SECRET_ACCESS_KEY"), "{error}");
    }

    #[test]
    fn endpoints_regions_and_addressing_as_botocore() {
        let aws = config(&[]).s3_endpoint(Some("eu-west-1"));
        assert_eq!(aws.url, "https://s3.eu-west-1.amazonaws.com");
        assert_eq!(
            (aws.region.as_str(), aws.path_style, aws.aws),
            ("eu-west-1", false, true)
        );
        let default = config(&[]).s3_endpoint(None);
        assert_eq!(
            (default.url.as_str(), default.region.as_str()),
            ("https://s3.amazonaws.com", "us-east-1")
        );
        let custom = config(&[("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000/")]).s3_endpoint(None);
        assert_eq!(
            (custom.url.as_str(), custom.path_style, custom.aws),
            ("http://127.0.0.1:9000", true, false)
        );
        let mut dotted = Settings::new();
        dotted.set("AWS_STORAGE_BUCKET_NAME", "my.bucket").unwrap();
        let dotted = super::Config::resolve(&dotted)
            .unwrap()
            .s3_endpoint(Some("us-east-1"));
        assert!(dotted.path_style, "a dotted name cannot be a virtual host");
        let virtual_style = config(&[
            ("AWS_S3_ENDPOINT_URL", "http://127.0.0.1:9000"),
            ("AWS_S3_ADDRESSING_STYLE", "virtual"),
        ]);
        assert!(!virtual_style.s3_endpoint(None).path_style);
        let plain = config(&[("AWS_S3_USE_SSL", "False")]).s3_endpoint(Some("ap-south-1"));
        assert_eq!(plain.url, "http://s3.ap-south-1.amazonaws.com");
    }
}
