//! Flexible checksums (`x-amz-checksum-*`), the AWS SDKs' integrity check of uploads
//! and downloads: the server recomputes the checksum of what it received and refuses a
//! body that was damaged on the way, and keeps the object's full checksum, which every
//! full read checks again ([`Hasher`], [`ObjectChecksum`]). CRC32C by default
//! (hardware-accelerated); `ChecksumAlgorithm` in the object parameters picks another.

use base64::Engine as _;
use sha1::Digest as _;

/// One table: the algorithm, its name in boto3 and S3, its header and XML element.
macro_rules! algorithms {
    ($($variant:ident = $name:literal, $header:literal, $element:literal;)+) => {
        /// A checksum algorithm S3 knows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum ChecksumAlgorithm {
            $(#[doc = $name] $variant,)+
        }

        impl ChecksumAlgorithm {
            /// By its boto3 / S3 name, e.g. `"CRC32C"` (case-insensitive).
            pub fn parse(name: &str) -> Option<ChecksumAlgorithm> {
                $(if name.eq_ignore_ascii_case($name) {
                    return Some(ChecksumAlgorithm::$variant);
                })+
                None
            }

            /// Its name, for `x-amz-checksum-algorithm`.
            pub fn name(self) -> &'static str {
                match self { $(ChecksumAlgorithm::$variant => $name,)+ }
            }

            /// The header that carries a value.
            pub fn header(self) -> &'static str {
                match self { $(ChecksumAlgorithm::$variant => $header,)+ }
            }

            /// The element of a part's value in CompleteMultipartUpload.
            pub fn element(self) -> &'static str {
                match self { $(ChecksumAlgorithm::$variant => $element,)+ }
            }
        }
    };
}

algorithms! {
    Crc32 = "CRC32", "x-amz-checksum-crc32", "ChecksumCRC32";
    Crc32c = "CRC32C", "x-amz-checksum-crc32c", "ChecksumCRC32C";
    Sha1 = "SHA1", "x-amz-checksum-sha1", "ChecksumSHA1";
    Sha256 = "SHA256", "x-amz-checksum-sha256", "ChecksumSHA256";
    Crc64Nvme = "CRC64NVME", "x-amz-checksum-crc64nvme", "ChecksumCRC64NVME";
}

#[allow(clippy::derivable_impls)] // the table is a macro; the default is named here
impl Default for ChecksumAlgorithm {
    fn default() -> ChecksumAlgorithm {
        ChecksumAlgorithm::Crc32c
    }
}

