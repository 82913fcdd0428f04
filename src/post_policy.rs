//! boto3's `Conditions` of a presigned POST, checked before anything is signed.

use crate::error::{Error, Result};
use serde_json::Value;

/// Checks boto3's `Conditions`: objects of exact fields, or `[op, field, value]` with op
/// `eq` or `starts-with`, or `["content-length-range", min, max]`.
pub(crate) fn check_conditions(conditions: &[Value]) -> Result<()> {
    let bad = |why: String| Err(Error::InvalidArgument(format!("POST conditions: {why}")));
    for condition in conditions {
        match condition {
            Value::Object(fields) if fields.keys().any(|name| reserved(name)) => {
                return bad(format!(
                    "{condition}: the key, bucket, policy and signing fields are the \
                     library's to set"
                ));
            }
            Value::Object(fields) if fields.values().all(Value::is_string) => {}
            Value::Array(items) => match items.as_slice() {
                [Value::String(op), Value::String(field), Value::String(_)]
                    if matches!(op.as_str(), "eq" | "starts-with") && field.starts_with('$') => {}
                [Value::String(op), low, high] if op == "content-length-range" => {
                    if !(low.is_u64() && high.is_u64() && low.as_u64() <= high.as_u64()) {
                        return bad(format!("{condition}: the range must be two sizes, low first"));
                    }
                }
                _ => return bad(format!("{condition} is not [\"eq\"|\"starts-with\", \"$field\", \"value\"] or [\"content-length-range\", min, max]")),
            },
            _ => return bad(format!("{condition} is neither an object of text fields nor a list")),
        }
    }
    Ok(())
}

/// The fields a presigned POST sets itself: never from a condition.
fn reserved(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(name.as_str(), "key" | "bucket" | "policy" | "file")
        || (name.starts_with("x-amz-") && !name.starts_with("x-amz-meta-"))
}
