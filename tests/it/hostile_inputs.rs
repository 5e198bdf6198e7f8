//! A corpus of bad input, built by the tests (large inputs generated, nothing committed): corrupt
//! and truncated archives, bombs, paths and links that try to leave the bundle, devices and
//! FIFOs, odd encodings, limits. Every case runs the real binary under a timeout with `TMPDIR`
//! pointed at a folder of its own, from an empty working folder: none may panic, hang, leave
//! files in the temp dir or write anywhere but `-o`. Targeted tests pin each defect fixed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{reference_bundle, tar_gz};

/// A controller log whose no-leader errors the shipped `nv.consul.leaderless` rule reports.
const LEADERLESS: &str =
    "2024-06-01T10:00:00.000Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n\
2024-06-01T10:30:00.000Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n";
const CONTROLLER: &str = "neuvector-controller-pod-1.log";
const LEADER_RULE: &str = "nv.consul.leaderless";
/// Longest a case may run.
const TIMEOUT: Duration = Duration::from_secs(120);

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("casebook")
}

/// One run of the binary in a sandbox: its own TMPDIR and working folder.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    timed_out: bool,
}

fn run_sandboxed(args: &[String], tmp: &Path, work: &Path) -> Run {
    let mut child = Command::new(binary())
        .args(args)
        .env("TMPDIR", tmp)
        .current_dir(work)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    // Read both pipes on threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out, &mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err, &mut s);
        s
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_t.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_t.join().unwrap()).into_owned(),
        timed_out,
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A tar of `(name, bytes)` members; names are written raw into the header, so `..`, absolute
/// and over-long names go in as a hostile archive would have them.
fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, bytes) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        if name.len() < 100 && (name.starts_with('/') || name.contains("..")) {
            let raw = &mut h.as_old_mut().name;
            raw[..name.len()].copy_from_slice(name.as_bytes());
            h.set_cksum();
            b.append(&h, *bytes).unwrap();
        } else {
            b.append_data(&mut h, name, *bytes).unwrap();
        }
    }
    b.into_inner().unwrap()
}

fn tar_link(name: &str, target: &str, hard: bool) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(if hard {
        tar::EntryType::Link
    } else {
        tar::EntryType::Symlink
    });
    h.set_size(0);
    b.append_link(&mut h, name, target).unwrap();
    let mut log = tar::Header::new_gnu();
    log.set_size(LEADERLESS.len() as u64);
    log.set_mode(0o644);
    b.append_data(&mut log, CONTROLLER, LEADERLESS.as_bytes())
        .unwrap();
    b.into_inner().unwrap()
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        z.start_file(*name, opts).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(ok.success());
}

fn utf16(text: &str, bom: bool, big_endian: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if big_endian { &[0xfe, 0xff] } else { &[0xff, 0xfe] });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

/// How a case turns out: the exit code, and a rule that must fire (read from `-o`).
struct Expect {
    code: i32,
    fires: Option<&'static str>,
}

const OK: Expect = Expect { code: 0, fires: None };
const FIRES: Expect = Expect {
    code: 0,
    fires: Some(LEADER_RULE),
};
const INPUT_ERROR: Expect = Expect { code: 2, fires: None };

/// A case: its name, what it builds in `dir` (returning the arguments after `analyze`, or a
/// whole command line when it starts with `!`), and what must come out.
type Build = fn(&Path) -> Vec<String>;

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn bundle_dir(dir: &Path, files: &[(&str, &[u8])]) -> Vec<String> {
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    for (name, bytes) in files {
        write(&b.join(name), bytes);
    }
    vec![s(&b)]
}

fn file_bundle(dir: &Path, name: &str, bytes: &[u8]) -> Vec<String> {
    let p = dir.join(name);
    write(&p, bytes);
    vec![s(&p)]
}

fn leaderless_tar() -> Vec<u8> {
    tar_of(&[(CONTROLLER, LEADERLESS.as_bytes())])
}

