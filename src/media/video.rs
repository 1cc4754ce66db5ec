//! Video clips and animations: probed with `ffprobe`'s JSON output, adapted with the `ffmpeg`
//! command line (Debian's `ffmpeg` package), cached by content as pictures are.
//!
//! Every clip is rewritten before it leaves: H.264 video (and AAC audio for a video; none for
//! an animation) in an MP4 whose index comes first (`+faststart`, so a player starts before the
//! whole file is in), every metadata tag dropped (a phone writes the place it was filmed:
//! GPS), the rotation a phone records applied to the pixels (players differ in honouring the
//! tag). A clip that is already H.264/AAC in MP4, upright and small enough is only copied into a
//! new container (a remux takes a second, a transcode can take a minute). The bitrate is capped
//! so that Telegram's 50 MB upload limit holds for the clip's duration; VK and OK get the same
//! file unless the clip is too long for that, so one transcode serves three networks.
//!
//! The tools run as child processes with bounded time (`Tools::probe_timeout`,
//! `Tools::transcode_timeout`), bounded threads (`-threads`), a lower priority (`nice`) and a
//! bounded output (`-fs`). They run synchronously: `check` has no runtime, and the publisher
//! prepares clips on its low-priority thread ahead of time (`publish::ahead` there)
//! or on a blocking thread at send time, never on the runtime's threads.

use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::media::MediaCache;
use crate::plan::network::Network;
pub use crate::render::publication::Motion;
use crate::render::publication::{ImageRef, VideoRef};

/// Largest clip file vestnik reads, in bytes: 1 GiB, the ceiling OK's method documentation gives
/// (2017; its upload page says 2 GB, VK's is UNCONFIRMED, VIDEO.md §3.2, §4.2).
pub const MAX_VIDEO_BYTES: u64 = 1 << 30;

/// Telegram's multipart upload limit for a video or an animation (50 MB, VIDEO.md §2.2),
/// counted in decimal megabytes to stay on the safe side.
pub const TELEGRAM_MAX_BYTES: u64 = 50_000_000;

/// What the bitrate is computed for: a little under [`TELEGRAM_MAX_BYTES`], since a capped
/// bitrate is kept on average, not to the byte, and the container adds a little.
const TELEGRAM_TARGET_BYTES: u64 = 46_000_000;

/// The highest video bitrate vestnik sends (bits/s): more than a 1080p clip needs at this
/// quality, and what keeps a minute of 1080p under Telegram's limit.
pub const MAX_VIDEO_BITRATE: u64 = 6_000_000;

/// Below this video bitrate (bits/s) a clip is not worth watching: a clip that would need less
/// to fit Telegram's limit is too long for Telegram (`media-size`).
pub const MIN_VIDEO_BITRATE: u64 = 300_000;

/// The audio bitrate of a video (bits/s).
const AUDIO_BITRATE: u64 = 128_000;

/// The longest side of a clip after adaptation (pixels): 1080p.
pub const MAX_SIDE: u32 = 1920;

/// The longest clip vestnik takes (seconds): an hour.
pub const MAX_DURATION_SECS: f64 = 3600.0;

/// The longest animation (seconds): a loop, not a film.
pub const MAX_ANIMATION_SECS: f64 = 60.0;

/// Telegram's thumbnail: JPEG of at most 320 px a side and under 200 kB (VIDEO.md §2.1).
pub const POSTER_SIDE: u32 = 320;

/// Telegram's thumbnail size limit in bytes.
pub const POSTER_MAX_BYTES: u64 = 200_000;

/// Bumped when the adaptation changes, so that cached clips are made again.
pub const VIDEO_PIPELINE_VERSION: u32 = 1;

/// The programs and their bounds. The paths come from the configuration (`ffmpeg`, `ffprobe`),
/// else from `VESTNIK_FFMPEG` and `VESTNIK_FFPROBE`, else the programs on `PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tools {
    /// The `ffmpeg` program.
    pub ffmpeg: PathBuf,
    /// The `ffprobe` program.
    pub ffprobe: PathBuf,
    /// Longest `ffprobe` run.
    pub probe_timeout: Duration,
    /// Longest `ffmpeg` run (one clip).
    pub transcode_timeout: Duration,
    /// Threads `ffmpeg` may use.
    pub threads: u32,
    /// The x264 preset: slower presets give smaller files at the same quality.
    pub preset: String,
}

