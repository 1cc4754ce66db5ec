//! `vestnik sandbox`: the local emulators of the VK, OK and Telegram APIs
//! ([`crate::networks::sandbox`]), seeded with the registry's pages (and, for `vestnik audit`,
//! posts made by hand and profiles to find fault with), served until Ctrl-C or for
//! `--seconds`.

use std::path::PathBuf;
use std::time::Duration;

use super::{CliError, print};
use crate::networks::sandbox;
use crate::plan::registry::{REGISTRY_PATH, Registry};
use crate::plan::repo::Repo;

/// Flags of `sandbox`.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// The content repository whose registry seeds the emulators.
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_name = "SECONDS")]
    pub seconds: Option<u64>,
}

/// `vestnik sandbox`: starts the emulators, prints their addresses and test credentials, then
/// serves. A registry that cannot be read seeds no pages.
pub(super) fn run(args: SandboxArgs) -> Result<i32, CliError> {
    let reg = match Repo::open(&args.root).ok().map(|r| r.registry()) {
        Some(Ok((reg, _))) => reg,
        _ => Registry::unusable(REGISTRY_PATH),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    rt.block_on(async {
        let sandbox = sandbox::start(&reg).await.map_err(CliError::Emulators)?;
        // Pages as `vestnik audit` should find them: posts by hand, a profile incomplete, a
        // mark missing, a page gone.
        sandbox.seed_audit(&reg, jiff::Timestamp::now());
        print(&sandbox.describe());
        match args.seconds.map(Duration::from_secs) {
            Some(d) => tokio::time::sleep(d).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        Ok(0)
    })
}
