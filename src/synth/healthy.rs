//! Healthy and near-miss bundles: what a cluster that needs no fix looks like, so rules can be
//! checked to stay quiet on it.
//!
//! Kinds: a fresh install with its start-up election (no leader for seconds, a scanner and the
//! manager retrying until the controllers answer, one enforcer that exited once while no leader
//! existed); a long-running cluster with the usual benign errors (403 from the orchestrator
//! probe, dp epoll errors and socket-table misses of exited containers, one refused connection)
//! and one old restart; and the transient cases: a single leader change that recovered minutes
//! before the log ends, `No cluster leader` for a minute during a controller rollout, one old
//! controller restart. Lines follow the product's formats (`lines.rs`); the same kind always
//! gives the same bytes.

use std::fs;
use std::io;
use std::path::Path;

use super::lines::{
    consul_prefix, kubectl_table, mon_prefix, ms_of, nv_prefix, push_ctl_background, push_hex, Rng,
};

/// Which healthy or near-miss bundle to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthyKind {
    /// A fresh install, 20 minutes old, with its start-up election.
    Fresh,
    /// A cluster running for weeks: benign errors and one old restart.
    Longrun,
    /// One leader change that recovered, the logs ending minutes later.
    LeaderChange,
    /// `No cluster leader` for about a minute while the controllers roll.
    Rollout,
    /// One controller restarted once, days ago.
    OldRestart,
}

