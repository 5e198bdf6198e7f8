//! The benchmark bundle: a deterministic, arbitrarily large NeuVector bundle with storms
//! planted at known counts, written in a streaming fashion.
//!
//! `scale` 1.0 is about 100 MB of (uncompressed) logs spread over 3 controllers, 36
//! enforcers (some crash-looping, some with a rotated `.log.1.gz`), 2 scanners and a
//! manager. Every storm line carries a phrase that no other line carries, and the returned
//! [`BenchManifest`] says how many lines of each storm were written, so a scan of the bundle
//! can be checked against it.

use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::lines::{
    consul_prefix, kubectl_table, mon_prefix, ms_of, nv_prefix, push_ctl_background, push_hex,
    push_k8s_suffix, push_pod_ip, push_seconds, push_u64, push_uuid, LogSink, Rng, IMAGES,
};

/// Size and seed of a benchmark bundle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchOptions {
    /// 1.0 writes about 100 MB of logs; 0.01 about 1 MB; 10 about 1 GB.
    pub scale: f64,
    /// Equal seeds (and scales) give byte-identical bundles.
    pub seed: u64,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions { scale: 1.0, seed: 42 }
    }
}

/// One file of a benchmark bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenchFile {
    /// Path relative to the bundle directory.
    pub path: String,
    /// Uncompressed size.
    pub bytes: u64,
    /// Size on disk (smaller than `bytes` for `.gz` files).
    pub disk_bytes: u64,
    /// Physical lines (newline count).
    pub lines: u64,
}

/// How many lines of one storm were planted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StormCount {
    /// Short name of the storm.
    pub name: String,
    /// A phrase found on every planted line and on no other line of the bundle.
    pub needle: String,
    /// Lines containing `needle`, over all files (decompressed).
    pub lines: u64,
}

/// What [`write_bench_bundle`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchManifest {
    /// The seed used.
    pub seed: u64,
    /// The scale used.
    pub scale: f64,
    /// Every file written, `pods.txt` included, in a stable order.
    pub files: Vec<BenchFile>,
    /// Total uncompressed bytes.
    pub bytes: u64,
    /// Total bytes on disk.
    pub disk_bytes: u64,
    /// Total lines.
    pub lines: u64,
    /// Planted storms and their line counts.
    pub storms: Vec<StormCount>,
}

/// The storms: name, needle, lines at scale 1.
const STORMS: [(&str, &str, u64); 6] = [
    (
        "connect_request",
        "cache.AgentAdmissionRequest: Receive connect request",
        30_000,
    ),
    ("rpc_rejection", "rpc_max_conns_per_client exceeded", 80_000),
    ("no_cluster_leader", "No cluster leader", 15_000),
    ("queue_full", "error=Queue full", 20_000),
    (
        "go_panic",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        30,
    ),
    (
        "monitor_exit",
        "Process agent exit with non-recoverable return code",
        2_000,
    ),
];
const CONNECT: usize = 0;
const RPC: usize = 1;
const NO_LEADER: usize = 2;
const QUEUE_FULL: usize = 3;
const PANIC: usize = 4;
const MON_EXIT: usize = 5;

const ENFORCERS: usize = 36;
const CRASH_LOOPING: usize = 8;
const ROTATED_EVERY: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Controller(usize),
    Enforcer { crash: bool },
    Scanner,
    Manager,
}

/// A storm's share in one file, planted evenly between two points of the file's progress
/// (parts per million of its byte budget).
#[derive(Debug, Clone)]
struct Plant {
    storm: usize,
    total: u64,
    done: u64,
    from: u64,
    to: u64,
}

#[derive(Debug, Clone)]
struct FileSpec {
    name: String,
    kind: Kind,
    gzip: bool,
    budget: u64,
    start: i64,
    end: i64,
    plants: Vec<Plant>,
    long_lines: u32,
    bad_utf8: u32,
    stream: u64,
}

fn scaled(base: u64, scale: f64) -> u64 {
    ((base as f64 * scale).round() as u64).max(1)
}

/// Splits `total` by `weights`, the remainder going to the first share.
fn split(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u64 = weights.iter().sum();
    let mut shares: Vec<u64> = weights.iter().map(|w| total * w / sum).collect();
    shares[0] += total - shares.iter().sum::<u64>();
    shares
}

fn random_name(rng: &mut Rng, taken: &mut Vec<String>, stem: &str, n: usize) -> String {
    loop {
        let mut b = stem.as_bytes().to_vec();
        push_k8s_suffix(&mut b, rng, n);
        let name = String::from_utf8(b).expect("ascii");
        if !taken.contains(&name) {
            taken.push(name.clone());
            return name;
        }
    }
}

struct Plan {
    pods: String,
    files: Vec<FileSpec>,
    storm_totals: Vec<u64>,
}

