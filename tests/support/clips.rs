//! Test clips made by FFmpeg (`testsrc`, `sine`) at test time, once per test run, into one
//! temp folder: Debian's `ffmpeg`, installed by `.ci/run`, which sets `VESTNIK_REQUIRE_FFMPEG=1`
//! so that a missing FFmpeg fails there instead of skipping.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Whether FFmpeg is there; `false` (with a message) when it is not and is not required.
///
/// Panics when `VESTNIK_REQUIRE_FFMPEG` is set and FFmpeg is missing.
pub fn ffmpeg() -> bool {
    let found = ["ffmpeg", "ffprobe"].iter().all(|tool| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(
            std::env::var_os("VESTNIK_REQUIRE_FFMPEG").is_none(),
            "FFmpeg is required but not installed"
        );
        eprintln!("skipped: FFmpeg is not installed (apt-get install ffmpeg)");
    }
    found
}

/// A clip the tests use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Clip {
    /// 1920×1080, 60 s, H.264/AAC at 4 Mbit/s: copied, not transcoded.
    FullHd,
    /// 320×240, 2 s, HEVC: transcoded to H.264.
    Hevc,
    /// 320×240 recorded as turned by 90°: shown 240×320.
    Rotated,
    /// 1280×720 noise, 3 s, lossless: over 50 MB, shrunk for Telegram.
    Huge,
    /// 160×120, 2 s, GIF: an animation.
    Gif,
    /// A clip cut off before its index: damaged.
    Corrupted,
    /// A PNG named `.mp4`.
    Still,
}

impl Clip {
    /// The file name the clip has in `media/<org>/`.
    pub fn name(self) -> &'static str {
        match self {
            Clip::FullHd => "fullhd.mp4",
            Clip::Hevc => "hevc.mp4",
            Clip::Rotated => "rotated.mp4",
            Clip::Huge => "huge.mp4",
            Clip::Gif => "loop.gif",
            Clip::Corrupted => "corrupted.mp4",
            Clip::Still => "still.mp4",
        }
    }
}

fn run(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-nostdin"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The folder the clips are made in, kept for the whole test run.
fn dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::Builder::new()
            .prefix("vestnik-clips-")
            .tempdir()
            .expect("create a temp dir")
    })
    .path()
}

/// The clip's file, made on first use (tests running at once wait for one another).
#[rustfmt::skip]
pub fn path(clip: Clip) -> PathBuf {
    static MADE: Mutex<Vec<Clip>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let path = dir().join(clip.name());
    if made.contains(&clip) {
        return path;
    }
    let out = path.to_str().expect("a UTF-8 temp path");
    // Every input is bounded by its own duration (`-t` before `-i`): an endless source would
    // never end a filter that waits for the end.
    match clip {
        Clip::FullHd => run(&[
            "-t", "60", "-f", "lavfi", "-i", "testsrc=size=1920x1080:rate=25",
            "-t", "60", "-f", "lavfi", "-i", "sine=frequency=440",
            "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "4M", "-maxrate", "4M",
            "-bufsize", "8M", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k",
            "-threads", "2", out,
        ]),
        Clip::Hevc => run(&[
            "-t", "2", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
            "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
            "-pix_fmt", "yuv420p", out,
        ]),
        Clip::Rotated => {
            let plain = dir().join("upright.mp4");
            let plain = plain.to_str().expect("a UTF-8 temp path");
            run(&[
                "-t", "2", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", plain,
            ]);
            // The tag as a phone writes it (ffmpeg 5 turns it into a display matrix).
            run(&["-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", out]);
        }
        Clip::Huge => run(&[
            "-t", "3", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-vf", "noise=alls=100:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
            "-qp", "0", "-pix_fmt", "yuv420p", "-threads", "2", out,
        ]),
        Clip::Gif => run(&[
            "-t", "2", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", out,
        ]),
        Clip::Corrupted => {
            let whole = dir().join("whole.mp4");
            run(&[
                "-t", "2", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                whole.to_str().expect("a UTF-8 temp path"),
            ]);
            let bytes = std::fs::read(&whole).expect("read the clip");
            // An interrupted copy: the index (`moov`, written last) is missing.
            std::fs::write(&path, &bytes[..bytes.len() / 3]).expect("write the clip");
        }
        Clip::Still => run(&[
            "-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", "-f", "image2",
            "-c:v", "png", out,
        ]),
    }
    made.push(clip);
    path
}