impl HealthyKind {
    /// Every kind, in a stable order.
    pub const ALL: [HealthyKind; 5] = [
        HealthyKind::Fresh,
        HealthyKind::Longrun,
        HealthyKind::LeaderChange,
        HealthyKind::Rollout,
        HealthyKind::OldRestart,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            HealthyKind::Fresh => "fresh",
            HealthyKind::Longrun => "longrun",
            HealthyKind::LeaderChange => "leader-change",
            HealthyKind::Rollout => "rollout",
            HealthyKind::OldRestart => "old-restart",
        }
    }

    /// The kind of a command-line name.
    pub fn parse(name: &str) -> Option<HealthyKind> {
        HealthyKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

const NAMESPACE: &str = "neuvector";
const VERSION: &str = "v5.4.3";
const CTL_RS: &str = "neuvector-controller-pod-7c9d8f6b5";
const OLD_CTL_RS: &str = "neuvector-controller-pod-5b6c7d8e9";
const CONTAINERD: &str = "/run/containerd/containerd.sock";

/// One log's lines, kept with their times and sorted when written.
#[derive(Default)]
struct Log(Vec<(i64, u32, String)>);

impl Log {
    fn push(&mut self, ms: i64, line: String) {
        let seq = self.0.len() as u32;
        self.0.push((ms, seq, line));
    }

    fn nv(&mut self, ms: i64, level: &str, module: &str, body: &str) {
        let mut b = Vec::with_capacity(40 + body.len());
        nv_prefix(&mut b, ms, level, module);
        b.extend_from_slice(body.as_bytes());
        self.push(ms, String::from_utf8(b).expect("ascii"));
    }

    fn consul(&mut self, ms: i64, level: &str, body: &str) {
        let mut b = Vec::with_capacity(40 + body.len());
        consul_prefix(&mut b, ms, level);
        b.extend_from_slice(body.as_bytes());
        self.push(ms, String::from_utf8(b).expect("ascii"));
    }

    fn mon(&mut self, ms: i64, body: &str) {
        let mut b = Vec::with_capacity(30 + body.len());
        mon_prefix(&mut b, ms);
        b.extend_from_slice(body.as_bytes());
        self.push(ms, String::from_utf8(b).expect("ascii"));
    }

    /// A line with no timestamp of its own (shell output, banners), placed at `ms`.
    fn plain(&mut self, ms: i64, text: &str) {
        self.push(ms, text.to_owned());
    }

    /// A manager (Scala) line: `2025-03-10 08:00:05,100|INFO |MANAGER|...`.
    fn manager(&mut self, ms: i64, level: &str, body: &str) {
        let mut ts = Vec::new();
        super::lines::push_seconds(&mut ts, ms);
        let ts = String::from_utf8(ts).expect("ascii").replace('T', " ");
        self.push(
            ms,
            format!("{ts},{:03}|{level:<5}|MANAGER|{body}", ms.rem_euclid(1000)),
        );
    }

    fn write(mut self, path: &Path) -> io::Result<()> {
        self.0.sort_by_key(|e| (e.0, e.1));
        let mut text = String::new();
        for (_, _, line) in &self.0 {
            text.push_str(line);
            text.push('\n');
        }
        fs::write(path, text)
    }
}

fn hex(rng: &mut Rng, n: usize) -> String {
    let mut b = Vec::new();
    push_hex(&mut b, rng, n);
    String::from_utf8(b).expect("ascii")
}

fn suffix(rng: &mut Rng, n: usize) -> String {
    let mut b = Vec::new();
    super::lines::push_k8s_suffix(&mut b, rng, n);
    String::from_utf8(b).expect("ascii")
}

/// The scenario one kind describes: pod ages, restarts and the times the logs cover.
struct Plan {
    /// When the current containers started (the logs begin here).
    start: i64,
    /// When the logs end (the bundle was collected).
    end: i64,
    /// Pod age text for the listing.
    age: &'static str,
    /// Whether the logs begin with the cluster's first election.
    fresh: bool,
}

fn plan(kind: HealthyKind) -> Plan {
    let collected = ms_of(2025, 3, 10, 14, 0, 0, 0);
    let hour = 3_600_000;
    match kind {
        HealthyKind::Fresh => Plan {
            start: collected - 20 * 60_000,
            end: collected,
            age: "20m",
            fresh: true,
        },
        HealthyKind::Rollout => Plan {
            start: collected - 12 * 60_000,
            end: collected,
            age: "12m",
            fresh: true,
        },
        HealthyKind::Longrun | HealthyKind::OldRestart => Plan {
            start: collected - 6 * hour,
            end: collected,
            age: "42d",
            fresh: false,
        },
        HealthyKind::LeaderChange => Plan {
            start: collected - 3 * hour,
            end: collected,
            age: "16d",
            fresh: false,
        },
    }
}

struct Names {
    controllers: Vec<(String, String)>,
    enforcers: Vec<(String, String, String)>,
    scanners: Vec<String>,
    manager: String,
    updater: String,
}

fn names(rng: &mut Rng) -> Names {
    let nodes = ["worker-a", "worker-b", "worker-c"];
    Names {
        controllers: (0..3)
            .map(|i| {
                (
                    format!("{CTL_RS}-{}", suffix(rng, 5)),
                    format!("10.42.{}.{}", 10 + i, 20 + rng.below(200)),
                )
            })
            .collect(),
        enforcers: nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    format!("neuvector-enforcer-pod-{}", suffix(rng, 5)),
                    format!("10.42.{}.{}", 10 + i, 2 + rng.below(200)),
                    (*n).to_owned(),
                )
            })
            .collect(),
        scanners: (0..2)
            .map(|_| format!("neuvector-scanner-pod-6f7d8c9b4-{}", suffix(rng, 5)))
            .collect(),
        manager: format!("neuvector-manager-pod-5d6c7b8a9-{}", suffix(rng, 5)),
        updater: format!(
            "neuvector-updater-pod-2901{}-{}",
            10 + rng.below(80),
            suffix(rng, 5)
        ),
    }
}