impl ChecksumAlgorithm {
    /// The checksum of `data`, base64 as S3 writes it.
    pub fn compute(self, data: &[u8]) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        match self {
            ChecksumAlgorithm::Crc32 => engine.encode(crc32fast::hash(data).to_be_bytes()),
            ChecksumAlgorithm::Crc32c => engine.encode(crc32c::crc32c(data).to_be_bytes()),
            ChecksumAlgorithm::Sha1 => engine.encode(sha1::Sha1::digest(data)),
            ChecksumAlgorithm::Sha256 => engine.encode(sha2::Sha256::digest(data)),
            ChecksumAlgorithm::Crc64Nvme => {
                let mut digest = crc64fast_nvme::Digest::new();
                digest.write(data);
                engine.encode(digest.sum64().to_be_bytes())
            }
        }
    }

    /// The checksum of `data` and its hex SHA-256 (the signed payload's hash), in one
    /// pass: block by block, so each block comes from memory once for both.
    pub fn compute_with_sha256(self, data: &[u8]) -> (String, String) {
        let mut checksum = Hasher::new(self);
        let mut sha256 = sha2::Sha256::new();
        for block in data.chunks(64 * 1024) {
            checksum.update(block);
            sha256.update(block);
        }
        (checksum.value(), hex::encode(sha256.finalize()))
    }

    /// The value of a whole object from its parts' values (base64) and lengths, in
    /// order, where the algorithm allows it without the bytes (CRC32, CRC32C); `None`
    /// for the others, or for a value that is not one of this algorithm.
    pub fn combined<'a>(self, parts: impl IntoIterator<Item = (&'a str, u64)>) -> Option<String> {
        let engine = base64::engine::general_purpose::STANDARD;
        let crc = |value: &str| -> Option<u32> {
            let bytes: [u8; 4] = engine.decode(value).ok()?.try_into().ok()?;
            Some(u32::from_be_bytes(bytes))
        };
        let mut whole: Option<u32> = None;
        for (value, len) in parts {
            let part = crc(value)?;
            whole = Some(match (self, whole) {
                (_, None) => part,
                (ChecksumAlgorithm::Crc32, Some(sum)) => {
                    let mut hasher = crc32fast::Hasher::new_with_initial_len(sum, 0);
                    hasher.combine(&crc32fast::Hasher::new_with_initial_len(part, len));
                    hasher.finalize()
                }
                (ChecksumAlgorithm::Crc32c, Some(sum)) => {
                    crc32c::crc32c_combine(sum, part, len as usize)
                }
                _ => return None,
            });
        }
        self.combinable()
            .then(|| engine.encode(whole.unwrap_or(0).to_be_bytes()))
    }

    /// Whether a whole object's value can be had from its parts' ([`Self::combined`]).
    pub fn combinable(self) -> bool {
        matches!(self, ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c)
    }

    /// The algorithm of a multipart upload's parts when the upload cannot declare a
    /// full-object checksum: CRC64NVME has no composite form, so its parts are checked
    /// with CRC32C.
    pub fn for_parts(self) -> ChecksumAlgorithm {
        match self {
            ChecksumAlgorithm::Crc64Nvme => ChecksumAlgorithm::Crc32c,
            other => other,
        }
    }

    /// Whether S3 keeps a full-object value of this algorithm for a multipart upload
    /// (`x-amz-checksum-type: FULL_OBJECT`): the CRCs, not the SHAs.
    pub fn has_full_object_form(self) -> bool {
        !matches!(self, ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256)
    }

    /// The length of a value in bytes.
    pub fn value_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// Every algorithm, in the order of the table.
    pub fn all() -> [ChecksumAlgorithm; 5] {
        use ChecksumAlgorithm::*;
        [Crc32, Crc32c, Sha1, Sha256, Crc64Nvme]
    }
}

/// botocore's `request_checksum_calculation` / `response_checksum_validation`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum ChecksumWhen {
    /// `when_supported` (the default since botocore 1.36): every upload carries a
    /// checksum, every full read asks for the object's and checks it.
    #[default]
    Supported,
    /// `when_required`: only where the call requires one, or the object parameters name
    /// a `ChecksumAlgorithm` (for servers that reject checksum headers).
    Required,
}

impl ChecksumWhen {
    /// By its botocore name (case-insensitive).
    pub fn parse(name: &str) -> Option<ChecksumWhen> {
        match name.trim().to_ascii_lowercase().as_str() {
            "when_supported" => Some(ChecksumWhen::Supported),
            "when_required" => Some(ChecksumWhen::Required),
            _ => None,
        }
    }
}

/// A checksum computed as bytes arrive, in order.
#[derive(Clone)]
pub(crate) enum Hasher {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Crc64Nvme(crc64fast_nvme::Digest),
}

impl Hasher {
    /// A hasher of `algorithm` over no bytes yet.
    pub fn new(algorithm: ChecksumAlgorithm) -> Hasher {
        match algorithm {
            ChecksumAlgorithm::Crc32 => Hasher::Crc32(crc32fast::Hasher::new()),
            ChecksumAlgorithm::Crc32c => Hasher::Crc32c(0),
            ChecksumAlgorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            ChecksumAlgorithm::Crc64Nvme => Hasher::Crc64Nvme(crc64fast_nvme::Digest::new()),
        }
    }

