//! The HTTP sync API (`DESIGN.md` §5): `GET /v1/health`, `POST /v1/enroll`, `POST /v1/grants`
//! (an enrolled device's next placement), `POST /v1/sync`, over any [`Storage`].
//!
//! Bad input never costs more than a 4xx: bodies are JSON only and size-limited before and
//! after gzip, requests time out, and clients are rate-limited per address and per device.
//! Every error carries an `ErrorBody`. Logs are structured (one line per request: request id,
//! method, route, status, latency, device id, op counts) and carry no personal data.
//!
//! TLS is built in (rustls with ring). Plain HTTP is for loopback only, unless the operator
//! says otherwise (`--allow-plain-http`, e.g. behind a TLS-terminating proxy on the same host):
//! device tokens and care records must not cross a network in clear text.
//!
//! The connection edge is our own small accept loop over hyper's HTTP/1 connections rather than
//! `axum::serve`, because `axum::serve` cannot set the limits a server on the open internet
//! needs: a header-read timeout (a slowloris client trickling headers is cut off), a timeout
//! for a connection on which nothing moves, and a ceiling on open connections (see
//! [`Limits`] and `serve_router`). HTTP/1.1 only: devices speak nothing else, and HTTP/2's
//! multiplexing would need limits of its own.

pub mod body;
pub mod error;
pub mod handlers;
pub mod limits;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath};
use axum::http::{Request, Response, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::{ServiceBuilder, ServiceExt};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::Empty;

pub use self::error::ApiError;
use self::handlers::App;
use self::limits::Limiters;
pub use self::limits::{ClientIp, Limits, RateLimit};
use crate::storage::Storage;

/// How long in-flight requests may take to finish after a shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The certificate chain and key for HTTPS, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain (PEM).
    pub cert: PathBuf,
    /// The private key (PEM).
    pub key: PathBuf,
}

/// How to serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeConfig {
    /// Where to listen (port 0: any free port).
    pub listen: SocketAddr,
    /// HTTPS, if given.
    pub tls: Option<TlsFiles>,
    /// Serve plain HTTP on a non-loopback address (behind a TLS proxy on the same host).
    pub allow_plain_http: bool,
    /// Rate, size and time limits.
    pub limits: Limits,
}

impl ServeConfig {
    /// Plain HTTP on `listen` (which must be loopback) with default limits.
    pub fn loopback(listen: SocketAddr) -> Self {
        ServeConfig {
            listen,
            tls: None,
            allow_plain_http: false,
            limits: Limits::default(),
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Plain HTTP on an address other machines can reach.
    #[error(
        "refusing to serve plain HTTP on {0}: device tokens and care records would cross the \
         network unencrypted. Give --tls-cert and --tls-key, listen on 127.0.0.1 or ::1, or, \
         behind a TLS-terminating proxy on this host, pass --allow-plain-http"
    )]
    PlainHttpRefused(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate or key could not be loaded.
    #[error("TLS: {0}")]
    Tls(String),
    /// The server failed while running.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

fn make_span<B>(request: &Request<B>) -> Span {
    // The route pattern, never the raw path; the request id set by the layer outside this one.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %request.method(),
        route = %route,
        device_id = Empty,
        pushed = Empty,
        applied = Empty,
        superseded = Empty,
        rejected = Empty,
        pulled = Empty,
        more = Empty,
    )
}

fn on_response<B>(response: &Response<B>, latency: Duration, _span: &Span) {
    let status = response.status().as_u16();
    let latency_ms = latency.as_secs_f64() * 1000.0;
    if response.status().is_server_error() {
        tracing::error!(status, latency_ms, "request answered");
    } else {
        tracing::info!(status, latency_ms, "request answered");
    }
}

/// The API as an axum router over `storage`, with every layer (limits, decompression,
/// compression, timeout, tracing, error bodies). Serve it with connection info
/// (`into_make_service_with_connect_info::<SocketAddr>()`) so per-address limits apply; the
/// connection limits of [`Limits`] apply only when served by [`BoundServer`].
pub fn router<S: Storage>(storage: Arc<S>, limits: Limits) -> Router {
    router_with_limiters(storage, limits).0
}

fn router_with_limiters<S: Storage>(storage: Arc<S>, limits: Limits) -> (Router, Arc<Limiters>) {
    let limiters = Arc::new(Limiters::new(&limits));
    let body_bytes = limits.body_bytes;
    let timeout = limits.request_timeout;
    let app = App {
        storage,
        limits: Arc::new(limits),
        limiters: limiters.clone(),
    };
    let router = Router::new()
        .route("/v1/health", get(handlers::health::<S>))
        .route("/v1/enroll", post(handlers::enroll::<S>))
        .route("/v1/grants", post(handlers::grants::<S>))
        .route("/v1/sync", post(handlers::sync::<S>))
        .route("/v1/audit", post(handlers::audit::<S>))
        .fallback(handlers::not_found)
        .with_state(app)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(make_span)
                        .on_request(())
                        .on_response(on_response)
                        .on_failure(()),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CompressionLayer::new())
                .layer(from_fn(error::error_bodies))
                .layer(from_fn(limits::header_limits))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    timeout,
                ))
                .layer(from_fn_with_state(limiters.clone(), limits::per_address))
                .layer(from_fn_with_state(body_bytes, body::wire_limit))
                .layer(RequestDecompressionLayer::new()),
        );
    (router, limiters)
}

