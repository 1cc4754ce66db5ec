//! Adapts one clip for Telegram as the publisher does, for `benches/video.sh`.
//!
//! `adapt_video <clip> <cache-dir>`: a fresh cache each run (the folder is emptied first), so
//! the whole adaptation is timed: probe, ffmpeg, poster, cache entry.
//! `adapt_video --path <clip> <cache-dir>`: the same, then prints the adapted file's path.
//! `adapt_video --print <clip> <out.mp4>`: prints the ffmpeg command it would run, one
//! argument a line, so that the benchmark can run it bare.

use std::path::Path;

use vestnik::media::MediaCache;
use vestnik::media::video::{self, Motion, Tools};
use vestnik::plan::network::Network;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, clip, target) = match args.as_slice() {
        [flag, clip, target] if flag.starts_with("--") => (flag.as_str(), clip, target),
        [clip, target] => ("", clip, target),
        _ => {
            eprintln!("usage: adapt_video [--print|--path] <clip> <cache-dir|out.mp4>");
            std::process::exit(2);
        }
    };
    let tools = Tools::default();
    if mode == "--print" {
        let info = video::probe(&tools, Path::new(clip)).expect("probe the clip");
        let a = video::adaptation(&info, Motion::Video, Network::Telegram).expect("adaptable");
        println!("{}", tools.ffmpeg.display());
        for arg in video::transcode_args(&tools, Path::new(clip), Path::new(target), &a) {
            println!("{}", arg.to_string_lossy());
        }
        return;
    }
    let _ = std::fs::remove_dir_all(target);
    let cache = MediaCache::new(target);
    let made = cache
        .prepare_video(
            clip,
            Path::new(clip),
            None,
            Motion::Video,
            Network::Telegram,
        )
        .expect("adapt the clip");
    if mode == "--path" {
        println!("{}", made.file.display());
    }
}