fn plan(opts: &BenchOptions) -> Plan {
    let mut rng = Rng::derive(opts.seed, 0);
    let total = (opts.scale.max(0.0) * 100_000_000.0) as u64;
    let end = ms_of(2025, 3, 14, 10, 0, 0, 0);
    let week = 7 * 86_400_000;
    let start = end - week;
    let mut taken = Vec::new();
    let rs = random_name(&mut rng, &mut taken, "", 10);
    let ctl_names: Vec<String> = (0..3)
        .map(|_| {
            random_name(
                &mut rng,
                &mut taken,
                &format!("neuvector-controller-pod-{rs}-"),
                5,
            )
        })
        .collect();
    let enf_names: Vec<String> = (0..ENFORCERS)
        .map(|_| random_name(&mut rng, &mut taken, "neuvector-enforcer-pod-", 5))
        .collect();
    let scan_rs = random_name(&mut rng, &mut taken, "", 10);
    let scan_names: Vec<String> = (0..2)
        .map(|_| {
            random_name(
                &mut rng,
                &mut taken,
                &format!("neuvector-scanner-pod-{scan_rs}-"),
                5,
            )
        })
        .collect();
    let mgr_rs = random_name(&mut rng, &mut taken, "", 10);
    let mgr_name = random_name(
        &mut rng,
        &mut taken,
        &format!("neuvector-manager-pod-{mgr_rs}-"),
        5,
    );

    // The pod table.
    let mut rows: Vec<Vec<String>> = Vec::new();
    let row = |n: &str, r: &str, s: &str, re: String, age: &str| {
        vec![n.to_string(), r.to_string(), s.to_string(), re, age.to_string()]
    };
    for n in &ctl_names {
        rows.push(row(n, "1/1", "Running", "0".into(), "7d"));
    }
    let mut enf_sorted: Vec<(String, bool)> = enf_names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i < CRASH_LOOPING))
        .collect();
    enf_sorted.sort();
    for (n, crash) in &enf_sorted {
        if *crash {
            let restarts = format!(
                "{} ({}m{}s ago)",
                rng.range(200, 1600),
                rng.below(9),
                rng.below(60)
            );
            rows.push(row(n, "0/1", "CrashLoopBackOff", restarts, "7d"));
        } else if rng.chance(1, 2) {
            rows.push(row(n, "1/1", "Running", "0".into(), "7d"));
        } else {
            let restarts = format!("{} ({}d ago)", rng.range(1, 20), rng.range(1, 7));
            rows.push(row(n, "1/1", "Running", restarts, "7d"));
        }
    }
    rows.push(row(&mgr_name, "1/1", "Running", "0".into(), "7d"));
    for n in &scan_names {
        rows.push(row(n, "1/1", "Running", "0".into(), "15h"));
    }
    rows.sort();
    let pods = kubectl_table(&["NAME", "READY", "STATUS", "RESTARTS", "AGE"], &rows);

    // Byte budgets and storm shares.
    let storm_totals: Vec<u64> = STORMS.iter().map(|s| scaled(s.2, opts.scale)).collect();
    let mut files = Vec::new();
    let mut stream = 1;
    let mut spec = |name: String, kind: Kind, gzip: bool, budget: u64, start: i64, end: i64| {
        stream += 1;
        FileSpec {
            name,
            kind,
            gzip,
            budget,
            start,
            end,
            plants: Vec::new(),
            long_lines: 0,
            bad_utf8: 0,
            stream,
        }
    };
    let ctl_budget = split(total * 40 / 100, &[50, 27, 23]);
    let plant = |storm: usize, total: u64, from: u64, to: u64| Plant {
        storm,
        total,
        done: 0,
        from,
        to,
    };
    let connect = split(storm_totals[CONNECT], &[7, 3, 0]);
    let rpc = split(storm_totals[RPC], &[6, 0, 3]);
    let leader = split(storm_totals[NO_LEADER], &[4, 3, 3]);
    for (i, name) in ctl_names.iter().enumerate() {
        let mut f = spec(
            format!("{name}.log"),
            Kind::Controller(i),
            false,
            ctl_budget[i],
            start,
            end,
        );
        f.plants.push(plant(CONNECT, connect[i], 50_000, 400_000));
        let rpc_from = if i == 0 { 450_000 } else { 300_000 };
        f.plants.push(plant(RPC, rpc[i], rpc_from, 1_000_000));
        f.plants.push(plant(NO_LEADER, leader[i], 600_000, 1_000_000));
        if i == 1 {
            f.plants
                .push(plant(QUEUE_FULL, storm_totals[QUEUE_FULL], 620_000, 1_000_000));
        }
        f.plants.retain(|p| p.total > 0);
        f.long_lines = 1 + (ctl_budget[i] / 30_000_000) as u32;
        f.bad_utf8 = 1;
        files.push(f);
    }
    let enf_weights: Vec<u64> = (0..ENFORCERS).map(|_| rng.range(2, 7)).collect();
    let enf_budget = split(total * 48 / 100, &enf_weights);
    let panics = split(storm_totals[PANIC], &vec![1; ENFORCERS - CRASH_LOOPING]);
    let exits = split(storm_totals[MON_EXIT], &[1; CRASH_LOOPING]);
    for (i, name) in enf_names.iter().enumerate() {
        let crash = i < CRASH_LOOPING;
        let mut budget = enf_budget[i];
        if i % ROTATED_EVERY == 3 {
            let rotated = budget / 2;
            budget -= rotated;
            let mut f = spec(
                format!("{name}.log.1.gz"),
                Kind::Enforcer { crash },
                true,
                rotated,
                start - 3 * 86_400_000,
                start,
            );
            f.bad_utf8 = u32::from(i == 3);
            files.push(f);
        }
        let mut f = spec(
            format!("{name}.log"),
            Kind::Enforcer { crash },
            false,
            budget,
            start,
            end,
        );
        if crash {
            f.plants.push(plant(MON_EXIT, exits[i], 300_000, 1_000_000));
        } else {
            f.plants
                .push(plant(PANIC, panics[i - CRASH_LOOPING], 50_000, 950_000));
        }
        f.plants.retain(|p| p.total > 0);
        f.bad_utf8 = u32::from(i % 9 == 0);
        files.push(f);
    }
    let scan_budget = split(total * 10 / 100, &[1, 1]);
    for (i, name) in scan_names.iter().enumerate() {
        let mut f = spec(
            format!("{name}.log"),
            Kind::Scanner,
            false,
            scan_budget[i],
            end - 15 * 3_600_000,
            end,
        );
        f.long_lines = 1;
        files.push(f);
    }
    files.push(spec(
        format!("{mgr_name}.log"),
        Kind::Manager,
        false,
        total * 2 / 100,
        start,
        end,
    ));
    Plan {
        pods,
        files,
        storm_totals,
    }
}

