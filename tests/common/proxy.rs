//! A deterministic fault-injecting and recording HTTP proxy between the library and the
//! local server (loopback only). Rules say which requests meet which fault: 503, resets
//! before or while the body is sent, truncated, stalled or trickling replies, corrupted
//! request bodies, canned replies, damaged reply headers, or a hook run first. Every
//! request's head is recorded, so tests can check what went on the wire.

use super::{settings, unique};
use s3storage::Storage;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What happens to a request that a rule matches.
#[derive(Clone)]
pub enum Fault {
    /// Answer 503 SlowDown without forwarding.
    Status503,
    /// Answer 503 SlowDown with `x-amz-retry-after` (milliseconds), without forwarding.
    RetryAfter(u64),
    /// Close the connection before reading the request body.
    ResetBeforeBody,
    /// Close the connection halfway through the request body.
    ResetDuringBody,
    /// Forward, then send only half of the reply and close.
    TruncateResponse,
    /// Read the request, wait 3 s, close without answering.
    Stall,
    /// Forward, then send the reply slowly in small pieces.
    Trickle,
    /// Flip a byte in the middle of the request body, then forward.
    CorruptBody,
    /// Answer with this status and body, without forwarding.
    Respond(u16, String),
    /// Forward, then move the reply's Content-Range one byte later (the body unchanged).
    ShiftContentRange,
    /// Forward, then drop this reply header.
    DropHeader(&'static str),
    /// Forward, then flip one byte in the middle of the reply's body (its length and
    /// headers, checksums included, intact).
    CorruptReply,
    /// Run the hook, then forward.
    Hook(Arc<dyn Fn() + Send + Sync>),
    /// Answer as S3 does for a bucket in another region: 301 PermanentRedirect with
    /// `x-amz-bucket-region`, or 400 AuthorizationHeaderMalformed naming the region.
    WrongRegion(u16, &'static str),
}

impl fmt::Debug for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status503 => f.write_str("Status503"),
            Fault::RetryAfter(ms) => write!(f, "RetryAfter({ms})"),
            Fault::ResetBeforeBody => f.write_str("ResetBeforeBody"),
            Fault::ResetDuringBody => f.write_str("ResetDuringBody"),
            Fault::TruncateResponse => f.write_str("TruncateResponse"),
            Fault::Stall => f.write_str("Stall"),
            Fault::Trickle => f.write_str("Trickle"),
            Fault::CorruptBody => f.write_str("CorruptBody"),
            Fault::Respond(status, _) => write!(f, "Respond({status})"),
            Fault::ShiftContentRange => f.write_str("ShiftContentRange"),
            Fault::DropHeader(name) => write!(f, "DropHeader({name})"),
            Fault::CorruptReply => f.write_str("CorruptReply"),
            Fault::Hook(_) => f.write_str("Hook"),
            Fault::WrongRegion(status, region) => write!(f, "WrongRegion({status}, {region})"),
        }
    }
}

/// Which requests a rule hits.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// The n-th request (0-based) through the proxy.
    Nth(usize),
    /// Every request whose request line contains this text (e.g. "partNumber=").
    Containing(String),
    /// Every request whose method is this and whose line contains the text.
    Request(&'static str, String),
    /// Every request carrying this header.
    Header(&'static str),
    /// Every request whose line contains the text and which carries the header.
    LineAndHeader(String, &'static str),
}

impl Matcher {
    fn matches(&self, index: usize, head: &[String]) -> bool {
        let line = &head[0];
        match self {
            Matcher::Nth(n) => *n == index,
            Matcher::Containing(text) => line.contains(text.as_str()),
            Matcher::Request(method, text) => {
                line.starts_with(&format!("{method} ")) && line.contains(text.as_str())
            }
            Matcher::Header(name) => header(head, name).is_some(),
            Matcher::LineAndHeader(text, name) => {
                line.contains(text.as_str()) && header(head, name).is_some()
            }
        }
    }
}

struct Rule {
    matcher: Matcher,
    fault: Fault,
    /// How many more requests it may hit.
    remaining: usize,
    /// How many it hit.
    hits: usize,
}

/// One request that went through the proxy.
#[derive(Clone, Debug)]
pub struct Seen {
    /// Its index.
    pub index: usize,
    /// Request line and header lines.
    pub head: Vec<String>,
    /// The fault it met.
    pub fault: Option<String>,
    /// The first 64 KiB of its body.
    pub body: Vec<u8>,
    /// The first 64 KiB of the reply's body that the upstream sent (before any damage);
    /// empty when the proxy answered itself.
    pub reply: Vec<u8>,
    /// The upstream reply's status line and header lines (before any damage).
    pub reply_head: Vec<String>,
}

impl Seen {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.head, name)
    }

    /// A header's value in the upstream's reply.
    pub fn reply_header(&self, name: &str) -> Option<String> {
        header(&self.reply_head, name)
    }
}

