//! Counting what crosses the wire: a loopback TCP proxy between a client and a server that
//! counts every byte in each direction, as read from and written to the sockets (request and
//! status lines, headers, bodies, chunk framing: everything), and the HTTP requests in them.
//!
//! Unlike the fault proxy of `tests/e2e`, which re-sends requests through an HTTP client (and so
//! sees bodies, not the bytes a client really sent), this one copies raw bytes and parses
//! only enough of HTTP/1.1 to tell where one request ends and the next begins
//! (`Content-Length` and chunked bodies).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Counts so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WireCounts {
    /// HTTP requests (complete request heads) sent by clients.
    pub requests: u64,
    /// Bytes from clients to the server.
    pub up: u64,
    /// Bytes from the server to clients.
    pub down: u64,
    /// TCP connections opened by clients.
    pub connections: u64,
    /// Time the server spent answering, summed over requests: from the last byte of a request
    /// passing the proxy to the first byte of its answer.
    pub server: Duration,
}

impl WireCounts {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &WireCounts) -> WireCounts {
        WireCounts {
            requests: self.requests - earlier.requests,
            up: self.up - earlier.up,
            down: self.down - earlier.down,
            connections: self.connections - earlier.connections,
            server: self.server.saturating_sub(earlier.server),
        }
    }

    /// Bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.up + self.down
    }
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    up: AtomicU64,
    down: AtomicU64,
    connections: AtomicU64,
    server_nanos: AtomicU64,
}

/// A running counting proxy on 127.0.0.1. Stops when dropped.
pub struct CountingProxy {
    addr: SocketAddr,
    counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl CountingProxy {
    /// Starts a proxy to `upstream` on the current tokio runtime.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<CountingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let shared = counters.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                shared.connections.fetch_add(1, Ordering::Relaxed);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    let sent = Arc::new(Mutex::new(None));
                    let up = pump(
                        client_read,
                        server_write,
                        shared.clone(),
                        sent.clone(),
                        true,
                    );
                    let down = pump(server_read, client_write, shared, sent, false);
                    let _ = tokio::join!(up, down);
                });
            }
        });
        Ok(CountingProxy {
            addr,
            counters,
            task,
        })
    }

    /// The base URL clients use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The counts so far.
    pub fn counts(&self) -> WireCounts {
        WireCounts {
            requests: self.counters.requests.load(Ordering::SeqCst),
            up: self.counters.up.load(Ordering::SeqCst),
            down: self.counters.down.load(Ordering::SeqCst),
            connections: self.counters.connections.load(Ordering::SeqCst),
            server: Duration::from_nanos(self.counters.server_nanos.load(Ordering::SeqCst)),
        }
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies one direction, counting bytes (and, upstream, requests), until either side closes.
/// `sent` holds when the last complete request went up, until its answer starts down.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counters: Arc<Counters>,
    sent: Arc<Mutex<Option<Instant>>>,
    upstream: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut parser = RequestCounter::default();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if upstream {
            counters.up.fetch_add(n as u64, Ordering::Relaxed);
            let before = parser.completed;
            let heads = parser.feed(&buf[..n]);
            counters.requests.fetch_add(heads, Ordering::Relaxed);
            if to.write_all(&buf[..n]).await.is_err() {
                break;
            }
            if parser.completed > before {
                *sent.lock().expect("not poisoned") = Some(Instant::now());
            }
        } else {
            if let Some(at) = sent.lock().expect("not poisoned").take() {
                counters
                    .server_nanos
                    .fetch_add(at.elapsed().as_nanos() as u64, Ordering::Relaxed);
            }
            counters.down.fetch_add(n as u64, Ordering::Relaxed);
            if to.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    }
    let _ = to.shutdown().await;
}

/// Where the request stream is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum State {
    /// Reading a request head (up to the blank line).
    #[default]
    Head,
    /// Inside a body of known length: bytes left.
    Body(u64),
    /// Reading a chunk-size line.
    ChunkSize,
    /// Inside a chunk: bytes left, then its CRLF.
    ChunkData(u64),
    /// The CRLF after a chunk: bytes left.
    ChunkEnd(u8),
    /// Trailer lines after the last chunk, up to a blank line.
    Trailers,
}

/// Counts HTTP/1.1 requests in a client's byte stream, fed in arbitrary pieces.
#[derive(Debug, Default)]
pub struct RequestCounter {
    state: State,
    /// The head or line being read.
    line: Vec<u8>,
    /// Requests read to their end (head and body).
    pub completed: u64,
}

/// A head longer than this is not HTTP we understand: stop parsing (bytes are still counted).
const MAX_HEAD: usize = 256 * 1024;

