//! The file commands: ls, stat, cat, put, get, rm, url. Each makes the storage from the
//! settings, does one thing through the library and prints its result.

use crate::output::Output;
use crate::Command;
use s3storage::{Direction, Error, Result, Settings, Storage, Transfer, UrlOptions};
use serde_json::json;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Runs a file command.
pub fn run(command: Command, settings: &Settings, out: &Output) -> Result<()> {
    let storage = Storage::new(settings)?;
    match command {
        Command::Ls { path } => ls(&storage, &path, out),
        Command::Stat { name } => stat(&storage, &name, out),
        Command::Cat { name } => cat(&storage, &name),
        Command::Put { local, name } => put(&storage, &local, &name, out),
        Command::Get { name, local } => get(&storage, &name, &local, out),
        Command::Rm { name } => {
            storage.delete(&name)?;
            out.result(json!({"deleted": name}), String::new);
            Ok(())
        }
        Command::Url {
            name,
            expire,
            method,
        } => {
            let options = UrlOptions {
                expire,
                http_method: method,
                ..UrlOptions::default()
            };
            let url = storage.url_with(&name, &options)?;
            out.result(json!({"name": name, "url": url}), || url.clone());
            Ok(())
        }
        Command::Doctor => unreachable!("doctor has its own module"),
    }
}

fn ls(storage: &Storage, path: &str, out: &Output) -> Result<()> {
    let (dirs, files) = storage.listdir(path)?;
    out.result(json!({"path": path, "dirs": dirs, "files": files}), || {
        let dirs = dirs.iter().map(|dir| format!("{dir}/"));
        dirs.chain(files.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

fn stat(storage: &Storage, name: &str, out: &Output) -> Result<()> {
    let size = storage.size(name)?;
    let modified = OffsetDateTime::from(storage.modified_time(name)?)
        .format(&Rfc3339)
        .unwrap_or_default();
    let url = storage.url(name)?;
    out.result(
        json!({"name": name, "size": size, "modified": modified, "url": url}),
        || format!("name:     {name}\nsize:     {size}\nmodified: {modified}\nurl:      {url}"),
    );
    Ok(())
}

fn cat(storage: &Storage, name: &str) -> Result<()> {
    let mut file = storage.open(name, "r")?;
    let stdout = io::stdout();
    let mut stdout = stdout.lock();
    io::copy(&mut file, &mut stdout).map_err(|error| local("writing to standard output", error))?;
    stdout
        .flush()
        .map_err(|error| local("writing to standard output", error))
}

fn put(storage: &Storage, local_path: &str, name: &str, out: &Output) -> Result<()> {
    let total = if local_path == "-" {
        None
    } else {
        let metadata = std::fs::metadata(local_path)
            .map_err(|error| local(&format!("reading {local_path}"), error))?;
        Some(metadata.len())
    };
    let bar = out.bar(total);
    let shown = bar.clone();
    storage.set_progress(Some(Arc::new(move |transfer: &Transfer<'_>| {
        if transfer.direction == Direction::Upload {
            shown.set_position(transfer.done);
        }
    })));
    let saved = if local_path == "-" {
        storage.save(name, io::stdin().lock())
    } else {
        storage.save_file(name, local_path)
    };
    bar.finish_and_clear();
    let saved = saved?;
    let size = storage.size(&saved)?;
    out.result(json!({"name": saved, "size": size}), || saved.clone());
    Ok(())
}

/// Downloads to a temporary file beside `local_path`, renamed into place only once
/// complete: a failed download leaves no partial file behind.
fn get(storage: &Storage, name: &str, local_path: &str, out: &Output) -> Result<()> {
    let mut file = storage.open(name, "r")?;
    let size = file.size()?;
    if local_path == "-" {
        let mut stdout = io::stdout().lock();
        copy(&mut file, &mut stdout, &out.bar(Some(size)))?;
        return stdout
            .flush()
            .map_err(|e| local("writing to standard output", e));
    }
    let target = Path::new(local_path);
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut partial = tempfile::NamedTempFile::new_in(dir)
        .map_err(|error| local(&format!("creating a file in {}", dir.display()), error))?;
    copy(&mut file, partial.as_file_mut(), &out.bar(Some(size)))?;
    partial
        .persist(target)
        .map_err(|error| local(&format!("writing {local_path}"), error.error))?;
    out.result(
        json!({"name": name, "local": local_path, "size": size}),
        || format!("{name} -> {local_path} ({size} bytes)"),
    );
    Ok(())
}

fn copy(from: &mut impl Read, to: &mut impl Write, bar: &indicatif::ProgressBar) -> Result<()> {
    let mut buffer = vec![0; 1 << 20];
    loop {
        let n = from
            .read(&mut buffer)
            .map_err(|error| Error::from_io_error("reading", error))?;
        if n == 0 {
            bar.finish_and_clear();
            return Ok(());
        }
        to.write_all(&buffer[..n])
            .map_err(|error| local("writing the local copy", error))?;
        bar.inc(n as u64);
    }
}

/// A local I/O failure.
fn local(what: &str, error: io::Error) -> Error {
    Error::Io(format!("{what}: {error}"))
}