impl Default for Tools {
    fn default() -> Tools {
        let from_env = |var: &str, default: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        Tools {
            ffmpeg: from_env("VESTNIK_FFMPEG", "ffmpeg"),
            ffprobe: from_env("VESTNIK_FFPROBE", "ffprobe"),
            probe_timeout: Duration::from_secs(20),
            transcode_timeout: Duration::from_secs(15 * 60),
            threads: 2,
            preset: "veryfast".to_owned(),
        }
    }
}

/// What `ffprobe` says about a clip.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoInfo {
    /// The container (`mov,mp4,m4a,3gp,3g2,mj2`, `gif`, `matroska,webm`…).
    pub container: String,
    /// The first video stream's codec (`h264`, `hevc`, `gif`…).
    pub codec: String,
    /// Its pixel format (`yuv420p`…).
    pub pix_fmt: String,
    /// The first audio stream's codec, if there is one.
    pub audio: Option<String>,
    /// Width as shown (after rotation).
    pub width: u32,
    /// Height as shown (after rotation).
    pub height: u32,
    /// The rotation recorded in the file (degrees; 0 when none).
    pub rotation: i32,
    /// Duration in seconds.
    pub duration: f64,
    /// The file's size in bytes.
    pub bytes: u64,
}

impl VideoInfo {
    /// Whether the file can be sent as it is after a remux (no transcode): H.264 in MP4, 4:2:0,
    /// upright, AAC or no sound, not larger than the longest side, within `bitrate`.
    fn copyable(&self, motion: Motion, bitrate: u64) -> bool {
        let sound_ok = match (&self.audio, motion) {
            (None, _) => true,
            (Some(a), Motion::Video) => a == "aac",
            (Some(_), Motion::Animation) => false,
        };
        self.container.split(',').any(|c| c == "mp4")
            && self.codec == "h264"
            && self.pix_fmt == "yuv420p"
            && self.rotation == 0
            && self.width.max(self.height) <= MAX_SIDE
            && sound_ok
            && self.duration > 0.0
            && (self.bytes as f64 * 8.0 / self.duration) <= bitrate as f64
    }
}

/// Why a clip cannot be probed or adapted. The `Display` is English, for logs;
/// [`VideoError::message`] is for people.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VideoError {
    /// The program is not there (FFmpeg not installed).
    #[error("{} is not installed (or not at the configured path)", .0.display())]
    ToolMissing(PathBuf),
    /// The program ran out of time.
    #[error("{} took longer than {} s", .0.display(), .1)]
    Timeout(PathBuf, u64),
    /// The file cannot be read as a clip.
    #[error("the file is damaged or not a video: {0}")]
    Damaged(String),
    /// The file is a still picture (e.g. a photo renamed `.mp4`).
    #[error("the file is a still {0} picture, not a video")]
    Still(String),
    /// Over [`MAX_VIDEO_BYTES`].
    #[error("the file is {} MB; vestnik reads clips up to {} MB", .0 / 1_000_000, MAX_VIDEO_BYTES / 1_000_000)]
    TooLarge(u64),
    /// Longer than the longest clip of its kind.
    #[error("the clip lasts {0:.0} s; at most {1:.0} s")]
    TooLong(f64, f64),
    /// Cannot fit Telegram's upload limit at a watchable quality.
    #[error("the clip lasts {0:.0} s: at Telegram's 50 MB it would be unwatchable")]
    TooLongForTelegram(f64),
    /// The tool failed (its last words).
    #[error("{0}")]
    Failed(String),
}

impl VideoError {
    /// Whether the error is about the clip's size or length (`media-size`), not its format.
    pub fn is_size(&self) -> bool {
        matches!(
            self,
            VideoError::TooLarge(_) | VideoError::TooLong(..) | VideoError::TooLongForTelegram(_)
        )
    }

