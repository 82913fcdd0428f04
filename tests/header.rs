//! The committed C header declares the whole API with its version. That it is what
//! cbindgen generates from the sources now is checked by scripts/test-c.sh after `cargo
//! cbuild` (cargo-c generates the header).

#[test]
fn header_declares_every_api_function() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/s3storage.h"))
            .unwrap();
    for function in [
        "s3storage_version",
        "s3storage_errmsg",
        "s3storage_code_name",
        "s3storage_set_log_callback",
        "s3storage_settings_new",
        "s3storage_settings_set",
        "s3storage_settings_load_env",
        "s3storage_settings_free",
        "s3storage_new",
        "s3storage_free",
        "s3storage_exists",
        "s3storage_delete",
        "s3storage_size",
        "s3storage_modified_time",
        "s3storage_url",
        "s3storage_url_ex",
        "s3storage_get_available_name",
        "s3storage_save",
        "s3storage_save_file",
        "s3storage_listdir",
        "s3storage_open",
        "s3storage_file_read",
        "s3storage_file_write",
        "s3storage_file_seek",
        "s3storage_file_size",
        "s3storage_file_close",
        "s3storage_string_free",
        "s3storage_strv_free",
        "s3storage_set_progress_callback",
        "s3storage_file_abort",
        "s3storage_save_ex",
        "s3storage_save_file_ex",
        "s3storage_open_ex",
        "s3storage_save_reader_ex",
        "s3storage_settings_names",
    ] {
        assert!(
            header.contains(&format!("{function}(")),
            "{function} missing"
        );
    }
    for line in header.lines().filter(|line| line.starts_with("#include")) {
        assert!(
            ["<stdbool.h>", "<stddef.h>", "<stdint.h>"]
                .iter()
                .any(|h| line.ends_with(h)),
            "{line}"
        );
    }
    assert!(header.contains("#ifndef S3STORAGE_H") && header.contains("extern \"C\""));
}

#[test]
fn version_macros_are_the_library_version() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/s3storage.h"))
            .unwrap();
    let define = |name: &str| {
        let prefix = format!("#define {name} ");
        header
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("{name} missing"))
            .trim_matches('"')
            .to_string()
    };
    let library = unsafe { std::ffi::CStr::from_ptr(s3storage::ffi::s3storage_version()) };
    let library = library.to_str().unwrap();
    assert_eq!(define("S3STORAGE_VERSION_STRING"), library);
    let parts = [
        define("S3STORAGE_VERSION_MAJOR"),
        define("S3STORAGE_VERSION_MINOR"),
        define("S3STORAGE_VERSION_PATCH"),
    ];
    assert_eq!(parts.join("."), library);
    assert_eq!(library, env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_function_is_documented_like_sqlite3_h() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/s3storage.h"))
            .unwrap();
    let (mut block, mut checked) = (String::new(), 0);
    for line in header.lines() {
        if line.starts_with("/**") {
            block.clear();
        }
        block.push_str(line);
        block.push('\n');
        let code = !line.starts_with([' ', '/', '#', '*']);
        let declares = code && line.contains("s3storage_") && line.contains('(');
        if declares && !line.starts_with("typedef") {
            let function = line.split('(').next().unwrap();
            checked += 1;
            assert!(block.contains("*/"), "{function}: no /** */ block");
            let returns_code = line.starts_with("int ");
            if returns_code {
                assert!(block.contains("@return"), "{function}: no @return");
                assert!(block.contains("S3STORAGE_"), "{function}: no result codes");
            }
            let takes_args = !line.contains("(void)");
            if takes_args && !line.starts_with("void ") {
                assert!(block.contains("@param"), "{function}: no @param");
            }
            // Each declaration has a block of its own: the next one must not borrow it.
            block.clear();
        }
    }
    assert!(checked >= 28, "only {checked} declarations found");
    assert!(
        !header.contains("API.md"),
        "the header refers to a document outside it"
    );
}

#[test]
fn cbindgen_toml_carries_the_crate_version() {
    let config =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/cbindgen.toml")).unwrap();
    let expected = format!(
        "#define S3STORAGE_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION")
    );
    assert!(
        config.contains(&expected),
        "cbindgen.toml's version macros are not {}: update them with Cargo.toml's version",
        env!("CARGO_PKG_VERSION")
    );
    for (name, part) in [
        ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(config.contains(&format!("#define S3STORAGE_VERSION_{name} {part}\n")));
    }
}
