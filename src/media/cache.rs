//! A folder of prepared images, keyed by content, so that an unchanged image is processed once.
//!
//! The key is a BLAKE3 hash of the pipeline version, the network's [`Profile`] and the input's
//! own hash: editing the image, changing a network's limits or bumping [`PIPELINE_VERSION`] all
//! make a new key, and networks with equal profiles share an entry. An entry is `<key>.jpg`, the
//! file to upload, and `<key>.json`, its sizes. Each is written to a temporary file and renamed
//! into place, the `.json` last and holding the JPEG's length, so a reader sees a whole entry or
//! none; a damaged entry reads as a miss and is written again.
//!
//! Whoever can write to the folder decides what gets published, so the folder must be private:
//! it is created with mode 0700, and a folder that is a symbolic link, belongs to another user or
//! can be written by its group or others is refused (a cache in a shared temp folder could be
//! made first by another local user). Without a configured folder the cache is per user:
//! [`default_dir`].

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::locale::{Lang, text_in};
use crate::media::FileError;
use crate::media::process::{PIPELINE_VERSION, Prepared, ProcessError, Profile, prepare_with};
use crate::plan::network::Network;
use crate::plan::repo::io_words;
use crate::render::publication::ImageRef;

/// Prepared images on disk, e.g. in `.vestnik/cache/media/`.
///
/// Clones share a memory of the input files' hashes ([`Digests`]): a picture prepared ahead of
/// its time is found at its deadline without reading and hashing its tens of megabytes again.
#[derive(Debug, Clone)]
pub struct MediaCache {
    dir: PathBuf,
    digests: std::sync::Arc<std::sync::Mutex<Digests>>,
    /// The programs that adapt clips ([`crate::media::video`]).
    tools: std::sync::Arc<crate::media::video::Tools>,
}

/// The hash of each input file read, by its identity and state (device, inode, length, times):
/// a file changed in place changes its modification or change time, and is read again.
#[derive(Debug, Default)]
struct Digests(std::collections::HashMap<FileStamp, blake3::Hash>);

/// At most this many files' hashes are remembered (about 150 bytes each); then they are
/// forgotten all at once and learnt again.
const MAX_DIGESTS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileStamp {
    path: PathBuf,
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    #[cfg(unix)]
    fn of(path: &Path, meta: &fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        Some(FileStamp {
            path: path.to_owned(),
            dev: meta.dev(),
            ino: meta.ino(),
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    #[cfg(not(unix))]
    fn of(_: &Path, _: &fs::Metadata) -> Option<FileStamp> {
        None
    }
}

/// A prepared image and where the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    /// The JPEG and its sizes.
    pub prepared: Prepared,
    /// The cached JPEG file, ready for a multipart upload.
    pub path: PathBuf,
    /// Whether it came from the cache (`false`: processed just now).
    pub hit: bool,
}

/// Why the cache could not deliver an image.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The input file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The input file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The cache folder could not be written.
    #[error("cannot write to the media cache at {}: {source}", path.display())]
    Write {
        /// The file or folder being written.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The input file is not a regular file, or is over
    /// [`MAX_MEDIA_BYTES`](crate::media::MAX_MEDIA_BYTES): it was not read.
    #[error("cannot use {}: {source}", path.display())]
    Refused {
        /// The input file.
        path: PathBuf,
        /// What the file system or the size cap said.
        source: FileError,
    },
    /// The cache folder is not private, so its entries cannot be trusted.
    #[error("refusing the media cache folder {}: {}", path.display(), why.text(Lang::En, path))]
    Unsafe {
        /// The folder.
        path: PathBuf,
        /// Why.
        why: Unsafety,
    },
    /// No cache folder was configured, and there is no per-user one to fall back on.
    #[error(
        "there is no folder of this user for the media cache: neither XDG_CACHE_HOME nor HOME is set to an absolute path; set `cache_dir` in the configuration (for preview: --cache-dir) to a folder only this user can write to"
    )]
    NoDefault,
    /// The image itself cannot be prepared.
    #[error(transparent)]
    Process(#[from] ProcessError),
}

/// Why a cache folder is not private: each says what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsafety {
    /// A symbolic link, which whoever can write to its folder can point elsewhere.
    Symlink,
    /// Not a folder at all.
    NotAFolder,
    /// It belongs to another user (this uid).
    Owner(u32),
    /// Others can write to it (these permission bits).
    Writable(u32),
}

