//! Bundles in every shape a customer sends, and bad input: archives, rotated `.gz` logs, corrupt
//! members, paths that try to leave the extraction directory, links, invalid UTF-8 and huge
//! lines. Nothing stops the analysis; what was skipped is reported.

use std::io::Write;

use crate::common::{analyze_json, casebook};

const LEADERLESS: &str =
    "2024-06-01T10:00:00.000Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n\
2024-06-01T10:30:00.000Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n";

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn rules_fired(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

fn skipped(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["bundle"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn rotated_gz_log_inside_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("bundle.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("logs/neuvector-controller-pod-1.log.1.gz", opts)
        .unwrap();
    zip.write_all(&gz(LEADERLESS.as_bytes())).unwrap();
    zip.finish().unwrap();
    let doc = analyze_json(&zip_path, &[]);
    assert!(rules_fired(&doc).contains(&"nv.consul.leaderless".to_owned()));
    let files = doc["bundle"]["files"].as_array().unwrap();
    assert_eq!(files[0]["path"], "logs/neuvector-controller-pod-1.log.1.gz");
    assert_eq!(files[0]["kind"], "controller-log");
}

#[test]
fn zip_member_escaping_the_extraction_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("evil.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("../../escaped.log", opts).unwrap();
    zip.write_all(b"oops\n").unwrap();
    zip.start_file("neuvector-controller-pod-1.log", opts).unwrap();
    zip.write_all(LEADERLESS.as_bytes()).unwrap();
    zip.finish().unwrap();
    let doc = analyze_json(&zip_path, &[]);
    assert!(!dir.path().join("../escaped.log").exists());
    assert!(
        skipped(&doc)
            .iter()
            .any(|(p, r)| p.contains("escaped.log") && r.contains("leaves the archive")),
        "{:?}",
        skipped(&doc)
    );
    assert!(rules_fired(&doc).contains(&"nv.consul.leaderless".to_owned()));
}

#[test]
fn truncated_tar_gz_keeps_what_could_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("neuvector-controller-pod-1.log"), LEADERLESS).unwrap();
    let big: String = (0..20000)
        .map(|i| format!("2024-06-01T11:00:00.000|INFO|CTL|rest.(*x).y: line {i} of noise\n"))
        .collect();
    std::fs::write(src.join("zz-neuvector-enforcer-pod-2.log"), big).unwrap();
    let archive = dir.path().join("b.tar.gz");
    crate::common::tar_gz(&src, &archive);
    let bytes = std::fs::read(&archive).unwrap();
    let cut = dir.path().join("cut.tar.gz");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let doc = analyze_json(&cut, &[]);
    assert!(rules_fired(&doc).contains(&"nv.consul.leaderless".to_owned()));
    assert!(!skipped(&doc).is_empty(), "the truncation is reported");
}

#[cfg(unix)]
#[test]
fn links_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("secret.log");
    std::fs::write(&outside, LEADERLESS).unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::os::unix::fs::symlink(&outside, bundle.join("neuvector-controller-pod-1.log")).unwrap();
    // Something readable besides the link: a bundle with nothing to read is an input error.
    std::fs::write(bundle.join("notes.txt"), "case notes\n").unwrap();
    let doc = analyze_json(&bundle, &[]);
    assert!(rules_fired(&doc).is_empty());
    assert!(skipped(&doc).iter().any(|(_, r)| r.contains("link")));
}

#[test]
fn invalid_utf8_and_a_huge_line_do_not_stop_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = Vec::new();
    log.extend_from_slice(b"2024-06-01T09:59:00.000|INFO|CTL|x.y: bad bytes \xff\xfe here\n");
    log.extend_from_slice(b"2024-06-01T09:59:01.000|INFO|CTL|x.y: ");
    log.extend(std::iter::repeat_n(b'a', 3 * 1024 * 1024));
    log.push(b'\n');
    log.extend_from_slice(LEADERLESS.as_bytes());
    std::fs::write(dir.path().join("neuvector-controller-pod-1.log"), &log).unwrap();
    let doc = analyze_json(dir.path(), &[]);
    assert!(rules_fired(&doc).contains(&"nv.consul.leaderless".to_owned()));
    let f = finding_lines(&doc);
    assert_eq!(f, vec![3, 4], "line numbers count the long line once");
}