    /// The error in the language of the process's texts.
    pub fn message(&self) -> String {
        match self {
            VideoError::ToolMissing(p) => {
                crate::t!("video-tool-missing", tool = p.display().to_string())
            }
            VideoError::Timeout(p, s) => {
                crate::t!("video-timeout", tool = p.display().to_string(), secs = *s)
            }
            VideoError::Damaged(why) => crate::t!("video-damaged", detail = why.as_str()),
            VideoError::Still(format) => crate::t!("video-still", format = format.as_str()),
            VideoError::TooLarge(bytes) => crate::t!(
                "video-too-large",
                mb = bytes / 1_000_000,
                max = MAX_VIDEO_BYTES / 1_000_000
            ),
            VideoError::TooLong(secs, max) => crate::t!(
                "video-too-long",
                secs = secs.round() as i64,
                max = max.round() as i64
            ),
            VideoError::TooLongForTelegram(secs) => crate::t!(
                "video-too-long-telegram",
                secs = secs.round() as i64,
                max = max_telegram_secs() as i64
            ),
            VideoError::Failed(why) => crate::t!("video-failed", detail = why.as_str()),
        }
    }
}

/// The longest video that fits Telegram at [`MIN_VIDEO_BITRATE`].
fn max_telegram_secs() -> u64 {
    TELEGRAM_TARGET_BYTES * 8 / (MIN_VIDEO_BITRATE + AUDIO_BITRATE)
}

/// How a clip is adapted for one network: the video bitrate cap and the output size cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Adaptation {
    /// Video or animation.
    pub motion: Motion,
    /// The video bitrate cap (bits/s).
    pub bitrate: u64,
    /// The largest output accepted (bytes).
    pub max_bytes: u64,
    /// Whether a remux is enough (no transcode).
    pub copy: bool,
}

impl Adaptation {
    /// The size the output will have at most (bytes), for `check` and `preview`: the input's
    /// own when it is copied, else the capped bitrate over the duration.
    pub fn estimate(&self, info: &VideoInfo) -> u64 {
        if self.copy {
            return info.bytes;
        }
        let audio = if self.motion == Motion::Video && info.audio.is_some() {
            AUDIO_BITRATE
        } else {
            0
        };
        ((self.bitrate + audio) as f64 * info.duration / 8.0) as u64
    }
}

/// How `info` is adapted for `network`, or why it cannot be.
///
/// Fails when the clip is too long for its kind, or for Telegram at a watchable bitrate.
pub fn adaptation(
    info: &VideoInfo,
    motion: Motion,
    network: Network,
) -> Result<Adaptation, VideoError> {
    let longest = match motion {
        Motion::Video => MAX_DURATION_SECS,
        Motion::Animation => MAX_ANIMATION_SECS,
    };
    if info.duration > longest {
        return Err(VideoError::TooLong(info.duration, longest));
    }
    let duration = info.duration.max(0.1);
    let (bitrate, max_bytes) = match network {
        Network::Telegram => {
            let audio = if motion == Motion::Video {
                AUDIO_BITRATE
            } else {
                0
            };
            let budget = (TELEGRAM_TARGET_BYTES as f64 * 8.0 / duration) as u64;
            let video = budget.saturating_sub(audio);
            if video < MIN_VIDEO_BITRATE {
                return Err(VideoError::TooLongForTelegram(info.duration));
            }
            (video.min(MAX_VIDEO_BITRATE), TELEGRAM_MAX_BYTES)
        }
        // UNCONFIRMED (VIDEO.md §3.2, §4.2): VK's size limit is not documented, OK's is 1 or 2
        // GB; the capped bitrate keeps any clip of an hour well under 1 GB.
        Network::Vk | Network::Ok => (MAX_VIDEO_BITRATE, MAX_VIDEO_BYTES),
    };
    Ok(Adaptation {
        motion,
        bitrate,
        max_bytes,
        copy: info.copyable(motion, bitrate) && info.bytes <= max_bytes,
    })
}

