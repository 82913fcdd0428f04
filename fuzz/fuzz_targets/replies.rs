#![no_main]
//! Fuzz target: see s3storage::fuzzing::replies.
libfuzzer_sys::fuzz_target!(|data: &[u8]| s3storage::fuzzing::replies(data));
