//! Keys and hostmaps of a deployment (issue 18, items 7 and 8): every
//! player makes its own key where it runs (`tfe keygen`), only
//! certificates travel, one command pins them (`tfe hostmap pin`), and key
//! files are 0600 even over an existing file; a hostmap with two players
//! on one address or with one certificate is refused by every player when
//! it reads it, naming both.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use common::deployment::*;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Runs a `tfe` command in `d`'s folder that must fail, and returns its stderr.
fn failing(d: &Deployment, args: &[&str]) -> String {
    let out = Command::new(TFE).args(args).current_dir(&d.dir).output().unwrap();
    assert!(!out.status.success(), "tfe {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn each_player_makes_its_own_key_and_one_command_pins_the_certificates() {
    let mut d = Deployment::new("keygen", false, 5000);
    std::fs::create_dir_all(d.dir.join("collected")).unwrap();
    for name in PLAYERS {
        // Each player's own machine, where a key file of mode 0644 is left over.
        let machine = d.dir.join(format!("machine-{name}"));
        std::fs::create_dir_all(&machine).unwrap();
        let key = machine.join(format!("{name}.key"));
        std::fs::write(&key, "an old key").unwrap();
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        d.tool(&["keygen", "--name", name, "--out", &format!("machine-{name}")]);
        assert_eq!(mode(&key), 0o600, "{name}'s key file");
        assert!(std::fs::read_to_string(&key).unwrap().contains("PRIVATE KEY"));
        // Only the certificate travels.
        let cert = format!("{name}.pem");
        std::fs::copy(machine.join(&cert), d.dir.join("collected").join(&cert)).unwrap();
    }
    // One player by NAME=CERT, the others from the folder.
    d.tool(&["hostmap", "pin", "--config", "hosts.json", "server0=collected/server0.pem", "--dir", "collected"]);
    let hosts = std::fs::read_to_string(d.dir.join("hosts.json")).unwrap();
    for name in PLAYERS {
        assert!(hosts.contains(&format!("\"collected/{name}.pem\"")), "{hosts}");
    }
    for name in PLAYERS {
        let key = format!("machine-{name}/{name}.key");
        d.start(name, "seed.tfe", &["--key".to_string(), key], &[]);
    }
    check_seed_result(&d.finish(Duration::from_secs(60)), 1);

    // A file that is no certificate, a player not in the hostmap and one
    // certificate for two players are refused, and the hostmap is unchanged.
    let err = failing(&d, &["hostmap", "pin", "--config", "hosts.json", "server1=machine-server1/server1.key"]);
    assert!(err.contains("server1.key (for 'server1') holds no PEM certificate"), "{err}");
    let err = failing(&d, &["hostmap", "pin", "--config", "hosts.json", "mallory=collected/server1.pem"]);
    assert!(err.contains("'mallory' is not in the hostmap"), "{err}");
    let err = failing(&d, &["hostmap", "pin", "--config", "hosts.json", "server2=collected/server1.pem"]);
    assert!(err.contains("('server1') and players[2] ('server2') have the same certificate"), "{err}");
    assert_eq!(std::fs::read_to_string(d.dir.join("hosts.json")).unwrap(), hosts);
    // `tfe certs` stays, for local tests, and says so.
    let help = Command::new(TFE).args(["certs", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("local tests only"));
}

#[test]
fn tfe_certs_leaves_key_files_0600_when_it_overwrites_them() {
    let d = Deployment::new("certsmode", false, 3000);
    std::fs::create_dir_all(d.dir.join("certs")).unwrap();
    let key = d.dir.join("certs/server1.key");
    std::fs::write(&key, "an old key").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    d.tool(&["certs", "--config", "hosts.json"]);
    assert_eq!(mode(&key), 0o600);
}

/// Starts every player on `d`'s (edited) hostmap and checks that each one
/// fails with an error that names `a`, `b` and `what`.
fn every_player_refuses(d: &mut Deployment, tls: bool, a: &str, b: &str, what: &str) {
    d.start_all(tls, &[]);
    for (name, out) in d.finish(Duration::from_secs(30)) {
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{name} should have refused the hostmap");
        let error = stderr.lines().find(|l| l.starts_with("tfe:")).unwrap_or("");
        assert!(
            error.contains(&format!("('{a}') and")) && error.contains(&format!("('{b}') have the same {what}")),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn a_hostmap_with_two_players_on_one_address_is_refused_naming_both() {
    let mut d = Deployment::new("sameaddr", false, 3000);
    let hosts = std::fs::read_to_string(d.dir.join("hosts.json")).unwrap();
    // The result receiver listens where server1 does.
    let edited = hosts.replace(&format!("\"{}\"", d.addresses[4]), &format!("\"{}\"", d.addresses[1]));
    assert_ne!(edited, hosts);
    std::fs::write(d.dir.join("hosts.json"), edited).unwrap();
    every_player_refuses(&mut d, false, "server1", "result-receiver", "address");
}

#[test]
fn a_hostmap_with_one_certificate_for_two_players_is_refused_naming_both() {
    let mut d = Deployment::new("samecert", true, 3000);
    let hosts = std::fs::read_to_string(d.dir.join("hosts.json")).unwrap();
    // The input provider's entry pins server2's certificate: server2's key
    // would pass for either.
    let edited = hosts.replace("certs/input-provider.pem", "certs/server2.pem");
    assert_ne!(edited, hosts);
    std::fs::write(d.dir.join("hosts.json"), edited).unwrap();
    every_player_refuses(&mut d, true, "server2", "input-provider", "certificate");
}
