//! Images and clips of posts: where they may live (`media/<org-id>/`), what they are (format and
//! size read from the header, or by `ffprobe` for clips: [`video`]), and whether each network
//! can take them after adaptation.

pub mod cache;
pub mod probe;
pub mod process;
pub mod video;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

pub use cache::{CacheError, Cached, MediaCache};
pub use probe::{MediaInfo, ProbeError, probe};
pub use process::{Prepared, ProcessError, Profile, prepare, prepare_all};

use crate::plan::network::Network;
use crate::plan::repo::{self, ReadError};

/// Largest image vestnik agrees to decode (pixels): a guard against decompression bombs.
pub const MAX_PIXELS: u64 = 100_000_000;

/// Largest image file vestnik reads, in bytes, checked before anything is read. VK's photo upload
/// limit is 50 MB, the largest of the three networks, and every image is re-encoded anyway, so a
/// larger source gains nothing; without a cap a 3 GB sparse file (a few MB in git) costs gigabytes
/// of memory in `check` and `preview`.
pub const MAX_MEDIA_BYTES: u64 = 50 * 1024 * 1024;

/// Why a media file was not read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The system refused to open or read it.
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
    /// A folder, pipe, device or socket: only regular files are read.
    #[error("it is not a regular file (a folder, a pipe or a device)")]
    NotAFile,
    /// Over [`MAX_MEDIA_BYTES`].
    #[error(
        "the file is {} MB; vestnik reads image files up to {} MB",
        bytes.div_ceil(1024 * 1024),
        max / (1024 * 1024)
    )]
    TooLarge {
        /// Its size.
        bytes: u64,
        /// The limit.
        max: u64,
    },
}

/// Opens a media file for reading and returns it with its size.
///
/// The file is opened without blocking (a FIFO would otherwise wait for a writer for ever), and
/// the opened file, not the path, must be a regular file of at most [`MAX_MEDIA_BYTES`]: nothing
/// is read before that is known.
pub fn open_file(path: &Path) -> Result<(File, u64), FileError> {
    let (file, meta) = repo::open_regular(path).map_err(FileError::from)?;
    if meta.len() > MAX_MEDIA_BYTES {
        return Err(FileError::TooLarge {
            bytes: meta.len(),
            max: MAX_MEDIA_BYTES,
        });
    }
    Ok((file, meta.len()))
}

/// Reads a whole media file, refused as [`open_file`] refuses it. The read itself stops after
/// [`MAX_MEDIA_BYTES`], so a file that grows after it was opened is refused too.
pub fn read_file(path: &Path) -> Result<Vec<u8>, FileError> {
    let (file, meta) = repo::open_regular(path).map_err(FileError::from)?;
    read_opened(file, &meta)
}

/// Reads a media file opened by [`repo::open_regular`] (whose metadata is `meta`) whole, as
/// [`read_file`] does: at most [`MAX_MEDIA_BYTES`].
pub fn read_opened(file: File, meta: &std::fs::Metadata) -> Result<Vec<u8>, FileError> {
    repo::read_capped(file, meta, MAX_MEDIA_BYTES).map_err(|e| match e {
        ReadError::TooLarge(max) => FileError::TooLarge {
            bytes: meta.len().max(max + 1),
            max,
        },
        e => FileError::from(e),
    })
}

impl From<ReadError> for FileError {
    fn from(e: ReadError) -> FileError {
        match e {
            ReadError::NotRegular => FileError::NotAFile,
            ReadError::TooLarge(max) => FileError::TooLarge {
                bytes: max + 1,
                max,
            },
            ReadError::Io(kind) => FileError::Io(io::Error::from(kind)),
            // Not produced by open_regular or read_capped.
            ReadError::Outside => FileError::NotAFile,
        }
    }
}

/// A file that fails to read past [`MAX_MEDIA_BYTES`], for decoders that read as far as they
/// like and need to seek (a file may grow after [`open_file`] checked its size).
struct Capped {
    file: File,
    pos: u64,
}

impl Capped {
    fn new(file: File) -> Capped {
        Capped { file, pos: 0 }
    }
}

impl Read for Capped {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // One byte past the limit may be read, so that a file of exactly the limit meets its end.
        if self.pos > MAX_MEDIA_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                "the file grew past the size limit while it was read",
            ));
        }
        let left = MAX_MEDIA_BYTES + 1 - self.pos;
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read(&mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Capped {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.pos = self.file.seek(to)?;
        Ok(self.pos)
    }
}

/// Why an image path is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// An absolute path.
    #[error("`{0}` is an absolute path")]
    Absolute(String),
    /// A path that leaves `media/<org>/` through `..` or names another folder.
    #[error("`{0}` leaves media/{1}/")]
    Escapes(String, String),
    /// A symlink that points outside `media/<org>/`.
    #[error("`{0}` is a link to a file outside media/{1}/")]
    SymlinkOut(String, String),
    /// No such file.
    #[error("`{0}` does not exist")]
    Missing(String),
    /// A folder, pipe or device, not a picture file.
    #[error("`{0}` is not a regular file")]
    NotAFile(String),
}

