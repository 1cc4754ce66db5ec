//! Tokens and keys in a type that never prints them, read from the environment or from a
//! secrets file outside the repository that other users cannot read.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

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
    /// The variable or file holds nothing (or only a line break).
    #[error("{what} is empty")]
    Empty {
        /// Which variable or file.
        what: String,
    },
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
            Ok(v) if v.trim().is_empty() => Err(SecretError::Empty {
                what: format!("the environment variable {var}"),
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
    /// Fails also when the file cannot be read, is not UTF-8, or is empty.
    pub fn from_file(path: &Path) -> Result<Secret, SecretError> {
        let read_err = |source| SecretError::Read {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(read_err)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = file.metadata().map_err(read_err)?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SecretError::TooOpen {
                    path: path.to_owned(),
                    mode,
                });
            }
        }
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(read_err)?;
        let value = text.trim_end_matches(['\n', '\r']);
        if value.trim().is_empty() {
            return Err(SecretError::Empty {
                what: format!("the secrets file {}", path.display()),
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
