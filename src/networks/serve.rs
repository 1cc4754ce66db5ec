//! The server plumbing the network emulators share: an axum [`Router`] served with hyper on
//! `127.0.0.1` on a free port, stopped by [`Server::shutdown`] or by dropping the [`Server`].
//!
//! Connections are served with hyper directly rather than with `axum::serve`, so that a handler
//! can close its connection without answering (an axum handler always answers): a response
//! marked by [`hang_up`] is never sent.

use std::net::SocketAddr;

use axum::Router;
use axum::response::Response;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Faults planned for an emulator's next calls, each for any method or for one method, taken in
/// the order they were planned.
#[derive(Debug)]
pub struct FaultPlan<F> {
    planned: std::collections::VecDeque<(Option<String>, F)>,
}

impl<F> Default for FaultPlan<F> {
    fn default() -> Self {
        FaultPlan {
            planned: std::collections::VecDeque::new(),
        }
    }
}

impl<F: Clone> FaultPlan<F> {
    /// Plans `fault` for the next `times` calls of `method` (`None`: of any method).
    pub fn plan(&mut self, method: Option<&str>, fault: F, times: usize) {
        let planned = (method.map(str::to_owned), fault);
        self.planned.extend(std::iter::repeat_n(planned, times));
    }

    /// Takes the first planned fault meant for `method` (or for any call).
    pub fn take(&mut self, method: &str) -> Option<F> {
        let i = self
            .planned
            .iter()
            .position(|(m, _)| m.as_deref().is_none_or(|m| m == method))?;
        self.planned.remove(i).map(|(_, f)| f)
    }
}

/// A running server. Dropping it stops the server and closes its connections.
#[derive(Debug)]
pub struct Server {
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Marks a response whose connection is to be closed without sending it.
#[derive(Clone, Copy)]
struct HangUp;

/// Marks `response` so that its connection is closed with nothing written instead.
pub fn hang_up(mut response: Response) -> Response {
    response.extensions_mut().insert(HangUp);
    response
}

/// A port bound on `127.0.0.1`, not served yet: its address is known before the router that
/// needs it is built.
#[derive(Debug)]
pub struct Bound {
    listener: TcpListener,
    /// The bound address.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
}

impl Bound {
    /// Starts serving `router` on the bound port.
    pub fn serve(self, router: Router) -> Server {
        let listener = self.listener;
        let (tx, mut rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Connections live in the set: when this task ends or is aborted, they end too.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut rx => break,
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            connections.spawn(serve(stream, router.clone()));
                        }
                    }
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Server {
            shutdown: Some(tx),
            task,
        }
    }
}

impl Server {
    /// Binds `127.0.0.1` on a free port. Fails only when no port can be bound.
    pub async fn bind() -> std::io::Result<Bound> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        Ok(Bound {
            listener,
            addr,
            base_url: format!("http://{addr}"),
        })
    }

    /// Binds `127.0.0.1` on a free port and serves `router` there. Returns the base URL
    /// (`http://127.0.0.1:<port>`) and the running server.
    ///
    /// Fails only when no port can be bound.
    pub async fn start(router: Router) -> std::io::Result<(String, Server)> {
        let bound = Server::bind().await?;
        let base_url = bound.base_url.clone();
        Ok((base_url, bound.serve(router)))
    }

    /// Stops accepting connections and closes the open ones.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves one connection; a response marked by [`hang_up`] closes it unanswered.
async fn serve(stream: TcpStream, router: Router) {
    let service = TowerToHyperService::new(router);
    let per_request = hyper::service::service_fn(move |req| {
        let service = service.clone();
        async move {
            let response: Response = match hyper::service::Service::call(&service, req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if response.extensions().get::<HangUp>().is_some() {
                // An error from the service makes hyper close the connection unanswered.
                return Err(std::io::Error::other("answer dropped by a fault"));
            }
            Ok::<_, std::io::Error>(response)
        }
    });
    // The connection's end, a dropped answer included, needs no handling.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), per_request)
        .await;
}