/// State of one file being written.
struct Gen<'a> {
    rng: Rng,
    buf: Vec<u8>,
    sink: LogSink,
    spec: &'a FileSpec,
    ts: i64,
    ip: Vec<u8>,
    pid: u64,
    alternate: bool,
    long_done: u32,
    bad_done: u32,
}

const PROCS: &[&str] = &[
    "java",
    "nginx",
    "redis-server",
    "envoy",
    "pilot-agent",
    "python3",
    "node",
    "sh",
    "curl",
    "promtail",
];

impl Gen<'_> {
    fn ctl(&mut self, level: &str, body: &[u8]) {
        let module = match self.spec.kind {
            Kind::Controller(_) => "CTL",
            Kind::Scanner => "SCN",
            _ => "AGT",
        };
        nv_prefix(&mut self.buf, self.ts, level, module);
        self.buf.extend_from_slice(body);
        self.buf.push(b'\n');
    }

    fn consul(&mut self, body: &[u8]) {
        consul_prefix(&mut self.buf, self.ts, "ERROR");
        self.buf.extend_from_slice(body);
        self.buf.push(b'\n');
    }

    /// Moves the clock to a whole second, so a line stamped in seconds never looks older
    /// than the millisecond-stamped line before it.
    fn whole_second(&mut self) {
        self.ts = (self.ts + 999).div_euclid(1000) * 1000;
    }

    fn mon(&mut self, body: &[u8]) {
        self.whole_second();
        mon_prefix(&mut self.buf, self.ts);
        self.buf.extend_from_slice(body);
        self.buf.push(b'\n');
    }

    fn tick(&mut self, max_ms: u64) {
        self.ts += self.rng.below(max_ms + 1) as i64;
    }

    fn storm(&mut self, storm: usize) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        match storm {
            CONNECT => {
                nv_prefix(b, self.ts, "INFO", "CTL");
                b.extend_from_slice(b"cache.AgentAdmissionRequest: Receive connect request - host=q");
                // Each enforcer host keeps its machine uuid; the container id changes.
                let host = 1000 + rng.below(60) * 97;
                b.extend_from_slice(format!("{host:07}:").as_bytes());
                push_uuid(b, &mut Rng::new(host));
                b.extend_from_slice(b" id=");
                push_hex(b, rng, 64);
                b.push(b'\n');
            }
            RPC => {
                consul_prefix(b, self.ts, "ERROR");
                b.extend_from_slice(b"agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:");
                push_u64(b, rng.range(32_768, 61_000));
                b.push(b'\n');
            }
            NO_LEADER => {
                self.alternate = !self.alternate;
                if self.spec.kind == Kind::Controller(1) && self.alternate {
                    let key = *rng.pick(&["lock/policy", "lock/server", "lock/admission", "lock/fed"]);
                    nv_prefix(b, self.ts, "ERRO", "CTL");
                    b.extend_from_slice(b"kv.clusterHelper.AcquireLock: Acquire lock error - error=failed to create session: Unexpected response code: 500 (No cluster leader) key=");
                    b.extend_from_slice(key.as_bytes());
                    b.push(b'\n');
                } else {
                    self.consul(b"agent: Coordinate update error: error=\"No cluster leader\"");
                }
            }
            QUEUE_FULL => {
                let body: &[u8] = if self.buf.ends_with(b"auditQueue.Append - error=Queue full\n") {
                    b"rest.(*WebhookServer).validate: cacheAdmCtrlAudit - error=Queue full"
                } else {
                    b"rest.cacheAdmCtrlAudit: auditQueue.Append - error=Queue full"
                };
                self.ctl("ERRO", body);
            }
            PANIC => self.panic_block(),
            _ => self.crash_loop_block(),
        }
    }

    fn panic_block(&mut self) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        b.extend_from_slice(STORMS[PANIC].1.as_bytes());
        b.extend_from_slice(b"\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x");
        push_hex(b, rng, 2);
        b.extend_from_slice(b" pc=0x1c");
        push_hex(b, rng, 5);
        b.extend_from_slice(b"]\n\ngoroutine ");
        push_u64(b, rng.range(100, 90_000));
        b.extend_from_slice(b" [running]:\n");
        let frames: &[(&str, &str)] = &[
            (
                "agent/probe.(*Probe).processContainerAppPortChanges",
                "agent/probe/process.go",
            ),
            (
                "agent/probe.(*Probe).evaluateApplication",
                "agent/probe/process.go",
            ),
            (
                "agent/probe.(*Probe).handleProcessEvent",
                "agent/probe/netlink.go",
            ),
            ("agent/probe.(*Probe).loop", "agent/probe/probe.go"),
        ];
        for (func, file) in frames {
            b.extend_from_slice(b"github.com/neuvector/neuvector/");
            b.extend_from_slice(func.as_bytes());
            b.extend_from_slice(b"(0xc000");
            push_hex(b, rng, 6);
            b.extend_from_slice(b", 0xc0");
            push_hex(b, rng, 8);
            b.extend_from_slice(b")\n\t/src/");
            b.extend_from_slice(file.as_bytes());
            b.push(b':');
            push_u64(b, rng.range(40, 2600));
            b.extend_from_slice(b" +0x");
            push_hex(b, rng, 3);
            b.push(b'\n');
        }
        b.extend_from_slice(b"created by github.com/neuvector/neuvector/agent/probe.New in goroutine 1\n\t/src/agent/probe/probe.go:812 +0x3c5\n\ngoroutine 1 [chan receive, ");
        push_u64(b, rng.range(10, 9000));
        b.extend_from_slice(b" minutes]:\nmain.main()\n\t/src/agent/agent.go:1052 +0x2f1f\n");
        for _ in 0..rng.range(4, 30) {
            b.extend_from_slice(b"\ngoroutine ");
            push_u64(b, rng.range(2, 90_000));
            b.extend_from_slice(
                rng.pick(&[
                    " [select]:\n",
                    " [IO wait]:\n",
                    " [chan receive]:\n",
                    " [sync.Cond.Wait, 3 minutes]:\n",
                ])
                .as_bytes(),
            );
            for _ in 0..rng.range(2, 7) {
                let (func, file) = rng.pick(&[
                    (
                        "share/cluster.(*consulMethod).monitorLead",
                        "share/cluster/consul.go",
                    ),
                    ("agent/dp.dpReceiveLoop", "agent/dp/dp.go"),
                    ("share/utils.(*timerWheel).loop", "share/utils/timer.go"),
                    ("agent.(*agentService).conversation", "agent/service.go"),
                    ("internal/poll.(*FD).Read", "internal/poll/fd_unix.go"),
                ]);
                b.extend_from_slice(b"github.com/neuvector/neuvector/");
                b.extend_from_slice(func.as_bytes());
                b.extend_from_slice(b"(...)\n\t/src/");
                b.extend_from_slice(file.as_bytes());
                b.push(b':');
                push_u64(b, rng.range(40, 2600));
                b.extend_from_slice(b" +0x");
                push_hex(b, rng, 3);
                b.push(b'\n');
            }
        }
        self.tick(900);
        let pid = self.pid;
        self.mon(format!("Process agent exit status 2, signal 0, pid={pid}").as_bytes());
        self.mon(format!("Kill dp with signal 15, pid={}", pid + 1).as_bytes());
        self.tick(3_000);
        self.pid += self.rng.range(20, 400);
        let pid = self.pid;
        self.mon(format!("Start dp, pid={pid}").as_bytes());
        self.mon(format!("Start agent, pid={}", pid + 1).as_bytes());
    }

    fn crash_loop_block(&mut self) {
        self.pid += self.rng.range(1_000, 90_000);
        let pid = self.pid;
        let ip = String::from_utf8(self.ip.clone()).expect("ascii");
        self.mon(format!("/usr/local/bin/monitor starts, pid={pid}").as_bytes());
        self.buf
            .extend_from_slice(b"net.core.somaxconn = 1024\nCheck TC kernel module ...\n");
        self.tick(800);
        self.mon(format!("Start dp, pid={}", pid + 31).as_bytes());
        self.mon(format!("Start agent, pid={}", pid + 32).as_bytes());
        self.tick(900);
        self.ctl("INFO", b"main.main: START - version=v5.4.3");
        self.ctl("INFO", format!("main.main: - bind={ip}").as_bytes());
        self.tick(400);
        self.ctl(
            "INFO",
            format!("cluster.FillClusterAddrs: - advertise={ip} join=neuvector-svc-controller.neuvector")
                .as_bytes(),
        );
        self.ctl("INFO", format!("cluster.(*consulMethod).Start: Consul start - args=[agent -datacenter neuvector -data-dir /tmp/neuvector -config-file /tmp/consul.json -bind {ip} -advertise {ip} -node {ip} -retry-join 10.42.55.36]").as_bytes());
        for _ in 0..self.rng.range(2, 6) {
            self.tick(20_000);
            self.ctl("INFO", b"cluster.StartCluster: Wait for cluster leader");
        }
        self.ctl(
            "ERRO",
            b"main.main: Failed to start cluster. Exit! - error=Failed to locate leader",
        );
        self.tick(300);
        self.mon(format!("Process agent exit status 254, signal 0, pid={}", pid + 32).as_bytes());
        self.mon(b"Process agent exit with non-recoverable return code. Monitor Exit!!");
        self.mon(format!("Kill dp with signal 15, pid={}", pid + 31).as_bytes());
        self.buf.extend_from_slice(b"Leave the cluster\nError leaving: Put \"http://127.0.0.1:8500/v1/agent/leave\": dial tcp 127.0.0.1:8500: connect: connection refused\n");
        self.mon(b"Clean up.");
    }

    fn long_line(&mut self) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        let scanner = self.spec.kind == Kind::Scanner;
        nv_prefix(b, self.ts, "INFO", if scanner { "SCN" } else { "CTL" });
        let start = b.len();
        if scanner {
            b.extend_from_slice(b"main.(*rpcService).ScanImage: Scan result - report={Vuls:[");
        } else {
            b.extend_from_slice(b"rest.(*nvRestHandler).logRequest: - body={\"config\":{\"groups\":[");
        }
        while b.len() - start < 100_000 {
            if scanner {
                b.extend_from_slice(b"{Name:CVE-20");
                push_u64(b, rng.range(15, 26));
                b.push(b'-');
                push_u64(b, rng.range(1000, 60_000));
                b.extend_from_slice(b" Score:");
                push_u64(b, rng.below(10));
                b.extend_from_slice(b" PackageName:lib");
                push_hex(b, rng, 6);
                b.extend_from_slice(b" PackageVersion:1.");
                push_u64(b, rng.below(40));
                b.extend_from_slice(b"} ");
            } else {
                b.extend_from_slice(b"{\"name\":\"nv.ipdt-");
                push_hex(b, rng, 8);
                b.extend_from_slice(b".ipdt-prod\",\"criteria\":[{\"key\":\"service\",\"value\":\"svc-");
                push_hex(b, rng, 6);
                b.extend_from_slice(b"\",\"op\":\"=\"}],\"mode\":\"Monitor\"},");
            }
        }
        b.extend_from_slice(if scanner { b"]}\n" } else { b"{}]}}\n" });
    }

    fn bad_utf8_line(&mut self) {
        let kind = self.spec.kind;
        match kind {
            Kind::Controller(_) => self.ctl(
                "INFO",
                b"cache.workloadUpdate: Add - NVcontainer=k8s_caf\xe9-menu_ipdt-prod_0 name=caf\xe9-menu",
            ),
            _ => self.ctl(
                "WARN",
                b"probe.(*Probe).checkProcessProfile: Process profile violation - name=\xff\xfe\xc3 path=/tmp/.x/\xff",
            ),
        }
    }

    fn background(&mut self) {
        match self.spec.kind {
            Kind::Controller(_) => self.controller_line(),
            Kind::Enforcer { .. } => self.enforcer_line(),
            Kind::Scanner => self.scanner_line(),
            Kind::Manager => self.manager_line(),
        }
    }

    fn consul_join_block(&mut self) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        let mut peer = Vec::new();
        push_pod_ip(&mut peer, rng);
        let peer = String::from_utf8(peer).expect("ascii");
        consul_prefix(b, self.ts, "ERROR");
        b.extend_from_slice(
            format!(
                "agent.http: Request error: method=PUT url=/v1/agent/join/{peer} from=127.0.0.1:{}\n  error=\n  | 1 error occurred:\n  | \\t* Failed to join {peer}:18301: dial tcp {peer}:18301: connect: connection refused\n  | \n  \n",
                rng.range(32_768, 61_000)
            )
            .as_bytes(),
        );
        if self.spec.kind != (Kind::Enforcer { crash: true }) && self.rng.chance(1, 2) {
            self.ctl("ERRO", format!("cluster.(*consulMethod).Join: - error=Unexpected response code: 500 (1 error occurred:\n    * Failed to join {peer}:18301: dial tcp {peer}:18301: connect: connection refused\n\n) ip={peer}").as_bytes());
        }
    }

    fn consul_error(&mut self) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        consul_prefix(b, self.ts, "ERROR");
        match rng.below(5) {
            0 => b.extend_from_slice(b"agent.server: yamux: keepalive failed: i/o deadline reached"),
            1 => {
                b.extend_from_slice(b"agent.server: yamux: Failed to write header: write tcp 10.42.60.190:18300->");
                push_pod_ip(b, rng);
                b.push(b':');
                push_u64(b, rng.range(32_768, 61_000));
                b.extend_from_slice(b": use of closed network connection");
            }
            2 => b.extend_from_slice(b"agent.server: error performing anti-entropy sync of federation state: error=\"context canceled\""),
            3 => {
                b.extend_from_slice(b"agent.client: RPC failed to server: method=Catalog.Register server=");
                push_pod_ip(b, rng);
                b.extend_from_slice(b":18300 error=\"rpc error making call: EOF\"");
            }
            _ => b.extend_from_slice(b"agent.server.raft: failed to get log: index=1 error=\"log not found\""),
        }
        b.push(b'\n');
    }

    fn controller_line(&mut self) {
        let r = self.rng.below(1000);
        if r < 840 {
            nv_prefix(&mut self.buf, self.ts, "INFO", "CTL");
            push_ctl_background(&mut self.buf, &mut self.rng);
        } else if r < 900 {
            let (level, body): (&str, &[u8]) = *self.rng.pick(&[
                ("WARN", &b"rest.restRespError: - error=Object not found status=404"[..]),
                ("WARN", b"cache.(*uniConfHandler).sendConfig: - error=context deadline exceeded"),
                ("ERRO", b"rest.sendRestReqInternal: Failed to make request - err=EOF proxyOption=0 timeout=10s url=https://neuvector-svc-controller-fed-master:11443/v1/fed/ping_internal"),
                ("ERRO", b"scan.(*scanScheduler).taskFailed: Scan failed - error=Image not found retry=1"),
            ]);
            self.ctl(level, body);
        } else if r < 985 {
            self.consul_error();
        } else if r < 998 {
            self.consul_join_block();
        } else {
            self.ctl(
                "INFO",
                b"main.memoryPressureNotification: - rpt=&{Level:1 Stats:{WorkingSet:3221225472 Cache:402653184}}",
            );
        }
    }

    fn enforcer_line(&mut self) {
        let r = self.rng.below(1000);
        let rng = &mut self.rng;
        let b = &mut self.buf;
        if r < 820 {
            nv_prefix(b, self.ts, "INFO", "AGT");
            match rng.below(8) {
                0..=2 => {
                    b.extend_from_slice(b"probe.(*Probe).evaluateApplication: - group=nv.");
                    b.extend_from_slice(
                        rng.pick(&[
                            "order-service",
                            "billing-api",
                            "report-worker",
                            "istio-ingressgateway",
                        ])
                        .as_bytes(),
                    );
                    b.extend_from_slice(b".ipdt-prod name=");
                    b.extend_from_slice(rng.pick(PROCS).as_bytes());
                    b.extend_from_slice(b" pid=");
                    push_u64(b, rng.range(100, 4_000_000));
                }
                3 => {
                    b.extend_from_slice(b"main.taskAddContainer: - container=");
                    push_hex(b, rng, 64);
                }
                4 => {
                    b.extend_from_slice(b"main.taskStopContainer: - container=");
                    push_hex(b, rng, 64);
                    b.extend_from_slice(b" pid=");
                    push_u64(b, rng.range(100, 4_000_000));
                }
                5 => {
                    b.extend_from_slice(b"policy.(*Engine).UpdateNetworkPolicy: - count=");
                    push_u64(b, rng.range(10, 3000));
                    b.extend_from_slice(b" version=");
                    push_u64(b, rng.range(1000, 99_999));
                }
                6 => {
                    b.extend_from_slice(b"fsmon.(*FileWatch).StartWatch: - id=");
                    push_hex(b, rng, 64);
                    b.extend_from_slice(b" pid=");
                    push_u64(b, rng.range(100, 4_000_000));
                }
                _ => {
                    b.extend_from_slice(b"main.statsTimerLoop: - cpu=");
                    push_u64(b, rng.below(100));
                    b.extend_from_slice(b" memory=");
                    push_u64(b, rng.range(200_000_000, 900_000_000));
                }
            }
            b.push(b'\n');
        } else if r < 900 {
            self.whole_second();
            let b = &mut self.buf;
            let rng = &mut self.rng;
            push_seconds(b, self.ts);
            b.extend_from_slice(b"|DEBU|dp0|dpi_session_log: sess=");
            push_u64(b, rng.range(1, 1_000_000));
            b.extend_from_slice(b" ");
            push_pod_ip(b, rng);
            b.extend_from_slice(b" -> ");
            push_pod_ip(b, rng);
            b.extend_from_slice(b" action=allow\n");
        } else if r < 940 {
            nv_prefix(b, self.ts, "WARN", "AGT");
            b.extend_from_slice(b"probe.(*Probe).checkProcessProfile: Process profile violation - name=");
            let p = rng.pick(PROCS);
            b.extend_from_slice(p.as_bytes());
            b.extend_from_slice(b" path=/usr/bin/");
            b.extend_from_slice(p.as_bytes());
            b.push(b'\n');
        } else if r < 990 {
            self.consul_error();
        } else if r < 997 {
            self.consul_join_block();
        } else {
            self.tick(2_000);
            let count = self.rng.range(1, 4);
            let hb = self.rng.range(1000, 90_000);
            self.mon(format!("dp0 heartbeat miss count={count} hb={hb}").as_bytes());
        }
    }

    fn scanner_line(&mut self) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        nv_prefix(b, self.ts, "INFO", "SCN");
        match rng.below(10) {
            0..=3 => {
                b.extend_from_slice(b"main.(*rpcService).ScanImage: - image=");
                b.extend_from_slice(rng.pick(IMAGES).as_bytes());
            }
            4..=6 => {
                b.extend_from_slice(b"cvetools.(*ScanTools).ScanImageData: Scan image done - image=");
                b.extend_from_slice(rng.pick(IMAGES).as_bytes());
                b.extend_from_slice(b" layers=");
                push_u64(b, rng.range(3, 30));
                b.extend_from_slice(b" vuls=");
                push_u64(b, rng.below(300));
            }
            7 => {
                b.extend_from_slice(b"cvetools.(*ScanTools).getImageLayers: layer cached - layer=sha256:");
                push_hex(b, rng, 64);
            }
            8 => {
                b.extend_from_slice(b"main.scannerRegister: Scanner registered - controller=");
                push_pod_ip(b, rng);
                b.extend_from_slice(b" id=");
                push_hex(b, rng, 64);
            }
            _ => {
                b.extend_from_slice(b"common.LoadCveDb: Expand new DB - version=3.");
                push_u64(b, rng.range(700, 800));
            }
        }
        b.push(b'\n');
    }

    fn manager_line(&mut self) {
        let rng = &mut self.rng;
        let b = &mut self.buf;
        let (y, mo, d, h, mi, s, ms) = super::lines::civil(self.ts);
        b.extend_from_slice(
            format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02},{ms:03}|INFO |MANAGER|").as_bytes(),
        );
        match rng.below(3) {
            0 => b.extend_from_slice(b"com.neu.client.RestClient$(apply:71): GET https://neuvector-svc-controller.neuvector:10443/v1/scan/status"),
            1 => b.extend_from_slice(b"com.neu.api.AuthenticationService(login:112): user admin logged in"),
            _ => {
                b.extend_from_slice(b"com.neu.client.RestClient$(apply:71): GET https://neuvector-svc-controller.neuvector:10443/v1/workload?start=0&limit=");
                push_u64(b, rng.range(50, 500));
            }
        }
        b.push(b'\n');
    }

    /// Writes the file; returns the storm counts planted per storm.
    fn run(mut self) -> io::Result<(BenchFile, Vec<u64>)> {
        const FLUSH: usize = 1 << 16;
        let spec = self.spec;
        let budget = spec.budget.max(1);
        let span = spec.end - spec.start;
        let mut plants = spec.plants.clone();
        loop {
            let written = self.sink.bytes() + self.buf.len() as u64;
            let p = (u128::from(written) * 1_000_000 / u128::from(budget)).min(1_000_000) as u64;
            let target = spec.start + (i128::from(span) * i128::from(p) / 1_000_000) as i64;
            self.ts = self.ts.max(target - self.rng.below(400) as i64);
            let due = plants.iter().position(|pl| {
                p >= pl.from
                    && pl.done
                        < if p >= pl.to {
                            pl.total
                        } else {
                            pl.total * (p - pl.from) / (pl.to - pl.from)
                        }
            });
            if let Some(i) = due {
                plants[i].done += 1;
                self.storm(plants[i].storm);
            } else if written >= budget {
                break;
            } else if self.long_done < spec.long_lines
                && p >= 1_000_000 * u64::from(self.long_done + 1) / u64::from(spec.long_lines + 1)
            {
                self.long_done += 1;
                self.long_line();
            } else if self.bad_done < spec.bad_utf8
                && p >= 1_000_000 * u64::from(self.bad_done + 1) / u64::from(spec.bad_utf8 + 1)
            {
                self.bad_done += 1;
                self.bad_utf8_line();
            } else {
                self.background();
            }
            if self.buf.len() >= FLUSH {
                self.sink.write(&self.buf)?;
                self.buf.clear();
            }
        }
        self.sink.write(&self.buf)?;
        let stats = self.sink.finish()?;
        let mut counts = vec![0; STORMS.len()];
        for pl in &plants {
            counts[pl.storm] += pl.done;
        }
        Ok((
            BenchFile {
                path: spec.name.clone(),
                bytes: stats.bytes,
                disk_bytes: stats.disk_bytes,
                lines: stats.lines,
            },
            counts,
        ))
    }
}

