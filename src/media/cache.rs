//! A folder of prepared images, keyed by content, so that an unchanged image is processed once.
//!
//! The key is a BLAKE3 hash of the pipeline version, the network's [`Profile`] and the input's
//! own hash: editing the image, changing a network's limits or bumping [`PIPELINE_VERSION`] all
//! make a new key, and networks with equal profiles share an entry. An entry is `<key>.jpg`, the
//! file to upload, and `<key>.json`, its sizes. Each is written to a temporary file and renamed
//! into place, the `.json` last and holding the JPEG's length, so a reader sees a whole entry or
//! none; a damaged entry reads as a miss and is written again.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::media::FileError;
use crate::media::process::{PIPELINE_VERSION, Prepared, ProcessError, Profile, prepare_with};
use crate::plan::network::Network;
use crate::render::publication::ImageRef;

/// Prepared images on disk, e.g. in `.vestnik/cache/media/`.
#[derive(Debug, Clone)]
pub struct MediaCache {
    dir: PathBuf,
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
        /// Why.
        source: FileError,
    },
    /// The image itself cannot be prepared.
    #[error(transparent)]
    Process(#[from] ProcessError),
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

    /// A cache in `dir`; the folder is created on the first write.
    pub fn new(dir: impl Into<PathBuf>) -> MediaCache {
        MediaCache { dir: dir.into() }
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
        let input = crate::media::read_file(path).map_err(|e| match e {
            FileError::Io(source) => CacheError::Read {
                path: path.to_owned(),
                source,
            },
            source => CacheError::Refused {
                path: path.to_owned(),
                source,
            },
        })?;
        self.get_or_prepare(&input, network)
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
        let content = blake3::hash(input);
        let keys: Vec<String> = profiles.iter().map(|p| key_of(&content, p)).collect();
        let mut found: Vec<Option<Cached>> = keys.iter().map(|k| self.load(k)).collect();
        let mut missing: Vec<(&str, Profile)> = Vec::new();
        for ((key, profile), hit) in keys.iter().zip(profiles).zip(&found) {
            if hit.is_none() && !missing.iter().any(|(k, _)| k == key) {
                missing.push((key, *profile));
            }
        }
        if !missing.is_empty() {
            let wanted: Vec<Profile> = missing.iter().map(|(_, p)| *p).collect();
            let prepared = prepare_with(input, &wanted)?;
            fs::create_dir_all(&self.dir).map_err(|source| CacheError::Write {
                path: self.dir.clone(),
                source,
            })?;
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
