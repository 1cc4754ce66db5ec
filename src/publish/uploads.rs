//! Pictures uploaded ahead of their time (issue 12, item 4): on VK a picture is three requests
//! (`photos.getWallUploadServer`, the upload, `photos.saveWallPhoto`), on OK two
//! (`photosV2.getUploadUrl`, the upload), at 3 requests a second for the token. Ten pictures
//! made a post seconds late. Those steps publish nothing and are safe to repeat, so for a
//! publication due within the horizon they are made in the background once its pictures are
//! prepared ([`crate::publish::ahead::Ahead::then`]), and at the deadline only `wall.post` or
//! `mediatopic.post` is left.
//!
//! - The requests wait at low priority ([`crate::networks::Limiter::until_idle`]): only while
//!   no publication of the token waits or is being sent, at half the token's pace. A
//!   publication never waits for them.
//! - What was uploaded is kept in memory, tied to the network, the page and the prepared
//!   picture (its cache key: the hash of the picture's bytes and of the network's profile) and
//!   made with this process's clients (so their token). A post edited after the upload uses the
//!   uploads of the pictures it still has, and uploads the others at send time. Each upload is
//!   used once ([`Uploads::take`]), and forgotten after [`KEEP_FOR`].
//! - How long VK keeps a saved photo that no post uses, and how long an OK upload token stays
//!   good, is UNCONFIRMED (NETWORKS.md §2.5, §3.6; OK's upload URL lives about a day in an
//!   example). When the network refuses a post carrying uploads made ahead, the client uploads
//!   those pictures again and posts once more ([`crate::networks::vk::client::Client::execute_prepared`]):
//!   a refusal publishes nothing, so nothing is lost or doubled. After a restart everything is
//!   uploaded again (the uploads before it are invisible and unused).
//!
//! Best effort, like the preparing of pictures: an upload that fails is left to send time.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::networks::{ok, vk};
use crate::plan::network::Network;
use crate::publish::ledger::Key;

/// An upload made ahead is used for at most this long after it was made; older ones are
/// forgotten and the picture is uploaded at send time. The networks' own lifetimes are
/// UNCONFIRMED (see the module's text); a day is within the example lifetime of an OK upload
/// URL, and a refused upload falls back anyway.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3600);

/// At most this many uploads are kept; beyond, nothing more is uploaded ahead.
pub const MAX_KEPT: usize = 2_000;

/// One publication whose pictures are to be uploaded ahead.
#[derive(Debug, Clone)]
pub struct Want {
    /// The publication.
    pub key: Key,
    /// The page: a VK community id, an OK group id.
    pub page: String,
    /// The cached JPEG of each picture, in order (`None`: not prepared, left to send time).
    pub pictures: Vec<Option<PathBuf>>,
}

/// One upload made ahead.
#[derive(Debug, Clone)]
struct Kept {
    /// The publication it was made for (another one with the same picture may use it).
    key: Key,
    /// VK's `photo{owner}_{id}`, or OK's upload token.
    id: String,
    at: Instant,
}

/// Network, page, prepared picture's cache key.
type Place = (Network, String, String);

#[derive(Debug, Default)]
struct Store {
    kept: HashMap<Place, Vec<Kept>>,
    count: usize,
    /// Publications (with their content hash) already handed over: asked once per content.
    asked: HashSet<(Key, String)>,
    /// Publications being sent (or sent): what is still to upload for them is dropped.
    started: HashSet<Key>,
}

impl Store {
    fn forget_old(&mut self, now: Instant) {
        let mut count = 0;
        self.kept.retain(|_, list| {
            list.retain(|k| now.saturating_duration_since(k.at) < KEEP_FOR);
            count += list.len();
            !list.is_empty()
        });
        self.count = count;
    }
}

/// The uploads made ahead, and the task that makes them. Cheap to share: the publisher takes
/// from it at send time, the task puts into it.
pub struct Uploads {
    store: Arc<Mutex<Store>>,
    vk: Option<Arc<vk::client::Client>>,
    ok: Option<Arc<ok::client::Client>>,
    /// The queue of each network's task (VK's and OK's tokens are limited apart), once
    /// started (inside a tokio runtime).
    senders: OnceLock<Senders>,
}

/// A sender into each network's uploading task.
#[derive(Debug, Clone)]
pub struct Senders {
    vk: mpsc::UnboundedSender<Want>,
    ok: mpsc::UnboundedSender<Want>,
}

impl Senders {
    /// Hands `want` to its network's task (nothing for Telegram). `false` when the task is
    /// gone (the publisher was dropped).
    pub fn send(&self, want: Want) -> bool {
        match want.key.network {
            Network::Vk => self.vk.send(want).is_ok(),
            Network::Ok => self.ok.send(want).is_ok(),
            Network::Telegram => false,
        }
    }
}

impl Uploads {
    /// Uploads ahead through these clients (a network without one is not uploaded ahead).
    pub fn new(
        vk: Option<Arc<vk::client::Client>>,
        ok: Option<Arc<ok::client::Client>>,
    ) -> Uploads {
        Uploads {
            store: Arc::default(),
            vk,
            ok,
            senders: OnceLock::new(),
        }
    }