fn pods_table(kind: HealthyKind, p: &Plan, n: &Names) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let node = |i: usize| format!("worker-{}", ["a", "b", "c"][i % 3]);
    for (i, (name, ip)) in n.controllers.iter().enumerate() {
        let restarts = if kind == HealthyKind::OldRestart && i == 1 {
            "1 (6d ago)"
        } else {
            "0"
        };
        rows.push(vec![
            name.clone(),
            "1/1".into(),
            "Running".into(),
            restarts.into(),
            p.age.into(),
            ip.clone(),
            node(i),
        ]);
    }
    if kind == HealthyKind::Rollout {
        rows.push(vec![
            format!("{OLD_CTL_RS}-qx7mw"),
            "0/1".into(),
            "Terminating".into(),
            "0".into(),
            "31d".into(),
            "10.42.12.201".into(),
            node(2),
        ]);
    }
    for (i, (name, ip, nd)) in n.enforcers.iter().enumerate() {
        let restarts = match (kind, i) {
            (HealthyKind::Fresh, 2) => "1 (17m ago)",
            (HealthyKind::Longrun, 0) => "1 (12d ago)",
            (HealthyKind::OldRestart, 2) => "2 (29d ago)",
            _ => "0",
        };
        let age = if kind == HealthyKind::Rollout {
            "31d"
        } else {
            p.age
        };
        rows.push(vec![
            name.clone(),
            "1/1".into(),
            "Running".into(),
            restarts.into(),
            age.into(),
            ip.clone(),
            nd.clone(),
        ]);
    }
    for (i, name) in n.scanners.iter().enumerate() {
        let age = if p.fresh { p.age } else { "9h" };
        rows.push(vec![
            name.clone(),
            "1/1".into(),
            "Running".into(),
            "0".into(),
            age.into(),
            format!("10.42.{}.77", 10 + i),
            node(i),
        ]);
    }
    rows.push(vec![
        n.manager.clone(),
        "1/1".into(),
        "Running".into(),
        "0".into(),
        p.age.into(),
        "10.42.11.90".into(),
        node(1),
    ]);
    if !p.fresh {
        rows.push(vec![
            n.updater.clone(),
            "0/1".into(),
            "Completed".into(),
            "0".into(),
            "14h".into(),
            "10.42.10.91".into(),
            node(0),
        ]);
    }
    kubectl_table(
        &["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"],
        &rows,
    )
}

/// The controller's start-up: monitor, version, join address, runtime, Consul banner.
fn controller_start(log: &mut Log, t: i64, ip: &str) {
    log.mon(t, "/usr/local/bin/monitor starts, pid=1");
    log.mon(t, "Start ctrl, pid=7");
    log.mon(t, "Start opa, pid=8");
    log.nv(
        t + 120,
        "INFO",
        "CTL",
        &format!("main.main: START - version={VERSION}"),
    );
    log.nv(
        t + 121,
        "INFO",
        "CTL",
        &format!("main.main: - join=neuvector-svc-controller.{NAMESPACE}"),
    );
    log.nv(t + 121, "INFO", "CTL", &format!("main.main: - advertise={ip}"));
    log.nv(t + 122, "INFO", "CTL", &format!("main.main: - bind={ip}"));
    log.nv(t + 125, "INFO", "CTL", "system.NewSystemTools: cgroup v2");
    log.nv(t + 126, "INFO", "CTL", "container.Connect: - endpoint=");
    log.nv(
        t + 127,
        "INFO",
        "CTL",
        &format!("container._connect: Connecting to containerd - endpoint={CONTAINERD}"),
    );
    log.nv(t + 131, "INFO", "CTL", &format!("container._connect: containerd connected - endpoint={CONTAINERD} version={{Version:1.7.11 Revision:64b8a811b07ba6288238eefc14d898ee0b5b99ba}}"));
    log.nv(
        t + 140,
        "ERRO",
        "CTL",
        "orchestration.getVersion: - code=403 tag=oc",
    );
    log.nv(
        t + 141,
        "INFO",
        "CTL",
        "main.main: Container socket connected - endpoint= runtime=containerd",
    );
    log.nv(t + 141, "INFO", "CTL", "main.main: - k8s=1.28.9 oc=");
    log.plain(t + 900, "==> Starting Consul agent...");
    log.plain(t + 900, "               Version: '1.20.1'");
    log.plain(t + 900, &format!("             Node name: '{ip}'"));
    log.plain(t + 900, "            Datacenter: 'neuvector' (Segment: '<all>')");
    log.plain(t + 900, "                Server: true (Bootstrap: false)");
    log.plain(t + 901, "==> Log data will now stream in as it occurs:");
}

