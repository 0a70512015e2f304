//! A folder with a hostmap of named players on free loopback ports and
//! their TLS certificates, for tests that run a `tfe` command as each
//! player in its own process (`deployment_predict.rs`,
//! `deployment_train.rs`); removed when dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const TFE: &str = env!("CARGO_BIN_EXE_tfe");

pub struct Folder(pub PathBuf);

/// A hostmap's `"players"` list: `players` at loopback ports that were
/// free a moment ago (each bound, read, and let go).
pub fn loopback_players(players: &[&str]) -> String {
    let listeners: Vec<_> = players.iter().map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let entries: Vec<String> = players
        .iter()
        .zip(&listeners)
        .map(|(name, l)| format!("{{\"name\": \"{name}\", \"address\": \"{}\"}}", l.local_addr().unwrap()))
        .collect();
    format!("[{}]", entries.join(", "))
}

impl Folder {
    /// The hostmap of `players` (generous timeouts: the players start one
    /// by one on a busy machine) and a certificate and key for each.
    pub fn new(test: &str, players: &[&str]) -> Folder {
        Folder::with_connect_timeout(test, players, 30_000)
    }

    /// As [`Folder::new`], with players waiting `connect_ms` for the others
    /// to connect (short where a test expects a player never to join).
    pub fn with_connect_timeout(test: &str, players: &[&str], connect_ms: u64) -> Folder {
        let dir = std::env::temp_dir().join(format!("tfe-hosts-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let hostmap = format!(
            "{{\"players\": {}, \"connect_timeout_ms\": {connect_ms}, \"recv_timeout_ms\": 60000}}",
            loopback_players(players)
        );
        std::fs::write(dir.join("hosts.json"), hostmap).unwrap();
        let folder = Folder(dir);
        let out = folder.tfe(&["certs", "--config", "hosts.json"]).output().unwrap();
        assert!(out.status.success(), "tfe certs: {}", String::from_utf8_lossy(&out.stderr));
        folder
    }

    /// `tfe args...` in the folder.
    pub fn tfe(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(TFE);
        cmd.current_dir(&self.0).args(args).stdin(Stdio::null());
        cmd
    }

    /// `tfe command --config hosts.json --name NAME --key certs/NAME.key`.
    pub fn player(&self, command: &str, name: &str) -> Command {
        let key = format!("certs/{name}.key");
        self.tfe(&[command, "--config", "hosts.json", "--name", name, "--key", &key])
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Waits for every child (killing what is left after `limit`).
pub fn finish(children: Vec<(&str, Child)>, limit: Duration) -> Vec<(String, Output)> {
    let deadline = Instant::now() + limit;
    children
        .into_iter()
        .map(|(name, mut child)| {
            while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            (name.to_string(), child.wait_with_output().unwrap())
        })
        .collect()
}