impl Unsafety {
    /// Why, and what to do about it, in `lang`, for the folder at `path`.
    pub fn text(self, lang: Lang, path: &Path) -> String {
        match self {
            Unsafety::Symlink => text_in(lang, "cache-unsafe-symlink", &[]),
            Unsafety::NotAFolder => text_in(lang, "cache-unsafe-not-a-folder", &[]),
            Unsafety::Owner(uid) => text_in(
                lang,
                "cache-unsafe-owner",
                &[("uid", uid.to_string().into())],
            ),
            Unsafety::Writable(mode) => text_in(
                lang,
                "cache-unsafe-mode",
                &[
                    ("mode", format!("{mode:03o}").into()),
                    ("path", path.display().to_string().into()),
                ],
            ),
        }
    }
}

impl CacheError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        let shown = |p: &Path| p.display().to_string();
        match self {
            CacheError::Read { path, source } => {
                crate::t!("cache-read", path = shown(path), reason = io_words(source))
            }
            CacheError::Write { path, source } => {
                crate::t!("cache-write", path = shown(path), reason = io_words(source))
            }
            CacheError::Refused { path, source } => {
                let reason = match source {
                    FileError::Io(e) => crate::t!("file-io", reason = io_words(e)),
                    FileError::NotAFile => crate::t!("file-not-regular"),
                    FileError::TooLarge { .. } => source.to_string(),
                };
                crate::t!("cache-refused", path = shown(path), reason = reason)
            }
            CacheError::Unsafe { path, why } => crate::t!(
                "cache-unsafe",
                path = shown(path),
                reason = why.text(crate::locale::current(), path)
            ),
            CacheError::NoDefault => crate::t!("cache-no-default"),
            CacheError::Process(e) => e.to_string(),
        }
    }
}

