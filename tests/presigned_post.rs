//! Presigned POST: the form boto3's `generate_presigned_post` gives, sent as a real
//! multipart/form-data upload to the server; one that keeps its conditions is stored, one
//! that breaks one is refused and stores nothing.

mod common;

use common::{storage, unique};
use s3storage::ResultCode;
use serde_json::json;

/// POSTs `fields` and then `content` as the file, the way a browser sends the form.
fn post_form(post: &s3storage::PresignedPost, content: &[u8]) -> (u16, String) {
    let boundary = format!("----s3storage{}", unique("b").replace(['/', '-'], ""));
    let mut body = Vec::new();
    for (name, value) in &post.fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.txt\"\r\n\
             Content-Type: text/plain\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(content);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let request = http::Request::builder()
        .method("POST")
        .uri(&post.url)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .unwrap();
    let response = agent.run(request).expect("the POST reaches the server");
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap_or_default();
    (status, text)
}

#[test]
fn a_form_within_its_conditions_is_stored_and_one_outside_refused() {
    if common::lacks(
        &["http", "presigned-post"],
        "a_form_within_its_conditions_is_stored_and_one_outside_refused",
    ) {
        return;
    }
    let storage = storage(&[]);
    storage.exists("warm-up").unwrap();
    let conditions = json!([["content-length-range", 1, 100], ["starts-with", "$Content-Type", "text/"], {"Content-Type": "text/plain"}]);
    let post = storage
        .presigned_post("forms/up.txt", Some(&conditions), Some(300))
        .unwrap();
    for field in [
        "key",
        "policy",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-algorithm",
        "Content-Type",
    ] {
        assert!(
            post.fields.contains_key(field),
            "{field} missing: {:?}",
            post.fields.keys()
        );
    }
    assert!(post.fields["key"].ends_with("forms/up.txt"));
    let parsed: serde_json::Value = serde_json::from_str(&post.to_json()).unwrap();
    assert_eq!(parsed["url"], post.url);
    let (status, text) = post_form(&post, b"posted bytes");
    assert!((200..300).contains(&status), "{status}: {text}");
    assert_eq!(
        common::proxy::read_all(&storage, "forms/up.txt").unwrap(),
        b"posted bytes"
    );
    // The refusals need a server that checks policies and signatures (moto does not).
    if common::lacks(
        &["auth"],
        "presigned POST refusals (content-length-range, signature)",
    ) {
        return;
    }
    // Too large for its content-length-range: refused, nothing stored.
    let small = json!([["content-length-range", 1, 5]]);
    let post = storage
        .presigned_post("forms/big.txt", Some(&small), None)
        .unwrap();
    let (status, text) = post_form(&post, b"twelve bytes");
    assert!((400..500).contains(&status), "{status}: {text}");
    assert!(!storage.exists("forms/big.txt").unwrap());
    // A tampered field breaks the signature.
    let mut post = storage
        .presigned_post("forms/tampered.txt", None, None)
        .unwrap();
    post.fields.insert(
        "key".into(),
        post.fields["key"].replace("tampered", "elsewhere"),
    );
    let (status, _) = post_form(&post, b"x");
    assert!((400..500).contains(&status), "{status}");
    assert!(!storage.exists("forms/elsewhere.txt").unwrap());
}

#[test]
fn bad_names_and_conditions_are_refused_before_anything() {
    let storage = storage(&[]);
    let bad = |conditions: serde_json::Value| {
        let error = storage
            .presigned_post("a.txt", Some(&conditions), None)
            .unwrap_err();
        assert_eq!(error.code(), ResultCode::InvalidArgument, "{error}");
    };
    bad(json!({"not": "a list"}));
    bad(json!([["content-length-range", 10, 1]]));
    bad(json!([["starts-with", "key", "x"]]));
    bad(json!([42]));
    bad(json!([{"key": "../elsewhere"}]));
    bad(json!([{"x-amz-credential": "forged"}]));
    let error = storage.presigned_post("../up.txt", None, None).unwrap_err();
    assert_eq!(error.code(), ResultCode::SuspiciousName);
}
