//! The file commands: ls, stat, cat, put, get, cp, mv, rm, url, presign. Each does one thing through the
//! storage made from the settings and prints its result.

use crate::output::Output;
use crate::Command;
use s3storage::{Direction, Error, Result, Storage, Transfer, UrlOptions};
use serde_json::json;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Runs a file command.
pub fn run(command: Command, storage: &Storage, out: &Output) -> Result<()> {
    match command {
        Command::Ls {
            path,
            recursive: false,
        } => ls(storage, &path, out),
        Command::Ls {
            path,
            recursive: true,
        } => ls_recursive(storage, &path, out),
        Command::Stat { name } => stat(storage, &name, out),
        Command::Cat { name } => cat(storage, &name),
        Command::Put { local, name } => put(storage, &local, &name, out),
        Command::Get { name, local } => get(storage, &name, &local, out),
        Command::Cp { src, dst } => match (is_local(&src), is_local(&dst)) {
            (false, false) => {
                let saved = storage.copy(&src, &dst, &Default::default())?;
                out.result(json!({"copied": src, "to": saved}), || saved.clone())
            }
            (true, false) => put(storage, &src, &dst, out),
            (false, true) => get(storage, &src, &dst, out),
            (true, true) => Err(Error::InvalidArgument(format!(
                "cp {src} {dst}: both are local paths; one end must be an object name"
            ))),
        },
        Command::Presign {
            name,
            method,
            expire,
            conditions,
        } => presign(storage, &name, (&method, expire, &conditions), out),
        Command::Mv { src, dst } => {
            let saved = storage.move_to(&src, &dst, &Default::default())?;
            out.result(json!({"moved": src, "to": saved}), || saved.clone())
        }
        Command::Rm {
            name,
            recursive: false,
        } => {
            storage.delete(&name)?;
            out.result(json!({"deleted": name}), String::new)
        }
        Command::Rm {
            name,
            recursive: true,
        } => {
            let count = storage.delete_prefix(&name)?;
            out.result(json!({"deleted_under": name, "count": count}), || {
                format!("{count} objects deleted under {name}/")
            })
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
            out.result(json!({"name": name, "url": url}), || url.clone())
        }
        Command::Doctor => unreachable!("doctor has its own module"),
    }
}

/// Whether a `cp` argument is a local path ("/", "./", "../", "-") or an object name.
fn is_local(argument: &str) -> bool {
    argument == "-" || ["/", "./", "../"].iter().any(|p| argument.starts_with(p))
}

/// `presign`: a signed GET or PUT URL, or a presigned POST's URL and form fields.
fn presign(
    storage: &Storage,
    name: &str,
    (method, expire, conditions): (&str, Option<u64>, &[String]),
    out: &Output,
) -> Result<()> {
    let method = method.to_ascii_uppercase();
    if method != "POST" {
        if !conditions.is_empty() {
            return Err(Error::InvalidArgument(
                "--condition is for --method POST only".into(),
            ));
        }
        let options = UrlOptions {
            expire,
            http_method: Some(method),
            ..UrlOptions::default()
        };
        let url = storage.url_with(name, &options)?;
        // url() follows django-storages: a custom domain, or AWS_QUERYSTRING_AUTH=False,
        // gives a plain URL (a CloudFront-signed one for GET): no presigned URL at all.
        let s3_signed = url.contains("X-Amz-Signature=") || url.contains("AWSAccessKeyId=");
        if !(s3_signed
            || (options.http_method.as_deref() == Some("GET") && url.contains("Signature=")))
        {
            return Err(Error::InvalidArgument(format!(
                "presign: these settings give no presigned {} URL (AWS_S3_CUSTOM_DOMAIN or \
                 AWS_QUERYSTRING_AUTH=False make url() plain); override them with --set",
                options.http_method.as_deref().unwrap_or("GET")
            )));
        }
        return out.result(json!({"name": name, "url": url}), || url.clone());
    }
    let conditions = (conditions.iter().enumerate())
        .map(|(index, text)| {
            serde_json::from_str(text).map_err(|error| {
                Error::InvalidArgument(format!("--condition number {}: {error}", index + 1))
            })
        })
        .collect::<Result<Vec<serde_json::Value>>>()?;
    let post = storage.presigned_post(name, Some(&serde_json::Value::Array(conditions)), expire)?;
    let form = json!({"url": post.url, "fields": post.fields});
    out.result(form.clone(), || form.to_string())
}