fn finding_lines(doc: &serde_json::Value) -> Vec<u64> {
    crate::common::finding(doc, "nv.consul.leaderless")["evidence"][0]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

#[test]
fn missing_bundle_is_an_input_error() {
    let out = casebook()
        .args(["analyze", "/nonexistent/bundle", "-q"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/bundle"), "{err}");
}

#[test]
fn output_goes_only_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("neuvector-controller-pod-1.log"), LEADERLESS).unwrap();
    // Beside the bundle, not in it: a document inside the bundle folder is refused
    // (hostile_security::output_over_an_input_is_refused_and_the_input_kept).
    let out_dir = tempfile::tempdir().unwrap();
    let out_path = out_dir.path().join("case.md");
    let out = casebook()
        .arg("analyze")
        .arg(dir.path())
        .arg("-q")
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&out_path)
        .unwrap()
        .contains("### Findings"));
}

/// `casebook digest` reads one log from a pipe (`/dev/stdin`), and says so when a bundle holds
/// no log it knows instead of printing nothing.
#[test]
fn digest_reads_a_pipe_and_refuses_a_bundle_without_logs() {
    let mut log = String::new();
    for i in 0..300 {
        log.push_str(&format!(
            "2025-01-26T13:{:02}:{:02}.100Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n",
            i / 60,
            i % 60
        ));
    }
    let out = casebook()
        .args(["digest", "/dev/stdin"])
        .write_stdin(log)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("300 lines, 1 templates"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "no logs here\n").unwrap();
    let out = casebook().arg("digest").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no log file of a kind the knowledge base knows"));
}

/// Pod logs in the container runtime's format (`/var/log/pods`: `<time> stderr F <line>`) are
/// read as what the program wrote: a signature anchored at the start of the line still matches.
#[test]
fn container_runtime_log_lines_match_anchored_signatures() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::write_files(
        dir.path(),
        &[(
            "app/cl-controlplane-6b8f9c7d4-r5t6y.log",
            "2023-10-29T16:48:02.100000000Z stdout F starting control plane\n\
             2023-10-29T16:49:02.741291742Z stderr F fatal error: concurrent map writes\n\
             2023-10-29T16:49:02.741291742Z stderr F \n\
             2023-10-29T16:49:02.741291742Z stderr F goroutine 182 [running]:\n\
             2023-10-29T16:50:02.741291742Z stderr F fatal error: concurrent map writes\n",
        )],
    );
    let doc = crate::common::analyze_json(dir.path(), &[]);
    let fatal = crate::common::finding(&doc, "go.fatal-error");
    assert_eq!(fatal["params"]["aborts"], 2, "{fatal:#}");
    assert_eq!(fatal["first_time"], "2023-10-29T16:49:02.741Z", "{fatal:#}");
}

/// An event listing is read as a table and its messages by the signatures too: a webhook's
/// certificate error that exists only in the events (kubectl#1307) is found.
#[test]
fn event_messages_are_read_by_the_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let line = "Warning   FailedCreate   replicaset/app-7d9f8c6b5   Error creating: Internal error occurred: failed calling webhook \"namespace.sidecar-injector.istio.io\": failed to call webhook: Post \"https://istiod.istio-system.svc:443/inject?timeout=10s\": x509: certificate has expired or is not yet valid: current time 2022-10-17T12:39:46+02:00 is before 2022-10-17T11:53:00Z\n";
    let mut events =
        String::from("LAST SEEN   TYPE      REASON         OBJECT                     MESSAGE\n");
    for ago in ["2m", "3m", "5m"] {
        events.push_str(&format!("{ago:<12}{line}"));
    }
    crate::common::write_files(dir.path(), &[("events.txt", events.as_str())]);
    let doc = analyze_json(dir.path(), &[]);
    let x509 = crate::common::finding(&doc, "go.x509-validity");
    assert!(
        x509["summary"].as_str().unwrap().contains("not yet valid"),
        "{x509:#}"
    );
    assert!(
        x509["summary"].as_str().unwrap().contains("on untimed lines"),
        "{x509:#}"
    );
}