/// The cache folder when none is configured: `$XDG_CACHE_HOME/vestnik/media`, else
/// `$HOME/.cache/vestnik/media`, a folder of the user who runs vestnik (a shared temp folder
/// could be made first, and so controlled, by another local user).
///
/// Fails when neither variable holds an absolute path.
pub fn default_dir() -> Result<PathBuf, CacheError> {
    default_dir_from(
        std::env::var_os("XDG_CACHE_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )
}

/// [`default_dir`] for the given values of `XDG_CACHE_HOME` and `HOME`. Only absolute paths
/// count: the XDG Base Directory specification has relative ones ignored.
pub fn default_dir_from(
    xdg_cache_home: Option<&OsStr>,
    home: Option<&OsStr>,
) -> Result<PathBuf, CacheError> {
    fn absolute(v: Option<&OsStr>) -> Option<&Path> {
        v.map(Path::new).filter(|p| p.is_absolute())
    }
    if let Some(cache) = absolute(xdg_cache_home) {
        Ok(cache.join("vestnik").join("media"))
    } else if let Some(home) = absolute(home) {
        Ok(home.join(".cache").join("vestnik").join("media"))
    } else {
        Err(CacheError::NoDefault)
    }
}

/// What `<key>.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    width: u32,
    height: u32,
    source_width: u32,
    source_height: u32,
    bytes: u64,
}

impl MediaCache {
    /// An image of organization `org` as a post wrote it, prepared for `network`: its reference
    /// in a rendered publication and the path of the cached JPEG. `None` when the path is unsafe
    /// or missing or the image cannot be prepared (`check` reports those as `media-*`).
    pub fn prepare_written(
        &self,
        root: &Path,
        org: &str,
        written: &str,
        network: Network,
    ) -> Option<(ImageRef, PathBuf)> {
        let (source, path) = crate::media::resolve(root, org, written).ok()?;
        let cached = self.get_or_prepare_file(&path, network).ok()?;
        let image = ImageRef {
            source,
            width: cached.prepared.width,
            height: cached.prepared.height,
            bytes: cached.prepared.jpeg.len() as u64,
        };
        Some((image, cached.path))
    }

    /// A cache in `dir`; the folder is created on the first write, and checked before each use.
    pub fn new(dir: impl Into<PathBuf>) -> MediaCache {
        MediaCache {
            dir: dir.into(),
            digests: std::sync::Arc::default(),
            tools: std::sync::Arc::default(),
        }
    }

    /// The same cache adapting clips with `tools`.
    pub fn with_tools(mut self, tools: crate::media::video::Tools) -> MediaCache {
        self.tools = std::sync::Arc::new(tools);
        self
    }

    /// The programs that adapt clips.
    pub fn tools(&self) -> &crate::media::video::Tools {
        &self.tools
    }

    /// Creates the folder (mode 0700) if needed and checks that it is private.
    ///
    /// Fails as [`MediaCache::open`] does.
    pub fn ensure_folder(&self) -> Result<(), CacheError> {
        self.folder(true).map(|_| ())
    }

    /// A cache in `dir`, its folder created (mode 0700) and checked now: for a command to fail
    /// at its start rather than with every image.
    ///
    /// Fails when the folder cannot be created or is not private (see [`CacheError::Unsafe`]).
    pub fn open(dir: impl Into<PathBuf>) -> Result<MediaCache, CacheError> {
        let cache = MediaCache::new(dir);
        cache.folder(true)?;
        Ok(cache)
    }

    /// Checks the cache folder, creating it first (mode 0700, and so its missing parents) when
    /// `create`. `Ok(false)`: it does not exist and was not to be created.
    fn folder(&self, create: bool) -> Result<bool, CacheError> {
        let write_err = |source| CacheError::Write {
            path: self.dir.clone(),
            source,
        };
        match fs::symlink_metadata(&self.dir) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut builder = fs::DirBuilder::new();
                builder.recursive(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::DirBuilderExt as _;
                    builder.mode(0o700);
                }
                builder.create(&self.dir).map_err(write_err)?;
            }
            Err(e) => return Err(write_err(e)),
        }
        // Looked at again after creating: someone else may have made it in between.
        let meta = fs::symlink_metadata(&self.dir).map_err(write_err)?;
        self.check_private(&meta)?;
        Ok(true)
    }

    /// Refuses a folder whose entries someone else could have put there.
    fn check_private(&self, meta: &fs::Metadata) -> Result<(), CacheError> {
        let refuse = |why| {
            Err(CacheError::Unsafe {
                path: self.dir.clone(),
                why,
            })
        };
        if meta.file_type().is_symlink() {
            return refuse(Unsafety::Symlink);
        }
        if !meta.is_dir() {
            return refuse(Unsafety::NotAFolder);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let me = effective_uid(&self.dir).map_err(|source| CacheError::Write {
                path: self.dir.clone(),
                source,
            })?;
            if meta.uid() != me {
                return refuse(Unsafety::Owner(meta.uid()));
            }
            if meta.mode() & 0o022 != 0 {
                return refuse(Unsafety::Writable(meta.mode() & 0o777));
            }
        }
        Ok(())
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of `input` prepared with `profile`: 64 hex digits.
    pub fn key(input: &[u8], profile: &Profile) -> String {
        key_of(&blake3::hash(input), profile)
    }

    /// The image in `input` prepared for `network`, from the cache or processed and stored.
    ///
    /// Fails when the image cannot be prepared or the cache cannot be written.
    pub fn get_or_prepare(&self, input: &[u8], network: Network) -> Result<Cached, CacheError> {
        let mut all = self.get_or_prepare_with(input, &[Profile::for_network(network)])?;
        all.pop()
            .ok_or_else(|| ProcessError::Internal("no output".to_owned()).into())
    }

    /// Like [`MediaCache::get_or_prepare`], reading the image from `path`: a regular file of at
    /// most [`MAX_MEDIA_BYTES`](crate::media::MAX_MEDIA_BYTES) (see [`crate::media::read_file`]).
    pub fn get_or_prepare_file(&self, path: &Path, network: Network) -> Result<Cached, CacheError> {
        let mut all = self.get_or_prepare_file_all(path, &[network])?;
        all.pop()
            .ok_or_else(|| ProcessError::Internal("no output".to_owned()).into())
    }

    /// The image in the file `path` for each of `networks`, in that order, decoding at most
    /// once. A file whose hash is remembered (same identity, length and times) and whose entries
    /// are all cached is not read at all.
    pub fn get_or_prepare_file_all(
        &self,
        path: &Path,
        networks: &[Network],
    ) -> Result<Vec<Cached>, CacheError> {
        let refused = |e: FileError| match e {
            FileError::Io(source) => CacheError::Read {
                path: path.to_owned(),
                source,
            },
            source => CacheError::Refused {
                path: path.to_owned(),
                source,
            },
        };
        let (file, meta) =
            crate::plan::repo::open_regular(path).map_err(|e| refused(FileError::from(e)))?;
        let stamp = FileStamp::of(path, &meta);
        let profiles: Vec<Profile> = networks.iter().map(|n| Profile::for_network(*n)).collect();
        let known = stamp.as_ref().and_then(|s| self.digest(s));
        if let Some(content) = known
            && self.folder(false)?
        {
            let hits: Option<Vec<Cached>> = profiles
                .iter()
                .map(|p| self.load(&key_of(&content, p)))
                .collect();
            if let Some(hits) = hits {
                return Ok(hits);
            }
        }
        let input = crate::media::read_opened(file, &meta).map_err(refused)?;
        let content = blake3::hash(&input);
        let prepared = self.get_or_prepare_hashed(&input, &content, &profiles)?;
        if let Some(stamp) = stamp {
            let mut d = self
                .digests
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if d.0.len() >= MAX_DIGESTS {
                d.0.clear();
            }
            d.0.insert(stamp, content);
        }
        Ok(prepared)
    }

    fn digest(&self, stamp: &FileStamp) -> Option<blake3::Hash> {
        self.digests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
            .get(stamp)
            .copied()
    }

    /// The image in `input` for each of `networks`, in that order, decoding at most once.
    pub fn get_or_prepare_all(
        &self,
        input: &[u8],
        networks: &[Network],
    ) -> Result<Vec<Cached>, CacheError> {
        let profiles: Vec<Profile> = networks.iter().map(|n| Profile::for_network(*n)).collect();
        self.get_or_prepare_with(input, &profiles)
    }

    /// The image in `input` for each of `profiles`, in that order: the misses are prepared
    /// together (one decode) and stored.
    pub fn get_or_prepare_with(
        &self,
        input: &[u8],
        profiles: &[Profile],
    ) -> Result<Vec<Cached>, CacheError> {
        self.get_or_prepare_hashed(input, &blake3::hash(input), profiles)
    }

    /// [`MediaCache::get_or_prepare_with`] for an input whose hash is `content`.
    fn get_or_prepare_hashed(
        &self,
        input: &[u8],
        content: &blake3::Hash,
        profiles: &[Profile],
    ) -> Result<Vec<Cached>, CacheError> {
        let content = *content;
        let keys: Vec<String> = profiles.iter().map(|p| key_of(&content, p)).collect();
        let mut found: Vec<Option<Cached>> = if self.folder(false)? {
            keys.iter().map(|k| self.load(k)).collect()
        } else {
            vec![None; keys.len()]
        };
        let mut missing: Vec<(&str, Profile)> = Vec::new();
        for ((key, profile), hit) in keys.iter().zip(profiles).zip(&found) {
            if hit.is_none() && !missing.iter().any(|(k, _)| k == key) {
                missing.push((key, *profile));
            }
        }
        if !missing.is_empty() {
            let wanted: Vec<Profile> = missing.iter().map(|(_, p)| *p).collect();
            let prepared = prepare_with(input, &wanted)?;
            self.folder(true)?;
            for ((key, _), prepared) in missing.iter().zip(prepared) {
                let path = self.store(key, &prepared)?;
                for (slot, k) in found.iter_mut().zip(&keys) {
                    if slot.is_none() && k == key {
                        *slot = Some(Cached {
                            prepared: prepared.clone(),
                            path: path.clone(),
                            hit: false,
                        });
                    }
                }
            }
        }
        found
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ProcessError::Internal("a cache entry went missing".to_owned()).into())
    }

    /// The entry under `key`, if whole.
    fn load(&self, key: &str) -> Option<Cached> {
        let meta: Meta =
            serde_json::from_slice(&fs::read(self.dir.join(format!("{key}.json"))).ok()?).ok()?;
        let path = self.dir.join(format!("{key}.jpg"));
        let jpeg = fs::read(&path).ok()?;
        if jpeg.len() as u64 != meta.bytes {
            return None;
        }
        let prepared = Prepared {
            jpeg,
            width: meta.width,
            height: meta.height,
            source_width: meta.source_width,
            source_height: meta.source_height,
        };
        Some(Cached {
            prepared,
            path,
            hit: true,
        })
    }

    /// Writes the entry under `key` and returns the JPEG's path.
    fn store(&self, key: &str, prepared: &Prepared) -> Result<PathBuf, CacheError> {
        let meta = Meta {
            width: prepared.width,
            height: prepared.height,
            source_width: prepared.source_width,
            source_height: prepared.source_height,
            bytes: prepared.jpeg.len() as u64,
        };
        let jpg = self.dir.join(format!("{key}.jpg"));
        write_atomically(&jpg, &prepared.jpeg)?;
        let json = serde_json::to_vec(&meta).map_err(|e| ProcessError::Internal(e.to_string()))?;
        write_atomically(&self.dir.join(format!("{key}.json")), &json)?;
        Ok(jpg)
    }
}

