//! Turns an image as a person saved it into the JPEG a network gets.
//!
//! The pipeline decodes under memory limits, turns the picture upright by its EXIF orientation,
//! flattens transparency onto white, scales it down to fit the network's limits and a sensible
//! size for feeds, and encodes a fresh JPEG. Nothing of the original file is copied: EXIF (with
//! the camera's GPS position), XMP, ICC profiles and text chunks are all left behind; a PNG's
//! profile and text chunks are cut out before decoding, so that their zlib streams are never
//! inflated (see [`PNG_DROPPED`]).
//!
//! Large JPEGs are shrunk while they are decoded (the DCT scaling of `jpeg-decoder`), which is
//! what makes a 24-megapixel photo cheap; everything else goes through `image`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Cursor;

use fast_image_resize as fir;
use image::metadata::Orientation;
use image::{
    DynamicImage, GrayImage, ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage,
};

use crate::media::MAX_PIXELS;
use crate::plan::network::Network;

/// Version of the pipeline's output. Bump it whenever the same input would give other bytes, so
/// that the media cache does not hand out results of an older pipeline.
pub const PIPELINE_VERSION: u32 = 1;

/// Longest side of an image in a feed: larger photos gain nothing on a phone screen.
pub const LONG_SIDE_MAX: u32 = 2560;

/// JPEG quality of the first attempt.
pub const QUALITY: u8 = 85;

/// Lowest JPEG quality tried before the image is scaled down instead.
const QUALITY_FLOOR: u8 = 60;

/// Most memory the decoders may take: a 100-megapixel image at 8 bytes a pixel, with room left.
const ALLOC_MAX: u64 = 1024 * 1024 * 1024;

/// Longest side the decoders accept (JPEG's own maximum; no 100-megapixel image with a sane
/// ratio comes near it).
const SIDE_MAX: u32 = 65_535;

/// How one network wants its images: derived from [`Network::limits`], or made up in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Largest JPEG file, in bytes.
    pub bytes_max: u64,
    /// Largest `width + height`.
    pub sides_sum_max: u32,
    /// Largest ratio of the long side to the short side.
    pub ratio_max: u32,
    /// Longest side; smaller images are never enlarged.
    pub long_side_max: u32,
    /// JPEG quality of the first attempt (1–100).
    pub quality: u8,
}

impl Profile {
    /// The profile of `network`: its upload limits, [`LONG_SIDE_MAX`] and [`QUALITY`].
    pub fn for_network(network: Network) -> Profile {
        let limits = network.limits();
        Profile {
            bytes_max: limits.image_bytes_max,
            sides_sum_max: limits.image_sides_sum_max,
            ratio_max: limits.image_ratio_max,
            long_side_max: LONG_SIDE_MAX,
            quality: QUALITY,
        }
    }

    /// Bytes that identify the profile in cache keys: equal profiles (OK and Telegram today)
    /// share cached results.
    pub fn fingerprint(&self) -> [u8; 21] {
        let mut out = [0; 21];
        out[..8].copy_from_slice(&self.bytes_max.to_le_bytes());
        out[8..12].copy_from_slice(&self.sides_sum_max.to_le_bytes());
        out[12..16].copy_from_slice(&self.ratio_max.to_le_bytes());
        out[16..20].copy_from_slice(&self.long_side_max.to_le_bytes());
        out[20] = self.quality;
        out
    }
}

/// An image ready for upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The JPEG file, without any metadata.
    pub jpeg: Vec<u8>,
    /// Width of the JPEG.
    pub width: u32,
    /// Height of the JPEG.
    pub height: u32,
    /// Width of the original, upright (after its EXIF orientation).
    pub source_width: u32,
    /// Height of the original, upright.
    pub source_height: u32,
}

/// Why an image cannot be prepared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessError {
    /// Not JPEG, PNG, WebP or GIF.
    #[error("it is not an image vestnik can read (JPEG, PNG, WebP or GIF)")]
    Format,
    /// The file is broken, or uses a variant of its format the decoder does not support.
    #[error("the {format} file is damaged: {reason}")]
    Damaged {
        /// `JPEG`, `PNG`, `WebP` or `GIF`.
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// Width or height is zero.
    #[error("the image has no pixels")]
    NoPixels,
    /// More than [`MAX_PIXELS`]: refused before decoding, as a guard against decompression bombs.
    #[error(
        "{width}×{height} is {} megapixels; vestnik refuses images over {} megapixels (a guard against decompression bombs)",
        u64::from(*width) * u64::from(*height) / 1_000_000,
        MAX_PIXELS / 1_000_000
    )]
    TooManyPixels {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
    },
    /// The decoder would need more memory than vestnik allows (e.g. a huge 16-bit image).
    #[error("decoding it would take more memory than vestnik allows: {0}")]
    Memory(String),
    /// The shape is too long and thin for the network; scaling cannot change a ratio.
    #[error(
        "{width}×{height} is more than {ratio_max} times longer than it is wide; the network refuses such images and resizing cannot fix the shape"
    )]
    Ratio {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// The network's largest ratio.
        ratio_max: u32,
    },
    /// Even the smallest, lowest-quality JPEG stays over the byte limit (only with absurd limits).
    #[error("the JPEG stays over {bytes_max} bytes however small it gets")]
    Bytes {
        /// The profile's byte limit.
        bytes_max: u64,
    },
    /// Resizing or encoding failed: a bug, not a property of the image.
    #[error("image processing failed: {0}")]
    Internal(String),
}