/// The web console's routes with the server's per-address limit, timeout and request log.
fn console_router<S: Storage + crate::console::store::ConsoleStorage>(
    console: &Arc<crate::console::Console<S>>,
    limiters: &Arc<Limiters>,
    limits: &Limits,
) -> Router {
    console.router().layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(make_span)
                    .on_request(())
                    .on_response(on_response)
                    .on_failure(()),
            )
            .layer(PropagateRequestIdLayer::x_request_id())
            // No compression: a page holds the session's CSRF token next to text the request
            // chose (a month, an email), which is what BREACH needs.
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                limits.request_timeout,
            ))
            .layer(from_fn_with_state(limiters.clone(), limits::per_address)),
    )
}

/// Starts a server with the web console over `storage` on 127.0.0.1, on a free port, in this
/// process's tokio runtime; the console keeps its replica in `console_dir` and limits sign-ins
/// per address to `sign_in_per_ip`. Returns the server and the console.
pub async fn spawn_with_console_for_tests<S: Storage + crate::console::store::ConsoleStorage>(
    storage: Arc<S>,
    limits: Limits,
    console_dir: PathBuf,
    sign_in_per_ip: Option<RateLimit>,
) -> Result<(TestServer, Arc<crate::console::Console<S>>), ServeError> {
    let bound = bind(ServeConfig {
        limits,
        ..ServeConfig::loopback(SocketAddr::from(([127, 0, 0, 1], 0)))
    })
    .await?;
    let addr = bound.local_addr();
    let mut config = crate::console::ConsoleConfig::new(console_dir, false, bound.url());
    config.sign_in_per_ip = sign_in_per_ip;
    let console = crate::console::Console::open(storage.clone(), config)
        .await
        .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(
        bound.run_with_console(storage, console.clone(), async move {
            let _ = stopped.await;
        }),
    );
    Ok((
        TestServer {
            addr,
            stop: Some(stop),
            task: Some(task),
        },
        console,
    ))
}

/// A listening socket, not yet serving: its address is known (useful with port 0) before
/// the first request is accepted.
pub struct BoundServer {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    tls: Option<RustlsConfig>,
    limits: Limits,
}