/// Probes a clip with `ffprobe`.
///
/// Fails when the tool is missing or too slow, the file is over [`MAX_VIDEO_BYTES`], damaged,
/// a still picture or has no video stream.
pub fn probe(tools: &Tools, path: &Path) -> Result<VideoInfo, VideoError> {
    let (_, meta) =
        crate::plan::repo::open_regular(path).map_err(|e| VideoError::Damaged(e.to_string()))?;
    if meta.len() > MAX_VIDEO_BYTES {
        return Err(VideoError::TooLarge(meta.len()));
    }
    let mut args: Vec<OsString> = [
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "--",
    ]
    .iter()
    .map(OsString::from)
    .collect();
    args.push(path.as_os_str().to_owned());
    let out = run(&tools.ffprobe, &args, tools.probe_timeout)?;
    if !out.ok {
        return Err(VideoError::Damaged(last_line(&out.stderr)));
    }
    parse_probe(&out.stdout, meta.len())
}

/// Reads `ffprobe -print_format json -show_format -show_streams`.
pub fn parse_probe(json: &[u8], bytes: u64) -> Result<VideoInfo, VideoError> {
    let v: Value = serde_json::from_slice(json)
        .map_err(|e| VideoError::Damaged(format!("ffprobe's answer: {e}")))?;
    let container = v["format"]["format_name"].as_str().unwrap_or("").to_owned();
    let streams = v["streams"].as_array().cloned().unwrap_or_default();
    let video = streams
        .iter()
        .find(|s| s["codec_type"] == "video" && s["disposition"]["attached_pic"] != 1)
        .ok_or_else(|| VideoError::Damaged("no video stream".to_owned()))?;
    let codec = video["codec_name"].as_str().unwrap_or("").to_owned();
    // A photo renamed `.mp4` is read by the image demuxers (`png_pipe`, `image2`…).
    if container.ends_with("_pipe") || container == "image2" {
        return Err(VideoError::Still(codec.to_uppercase()));
    }
    let number = |x: &Value| {
        x.as_f64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    };
    let duration = number(&v["format"]["duration"])
        .or_else(|| number(&video["duration"]))
        .unwrap_or(0.0);
    if duration.is_nan() || duration <= 0.0 {
        return Err(VideoError::Damaged("no duration".to_owned()));
    }
    let rotation = video["side_data_list"]
        .as_array()
        .and_then(|l| l.iter().find_map(|d| d["rotation"].as_f64()))
        .or_else(|| number(&video["tags"]["rotate"]))
        .unwrap_or(0.0)
        .round() as i32;
    let (mut width, mut height) = (
        video["width"].as_u64().unwrap_or(0) as u32,
        video["height"].as_u64().unwrap_or(0) as u32,
    );
    if width == 0 || height == 0 {
        return Err(VideoError::Damaged("no picture size".to_owned()));
    }
    if rotation.rem_euclid(180) == 90 {
        std::mem::swap(&mut width, &mut height);
    }
    let audio = streams
        .iter()
        .find(|s| s["codec_type"] == "audio")
        .and_then(|s| s["codec_name"].as_str())
        .map(str::to_owned);
    Ok(VideoInfo {
        container,
        codec,
        pix_fmt: video["pix_fmt"].as_str().unwrap_or("").to_owned(),
        audio,
        width,
        height,
        rotation,
        duration,
        bytes,
    })
}