fn enforcer_start(log: &mut Log, t: i64, ip: &str, pid: u64) {
    log.mon(t, &format!("/usr/local/bin/monitor starts, pid={pid}"));
    log.plain(t, "net.core.somaxconn = 1024");
    log.plain(t, "net.unix.max_dgram_qlen = 64");
    log.plain(t, "Check TC kernel module ...");
    log.plain(t, "TC module located");
    log.mon(t, &format!("Start dp, pid={}", pid + 31));
    log.mon(t, &format!("Start agent, pid={}", pid + 32));
    for body in [
        "dpi_dlp_init: enter",
        "dpi_dlp_register_options: enter",
        "net_run: enter",
    ] {
        log.plain(t, &format!("1970-01-01T00:00:00|DEBU||{body}"));
    }
    log.push(t, {
        let mut b = Vec::new();
        mon_prefix(&mut b, t);
        String::from_utf8(b)
            .expect("ascii")
            .replace("|MON|", "|DEBU|cmd|")
            + "dp_ctrl_loop: enter"
    });
    log.push(t + 1, {
        let mut b = Vec::new();
        mon_prefix(&mut b, t + 1000);
        String::from_utf8(b)
            .expect("ascii")
            .replace("|MON|", "|DEBU|dp0|")
            + "dp_data_thr: dp thread starts"
    });
    log.nv(
        t + 1200,
        "INFO",
        "AGT",
        &format!("main.main: START - version={VERSION}"),
    );
    log.nv(t + 1204, "INFO", "AGT", &format!("main.main: - bind={ip}"));
    log.nv(t + 1210, "INFO", "AGT", "system.NewSystemTools: cgroup v2");
    log.nv(t + 1211, "INFO", "AGT", "container.Connect: - endpoint=");
    log.nv(
        t + 1212,
        "INFO",
        "AGT",
        &format!("container._connect: Connecting to containerd - endpoint={CONTAINERD}"),
    );
    log.nv(t + 1219, "INFO", "AGT", &format!("container._connect: containerd connected - endpoint={CONTAINERD} version={{Version:1.7.11 Revision:64b8a811b07ba6288238eefc14d898ee0b5b99ba}}"));
    log.nv(
        t + 1240,
        "INFO",
        "AGT",
        "main.main: Container socket connected - endpoint= runtime=containerd",
    );
}

fn enforcer_join(log: &mut Log, t: i64, lead: &str) {
    log.nv(t, "INFO", "AGT", &format!("cluster.StartCluster: - lead={lead}"));
    log.nv(
        t + 30,
        "INFO",
        "AGT",
        "main.waitForAdmission: Node admission is enabled",
    );
    log.nv(
        t + 30,
        "INFO",
        "AGT",
        "main.waitForAdmission: Sending join request",
    );
    log.nv(
        t + 73,
        "INFO",
        "AGT",
        "cluster.newGRPCClientTCP: Expected server name - cn=NeuVector",
    );
    log.nv(
        t + 150,
        "INFO",
        "AGT",
        "main.waitForAdmission: Agent join request accepted",
    );
    log.nv(
        t + 160,
        "INFO",
        "AGT",
        "main.main: Runtime storage driver - name=overlayfs",
    );
    log.nv(t + 160, "INFO", "AGT", "dp.Open:");
    log.nv(t + 161, "INFO", "AGT", "probe.New:");
    log.nv(
        t + 162,
        "INFO",
        "AGT",
        "probe.NewFileAccessCtrl: FA: Use ExecPerm",
    );
    log.nv(
        t + 240,
        "INFO",
        "AGT",
        "probe.(*Probe).netlinkProcMonitor: PROC: Start real-time process listener",
    );
    log.nv(
        t + 245,
        "INFO",
        "AGT",
        "fsmon.(*FaNotify).MonitorFileEvents: FMON: start",
    );
    log.nv(t + 250, "INFO", "AGT", "main.startGRPCServer: - port=18401");
}