impl PathError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            PathError::Absolute(p) => crate::t!("media-path-absolute", path = p.as_str()),
            PathError::Escapes(p, org) => {
                crate::t!("media-path-escapes", path = p.as_str(), org = org.as_str())
            }
            PathError::SymlinkOut(p, org) => {
                crate::t!(
                    "media-path-symlink-out",
                    path = p.as_str(),
                    org = org.as_str()
                )
            }
            PathError::Missing(p) => crate::t!("media-path-missing", path = p.as_str()),
            PathError::NotAFile(p) => crate::t!("media-path-not-a-file", path = p.as_str()),
        }
    }
}

/// Resolves an image path as written in a post of organization `org`: relative to
/// `media/<org>/`, or written from the repository root as `media/<org>/…`.
///
/// Returns the path relative to the repository (with `/`) and the absolute path. Fails when the
/// path is absolute, leaves `media/<org>/` (also through a symlink), or does not exist.
pub fn resolve(root: &Path, org: &str, written: &str) -> Result<(String, PathBuf), PathError> {
    let w = written.trim();
    if w.starts_with('/')
        || w.starts_with('\\')
        || w.get(1..3) == Some(":\\")
        || w.get(1..3) == Some(":/")
    {
        return Err(PathError::Absolute(w.to_owned()));
    }
    let joined = if w.starts_with("media/") {
        w.to_owned()
    } else {
        format!("media/{org}/{w}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(&joined).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().unwrap_or("")),
            Component::ParentDir => {
                if parts.len() <= 2 {
                    return Err(PathError::Escapes(w.to_owned(), org.to_owned()));
                }
                parts.pop();
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::Absolute(w.to_owned()));
            }
        }
    }
    if parts.len() < 3 || parts[0] != "media" || parts[1] != org {
        return Err(PathError::Escapes(w.to_owned(), org.to_owned()));
    }
    let rel = parts.join("/");
    let abs = root.join(&rel);
    if std::fs::symlink_metadata(&abs).is_err() {
        return Err(PathError::Missing(rel));
    }
    // The folder the picture must really be in: the canonical repository root joined with the
    // literal `media/<org>`. Canonicalizing `media/<org>` itself would trust a linked folder
    // (`media/school -> /` made every file of the host a picture of the school).
    let base = root
        .canonicalize()
        .map_err(|_| PathError::Missing(rel.clone()))?
        .join("media")
        .join(org);
    match abs.canonicalize() {
        Ok(real) if real.starts_with(&base) && real.is_file() => Ok((rel, abs)),
        Ok(real) if real.starts_with(&base) => Err(PathError::NotAFile(w.to_owned())),
        Ok(_) => Err(PathError::SymlinkOut(w.to_owned(), org.to_owned())),
        Err(_) => Err(PathError::Missing(rel)),
    }
}

