//! `Storage.url(name, parameters, expire, http_method)`, as django-storages builds it.
//!
//! * custom domain: `{AWS_S3_URL_PROTOCOL}//{domain}/{filepath_to_uri(key)}` with the
//!   parameters as a raw query string;
//! * `AWS_QUERYSTRING_AUTH=False`: the plain (unsigned) object URL;
//! * otherwise a presigned URL: SigV4 query parameters, or SigV2 with
//!   `AWS_S3_SIGNATURE_VERSION='s3'`. `parameters` are GetObject argument names
//!   (`ResponseContentDisposition`, ...), mapped to S3's query parameters.

use crate::cloudfront;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::{ObjectStore, UrlRequest};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{Map, Value};

/// The optional arguments of `url()`.
#[derive(Clone, Debug, Default)]
pub struct UrlOptions {
    /// GetObject parameters (presigned URLs) or raw query parameters (custom domain).
    pub parameters: Option<Map<String, Value>>,
    /// Lifetime in seconds; `None` means `AWS_QUERYSTRING_EXPIRE`.
    pub expire: Option<u64>,
    /// `GET` (default), `HEAD`, `PUT` or `DELETE`.
    pub http_method: Option<String>,
}

/// Python's `quote` safe set for Django's `filepath_to_uri`: `/~!*()'` plus unreserved.
const FILEPATH_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'~')
    .remove(b'!')
    .remove(b'*')
    .remove(b'(')
    .remove(b')')
    .remove(b'\'')
    .remove(b'_')
    .remove(b'.')
    .remove(b'-');

impl UrlOptions {
    /// `parameters` from a JSON object's text (`None`: no parameters).
    pub fn parse_parameters(json: Option<&str>) -> Result<Option<Map<String, Value>>> {
        match json.map(serde_json::from_str::<Value>) {
            None => Ok(None),
            Some(Ok(Value::Object(map))) => Ok(Some(map)),
            Some(_) => Err(Error::InvalidArgument(
                "parameters_json must be a JSON object".into(),
            )),
        }
    }
}

/// Python's `quote_plus` safe set (space becomes `+` separately).
const QUERY_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Django's `filepath_to_uri`.
pub(crate) fn filepath_to_uri(path: &str) -> String {
    utf8_percent_encode(&path.replace('\\', "/"), FILEPATH_SAFE).to_string()
}

/// Python's `urlencode` of a dict (values as `str()` gives them).
fn urlencode(parameters: &Map<String, Value>) -> String {
    let quote_plus = |text: &str| {
        text.split(' ')
            .map(|part| utf8_percent_encode(part, QUERY_SAFE).to_string())
            .collect::<Vec<_>>()
            .join("+")
    };
    parameters
        .iter()
        .map(|(key, value)| format!("{}={}", quote_plus(key), quote_plus(&python_str(value))))
        .collect::<Vec<_>>()
        .join("&")
}

/// `str(value)` as Python prints JSON-ish values.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn method_of(options: &UrlOptions) -> Result<String> {
    let method = options
        .http_method
        .as_deref()
        .unwrap_or("GET")
        .to_ascii_uppercase();
    match method.as_str() {
        "GET" | "HEAD" | "PUT" | "DELETE" => Ok(method),
        _ => Err(Error::InvalidArgument(format!(
            "http_method must be GET, HEAD, PUT or DELETE, not {method:?}"
        ))),
    }
}

/// Builds the URL of `key` as django-storages' `url()` does.
pub(crate) fn build(
    config: &Config,
    objects: &dyn ObjectStore,
    key: &str,
    options: &UrlOptions,
) -> Result<String> {
    let expire = options.expire.unwrap_or(config.urls.querystring_expire);
    if let Some(domain) = &config.urls.custom_domain {
        let mut url = format!(
            "{}//{}/{}",
            config.urls.url_protocol,
            domain,
            filepath_to_uri(key)
        );
        if let Some(parameters) = options.parameters.as_ref().filter(|p| !p.is_empty()) {
            url = format!("{url}?{}", urlencode(parameters));
        }
        if config.urls.querystring_auth && config.urls.cloudfront_key.is_some() {
            return cloudfront::sign(config, &url, expire);
        }
        return Ok(url);
    }
    let method = method_of(options)?;
    let parameters: Vec<(String, String)> = options
        .parameters
        .iter()
        .flatten()
        .map(|(name, value)| (name.clone(), python_str(value)))
        .collect();
    objects.url(&UrlRequest {
        key,
        method: &method,
        expire,
        parameters: &parameters,
        signature: config.urls.signature_version,
        signed: config.urls.querystring_auth,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filepath_to_uri_as_django() {
        assert_eq!(
            filepath_to_uri("whacky & filename.mp4"),
            "whacky%20%26%20filename.mp4"
        );
        assert_eq!(filepath_to_uri("ãlöhâ.jpg"), "%C3%A3l%C3%B6h%C3%A2.jpg");
        assert_eq!(filepath_to_uri("a/b~c!*()'.txt"), "a/b~c!*()'.txt");
        assert_eq!(filepath_to_uri("a+b%c"), "a%2Bb%25c");
        assert_eq!(filepath_to_uri(""), "");
    }

    #[test]
    fn urlencode_as_python() {
        let params = json!({"version": 10, "a b": "c&d"})
            .as_object()
            .unwrap()
            .clone();
        // Python's urlencode of a dict keeps the caller's order.
        assert_eq!(urlencode(&params), "version=10&a+b=c%26d");
        let params = serde_json::from_str(r#"{"v": "1", "a": "2"}"#).unwrap();
        assert_eq!(urlencode(&params), "v=1&a=2");
    }
}