/// The lines of `kubectl logs --timestamps` and `--prefix` are read as the program wrote them:
/// `^panic:` matches behind the time, and the time is the line's.
#[test]
fn kubectl_timestamps_and_prefixes_hide_no_anchored_line() {
    let dir = tempfile::tempdir().unwrap();
    crate::common::write_files(
        dir.path(),
        &[
            (
                "k6-operator-controller-manager-7d9f8c6b5-x2k4p.log",
                "2022-06-30T11:07:02.003000123Z starting manager\n\
                 2022-06-30T11:08:02.003000123Z panic: runtime error: index out of range [0] with length 0 [recovered]\n\
                 2022-06-30T11:08:02.003100123Z goroutine 312 [running]:\n\
                 2022-06-30T11:10:02.003000123Z panic: runtime error: index out of range [0] with length 0 [recovered]\n",
            ),
            (
                "prefixed.log",
                "[pod/web-7d9f8c6b5-q8w2e/web] 2022-06-30T12:00:00Z fatal error: concurrent map writes\n\
                 [pod/web-7d9f8c6b5-q8w2e/web] 2022-06-30T12:05:00Z fatal error: concurrent map writes\n",
            ),
        ],
    );
    let doc = analyze_json(dir.path(), &[]);
    let panic = crate::common::finding(&doc, "go.panic");
    assert_eq!(panic["params"]["panics"], 2, "{panic:#}");
    assert_eq!(
        panic["params"]["component"], "k6-operator-controller-manager",
        "{panic:#}"
    );
    assert_eq!(panic["first_time"], "2022-06-30T11:08:02.003Z", "{panic:#}");
    let fatal = crate::common::finding(&doc, "go.fatal-error");
    assert_eq!(fatal["params"]["aborts"], 2, "{fatal:#}");
    assert_eq!(fatal["first_time"], "2022-06-30T12:00:00.000Z", "{fatal:#}");
}

/// klog lines print no year: they take the year their file was written (an archive member's
/// own time), so a refusal that lasts 25 minutes in a kube-apiserver log is sustained, not
/// untimed. Go's `YYYY/MM/DD` and JSON `time` fields are read too.
#[test]
fn yearless_and_json_times_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut klog = String::new();
    for minute in 0..26 {
        klog.push_str(&format!(
            "E1103 18:{minute:02}:07.208359       1 reflector.go:138] failed to list: dial tcp 10.43.12.7:5432: connect: connection refused\n"
        ));
    }
    let mut slashed = String::new();
    for minute in 0..3 {
        slashed.push_str(&format!(
            "2022/11/14 14:{minute:02}:53 Error: failed to create FS watcher: too many open files\n"
        ));
    }
    let bundle = dir.path().join("bundle.tar.gz");
    {
        let file = std::fs::File::create(&bundle).unwrap();
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, text) in [
            ("logs/kube-apiserver-node1.log", klog.as_str()),
            ("logs/watcher.log", slashed.as_str()),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            // 2021-11-05T09:00:00Z: the member was written two days after the lines.
            header.set_mtime(1_636_102_800);
            header.set_cksum();
            tar.append_data(&mut header, name, text.as_bytes()).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }
    let doc = analyze_json(&bundle, &[]);
    let refused = crate::common::finding(&doc, "k8s.service.connection-refused");
    assert_eq!(refused["severity"], "high", "{refused:#}");
    assert_eq!(refused["first_time"], "2021-11-03T18:00:07.208Z", "{refused:#}");
    let emfile = crate::common::finding(&doc, "go.too-many-open-files");
    assert_eq!(emfile["first_time"], "2022-11-14T14:00:53.000Z", "{emfile:#}");
}

/// Docker's json-file logs: the program's line is the `log` field, so `^panic:` matches and
/// the message ends where the line did, and the record's `time` is the line's time.
#[test]
fn docker_json_file_lines_are_read_as_the_program_wrote_them() {
    let dir = tempfile::tempdir().unwrap();
    let line = |time: &str| {
        format!(r#"{{"log":"panic: assignment to entry in nil map\n","stream":"stderr","time":"{time}"}}"#)
    };
    let log = format!(
        "{}\n{}\n{}\n",
        line("2021-11-03T18:28:07.208526256Z"),
        r#"{"log":"goroutine 1 [running]:\n","stream":"stderr","time":"2021-11-03T18:28:07.208626256Z"}"#,
        line("2021-11-03T18:31:07.208526256Z"),
    );
    crate::common::write_files(
        dir.path(),
        &[("containers/app-7d9f8c6b5-x2k4p-json.log", log.as_str())],
    );
    let doc = analyze_json(dir.path(), &[]);
    let panic = crate::common::finding(&doc, "go.panic");
    assert_eq!(panic["params"]["panics"], 2, "{panic:#}");
    assert_eq!(
        panic["params"]["message"], "assignment to entry in nil map",
        "{panic:#}"
    );
    assert_eq!(panic["first_time"], "2021-11-03T18:28:07.208Z", "{panic:#}");
}