/// Why an image cannot be adapted for a network, if it cannot. The reason does not name the
/// network, so that the same reason for several networks can be reported once.
pub fn unfit_for(info: &MediaInfo, network: Network) -> Option<String> {
    let (w, h) = (u64::from(info.width), u64::from(info.height));
    if w == 0 || h == 0 {
        return Some(crate::t!("media-size-no-pixels"));
    }
    if w * h > MAX_PIXELS {
        return Some(crate::t!(
            "media-size-megapixels",
            width = w,
            height = h,
            mp = w * h / 1_000_000,
            max = MAX_PIXELS / 1_000_000
        ));
    }
    let ratio_max = u64::from(network.limits().image_ratio_max);
    let (long, short) = (w.max(h), w.min(h));
    if long > short * ratio_max {
        return Some(crate::t!(
            "media-size-ratio",
            width = w,
            height = h,
            ratio = ratio_max
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_org_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("media/school/sub")).unwrap();
        std::fs::create_dir_all(root.join("media/other")).unwrap();
        std::fs::write(root.join("media/school/sub/a.jpg"), b"x").unwrap();
        std::fs::write(root.join("media/other/b.jpg"), b"x").unwrap();
        assert_eq!(
            resolve(root, "school", "sub/a.jpg").unwrap().0,
            "media/school/sub/a.jpg"
        );
        assert_eq!(
            resolve(root, "school", "media/school/sub/a.jpg").unwrap().0,
            "media/school/sub/a.jpg"
        );
        assert_eq!(
            resolve(root, "school", "sub/../sub/a.jpg").unwrap().0,
            "media/school/sub/a.jpg"
        );
        assert!(matches!(
            resolve(root, "school", "/etc/passwd"),
            Err(PathError::Absolute(_))
        ));
        assert!(matches!(
            resolve(root, "school", "../other/b.jpg"),
            Err(PathError::Escapes(..))
        ));
        assert!(matches!(
            resolve(root, "school", "media/other/b.jpg"),
            Err(PathError::Escapes(..))
        ));
        assert!(matches!(
            resolve(root, "school", "nope.jpg"),
            Err(PathError::Missing(_))
        ));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                root.join("media/other/b.jpg"),
                root.join("media/school/link.jpg"),
            )
            .unwrap();
            assert!(matches!(
                resolve(root, "school", "link.jpg"),
                Err(PathError::SymlinkOut(..))
            ));
        }
    }

    /// Issue 9, item 6: a linked organization folder is not trusted: `media/school -> /` made
    /// any file of the host a picture of the school, `-> ../other` another organization's.
    #[cfg(unix)]
    #[test]
    fn a_linked_org_folder_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("media/other")).unwrap();
        std::fs::write(root.join("media/other/b.jpg"), b"x").unwrap();
        std::fs::create_dir_all(root.join("media/own/in")).unwrap();
        std::fs::write(root.join("media/own/in/c.jpg"), b"x").unwrap();
        std::os::unix::fs::symlink("/", root.join("media/school")).unwrap();
        std::os::unix::fs::symlink("other", root.join("media/club")).unwrap();
        std::os::unix::fs::symlink("in/c.jpg", root.join("media/own/d.jpg")).unwrap();
        assert!(matches!(
            resolve(root, "school", "etc/hostname"),
            Err(PathError::SymlinkOut(..))
        ));
        assert!(matches!(
            resolve(root, "club", "b.jpg"),
            Err(PathError::SymlinkOut(..))
        ));
        assert!(matches!(
            resolve(root, "own", "in"),
            Err(PathError::NotAFile(..))
        ));
        // A link inside the organization's own folder is followed.
        assert_eq!(resolve(root, "own", "d.jpg").unwrap().0, "media/own/d.jpg");
    }

    #[test]
    fn files_over_the_cap_are_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.jpg");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_MEDIA_BYTES + 1)
            .unwrap();
        let over = |e: FileError| matches!(e, FileError::TooLarge { bytes, max: MAX_MEDIA_BYTES } if bytes == MAX_MEDIA_BYTES + 1);
        assert!(over(open_file(&big).unwrap_err()));
        assert!(over(read_file(&big).unwrap_err()));
        assert_eq!(
            probe(&big).unwrap_err(),
            ProbeError::TooLarge {
                bytes: MAX_MEDIA_BYTES + 1,
                max: MAX_MEDIA_BYTES
            }
        );
        let cache = MediaCache::new(dir.path().join("cache"));
        let err = cache.get_or_prepare_file(&big, Network::Vk).unwrap_err();
        assert!(matches!(err, CacheError::Refused { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "cannot use {}: the file is 51 MB; vestnik reads image files up to 50 MB",
                big.display()
            )
        );
        // Exactly at the cap is fine, and so is the reader's end of file there.
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_MEDIA_BYTES)
            .unwrap();
        assert_eq!(read_file(&big).unwrap().len() as u64, MAX_MEDIA_BYTES);
        let (file, _) = open_file(&big).unwrap();
        let mut capped = Capped::new(file);
        assert_eq!(
            io::copy(&mut capped, &mut io::sink()).unwrap(),
            MAX_MEDIA_BYTES
        );
    }

    #[test]
    fn a_file_that_grows_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grows.jpg");
        std::fs::write(&path, b"small").unwrap();
        let (file, size) = open_file(&path).unwrap();
        assert_eq!(size, 5);
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(MAX_MEDIA_BYTES + 10)
            .unwrap();
        let err = io::copy(&mut Capped::new(file), &mut io::sink()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }

    #[cfg(unix)]
    #[test]
    fn pipes_and_folders_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.jpg");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening a FIFO for reading waits for a writer: on a thread, so a regression fails
        // instead of hanging the suite.
        let (tx, rx) = std::sync::mpsc::channel();
        let path = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send((
                matches!(open_file(&path), Err(FileError::NotAFile)),
                probe(&path),
            ));
        });
        let (refused, probed) = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("opening a FIFO hangs");
        assert!(refused);
        assert_eq!(probed, Err(ProbeError::NotAFile));
        assert!(matches!(read_file(dir.path()), Err(FileError::NotAFile)));
    }

    #[test]
    fn extreme_ratios_and_bombs_do_not_fit() {
        let info = |w, h| MediaInfo {
            format: "png",
            width: w,
            height: h,
            bytes: 1,
        };
        assert!(unfit_for(&info(800, 600), Network::Telegram).is_none());
        assert!(unfit_for(&info(4000, 199), Network::Vk).is_some());
        assert!(unfit_for(&info(3980, 199), Network::Vk).is_none());
        assert!(unfit_for(&info(20_000, 20_000), Network::Ok).is_some());
    }
}