    /// Adds the next bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc32(hasher) => hasher.update(data),
            Hasher::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            Hasher::Sha1(hasher) => hasher.update(data),
            Hasher::Sha256(hasher) => hasher.update(data),
            Hasher::Crc64Nvme(digest) => digest.write(data),
        }
    }

    /// The value over every byte added, base64 as S3 writes it.
    pub fn value(&self) -> String {
        let engine = base64::engine::general_purpose::STANDARD;
        match self {
            Hasher::Crc32(hasher) => engine.encode(hasher.clone().finalize().to_be_bytes()),
            Hasher::Crc32c(crc) => engine.encode(crc.to_be_bytes()),
            Hasher::Sha1(hasher) => engine.encode(hasher.clone().finalize()),
            Hasher::Sha256(hasher) => engine.encode(hasher.clone().finalize()),
            Hasher::Crc64Nvme(digest) => engine.encode(digest.sum64().to_be_bytes()),
        }
    }
}

/// The checksum a server sent with an object (`x-amz-checksum-*` with
/// `x-amz-checksum-mode: ENABLED`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ObjectChecksum {
    /// Its algorithm.
    pub algorithm: ChecksumAlgorithm,
    /// The value as sent (base64; a composite one ends in `-N`).
    pub value: String,
    /// Whether it is the checksum of the whole object's bytes (a single PUT, or a
    /// multipart upload of type FULL_OBJECT), rather than a checksum of the parts'
    /// checksums (COMPOSITE, `…-N`), which a plain read cannot check.
    pub full_object: bool,
}

impl ObjectChecksum {
    /// From a reply's headers: the first `x-amz-checksum-<algorithm>` present, with
    /// `x-amz-checksum-type`. Without a type, the value is taken as the whole object's
    /// only when the object is not a multipart one (its ETag has no `-N`) and the value
    /// has no `-N` either: servers that keep composite values without saying so exist
    /// (moto), and a composite value must never be checked against the bytes.
    pub fn from_headers<'a>(header: impl Fn(&str) -> Option<&'a str>) -> Option<ObjectChecksum> {
        let (algorithm, value) = ChecksumAlgorithm::all().into_iter().find_map(|algorithm| {
            let value = header(algorithm.header())?.trim();
            (!value.is_empty()).then_some((algorithm, value))
        })?;
        let counted = |text: &str| {
            text.rsplit_once('-')
                .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        let multipart = header("etag").is_some_and(|etag| counted(etag.trim().trim_matches('"')));
        let composite = match header("x-amz-checksum-type").map(str::trim) {
            Some(kind) if kind.eq_ignore_ascii_case("FULL_OBJECT") => counted(value),
            Some(_) => true,
            None => multipart || counted(value),
        };
        // A value that is not the algorithm's length is no checksum of it (moto sends a
        // 4-byte "CRC64NVME" for multipart objects): never checked against the bytes.
        let fits = decode(value).is_some_and(|bytes| bytes.len() == algorithm.value_len());
        Some(ObjectChecksum {
            algorithm,
            value: value.to_string(),
            full_object: !composite && fits,
        })
    }
}