/// The effective user id of this process (owner of what it creates), read without unsafe code:
/// from `/proc/self/status` where there is one, else as the owner of a file made in `dir`.
#[cfg(unix)]
fn effective_uid(dir: &Path) -> io::Result<u32> {
    use std::os::unix::fs::MetadataExt as _;
    use std::sync::OnceLock;
    static UID: OnceLock<u32> = OnceLock::new();
    if let Some(uid) = UID.get() {
        return Ok(*uid);
    }
    // `Uid:` is followed by the real, effective, saved and file-system ids.
    let from_proc = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1))
            .and_then(|id| id.parse().ok())
    });
    let uid = match from_proc {
        Some(uid) => uid,
        None => {
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let probe = dir.join(format!(".uid.{}.{n}.tmp", std::process::id()));
            let file = fs::File::create_new(&probe)?;
            let uid = file.metadata().map(|m| m.uid());
            let _ = fs::remove_file(&probe);
            uid?
        }
    };
    Ok(*UID.get_or_init(|| uid))
}

fn key_of(content: &blake3::Hash, profile: &Profile) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"vestnik media cache\0");
    hasher.update(&PIPELINE_VERSION.to_le_bytes());
    hasher.update(&profile.fingerprint());
    hasher.update(content.as_bytes());
    hasher.finalize().to_hex().to_string()
}