impl RequestCounter {
    /// Consumes `bytes`; returns how many request heads were completed in them.
    pub fn feed(&mut self, mut bytes: &[u8]) -> u64 {
        let mut heads = 0;
        while !bytes.is_empty() {
            match self.state {
                State::Head => {
                    let (taken, done) = take_until(&mut self.line, bytes, b"\r\n\r\n");
                    bytes = &bytes[taken..];
                    if done {
                        heads += 1;
                        self.state = body_of(&self.line);
                        self.line.clear();
                        if self.state == State::Head {
                            self.completed += 1;
                        }
                    } else if self.line.len() > MAX_HEAD {
                        self.line.clear();
                    }
                }
                State::Body(left) => {
                    let n = left.min(bytes.len() as u64);
                    bytes = &bytes[n as usize..];
                    self.state = if left == n {
                        self.completed += 1;
                        State::Head
                    } else {
                        State::Body(left - n)
                    };
                }
                State::ChunkSize => {
                    let (taken, done) = take_until(&mut self.line, bytes, b"\r\n");
                    bytes = &bytes[taken..];
                    if done {
                        let text = String::from_utf8_lossy(&self.line);
                        let size = text
                            .trim_end()
                            .split(';')
                            .next()
                            .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
                            .unwrap_or(0);
                        self.line.clear();
                        self.state = if size == 0 {
                            State::Trailers
                        } else {
                            State::ChunkData(size)
                        };
                    }
                }
                State::ChunkData(left) => {
                    let n = left.min(bytes.len() as u64);
                    bytes = &bytes[n as usize..];
                    self.state = if left == n {
                        State::ChunkEnd(2)
                    } else {
                        State::ChunkData(left - n)
                    };
                }
                State::ChunkEnd(left) => {
                    let n = (left as usize).min(bytes.len());
                    bytes = &bytes[n..];
                    self.state = if n == left as usize {
                        State::ChunkSize
                    } else {
                        State::ChunkEnd(left - n as u8)
                    };
                }
                State::Trailers => {
                    let (taken, done) = take_until(&mut self.line, bytes, b"\r\n");
                    bytes = &bytes[taken..];
                    if done {
                        let blank = self.line == b"\r\n";
                        self.line.clear();
                        if blank {
                            self.completed += 1;
                            self.state = State::Head;
                        }
                    }
                }
            }
        }
        heads
    }
}

/// Appends bytes to `line` until it ends with `end`; returns (bytes taken, whether it does).
fn take_until(line: &mut Vec<u8>, bytes: &[u8], end: &[u8]) -> (usize, bool) {
    for (i, b) in bytes.iter().enumerate() {
        line.push(*b);
        if line.ends_with(end) {
            return (i + 1, true);
        }
    }
    (bytes.len(), false)
}

/// The body that follows a request head.
fn body_of(head: &[u8]) -> State {
    let text = String::from_utf8_lossy(head);
    let mut length = 0u64;
    for line in text.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("transfer-encoding")
            && value.to_ascii_lowercase().contains("chunked")
        {
            return State::ChunkSize;
        }
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().unwrap_or(0);
        }
    }
    if length > 0 {
        State::Body(length)
    } else {
        State::Head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &[u8] = b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello\
GET /b HTTP/1.1\r\nHost: x\r\n\r\n\
PUT /c HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n10;x=y\r\n0123456789abcdef\r\n0\r\nT: 1\r\n\r\n\
POST /d HTTP/1.1\r\ncontent-length: 2\r\n\r\nok";

    #[test]
    fn counts_requests_whole_or_byte_by_byte() {
        let mut whole = RequestCounter::default();
        assert_eq!(whole.feed(STREAM), 4);
        assert_eq!(whole.completed, 4);
        let mut one = RequestCounter::default();
        let total: u64 = STREAM.iter().map(|b| one.feed(&[*b])).sum();
        assert_eq!(total, 4);
        let mut split = RequestCounter::default();
        let (a, b) = STREAM.split_at(71);
        assert_eq!(split.feed(a) + split.feed(b), 4);
    }

    #[test]
    fn a_body_that_looks_like_a_request_is_not_one() {
        let stream = b"POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\nGET / HTTP/1.1\r\n\r\n..";
        assert_eq!(RequestCounter::default().feed(stream), 1);
    }

    #[tokio::test]
    async fn proxies_and_counts() {
        const REQUEST: &[u8] = b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello";
        const ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = server.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            let mut buf = [0u8; 64];
            let mut got = 0;
            while got < REQUEST.len() {
                got += s.read(&mut buf).await.unwrap();
            }
            s.write_all(ANSWER).await.unwrap();
        });
        let proxy = CountingProxy::start(upstream).await.unwrap();
        let mut c = TcpStream::connect(proxy.addr).await.unwrap();
        c.write_all(REQUEST).await.unwrap();
        let mut answer = Vec::new();
        c.read_to_end(&mut answer).await.unwrap();
        assert!(answer.ends_with(b"hi"));
        let counts = proxy.counts();
        assert!(counts.server > Duration::ZERO);
        assert_eq!(
            (counts.requests, counts.up, counts.down, counts.connections),
            (1, REQUEST.len() as u64, ANSWER.len() as u64, 1)
        );
    }
}
