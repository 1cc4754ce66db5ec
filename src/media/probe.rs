//! Reads an image's format and dimensions from its header, without decoding the pixels.

use std::io::BufReader;
use std::path::Path;

use image::{ImageFormat, ImageReader};

use crate::media::{Capped, FileError};

/// What the header of an image says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaInfo {
    /// `jpeg`, `png`, `webp` or `gif`.
    pub format: &'static str,
    /// Width in pixels (before EXIF orientation).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// File size in bytes.
    pub bytes: u64,
}

/// Why an image could not be probed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Io(std::io::ErrorKind),
    /// A folder, pipe, device or socket.
    #[error("cannot read the file: it is not a regular file")]
    NotAFile,
    /// An image in a format vestnik does not take (`BMP`, `TIFF`…).
    #[error("it is a {0} image; vestnik takes JPEG, PNG, WebP or GIF")]
    Unsupported(String),
    /// Not an image at all, or one whose format nothing tells.
    #[error("it is not an image vestnik can read (JPEG, PNG, WebP or GIF)")]
    NotAnImage,
    /// A broken header: the format (`PNG`…) and the decoder's words.
    #[error("the {0} file is damaged: {1}")]
    Damaged(String, String),
    /// The file is over [`MAX_MEDIA_BYTES`](crate::media::MAX_MEDIA_BYTES); nothing of it was read.
    #[error(
        "the file is {} MB; vestnik takes image files up to {} MB",
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

impl ProbeError {
    /// The error in the language of the process's texts (its `Display` stays English, for
    /// logs).
    pub fn message(&self) -> String {
        match self {
            ProbeError::Io(kind) => crate::t!(
                "media-format-unreadable",
                reason = crate::plan::repo::io_reason(*kind)
            ),
            ProbeError::NotAFile => crate::t!("media-format-not-a-file"),
            ProbeError::Unsupported(format) => {
                crate::t!("media-format-unsupported", format = format.as_str())
            }
            ProbeError::NotAnImage => crate::t!("media-format-not-an-image"),
            ProbeError::Damaged(format, detail) => crate::t!(
                "media-format-damaged",
                format = format.as_str(),
                detail = detail.as_str()
            ),
            ProbeError::TooLarge { bytes, max } => crate::t!(
                "media-size-file-too-large",
                mb = bytes.div_ceil(1024 * 1024),
                max = max / (1024 * 1024)
            ),
        }
    }
}

impl From<FileError> for ProbeError {
    fn from(e: FileError) -> ProbeError {
        match e {
            FileError::Io(e) => ProbeError::Io(e.kind()),
            FileError::NotAFile => ProbeError::NotAFile,
            FileError::TooLarge { bytes, max } => ProbeError::TooLarge { bytes, max },
        }
    }
}

/// Reads the format and size of the image at `path`.
///
/// Fails when the file cannot be read, is not a regular file, is over
/// [`MAX_MEDIA_BYTES`](crate::media::MAX_MEDIA_BYTES) (checked before anything is read), or is
/// not a decodable JPEG, PNG, WebP or GIF header.
pub fn probe(path: &Path) -> Result<MediaInfo, ProbeError> {
    let (file, bytes) = crate::media::open_file(path)?;
    // Some decoders read the whole file (JPEG's does): the reader fails past the limit.
    let mut reader = ImageReader::new(BufReader::new(Capped::new(file)));
    // As `ImageReader::open` does: the extension decides when the content does not tell.
    if let Ok(format) = ImageFormat::from_path(path) {
        reader.set_format(format);
    }
    let reader = reader
        .with_guessed_format()
        .map_err(|e| ProbeError::Io(e.kind()))?;
    let format = match reader.format() {
        Some(ImageFormat::Jpeg) => "jpeg",
        Some(ImageFormat::Png) => "png",
        Some(ImageFormat::WebP) => "webp",
        Some(ImageFormat::Gif) => "gif",
        Some(other) => {
            return Err(ProbeError::Unsupported(
                other
                    .extensions_str()
                    .first()
                    .unwrap_or(&"unknown")
                    .to_uppercase(),
            ));
        }
        None => return Err(ProbeError::NotAnImage),
    };
    let damaged =
        |e: &dyn std::fmt::Display| ProbeError::Damaged(format.to_uppercase(), e.to_string());
    let (width, height) = if format == "png" {
        // Not through `image`: its PNG decoder inflates the colour profile while reading the
        // header (3 GB from a 3 MB file, bounded only by its memory limit); `png` can skip it.
        let mut decoder = png::Decoder::new(reader.into_inner());
        decoder.set_ignore_iccp_chunk(true);
        decoder.set_ignore_text_chunk(true);
        let reader = decoder.read_info().map_err(|e| damaged(&e))?;
        (reader.info().width, reader.info().height)
    } else {
        reader.into_dimensions().map_err(|e| damaged(&e))?
    };
    Ok(MediaInfo {
        format,
        width,
        height,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_headers_and_rejects_junk() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("a.png");
        image::RgbImage::new(30, 20).save(&png).unwrap();
        let info = probe(&png).unwrap();
        assert_eq!((info.format, info.width, info.height), ("png", 30, 20));
        let junk = dir.path().join("b.jpg");
        std::fs::write(&junk, b"not an image at all").unwrap();
        assert!(matches!(
            probe(&junk),
            Err(ProbeError::Damaged(..) | ProbeError::NotAnImage)
        ));
        // A colour profile and a text chunk are skipped, not inflated; a damaged IHDR is not.
        let mut bytes = std::fs::read(&png).unwrap();
        let idat = bytes.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        let mut chunks = Vec::new();
        for (kind, data) in [
            (b"iCCP", &b"icc\0\0\x78\x9cjunk"[..]),
            (b"zTXt", b"c\0\0junk"),
        ] {
            chunks.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
            let mut body = kind.to_vec();
            body.extend_from_slice(data);
            let mut crc = flate2::Crc::new();
            crc.update(&body);
            chunks.extend_from_slice(&body);
            chunks.extend_from_slice(&crc.sum().to_be_bytes());
        }
        bytes.splice(idat..idat, chunks);
        let with_metadata = dir.path().join("d.png");
        std::fs::write(&with_metadata, &bytes).unwrap();
        let found = probe(&with_metadata).unwrap();
        assert_eq!((found.format, found.width, found.height), ("png", 30, 20));
        // The IHDR's CRC.
        bytes[29] ^= 1;
        std::fs::write(&with_metadata, &bytes).unwrap();
        let err = probe(&with_metadata).unwrap_err();
        assert!(
            err.to_string().starts_with("the PNG file is damaged"),
            "{err}"
        );
        let truncated = dir.path().join("c.png");
        std::fs::write(&truncated, &std::fs::read(&png).unwrap()[..12]).unwrap();
        assert!(probe(&truncated).is_err());
    }
}
