//! A man in the middle that breaks HTTP exchanges on purpose, between a device and the server.
//!
//! Offline-first tools fail users exactly where the network misbehaves: the server commits a
//! push and the answer never arrives; a connection drops halfway through a request or a response.
//! This proxy forwards each request to the server unless the next planned [`Fault`] says
//! otherwise, so a test can script "the second sync loses its answer" and check that nothing is
//! lost or doubled. It also counts requests and bytes on the wire (for benchmarks).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What to do to the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward it and return the answer.
    Pass,
    /// Close the connection after reading the request: the server never sees it.
    DropRequest,
    /// Forward it (the server commits), then close the connection: the answer is lost.
    DropResponse,
    /// Forward it, then send only the first `n` bytes of the answer's body and cut.
    TruncateResponse(usize),
}

#[derive(Default)]
struct Shared {
    plan: Mutex<VecDeque<Fault>>,
    upstream: Mutex<Option<SocketAddr>>,
    requests: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
}

/// A running proxy on 127.0.0.1.
pub struct FaultProxy {
    /// Where devices should connect.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` on the current tokio runtime.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared::default());
        *shared.upstream.lock().unwrap() = Some(upstream);
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .no_gzip()
            .no_proxy()
            .build()
            .expect("proxy client");
        let state = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                let client = client.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(req, state.clone(), client.clone()));
                    // A fault ends the connection with an error: that is the point.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FaultProxy { addr, shared, task }
    }

    /// The URL devices use.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues faults for the next requests (after them, requests pass).
    pub fn plan(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.plan.lock().unwrap().extend(faults);
    }

    /// Points the proxy at another server address (after a restart).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock().unwrap() = Some(upstream);
    }

    /// Requests seen so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Body bytes sent by devices and by the server so far (as on the wire, compressed if so).
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.shared.bytes_up.load(Ordering::SeqCst),
            self.shared.bytes_down.load(Ordering::SeqCst),
        )
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type ProxyBody = Pin<Box<dyn Body<Data = Bytes, Error = std::io::Error> + Send>>;

async fn handle(
    req: Request<Incoming>,
    state: Arc<Shared>,
    client: reqwest::Client,
) -> Result<Response<ProxyBody>, std::io::Error> {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let fault = state
        .plan
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Fault::Pass);
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .to_bytes();
    state
        .bytes_up
        .fetch_add(body.len() as u64, Ordering::SeqCst);
    if fault == Fault::DropRequest {
        return Err(std::io::Error::other("fault: request dropped"));
    }
    let upstream = state.upstream.lock().unwrap().expect("upstream set");
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut forward = client.request(parts.method.clone(), format!("http://{upstream}{path}"));
    for (name, value) in &parts.headers {
        if name != hyper::header::HOST && name != hyper::header::CONTENT_LENGTH {
            forward = forward.header(name, value);
        }
    }
    let answer = forward
        .body(body)
        .send()
        .await
        .map_err(|e| std::io::Error::other(format!("upstream: {e}")))?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer
        .bytes()
        .await
        .map_err(|e| std::io::Error::other(format!("upstream body: {e}")))?;
    state
        .bytes_down
        .fetch_add(bytes.len() as u64, Ordering::SeqCst);
    let body: ProxyBody = match fault {
        Fault::DropResponse => return Err(std::io::Error::other("fault: response dropped")),
        Fault::TruncateResponse(n) => Box::pin(Truncated {
            head: Some(bytes.slice(..n.min(bytes.len()))),
        }),
        _ => Box::pin(Full::new(bytes.clone()).map_err(|e: Infallible| match e {})),
    };
    let mut response = Response::builder().status(status);
    for (name, value) in &headers {
        if name != hyper::header::TRANSFER_ENCODING && name != hyper::header::CONTENT_LENGTH {
            response = response.header(name, value);
        }
    }
    // The full length is announced, so a truncated body is visibly cut short.
    response = response.header(hyper::header::CONTENT_LENGTH, bytes.len());
    response
        .body(body)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A body that yields its head and then fails, cutting the connection mid-answer.
struct Truncated {
    head: Option<Bytes>,
}

impl Body for Truncated {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.head.take() {
            Some(head) if !head.is_empty() => Poll::Ready(Some(Ok(Frame::data(head)))),
            _ => Poll::Ready(Some(Err(std::io::Error::other("fault: response cut")))),
        }
    }
}
