//! The systemd unit of `docs/deploy.md`, checked by `systemd-analyze
//! verify` (Debian's `systemd` package, installed by `scripts/setup.sh
//! test`): its `ExecStart` pointed at the binary this build made, so
//! the check also sees an executable where the unit says.

use std::process::Command;

const DOC_BINARY: &str = "/usr/local/bin/gatehouse-server";

/// The unit as `docs/deploy.md` shows it.
fn documented_unit() -> String {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/deploy.md")).unwrap();
    let start = doc.find("<!-- unit:gatehouse.service -->").expect("the unit's marker in docs/deploy.md");
    let rest = &doc[start..];
    let open = rest.find("```ini\n").expect("an ini block after the marker") + "```ini\n".len();
    let close = open + rest[open..].find("\n```").unwrap();
    rest[open..close].to_owned()
}

#[test]
fn the_documented_unit_passes_systemd_analyze_verify() {
    let unit = documented_unit();
    assert!(unit.contains(&format!("ExecStart={DOC_BINARY} ")), "{unit}");
    for hardening in ["NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes", "CapabilityBoundingSet="] {
        assert!(unit.contains(hardening), "the unit keeps {hardening}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gatehouse.service");
    std::fs::write(&path, unit.replace(DOC_BINARY, env!("CARGO_BIN_EXE_gatehouse-server"))).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .env("SYSTEMD_LOG_LEVEL", "notice")
        .output()
        .expect("systemd-analyze is installed (scripts/setup.sh test: the systemd package)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify failed: {stderr}");
    let ours: Vec<&str> = stderr.lines().filter(|l| l.contains("gatehouse.service")).collect();
    assert!(ours.is_empty(), "systemd-analyze complained about the unit: {stderr}");

    // The check is real: a misspelt directive fails it.
    std::fs::write(
        &path,
        unit.replace(DOC_BINARY, env!("CARGO_BIN_EXE_gatehouse-server")).replace("NoNewPrivileges", "NoNewPrivilege"),
    )
    .unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NoNewPrivilege"), "an unknown directive is reported: {stderr}");
    // And so does an ExecStart with no binary behind it.
    std::fs::write(&path, unit.replace(DOC_BINARY, "/nonexistent/gatehouse-server")).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    assert!(!out.status.success(), "a missing binary fails the check");
}