impl ProcessError {
    /// Whether this is about the image's size or shape: what `check` reports as `media-size`
    /// (the other errors are about the file itself).
    pub fn is_size(&self) -> bool {
        matches!(
            self,
            ProcessError::NoPixels
                | ProcessError::TooManyPixels { .. }
                | ProcessError::Memory(_)
                | ProcessError::Ratio { .. }
                | ProcessError::Bytes { .. }
        )
    }
}

/// Prepares `bytes` (a JPEG, PNG, WebP or GIF file) for `network`.
///
/// Fails when the file cannot be decoded, or the image cannot be made to fit the network (see
/// [`ProcessError::is_size`]).
pub fn prepare(bytes: &[u8], network: Network) -> Result<Prepared, ProcessError> {
    let mut all = prepare_with(bytes, &[Profile::for_network(network)])?;
    all.pop()
        .ok_or_else(|| ProcessError::Internal("no output".to_owned()))
}

/// Prepares `bytes` for each of `networks`, decoding once; results come in the same order.
///
/// Networks whose limits lead to the same size share one encoding. Fails as [`prepare`] does,
/// as soon as one network cannot take the image.
pub fn prepare_all(bytes: &[u8], networks: &[Network]) -> Result<Vec<Prepared>, ProcessError> {
    let profiles: Vec<Profile> = networks.iter().map(|n| Profile::for_network(*n)).collect();
    prepare_with(bytes, &profiles)
}

/// Prepares `bytes` for each profile, decoding once; results come in the order of `profiles`.
///
/// Fails as [`prepare`] does, as soon as one profile cannot be served.
pub fn prepare_with(bytes: &[u8], profiles: &[Profile]) -> Result<Vec<Prepared>, ProcessError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    let decoded = decode(bytes, profiles)?;
    let (source_width, source_height) = decoded.source;
    let mut work = Work {
        image: decoded.image,
        resized: HashMap::new(),
        encoded: HashMap::new(),
    };
    let mut out = Vec::with_capacity(profiles.len());
    for profile in profiles {
        let (jpeg, (width, height)) = work.fit(decoded.source, profile)?;
        out.push(Prepared {
            jpeg,
            width,
            height,
            source_width,
            source_height,
        });
    }
    Ok(out)
}

/// An upright image in `Rgb8` or `Luma8`, possibly already shrunk, and the upright size of the
/// original.
struct Decoded {
    image: DynamicImage,
    source: (u32, u32),
}

/// Refuses sizes no profile can take, before any pixel is decoded.
fn check_size(width: u32, height: u32, profiles: &[Profile]) -> Result<(), ProcessError> {
    let (w, h) = (u64::from(width), u64::from(height));
    if w == 0 || h == 0 {
        return Err(ProcessError::NoPixels);
    }
    if w * h > MAX_PIXELS {
        return Err(ProcessError::TooManyPixels { width, height });
    }
    let (long, short) = (w.max(h), w.min(h));
    for profile in profiles {
        if long > short * u64::from(profile.ratio_max) {
            return Err(ProcessError::Ratio {
                width,
                height,
                ratio_max: profile.ratio_max,
            });
        }
    }
    Ok(())
}

/// The size of the first attempt for an upright `source`: within the long side and the sides
/// sum, never larger than the source, and keeping the ratio within the limit after rounding.
fn target_size((w, h): (u32, u32), profile: &Profile) -> (u32, u32) {
    let (long, short) = (w.max(h), w.min(h));
    let mut new_long = long.min(profile.long_side_max.max(1));
    // The sides sum caps the long side too: long' + short·long'/long ≤ sum.
    let by_sum =
        u64::from(profile.sides_sum_max) * u64::from(long) / (u64::from(long) + u64::from(short));
    new_long = new_long
        .min(u32::try_from(by_sum).unwrap_or(u32::MAX))
        .max(1);
    let mut size = scale_short(long, short, new_long, profile.ratio_max);
    // Rounding the short side up can cost the sum a pixel.
    while u64::from(size.0) + u64::from(size.1) > u64::from(profile.sides_sum_max) && size.0 > 1 {
        size = scale_short(long, short, size.0 - 1, profile.ratio_max);
    }
    if w >= h { size } else { (size.1, size.0) }
}

