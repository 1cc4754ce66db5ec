//! Prepares one image for VK, OK and Telegram (one decode, three outputs) and writes
//! `OUTDIR/<name>.<network>.jpg`: what `benches/images.sh` times, and a way to look at the
//! pipeline's output by hand.
//!
//! Usage: `cargo run --release --example prepare_image -- IN OUTDIR`

use std::error::Error;
use std::path::PathBuf;

use vestnik::media::prepare_all;
use vestnik::plan::network::Network;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(input), Some(out_dir)) = (
        args.next().map(PathBuf::from),
        args.next().map(PathBuf::from),
    ) else {
        return Err("usage: prepare_image IN OUTDIR".into());
    };
    let bytes = std::fs::read(&input)?;
    let name = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("image");
    std::fs::create_dir_all(&out_dir)?;
    for (network, prepared) in Network::ALL
        .into_iter()
        .zip(prepare_all(&bytes, &Network::ALL)?)
    {
        let path = out_dir.join(format!("{name}.{}.jpg", network.key()));
        std::fs::write(&path, &prepared.jpeg)?;
        eprintln!(
            "{}: {}×{} from {}×{}, {} bytes",
            path.display(),
            prepared.width,
            prepared.height,
            prepared.source_width,
            prepared.source_height,
            prepared.jpeg.len()
        );
    }
    Ok(())
}