/// Ordinary enforcer lines between `from` and `to`, with the benign errors of a busy node when
/// `benign` is set (containers that exit between two polls).
fn enforcer_background(log: &mut Log, rng: &mut Rng, from: i64, to: i64, benign: bool) {
    let mut t = from + rng.range(30_000, 120_000) as i64;
    while t < to {
        match rng.below(10) {
            0..=5 => log.nv(
                t,
                "INFO",
                "AGT",
                &format!(
                    "main.taskAddContainer: - id={} name=k8s_app_{}-{}_shop_{}_0",
                    hex(rng, 64),
                    ["cart", "checkout", "catalog", "web"][rng.below(4) as usize],
                    suffix(rng, 5),
                    hex(rng, 8)
                ),
            ),
            6 | 7 => log.nv(
                t,
                "INFO",
                "AGT",
                &format!("main.taskStopContainer: - id={}", hex(rng, 64)),
            ),
            8 if benign => {
                let pid = 3_000_000 + rng.below(900_000);
                log.nv(t, "ERRO", "AGT", &format!("osutil.getCGroupSocketTable: open net/tcp,udp - error=open /proc/{pid}/root/proc/1/net/tcp: no such file or directory"));
            }
            9 if benign => {
                let pid = 3_000_000 + rng.below(900_000);
                let mut b = Vec::new();
                mon_prefix(&mut b, t);
                log.push(
                    t,
                    String::from_utf8(b)
                        .expect("ascii")
                        .replace("|MON|", "|DEBU|dp0|")
                        + format!("dp_data_thr: epoll error: /host/proc/{pid}/ns/net-eth0").as_str(),
                );
            }
            _ => log.nv(
                t,
                "INFO",
                "AGT",
                "main.(*Bench).doKubeBench: - master=false worker=true",
            ),
        }
        t += rng.range(60_000, 600_000) as i64;
    }
}

fn controller_background(log: &mut Log, rng: &mut Rng, from: i64, to: i64) {
    let mut t = from + rng.range(5_000, 60_000) as i64;
    while t < to {
        let mut b = Vec::with_capacity(200);
        nv_prefix(&mut b, t, "INFO", "CTL");
        push_ctl_background(&mut b, rng);
        let line = String::from_utf8(b).expect("ascii");
        log.push(t, line.trim_end_matches('\n').to_owned());
        t += rng.range(20_000, 240_000) as i64;
    }
}

fn connect_request(log: &mut Log, rng: &mut Rng, t: i64, node: &str) {
    log.nv(
        t,
        "INFO",
        "CTL",
        &format!(
            "cache.AgentAdmissionRequest: Receive connect request - host={node}:{} id={}",
            hex(rng, 32),
            hex(rng, 64)
        ),
    );
}

const NO_LEADER: &str = "agent: Coordinate update error: error=\"No cluster leader\"";

