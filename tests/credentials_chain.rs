//! botocore's credential and region chain, the parts this version supports: profiles
//! from both shared files, `credential_process`, clear errors for the sources it does not
//! support yet (never another identity instead), the container URL guard, and the
//! region chain. One test function: it changes process environment variables.

mod common;

use common::proxy::FaultProxy;
use common::{keyless, set_env, unique};
use s3storage::{ResultCode, Settings, Storage};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A stub HTTP service on loopback: records each request (its head lower-cased, then its
/// body) and answers 200 with what `answer` gives for the n-th call (1-based).
fn stub(answer: impl Fn(usize) -> String + Send + 'static) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut request, mut length) = (String::new(), 0);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let line = line.to_ascii_lowercase();
                if let Some(value) = line.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                request.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            request.push_str(&String::from_utf8_lossy(&body));
            let count = {
                let mut seen = seen.lock().unwrap();
                seen.push(request);
                seen.len()
            };
            let text = answer(count);
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (url, calls)
}

/// A stub STS answering credentials that expire in `first` minutes the first time and
/// `later` minutes afterwards (under five minutes, every use renews them).
fn stub_sts(first: i64, later: i64) -> (String, Arc<Mutex<Vec<String>>>) {
    let (access, secret) = common::keys();
    stub(move |call| {
        let minutes = if call == 1 { first } else { later };
        let expiry = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
        let expiry = expiry
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        format!(
            "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>\
             <Credentials><AccessKeyId>{access}</AccessKeyId><SecretAccessKey>{secret}\
             </SecretAccessKey><SessionToken>stub-token</SessionToken><Expiration>{expiry}\
             </Expiration></Credentials></AssumeRoleWithWebIdentityResult>\
             </AssumeRoleWithWebIdentityResponse>"
        )
    })
}

/// A stub IAM Identity Center portal answering role credentials.
fn stub_portal() -> (String, Arc<Mutex<Vec<String>>>) {
    stub(|_| {
        r#"{"roleCredentials": {"accessKeyId": "ASIASSO1", "secretAccessKey": "sso-secret", "sessionToken": "sso-session-token", "expiration": 4102444800000}}"#.to_string()
    })
}

/// The Authorization and session token of the last HEAD through the proxy since request
/// number `from` (so that a step never judges an earlier step's request).
fn last_signature(proxy: &FaultProxy, from: usize) -> (String, Option<String>) {
    let seen = proxy.seen();
    let head = seen[from..]
        .iter()
        .rev()
        .find(|s| s.head[0].starts_with("HEAD "))
        .expect("the step sent a HEAD");
    let authorization = head.header("authorization").unwrap_or_default();
    (authorization, head.header("x-amz-security-token"))
}

/// One STS call seen by the recording proxy: what was asked, how it was signed, and the
/// temporary key and token STS answered.
#[derive(Debug)]
struct StsCall {
    params: Vec<(String, String)>,
    authorization: String,
    token: Option<String>,
    /// The AccessKeyId and SessionToken of the reply.
    key: String,
    reply_token: String,
}

impl StsCall {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn assert_role(&self, arn: &str, external_id: Option<&str>, session: Option<&str>) {
        assert_eq!(self.param("Action"), Some("AssumeRole"), "{self:?}");
        assert_eq!(self.param("RoleArn"), Some(arn), "{self:?}");
        assert_eq!(self.param("ExternalId"), external_id, "{self:?}");
        match session {
            Some(session) => assert_eq!(self.param("RoleSessionName"), Some(session), "{self:?}"),
            None => assert!(self.param("RoleSessionName").is_some_and(|s| !s.is_empty())),
        }
    }

    fn assert_signed_by(&self, key: &str, token: Option<&str>) {
        assert!(
            self.authorization.contains(&format!("Credential={key}/")),
            "{self:?} not signed by {key}"
        );
        assert_eq!(self.token.as_deref(), token, "{self:?}");
    }
}

/// The STS calls the proxy saw from request number `from` on.
fn sts_calls(proxy: &FaultProxy, from: usize) -> Vec<StsCall> {
    let between = |text: &str, tag: &str| {
        let open = format!("<{tag}>");
        let start = text.find(&open).map(|i| i + open.len())?;
        let end = text[start..].find(&format!("</{tag}>"))? + start;
        Some(text[start..end].trim().to_string())
    };
    proxy
        .seen()
        .into_iter()
        .filter(|seen| seen.index >= from)
        .map(|seen| {
            let query = seen.head[0].split_whitespace().nth(1).unwrap_or("");
            let form = match seen.body.is_empty() {
                true => query
                    .split_once('?')
                    .map_or("", |(_, q)| q)
                    .as_bytes()
                    .to_vec(),
                false => seen.body.clone(),
            };
            let reply = String::from_utf8_lossy(&seen.reply).to_string();
            StsCall {
                params: url::form_urlencoded::parse(&form).into_owned().collect(),
                authorization: seen.header("authorization").unwrap_or_default(),
                token: seen.header("x-amz-security-token"),
                key: between(&reply, "AccessKeyId").unwrap_or_else(|| panic!("{reply}")),
                reply_token: between(&reply, "SessionToken").unwrap_or_default(),
            }
        })
        .collect()
}

/// Keyless settings through the recording proxy.
fn through(proxy: &FaultProxy, location: &str) -> Settings {
    let mut settings = keyless(location);
    settings
        .set("AWS_S3_ENDPOINT_URL", &proxy.endpoint())
        .unwrap();
    settings
}

#[test]
fn the_credential_and_region_chain() {
    if common::lacks(&["http"], "the_credential_and_region_chain") {
        return;
    }
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
             [profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n\
             sso_role_name = Dev\n\n[sso-session corp]\n\
             sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n\
             [profile keys]\nregion = eu-north-1\n\n\
             [profile role2]\nrole_arn = arn:aws:iam::123456789012:role/second\n\
             source_profile = role\nexternal_id = ext-1\nrole_session_name = chained\n\n\
             [profile cycle-a]\nrole_arn = arn:aws:iam::123456789012:role/a\n\
             source_profile = cycle-b\n\n[profile cycle-b]\n\
             role_arn = arn:aws:iam::123456789012:role/b\nsource_profile = cycle-a\n",
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

    // IAM Identity Center: the token `aws sso login` cached, traded at the portal (a
    // loopback stub) for role credentials; an expired token says to log in again.
    set_env("HOME", dir.path().to_str());
    let cache = dir.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let token_path = cache.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json"); // sha1("corp")
    let cached = |expires: &str| {
        format!(
            r#"{{"accessToken": "sso-bearer", "expiresAt": "{expires}", "region": "eu-west-1"}}"#
        )
    };
    std::fs::write(&token_path, cached("2099-01-01T00:00:00Z")).unwrap();
    let (portal, portal_calls) = stub_portal();
    set_env("AWS_ENDPOINT_URL_SSO", Some(&portal));
    set_env("AWS_PROFILE", Some("sso"));
    let proxy = FaultProxy::start();
    let storage = Storage::new(&through(&proxy, &location)).unwrap();
    let _ = storage.exists("by-keys.txt");
    let (authorization, token) = last_signature(&proxy, 0);
    assert!(
        authorization.contains("Credential=ASIASSO"),
        "{authorization}"
    );
    assert_eq!(token.as_deref(), Some("sso-session-token"));
    let calls = portal_calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert!(calls[0].contains("role_name=dev") && calls[0].contains("account_id=123456789012"));
    assert!(
        calls[0].contains("x-amz-sso_bearer_token: sso-bearer"),
        "{calls:?}"
    );
    std::fs::write(&token_path, cached("2020-01-01T00:00:00Z")).unwrap();
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert!(
        error.to_string().contains("aws sso login --profile sso"),
        "{error}"
    );
    set_env("AWS_PROFILE", Some("missing"));
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert!(error.to_string().contains("'missing'"), "{error}");
    set_env("AWS_PROFILE", None);

    // Roles through moto's STS (behind a recording proxy, since moto accepts any role):
    // AssumeRole for a profile whose source_profile has the keys; the S3 request that
    // follows is signed with the temporary key and token STS answered.
    let sts = std::env::var("S3STORAGE_TEST_STS").expect("scripts/test.sh starts moto");
    let sts_proxy = FaultProxy::start_to(&sts);
    set_env("AWS_ENDPOINT_URL_STS", Some(&sts_proxy.endpoint()));
    let proxy = FaultProxy::start();
    set_env("AWS_PROFILE", Some("role"));
    let (before, sent) = (sts_proxy.requests(), proxy.requests());
    let storage = Storage::new(&through(&proxy, &location)).unwrap();
    let _ = storage.exists("by-keys.txt"); // the server does not know moto's keys
    let calls = sts_calls(&sts_proxy, before);
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls[0].assert_role("arn:aws:iam::123456789012:role/r", None, None);
    calls[0].assert_signed_by(&access, None);
    let (authorization, token) = last_signature(&proxy, sent);
    assert!(
        authorization.contains(&format!("Credential={}/", calls[0].key)),
        "{authorization}"
    );
    assert_eq!(token.as_deref(), Some(calls[0].reply_token.as_str()));
    // A chain of roles: role2 is assumed with the credentials of role, itself assumed
    // with the keys of the profile keys; each step signs with what the step before got.
    set_env("AWS_PROFILE", Some("role2"));
    let (before, sent) = (sts_proxy.requests(), proxy.requests());
    let storage = Storage::new(&through(&proxy, &location)).unwrap();
    let _ = storage.exists("by-keys.txt");
    let calls = sts_calls(&sts_proxy, before);
    assert_eq!(calls.len(), 2, "{calls:?}");
    calls[0].assert_role("arn:aws:iam::123456789012:role/r", None, None);
    calls[0].assert_signed_by(&access, None);
    calls[1].assert_role(
        "arn:aws:iam::123456789012:role/second",
        Some("ext-1"),
        Some("chained"),
    );
    calls[1].assert_signed_by(&calls[0].key, Some(&calls[0].reply_token));
    assert_ne!(calls[0].key, calls[1].key);
    let (authorization, token) = last_signature(&proxy, sent);
    assert!(
        authorization.contains(&format!("Credential={}/", calls[1].key)),
        "{authorization}"
    );
    assert_eq!(token.as_deref(), Some(calls[1].reply_token.as_str()));
    let origin = storage.resolved().credentials;
    assert!(
        origin.starts_with("STS AssumeRole of arn:aws:iam::123456789012:role/second"),
        "{origin}"
    );
    // A credentials endpoint that fails is the network's or the endpoint's failure,
    // never a configuration error.
    set_env("AWS_ENDPOINT_URL_STS", Some("http://127.0.0.1:9"));
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert_eq!(error.code(), ResultCode::Network, "{error}");
    let (refusing, _) = stub(|_| {
        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message>\
         </Error></ErrorResponse>"
            .to_string()
    });
    set_env("AWS_ENDPOINT_URL_STS", Some(&refusing));
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert_eq!(error.code(), ResultCode::Server, "{error}");
    assert_eq!(error.s3_code(), Some("AccessDenied"), "{error}");
    set_env("AWS_ENDPOINT_URL_STS", Some(&sts_proxy.endpoint()));
    set_env("AWS_PROFILE", Some("cycle-a"));
    let error = Storage::new(&keyless(&location)).unwrap_err();
    assert!(error.to_string().contains("cycle"), "{error}");
    set_env("AWS_PROFILE", None);

    // Web identity (IRSA) through moto, then through a stub STS whose credentials expire
    // at once: the token file is read again at each renewal.
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "token-one").unwrap();
    set_env("AWS_ROLE_ARN", Some("arn:aws:iam::123456789012:role/irsa"));
    set_env("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str());
    let (before, sent) = (sts_proxy.requests(), proxy.requests());
    let storage = Storage::new(&through(&proxy, &location)).unwrap();
    let _ = storage.exists("by-keys.txt");
    let calls = sts_calls(&sts_proxy, before);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].param("Action"), Some("AssumeRoleWithWebIdentity"));
    assert_eq!(
        calls[0].param("RoleArn"),
        Some("arn:aws:iam::123456789012:role/irsa")
    );
    assert_eq!(calls[0].param("WebIdentityToken"), Some("token-one"));
    let (authorization, token) = last_signature(&proxy, sent);
    assert!(
        authorization.contains(&format!("Credential={}/", calls[0].key)),
        "{authorization}"
    );
    assert_eq!(token.as_deref(), Some(calls[0].reply_token.as_str()));
    let (stub, calls) = stub_sts(1, 1);
    set_env("AWS_ENDPOINT_URL_STS", Some(&stub));
    let storage = Storage::new(&keyless(&location)).unwrap();
    std::fs::write(&token_file, "token-two").unwrap();
    let _ = storage.exists("by-keys.txt"); // the server knows no session token "stub-token"
    let calls = calls.lock().unwrap().clone();
    assert!(calls.len() >= 2, "{calls:?}");
    assert!(calls[0].contains("WebIdentityToken=token-one"), "{calls:?}");
    assert!(
        calls.last().unwrap().contains("WebIdentityToken=token-two"),
        "{calls:?}"
    );
    // Many threads needing a renewal at once cause one STS call, not one each.
    let (stub, calls) = stub_sts(1, 60);
    set_env("AWS_ENDPOINT_URL_STS", Some(&stub));
    let storage = Storage::new(&keyless(&location)).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| storage.url("x").unwrap());
        }
    });
    assert_eq!(
        calls.lock().unwrap().len(),
        2,
        "one call at creation, one renewal"
    );
    set_env("AWS_ROLE_ARN", None);
    set_env("AWS_WEB_IDENTITY_TOKEN_FILE", None);
    set_env("AWS_ENDPOINT_URL_STS", None);

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