/// A checksum value's bytes, whatever the base64 alphabet or padding.
fn decode(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

impl ObjectChecksum {
    /// Whether `computed` (base64, as [`Hasher::value`] gives it) is this value: compared
    /// as bytes, so that a server's base64 without padding or in the URL-safe alphabet is
    /// the same checksum.
    pub fn matches(&self, computed: &str) -> bool {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        let decoded = |text: &str| {
            [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
        };
        match (decoded(&self.value), decoded(computed)) {
            (Some(ours), Some(theirs)) => ours == theirs,
            _ => self.value == computed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_and_combined_values_are_the_streamed_ones() {
        let data: Vec<u8> = (0..300_000u32).map(|i| (i * 31 % 251) as u8).collect();
        for algorithm in ChecksumAlgorithm::all() {
            let (value, sha) = algorithm.compute_with_sha256(&data);
            assert_eq!(value, algorithm.compute(&data), "{algorithm:?}");
            assert_eq!(sha, hex::encode(sha2::Sha256::digest(&data)));
            let cuts = [0usize, 1, 70_000, 70_001, 250_000, data.len()];
            let parts: Vec<(String, u64)> = (cuts.windows(2))
                .map(|w| (algorithm.compute(&data[w[0]..w[1]]), (w[1] - w[0]) as u64))
                .collect();
            let combined = algorithm.combined(parts.iter().map(|(v, n)| (v.as_str(), *n)));
            match algorithm {
                ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => {
                    assert_eq!(combined, Some(value), "{algorithm:?}")
                }
                _ => assert_eq!(combined, None, "{algorithm:?}"),
            }
        }
        assert_eq!(
            ChecksumAlgorithm::Crc32c.combined([("not base64!", 3)]),
            None
        );
    }

    #[test]
    fn known_values() {
        // "hello" as S3 and the AWS SDKs compute them.
        assert_eq!(ChecksumAlgorithm::Crc32c.compute(b"hello"), "mnG7TA==");
        assert_eq!(ChecksumAlgorithm::Crc32.compute(b"hello"), "NhCmhg==");
        assert_eq!(
            ChecksumAlgorithm::Sha1.compute(b"hello"),
            "qvTGHdzF6KLavt4PO0gs2a6pQ00="
        );
        assert_eq!(
            ChecksumAlgorithm::Sha256.compute(b"hello"),
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert_eq!(
            ChecksumAlgorithm::parse("crc32c"),
            Some(ChecksumAlgorithm::Crc32c)
        );
        assert_eq!(ChecksumAlgorithm::parse("MD5"), None);
        assert_eq!(
            ChecksumAlgorithm::Crc64Nvme.for_parts(),
            ChecksumAlgorithm::Crc32c
        );
        // CRC-64/NVME's check value (of "123456789") is 0xae8b14860a799888, big-endian.
        assert_eq!(
            ChecksumAlgorithm::Crc64Nvme.compute(b"123456789"),
            "rosUhgp5mIg="
        );
        assert_eq!(
            ChecksumAlgorithm::Crc64Nvme.compute(b"hello"),
            "M3eFcAZSQlc="
        );
        assert_eq!(ChecksumAlgorithm::Crc64Nvme.compute(b""), "AAAAAAAAAAA=");
    }

    #[test]
    fn hashing_in_pieces_equals_hashing_at_once() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in ChecksumAlgorithm::all() {
            let mut hasher = Hasher::new(algorithm);
            for piece in data.chunks(4093) {
                hasher.update(piece);
            }
            assert_eq!(hasher.value(), algorithm.compute(&data), "{algorithm:?}");
            assert_eq!(Hasher::new(algorithm).value(), algorithm.compute(b""));
        }
    }

    #[test]
    fn object_checksums_from_headers() {
        let headers = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        };
        let full = ObjectChecksum::from_headers(headers(&[("x-amz-checksum-crc32c", "mnG7TA==")]));
        assert_eq!(
            full,
            Some(ObjectChecksum {
                algorithm: ChecksumAlgorithm::Crc32c,
                value: "mnG7TA==".into(),
                full_object: true
            })
        );
        let composite =
            ObjectChecksum::from_headers(headers(&[("x-amz-checksum-sha256", "abc=-3")])).unwrap();
        assert!(!composite.full_object);
        let typed = ObjectChecksum::from_headers(headers(&[
            ("x-amz-checksum-crc32", "NhCmhg=="),
            ("x-amz-checksum-type", "COMPOSITE"),
        ]))
        .unwrap();
        assert!(!typed.full_object);
        assert_eq!(
            ObjectChecksum::from_headers(headers(&[("etag", "x")])),
            None
        );
    }
}
