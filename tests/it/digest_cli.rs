//! `casebook digest` from the command line: standard input, secrets masked as in `analyze`,
//! `--redact`, a closed pipe, long templates cut, storms merged into episodes and capped,
//! and headers of layouts the digest was not written for (kernel, apt history, blank lines).

use std::io::Write;
use std::process::{Command, Stdio};

use super::common::casebook;

fn digest_stdin(input: &str, args: &[&str]) -> String {
    let out = casebook()
        .args(["digest", "-"])
        .args(args)
        .write_stdin(input.to_string())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn reads_standard_input() {
    let log = "2025-01-26T13:09:02.525|INFO|CTL|a.B: start - id=1\n2025-01-26T13:09:03.525|INFO|CTL|a.B: start - id=2\n";
    let text = digest_stdin(log, &[]);
    assert!(text.starts_with("== <stdin>: 2 lines, 1 templates"), "{text}");
    let per_line = digest_stdin(log, &["--per-line"]);
    assert_eq!(per_line.lines().count(), 2);
    assert!(per_line.contains(r#""template":"start - id=<*>""#), "{per_line}");
}

#[test]
fn masks_secrets_and_redacts_addresses() {
    let log = "2025-01-26T13:09:02Z connect to https://admin:hunter2@db.example.com:5432 with Authorization: Bearer abcdefghijkl\n\
               2025-01-26T13:09:03Z login password=s3cretpw from 10.1.2.3\n";
    let text = digest_stdin(log, &[]);
    assert!(
        !text.contains("hunter2") && !text.contains("abcdefghijkl") && !text.contains("s3cretpw"),
        "{text}"
    );
    assert!(text.contains("[redacted]"), "{text}");
    assert!(
        text.contains("10.1.2.3"),
        "without --redact addresses stay: {text}"
    );
    let json = digest_stdin(log, &["--json"]);
    assert!(!json.contains("hunter2") && !json.contains("s3cretpw"), "{json}");
    let redacted = digest_stdin(log, &["--redact"]);
    assert!(
        !redacted.contains("10.1.2.3") && redacted.contains("ip-1"),
        "{redacted}"
    );
}

#[test]
fn a_secret_in_a_json_message_keeps_the_message_bounds() {
    // The secret is masked once, before mining; the masked line is shorter, and the
    // message still ends at its own quote (the `caller` field is not mined).
    let log = r#"{"level":"info","ts":"2025-01-26T13:09:02Z","msg":"login password=s3cretpw accepted","caller":"auth/login.go:42"}"#;
    let per_line = digest_stdin(&format!("{log}\n"), &["--per-line"]);
    assert!(
        !per_line.contains("s3cretpw") && !per_line.contains("caller"),
        "{per_line}"
    );
    assert!(per_line.contains(r#""template":"login "#), "{per_line}");
    assert!(per_line.contains(r#" accepted","cluster":0"#), "{per_line}");
}

#[test]
fn long_templates_are_cut_with_their_length() {
    let long = "word ".repeat(400);
    let log = format!("2025-01-26T13:09:02Z {long}\n");
    let text = digest_stdin(&log, &[]);
    // The template keeps 256 tokens; it is cut with its length.
    assert!(text.contains("... (1279 bytes)"), "{text}");
    assert!(text.lines().all(|l| l.len() < 600), "{text}");
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mut f = std::fs::File::create(&path).unwrap();
    for i in 0..200_000 {
        writeln!(f, "2025-01-26T13:09:02Z event {i} happened").unwrap();
    }
    drop(f);
    let bin = assert_cmd::cargo::cargo_bin("casebook");
    let mut child = Command::new(bin)
        .args(["digest", "--per-line"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A template storming in bursts a few minutes apart, on six days.
fn bursty_log() -> String {
    let mut s = String::new();
    for day in 1..=6 {
        for minute in 0..120u32 {
            s.push_str(&format!(
                "2025-01-{day:02}T08:{:02}:{:02}Z heartbeat ok n={minute}\n",
                minute / 2,
                minute % 60
            ));
        }
        for burst in 0..3u32 {
            for k in 0..200u32 {
                let m = 10 + burst * 5 + k / 100;
                s.push_str(&format!(
                    "2025-01-{day:02}T10:{m:02}:{:02}Z rejecting RPC conn from 10.0.0.{}:{}\n",
                    k % 60,
                    k % 250,
                    30000 + k
                ));
            }
        }
    }
    s
}

#[test]
fn storms_of_one_template_merge_into_episodes_and_are_capped() {
    let text = digest_stdin(&bursty_log(), &[]);
    let storms: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("rejecting RPC conn"))
        .filter(|l| l.contains("peak"))
        .collect();
    // Three bursts a day, minutes apart: one episode a day; six days, five shown.
    assert_eq!(storms.len(), 5, "{text}");
    assert!(storms.iter().all(|l| l.contains(" 600 hits")), "{text}");
    assert!(text.contains("  ... and 1 more\n"), "{text}");
}

#[test]
fn kernel_apt_history_and_blank_lines() {
    let dmesg = "[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)\n\
                 [    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz root=UUID=1234\n\
                 [    1.204518] usb 1-1: new high-speed USB device number 2 using xhci_hcd\n\
                 [    2.117730] usb 1-2: new high-speed USB device number 3 using xhci_hcd\n\
                 [   12.003117] usb 3-4: new high-speed USB device number 17 using xhci_hcd\n";
    let per_line = digest_stdin(dmesg, &["--per-line"]);
    let clusters: Vec<u64> = per_line
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["cluster"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(clusters[2], clusters[3]);
    assert_eq!(clusters[3], clusters[4], "{per_line}");
    assert!(
        per_line.contains(r#"new high-speed USB device number <*> using xhci_hcd""#),
        "{per_line}"
    );
    assert_ne!(clusters[0], clusters[2], "{per_line}");

    let apt = "Start-Date: 2024-05-08  11:11:02\nCommandline: apt-get install -y tzdata\nEnd-Date: 2024-05-08  11:11:09\n\n\
               Start-Date: 2024-06-01  09:00:00\nCommandline: apt-get install -y curl\nEnd-Date: 2024-06-01  09:00:31\n\n";
    let text = digest_stdin(apt, &[]);
    // Times read from `Start-Date:`; a line that is all header is mined whole; the two
    // commands are two templates (two distinct words); blank lines make none.
    assert!(
        text.starts_with(
            "== <stdin>: 8 lines, 4 templates, 2024-05-08T11:11:02.000Z .. 2024-06-01T09:00:31.000Z"
        ),
        "{text}"
    );
    assert!(
        text.contains("2 hits  #0    Start-Date: <*>") && text.contains("2 hits  #2    End-Date: <*>"),
        "{text}"
    );
}