/// Writes the bundle of `kind` into `dir` (created if needed) and returns the files written.
pub fn write_healthy_bundle(dir: &Path, kind: HealthyKind) -> io::Result<Vec<String>> {
    fs::create_dir_all(dir)?;
    let mut rng = Rng::new(0x4ea1_7b00 + kind as u64);
    let p = plan(kind);
    let n = names(&mut rng);
    let lead_ip = n.controllers[0].1.clone();
    let mut files = Vec::new();
    let put = |name: String, log: Log, files: &mut Vec<String>| -> io::Result<()> {
        log.write(&dir.join(&name))?;
        files.push(name);
        Ok(())
    };
    fs::write(dir.join("pods.txt"), pods_table(kind, &p, &n))?;
    files.push("pods.txt".to_owned());

    // Controllers.
    for (i, (name, ip)) in n.controllers.iter().enumerate() {
        let mut log = Log::default();
        let start = p.start + i as i64 * 700;
        controller_start(&mut log, start, ip);
        let ready = if p.fresh {
            // The first election: a few seconds to a minute without a leader.
            let until = start
                + if kind == HealthyKind::Rollout {
                    70_000
                } else {
                    14_000
                };
            let mut t = start + 3_000;
            while t < until {
                log.consul(t, "ERROR", NO_LEADER);
                t += 7_000 + rng.below(3_000) as i64;
            }
            if kind == HealthyKind::Rollout {
                log.consul(start + 9_000, "ERROR", &format!("agent.http: Request error: method=GET url=/v1/kv/object/config/system from=127.0.0.1:{} error=\"No cluster leader\"", 40_000 + rng.below(20_000)));
            }
            until + 2_000
        } else {
            start + 9_000
        };
        log.nv(
            ready,
            "INFO",
            "CTL",
            &format!("cluster.StartCluster: - lead={lead_ip}"),
        );
        log.nv(
            ready + 5,
            "INFO",
            "CTL",
            &format!(
                "main.leadChangeHandler: - exiting=0 isNewLead={} newLead={lead_ip} oldLead=",
                i == 0
            ),
        );
        // Enforcers join once (twice for the one that restarted at install).
        if i == 0 {
            for (j, (_, _, node)) in n.enforcers.iter().enumerate() {
                connect_request(&mut log, &mut rng, ready + 20_000 + j as i64 * 3_000, node);
                if kind == HealthyKind::Fresh && j == 2 {
                    connect_request(&mut log, &mut rng, ready + 150_000, node);
                }
            }
        }
        if kind == HealthyKind::LeaderChange {
            // One leader change: the lead controller's node blips, a new lead is elected
            // within a minute, and the logs end four minutes later.
            let loss = p.end - 5 * 60_000;
            let new_lead = &n.controllers[1].1;
            if i != 0 {
                log.nv(
                    loss,
                    "INFO",
                    "CTL",
                    &format!("cluster.StartCluster.func1: - newLead= oldLead={lead_ip}"),
                );
                log.nv(
                    loss + 2,
                    "INFO",
                    "CTL",
                    "cluster.StartCluster.func2: Lead loss detected",
                );
                for k in 0..4 {
                    log.consul(loss + 5_000 + k * 10_000, "ERROR", NO_LEADER);
                }
                log.nv(
                    loss + 48_000,
                    "INFO",
                    "CTL",
                    &format!("cluster.StartCluster.func2: Lead elected - lead={new_lead}:18300"),
                );
                log.nv(loss + 48_010, "INFO", "CTL", &format!("main.leadChangeHandler: - exiting=0 isNewLead={} newLead={new_lead} oldLead={lead_ip}", i == 1));
            } else {
                log.consul(loss + 1_000, "ERROR", &format!("agent.server.raft: failed to heartbeat to: peer={new_lead}:18300 backoff time=10ms error=\"dial tcp {new_lead}:18300: i/o timeout\""));
            }
        }
        if kind == HealthyKind::Longrun && i == 2 {
            // A peer restarting hours ago: one refused connection, then nothing.
            log.nv(p.start + 2 * 3_600_000, "ERRO", "CTL", &format!("cluster.(*consulMethod).Join: - error=Unexpected response code: 500 (1 error occurred: * Failed to join {}:18301: dial tcp {}:18301: connect: connection refused) ip={}", n.controllers[1].1, n.controllers[1].1, n.controllers[1].1));
        }
        controller_background(&mut log, &mut rng, ready, p.end);
        put(format!("{name}.log"), log, &mut files)?;
    }

    // Enforcers.
    for (j, (name, ip, _)) in n.enforcers.iter().enumerate() {
        let mut log = Log::default();
        let start = p.start + 2_000 + j as i64 * 1_100;
        let pid = 4_000 + rng.below(60_000);
        if kind == HealthyKind::Fresh && j == 2 {
            // Started before the controllers had a leader: waited, gave up once, restarted.
            let mut prev = Log::default();
            let t0 = start - 3 * 60_000;
            enforcer_start(&mut prev, t0, ip, pid);
            prev.nv(
                t0 + 20_000,
                "ERRO",
                "AGT",
                "main.waitForAdmission: Node admission is not enabled yet",
            );
            prev.nv(
                t0 + 125_000,
                "ERRO",
                "AGT",
                "main.main: Failed to start cluster. Exit! - error=Failed to locate leader",
            );
            prev.mon(
                t0 + 126_000,
                &format!("Process agent exit status 254, pid={}", pid + 32),
            );
            prev.mon(
                t0 + 126_000,
                "Process agent exit with non-recoverable return code. Monitor Exit!!",
            );
            prev.mon(t0 + 126_000, &format!("Kill dp with signal 15, pid={}", pid + 31));
            prev.plain(t0 + 126_500, "Leave the cluster");
            prev.plain(t0 + 126_600, "Error leaving: Put \"http://127.0.0.1:8500/v1/agent/leave\": dial tcp 127.0.0.1:8500: connect: connection refused");
            prev.mon(t0 + 127_000, "Clean up.");
            put(format!("{name}-previous.log"), prev, &mut files)?;
        }
        enforcer_start(&mut log, start, ip, pid + 100);
        let joined = if p.fresh { start + 30_000 } else { start + 6_000 };
        enforcer_join(&mut log, joined, &lead_ip);
        enforcer_background(&mut log, &mut rng, joined + 1_000, p.end, !p.fresh);
        put(format!("{name}.log"), log, &mut files)?;
    }

    // Scanners: register once the controllers answer.
    for (s, name) in n.scanners.iter().enumerate() {
        let mut log = Log::default();
        let start = if p.fresh {
            p.start + 1_500 + s as i64 * 400
        } else {
            p.end - 9 * 3_600_000
        };
        log.mon(start, "Start scanner, pid=7");
        log.nv(start + 100, "INFO", "SCN", "main.main: start initializing k8s internal secret controller and wait for internal secret creation if it's not created");
        log.nv(
            start + 200,
            "INFO",
            "SCN",
            "migration.InitializeInternalSecretController: cache is synced and internal cert is ready",
        );
        log.nv(
            start + 210,
            "INFO",
            "SCN",
            "container.Connect: - endpoint=unix:///var/run/docker.sock",
        );
        log.nv(
            start + 240,
            "ERRO",
            "SCN",
            "orchestration.GetK8sVersion: getVersion fail - code=403, tag=oc, useToken=true",
        );
        log.nv(start + 250, "INFO", "SCN", "main.startGRPCServer: - port=18402");
        log.nv(
            start + 251,
            "INFO",
            "SCN",
            "main.startGRPCServer: GRPC server started",
        );
        log.nv(start + 252, "INFO", "SCN", "main.main: Wait 15s ...");
        log.nv(
            start + 15_300,
            "INFO",
            "SCN",
            "common.LoadCveDb: Expand new DB - version=3.841",
        );
        let mut t = start + 21_000;
        if p.fresh {
            // The controllers are still electing: two attempts fail, the third registers.
            for _ in 0..2 {
                log.nv(t, "ERRO", "SCN", "main.getControllerServiceClient: Failed to connect to grpc server - err=context deadline exceeded");
                log.nv(
                    t + 1,
                    "ERRO",
                    "SCN",
                    "main.scannerRegister: Failed to find ctrl client - error=context deadline exceeded",
                );
                t += 10_000;
            }
        }
        log.nv(
            t,
            "INFO",
            "SCN",
            "main.scannerRegister: controller capabilities - cap=critical_vul:true scanner_settings:true",
        );
        for _ in 0..3 {
            t += 900;
            log.nv(
                t,
                "INFO",
                "SCN",
                "main.scannerRegisterStream: Stream send - entries=32768",
            );
        }
        log.nv(
            t + 400,
            "INFO",
            "SCN",
            "main.scannerRegisterStream: Stream send done",
        );
        put(format!("{name}.log"), log, &mut files)?;
    }

    // Manager: refused while the controllers start, then logins.
    let mut log = Log::default();
    let start = p.start + 1_000;
    log.manager(start, "INFO", "com.neu.web.Rest$(sslContext:32): Import manager's certificate and private key to manager's keystore");
    log.manager(
        start + 40,
        "INFO",
        "com.neu.web.Rest$(sslContext:54): PKCS#8 private key is being used",
    );
    if p.fresh {
        for k in 0..2 {
            log.manager(start + 20_000 + k * 15_000, "ERROR", &format!("com.neu.api.AuthenticationService(apply:842): akka.stream.StreamTcpException: Tcp command [Connect(neuvector-svc-controller.{NAMESPACE}:10443,None,List(),Some(10 seconds),true)] failed because of java.net.ConnectException: Connection refused"));
        }
    }
    let mut t = start + 90_000;
    while t < p.end {
        log.manager(
            t,
            "INFO",
            "com.neu.api.AuthenticationService(apply:838): post path auth",
        );
        t += rng.range(600_000, 2_400_000) as i64;
    }
    put(format!("{}.log", n.manager), log, &mut files)?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_their_names() {
        for kind in HealthyKind::ALL {
            assert_eq!(HealthyKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(HealthyKind::parse("sick"), None);
    }

    #[test]
    fn the_same_kind_writes_the_same_bytes() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let fa = write_healthy_bundle(a.path(), HealthyKind::Fresh).unwrap();
        let fb = write_healthy_bundle(b.path(), HealthyKind::Fresh).unwrap();
        assert_eq!(fa, fb);
        for f in &fa {
            assert_eq!(
                fs::read(a.path().join(f)).unwrap(),
                fs::read(b.path().join(f)).unwrap(),
                "{f}"
            );
        }
    }
}