/// Binds the address in `config` (and loads the TLS files), refusing plain HTTP off loopback
/// unless allowed.
pub async fn bind(config: ServeConfig) -> Result<BoundServer, ServeError> {
    let tls = match &config.tls {
        Some(files) => {
            // One crypto provider for the process: ring (see the workspace manifest). Already
            // installed is fine.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let loaded = RustlsConfig::from_pem_file(&files.cert, &files.key)
                .await
                .map_err(|e| {
                    ServeError::Tls(format!(
                        "cannot load {} and {}: {e}",
                        files.cert.display(),
                        files.key.display()
                    ))
                })?;
            // HTTP/1.1 only (the connections are hyper's HTTP/1; see the module's notes): a
            // browser offered h2 would otherwise pick it and get nothing it can read.
            let mut server_config = (*loaded.get_inner()).clone();
            server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(RustlsConfig::from_config(Arc::new(server_config)))
        }
        None => {
            if !config.listen.ip().is_loopback() && !config.allow_plain_http {
                return Err(ServeError::PlainHttpRefused(config.listen));
            }
            None
        }
    };
    let listener =
        std::net::TcpListener::bind(config.listen).map_err(|source| ServeError::Bind {
            addr: config.listen,
            source,
        })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    Ok(BoundServer {
        listener,
        addr,
        tls,
        limits: config.limits,
    })
}

impl BoundServer {
    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL devices use (`http://` or `https://`).
    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Serves `storage` until `shutdown` completes, then stops accepting, lets in-flight
    /// requests finish (up to [`SHUTDOWN_GRACE`]) and returns.
    pub async fn run<S: Storage>(
        self,
        storage: Arc<S>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let (router, limiters) = router_with_limiters(storage, self.limits.clone());
        self.serve_router(router, limiters, shutdown).await
    }

    // ---- Web console (issue 9): the sync API plus the console under /console. ----------------

    /// Like [`BoundServer::run`], with the web console (`crate::console`) served under
    /// `/console` on the same listener. The console's routes get the server's per-address limit,
    /// timeout and request log, but not the API's JSON error bodies (they answer in HTML).
    pub async fn run_with_console<S: Storage + crate::console::store::ConsoleStorage>(
        self,
        storage: Arc<S>,
        console: Arc<crate::console::Console<S>>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let (api, limiters) = router_with_limiters(storage, self.limits.clone());
        let router = console_router(&console, &limiters, &self.limits).merge(api);
        self.serve_router(router, limiters, shutdown).await
    }

    // ---- end of the web console's part ---------------------------------------------------------

    /// The accept loop: one task per connection, at most `max_connections` at once; on
    /// `shutdown`, stop accepting, let each connection finish its request in flight (up to
    /// [`SHUTDOWN_GRACE`]), then close what is left.
    async fn serve_router(
        self,
        router: Router,
        limiters: Arc<Limiters>,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let housekeeping = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiters.forget_idle();
            }
        });
        tracing::info!(addr = %self.addr, tls = self.tls.is_some(), "serving");
        let edge = Arc::new(Edge::new(&self.limits));
        // The TLS handshake gets the same few seconds as a request head.
        let tls = self
            .tls
            .map(|config| RustlsAcceptor::new(config).handshake_timeout(edge.header_read_timeout));
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        // One permit per open connection: at the limit the loop stops accepting, so further
        // clients wait in the kernel's listen queue instead of costing the server anything.
        let permits = Arc::new(Semaphore::new(
            self.limits.max_connections.clamp(1, Semaphore::MAX_PERMITS),
        ));
        let (closing, closing_seen) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                biased;
                _ = &mut shutdown => break,
                // Reap finished connections so the set holds only live ones.
                Some(_) = connections.join_next() => continue,
                permit = permits.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break, // never closed
                },
            };
            let (stream, peer) = tokio::select! {
                biased;
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, or a connection reset before it was
                        // accepted: not fatal. Pause a moment so a persistent error does not
                        // spin the loop.
                        tracing::warn!(error = %e, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                },
            };
            connections.spawn(connection(
                stream,
                peer,
                tls.clone(),
                router.clone(),
                edge.clone(),
                closing_seen.clone(),
                permit,
            ));
        }
        // Stop accepting: from here the kernel refuses new connections.
        drop(listener);
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = closing.send(true);
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("shutdown grace period over: closing remaining connections");
            connections.shutdown().await;
        }
        housekeeping.abort();
        tracing::info!("stopped");
        Ok(())
    }
}

/// The per-connection settings, from [`Limits`].
struct Edge {
    header_read_timeout: Duration,
    idle_timeout: Duration,
}

impl Edge {
    fn new(limits: &Limits) -> Self {
        Edge {
            header_read_timeout: limits.header_read_timeout,
            idle_timeout: limits.idle_timeout,
        }
    }
}

