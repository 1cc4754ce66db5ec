//! Tokens and keys in a type that never prints them, read from the environment or from a
//! secrets file outside the repository that other users cannot read.

use crate::plan::repo::{self, ReadError};
use std::fmt;
use std::path::{Path, PathBuf};

/// Longest secrets file read, in bytes: tokens and keys are a few hundred bytes at most.
pub const MAX_SECRET_BYTES: u64 = 64 * 1024;

/// A token or key. `Debug` and `Display` print `***`; only [`Secret::expose`] gives the value,
/// at the one place that puts it on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The environment variable is not set.
    #[error("the environment variable {var} is not set")]
    EnvMissing {
        /// Its name.
        var: String,
    },
    /// The environment variable is not valid Unicode.
    #[error("the environment variable {var} is not valid UTF-8")]
    EnvNotUnicode {
        /// Its name.
        var: String,
    },
    /// The file could not be opened or read.
    #[error("cannot read the secrets file {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file can be read by its group or by other users.
    #[error(
        "the secrets file {} can be read by other users (mode {mode:03o}); make it private with `chmod 600 {}`",
        .path.display(),
        .path.display()
    )]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A pipe, device or folder: reading it could wait for ever or never end.
    #[error(
        "the secrets file {} is not a regular file (a pipe, a device or a folder); give the path of a file that holds the value",
        .path.display()
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The file is longer than any token.
    #[error(
        "the secrets file {} is over {} KB, far longer than a token; give the path of a file that holds only the value",
        .path.display(),
        MAX_SECRET_BYTES / 1024
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The file holds nothing (or only a line break).
    #[error("the secrets file {} is empty", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The environment variable holds nothing (or only blanks).
    #[error("the environment variable {var} is empty")]
    EnvEmpty {
        /// Its name.
        var: String,
    },
}

impl SecretError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs). Names the variable or file, never the value.
    pub fn message(&self) -> String {
        let shown = |p: &Path| p.display().to_string();
        match self {
            SecretError::EnvMissing { var } => {
                crate::t!("secret-env-missing", var = var.as_str())
            }
            SecretError::EnvNotUnicode { var } => {
                crate::t!("secret-env-not-unicode", var = var.as_str())
            }
            SecretError::EnvEmpty { var } => crate::t!("secret-env-empty", var = var.as_str()),
            SecretError::Read { path, source } => crate::t!(
                "secret-read",
                path = shown(path),
                reason = repo::io_words(source)
            ),
            SecretError::TooOpen { path, mode } => crate::t!(
                "secret-too-open",
                path = shown(path),
                mode = format!("{mode:03o}")
            ),
            SecretError::NotAFile { path } => {
                crate::t!("secret-not-a-file", path = shown(path))
            }
            SecretError::TooLarge { path } => crate::t!(
                "secret-too-large",
                path = shown(path),
                kib = (MAX_SECRET_BYTES / 1024).to_string()
            ),
            SecretError::Empty { path } => crate::t!("secret-empty", path = shown(path)),
        }
    }
}

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads the environment variable `var`.
    ///
    /// Fails when it is unset, not UTF-8, or empty.
    pub fn from_env(var: &str) -> Result<Secret, SecretError> {
        match std::env::var(var) {
            Ok(v) if v.trim().is_empty() => Err(SecretError::EnvEmpty {
                var: var.to_owned(),
            }),
            Ok(v) => Ok(Secret(v)),
            Err(std::env::VarError::NotPresent) => Err(SecretError::EnvMissing {
                var: var.to_owned(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(SecretError::EnvNotUnicode {
                var: var.to_owned(),
            }),
        }
    }

    /// Reads a secrets file holding one value; a trailing line break is dropped.
    ///
    /// On unix the file is refused when its group or other users have any permission on it
    /// (`mode & 0o077 != 0`): a token readable by everyone on the machine is a leaked token. The
    /// mode is checked on the opened file, not on the path, so it cannot change in between.
    /// The file is opened without blocking and must be a regular file (a FIFO would otherwise
    /// wait for a writer for ever) of at most [`MAX_SECRET_BYTES`].
    /// Fails also when the file cannot be read, is not UTF-8, or is empty.
    pub fn from_file(path: &Path) -> Result<Secret, SecretError> {
        let read_err = |source| SecretError::Read {
            path: path.to_owned(),
            source,
        };
        let too_large = || SecretError::TooLarge {
            path: path.to_owned(),
        };
        let refused = |e: ReadError| match e {
            ReadError::NotRegular | ReadError::Outside => SecretError::NotAFile {
                path: path.to_owned(),
            },
            ReadError::TooLarge(_) => too_large(),
            ReadError::Io(kind) => read_err(std::io::Error::from(kind)),
        };
        let (file, meta) = repo::open_regular(path).map_err(refused)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SecretError::TooOpen {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
        // Bounded also while reading: the file may grow after its size was read.
        let bytes = repo::read_capped(file, &meta, MAX_SECRET_BYTES).map_err(refused)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            read_err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })?;
        let value = text.trim_end_matches(['\n', '\r']);
        if value.trim().is_empty() {
            return Err(SecretError::Empty {
                path: path.to_owned(),
            });
        }
        Ok(Secret(value.to_owned()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn private(path: &Path, text: &[u8]) {
        std::fs::write(path, text).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    #[test]
    fn a_private_file_is_read_without_its_line_break() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        private(&path, b"abc123\n");
        assert_eq!(Secret::from_file(&path).unwrap().expose(), "abc123");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            Secret::from_file(&path),
            Err(SecretError::TooOpen { mode: 0o644, .. })
        ));
    }

    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let made = std::process::Command::new("mkfifo")
            .args(["-m", "600"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        // Opening a FIFO waits for a writer: on a thread, so a regression fails the test
        // instead of hanging the suite.
        let (tx, rx) = std::sync::mpsc::channel();
        let fifo = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(Secret::from_file(&fifo).map(|_| ()));
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO as a secrets file hangs");
        let err = result.unwrap_err();
        assert!(matches!(err, SecretError::NotAFile { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!(
                "the secrets file {} is not a regular file (a pipe, a device or a folder); give the path of a file that holds the value",
                path.display()
            )
        );
    }

    #[test]
    fn folders_and_long_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(matches!(
            Secret::from_file(dir.path()),
            Err(SecretError::NotAFile { .. })
        ));
        let path = dir.path().join("token");
        private(&path, &vec![b'a'; 64 * 1024]);
        assert_eq!(Secret::from_file(&path).unwrap().expose().len(), 64 * 1024);
        private(&path, &vec![b'a'; 64 * 1024 + 1]);
        let err = Secret::from_file(&path).unwrap_err();
        assert!(matches!(err, SecretError::TooLarge { .. }), "{err}");
        assert!(!err.to_string().contains("aaaa"), "{err}");
    }
}
