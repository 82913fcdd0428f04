//! Generates the C header, `include/s3storage.h`'s source of truth, with cbindgen from
//! `src/ffi` and `cbindgen.toml`, when the `capi` feature builds the C library (cargo-c's
//! `cargo cbuild`/`cinstall` turn it on and install the committed copy, which the test
//! command keeps equal to this output; the Python wheel's build turns it on too). A Rust dependent builds neither cbindgen nor the C layer. The header is
//! written to `OUT_DIR/s3storage.h`; `scripts/update-header.sh` copies it into the tree
//! (and `--check` fails the test command while the committed copy differs).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src/ffi");
    #[cfg(feature = "capi")]
    header::generate();
}

#[cfg(feature = "capi")]
mod header {
    use std::path::PathBuf;

    pub fn generate() {
        let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
        let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
            .unwrap_or_else(|error| panic!("cbindgen.toml: {error}"));
        let bindings = cbindgen::Builder::new()
            .with_crate(&root)
            .with_config(config)
            .generate()
            .unwrap_or_else(|error| panic!("cbindgen could not generate the header: {error}"));
        bindings.write_to_file(out.join("s3storage.h"));
    }
}
