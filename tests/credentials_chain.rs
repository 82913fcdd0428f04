//! botocore's credential and region chain, the parts this version supports: profiles
//! from both shared files, `credential_process`, clear errors for the sources it does not
//! support yet (never another identity instead), the container URL guard, and the
//! region chain. One test function: it changes process environment variables.

mod common;

use common::{keyless, set_env, unique};
use s3storage::{ResultCode, Storage};

#[test]
fn the_credential_and_region_chain() {
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_S3_SESSION_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        set_env(name, None);
    }
    set_env("AWS_EC2_METADATA_DISABLED", Some("true"));
    let dir = tempfile::tempdir().unwrap();
    let (access, secret) = common::keys();
    let script = dir.path().join("creds.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"oops: $1 TOPSECRET-STDERR\" >&2\n[ \"$1\" = fail ] && exit 3\n\
             echo '{{\"Version\": 1, \"AccessKeyId\": \"{access}\", \"SecretAccessKey\": \"{secret}\", \
             \"Expiration\": \"2099-01-01T00:00:00Z\"}}'\n"
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &config,
        format!(
            "[default]\nregion = ap-south-1\n\n[profile process]\ncredential_process = {} ok\n\n\
             [profile broken]\ncredential_process = {} fail\n\n[profile role]\n\
             role_arn = arn:aws:iam::123456789012:role/r\nsource_profile = keys\n\n\
             [profile sso]\nsso_session = corp\n\n[profile keys]\nregion = eu-north-1\n",
            script.display(),
            script.display()
        ),
    )
    .unwrap();
    std::fs::write(
        &credentials,
        format!("[keys]\naws_access_key_id = {access}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    set_env("AWS_CONFIG_FILE", config.to_str());
    set_env("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str());
    let location = unique("chain");

    // A profile's static keys (credentials file) and its region (config file).
    set_env("AWS_PROFILE", Some("keys"));
    let storage = Storage::new(&keyless(&location)).unwrap();
    storage.save("by-keys.txt", &b"k"[..]).unwrap();
    let url = storage.url("by-keys.txt").unwrap();
    assert!(url.contains("%2Feu-north-1%2Fs3%2F"), "{url}");

    // credential_process, run without a shell.
    set_env("AWS_PROFILE", Some("process"));
    let storage = Storage::new(&keyless(&location)).unwrap();
    assert!(storage.exists("by-keys.txt").unwrap());
    // The selected profile has no region: us-east-1, as botocore (not [default]'s).
    let url = storage.url("by-keys.txt").unwrap();
    assert!(url.contains("%2Fus-east-1%2F"), "{url}");
    // With no profile selected, [default]'s region; then AWS_DEFAULT_REGION, AWS_REGION.
    set_env("AWS_PROFILE", None);
    let mut with_keys = keyless(&location);
    with_keys.set("AWS_S3_ACCESS_KEY_ID", &access).unwrap();
    with_keys.set("AWS_S3_SECRET_ACCESS_KEY", &secret).unwrap();
    let url = Storage::new(&with_keys).unwrap().url("x").unwrap();
    assert!(url.contains("%2Fap-south-1%2F"), "{url}");
    set_env("AWS_PROFILE", Some("process"));
    set_env("AWS_DEFAULT_REGION", Some("sa-east-1"));
    let url = Storage::new(&keyless(&location)).unwrap().url("x").unwrap();
    assert!(url.contains("%2Fsa-east-1%2F"), "{url}");
    set_env("AWS_REGION", Some("ca-central-1"));
    let url = Storage::new(&keyless(&location)).unwrap().url("x").unwrap();
    assert!(url.contains("%2Fca-central-1%2F"), "{url}");
    let mut explicit = keyless(&location);
    explicit.set("AWS_S3_REGION_NAME", "us-west-2").unwrap();
    let url = Storage::new(&explicit).unwrap().url("x").unwrap();
    assert!(url.contains("%2Fus-west-2%2F"), "{url}");
    set_env("AWS_REGION", None);
    set_env("AWS_DEFAULT_REGION", None);

    // A failing process: a clear error, never its standard error (it may hold secrets).
    set_env("AWS_PROFILE", Some("broken"));
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert_eq!(error.code(), ResultCode::Config);
    let message = error.to_string();
    assert!(
        message.contains("exited") && !message.contains("TOPSECRET"),
        "{message}"
    );

    // Sources this version does not take: an error naming them, not another identity.
    for (profile, named) in [("role", "role_arn"), ("sso", "sso_session")] {
        set_env("AWS_PROFILE", Some(profile));
        let error = Storage::new(&keyless(&location)).unwrap_err();
        assert!(error.to_string().contains(named), "{error}");
    }
    set_env("AWS_PROFILE", Some("missing"));
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert!(error.to_string().contains("'missing'"), "{error}");
    set_env("AWS_PROFILE", None);
    set_env("AWS_ROLE_ARN", Some("arn:aws:iam::123456789012:role/r"));
    set_env("AWS_WEB_IDENTITY_TOKEN_FILE", script.to_str());
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert!(error.to_string().contains("web identity"), "{error}");
    set_env("AWS_ROLE_ARN", None);
    set_env("AWS_WEB_IDENTITY_TOKEN_FILE", None);

    // The container credentials URL: only https, loopback or the ECS/EKS hosts.
    set_env("AWS_CONFIG_FILE", Some("/nonexistent"));
    set_env("AWS_SHARED_CREDENTIALS_FILE", Some("/nonexistent"));
    for url in ["http://10.0.0.1/creds", "http://example.com/creds"] {
        set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI", Some(url));
        let error = Storage::new(&keyless(&location)).unwrap_err();
        assert_eq!(error.code(), ResultCode::Config, "{url}");
        assert!(error.to_string().contains("loopback"), "{error}");
    }
    set_env("AWS_CONTAINER_CREDENTIALS_FULL_URI", None);

    // Explicit keys in the settings still come first.
    let storage = Storage::new(&with_keys).unwrap();
    assert!(storage.exists("by-keys.txt").unwrap());
}
