//! Flexible checksums (`x-amz-checksum-*`), the AWS SDKs' integrity check of uploads:
//! the server recomputes the checksum of what it received and refuses a body that was
//! damaged on the way. CRC32C by default (hardware-accelerated); `ChecksumAlgorithm` in
//! the object parameters picks another.

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

    /// The algorithm of a multipart upload's parts: CRC64NVME is a whole-object
    /// checksum, so its parts are checked with CRC32C.
    pub fn for_parts(self) -> ChecksumAlgorithm {
        match self {
            ChecksumAlgorithm::Crc64Nvme => ChecksumAlgorithm::Crc32c,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