/// `(long', short')` for a new long side, the short side scaled in proportion and rounded,
/// nudged up when rounding would break the ratio limit.
fn scale_short(long: u32, short: u32, new_long: u32, ratio_max: u32) -> (u32, u32) {
    let scaled =
        (u64::from(short) * u64::from(new_long) * 2 + u64::from(long)) / (2 * u64::from(long));
    let mut new_short = u32::try_from(scaled).unwrap_or(u32::MAX).clamp(1, new_long);
    while u64::from(new_long) > u64::from(new_short) * u64::from(ratio_max.max(1)) {
        new_short += 1;
    }
    (new_long, new_short)
}

/// The next, smaller attempt when a JPEG is over the byte limit; `None` when it cannot shrink.
fn shrink((w, h): (u32, u32), ratio_max: u32) -> Option<(u32, u32)> {
    let (long, short) = (w.max(h), w.min(h));
    let new_long = long * 4 / 5;
    if new_long == 0 || new_long == long {
        return None;
    }
    let size = scale_short(long, short, new_long, ratio_max);
    Some(if w >= h { size } else { (size.1, size.0) })
}

fn format_name(format: ImageFormat) -> &'static str {
    match format {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        ImageFormat::WebP => "WebP",
        ImageFormat::Gif => "GIF",
        _ => "image",
    }
}

fn decode(bytes: &[u8], profiles: &[Profile]) -> Result<Decoded, ProcessError> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) => f,
        _ => return Err(ProcessError::Format),
    };
    if format == ImageFormat::Jpeg
        && let Some(decoded) = decode_jpeg_shrunk(bytes, profiles)?
    {
        return Ok(decoded);
    }
    decode_any(bytes, format, profiles)
}

fn map_image_error(format: ImageFormat, e: ImageError) -> ProcessError {
    match e {
        ImageError::Limits(e) => ProcessError::Memory(e.to_string()),
        other => ProcessError::Damaged {
            format: format_name(format),
            reason: other.to_string(),
        },
    }
}

/// PNG chunks that are dropped before decoding: the colour profile (`iCCP`) and texts (`tEXt`,
/// `zTXt`, `iTXt`). The output keeps none of them, and `image` cannot tell its PNG decoder to
/// skip them: it inflates a profile while reading the header, up to its memory limit (a 3 MB
/// file with a 3 GB profile took 2 GB), and keeps every text chunk in memory.
const PNG_DROPPED: [&[u8; 4]; 4] = [b"iCCP", b"tEXt", b"zTXt", b"iTXt"];

/// `png` without the chunks of [`PNG_DROPPED`]; unchanged when it has none. A chunk that runs
/// past the end, and all after it, are left for the decoder to report.
fn without_png_metadata(png: &[u8]) -> Cow<'_, [u8]> {
    let mut kept: Vec<std::ops::Range<usize>> = Vec::new();
    let (mut run, mut at) = (0, 8);
    while let Some(head) = png.get(at..at + 8) {
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let end = usize::try_from(len)
            .ok()
            .and_then(|len| (at + 12).checked_add(len))
            .filter(|end| *end <= png.len());
        let Some(end) = end else {
            break;
        };
        if PNG_DROPPED.iter().any(|kind| head[4..8] == kind[..]) {
            kept.push(run..at);
            run = end;
        }
        at = end;
    }
    if kept.is_empty() {
        return Cow::Borrowed(png);
    }
    kept.push(run..png.len());
    let mut out = Vec::with_capacity(kept.iter().map(ExactSizeIterator::len).sum());
    for range in kept {
        out.extend_from_slice(&png[range]);
    }
    Cow::Owned(out)
}