/// The `ffmpeg` arguments that adapt `input` into `output` (an `.mp4`) as `a` says. The
/// benchmark runs the very same command bare.
pub fn transcode_args(tools: &Tools, input: &Path, output: &Path, a: &Adaptation) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    let mut push = |xs: &[&str]| args.extend(xs.iter().map(OsString::from));
    push(&["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]);
    push(&["-threads", &tools.threads.to_string(), "-i"]);
    args.push(input.as_os_str().to_owned());
    let mut push = |xs: &[&str]| args.extend(xs.iter().map(OsString::from));
    push(&["-map", "0:v:0"]);
    if a.motion == Motion::Video {
        push(&["-map", "0:a:0?"]);
    }
    // Every tag goes (GPS, device, owner), on the file and on each stream; chapters too.
    push(&[
        "-map_metadata",
        "-1",
        "-map_metadata:s",
        "-1",
        "-map_chapters",
        "-1",
        "-sn",
        "-dn",
        "-fflags",
        "+bitexact",
    ]);
    if a.copy {
        push(&["-c", "copy"]);
    } else {
        let rate = a.bitrate.to_string();
        let buf = (a.bitrate * 2).to_string();
        // The long side at most MAX_SIDE, both sides even (4:2:0); ffmpeg applies a recorded
        // rotation to the pixels before this filter (autorotate) and drops the tag.
        let scale = format!(
            "scale='if(gte(iw,ih),min({MAX_SIDE},iw),-2)':'if(gte(iw,ih),-2,min({MAX_SIDE},ih))',scale=trunc(iw/2)*2:trunc(ih/2)*2,format=yuv420p"
        );
        push(&[
            "-vf",
            &scale,
            "-c:v",
            "libx264",
            "-preset",
            &tools.preset,
            "-crf",
            "23",
            "-maxrate",
            &rate,
            "-bufsize",
            &buf,
            "-profile:v",
            "high",
            "-threads",
            &tools.threads.to_string(),
        ]);
        match a.motion {
            Motion::Video => push(&["-c:a", "aac", "-b:a", "128k", "-ac", "2"]),
            Motion::Animation => push(&["-an"]),
        }
    }
    // A runaway output is cut at the limit (and then refused), never fills the disk.
    push(&[
        "-movflags",
        "+faststart",
        "-fs",
        &(a.max_bytes + 1).to_string(),
        "-f",
        "mp4",
    ]);
    args.push(output.as_os_str().to_owned());
    args
}

/// The `ffmpeg` arguments for a poster: the frame at a tenth of the clip (or the given picture)
/// scaled into [`POSTER_SIDE`] px, JPEG at `quality` (2 best … 31).
fn poster_args(input: &Path, at: f64, still: bool, output: &Path, quality: u32) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
        .iter()
        .map(OsString::from)
        .collect();
    if !still {
        args.extend(["-ss".into(), format!("{at:.3}").into()]);
    }
    args.extend(["-i".into(), input.as_os_str().to_owned()]);
    let scale = format!(
        "scale={POSTER_SIDE}:{POSTER_SIDE}:force_original_aspect_ratio=decrease,format=yuvj420p"
    );
    for a in [
        "-map_metadata",
        "-1",
        "-frames:v",
        "1",
        "-vf",
        &scale,
        "-q:v",
        &quality.to_string(),
        "-f",
        "mjpeg",
    ] {
        args.push(a.into());
    }
    args.push(output.as_os_str().to_owned());
    args
}

/// A clip adapted for one network and where the cache keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedVideo {
    /// The MP4 to upload.
    pub file: PathBuf,
    /// The poster JPEG (Telegram's thumbnail).
    pub poster: PathBuf,
    /// What the rendered publication says of it.
    pub video: VideoRef,
    /// Whether it came from the cache.
    pub hit: bool,
}

/// What `<key>.video.json` holds.
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    width: u32,
    height: u32,
    duration: u32,
    bytes: u64,
    poster_width: u32,
    poster_height: u32,
    poster_bytes: u64,
}

impl MediaCache {
    /// The clip of organization `org` as a post wrote it (with its poster, if given), adapted
    /// for `network`: `None` when a path is unsafe or missing or the clip cannot be adapted
    /// (`check` reports those).
    pub fn prepare_video_written(
        &self,
        root: &Path,
        org: &str,
        clip: &str,
        poster: Option<&str>,
        motion: Motion,
        network: Network,
    ) -> Option<PreparedVideo> {
        let (source, path) = crate::media::resolve(root, org, clip).ok()?;
        let poster = match poster {
            Some(p) => Some(crate::media::resolve(root, org, p).ok()?),
            None => None,
        };
        let got = self.prepare_video(
            &source,
            &path,
            poster.as_ref().map(|(s, p)| (s.as_str(), p.as_path())),
            motion,
            network,
        );
        if let Err(e) = &got {
            tracing::warn!(clip = source.as_str(), error = %e, "clip not prepared");
        }
        got.ok()
    }

