//! The HTTP sync API (`DESIGN.md` §5): `GET /v1/health`, `POST /v1/enroll`, `POST /v1/sync`,
//! over any [`Storage`].
//!
//! Bad input never costs more than a 4xx: bodies are JSON only and size-limited before and
//! after gzip, requests time out, and clients are rate-limited per address and per device.
//! Every error carries an `ErrorBody`. Logs are structured (one line per request: request id,
//! method, route, status, latency, device id, op counts) and carry no personal data.
//!
//! TLS is built in (rustls with ring). Plain HTTP is for loopback only, unless the operator
//! says otherwise (`--allow-plain-http`, e.g. behind a TLS-terminating proxy on the same host):
//! device tokens and care records must not cross a network in clear text.

pub mod body;
pub mod error;
pub mod handlers;
pub mod limits;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{Request, Response, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tower::ServiceBuilder;
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
pub use self::limits::{Limits, RateLimit};
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
/// (`into_make_service_with_connect_info::<SocketAddr>()`) so per-address limits apply.
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
        .route("/v1/sync", post(handlers::sync::<S>))
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
    tls: Option<axum_server::tls_rustls::RustlsConfig>,
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
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .map_err(|e| {
                        ServeError::Tls(format!(
                            "cannot load {} and {}: {e}",
                            files.cert.display(),
                            files.key.display()
                        ))
                    })?,
            )
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
        let app = router.into_make_service_with_connect_info::<SocketAddr>();
        tracing::info!(addr = %self.addr, tls = self.tls.is_some(), "serving");
        let result = match self.tls {
            Some(tls) => {
                let handle = axum_server::Handle::<SocketAddr>::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    shutdown.await;
                    tracing::info!("shutting down: finishing in-flight requests");
                    stopper.graceful_shutdown(Some(SHUTDOWN_GRACE));
                });
                axum_server::from_tcp_rustls(self.listener, tls)?
                    .handle(handle)
                    .serve(app)
                    .await
                    .map_err(ServeError::Io)
            }
            None => {
                let listener = tokio::net::TcpListener::from_std(self.listener)?;
                let started = Arc::new(tokio::sync::Notify::new());
                let signal = started.clone();
                let graceful = async move {
                    shutdown.await;
                    tracing::info!("shutting down: finishing in-flight requests");
                    signal.notify_one();
                };
                let serving = axum::serve(listener, app)
                    .with_graceful_shutdown(graceful)
                    .into_future();
                tokio::select! {
                    result = serving => result.map_err(ServeError::Io),
                    _ = async {
                        started.notified().await;
                        tokio::time::sleep(SHUTDOWN_GRACE).await;
                    } => {
                        tracing::warn!("shutdown grace period over: closing remaining connections");
                        Ok(())
                    }
                }
            }
        };
        housekeeping.abort();
        tracing::info!("stopped");
        result
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