fn ls(storage: &Storage, path: &str, out: &Output) -> Result<()> {
    let (dirs, files) = storage.listdir(path)?;
    out.result(json!({"path": path, "dirs": dirs, "files": files}), || {
        let dirs = dirs.iter().map(|dir| format!("{dir}/"));
        dirs.chain(files.iter().cloned())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// Every object below `path`, a line (or a JSON object) each as the pages come.
fn ls_recursive(storage: &Storage, path: &str, out: &Output) -> Result<()> {
    for entry in storage.list(path, true)? {
        let entry = entry?;
        let modified = (entry.modified)
            .and_then(|at| OffsetDateTime::from(at).format(&Rfc3339).ok())
            .unwrap_or_default();
        let as_json = json!({"name": entry.name, "size": entry.size, "modified": modified,
            "etag": entry.etag});
        out.result(as_json, || {
            format!("{:>12}  {modified:<20}  {}", entry.size, entry.name)
        })?;
    }
    Ok(())
}

fn stat(storage: &Storage, name: &str, out: &Output) -> Result<()> {
    let info = storage.stat(name)?;
    let modified = (info.modified)
        .and_then(|at| OffsetDateTime::from(at).format(&Rfc3339).ok())
        .unwrap_or_default();
    let url = storage.url(name)?;
    let version = info.version_id.clone().unwrap_or_default();
    let as_json = json!({"name": info.name, "size": info.size, "modified": modified,
        "etag": info.etag, "content_type": info.content_type, "metadata": info.metadata,
        "version_id": info.version_id, "url": url});
    out.result(as_json, || {
        let mut lines = vec![
            format!("name:         {}", info.name),
            format!("size:         {}", info.size),
            format!("modified:     {modified}"),
            format!("etag:         {}", info.etag),
            format!("content type: {}", info.content_type),
        ];
        if !version.is_empty() {
            lines.push(format!("version:      {version}"));
        }
        (info.metadata.iter()).for_each(|(key, value)| lines.push(format!("meta {key}: {value}")));
        lines.push(format!("url:          {url}"));
        lines.join("\n")
    })
}

fn cat(storage: &Storage, name: &str) -> Result<()> {
    let mut file = storage.open(name, "r")?;
    let mut stdout = io::stdout().lock();
    copy(&mut file, &mut stdout, &indicatif::ProgressBar::hidden())?;
    stdout
        .flush()
        .map_err(|e| local("writing to standard output", e))
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
    let mut counted = Counted {
        inner: io::stdin().lock(),
        count: 0,
    };
    let saved = match local_path {
        "-" => storage.save(name, &mut counted),
        _ => storage.save_file(name, local_path),
    };
    bar.finish_and_clear();
    let saved = saved?;
    // The size is what was read, not a HEAD afterwards: an upload-only key may not read.
    let size = total.unwrap_or(counted.count);
    out.result(json!({"name": saved, "size": size}), || saved.clone())
}

/// A reader that counts the bytes it gave.
struct Counted<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Downloads to a temporary file beside `local_path`, renamed into place only once
/// complete: a failed download leaves no partial file behind.
fn get(storage: &Storage, name: &str, local_path: &str, out: &Output) -> Result<()> {
    if local_path == "-" {
        let mut file = storage.open(name, "r")?;
        let size = file.size()?;
        let mut stdout = io::stdout().lock();
        copy(&mut file, &mut stdout, &out.bar(Some(size)))?;
        return stdout
            .flush()
            .map_err(|e| local("writing to standard output", e));
    }
    // Streamed (or in parallel ranges) into a file beside the target, checked, renamed.
    let bar = out.bar(None);
    let shown = bar.clone();
    storage.set_progress(Some(Arc::new(move |transfer: &Transfer<'_>| {
        if transfer.direction == Direction::Download {
            shown.set_length(transfer.total.unwrap_or(0));
            shown.set_position(transfer.done);
        }
    })));
    let downloaded = storage.download_to(name, Path::new(local_path));
    bar.finish_and_clear();
    let written = downloaded?;
    out.result(
        json!({"name": name, "local": local_path, "size": written}),
        || format!("{name} -> {local_path} ({written} bytes)"),
    )
}

/// Copies an object's content to a local writer; gives the bytes copied. Read failures
/// keep the library's code (network, server); write failures are local I/O.
fn copy(from: &mut impl Read, to: &mut impl Write, bar: &indicatif::ProgressBar) -> Result<u64> {
    let (mut buffer, mut copied) = (vec![0; 1 << 20], 0u64);
    loop {
        let n = from
            .read(&mut buffer)
            .map_err(|error| Error::from_io_error("reading", error))?;
        if n == 0 {
            bar.finish_and_clear();
            return Ok(copied);
        }
        match to.write_all(&buffer[..n]) {
            // Standard output closed by its reader (`| head`): nothing more is wanted.
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(copied),
            Err(error) => return Err(local("writing the local copy", error)),
            Ok(()) => {}
        }
        copied += n as u64;
        bar.inc(n as u64);
    }
}

/// A local I/O failure.
fn local(what: &str, error: io::Error) -> Error {
    Error::io_message(format!("{what}: {error}"))
}