    /// Adapts the clip at `path` (shown as `source`) for `network`, with the picture at
    /// `poster` as its poster (else a frame of the clip), or finds it in the cache.
    ///
    /// Fails as [`probe`] fails, when `ffmpeg` fails or is too slow, when the output is over
    /// the network's limit, or when the cache cannot be written.
    pub fn prepare_video(
        &self,
        source: &str,
        path: &Path,
        poster: Option<(&str, &Path)>,
        motion: Motion,
        network: Network,
    ) -> Result<PreparedVideo, VideoError> {
        let tools = self.tools();
        let info = probe(tools, path)?;
        let a = adaptation(&info, motion, network)?;
        let write = |e: std::io::Error| VideoError::Failed(format!("media cache: {e}"));
        let mut h = blake3::Hasher::new();
        h.update(b"vestnik video cache\0");
        h.update(&VIDEO_PIPELINE_VERSION.to_le_bytes());
        h.update(format!("{a:?}|{}|{}", tools.preset, MAX_SIDE).as_bytes());
        hash_file(&mut h, path).map_err(write)?;
        if let Some((_, p)) = poster {
            h.update(b"\0poster\0");
            hash_file(&mut h, p).map_err(write)?;
        }
        let key = h.finalize().to_hex().to_string();
        let dir = self.dir().to_owned();
        let (mp4, jpg, json) = (
            dir.join(format!("{key}.mp4")),
            dir.join(format!("{key}.poster.jpg")),
            dir.join(format!("{key}.video.json")),
        );
        let reference = |m: &Meta| VideoRef {
            source: source.to_owned(),
            width: m.width,
            height: m.height,
            duration: m.duration,
            bytes: m.bytes,
            poster: ImageRef {
                source: poster.map_or_else(|| format!("{source}#poster"), |(s, _)| s.to_owned()),
                width: m.poster_width,
                height: m.poster_height,
                bytes: m.poster_bytes,
            },
            motion,
        };
        let cached = || {
            fs::read(&json)
                .ok()
                .and_then(|b| serde_json::from_slice::<Meta>(&b).ok())
                .filter(|m| {
                    fs::metadata(&mp4).is_ok_and(|f| f.len() == m.bytes)
                        && fs::metadata(&jpg).is_ok_and(|f| f.len() == m.poster_bytes)
                })
        };
        if let Some(m) = cached() {
            return Ok(PreparedVideo {
                video: reference(&m),
                file: mp4,
                poster: jpg,
                hit: true,
            });
        }
        // One transcode per key at a time: the networks of a post are sent at once, and the
        // second finds what the first made.
        let lock = key_lock(&key);
        let _held = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(m) = cached() {
            return Ok(PreparedVideo {
                video: reference(&m),
                file: mp4,
                poster: jpg,
                hit: true,
            });
        }
        self.ensure_folder()
            .map_err(|e| VideoError::Failed(e.to_string()))?;
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = format!(
            "{}.{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let tmp_mp4 = dir.join(format!(".{key}.{n}.mp4.tmp"));
        let tmp_jpg = dir.join(format!(".{key}.{n}.jpg.tmp"));
        let done = (|| {
            let out = run(
                &tools.ffmpeg,
                &transcode_args(tools, path, &tmp_mp4, &a),
                tools.transcode_timeout,
            )?;
            if !out.ok {
                return Err(VideoError::Failed(last_line(&out.stderr)));
            }
            let bytes = pad(&tmp_mp4).map_err(write)?;
            if bytes > a.max_bytes {
                return Err(VideoError::Failed(format!(
                    "the adapted clip is {bytes} bytes, over {}",
                    a.max_bytes
                )));
            }
            let made = probe(tools, &tmp_mp4)?;
            let (poster_input, still) = match poster {
                Some((_, p)) => (p, true),
                None => (tmp_mp4.as_path(), false),
            };
            // The quality drops until the JPEG fits Telegram's 200 kB (one try in practice: a
            // 320-px JPEG is about 20 kB).
            let mut quality = 3;
            loop {
                let out = run(
                    &tools.ffmpeg,
                    &poster_args(poster_input, made.duration / 10.0, still, &tmp_jpg, quality),
                    tools.probe_timeout,
                )?;
                if !out.ok {
                    return Err(VideoError::Failed(last_line(&out.stderr)));
                }
                let size = fs::metadata(&tmp_jpg).map_err(write)?.len();
                if size <= POSTER_MAX_BYTES || quality >= 31 {
                    break;
                }
                quality += 7;
            }
            let poster_size = jpeg_size(&fs::read(&tmp_jpg).map_err(write)?).unwrap_or((0, 0));
            let meta = Meta {
                width: made.width,
                height: made.height,
                duration: made.duration.round() as u32,
                bytes,
                poster_width: poster_size.0,
                poster_height: poster_size.1,
                poster_bytes: fs::metadata(&tmp_jpg).map_err(write)?.len(),
            };
            fs::rename(&tmp_mp4, &mp4).map_err(write)?;
            fs::rename(&tmp_jpg, &jpg).map_err(write)?;
            let json_bytes =
                serde_json::to_vec(&meta).map_err(|e| VideoError::Failed(e.to_string()))?;
            let tmp_json = dir.join(format!(".{key}.{n}.json.tmp"));
            fs::write(&tmp_json, json_bytes)
                .and_then(|()| fs::rename(&tmp_json, &json))
                .map_err(write)?;
            Ok(meta)
        })();
        let _ = fs::remove_file(&tmp_mp4);
        let _ = fs::remove_file(&tmp_jpg);
        let meta = done?;
        Ok(PreparedVideo {
            video: reference(&meta),
            file: mp4,
            poster: jpg,
            hit: false,
        })
    }
}

/// OK refuses clips under 16 KB (`FileToSmall`, VIDEO.md §4.2), and a second of a small
/// animation is less: such an MP4 gets a `free` box at its end (players skip it). Returns the
/// file's size.
fn pad(mp4: &Path) -> std::io::Result<u64> {
    const MIN: u64 = 16 * 1024 + 1024;
    let len = fs::metadata(mp4)?.len();
    if len >= MIN {
        return Ok(len);
    }
    let extra = (MIN - len) as usize;
    let mut free = Vec::with_capacity(extra);
    free.extend_from_slice(&(extra as u32).to_be_bytes());
    free.extend_from_slice(b"free");
    free.resize(extra, 0);
    let mut file = fs::OpenOptions::new().append(true).open(mp4)?;
    std::io::Write::write_all(&mut file, &free)?;
    Ok(MIN)
}

/// The lock of one cache key within this process (kept for the process's life: one entry per
/// clip adapted, a few bytes each).
fn key_lock(key: &str) -> std::sync::Arc<std::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static LOCKS: OnceLock<Mutex<HashMap<String, Arc<Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    locks.entry(key.to_owned()).or_default().clone()
}