fn write_file(dir: &Path, spec: &FileSpec, seed: u64) -> io::Result<(BenchFile, Vec<u64>)> {
    let mut rng = Rng::derive(seed, spec.stream);
    let mut ip = Vec::new();
    push_pod_ip(&mut ip, &mut rng);
    let pid = rng.range(1_000, 3_000_000);
    let sink = LogSink::create(&dir.join(&spec.name), spec.gzip.then_some(1))?;
    let mut gen = Gen {
        rng,
        buf: Vec::with_capacity(1 << 17),
        sink,
        spec,
        ts: spec.start,
        ip,
        pid,
        alternate: false,
        long_done: 0,
        bad_done: 0,
    };
    // Every container log opens with the monitor starting its processes.
    let first = match spec.kind {
        Kind::Controller(_) => "Start ctrl",
        Kind::Enforcer { .. } => "Start agent",
        Kind::Scanner => "Start scanner",
        Kind::Manager => "",
    };
    if !first.is_empty() {
        gen.mon(
            format!(
                "/usr/local/bin/monitor starts, pid={}",
                if matches!(spec.kind, Kind::Enforcer { .. }) {
                    pid
                } else {
                    1
                }
            )
            .as_bytes(),
        );
        gen.mon(
            format!(
                "{first}, pid={}",
                if matches!(spec.kind, Kind::Enforcer { .. }) {
                    pid + 12
                } else {
                    7
                }
            )
            .as_bytes(),
        );
    }
    gen.run()
}