/// Decodes any supported file at full size with `image`.
fn decode_any(
    bytes: &[u8],
    format: ImageFormat,
    profiles: &[Profile],
) -> Result<Decoded, ProcessError> {
    let bytes = if format == ImageFormat::Png {
        without_png_metadata(bytes)
    } else {
        Cow::Borrowed(bytes)
    };
    let bytes = &bytes[..];
    let err = |e| map_image_error(format, e);
    // The header is read with the memory cap only, so that a refusal can name the size.
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(ALLOC_MAX);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(header_limits);
    let mut decoder = reader.into_decoder().map_err(err)?;
    let (width, height) = decoder.dimensions();
    check_size(width, height, profiles)?;
    // A damaged EXIF block is no reason to refuse the picture: it then stays as stored.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(SIDE_MAX);
    limits.max_image_height = Some(SIDE_MAX);
    limits.max_alloc = Some(ALLOC_MAX);
    decoder.set_limits(limits).map_err(err)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(err)?;
    image.apply_orientation(orientation);
    let source = (image.width(), image.height());
    Ok(Decoded {
        image: flatten(image),
        source,
    })
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Decodes a JPEG shrunk by 2, 4 or 8 while decoding (the IDCT works on fewer coefficients),
/// when every profile wants at most that size. `Ok(None)` means "use [`decode_any`]": the
/// image need not shrink, has an unusual colour space, or `jpeg-decoder` cannot read it.
fn decode_jpeg_shrunk(bytes: &[u8], profiles: &[Profile]) -> Result<Option<Decoded>, ProcessError> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    if decoder.read_info().is_err() {
        return Ok(None);
    }
    let Some(info) = decoder.info() else {
        return Ok(None);
    };
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    check_size(width, height, profiles)?;
    let color = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => image::ColorType::Rgb8,
        jpeg_decoder::PixelFormat::L8 => image::ColorType::L8,
        _ => return Ok(None),
    };
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    let upright = if swaps_axes(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    let (mut want_w, mut want_h) = (0, 0);
    for profile in profiles {
        let (w, h) = target_size(upright, profile);
        (want_w, want_h) = (want_w.max(w), want_h.max(h));
    }
    if swaps_axes(orientation) {
        (want_w, want_h) = (want_h, want_w);
    }
    let Some(denominator) = [8, 4, 2]
        .into_iter()
        .find(|d| width.div_ceil(*d) >= want_w && height.div_ceil(*d) >= want_h)
    else {
        return Ok(None);
    };
    let request = |side: u32| u16::try_from(side.div_ceil(denominator)).unwrap_or(u16::MAX);
    decoder.set_max_decoding_buffer_size(usize::try_from(ALLOC_MAX).unwrap_or(usize::MAX));
    let Ok((out_w, out_h)) = decoder.scale(request(width), request(height)) else {
        return Ok(None);
    };
    let (out_w, out_h) = (u32::from(out_w), u32::from(out_h));
    if out_w < want_w || out_h < want_h {
        return Ok(None);
    }
    let Ok(pixels) = decoder.decode() else {
        return Ok(None);
    };
    let image = match color {
        image::ColorType::L8 => {
            GrayImage::from_raw(out_w, out_h, pixels).map(DynamicImage::ImageLuma8)
        }
        _ => RgbImage::from_raw(out_w, out_h, pixels).map(DynamicImage::ImageRgb8),
    };
    let Some(mut image) = image else {
        return Ok(None);
    };
    image.apply_orientation(orientation);
    Ok(Some(Decoded {
        image,
        source: upright,
    }))
}

/// Blends `c` with alpha `a` over white.
fn over_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(a));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

fn flatten_rgba(rgba: &[u8], width: u32, height: u32) -> DynamicImage {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        rgb.extend([
            over_white(px[0], px[3]),
            over_white(px[1], px[3]),
            over_white(px[2], px[3]),
        ]);
    }
    RgbImage::from_raw(width, height, rgb).map_or_else(
        || DynamicImage::new_rgb8(width, height),
        DynamicImage::ImageRgb8,
    )
}

fn flatten_la(la: &[u8], width: u32, height: u32) -> DynamicImage {
    let luma = la
        .chunks_exact(2)
        .map(|px| over_white(px[0], px[1]))
        .collect();
    GrayImage::from_raw(width, height, luma).map_or_else(
        || DynamicImage::new_luma8(width, height),
        DynamicImage::ImageLuma8,
    )
}

/// Reduces any decoded image to 8-bit `Rgb8` or `Luma8`, transparency flattened onto white
/// (JPEG has no alpha, and black is what a transparent pixel would otherwise become).
fn flatten(image: DynamicImage) -> DynamicImage {
    let (w, h) = (image.width(), image.height());
    match image {
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_) => image,
        DynamicImage::ImageRgba8(buf) => flatten_rgba(buf.as_raw(), w, h),
        DynamicImage::ImageLumaA8(buf) => flatten_la(buf.as_raw(), w, h),
        other => {
            let color = other.color();
            match (color.has_color(), color.has_alpha()) {
                (true, true) => flatten_rgba(other.to_rgba8().as_raw(), w, h),
                (false, true) => flatten_la(other.to_luma_alpha8().as_raw(), w, h),
                (true, false) => DynamicImage::ImageRgb8(other.to_rgb8()),
                (false, false) => DynamicImage::ImageLuma8(other.to_luma8()),
            }
        }
    }
}

