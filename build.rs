//! Generates the C header with cbindgen into `$OUT_DIR/s3storage.h`.
//!
//! The build never writes into the source tree: `scripts/update-header.sh` copies the
//! generated header to the committed `include/s3storage.h`, and `tests/header.rs` fails
//! when the two differ.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let mut config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("cbindgen.toml is readable and valid");
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen can parse the crate");
    let generated = out_dir.join("s3storage.h");
    bindings.write_to_file(&generated);
}

/// The compile-time version macros, from Cargo.toml's version.
fn version_macros() -> String {
    let part = |name: &str| std::env::var(name).expect("cargo sets the version");
    let (major, minor, patch) = (
        part("CARGO_PKG_VERSION_MAJOR"),
        part("CARGO_PKG_VERSION_MINOR"),
        part("CARGO_PKG_VERSION_PATCH"),
    );
    format!(
        "\n/** The major version of this header. */\n#define S3STORAGE_VERSION_MAJOR {major}\n\
         /** The minor version of this header. */\n#define S3STORAGE_VERSION_MINOR {minor}\n\
         /** The patch version of this header. */\n#define S3STORAGE_VERSION_PATCH {patch}\n\
         /** The version of this header as a string, as s3storage_version() gives it. */\n\
         #define S3STORAGE_VERSION_STRING \"{major}.{minor}.{patch}\"\n"
    )
}