/// Writes a benchmark bundle into `dir` (created if missing) and returns what it wrote.
///
/// Deterministic: the same `opts` give byte-identical files. Memory stays bounded whatever
/// the scale (each file is streamed through a small buffer); files are written in parallel.
pub fn write_bench_bundle(dir: &Path, opts: &BenchOptions) -> io::Result<BenchManifest> {
    fs::create_dir_all(dir)?;
    let plan = plan(opts);
    fs::write(dir.join("pods.txt"), &plan.pods)?;
    let results: Vec<io::Result<(BenchFile, Vec<u64>)>> = plan
        .files
        .par_iter()
        .map(|spec| write_file(dir, spec, opts.seed))
        .collect();
    let mut files = vec![BenchFile {
        path: "pods.txt".into(),
        bytes: plan.pods.len() as u64,
        disk_bytes: plan.pods.len() as u64,
        lines: plan.pods.lines().count() as u64,
    }];
    let mut counts = vec![0u64; STORMS.len()];
    for r in results {
        let (file, c) = r?;
        files.push(file);
        for (total, n) in counts.iter_mut().zip(c) {
            *total += n;
        }
    }
    debug_assert_eq!(counts, plan.storm_totals);
    let storms = STORMS
        .iter()
        .zip(&counts)
        .map(|(s, &n)| StormCount {
            name: s.0.into(),
            needle: s.1.into(),
            lines: n,
        })
        .collect();
    Ok(BenchManifest {
        seed: opts.seed,
        scale: opts.scale,
        bytes: files.iter().map(|f| f.bytes).sum(),
        disk_bytes: files.iter().map(|f| f.disk_bytes).sum(),
        lines: files.iter().map(|f| f.lines).sum(),
        files,
        storms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn contents(dir: &Path, name: &str) -> Vec<u8> {
        let raw = fs::read(dir.join(name)).unwrap();
        if name.ends_with(".gz") {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            raw
        }
    }

    #[test]
    fn small_bundle_is_deterministic_and_counts_match() {
        let opts = BenchOptions { scale: 0.01, seed: 7 };
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ma = write_bench_bundle(a.path(), &opts).unwrap();
        let mb = write_bench_bundle(b.path(), &opts).unwrap();
        assert_eq!(ma, mb);
        for f in &ma.files {
            assert_eq!(
                fs::read(a.path().join(&f.path)).unwrap(),
                fs::read(b.path().join(&f.path)).unwrap(),
                "{} differs between runs",
                f.path
            );
        }
        // About 1 MB of logs, spread over many files.
        assert!((800_000..2_500_000).contains(&ma.bytes), "{} bytes", ma.bytes);
        assert!(ma.files.len() > 40);
        assert!(ma.files.iter().any(|f| f.path.ends_with(".log.1.gz")));

        let mut found = vec![0u64; ma.storms.len()];
        let mut lines = 0;
        let mut invalid_utf8 = 0;
        let mut longest = 0;
        for f in &ma.files {
            let data = contents(a.path(), &f.path);
            assert_eq!(data.len() as u64, f.bytes, "{}", f.path);
            for line in data.split(|&c| c == b'\n') {
                longest = longest.max(line.len());
                if std::str::from_utf8(line).is_err() {
                    invalid_utf8 += 1;
                }
                for (i, s) in ma.storms.iter().enumerate() {
                    if memchr::memmem::find(line, s.needle.as_bytes()).is_some() {
                        found[i] += 1;
                    }
                }
            }
            let mut last = i64::MIN;
            for line in data.split(|&c| c == b'\n') {
                if let Some((ts, _)) = crate::time::parse_iso_prefix(line) {
                    assert!(ts.millis() >= last, "{}: time goes backwards", f.path);
                    last = ts.millis();
                }
            }
            let n = data.iter().filter(|&&c| c == b'\n').count() as u64;
            assert_eq!(n, f.lines, "{}", f.path);
            lines += n;
        }
        assert_eq!(lines, ma.lines);
        for (s, n) in ma.storms.iter().zip(found) {
            assert!(s.lines > 0, "{} planted nothing", s.name);
            assert_eq!(s.lines, n, "storm {}", s.name);
        }
        assert!(invalid_utf8 > 0);
        assert!(longest >= 100_000);
        let pods = String::from_utf8(contents(a.path(), "pods.txt")).unwrap();
        assert_eq!(pods.matches("CrashLoopBackOff").count(), CRASH_LOOPING);
        assert_eq!(pods.lines().count(), 1 + 3 + ENFORCERS + 2 + 1);
    }

    #[test]
    fn seeds_change_the_bundle() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ma = write_bench_bundle(
            a.path(),
            &BenchOptions {
                scale: 0.002,
                seed: 1,
            },
        )
        .unwrap();
        let mb = write_bench_bundle(
            b.path(),
            &BenchOptions {
                scale: 0.002,
                seed: 2,
            },
        )
        .unwrap();
        assert_ne!(ma.files, mb.files);
    }
}