/// One decoded image and the sizes and encodings made from it so far, shared by the profiles.
struct Work {
    image: DynamicImage,
    resized: HashMap<(u32, u32), DynamicImage>,
    encoded: HashMap<(u32, u32, u8), Vec<u8>>,
}

impl Work {
    /// The JPEG for one profile: first at the target size and quality, then at lower qualities,
    /// then smaller, until it is within the byte limit.
    fn fit(
        &mut self,
        source: (u32, u32),
        profile: &Profile,
    ) -> Result<(Vec<u8>, (u32, u32)), ProcessError> {
        let mut size = target_size(source, profile);
        let floor = QUALITY_FLOOR.min(profile.quality);
        loop {
            let mut quality = profile.quality.clamp(1, 100);
            loop {
                let jpeg = self.encode(size, quality)?;
                if jpeg.len() as u64 <= profile.bytes_max {
                    return Ok((jpeg.clone(), size));
                }
                if quality <= floor {
                    break;
                }
                quality = quality.saturating_sub(10).max(floor);
            }
            size = shrink(size, profile.ratio_max).ok_or(ProcessError::Bytes {
                bytes_max: profile.bytes_max,
            })?;
        }
    }

    fn encode(&mut self, (w, h): (u32, u32), quality: u8) -> Result<&Vec<u8>, ProcessError> {
        if !self.encoded.contains_key(&(w, h, quality)) {
            let jpeg = encode_jpeg(self.resize(w, h)?, quality)?;
            self.encoded.insert((w, h, quality), jpeg);
        }
        self.encoded
            .get(&(w, h, quality))
            .ok_or_else(|| ProcessError::Internal("lost an encoding".to_owned()))
    }

    fn resize(&mut self, w: u32, h: u32) -> Result<&DynamicImage, ProcessError> {
        if (self.image.width(), self.image.height()) == (w, h) {
            return Ok(&self.image);
        }
        if !self.resized.contains_key(&(w, h)) {
            let mut dst = DynamicImage::new(w, h, self.image.color());
            let options = fir::ResizeOptions::new()
                .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
            fir::Resizer::new()
                .resize(&self.image, &mut dst, &options)
                .map_err(|e| ProcessError::Internal(e.to_string()))?;
            self.resized.insert((w, h), dst);
        }
        self.resized
            .get(&(w, h))
            .ok_or_else(|| ProcessError::Internal("lost a resized image".to_owned()))
    }
}

