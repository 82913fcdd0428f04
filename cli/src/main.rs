//! `s3storage`: django-storages' S3 semantics from the shell, configured by the same
//! settings (from the environment, and `--set KEY=VALUE`). The exit status is the
//! library's result code (0 on success); a usage error exits 1 (invalid argument).

mod commands;
mod doctor;
mod output;

use clap::{Parser, Subcommand};
use output::Output;
use s3storage::{Error, ResultCode, Settings, Storage};
use std::process::ExitCode;

/// django-storages' S3 backend from the shell: the same settings (AWS_STORAGE_BUCKET_NAME,
/// AWS_S3_ENDPOINT_URL, AWS_LOCATION, ...) read from the environment, the same names and
/// semantics. The exit status is the library's result code (0: success; 1 invalid
/// argument, 2 configuration, 3 suspicious name, 4 not found, 5 already exists, 6 access
/// denied, 7 network, 8 server, 9 local I/O, 10 bad state, 11 checksum mismatch, 255
/// internal error).
#[derive(Parser, Debug)]
#[command(name = "s3storage", version, propagate_version = true)]
struct Cli {
    /// A setting by its Django name, over the environment's (repeatable), e.g.
    /// --set AWS_S3_FILE_OVERWRITE=False
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    settings: Vec<String>,
    /// Print results (and errors) as JSON, one object per command, for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// Print one line per HTTP request on standard error (operation, name, status,
    /// bytes, time, attempt; never a secret).
    #[arg(long, short = 'v', global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the directories and files directly under PATH (default: the top); with -r,
    /// every object below it, streamed (with --json, one object per line).
    Ls {
        /// The directory, relative to AWS_LOCATION.
        #[arg(default_value = "")]
        path: String,
        /// Every object below PATH, with size, modified time and ETag.
        #[arg(short, long)]
        recursive: bool,
    },
    /// Show an object's size, modified time and URL.
    Stat {
        /// The object's name.
        name: String,
    },
    /// Write an object's content to standard output.
    Cat {
        /// The object's name.
        name: String,
    },
    /// Save a local file (or standard input, "-") under NAME; prints the name actually
    /// used (another one when AWS_S3_FILE_OVERWRITE=False and NAME is taken).
    Put {
        /// The local file, or "-" for standard input.
        local: String,
        /// The wanted name.
        name: String,
    },
    /// Download an object to a local file (or standard output, "-").
    Get {
        /// The object's name.
        name: String,
        /// The local file to write, or "-" for standard output.
        local: String,
    },
    /// Copy: object to object on the server (the bytes stay there), a local file to an
    /// object (an upload, as put), or an object to a local file (a parallel download,
    /// as get). A local path begins with "/", "./" or "../" (or is "-": standard input
    /// or output); anything else names an object. Prints the name used (another one
    /// when AWS_S3_FILE_OVERWRITE=False and DST is taken).
    Cp {
        /// The source object, or a local file.
        src: String,
        /// The wanted destination name, or a local file.
        dst: String,
    },
    /// Move an object to another name: a server-side copy, then the source deleted.
    Mv {
        /// The source object.
        src: String,
        /// The wanted destination name.
        dst: String,
    },
    /// Delete an object (a missing one is not an error); with -r, every object under
    /// NAME/ (batches of 1,000 per request).
    Rm {
        /// The object's name (with -r: the directory).
        name: String,
        /// Every object under NAME/, recursively.
        #[arg(short, long)]
        recursive: bool,
    },
    /// Print the object's URL as django-storages' url() gives it.
    Url {
        /// The object's name.
        name: String,
        /// The lifetime of a signed URL in seconds (default AWS_QUERYSTRING_EXPIRE).
        #[arg(long)]
        expire: Option<u64>,
        /// The HTTP method the URL is signed for (GET, HEAD, PUT, DELETE).
        #[arg(long)]
        method: Option<String>,
    },
    /// Print a presigned URL (GET, PUT) for NAME, or with --method POST the URL and form
    /// fields of boto3's generate_presigned_post, as JSON.
    Presign {
        /// The object's name (for POST, it may end in ${filename}).
        name: String,
        /// GET (default), PUT or POST.
        #[arg(long, default_value = "GET")]
        method: String,
        /// The lifetime in seconds (default AWS_QUERYSTRING_EXPIRE).
        #[arg(long)]
        expire: Option<u64>,
        /// A POST policy condition as JSON, as boto3 takes them (repeatable), e.g.
        /// --condition '["content-length-range", 1, 1048576]'
        #[arg(long = "condition", value_name = "JSON")]
        conditions: Vec<String>,
    },
    /// Print the resolved configuration (never a secret) and check, one line each, that
    /// the bucket answers and that a test object can be written, read and deleted.
    Doctor,
}

fn main() -> ExitCode {
    // The library's warnings (legacy settings, retries, an upload it could not abort) on
    // standard error; RUST_LOG=s3storage=debug shows one line per request.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 1 } else { 0 });
        }
    };
    let out = Output::new(cli.json);
    let storage = settings(&cli.settings).and_then(|s| storage(&s, cli.verbose));
    if let Command::Doctor = cli.command {
        return ExitCode::from(exit_status(doctor::run(storage, &out)));
    }
    let result = storage.and_then(|storage| commands::run(cli.command, &storage, &out));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            out.error(&error);
            ExitCode::from(exit_status(error.code()))
        }
    }
}

/// The environment's settings with the --set ones over them.
fn settings(pairs: &[String]) -> Result<Settings, Error> {
    let mut settings = Settings::from_env()?;
    for (index, pair) in pairs.iter().enumerate() {
        let Some((key, value)) = pair.split_once('=') else {
            // The argument is not echoed: it may be a secret with a mistyped separator.
            return Err(Error::InvalidArgument(format!(
                "--set number {}: expected KEY=VALUE",
                index + 1
            )));
        };
        settings.set(key, value)?;
    }
    Ok(settings)
}

/// The storage of the settings; with `verbose`, telling of each request on stderr.
fn storage(settings: &Settings, verbose: bool) -> Result<Storage, Error> {
    let storage = Storage::new(settings)?;
    if verbose {
        storage.set_request_callback(Some(std::sync::Arc::new(|request| {
            let status = match request.http_status {
                0 => "no reply".to_string(),
                status => format!("HTTP {status}"),
            };
            eprintln!(
                "{} {} -> {status}, {} bytes, {:.1} ms (attempt {})",
                request.operation,
                request.name,
                request.bytes,
                request.seconds * 1000.0,
                request.attempt
            );
        })));
    }
    Ok(storage)
}

/// The exit status of a result code (its value; PANIC's 255 fits too).
fn exit_status(code: ResultCode) -> u8 {
    u8::try_from(code as i32).unwrap_or(255)
}