/// The proxy; clones share it.
#[derive(Clone)]
pub struct FaultProxy {
    port: u16,
    upstream: String,
    count: Arc<AtomicUsize>,
    rules: Arc<Mutex<Vec<Rule>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn read_head(reader: &mut BufReader<TcpStream>) -> Option<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            return Some(lines);
        }
        lines.push(line);
    }
}

fn header(lines: &[String], name: &str) -> Option<String> {
    lines.iter().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

/// A reply's head lines and body.
fn split_reply(reply: &[u8]) -> (Vec<String>, Vec<u8>) {
    let end = reply
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(reply.len(), |p| p + 4);
    let head = String::from_utf8_lossy(&reply[..end]);
    let lines = head
        .split("\r\n")
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    (lines, reply[end..].to_vec())
}

fn join_reply(lines: &[String], body: &[u8]) -> Vec<u8> {
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
    out
}

/// `bytes a-b/n` → `bytes a+1-b+1/n`.
fn shifted(range: &str) -> String {
    let Some((span, total)) = range.trim_start_matches("bytes ").split_once('/') else {
        return range.to_string();
    };
    let Some((first, last)) = span.split_once('-') else {
        return range.to_string();
    };
    let (first, last): (u64, u64) = (first.parse().unwrap_or(0), last.parse().unwrap_or(0));
    format!("bytes {}-{}/{total}", first + 1, last + 1)
}

impl FaultProxy {
    /// Starts a proxy to the local server on a free loopback port.
    pub fn start() -> FaultProxy {
        FaultProxy::start_to(&super::endpoint())
    }

    /// Starts a proxy to another loopback HTTP service (`http://127.0.0.1:PORT`), such as
    /// the STS the test command starts.
    pub fn start_to(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let proxy = FaultProxy {
            upstream: upstream.trim_start_matches("http://").to_string(),
            port: listener.local_addr().unwrap().port(),
            count: Arc::default(),
            rules: Arc::default(),
            seen: Arc::default(),
        };
        let handle = proxy.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handle = handle.clone();
                // Replies go out at once (no Nagle delay behind a delayed ACK).
                let _ = stream.set_nodelay(true);
                std::thread::spawn(move || handle.serve(stream));
            }
        });
        proxy
    }

    /// The proxy's endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Adds a rule that hits at most `times` matching requests.
    pub fn add(&self, matcher: Matcher, fault: Fault, times: usize) {
        self.rules.lock().unwrap().push(Rule {
            matcher,
            fault,
            remaining: times,
            hits: 0,
        });
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Clears the rules after checking that each hit as often as it was allowed.
    pub fn clear_met(&self, what: &str) {
        let rules = std::mem::take(&mut *self.rules.lock().unwrap());
        for rule in rules {
            assert_eq!(
                rule.remaining,
                0,
                "{what}: {:?} never met {:?}: {:?}",
                rule.fault,
                rule.matcher,
                self.seen_lines()
            );
        }
    }

    /// Clears the rules after checking that each hit at least once; gives the hits.
    pub fn clear_fired(&self, what: &str) -> usize {
        let rules = std::mem::take(&mut *self.rules.lock().unwrap());
        let mut hits = 0;
        for rule in rules {
            assert!(
                rule.hits > 0,
                "{what}: {:?} never fired on {:?}: {:?}",
                rule.fault,
                rule.matcher,
                self.seen_lines()
            );
            hits += rule.hits;
        }
        hits
    }

    /// How many requests went through so far.
    pub fn requests(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Every request seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn seen_lines(&self) -> Vec<String> {
        let seen = self.seen.lock().unwrap();
        seen.iter()
            .map(|s| format!("{} {} {:?}", s.index, s.head[0], s.fault))
            .collect()
    }

    fn fault_for(&self, index: usize, head: &[String]) -> Option<Fault> {
        let mut rules = self.rules.lock().unwrap();
        let rule = rules
            .iter_mut()
            .find(|rule| rule.remaining > 0 && rule.matcher.matches(index, head))?;
        rule.remaining -= 1;
        rule.hits += 1;
        Some(rule.fault.clone())
    }

    fn serve(&self, client: TcpStream) {
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let mut client = client;
        while let Some(head) = read_head(&mut reader) {
            let index = self.count.fetch_add(1, Ordering::SeqCst);
            let fault = self.fault_for(index, &head);
            self.seen.lock().unwrap().push(Seen {
                index,
                head: head.clone(),
                fault: fault.as_ref().map(|f| format!("{f:?}")),
                body: Vec::new(),
                reply: Vec::new(),
                reply_head: Vec::new(),
            });
            if !self.exchange(&mut reader, &mut client, (index, head), fault) {
                return;
            }
        }
    }

    /// One request and its reply; false when the connection is to be closed.
    fn exchange(
        &self,
        reader: &mut BufReader<TcpStream>,
        client: &mut TcpStream,
        (index, mut head): (usize, Vec<String>),
        fault: Option<Fault>,
    ) -> bool {
        let length: usize = header(&head, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        match &fault {
            Some(Fault::ResetBeforeBody) => return hang_up(client),
            Some(Fault::ResetDuringBody) => {
                let _ = reader.read_exact(&mut body[..length / 2]);
                return hang_up(client);
            }
            _ => {}
        }
        if reader.read_exact(&mut body).is_err() {
            return false;
        }
        let mut seen = self.seen.lock().unwrap();
        if let Some(seen) = seen.iter_mut().rev().find(|seen| seen.index == index) {
            seen.body = body[..body.len().min(64 * 1024)].to_vec();
        }
        drop(seen);
        match &fault {
            Some(Fault::Status503) => {
                let xml = "<?xml version=\"1.0\"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
                return answer(client, 503, "Slow Down", xml);
            }
            Some(Fault::Respond(status, text)) => return answer(client, *status, "Canned", text),
            Some(Fault::RetryAfter(ms)) => return retry_after(client, *ms),
            Some(Fault::WrongRegion(status, region)) => {
                return wrong_region(client, *status, region)
            }
            Some(Fault::Stall) => {
                std::thread::sleep(Duration::from_secs(3));
                return hang_up(client);
            }
            Some(Fault::CorruptBody) if !body.is_empty() => {
                let middle = body.len() / 2;
                body[middle] ^= 0xff;
            }
            Some(Fault::Hook(hook)) => hook(),
            _ => {}
        }
        // Forward on a fresh upstream connection that closes after the reply.
        head.retain(|line| !line.to_ascii_lowercase().starts_with("connection:"));
        head.push("connection: close".into());
        let Some(reply) = forward(&self.upstream, &head, &body) else {
            return false;
        };
        let (reply_head, reply_body) = split_reply(&reply);
        let mut seen = self.seen.lock().unwrap();
        if let Some(seen) = seen.iter_mut().rev().find(|seen| seen.index == index) {
            seen.reply = reply_body[..reply_body.len().min(64 * 1024)].to_vec();
            seen.reply_head = reply_head;
        }
        drop(seen);
        let reply = damage_reply(reply, fault.as_ref());
        let sent = match fault {
            Some(Fault::TruncateResponse) => {
                // Half the body; a reply without one loses half of its head.
                let (_, body) = split_reply(&reply);
                let head_len = reply.len() - body.len();
                let cut = match body.len() {
                    0 => head_len / 2,
                    n => head_len + n / 2,
                };
                let _ = client.write_all(&reply[..cut]);
                return hang_up(client);
            }
            Some(Fault::Trickle) => reply.chunks(2048).try_for_each(|piece| {
                std::thread::sleep(Duration::from_millis(2));
                client.write_all(piece)
            }),
            _ => client.write_all(&reply),
        };
        let _ = sent;
        // The upstream closed: so does this exchange (its reply says connection: close).
        hang_up(client)
    }
}

/// The upstream's reply to one request.
fn forward(upstream: &str, head: &[String], body: &[u8]) -> Option<Vec<u8>> {
    let mut upstream = TcpStream::connect(upstream).ok()?;
    upstream.write_all(&join_reply(head, body)).ok()?;
    let mut reply = Vec::new();
    upstream.read_to_end(&mut reply).ok()?;
    Some(reply)
}

/// A reply with a header changed, as the fault says.
fn damage_reply(reply: Vec<u8>, fault: Option<&Fault>) -> Vec<u8> {
    let (mut lines, body) = split_reply(&reply);
    match fault {
        Some(Fault::ShiftContentRange) => {
            for line in lines.iter_mut() {
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("content-range") {
                        *line = format!("{name}: {}", shifted(value.trim()));
                    }
                }
            }
        }
        Some(Fault::DropHeader(dropped)) => lines.retain(|line| {
            line.split_once(':')
                .is_none_or(|(name, _)| !name.eq_ignore_ascii_case(dropped))
        }),
        Some(Fault::CorruptReply) if !body.is_empty() => {
            let mut body = body;
            let middle = body.len() / 2;
            body[middle] ^= 0x01;
            return join_reply(&lines, &body);
        }
        _ => return reply,
    }
    join_reply(&lines, &body)
}

fn answer(client: &mut TcpStream, status: u16, reason: &str, body: &str) -> bool {
    let reply = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/xml\r\netag: \"canned\"\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    client.write_all(reply.as_bytes()).is_ok()
}

fn wrong_region(client: &mut TcpStream, status: u16, region: &str) -> bool {
    let (code, message) = match status {
        301 => ("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint."),
        _ => ("AuthorizationHeaderMalformed", "the region 'us-east-1' is wrong"),
    };
    let body = format!(
        "<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>{message}</Message>\
         <Region>{region}</Region></Error>"
    );
    let reply = format!(
        "HTTP/1.1 {status} Moved\r\ncontent-type: application/xml\r\n\
         x-amz-bucket-region: {region}\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    client.write_all(reply.as_bytes()).is_ok()
}

fn retry_after(client: &mut TcpStream, ms: u64) -> bool {
    let xml = "<Error><Code>SlowDown</Code><Message>Wait.</Message></Error>";
    let reply = format!(
        "HTTP/1.1 503 Slow Down\r\ncontent-type: application/xml\r\n\
         x-amz-retry-after: {ms}\r\ncontent-length: {}\r\n\r\n{xml}",
        xml.len()
    );
    client.write_all(reply.as_bytes()).is_ok()
}

fn hang_up(client: &mut TcpStream) -> bool {
    let _ = client.shutdown(Shutdown::Both);
    false
}

/// A storage through the proxy (short timeouts, 3 attempts), and one direct to check on.
pub fn storages(proxy: &FaultProxy) -> (Storage, Storage) {
    let location = unique("faults");
    let endpoint = proxy.endpoint();
    let through = Storage::new(&settings(&[
        ("AWS_S3_ENDPOINT_URL", &endpoint),
        ("AWS_AUTO_CREATE_BUCKET", "False"),
        ("AWS_LOCATION", &location),
        ("AWS_S3_FILE_BUFFER_SIZE", "5242880"),
        (
            "AWS_S3_CLIENT_CONFIG",
            r#"{"connect_timeout": 1, "read_timeout": 1, "retries": {"total_max_attempts": 3}, "s3": {"payload_signing_enabled": false}}"#,
        ),
    ]))
    .unwrap();
    let direct = Storage::new(&settings(&[("AWS_LOCATION", &location)])).unwrap();
    direct.exists("warm-up").unwrap(); // creates the bucket if needed
    (through, direct)
}

pub fn read_all(storage: &Storage, name: &str) -> s3storage::Result<Vec<u8>> {
    let mut file = storage.open(name, "rb")?;
    let (mut data, mut buffer) = (Vec::new(), vec![0u8; 1 << 20]);
    loop {
        match file.read_bytes(&mut buffer)? {
            0 => return Ok(data),
            n => data.extend_from_slice(&buffer[..n]),
        }
    }
}

pub fn stream_write(storage: &Storage, name: &str, content: &[u8]) -> s3storage::Result<()> {
    let mut file = storage.open(name, "wb")?;
    for piece in content.chunks(1024 * 1024) {
        file.write_bytes(piece)?;
    }
    file.close()
}