/// Encodes an `Rgb8` or `Luma8` image as a baseline JPEG with 4:2:0 chroma (what libjpeg does
/// below quality 90), averaged rather than sampled. The encoder writes a bare JFIF header and
/// nothing else: no EXIF, no ICC profile.
fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, ProcessError> {
    let (color, data) = match image {
        DynamicImage::ImageRgb8(buf) => (jpeg_encoder::ColorType::Rgb, buf.as_raw()),
        DynamicImage::ImageLuma8(buf) => (jpeg_encoder::ColorType::Luma, buf.as_raw()),
        _ => {
            return Err(ProcessError::Internal(
                "only 8-bit RGB or grey images are encoded".to_owned(),
            ));
        }
    };
    let side = |s: u32| {
        u16::try_from(s).map_err(|_| ProcessError::Internal(format!("{s} px is too wide for JPEG")))
    };
    let (w, h) = (side(image.width())?, side(image.height())?);
    let mut out = Vec::with_capacity(data.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    encoder
        .encode(data, w, h, color)
        .map_err(|e| ProcessError::Internal(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use image::{GenericImageView, ImageEncoder, Rgba, RgbaImage};

    fn jpeg_of(image: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        let (w, h) = (
            u16::try_from(image.width()).unwrap(),
            u16::try_from(image.height()).unwrap(),
        );
        jpeg_encoder::Encoder::new(&mut out, 95)
            .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        out
    }

    fn png_of(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// A JPEG with `exif` (a TIFF structure) inserted as an APP1 segment right after SOI.
    fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend_from_slice(tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// A little-endian TIFF header and IFD0 holding `entries` of (tag, type, count, value).
    fn tiff(entries: &[(u16, u16, u32, u32)], tail: &[u8]) -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend_from_slice(&8u32.to_le_bytes());
        t.extend_from_slice(&u16::try_from(entries.len()).unwrap().to_le_bytes());
        for (tag, kind, count, value) in entries {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&kind.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value.to_le_bytes());
        }
        t.extend_from_slice(&0u32.to_le_bytes());
        t.extend_from_slice(tail);
        t
    }

    /// Left half red, right half blue.
    fn red_blue(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, _| {
            if x < w / 2 {
                image::Rgb([255, 0, 0])
            } else {
                image::Rgb([0, 0, 255])
            }
        })
    }

    /// The markers of a JPEG's segments up to the start of scan.
    fn markers(jpeg: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 2;
        while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
            let marker = jpeg[i + 1];
            out.push(marker);
            if marker == 0xDA {
                break;
            }
            i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        }
        out
    }

    fn assert_bare(jpeg: &[u8]) {
        let markers = markers(jpeg);
        assert_eq!(markers.last(), Some(&0xDA), "{markers:x?}");
        assert!(
            markers
                .iter()
                .all(|m| !(0xE1..=0xEF).contains(m) && *m != 0xFE),
            "metadata segment in {markers:x?}"
        );
        assert!(!jpeg.windows(4).any(|w| w == b"Exif"));
    }

    fn decode_out(p: &Prepared) -> DynamicImage {
        let img = image::load_from_memory_with_format(&p.jpeg, ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (p.width, p.height));
        img
    }

    fn near(px: Rgba<u8>, want: [u8; 3]) -> bool {
        px.0.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= 16)
    }

    fn small(long_side_max: u32) -> Profile {
        Profile {
            long_side_max,
            ..Profile::for_network(Network::Telegram)
        }
    }

    #[test]
    fn exif_rotation_is_applied_and_the_exif_dropped() {
        // Orientation 6: the camera was turned clockwise; the stored 64×32 shows upright as 32×64.
        let exif = tiff(&[(0x0112, 3, 1, 6)], &[]);
        let jpeg = with_exif(&jpeg_of(&red_blue(64, 32)), &exif);
        for (profile, size) in [
            (Profile::for_network(Network::Vk), (32, 64)),
            (small(16), (8, 16)),
        ] {
            // The second profile shrinks by 4 while decoding (jpeg-decoder); the first does not.
            let out = prepare_with(&jpeg, &[profile]).unwrap().pop().unwrap();
            assert_eq!((out.width, out.height), size);
            assert_eq!((out.source_width, out.source_height), (32, 64));
            assert_bare(&out.jpeg);
            // Turned clockwise, the stored left (red) half is on top.
            let img = decode_out(&out);
            assert!(
                near(img.get_pixel(size.0 / 2, 1), [255, 0, 0]),
                "{:?}",
                img.get_pixel(size.0 / 2, 1)
            );
            assert!(near(img.get_pixel(size.0 / 2, size.1 - 2), [0, 0, 255]));
        }
    }

    #[test]
    fn gps_tags_do_not_survive() {
        // IFD0: Orientation 1 and a pointer to the GPS IFD at offset 38 (8 + 2 + 2·12 + 4).
        let secret = b"WGS-84 SECRET-PLACE\0";
        let mut gps = Vec::new();
        gps.extend_from_slice(&2u16.to_le_bytes());
        // GPSLatitudeRef "N"; GPSMapDatum, an ASCII string stored after the IFD.
        let datum_at = 38 + 2 + 2 * 12 + 4;
        for (tag, kind, count, value) in [
            (0x0001u16, 2u16, 2u32, u32::from(b'N')),
            (0x0012, 2, 20, datum_at),
        ] {
            gps.extend_from_slice(&tag.to_le_bytes());
            gps.extend_from_slice(&kind.to_le_bytes());
            gps.extend_from_slice(&count.to_le_bytes());
            gps.extend_from_slice(&value.to_le_bytes());
        }
        gps.extend_from_slice(&0u32.to_le_bytes());
        gps.extend_from_slice(secret);
        let exif = tiff(&[(0x0112, 3, 1, 1), (0x8825, 4, 1, 38)], &gps);
        let jpeg = with_exif(&jpeg_of(&red_blue(40, 30)), &exif);
        assert!(jpeg.windows(secret.len()).any(|w| w == secret));
        for out in prepare_all(&jpeg, &Network::ALL).unwrap() {
            assert_eq!((out.width, out.height), (40, 30));
            assert_bare(&out.jpeg);
            assert!(!out.jpeg.windows(6).any(|w| w == b"SECRET"));
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }

    #[test]
    fn png_profiles_and_texts_are_dropped_before_decoding() {
        let plain = png_of(&DynamicImage::ImageRgb8(red_blue(40, 30)));
        assert!(matches!(without_png_metadata(&plain), Cow::Borrowed(_)));
        // A profile and texts (whose zlib streams are junk) around the pixels.
        let idat = plain.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        let mut png = plain[..idat].to_vec();
        png_chunk(&mut png, b"iCCP", b"icc\0\0\x78\x9cjunk");
        png_chunk(&mut png, b"zTXt", b"Comment\0\0\x78\x9cjunk");
        png_chunk(&mut png, b"tEXt", b"Title\0hello");
        let iend = plain.len() - 12;
        png.extend_from_slice(&plain[idat..iend]);
        png_chunk(
            &mut png,
            b"iTXt",
            b"XML:com.adobe.xmp\0\x01\0\0\0\x78\x9cjunk",
        );
        png.extend_from_slice(&plain[iend..]);
        assert_eq!(without_png_metadata(&png), plain);
        assert_eq!(
            prepare(&png, Network::Vk).unwrap(),
            prepare(&plain, Network::Vk).unwrap()
        );
        // A chunk that runs past the end is left for the decoder to report.
        let mut cut = png[..idat].to_vec();
        png_chunk(&mut cut, b"tEXt", b"Title\0hello");
        cut.extend_from_slice(&[0, 0, 1, 0, b'I', b'D', b'A', b'T', 1, 2]);
        let kept = without_png_metadata(&cut);
        assert_eq!(&kept[..idat], &plain[..idat]);
        assert_eq!(&kept[idat..], &cut[cut.len() - 10..]);
        assert!(matches!(
            prepare(&cut, Network::Vk),
            Err(ProcessError::Damaged { format: "PNG", .. })
        ));
    }

    #[test]
    fn huge_dimensions_are_refused_before_decoding() {
        // A 60 000 × 60 000 RGBA PNG would need 14 GB; its header is all there is.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = 60_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        png_chunk(&mut png, b"IHDR", &ihdr);
        // An empty zlib stream (one stored block).
        png_chunk(
            &mut png,
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01,
            ],
        );
        png_chunk(&mut png, b"IEND", &[]);
        let err = prepare(&png, Network::Telegram).unwrap_err();
        assert_eq!(
            err,
            ProcessError::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
        );
        assert!(err.is_size());
        assert!(err.to_string().contains("3600 megapixels"), "{err}");

        // A JPEG whose frame header claims 65 000 × 65 000.
        let mut jpeg = jpeg_of(&red_blue(16, 16));
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
        let err = prepare(&jpeg, Network::Vk).unwrap_err();
        assert_eq!(
            err,
            ProcessError::TooManyPixels {
                width: 65_000,
                height: 65_000
            }
        );
    }

    #[test]
    fn a_single_pixel_stays_a_single_pixel() {
        let png = png_of(&DynamicImage::ImageRgb8(RgbImage::from_pixel(
            1,
            1,
            image::Rgb([10, 200, 30]),
        )));
        let out = prepare(&png, Network::Ok).unwrap();
        assert_eq!(
            (out.width, out.height, out.source_width, out.source_height),
            (1, 1, 1, 1)
        );
        assert!(near(decode_out(&out).get_pixel(0, 0), [10, 200, 30]));
    }

    #[test]
    fn transparency_is_flattened_onto_white() {
        // Left half fully transparent (red underneath), right half opaque blue, one row half-covered black.
        let img = RgbaImage::from_fn(32, 32, |x, y| match (x < 16, y) {
            (true, _) => Rgba([255, 0, 0, 0]),
            (false, 24..) => Rgba([0, 0, 0, 128]),
            (false, _) => Rgba([0, 0, 255, 255]),
        });
        let out = prepare(&png_of(&DynamicImage::ImageRgba8(img)), Network::Telegram).unwrap();
        let jpeg = decode_out(&out);
        assert!(
            near(jpeg.get_pixel(4, 8), [255, 255, 255]),
            "{:?}",
            jpeg.get_pixel(4, 8)
        );
        assert!(near(jpeg.get_pixel(26, 8), [0, 0, 255]));
        assert!(
            near(jpeg.get_pixel(26, 28), [127, 127, 127]),
            "{:?}",
            jpeg.get_pixel(26, 28)
        );
    }

    #[test]
    fn webp_and_the_first_gif_frame_are_read() {
        let mut webp = Vec::new();
        image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
            .encode(
                red_blue(40, 30).as_raw(),
                40,
                30,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        let out = prepare(&webp, Network::Vk).unwrap();
        assert_eq!((out.width, out.height), (40, 30));
        assert!(near(decode_out(&out).get_pixel(30, 15), [0, 0, 255]));

        let mut gif = Vec::new();
        {
            let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
            let green = RgbaImage::from_pixel(24, 16, Rgba([0, 255, 0, 255]));
            let red = RgbaImage::from_pixel(24, 16, Rgba([255, 0, 0, 255]));
            encoder
                .encode_frames([image::Frame::new(green), image::Frame::new(red)])
                .unwrap();
        }
        let out = prepare(&gif, Network::Telegram).unwrap();
        assert_eq!((out.width, out.height), (24, 16));
        assert!(near(decode_out(&out).get_pixel(12, 8), [0, 255, 0]));
    }

    #[test]
    fn extreme_ratios_are_refused() {
        let png = png_of(&DynamicImage::new_rgb8(4000, 100));
        for network in Network::ALL {
            let err = prepare(&png, network).unwrap_err();
            assert_eq!(
                err,
                ProcessError::Ratio {
                    width: 4000,
                    height: 100,
                    ratio_max: 20
                }
            );
            assert!(err.is_size());
        }
        let err = prepare(b"GIF89a\x10\x00\x10\x00\x00\x00\x00", Network::Vk).unwrap_err();
        assert!(
            matches!(err, ProcessError::Damaged { format: "GIF", .. }),
            "{err:?}"
        );
        assert!(!err.is_size());
        assert!(matches!(
            prepare(b"not an image", Network::Vk),
            Err(ProcessError::Format)
        ));
    }

    #[test]
    fn sizes_fit_each_network() {
        for network in Network::ALL {
            let p = Profile::for_network(network);
            assert_eq!(target_size((5000, 4000), &p), (2560, 2048));
            assert_eq!(target_size((4000, 5000), &p), (2048, 2560));
            assert_eq!(target_size((800, 600), &p), (800, 600), "never enlarged");
            assert_eq!(target_size((3980, 199), &p), (2560, 128));
        }
        let tight = Profile {
            sides_sum_max: 3000,
            ..small(2560)
        };
        let (w, h) = target_size((5000, 4000), &tight);
        assert!(w + h <= 3000 && w > h, "{w}×{h}");
        // Rounding never breaks the ratio limit.
        let (w, h) = target_size(
            (4001, 200),
            &Profile {
                long_side_max: 30,
                ..tight
            },
        );
        assert!(w <= h * 20, "{w}×{h}");
        // Nor the sides sum: 10 000 × 9 999 within 101 rounds to 51 + 51 at first.
        let sum = Profile {
            sides_sum_max: 101,
            ..tight
        };
        let (w, h) = target_size((10_000, 9_999), &sum);
        assert!(w + h <= 101 && w >= h, "{w}×{h}");
    }

    #[test]
    fn a_large_photo_is_scaled_to_the_feed_size() {
        // Grey and uncompressed, so that making and decoding it stay quick in debug builds.
        let img = GrayImage::from_fn(5000, 4000, |x, y| {
            image::Luma([((x / 20 + y / 16) % 256) as u8])
        });
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new_with_quality(
            &mut png,
            image::codecs::png::CompressionType::Uncompressed,
            image::codecs::png::FilterType::NoFilter,
        )
        .write_image(img.as_raw(), 5000, 4000, image::ExtendedColorType::L8)
        .unwrap();
        let all = prepare_all(&png, &Network::ALL).unwrap();
        for (out, network) in all.iter().zip(Network::ALL) {
            let limits = network.limits();
            assert_eq!((out.width, out.height), (2560, 2048));
            assert_eq!((out.source_width, out.source_height), (5000, 4000));
            assert!(out.width + out.height <= limits.image_sides_sum_max);
            assert!(out.jpeg.len() as u64 <= limits.image_bytes_max);
            assert_bare(&out.jpeg);
        }
        // Same size for all three: one encoding, shared.
        assert!(all.windows(2).all(|w| w[0].jpeg == w[1].jpeg));
    }

    #[test]
    fn over_the_byte_limit_quality_then_size_give_way() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let noise = RgbImage::from_fn(400, 300, |_, _| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            image::Rgb([seed as u8, (seed >> 8) as u8, (seed >> 16) as u8])
        });
        let png = png_of(&DynamicImage::ImageRgb8(noise));
        let roomy = prepare_with(&png, &[small(2560)]).unwrap().pop().unwrap();
        assert_eq!((roomy.width, roomy.height), (400, 300));
        let profile = Profile {
            bytes_max: 30_000,
            ..small(2560)
        };
        let tight = prepare_with(&png, &[profile]).unwrap().pop().unwrap();
        assert!(
            tight.jpeg.len() <= 30_000 && tight.jpeg.len() < roomy.jpeg.len(),
            "{}",
            tight.jpeg.len()
        );
        assert!(
            tight.width < 400 && (tight.width * 3).abs_diff(tight.height * 4) <= 4,
            "{}×{}",
            tight.width,
            tight.height
        );
        let err = prepare_with(
            &png,
            &[Profile {
                bytes_max: 100,
                ..profile
            }],
        )
        .unwrap_err();
        assert_eq!(err, ProcessError::Bytes { bytes_max: 100 });
    }
}
