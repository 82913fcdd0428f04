//! How results and errors are printed: lines for people, one JSON object per command
//! with `--json`, and progress bars for transfers when standard error is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use s3storage::Error;
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};

/// Where a command's results go.
pub struct Output {
    json: bool,
}

impl Output {
    /// Human-readable lines, or JSON with `json`.
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    /// Prints a result: `value` as JSON, or the `text` lines. A reader that went away
    /// (`| head`) is not an error; any other write failure is local I/O.
    pub fn result(&self, value: Value, text: impl FnOnce() -> String) -> Result<(), Error> {
        let line = if self.json { value.to_string() } else { text() };
        if line.is_empty() {
            return Ok(());
        }
        match writeln!(std::io::stdout().lock(), "{line}") {
            Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io_message(
                format!("writing to standard output: {error}"),
            )),
            _ => Ok(()),
        }
    }

    /// Prints a failure on standard error: one line, or a JSON object with the code.
    pub fn error(&self, error: &Error) {
        let message = error.to_string().replace('\n', " ");
        if self.json {
            let code = error.code();
            eprintln!(
                "{}",
                json!({"error": format!("{code:?}"), "code": code as i32, "message": message})
            );
        } else {
            eprintln!("s3storage: {message}");
        }
    }

    /// A progress bar for a transfer of `total` bytes (unknown: a spinner with a count),
    /// drawn only when standard error is a terminal and the output is not JSON.
    pub fn bar(&self, total: Option<u64>) -> ProgressBar {
        if self.json || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let template = match total {
            Some(_) => "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            None => "{spinner} {bytes} {bytes_per_sec}",
        };
        let bar = match total {
            Some(total) => ProgressBar::new(total),
            None => ProgressBar::new_spinner(),
        };
        bar.set_style(ProgressStyle::with_template(template).expect("a valid template"));
        bar
    }
}