/// Serves one connection: the TLS handshake if any, then HTTP/1.1 requests until the client
/// closes, a timeout closes it, or the server shuts down. Holds its `permit` until it ends.
async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    tls: Option<RustlsAcceptor>,
    router: Router,
    edge: Arc<Edge>,
    closing: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) {
    // Answers are written whole, so Nagle's algorithm would only delay them.
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let stream = Watched {
        inner: stream,
        activity: activity.clone(),
    };
    match tls {
        None => serve_http(stream, peer, router, &edge, &activity, closing).await,
        Some(acceptor) => match acceptor.accept(stream, ()).await {
            Ok((stream, _)) => serve_http(stream, peer, router, &edge, &activity, closing).await,
            // Includes the handshake timeout. Not worth more than debug: scanners do this.
            Err(e) => tracing::debug!(error = %e, "TLS handshake failed"),
        },
    }
}

async fn serve_http<IO>(
    io: IO,
    peer: SocketAddr,
    router: Router,
    edge: &Edge,
    activity: &Activity,
    mut closing: watch::Receiver<bool>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // What `into_make_service_with_connect_info` would do: every request knows its peer.
    let service = TowerToHyperService::new(router.map_request(
        move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        // hyper's timer counts from when the connection opens and again from the end of each
        // answer, so this also closes an idle kept-alive connection (without an answer).
        .timer(TokioTimer::new())
        .header_read_timeout(edge.header_read_timeout)
        .keep_alive(true)
        // hyper's own hard limits, above the API's (`limits::header_limits`), which answer
        // with an error body; past these hyper answers 431 with no body and closes.
        .max_headers(limits::HYPER_MAX_HEADERS)
        .max_buf_size(limits::HYPER_MAX_BUF_BYTES);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    let mut conn = std::pin::pin!(conn);
    let mut shutting_down = false;
    loop {
        let quiet_for = activity.quiet_for();
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    // A header-read timeout, a malformed request or a reset: the client's doing.
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = closing.changed(), if !shutting_down => {
                // Finish the request in flight, answer it with `Connection: close`, read no
                // more; an idle connection closes at once.
                conn.as_mut().graceful_shutdown();
                shutting_down = true;
            }
            _ = tokio::time::sleep(edge.idle_timeout.saturating_sub(quiet_for)) => {
                if activity.quiet_for() >= edge.idle_timeout {
                    tracing::debug!("connection closed: nothing moved for the idle timeout");
                    return;
                }
            }
        }
    }
}

/// When a byte last moved on a connection, in milliseconds since it opened.
struct Activity {
    opened: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Activity {
            opened: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let now = self.opened.elapsed().as_millis() as u64;
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn quiet_for(&self) -> Duration {
        let now = self.opened.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last_ms.load(Ordering::Relaxed)))
    }
}

/// A stream that notes in its [`Activity`] every read or write that moved a byte.
struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Binds and serves until `shutdown` completes (see [`BoundServer::run`]).
pub async fn serve<S: Storage>(
    storage: Arc<S>,
    config: ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    bind(config).await?.run(storage, shutdown).await
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

/// A server running in this process on a free loopback port, for tests (end-to-end, fault,
/// load). Stopped by [`TestServer::stop`] or when dropped.
pub struct TestServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), ServeError>>>,
}

impl TestServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL (`http://127.0.0.1:port`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops it gracefully and waits until it has.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| ServeError::Io(std::io::Error::other(e.to_string())))?,
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a server over `storage` on 127.0.0.1, on a free port, with `limits`, in this
/// process's tokio runtime.
pub async fn spawn_for_tests<S: Storage>(
    storage: Arc<S>,
    limits: Limits,
) -> Result<TestServer, ServeError> {
    let bound = bind(ServeConfig {
        limits,
        ..ServeConfig::loopback(SocketAddr::from(([127, 0, 0, 1], 0)))
    })
    .await?;
    let addr = bound.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(bound.run(storage, async move {
        let _ = stopped.await;
    }));
    Ok(TestServer {
        addr,
        stop: Some(stop),
        task: Some(task),
    })
}