fn cases() -> Vec<(&'static str, Build, Expect)> {
    vec![
        (
            "nonexistent path",
            |d| vec![s(&d.join("no-such-bundle"))],
            INPUT_ERROR,
        ),
        ("empty directory", |d| bundle_dir(d, &[]), INPUT_ERROR),
        (
            "empty tar.gz",
            |d| file_bundle(d, "b.tar.gz", &gz(&tar_of(&[]))),
            INPUT_ERROR,
        ),
        (
            "zero-byte .tar.gz",
            |d| file_bundle(d, "b.tar.gz", b""),
            INPUT_ERROR,
        ),
        ("zero-byte log", |d| bundle_dir(d, &[(CONTROLLER, b"")]), OK),
        (
            "single log file",
            |d| file_bundle(d, CONTROLLER, LEADERLESS.as_bytes()),
            FIRES,
        ),
        (
            "truncated .log.gz",
            |d| {
                let mut long = String::new();
                for _ in 0..2000 {
                    long.push_str(
                        "2024-06-01T09:00:00.000Z [INFO] agent: filler line to make the stream long\n",
                    );
                }
                long.push_str(LEADERLESS);
                let bytes = gz(long.as_bytes());
                bundle_dir(
                    d,
                    &[
                        ("other.log.gz", &bytes[..bytes.len() / 2]),
                        (CONTROLLER, LEADERLESS.as_bytes()),
                    ],
                )
            },
            FIRES,
        ),
        (
            "corrupt .gz (gzip magic, garbage)",
            |d| {
                bundle_dir(
                    d,
                    &[
                        ("x.log.gz", b"\x1f\x8b\x08\x00garbage-garbage-garbage"),
                        (CONTROLLER, LEADERLESS.as_bytes()),
                    ],
                )
            },
            FIRES,
        ),
        (
            "truncated .tar.gz",
            |d| {
                let mut members: Vec<(String, Vec<u8>)> =
                    vec![(CONTROLLER.into(), LEADERLESS.as_bytes().to_vec())];
                for i in 0..50 {
                    members.push((format!("filler-{i}.log"), vec![b'x'; 20_000 + i * 97]));
                }
                let refs: Vec<(&str, &[u8])> =
                    members.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
                let bytes = gz(&tar_of(&refs));
                file_bundle(d, "b.tar.gz", &bytes[..bytes.len() / 2])
            },
            FIRES,
        ),
        (
            "corrupt .tar.gz (gzip of garbage)",
            |d| file_bundle(d, "b.tar.gz", &gz(&[7u8; 4000])),
            INPUT_ERROR,
        ),
        (
            "truncated .zip",
            |d| {
                let z = zip_of(&[(CONTROLLER, LEADERLESS.as_bytes())]);
                file_bundle(d, "b.zip", &z[..z.len() - 30])
            },
            INPUT_ERROR,
        ),
        (
            "corrupt .zip",
            |d| file_bundle(d, "b.zip", b"PK\x03\x04 this is not a zip at all"),
            INPUT_ERROR,
        ),
        (
            "zip bomb (one member of zeros)",
            |d| {
                let zeros = vec![0u8; 64 << 20];
                file_bundle(
                    d,
                    "b.zip",
                    &zip_of(&[("zeros.log", &zeros), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "tar.gz bomb (one member of zeros)",
            |d| {
                let zeros = vec![0u8; 64 << 20];
                file_bundle(
                    d,
                    "b.tar.gz",
                    &gz(&tar_of(&[
                        ("zeros.log", &zeros),
                        (CONTROLLER, LEADERLESS.as_bytes()),
                    ])),
                )
            },
            FIRES,
        ),
        (
            "zip members over --max-members",
            |d| {
                let names: Vec<String> = (0..40).map(|i| format!("m{i:02}.log")).collect();
                let mut members: Vec<(&str, &[u8])> = vec![(CONTROLLER, LEADERLESS.as_bytes())];
                members.extend(names.iter().map(|n| (n.as_str(), &b"x\n"[..])));
                let mut args = file_bundle(d, "b.zip", &zip_of(&members));
                args.extend(["--max-members".into(), "10".into()]);
                args
            },
            FIRES,
        ),
        (
            "tar with a `..` member",
            |d| {
                file_bundle(
                    d,
                    "b.tar",
                    &tar_of(&[("../../evil.log", b"x\n"), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "tar with an absolute member",
            |d| {
                file_bundle(
                    d,
                    "b.tar",
                    &tar_of(&[("/tmp/evil.log", b"x\n"), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "zip with a `..` member",
            |d| {
                file_bundle(
                    d,
                    "b.zip",
                    &zip_of(&[("../evil.log", b"x\n"), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "zip with an absolute member",
            |d| {
                file_bundle(
                    d,
                    "b.zip",
                    &zip_of(&[("/tmp/evil.log", b"x\n"), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "tar symlink out of the bundle",
            |d| file_bundle(d, "b.tar", &tar_link("pods.txt", "/etc/passwd", false)),
            FIRES,
        ),
        (
            "tar hard link",
            |d| file_bundle(d, "b.tar", &tar_link("pods.txt", "/etc/passwd", true)),
            FIRES,
        ),
        (
            "directory symlink out of the bundle",
            |d| {
                let args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                std::os::unix::fs::symlink("/etc", d.join("bundle/etc")).unwrap();
                args
            },
            FIRES,
        ),
        (
            "symlink loop",
            |d| {
                let args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                std::os::unix::fs::symlink("b.log", d.join("bundle/a.log")).unwrap();
                std::os::unix::fs::symlink("a.log", d.join("bundle/b.log")).unwrap();
                std::os::unix::fs::symlink("..", d.join("bundle/up")).unwrap();
                args
            },
            FIRES,
        ),
        (
            "invalid UTF-8",
            |d| {
                let mut log = b"2024-06-01T09:00:00.000Z [INFO] \xff\xfe\xc3\x28 bad bytes\n".to_vec();
                log.extend_from_slice(LEADERLESS.as_bytes());
                bundle_dir(d, &[(CONTROLLER, &log)])
            },
            FIRES,
        ),
        (
            "NUL bytes (binary file beside a log)",
            |d| {
                bundle_dir(
                    d,
                    &[
                        ("core.bin", b"\0\0\0ELF\0\0"),
                        (CONTROLLER, LEADERLESS.as_bytes()),
                    ],
                )
            },
            FIRES,
        ),
        (
            "only a binary file",
            |d| bundle_dir(d, &[("core.bin", b"\0\0\0ELF\0\0")]),
            INPUT_ERROR,
        ),
        (
            "a 3 MiB line",
            |d| {
                let mut log = b"2024-06-01T09:00:00.000Z [INFO] ".to_vec();
                log.extend(std::iter::repeat_n(b'a', 3 << 20));
                log.push(b'\n');
                log.extend_from_slice(LEADERLESS.as_bytes());
                bundle_dir(d, &[(CONTROLLER, &log)])
            },
            FIRES,
        ),
        (
            "nested bundle",
            |d| {
                let inner = gz(&leaderless_tar());
                let middle = gz(&tar_of(&[("inner.tar.gz", &inner)]));
                bundle_dir(d, &[("middle.tgz", &middle)])
            },
            FIRES,
        ),
        (
            "archives nested past --max-nesting",
            |d| {
                let mut bytes = gz(&leaderless_tar());
                for level in 0..5 {
                    let name = format!("level{level}.tar.gz");
                    bytes = gz(&tar_of(&[(name.as_str(), &bytes)]));
                }
                let mut args = file_bundle(d, "b.tar.gz", &bytes);
                args.extend(["--max-nesting".into(), "2".into()]);
                args
            },
            INPUT_ERROR,
        ),
        (
            "missing pod listing",
            |d| bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]),
            FIRES,
        ),
        (
            "garbage pod listing",
            |d| {
                bundle_dir(
                    d,
                    &[
                        ("pods.txt", b"NAME READY\n\xff\xff\0\0 nonsense 1/ 2/"),
                        (CONTROLLER, LEADERLESS.as_bytes()),
                    ],
                )
            },
            FIRES,
        ),
        (
            "a FIFO as the bundle",
            |d| {
                let p = d.join("fifo");
                mkfifo(&p);
                vec![s(&p)]
            },
            INPUT_ERROR,
        ),
        (
            "a FIFO inside the bundle",
            |d| {
                let args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                mkfifo(&d.join("bundle/pods.txt"));
                args
            },
            FIRES,
        ),
        (
            "a device as the bundle",
            |_| vec!["/dev/zero".into()],
            INPUT_ERROR,
        ),
        (
            "a FIFO as --description",
            |d| {
                let mut args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                let p = d.join("desc");
                mkfifo(&p);
                args.extend(["--description".into(), s(&p)]);
                args
            },
            INPUT_ERROR,
        ),
        (
            "/dev/zero as --description",
            |d| {
                let mut args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                args.extend(["--description".into(), "/dev/zero".into()]);
                args
            },
            INPUT_ERROR,
        ),
        (
            "a description over the limit",
            |d| {
                let mut args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                let p = d.join("desc.md");
                write(&p, &vec![b'x'; 2 << 20]);
                args.extend(["--description".into(), s(&p)]);
                args
            },
            INPUT_ERROR,
        ),
        (
            "a zip named .tar.gz",
            |d| file_bundle(d, "b.tar.gz", &zip_of(&[(CONTROLLER, LEADERLESS.as_bytes())])),
            FIRES,
        ),
        (
            "a tar.gz named .zip",
            |d| file_bundle(d, "b.zip", &gz(&leaderless_tar())),
            FIRES,
        ),
        (
            "a plain log named .log.gz",
            |d| bundle_dir(d, &[("neuvector-controller-pod-1.log.gz", LEADERLESS.as_bytes())]),
            FIRES,
        ),
        (
            "a UTF-16LE log with a BOM",
            |d| bundle_dir(d, &[(CONTROLLER, &utf16(LEADERLESS, true, false))]),
            FIRES,
        ),
        (
            "a UTF-16BE log with a BOM",
            |d| bundle_dir(d, &[(CONTROLLER, &utf16(LEADERLESS, true, true))]),
            FIRES,
        ),
        (
            "a UTF-16LE log without a BOM",
            |d| bundle_dir(d, &[(CONTROLLER, &utf16(LEADERLESS, false, false))]),
            FIRES,
        ),
        (
            "a log with CR-only line ends",
            |d| bundle_dir(d, &[(CONTROLLER, LEADERLESS.replace('\n', "\r").as_bytes())]),
            FIRES,
        ),
        (
            "a tar member whose parent is a file",
            |d| {
                file_bundle(
                    d,
                    "b.tar",
                    &tar_of(&[
                        ("x", b"file\n"),
                        ("x/y.log", b"under a file\n"),
                        (CONTROLLER, LEADERLESS.as_bytes()),
                    ]),
                )
            },
            FIRES,
        ),
        (
            "a tar member with a 300-byte name",
            |d| {
                let long = format!("{}.log", "n".repeat(300));
                file_bundle(
                    d,
                    "b.tar",
                    &tar_of(&[(long.as_str(), b"x\n"), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "a tar member path over PATH_MAX",
            |d| {
                let long = format!("{}/x.log", vec!["d".repeat(200); 25].join("/"));
                file_bundle(
                    d,
                    "b.tar",
                    &tar_of(&[(long.as_str(), b"x\n"), (CONTROLLER, LEADERLESS.as_bytes())]),
                )
            },
            FIRES,
        ),
        (
            "duplicate member names",
            |d| {
                file_bundle(
                    d,
                    "b.tar",
                    &tar_of(&[(CONTROLLER, LEADERLESS.as_bytes()), (CONTROLLER, b"")]),
                )
            },
            FIRES,
        ),
        (
            "files over --max-files",
            |d| {
                let b = d.join("bundle");
                write(&b.join("a-first").join(CONTROLLER), LEADERLESS.as_bytes());
                for i in 0..30 {
                    write(&b.join(format!("z{i:02}.txt")), b"x\n");
                }
                vec![s(&b), "--max-files".into(), "5".into()]
            },
            FIRES,
        ),
        (
            "a rule that sleeps",
            |d| {
                // Every rule of the shipped KB plus one that sleeps; the deadline stops it.
                let kb = d.join("kb");
                crate::common::copy_dir(&Path::new(crate::common::ROOT).join("kb"), &kb.join("kb"));
                crate::common::copy_dir(&Path::new(crate::common::ROOT).join("rules"), &kb.join("rules"));
                crate::common::copy_dir(
                    &Path::new(crate::common::ROOT).join("runbooks"),
                    &kb.join("runbooks"),
                );
                write(&kb.join("rules/zz/sleepy.yaml"), SLEEPY.as_bytes());
                let mut args = bundle_dir(d, &[(CONTROLLER, LEADERLESS.as_bytes())]);
                args.extend(["--kb".into(), s(&kb)]);
                args
            },
            Expect {
                code: 0,
                fires: Some(LEADER_RULE),
            },
        ),
        (
            "!digest of /dev/zero",
            |_| {
                vec![
                    "!digest".into(),
                    "/dev/zero".into(),
                    "--max-input-bytes".into(),
                    "10000000".into(),
                ]
            },
            INPUT_ERROR,
        ),
        (
            "!digest --per-line of /dev/zero",
            |_| {
                vec![
                    "!digest".into(),
                    "/dev/zero".into(),
                    "--per-line".into(),
                    "--max-input-bytes".into(),
                    "10000000".into(),
                ]
            },
            INPUT_ERROR,
        ),
    ]
}

const SLEEPY: &str = "id: zz.sleepy\ntitle: Sleeps\nstatus: test\nseverity: low\ndescription: Sleeps.\nscript: |\n  sleep(1000);\n  finding(#{ summary: \"woke\" })\n";

/// Every case: the exit code it should have, no panic or abort, no hang, nothing left in the
/// temp dir, nothing written but `-o`, and the finding it must still give.
#[test]
fn no_case_panics_hangs_leaks_or_writes_outside_the_output() {
    let cases = cases();
    assert!(cases.len() >= 35, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for (name, build, expect) in cases {
        let root = tempfile::tempdir().unwrap();
        let (dir, tmp, work) = (
            root.path().join("in"),
            root.path().join("tmp"),
            root.path().join("work"),
        );
        for d in [&dir, &tmp, &work] {
            std::fs::create_dir_all(d).unwrap();
        }
        let built = build(&dir);
        let out = work.join("case.json");
        let args: Vec<String> = match built.first().and_then(|a| a.strip_prefix('!')) {
            Some(command) => std::iter::once(command.to_owned())
                .chain(built[1..].iter().cloned())
                .collect(),
            None => {
                let mut a = vec!["analyze".to_owned()];
                a.extend(built);
                a.extend(["--format", "json", "-q", "-o"].map(String::from));
                a.push(s(&out));
                a
            }
        };
        let run = run_sandboxed(&args, &tmp, &work);
        let mut problems = Vec::new();
        if run.timed_out {
            problems.push("timed out".to_owned());
        }
        if matches!(run.code, Some(101) | Some(134) | None) {
            problems.push(format!("crashed ({:?})", run.code));
        }
        if run.code != Some(expect.code) {
            problems.push(format!("exit {:?}, expected {}", run.code, expect.code));
        }
        let left: Vec<_> = std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        if !left.is_empty() {
            problems.push(format!("left in the temp dir: {left:?}"));
        }
        let written: Vec<_> = std::fs::read_dir(&work)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != "case.json")
            .collect();
        if !written.is_empty() {
            problems.push(format!("wrote outside -o: {written:?}"));
        }
        if let Some(rule) = expect.fires {
            let fired = std::fs::read(&out)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|doc| {
                    doc["findings"]
                        .as_array()
                        .is_some_and(|f| f.iter().any(|f| f["rule"] == rule))
                });
            if !fired {
                problems.push(format!("{rule} did not fire"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}: {}\n    stderr: {}",
                problems.join("; "),
                run.stderr.trim()
            ));
        }
        let _ = run.stdout;
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn analyze(args: &[String]) -> (i32, serde_json::Value, String) {
    let out = Command::new(binary())
        .arg("analyze")
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn skipped(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["bundle"]["skipped"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s["path"].as_str().unwrap_or_default().to_owned(),
                        s["reason"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn rules_fired(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .map(|a| a.iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// The reference bundle as a `.tar.gz`, with bad members appended after it and before it:
/// every finding of the reference bundle is still there.
#[test]
fn reference_findings_survive_bad_parts() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.tar.gz");
    tar_gz(&reference_bundle(), &clean);
    let (code, doc, stderr) = analyze(&[s(&clean)]);
    assert_eq!(code, 0, "{stderr}");
    let mut expected = rules_fired(&doc);
    expected.sort();
    assert!(!expected.is_empty());

    // The same members, with hostile ones around them.
    let mut members: Vec<(String, Vec<u8>)> = vec![
        ("nvlogs/x".into(), b"a file\n".to_vec()),
        (
            "nvlogs/x/under-a-file.log".into(),
            b"cannot be written\n".to_vec(),
        ),
        (format!("nvlogs/{}.log", "n".repeat(300)), b"too long\n".to_vec()),
        ("../escape.log".into(), b"x\n".to_vec()),
        ("nvlogs/zeros.log".into(), vec![0u8; 8 << 20]),
        ("nvlogs/utf16.log".into(), utf16(LEADERLESS, true, false)),
    ];
    for entry in walkdir::WalkDir::new(reference_bundle()).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(reference_bundle()).unwrap();
            members.push((
                format!("nvlogs/{}", rel.display()),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    // A second, empty copy of every member after the real one.
    let copies: Vec<(String, Vec<u8>)> = members[6..]
        .iter()
        .map(|(n, _)| (n.clone(), Vec::new()))
        .collect();
    members.extend(copies);
    members.push(("nvlogs/y".into(), b"file\n".to_vec()));
    members.push(("nvlogs/y/z.log".into(), b"under a file\n".to_vec()));
    let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let hostile = dir.path().join("hostile.tar.gz");
    std::fs::write(&hostile, gz(&tar_of(&refs))).unwrap();
    let (code, doc, stderr) = analyze(&[s(&hostile)]);
    assert_eq!(code, 0, "{stderr}");
    let fired = rules_fired(&doc);
    for rule in &expected {
        assert!(
            fired.contains(rule),
            "{rule} lost; fired: {fired:?}; skipped: {:#?}",
            skipped(&doc)
        );
    }
    let reasons = skipped(&doc);
    let has = |path: &str, why: &str| reasons.iter().any(|(p, r)| p.contains(path) && r.contains(why));
    assert!(has("under-a-file.log", "cannot be written"), "{reasons:#?}");
    assert!(has("nnnn", "cannot be written"), "{reasons:#?}");
    assert!(has("pods.txt", "duplicate member name"), "{reasons:#?}");
    assert!(has("escape.log", "leaves the archive"), "{reasons:#?}");
}

/// A zip bomb and a tar.gz bomb are cut at the ratio limit, and the cut is reported with the
/// flag that raises it; the extraction stays small.
#[test]
fn bombs_are_cut_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; 64 << 20];
    for (name, bytes) in [
        (
            "b.zip",
            zip_of(&[("zeros.log", &zeros), (CONTROLLER, LEADERLESS.as_bytes())]),
        ),
        (
            "b.tar.gz",
            gz(&tar_of(&[
                ("zeros.log", &zeros),
                (CONTROLLER, LEADERLESS.as_bytes()),
            ])),
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let (code, doc, stderr) = analyze(&[s(&p)]);
        assert_eq!(code, 0, "{stderr}");
        assert!(rules_fired(&doc).contains(&LEADER_RULE.to_owned()));
        let reasons = skipped(&doc);
        assert!(
            reasons
                .iter()
                .any(|(p, r)| p.ends_with("zeros.log") && r.contains("--max-ratio")),
            "{name}: {reasons:#?}"
        );
        // The total limit, set low, stops it as well. When the limit leaves only the binary
        // part of the zeros (the tar's order), nothing is readable: exit 2, the limit listed.
        let (code, doc, stderr) = analyze(&[
            s(&p),
            "--max-ratio".into(),
            "100000".into(),
            "--max-extract-bytes".into(),
            "1000000".into(),
        ]);
        if code == 2 {
            assert!(
                stderr.contains("nothing in the bundle can be read")
                    && stderr.contains("--max-extract-bytes"),
                "{name}: {stderr}"
            );
        } else {
            assert!(
                skipped(&doc)
                    .iter()
                    .any(|(_, r)| r.contains("--max-extract-bytes")),
                "{name}: {:#?}",
                skipped(&doc)
            );
        }
    }
}

/// Each limit names its flag in the appendix.
#[test]
fn limits_are_reported_with_their_flag() {
    let dir = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..20).map(|i| format!("m{i:02}.log")).collect();
    let mut members: Vec<(&str, &[u8])> = vec![(CONTROLLER, LEADERLESS.as_bytes())];
    members.extend(names.iter().map(|n| (n.as_str(), &b"x\n"[..])));
    let z = dir.path().join("b.zip");
    std::fs::write(&z, zip_of(&members)).unwrap();
    let (_, doc, _) = analyze(&[s(&z), "--max-members".into(), "5".into()]);
    assert!(skipped(&doc).iter().any(|(_, r)| r.contains("--max-members")));
    let (_, doc, _) = analyze(&[s(&z), "--max-files".into(), "5".into()]);
    assert!(skipped(&doc).iter().any(|(_, r)| r.contains("--max-files")));
    let nested = dir.path().join("n.tar.gz");
    let inner = gz(&leaderless_tar());
    std::fs::write(
        &nested,
        gz(&tar_of(&[("inner.tar.gz", &inner), ("top.log", b"x\n")])),
    )
    .unwrap();
    let (_, doc, _) = analyze(&[s(&nested), "--max-nesting".into(), "1".into()]);
    assert!(skipped(&doc).iter().any(|(_, r)| r.contains("--max-nesting")));
}

/// 11,000 ordinary files: `bundle.files()` stays within the sandbox's limits and the
/// leaderless rule, which reads it, still fires.
#[test]
fn eleven_thousand_files_do_not_break_bundle_files() {
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("bundle");
    write(&b.join(CONTROLLER), LEADERLESS.as_bytes());
    for i in 0..11_000 {
        write(
            &b.join(format!(
                "pods/namespace-{:03}/some-rather-long-pod-name-{i:05}-abcdef.log",
                i % 100
            )),
            b"2024-06-01T09:00:00.000Z [INFO] hello\n",
        );
    }
    let (code, doc, stderr) = analyze(&[s(&b)]);
    assert_eq!(code, 0, "{stderr}");
    let failed: Vec<&serde_json::Value> = doc["appendix"]["rules"]
        .as_array()
        .map(|a| a.iter().filter(|o| o["status"] == "failed").collect())
        .unwrap_or_default();
    assert!(
        rules_fired(&doc).contains(&LEADER_RULE.to_owned()),
        "failed rules: {failed:#?}"
    );
}

/// A rule that reuses another rule's id fails the load (exit 3), naming both files.
#[test]
fn a_rule_id_clash_fails_the_load() {
    let rule = |title: &str| {
        format!("id: t.same\ntitle: {title}\nstatus: test\nseverity: low\ndescription: x.\nsignatures:\n  - id: s\n    regex: 'No cluster leader'\n")
    };
    let s = crate::common::Scenario::new()
        .kb_file("rules/a/first.yaml", &rule("First"))
        .kb_file("rules/b/second.yaml", &rule("Second"))
        .log(CONTROLLER, LEADERLESS);
    let out = s.run(&["analyze", "{bundle}", "--format", "json", "-q"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(
        out.stderr.contains("rules/a/first.yaml") && out.stderr.contains("rules/b/second.yaml"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("duplicate rule id `t.same`"),
        "{}",
        out.stderr
    );
    let check = s.run(&["kb", "check"]);
    assert_eq!(check.code, 3, "{}", check.stderr);
}

/// `sleep` is refused (it would hold the deadline off), and the budget for all rules stops
/// the rest when spent: both in `analyze` and in `rule test`.
#[test]
fn sleep_is_refused_and_the_rule_budget_holds() {
    let s = crate::common::Scenario::new()
        .kb_file("rules/zz/sleepy.yaml", SLEEPY)
        .log(CONTROLLER, LEADERLESS);
    let started = Instant::now();
    let out = s.run(&["analyze", "{bundle}", "--format", "json", "-q"]);
    assert!(
        started.elapsed() < Duration::from_secs(100),
        "sleep(1000) was not stopped"
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("document");
    let outcome = doc["appendix"]["rules"]
        .as_array()
        .and_then(|a| a.iter().find(|o| o["rule"] == "zz.sleepy").cloned())
        .unwrap_or_default();
    assert_eq!(outcome["status"], "failed", "{outcome:#}");
    assert!(
        outcome["reason"].as_str().unwrap_or_default().contains("sleep"),
        "{outcome:#}"
    );

    let test_rule = "id: zz.sleepy\ntitle: Sleeps\nstatus: test\nseverity: low\ndescription: Sleeps.\nscript: |\n  sleep(1000);\n  finding(#{ summary: \"woke\" })\ntests:\n  - name: wakes\n    expect: match\n    files:\n      a.log: \"x\"\n";
    let s = crate::common::Scenario::new().kb_file("rules/zz/sleepy.yaml", test_rule);
    let started = Instant::now();
    let out = s.run(&["rule", "test"]);
    assert!(started.elapsed() < Duration::from_secs(100), "rule test hung");
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("sleep"), "{}", out.stdout);

    // A budget of zero: no rule runs, each says why.
    let s = crate::common::Scenario::new()
        .shipped_rules()
        .log(CONTROLLER, LEADERLESS);
    let out = s.run(&[
        "analyze",
        "{bundle}",
        "--format",
        "json",
        "-q",
        "--rule-budget",
        "0",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("document");
    let rules = doc["appendix"]["rules"].as_array().cloned().unwrap_or_default();
    assert!(!rules.is_empty());
    assert!(
        rules
            .iter()
            .all(|o| o["reason"].as_str().unwrap_or_default().contains("--rule-budget")),
        "{rules:#?}"
    );
}

/// SIGTERM during an analysis removes the extracted bundle before the process exits.
#[test]
fn sigterm_removes_the_extracted_bundle() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    // Rules that each spin to their operations limit keep the run busy after extraction.
    let mut s = crate::common::Scenario::new();
    for i in 0..40 {
        s = s.kb_file(
            &format!("rules/spin/r{i:02}.yaml"),
            &format!("id: spin.r{i:02}\ntitle: Spins\nstatus: test\nseverity: low\ndescription: x.\nscript: |\n  let x = 0;\n  loop {{ x += 1; }}\n"),
        );
    }
    let archive = root.path().join("b.tar.gz");
    std::fs::write(&archive, gz(&leaderless_tar())).unwrap();
    let mut analyze = Command::new(binary());
    analyze
        .args(["analyze", &s_path(&archive), "--format", "json", "-q", "--kb"])
        .arg(s.kb());
    let status = signal_once_tmp_is_used(analyze, &tmp, "-TERM", Duration::from_millis(200));
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
}

/// Runs `command` with `TMPDIR=tmp`, sends it `signal` once something appears in `tmp` (and
/// `settle` later), and checks that nothing is left there when it has exited.
fn signal_once_tmp_is_used(
    mut command: Command,
    tmp: &Path,
    signal: &str,
    settle: Duration,
) -> std::process::ExitStatus {
    let mut child = command
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::fs::read_dir(tmp).unwrap().next().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing appeared in the temp dir"
        );
        assert!(child.try_wait().unwrap().is_none(), "finished before the signal");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(settle);
    let killed = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let left: Vec<_> = std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    status
}

fn s_path(p: &Path) -> String {
    p.display().to_string()
}

/// A bundle whose files are all binary has nothing to read: exit 2 like an empty bundle, each
/// file named with the reason.
#[test]
fn a_bundle_of_binary_files_exits_2_listing_why() {
    let dir = tempfile::tempdir().unwrap();
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0";
    let b = dir.path().join("b.tar.gz");
    std::fs::write(
        &b,
        gz(&tar_of(&[
            ("core.bin", elf),
            ("neuvector-controller-pod-1.log", elf),
        ])),
    )
    .unwrap();
    let (code, _, stderr) = analyze(&[s(&b)]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("nothing in the bundle can be read"), "{stderr}");
    for name in ["core.bin", "neuvector-controller-pod-1.log"] {
        assert!(
            stderr.lines().any(|l| l.contains(name) && l.contains("binary")),
            "{name}: {stderr}"
        );
    }
    // One readable log beside them and the analysis goes on.
    std::fs::write(
        &b,
        gz(&tar_of(&[("core.bin", elf), (CONTROLLER, LEADERLESS.as_bytes())])),
    )
    .unwrap();
    let (code, doc, stderr) = analyze(&[s(&b)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(rules_fired(&doc).contains(&LEADER_RULE.to_owned()));
}

/// `--max-line-bytes` sets the longest line matched whole; a longer one is matched on its
/// first part and the log's notes name the flag.
#[test]
fn the_line_limit_is_a_flag_reported_in_the_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = b"2024-06-01T09:00:00.000Z [INFO] ".to_vec();
    log.extend(std::iter::repeat_n(b'a', 20_000));
    log.push(b'\n');
    log.extend_from_slice(LEADERLESS.as_bytes());
    std::fs::write(dir.path().join(CONTROLLER), &log).unwrap();
    let notes = |doc: &serde_json::Value| -> Vec<String> {
        doc["logs"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["notes"].as_array().cloned().unwrap_or_default())
            .map(|n| n.as_str().unwrap().to_owned())
            .collect()
    };
    let (code, doc, stderr) = analyze(&[s(dir.path())]);
    assert_eq!(code, 0, "{stderr}");
    assert!(notes(&doc).is_empty(), "{:?}", notes(&doc));
    let (code, doc, stderr) = analyze(&[s(dir.path()), "--max-line-bytes".into(), "8192".into()]);
    assert_eq!(code, 0, "{stderr}");
    let n = notes(&doc);
    assert!(
        n.iter()
            .any(|n| n.contains("--max-line-bytes") && n.contains("first at line 1")),
        "{n:?}"
    );
    // The lines after it are read whole and still fire.
    assert!(rules_fired(&doc).contains(&LEADER_RULE.to_owned()));
}

/// A zip whose central directory lists many entries pointing at one member's compressed data
/// (the overlapping-entries bomb): each byte range is extracted once, the others are reported
/// as overlapping, and the rest of the bundle is analysed.
#[test]
fn overlapping_zip_entries_are_extracted_once() {
    let mut text = String::new();
    let mut x: u64 = 7;
    while text.len() < 1 << 20 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push_str(&format!(
            "2024-06-01T09:00:00.000Z [INFO] filler request={:016x} took={}ms\n",
            x,
            x % 997
        ));
    }
    let copies = 200;
    let bytes = overlapping_zip(
        &[(CONTROLLER, LEADERLESS.as_bytes())],
        ("bomb.log", text.as_bytes()),
        copies,
    );
    let dir = tempfile::tempdir().unwrap();
    let z = dir.path().join("b.zip");
    std::fs::write(&z, &bytes).unwrap();
    let (code, doc, stderr) = analyze(&[s(&z)]);
    assert_eq!(code, 0, "{stderr}");
    assert!(rules_fired(&doc).contains(&LEADER_RULE.to_owned()));
    let reasons = skipped(&doc);
    let overlapping = reasons
        .iter()
        .filter(|(_, r)| r.contains("overlaps member") && r.contains("zip-bomb"))
        .count();
    assert_eq!(overlapping, copies - 1, "{reasons:#?}");
    // Only one copy was read: the lines of the logs are one copy's and the controller's, not
    // 200 copies'.
    let read: u64 = doc["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lines"].as_u64().unwrap_or(0))
        .sum();
    let one = text.lines().count() as u64;
    assert_eq!(read, one + 2, "lines read");
}

/// A zip of `members`, then one `shared` member whose compressed data `copies` central
/// directory entries (`copy-N.log`) all point at.
fn overlapping_zip(members: &[(&str, &[u8])], shared: (&str, &[u8]), copies: usize) -> Vec<u8> {
    fn u16le(v: &mut Vec<u8>, n: usize) {
        v.extend_from_slice(&u16::try_from(n).unwrap().to_le_bytes());
    }
    fn u32le(v: &mut Vec<u8>, n: usize) {
        v.extend_from_slice(&u32::try_from(n).unwrap().to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    let mut entries = 0;
    let local = |out: &mut Vec<u8>, name: &str, data: &[u8]| -> (usize, u32, usize, usize) {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).unwrap();
        let packed = enc.finish().unwrap();
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = out.len();
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        u16le(out, 20);
        u16le(out, 0);
        u16le(out, 8);
        u16le(out, 0);
        u16le(out, 0x21);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        u32le(out, packed.len());
        u32le(out, data.len());
        u16le(out, name.len());
        u16le(out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed);
        (offset, crc.sum(), packed.len(), data.len())
    };
    let mut entry =
        |central: &mut Vec<u8>, name: &str, (offset, crc, packed, size): (usize, u32, usize, usize)| {
            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            u16le(central, 20);
            u16le(central, 20);
            u16le(central, 0);
            u16le(central, 8);
            u16le(central, 0);
            u16le(central, 0x21);
            central.extend_from_slice(&crc.to_le_bytes());
            u32le(central, packed);
            u32le(central, size);
            u16le(central, name.len());
            u16le(central, 0);
            u16le(central, 0);
            u16le(central, 0);
            u16le(central, 0);
            u32le(central, 0);
            u32le(central, offset);
            central.extend_from_slice(name.as_bytes());
            entries += 1;
        };
    for (name, data) in members {
        let at = local(&mut out, name, data);
        entry(&mut central, name, at);
    }
    let at = local(&mut out, shared.0, shared.1);
    for i in 0..copies {
        entry(&mut central, &format!("copy-{i}.log"), at);
    }
    let cd_offset = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries);
    u16le(&mut out, entries);
    u32le(&mut out, central.len());
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    out
}

/// SIGINT during `rule test` removes the fixture bundles it wrote, as `analyze` removes its
/// extraction directory.
#[test]
fn sigint_removes_rule_test_fixtures() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    // Rules that spin to their deadline, each with a test that writes a fixture bundle.
    let mut s = crate::common::Scenario::new();
    for i in 0..20 {
        s = s.kb_file(
            &format!("rules/spin/r{i:02}.yaml"),
            &format!("id: spin.r{i:02}\ntitle: Spins\nstatus: test\nseverity: low\ndescription: x.\nscript: |\n  let x = 0;\n  loop {{ x += 1; }}\ntests:\n  - name: spins\n    expect: no_match\n    files:\n      a.log: \"x\"\n"),
        );
    }
    let mut rule_test = Command::new(binary());
    rule_test.args(["rule", "test", "--kb"]).arg(s.kb());
    let status = signal_once_tmp_is_used(rule_test, &tmp, "-INT", Duration::ZERO);
    assert_eq!(status.code(), Some(128 + 2), "{status:?}");
}

/// A knowledge base's template with nested loops that write nothing stops at
/// `--max-template-iterations` with an error naming the flag, instead of running for hours.
#[test]
fn nested_template_loops_are_bounded() {
    let s = crate::common::Scenario::new().shipped_rules().kb_file(
        "kb/templates/case.md.tera",
        "{% for a in range(end=100000) %}{% for b in range(end=100000) %}{% endfor %}{% endfor %}done\n",
    );
    let s = s.log(CONTROLLER, LEADERLESS);
    let out = s.run(&["analyze", "{bundle}", "-q", "--max-template-iterations", "300000"]);
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("--max-template-iterations"), "{}", out.stderr);
}