    /// Whether pictures for `network` are uploaded ahead: it is configured, and this process
    /// holds its token now (`publish::tokens`).
    pub fn covers(&self, network: Network) -> bool {
        match network {
            Network::Vk => self.vk.as_ref().is_some_and(|c| c.held()),
            Network::Ok => self.ok.as_ref().is_some_and(|c| c.held()),
            // A Telegram photo is sent with its message: there is no step that publishes
            // nothing (a file_id needs a message sent somewhere first).
            Network::Telegram => false,
        }
    }

    /// Records that the pictures of `key` with content `content` are to be uploaded; `false`
    /// when they already were asked for (the same content), or too many uploads are kept.
    pub fn ask(&self, key: &Key, content: &str) -> bool {
        let mut store = self.lock();
        store.forget_old(Instant::now());
        if store.count >= MAX_KEPT {
            return false;
        }
        let new = store.asked.insert((key.clone(), content.to_owned()));
        if new {
            store.started.remove(key);
        }
        new
    }

    /// Records that `key` is being sent now: its uploads ahead that have not started yet are
    /// dropped (the attempt uploads what it did not find).
    pub fn started(&self, key: &Key) {
        let mut store = self.lock();
        if store.started.len() >= 10 * MAX_KEPT {
            // Best effort: forgetting only lets an upload ahead go that was not needed.
            store.started.clear();
        }
        store.started.insert(key.clone());
    }

    /// The senders into the uploading tasks, started now if they are not yet; `None` outside a
    /// tokio runtime (a publisher used without one uploads nothing ahead).
    pub fn senders(&self) -> Option<Senders> {
        if let Some(s) = self.senders.get() {
            return Some(s.clone());
        }
        let handle = tokio::runtime::Handle::try_current().ok()?;
        let (vk, vk_rx) = mpsc::unbounded_channel();
        let (ok, ok_rx) = mpsc::unbounded_channel();
        let senders = Senders { vk, ok };
        if self.senders.set(senders.clone()).is_err() {
            return self.senders.get().cloned();
        }
        for rx in [vk_rx, ok_rx] {
            let task = Task {
                store: self.store.clone(),
                vk: self.vk.clone(),
                ok: self.ok.clone(),
            };
            handle.spawn(task.run(rx));
        }
        Some(senders)
    }

    /// Takes the upload of the prepared picture `picture` (its cache key) made ahead for
    /// `page` on `network`: preferably the one made for `key`, else another publication's of
    /// the same picture. Each upload is used once.
    pub fn take(&self, network: Network, page: &str, picture: &str, key: &Key) -> Option<String> {
        let mut store = self.lock();
        let place = (network, page.to_owned(), picture.to_owned());
        let list = store.kept.get_mut(&place)?;
        let now = Instant::now();
        list.retain(|k| now.saturating_duration_since(k.at) < KEEP_FOR);
        let at = list
            .iter()
            .position(|k| &k.key == key)
            .or_else(|| (!list.is_empty()).then_some(0))?;
        let kept = list.remove(at);
        if list.is_empty() {
            store.kept.remove(&place);
        }
        store.count = store.count.saturating_sub(1);
        Some(kept.id)
    }

    /// How many uploads are kept.
    pub fn kept(&self) -> usize {
        self.lock().kept.values().map(Vec::len).sum()
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A network's uploading task: one publication after another, in the order handed over (the
/// earliest due first), one picture at a time.
struct Task {
    store: Arc<Mutex<Store>>,
    vk: Option<Arc<vk::client::Client>>,
    ok: Option<Arc<ok::client::Client>>,
}

impl Task {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Want>) {
        while let Some(want) = rx.recv().await {
            self.upload(want).await;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn upload(&self, want: Want) {
        let network = want.key.network;
        for path in want.pictures.iter().flatten() {
            let Some(picture) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let place = (network, want.page.clone(), picture.to_owned());
            let (late, done) = {
                let store = self.lock();
                let done = store
                    .kept
                    .get(&place)
                    .is_some_and(|l| l.iter().any(|k| k.key == want.key));
                (store.started.contains(&want.key), done)
            };
            if late {
                // Its time came first: the attempt uploads the rest itself.
                return;
            }
            if done {
                continue;
            }
            let file = path.clone();
            let read = tokio::task::spawn_blocking(move || std::fs::read(file)).await;
            let Ok(Ok(jpeg)) = read else {
                continue;
            };
            let uploaded = match network {
                Network::Vk => match (&self.vk, want.page.parse::<u64>()) {
                    (Some(c), Ok(group)) => c.upload_wall_photo_ahead(group, jpeg).await,
                    _ => return,
                },
                Network::Ok => match &self.ok {
                    Some(c) => c.upload_photo_ahead(&want.page, jpeg).await,
                    None => return,
                },
                Network::Telegram => return,
            };
            match uploaded {
                Ok(id) => {
                    let mut store = self.lock();
                    store.count += 1;
                    store.kept.entry(place).or_default().push(Kept {
                        key: want.key.clone(),
                        id,
                        at: Instant::now(),
                    });
                }
                Err(e) => {
                    // The rest is uploaded at send time; a later look may try again.
                    tracing::debug!(
                        org = %want.key.org,
                        post = %want.key.post,
                        network = network.key(),
                        error = %e,
                        "a picture was not uploaded ahead"
                    );
                    self.lock().asked.retain(|(k, _)| k != &want.key);
                    return;
                }
            }
        }
        tracing::debug!(
            org = %want.key.org,
            post = %want.key.post,
            network = network.key(),
            "pictures uploaded ahead"
        );
    }
}
