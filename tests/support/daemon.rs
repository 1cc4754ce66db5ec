//! A real `vestnik run` as a child process, its log kept as it comes.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// A running `vestnik run`; killed when dropped.
pub struct Running {
    /// The process.
    pub child: Child,
    log: Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Starts `vestnik run` on `config` (and `root`, if given), logging at `info`.
    pub fn start(root: Option<&Path>, config: &Path) -> Running {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vestnik"));
        cmd.arg("run");
        if let Some(root) = root {
            cmd.arg("--root").arg(root);
        }
        let mut child = cmd
            .arg("--config")
            .arg(config)
            .env("VESTNIK_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(std::sync::Mutex::new(String::new()));
        let mut stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Running {
            child,
            log,
            reader: Some(reader),
        }
    }

    /// The log so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit code and the whole log.
    pub async fn stop(mut self) -> (Option<i32>, String) {
        super::sigterm(&self.child);
        let mut child = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap());
        let status = tokio::task::spawn_blocking(move || child.wait())
            .await
            .unwrap()
            .unwrap();
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        (status.code(), self.log())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// SIGKILL: the process dies at once, as in a crash; then the whole log.
    pub async fn kill(mut self) -> String {
        let _ = self.child.kill();
        let mut child = std::mem::replace(&mut self.child, Command::new("true").spawn().unwrap());
        let _ = tokio::task::spawn_blocking(move || child.wait()).await;
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        self.log()
    }
}
