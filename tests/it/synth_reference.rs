//! The NVSHAS-9810 reference bundle: generated files agree with the case notes and with the
//! committed fixture.

use std::io::Read;
use std::path::Path;

use casebook::synth::reference::{
    CONNECT_REQUESTS, CONTROLLER1_GZ, CONTROLLER1_RANGE, CONTROLLER2, CONTROLLER2_RANGE, CONTROLLER3,
    CONTROLLER3_RANGE, RPC_REJECTIONS,
};
use casebook::synth::write_reference_bundle;
use casebook::time::parse_iso_prefix;

fn read_text(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else {
        raw
    };
    String::from_utf8(bytes).expect("utf-8")
}

fn count(text: &str, needle: &str) -> usize {
    text.lines().filter(|l| l.contains(needle)).count()
}

fn check_log(text: &str, range: (&str, &str), name: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some(range.0), "{name}: first line");
    assert_eq!(lines.last().copied(), Some(range.1), "{name}: last line");
    assert!(text.ends_with('\n'), "{name}: ends with a newline");
    let mut last = i64::MIN;
    for (i, line) in lines.iter().enumerate() {
        if let Some((ts, _)) = parse_iso_prefix(line.as_bytes()) {
            assert!(
                ts.millis() >= last,
                "{name}:{}: time goes backwards: {line}",
                i + 1
            );
            last = ts.millis();
        }
    }
}

const FILES: [&str; 5] = [
    "pods.txt",
    "description.md",
    CONTROLLER1_GZ,
    CONTROLLER2,
    CONTROLLER3,
];

#[test]
fn reference_bundle_matches_the_case_notes_and_the_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    write_reference_bundle(tmp.path()).unwrap();
    let dir = tmp.path();

    let pods = read_text(&dir.join("pods.txt"));
    let rows: Vec<&str> = pods.lines().collect();
    assert!(rows[0].starts_with("NAME   "));
    assert_eq!(rows.len() - 1, 60, "the notes' table has 60 pods");
    assert!(rows.iter().all(|r| !r.trim().is_empty()));
    assert!(pods.contains(
        "neuvector-enforcer-pod-24526                         0/1     CrashLoopBackOff   1557 (3m33s ago)   25d\n"
    ));

    let c1 = read_text(&dir.join(CONTROLLER1_GZ));
    let c2 = read_text(&dir.join(CONTROLLER2));
    let c3 = read_text(&dir.join(CONTROLLER3));
    check_log(&c1, CONTROLLER1_RANGE, "controller #1");
    check_log(&c2, CONTROLLER2_RANGE, "controller #2");
    check_log(&c3, CONTROLLER3_RANGE, "controller #3");

    assert_eq!(count(&c1, "Receive connect request"), CONNECT_REQUESTS);
    assert_eq!(count(&c1, "rpc_max_conns_per_client exceeded"), RPC_REJECTIONS);
    assert_eq!(CONNECT_REQUESTS, 28_034);
    assert_eq!(RPC_REJECTIONS, 88_736);
    for quoted in [
        "2025-01-26T13:10:30|MON|Process ctrl exit status -1, pid=19402\n",
        "2025-01-26T13:09:16.163|INFO|CTL|system.(*SystemTools).CGroupMemoryStatReset: - threshold=4831838208 usage=109572907008\n",
        "2025-01-26T13:09:24.562Z [ERROR] agent.http: Request error: method=PUT url=/v1/agent/join/10.42.57.244 from=127.0.0.1:36218\n  error=\n  | 1 error occurred:\n  | \\t* Failed to join 10.42.57.244:18301: dial tcp 10.42.57.244:18301: connect: connection refused\n  | \n  \n2025-01-26T13:09:24.568|ERRO|CTL|cluster.(*consulMethod).Join: - error=Unexpected response code: 500 (1 error occurred:\n    * Failed to join 10.42.57.244:18301: dial tcp 10.42.57.244:18301: connect: connection refused\n\n) ip=10.42.57.244\n",
        "2025-02-02T22:20:02.759Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"\n2025-02-02T22:20:06.935Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:46317\n",
    ] {
        assert!(c1.contains(quoted), "controller #1 lacks {quoted:?}");
    }
    assert_eq!(count(&c1, "utils.PerfSnapshot"), 3);
    assert_eq!(count(&c1, "Process ctrl exit"), 1);
    assert_eq!(count(&c1, "Queue full"), 0);
    assert!(count(&c2, "error=Queue full") > 100);

    // The committed fixture is exactly what the generator writes.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bundles/nvshas-9810");
    for name in FILES {
        assert!(
            read_text(&dir.join(name)) == read_text(&fixture.join(name)),
            "{name} differs from the committed fixture: rerun `cargo run --example synth_reference`"
        );
    }
    // And generation is byte-for-byte repeatable, the gzip header included.
    let again = tempfile::tempdir().unwrap();
    write_reference_bundle(again.path()).unwrap();
    for name in FILES {
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            std::fs::read(again.path().join(name)).unwrap(),
            "{name} is not reproducible"
        );
    }
}
