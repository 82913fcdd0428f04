//! The specification's storage walkthrough, printing each step.
//!
//! Configured from the environment by Django setting names (AWS_STORAGE_BUCKET_NAME,
//! AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...). `scripts/demo.sh` starts a local
//! SeaweedFS and runs this against it.

use s3storage::{Settings, Storage};
use std::io::{Read, Write};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The library's records through the `log` facade: RUST_LOG=s3storage=debug shows one
    // line per request.
    env_logger::init();
    let settings = Settings::from_env()?;
    let storage = Storage::new(&settings)?;

    println!(">>> default_storage.exists('storage_test')");
    println!("{}", python_bool(storage.exists("storage_test")?));

    println!(">>> file = default_storage.open('storage_test', 'w')");
    let mut file = storage.open("storage_test", "w")?;
    println!(">>> file.write('storage contents')");
    file.write_all(b"storage contents")?;
    println!(">>> file.close()");
    file.close()?;

    println!(">>> default_storage.exists('storage_test')");
    println!("{}", python_bool(storage.exists("storage_test")?));

    println!(">>> file = default_storage.open('storage_test', 'r')");
    let mut file = storage.open("storage_test", "r")?;
    println!(">>> file.read()");
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    println!("'{text}'");
    println!(">>> file.close()");
    file.close()?;

    println!(">>> default_storage.delete('storage_test')");
    storage.delete("storage_test")?;
    println!(">>> default_storage.exists('storage_test')");
    println!("{}", python_bool(storage.exists("storage_test")?));
    Ok(())
}

fn python_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}