/// Feeds a file to the hasher in pieces (a clip may be a gigabyte).
fn hash_file(h: &mut blake3::Hasher, path: &Path) -> std::io::Result<()> {
    let (file, meta) = crate::plan::repo::open_regular(path).map_err(std::io::Error::other)?;
    if meta.len() > MAX_VIDEO_BYTES {
        return Err(std::io::Error::other("the clip is over the size limit"));
    }
    h.update_reader(file.take(MAX_VIDEO_BYTES))?;
    Ok(())
}

/// The width and height of a baseline or progressive JPEG (its SOF marker).
fn jpeg_size(jpeg: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    while i + 9 < jpeg.len() {
        if jpeg[i] != 0xFF {
            return None;
        }
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if matches!(marker, 0xC0..=0xC3) {
            let h = u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]]);
            let w = u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]]);
            return Some((u32::from(w), u32::from(h)));
        }
        i += 2 + len;
    }
    None
}

/// What a finished child process left.
struct Finished {
    ok: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// At most this much of a tool's output is kept (ffprobe's JSON of a clip is a few kB).
const MAX_TOOL_OUTPUT: u64 = 4 * 1024 * 1024;

/// Runs `program` with `args` at a lower priority (through `nice`, which replaces itself with
/// the program, so the child's id stays the program's), killing it after `timeout`.
fn run(program: &Path, args: &[OsString], timeout: Duration) -> Result<Finished, VideoError> {
    // `nice` fails to start only where coreutils is missing: then the program runs as it is.
    let mut child = match Command::new("nice")
        .arg("-n")
        .arg("10")
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|_| VideoError::ToolMissing(program.to_owned()))?,
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(MAX_TOOL_OUTPUT).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let mut nap = Duration::from_millis(1);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(VideoError::Timeout(program.to_owned(), timeout.as_secs()));
            }
            Ok(None) => {
                std::thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(50));
            }
            Err(e) => return Err(VideoError::Failed(e.to_string())),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    // `nice` exits 127 when it cannot find the program.
    if status.code() == Some(127) && stdout.is_empty() {
        return Err(VideoError::ToolMissing(program.to_owned()));
    }
    Ok(Finished {
        ok: status.success(),
        stdout,
        stderr,
    })
}

