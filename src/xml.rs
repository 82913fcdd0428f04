//! Reading the XML documents servers send (S3 replies, STS): one entry point, which
//! refuses a document type declaration before anything is parsed, so that no entity a
//! server defines is ever expanded or even looked at (a "billion laughs" reply is an
//! error at once), then deserializes with quick-xml.

/// A reply's XML as `T`; an error says why (a DTD, or what does not fit).
pub(crate) fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    if declares_dtd(text) {
        return Err("the reply declares a document type (DOCTYPE or ENTITY): refused".into());
    }
    quick_xml::de::from_str(text).map_err(|error| error.to_string())
}

/// Whether a document carries `<!DOCTYPE` or `<!ENTITY` (in any case).
fn declares_dtd(text: &str) -> bool {
    let bytes = text.as_bytes();
    (bytes.windows(2).enumerate())
        .filter(|(_, pair)| pair == b"<!")
        .any(|(at, _)| {
            let rest = &bytes[at + 2..];
            ["DOCTYPE", "ENTITY"].iter().any(|word| {
                rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word.as_bytes())
            })
        })
}

/// The root element of a document (`Error`, `CompleteMultipartUploadResult`...),
/// without its namespace prefix; `None` for a DTD or no element.
pub(crate) fn root(text: &str) -> Option<String> {
    if declares_dtd(text) {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(text);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(start) | quick_xml::events::Event::Empty(start) => {
                let name = start.local_name();
                return Some(String::from_utf8_lossy(name.as_ref()).into_owned());
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct Error {
        #[serde(rename = "Code")]
        code: String,
    }

    #[test]
    fn entity_definitions_are_refused_at_once() {
        let mut laughs =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
        for level in 1..10 {
            let previous = format!(
                "&lol{};",
                if level == 1 {
                    String::new()
                } else {
                    (level - 1).to_string()
                }
            );
            laughs.push_str(&format!(
                "<!ENTITY lol{level} \"{}\">\n",
                previous.repeat(10)
            ));
        }
        laughs.push_str("]>\n<Error><Code>&lol9;</Code></Error>");
        let started = std::time::Instant::now();
        let refused = from_str::<Error>(&laughs).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(refused.contains("DOCTYPE"), "{refused}");
        assert!(from_str::<Error>("<!doctype x><Error><Code>A</Code></Error>").is_err());
        assert_eq!(root(&laughs), None);
        let plain = from_str::<Error>("<?xml version=\"1.0\"?><Error><Code>A&amp;B</Code></Error>");
        assert_eq!(plain.unwrap().code, "A&B");
        assert_eq!(root("<s3:Error xmlns:s3=\"x\"/>").as_deref(), Some("Error"));
    }
}