/// Writes `data` to a temporary file beside `path`, flushes it to disk and renames it over
/// `path`, so that no reader, and no crash, ever leaves half a file under the final name.
fn write_atomically(path: &Path, data: &[u8]) -> Result<(), CacheError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("entry");
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let written = (|| {
        let mut file = fs::File::create_new(&tmp)?;
        file.write_all(data)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    written.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        CacheError::Write {
            path: path.to_owned(),
            source,
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn a_second_request_is_a_hit_with_identical_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path().join("media"));
        let input = png(120, 80);
        let first = cache.get_or_prepare(&input, Network::Vk).unwrap();
        assert!(!first.hit);
        assert_eq!(
            first.prepared,
            crate::media::process::prepare(&input, Network::Vk).unwrap()
        );
        assert_eq!(fs::read(&first.path).unwrap(), first.prepared.jpeg);
        let modified = fs::metadata(&first.path).unwrap().modified().unwrap();
        let second = cache.get_or_prepare(&input, Network::Vk).unwrap();
        assert!(second.hit);
        assert_eq!(
            second,
            Cached {
                hit: true,
                ..first.clone()
            }
        );
        assert_eq!(
            fs::metadata(&second.path).unwrap().modified().unwrap(),
            modified
        );
        // No temporary files are left behind.
        let names: Vec<String> = fs::read_dir(cache.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn a_remembered_file_is_found_again_and_an_edited_one_is_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path().join("media"));
        let file = dir.path().join("photo.png");
        fs::write(&file, png(120, 80)).unwrap();
        let nets = [Network::Vk, Network::Telegram];
        let first = cache.get_or_prepare_file_all(&file, &nets).unwrap();
        assert!(first.iter().all(|c| !c.hit));
        // A clone (the background preparer's) shares the memory: a hit, the same entries.
        let again = cache.clone().get_or_prepare_file_all(&file, &nets).unwrap();
        assert!(again.iter().all(|c| c.hit));
        assert_eq!(again[0].path, first[0].path);
        // Rewritten in place with another picture: never the old entry.
        fs::write(&file, png(60, 90)).unwrap();
        let edited = cache.get_or_prepare_file(&file, Network::Vk).unwrap();
        assert_ne!(edited.path, first[0].path);
        assert_eq!(
            (edited.prepared.width, edited.prepared.height),
            (
                crate::media::process::prepare(&png(60, 90), Network::Vk)
                    .unwrap()
                    .width,
                crate::media::process::prepare(&png(60, 90), Network::Vk)
                    .unwrap()
                    .height
            )
        );
        // A remembered file whose entry was removed from the folder is prepared again.
        fs::remove_file(&edited.path).unwrap();
        let back = cache.get_or_prepare_file(&file, Network::Vk).unwrap();
        assert!(!back.hit);
    }

    #[test]
    fn keys_change_with_the_input_and_the_profile() {
        let vk = Profile::for_network(Network::Vk);
        let tg = Profile::for_network(Network::Telegram);
        let key = MediaCache::key(b"a", &vk);
        assert_eq!(key.len(), 64);
        assert_eq!(key, MediaCache::key(b"a", &vk));
        assert_ne!(key, MediaCache::key(b"b", &vk));
        assert_ne!(key, MediaCache::key(b"a", &tg));
        // OK and Telegram have the same limits today, so they share entries.
        assert_eq!(
            MediaCache::key(b"a", &Profile::for_network(Network::Ok)),
            MediaCache::key(b"a", &tg)
        );
    }

    #[test]
    fn all_networks_at_once_then_each_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path());
        let path = dir.path().join("photo.png");
        fs::write(&path, png(64, 48)).unwrap();
        let input = fs::read(&path).unwrap();
        let all = cache.get_or_prepare_all(&input, &Network::ALL).unwrap();
        assert!(all.iter().all(|c| !c.hit));
        assert_eq!(all[1].path, all[2].path, "OK and Telegram share an entry");
        for (network, before) in Network::ALL.into_iter().zip(&all) {
            let again = cache.get_or_prepare_file(&path, network).unwrap();
            assert!(again.hit);
            assert_eq!(again.prepared, before.prepared);
        }
        let missing = cache
            .get_or_prepare_file(&dir.path().join("nope.png"), Network::Vk)
            .unwrap_err();
        assert!(matches!(missing, CacheError::Read { .. }), "{missing}");
    }

    #[test]
    fn a_damaged_entry_is_a_miss_and_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path());
        let input = png(50, 50);
        let first = cache.get_or_prepare(&input, Network::Telegram).unwrap();
        fs::write(&first.path, &first.prepared.jpeg[..100]).unwrap();
        let again = cache.get_or_prepare(&input, Network::Telegram).unwrap();
        assert!(!again.hit);
        assert_eq!(fs::read(&again.path).unwrap(), first.prepared.jpeg);
        assert!(cache.get_or_prepare(&input, Network::Telegram).unwrap().hit);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_others_can_write_to_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("media");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        let err = MediaCache::new(&open)
            .get_or_prepare(&png(20, 20), Network::Vk)
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("other users can write to it"), "{text}");
        assert!(
            text.contains(&format!("chmod 700 {}", open.display())),
            "{text}"
        );
        assert_eq!(fs::read_dir(&open).unwrap().count(), 0);
        // Group-writable is as bad.
        fs::set_permissions(&open, fs::Permissions::from_mode(0o770)).unwrap();
        assert!(
            MediaCache::new(&open)
                .get_or_prepare(&png(20, 20), Network::Vk)
                .is_err()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_as_the_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = MediaCache::new(&link)
            .get_or_prepare(&png(20, 20), Network::Vk)
            .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&real).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn entries_planted_by_another_user_are_not_served() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path().join("media"));
        let input = png(30, 30);
        cache.get_or_prepare(&input, Network::Vk).unwrap();
        if fs::metadata(dir.path()).unwrap().uid() != 0 {
            // Only root can give a folder away.
            return;
        }
        std::os::unix::fs::chown(cache.dir(), Some(65_534), None).unwrap();
        let err = cache.get_or_prepare(&input, Network::Vk).unwrap_err();
        assert!(err.to_string().contains("belongs to another user"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_folder_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path().join("vestnik/media"));
        cache.get_or_prepare(&png(20, 20), Network::Vk).unwrap();
        for folder in [dir.path().join("vestnik"), dir.path().join("vestnik/media")] {
            let mode = fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", folder.display());
        }
    }

    #[test]
    fn the_default_folder_is_the_users_own() {
        let os = |s: &'static str| Some(OsStr::new(s));
        assert_eq!(
            default_dir_from(os("/home/u/.xdg-cache"), os("/home/u")).unwrap(),
            Path::new("/home/u/.xdg-cache/vestnik/media")
        );
        assert_eq!(
            default_dir_from(None, os("/home/u")).unwrap(),
            Path::new("/home/u/.cache/vestnik/media")
        );
        // Relative values do not count (XDG Base Directory specification).
        assert_eq!(
            default_dir_from(os("cache"), os("/home/u")).unwrap(),
            Path::new("/home/u/.cache/vestnik/media")
        );
        assert_eq!(
            default_dir_from(os(""), os("/home/u")).unwrap(),
            Path::new("/home/u/.cache/vestnik/media")
        );
        for (xdg, home) in [(None, None), (os("rel"), os("also/rel")), (None, os(""))] {
            let err = default_dir_from(xdg, home).unwrap_err();
            assert!(matches!(err, CacheError::NoDefault));
            assert!(err.to_string().contains("set `cache_dir`"), "{err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fresh_default_folder_is_created_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let home = tempfile::tempdir().unwrap();
        let dir = default_dir_from(None, Some(home.path().as_os_str())).unwrap();
        let cache = MediaCache::open(&dir).unwrap();
        assert_eq!(cache.dir(), home.path().join(".cache/vestnik/media"));
        for folder in [".cache", ".cache/vestnik", ".cache/vestnik/media"] {
            let mode = fs::metadata(home.path().join(folder))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "{folder}");
        }
        // Opening it again is fine.
        MediaCache::open(&dir).unwrap();
    }

    #[test]
    fn images_that_cannot_fit_are_not_cached() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path().join("media"));
        let err = cache
            .get_or_prepare(&png(4000, 100), Network::Vk)
            .unwrap_err();
        assert!(
            matches!(err, CacheError::Process(ProcessError::Ratio { .. })),
            "{err}"
        );
        assert!(!cache.dir().exists());
    }
}
