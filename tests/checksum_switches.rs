//! botocore's checksum switches from each of their sources, in botocore's order: the
//! client config over the environment variables over the profile's keys, each bad value
//! a configuration error naming where it came from. What goes on the wire is read at
//! the fault proxy. One test function: it changes process environment variables.

mod common;

use common::proxy::FaultProxy;
use common::{set_env, settings, unique};
use s3storage::{ResultCode, Storage};

fn through(proxy: &FaultProxy, extra: &[(&str, &str)]) -> s3storage::Result<Storage> {
    let location = unique("switches");
    let endpoint = proxy.endpoint();
    let mut pairs = vec![
        ("AWS_S3_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_LOCATION", location.as_str()),
    ];
    pairs.extend_from_slice(extra);
    Storage::new(&settings(&pairs))
}

/// Whether a save by `storage` sent a checksum header.
fn sends_checksum(proxy: &FaultProxy, storage: &Storage) -> bool {
    let name = storage.save(&unique("s.txt"), &b"switch"[..]).unwrap();
    let seen = proxy.seen();
    let put = (seen.iter().rev())
        .find(|s| s.head[0].starts_with("PUT ") && s.head[0].contains(&name))
        .expect("the PUT");
    put.header("x-amz-checksum-crc32c").is_some()
}

#[test]
fn switches_come_from_the_config_the_environment_and_the_profile() {
    if common::lacks(
        &["http"],
        "switches_come_from_the_config_the_environment_and_the_profile",
    ) {
        return;
    }
    let proxy = FaultProxy::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[default]\nrequest_checksum_calculation = when_required\n\
         [profile odd]\nrequest_checksum_calculation = sometimes\n",
    )
    .unwrap();
    set_env("AWS_CONFIG_FILE", Some(config.to_str().unwrap()));
    set_env("AWS_PROFILE", None);
    // The profile's key, when nothing else says.
    assert!(!sends_checksum(&proxy, &through(&proxy, &[]).unwrap()));
    // The environment over the profile, the client config over both.
    set_env("AWS_REQUEST_CHECKSUM_CALCULATION", Some("WHEN_SUPPORTED"));
    assert!(sends_checksum(&proxy, &through(&proxy, &[]).unwrap()));
    let required = r#"{"request_checksum_calculation": "when_required"}"#;
    let storage = through(&proxy, &[("AWS_S3_CLIENT_CONFIG", required)]).unwrap();
    assert!(!sends_checksum(&proxy, &storage));
    // Bad values name their source.
    set_env("AWS_REQUEST_CHECKSUM_CALCULATION", Some("always"));
    let error = through(&proxy, &[]).err().unwrap();
    assert_eq!(error.code(), ResultCode::Config);
    assert!(
        error
            .to_string()
            .contains("AWS_REQUEST_CHECKSUM_CALCULATION"),
        "{error}"
    );
    set_env("AWS_REQUEST_CHECKSUM_CALCULATION", None);
    set_env("AWS_PROFILE", Some("odd"));
    let error = through(&proxy, &[]).err().unwrap();
    assert!(
        error.to_string().contains("request_checksum_calculation"),
        "{error}"
    );
    set_env("AWS_PROFILE", None);
    let bad = r#"{"response_checksum_validation": "never"}"#;
    let error = (s3storage::Settings::new().set("AWS_S3_CLIENT_CONFIG", bad)).unwrap_err();
    assert!(
        error.to_string().contains("response_checksum_validation"),
        "{error}"
    );
    set_env("AWS_RETRY_MODE", Some("reckless"));
    let error = through(&proxy, &[]).err().unwrap();
    assert!(error.to_string().contains("AWS_RETRY_MODE"), "{error}");
    set_env("AWS_RETRY_MODE", None);
    set_env("AWS_CONFIG_FILE", None);
}