/// The last non-empty line a tool wrote (its reason), without the file's path.
fn last_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no reason given")
        .trim();
    // ffprobe starts with the path: `/tmp/x/media/org/clip.mp4: Invalid data…`.
    let line = line.rsplit_once(": ").map_or(line, |(_, why)| why);
    line.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(codec: &str, duration: f64, bytes: u64) -> VideoInfo {
        VideoInfo {
            container: "mov,mp4,m4a,3gp,3g2,mj2".to_owned(),
            codec: codec.to_owned(),
            pix_fmt: "yuv420p".to_owned(),
            audio: Some("aac".to_owned()),
            width: 1920,
            height: 1080,
            rotation: 0,
            duration,
            bytes,
        }
    }

    #[test]
    fn a_small_h264_clip_is_copied_and_hevc_transcoded() {
        let small = info("h264", 60.0, 30_000_000);
        let a = adaptation(&small, Motion::Video, Network::Telegram).unwrap();
        assert!(a.copy);
        assert_eq!(a.estimate(&small), 30_000_000);
        let hevc = info("hevc", 60.0, 30_000_000);
        let a = adaptation(&hevc, Motion::Video, Network::Vk).unwrap();
        assert!(!a.copy);
        assert_eq!(a.bitrate, MAX_VIDEO_BITRATE);
    }

    #[test]
    fn telegram_caps_the_bitrate_by_the_duration() {
        let long = info("h264", 300.0, 400_000_000);
        let tg = adaptation(&long, Motion::Video, Network::Telegram).unwrap();
        assert!(!tg.copy);
        assert!(tg.estimate(&long) <= TELEGRAM_MAX_BYTES, "{tg:?}");
        assert!(tg.bitrate < MAX_VIDEO_BITRATE);
        let vk = adaptation(&long, Motion::Video, Network::Vk).unwrap();
        assert_eq!(vk.bitrate, MAX_VIDEO_BITRATE);
        let film = info("h264", 3000.0, 900_000_000);
        assert_eq!(
            adaptation(&film, Motion::Video, Network::Telegram),
            Err(VideoError::TooLongForTelegram(3000.0))
        );
        assert!(adaptation(&film, Motion::Video, Network::Ok).is_ok());
        assert!(adaptation(&film, Motion::Animation, Network::Ok).is_err());
    }

    #[test]
    fn ffprobe_json_is_read_with_rotation_and_stills_refused() {
        let json = br#"{"streams":[{"codec_type":"video","codec_name":"h264","pix_fmt":"yuv420p","width":1280,"height":720,
            "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},{"codec_type":"audio","codec_name":"aac"}],
            "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"4.000000"}}"#;
        let i = parse_probe(json, 1000).unwrap();
        assert_eq!((i.width, i.height, i.rotation), (720, 1280, -90));
        assert_eq!(i.audio.as_deref(), Some("aac"));
        assert!(!i.copyable(Motion::Video, MAX_VIDEO_BITRATE));
        let png =
            br#"{"streams":[{"codec_type":"video","codec_name":"png","width":10,"height":10}],
            "format":{"format_name":"png_pipe"}}"#;
        assert_eq!(
            parse_probe(png, 10),
            Err(VideoError::Still("PNG".to_owned()))
        );
    }

    #[test]
    fn tool_reasons_lose_the_path() {
        assert_eq!(
            last_line(b"/tmp/a b/clip.mp4: Invalid data found when processing input\n"),
            "Invalid data found when processing input"
        );
    }
}
