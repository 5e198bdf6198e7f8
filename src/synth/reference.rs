//! The reference bundle of case NVSHAS-9810, rebuilt from the engineer's hand-written notes.
//!
//! The notes quote a pod table, the first and last line of three controller logs, an excerpt
//! of controller #1 and two hit counts (28034 enforcer connect requests, 88736 Consul RPC
//! rejections). This module writes logs that agree with every one of those facts, filling the
//! gaps with ordinary lines of a healthy controller, deterministically.

use std::fs;
use std::io;
use std::path::Path;

use super::lines::{
    consul_prefix, kubectl_table, ms_of, nv_prefix, push_ctl_background, push_hex, push_u64, push_uuid,
    spread, LogSink, Rng,
};
use crate::time::parse_iso_prefix;

/// File name of controller #1's log in the bundle (gzip-compressed).
pub const CONTROLLER1_GZ: &str = "neuvector-controller-pod-854b7c7d46-fhw25.log.gz";
/// File name of controller #2's log.
pub const CONTROLLER2: &str = "neuvector-controller-pod-854b7c7d46-nktdw.log";
/// File name of controller #3's log.
pub const CONTROLLER3: &str = "neuvector-controller-pod-854b7c7d46-rwcxp.log";

/// Lines `cache.AgentAdmissionRequest: Receive connect request` in controller #1.
pub const CONNECT_REQUESTS: usize = 28_034;
/// Lines `rpc_max_conns_per_client exceeded` in controller #1.
pub const RPC_REJECTIONS: usize = 88_736;

/// First and last line of controller #1, as the case notes give them.
pub const CONTROLLER1_RANGE: (&str, &str) = (
    "2025-01-26T04:50:44.156|INFO|CTL|cache.CacheMethod.MatchK8sAdmissionRules: first image summary - Image=registry-push.idst.ibaintern.de:5002/istio-ipdt/proxyv2:1.22.6-distroless digest= imageID=",
    "2025-02-03T09:24:45.864Z [ERROR] agent: Coordinate update error: error=\"No cluster leader\"",
);
/// First and last line of controller #2.
pub const CONTROLLER2_RANGE: (&str, &str) = (
    "2025-02-03T09:16:11.05 |ERRO|CTL|kv.clusterHelper.AcquireLock: Acquire lock error - error=failed to create session: Unexpected response code: 500 (No cluster leader) key=lock/policy",
    "2025-02-03T09:24:52.947|ERRO|CTL|rest.(*WebhookServer).validate: cacheAdmCtrlAudit - error=Queue full",
);
/// First and last line of controller #3.
pub const CONTROLLER3_RANGE: (&str, &str) = (
    "2025-01-27T14:46:47.791Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:50201",
    "2025-02-03T09:24:55.564Z [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:53457",
);

/// The case description paragraph of the notes.
pub const DESCRIPTION: &str = "The customer reported that NeuVector UI is not loading. This is an installation running for a long time and this customer reported before that controller pods got stuck and it is required to scale down and scale up the controller deployment to recover from failure.";

/// The pod table of the notes: name, ready, status, restarts, age.
pub const PODS: &[[&str; 5]] = &[
    [
        "neuvector-controller-pod-854b7c7d46-fhw25",
        "1/1",
        "Running",
        "0",
        "25d",
    ],
    [
        "neuvector-controller-pod-854b7c7d46-nktdw",
        "1/1",
        "Running",
        "0",
        "25d",
    ],
    [
        "neuvector-controller-pod-854b7c7d46-rwcxp",
        "1/1",
        "Running",
        "0",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-24526",
        "0/1",
        "CrashLoopBackOff",
        "1557 (3m33s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-2qj5k",
        "1/1",
        "Running",
        "8 (8d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-2rlbg",
        "0/1",
        "CrashLoopBackOff",
        "1281 (19s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-2tc5s",
        "1/1",
        "Running",
        "4 (12d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-2z5w4",
        "1/1",
        "Running",
        "4 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-65dld",
        "1/1",
        "Running",
        "4 (12d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-6nvsn",
        "1/1",
        "Running",
        "1 (12d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-7vhk9",
        "1/1",
        "Running",
        "4 (11d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-7x6gr",
        "1/1",
        "Running",
        "1413 (7m24s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-8bqt7",
        "0/1",
        "CrashLoopBackOff",
        "1115 (4m52s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-8cg84",
        "1/1",
        "Running",
        "6 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-8fbms",
        "1/1",
        "Running",
        "1 (11d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-8m8r2",
        "1/1",
        "Running",
        "8 (9d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-9647j",
        "1/1",
        "Running",
        "1262 (7m40s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-cc9dh",
        "1/1",
        "Running",
        "1168 (6m41s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-dslcf",
        "1/1",
        "Running",
        "4 (12d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-dzgv7",
        "1/1",
        "Running",
        "15 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-fn2bg",
        "1/1",
        "Running",
        "10 (9d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-fnt77",
        "1/1",
        "Running",
        "4 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-g47xf",
        "1/1",
        "Running",
        "4 (14d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-h48j2",
        "1/1",
        "Running",
        "24 (9d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-hgmb6",
        "1/1",
        "Running",
        "1156 (7m18s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-hww9k",
        "0/1",
        "CrashLoopBackOff",
        "1354 (109s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-jpd7s",
        "1/1",
        "Running",
        "9 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-k8ctb",
        "1/1",
        "Running",
        "2 (13d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-kkrck",
        "0/1",
        "CrashLoopBackOff",
        "807 (96s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-ljkns",
        "0/1",
        "CrashLoopBackOff",
        "209 (4m23s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-m5s9n",
        "1/1",
        "Running",
        "7 (11d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-n94c6",
        "1/1",
        "Running",
        "1295 (8m12s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-nmtzb",
        "1/1",
        "Running",
        "13 (9d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-nwhnf",
        "0/1",
        "CrashLoopBackOff",
        "569 (3m32s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-nzrzh",
        "1/1",
        "Running",
        "3 (8d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-pjgs7",
        "1/1",
        "Running",
        "5 (8d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-q2wr8",
        "0/1",
        "CrashLoopBackOff",
        "1290 (92s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-q4zdt",
        "1/1",
        "Running",
        "19 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-qdfgv",
        "1/1",
        "Running",
        "6 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-rtqdj",
        "1/1",
        "Running",
        "3 (14d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-rx49p",
        "0/1",
        "CrashLoopBackOff",
        "1349 (101s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-s8f9b",
        "0/1",
        "CrashLoopBackOff",
        "1297 (39s ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-sxblr",
        "1/1",
        "Running",
        "6 (11d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-t97vz",
        "1/1",
        "Running",
        "2 (11d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-tn2vd",
        "1/1",
        "Running",
        "6 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-vhsvj",
        "1/1",
        "Running",
        "9 (9d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-wcxc2",
        "1/1",
        "Running",
        "15 (9d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-wvrd5",
        "1/1",
        "Running",
        "1 (14d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-xvrkm",
        "1/1",
        "Running",
        "9 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-zjd22",
        "1/1",
        "Running",
        "16 (10d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-zkvzx",
        "1/1",
        "Running",
        "5 (8d ago)",
        "25d",
    ],
    [
        "neuvector-enforcer-pod-zpsg4",
        "1/1",
        "Running",
        "1277 (5m21s ago)",
        "25d",
    ],
    [
        "neuvector-manager-pod-799bb568f4-24ggs",
        "1/1",
        "Running",
        "0",
        "25d",
    ],
    [
        "neuvector-prometheus-exporter-pod-7f9d79d45d-bqcdz",
        "1/1",
        "Running",
        "0",
        "25d",
    ],
    [
        "neuvector-scanner-pod-86976b45fc-5bgfg",
        "1/1",
        "Running",
        "0",
        "9h",
    ],
    [
        "neuvector-scanner-pod-86976b45fc-dcs4w",
        "1/1",
        "Running",
        "0",
        "9h",
    ],
    [
        "neuvector-scanner-pod-86976b45fc-hnxwd",
        "1/1",
        "Running",
        "0",
        "9h",
    ],
    [
        "neuvector-updater-pod-28972800-75m5s",
        "0/1",
        "Completed",
        "0",
        "2d9h",
    ],
    [
        "neuvector-updater-pod-28974240-2ct8c",
        "0/1",
        "Completed",
        "0",
        "33h",
    ],
    [
        "neuvector-updater-pod-28975680-rjlv2",
        "0/1",
        "Completed",
        "0",
        "9h",
    ],
];

/// The `kubectl get pods -n neuvector` table of the case.
pub fn pods_table() -> String {
    let rows: Vec<Vec<String>> = PODS
        .iter()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    kubectl_table(&["NAME", "READY", "STATUS", "RESTARTS", "AGE"], &rows)
}

/// The Consul `agent.http` join failure as it appears in the notes, `\t*` included literally
/// (that is how the block reads in the customer's log).
fn consul_join_block(ts: &str, from_port: u32) -> String {
    format!(
        "{ts} [ERROR] agent.http: Request error: method=PUT url=/v1/agent/join/10.42.57.244 from=127.0.0.1:{from_port}\n  error=\n  | 1 error occurred:\n  | \\t* Failed to join 10.42.57.244:18301: dial tcp 10.42.57.244:18301: connect: connection refused\n  | \n  \n"
    )
}

/// Controller #1's lines quoted by the notes, in time order (the notes list the
/// 13:09:20.055 Consul line before the 13:09:19.946 one; here they are sorted).
fn controller1_excerpt() -> String {
    let mut s = String::new();
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line("2025-01-26T13:09:02.525|INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0009381:6596a768-fb27-457f-8c3f-a37b220da290 id=4cafd2b5afb5d9f0c652783ac7c8b5a7e41295b9220d85687a880d9db227e2db");
    line("2025-01-26T13:09:02.774|INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0003320:df3b39de-ca8e-4378-9092-665947d3f873 id=24f3f72d9753c44038a6de5b0a1f9c2a0daca6775e2e4373f04f2759504cb469");
    line("2025-01-26T13:09:02.907|INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0003838:8d69c1bb-9e4f-409a-833f-1e094b83e862 id=6dcbd878342919c72f61f2b40434384198ee273001e5031a2d52c579d3ea44bd");
    line("2025-01-26T13:09:04.439|INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0003322:a38626a4-a970-431f-b66d-465829643591 id=91221f7ce111344774649459e3dacaace11229cb34483091353e72fd020f6bd5");
    line("2025-01-26T13:09:13.061Z [ERROR] agent.server.raft: peer has newer term, stopping replication: peer=\"{Nonvoter e502f51a-8d52-6c56-1869-76bb11b32c51 10.42.55.36:18300}\"");
    line(
        "2025-01-26T13:09:15.004|INFO|CTL|cluster.StartCluster.func2: Lead elected - lead=10.42.60.190:18300",
    );
    line("2025-01-26T13:09:15.771|INFO|CTL|cluster.StartCluster.func1: - newLead=10.42.60.190 oldLead=");
    line("2025-01-26T13:09:16.161|INFO|CTL|utils.PerfSnapshot.func1: - at=2025-01-26 13:09:16.157645427 +0000 UTC m=+422425.720579844 label=p memLimit=6442450944 pid=1 prefix=ctl. profileLimit=1 workFolder=/var/nv_debug/snapshot/a47f288af60c8107802c69f24557cbc2b76bb1b9b8ff5c5b8941e175aa17ef0f workingSet=109572132864");
    line("2025-01-26T13:09:16.163|INFO|CTL|system.(*SystemTools).CGroupMemoryStatReset: - threshold=4831838208 usage=109572907008");
    line("2025-01-26T13:09:19.946|INFO|CTL|cluster.StartCluster.func1: - newLead= oldLead=10.42.60.190");
    line("2025-01-26T13:09:20.055Z [ERROR] agent.http: Request error: method=GET url=\"/v1/kv/lock/policy?consistent=&index=710787498\" from=127.0.0.1:40852 error=\"node is not the leader\"");
    line("2025-01-26T13:09:24.07 |INFO|CTL|cluster.StartCluster.func2: Lead loss detected");
    line("2025-01-26T13:09:24.544|INFO|CTL|cluster.StartCluster.func2: Cannot locate lead - join=neuvector-svc-controller.neuvector");
    line("2025-01-26T13:09:24.556|INFO|CTL|cluster.StartCluster.func2: Retry join - JoinAddr=[10.42.57.244 10.42.55.36 10.42.60.190]");
    s.push_str(&consul_join_block("2025-01-26T13:09:24.562Z", 36218));
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line("2025-01-26T13:09:24.568|ERRO|CTL|cluster.(*consulMethod).Join: - error=Unexpected response code: 500 (1 error occurred:");
    line("    * Failed to join 10.42.57.244:18301: dial tcp 10.42.57.244:18301: connect: connection refused");
    line("");
    line(") ip=10.42.57.244");
    line("2025-01-26T13:09:39.2  |INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0010439:1b2cb03a-65e9-4ea3-bcef-bb12683b6a74 id=d4396a287e353c3e6be5e5a327e5ff7ef8fdfc685313faf750dd7da72e90b4a0");
    line("2025-01-26T13:09:39.665Z [ERROR] agent.server.raft: peer has newer term, stopping replication: peer=\"{Voter e502f51a-8d52-6c56-1869-76bb11b32c51 10.42.55.36:18300}\"");
    line("2025-01-26T13:09:39.783Z [ERROR] agent.server: failed to reconcile member: member=\"{10.42.62.190 10.42.62.190 18301 map[build:1.20.1:920cc7c6 dc:neuvector id:00df7fd4-4125-8ce9-adaf-e2dbec831063 role:node segment: vsn:2 vsn_max:3 vsn_min:2] left 1 5 2 2 5 4}\" partition=default error=\"leadership lost while committing log\"");
    line("2025-01-26T13:09:41.126|INFO|CTL|cache.AgentAdmissionRequest: Receive connect request - host=q0002707:4fdbd2de-49d3-4465-9e57-b14c8603a143 id=1b5d126b3a9989b0dada9ed49411063b152ee274ad212978617525223bb5de57");
    line("2025-01-26T13:09:43.178|INFO|CTL|cluster.StartCluster.func2: Cannot locate lead - join=neuvector-svc-controller.neuvector");
    line("2025-01-26T13:09:43.364|INFO|CTL|cluster.StartCluster.func2: Retry join - JoinAddr=[10.42.55.36 10.42.57.244 10.42.60.190]");
    line("2025-01-26T13:09:52.288|INFO|CTL|utils.PerfSnapshot.func1: - package=/var/nv_debug/snapshot/ctl.snapshot.a47f288af60c8107802c69f24557cbc2b76bb1b9b8ff5c5b8941e175aa17ef0f.p.zip");
    line("2025-01-26T13:09:52.291|INFO|CTL|utils.PerfSnapshot.func1: done");
    s.push_str(&consul_join_block("2025-01-26T13:09:53.215Z", 42838));
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line("2025-01-26T13:10:24.255Z [ERROR] agent.server: yamux: keepalive failed: i/o deadline reached");
    line("2025-01-26T13:10:24.364Z [ERROR] agent.server: yamux: Failed to write header: write tcp 10.42.60.190:18300->10.42.67.107:46095: use of closed network connection");
    line("2025-01-26T13:10:24.364Z [ERROR] agent.server: yamux: Failed to write header: write tcp 10.42.60.190:18300->10.42.69.231:51591: use of closed network connection");
    line("2025-01-26T13:10:27.760Z [ERROR] agent.server: yamux: keepalive failed: connection write timeout");
    line("2025-01-26T13:10:27.762Z [ERROR] agent: yamux: Failed to write header: write tcp 10.42.60.190:40453->10.42.55.36:18300: use of closed network connection");
    line("2025-01-26T13:10:30|MON|Process ctrl exit status -1, pid=19402");
    line("2025-01-26T13:10:40.699Z [ERROR] agent.server: error performing anti-entropy sync of federation state: error=\"context canceled\"");
    line("2025-01-26T13:10:47.364Z [ERROR] agent.server: error performing anti-entropy sync of federation state: error=\"context canceled\"");
    s
}

/// The monitor restarting the controller process after the exit, and its start-up lines
/// (Consul's banner included).
fn controller1_restart(rng: &mut Rng) -> String {
    let mut node_id = Vec::new();
    push_uuid(&mut node_id, rng);
    let node_id = String::from_utf8(node_id).expect("ascii");
    let mut s = String::new();
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line("2025-01-26T13:10:49|MON|Start ctrl, pid=27436");
    line("2025-01-26T13:10:49.412|INFO|CTL|main.main: START - version=v5.4.2");
    line("2025-01-26T13:10:49.447|INFO|CTL|main.main: - join=neuvector-svc-controller.neuvector");
    line("2025-01-26T13:10:49.447|INFO|CTL|main.main: - advertise=10.42.60.190");
    line("2025-01-26T13:10:49.448|INFO|CTL|main.main: - bind=10.42.60.190");
    line("2025-01-26T13:10:49.463|INFO|CTL|system.NewSystemTools: cgroup v2");
    line("2025-01-26T13:10:49.466|INFO|CTL|container.Connect: - endpoint=");
    line("2025-01-26T13:10:49.502|INFO|CTL|container.containerdConnect: containerd connected - endpoint=/run/k3s/containerd/containerd.sock version={Version:v1.7.23-k3s2 Revision:}");
    line("2025-01-26T13:10:49.531|INFO|CTL|main.main: Container socket connected - endpoint= runtime=containerd");
    line("2025-01-26T13:10:49.534|INFO|CTL|main.main: - k8s=1.30.6+rke2r1 oc=");
    line("2025-01-26T13:10:49.61 |INFO|CTL|main.main.func3: Memory Snapshots - Snapshot_At=3865470566 Step=644245094");
    line("2025-01-26T13:10:49.61 |INFO|CTL|main.main.func3: Memory Resource - Controlled_At=4831838208 Controlled_Limit=6442450944");
    line("2025-01-26T13:10:49.88 |INFO|CTL|cluster.FillClusterAddrs: - advertise=10.42.60.190 join=neuvector-svc-controller.neuvector");
    line(&format!("2025-01-26T13:10:49.882|INFO|CTL|cluster.(*consulMethod).Start: Consul start - args=[agent -datacenter neuvector -data-dir /tmp/neuvector -config-file /tmp/consul.json -server -bootstrap-expect 3 -bind 10.42.60.190 -advertise 10.42.60.190 -node 10.42.60.190 -node-id {node_id} -retry-join 10.42.55.36 -retry-join 10.42.57.244]"));
    line("==> Starting Consul agent...");
    for (label, value) in [
        ("Version", "'1.20.1'".to_string()),
        ("Build Date", "'2024-11-20 16:41:58 +0000 UTC'".to_string()),
        ("Node ID", format!("'{node_id}'")),
        ("Node name", "'10.42.60.190'".to_string()),
        (
            "Datacenter",
            "'neuvector' (Default Partition: 'default')".to_string(),
        ),
        ("Server", "true (Bootstrap: false)".to_string()),
        (
            "Client Addr",
            "[127.0.0.1] (HTTP: 8500, HTTPS: -1, gRPC: -1, gRPC-TLS: -1, DNS: -1)".to_string(),
        ),
        ("Cluster Addr", "10.42.60.190 (LAN: 18301, WAN: -1)".to_string()),
        ("Gossip Encryption", "true".to_string()),
        ("Auto-Encrypt-TLS", "false".to_string()),
        ("ACL Enabled", "false".to_string()),
        ("Reporting Enabled", "false".to_string()),
        ("ACL Default Policy", "allow".to_string()),
        (
            "HTTPS TLS",
            "Verify Incoming: false, Verify Outgoing: false, Min Version: TLSv1_2".to_string(),
        ),
        (
            "gRPC TLS",
            "Verify Incoming: false, Min Version: TLSv1_2".to_string(),
        ),
        (
            "Internal RPC TLS",
            "Verify Incoming: true, Verify Outgoing: true (Verify Hostname: false), Min Version: TLSv1_2"
                .to_string(),
        ),
    ] {
        line(&format!("{label:>21}: {value}"));
    }
    line("");
    line("==> Log data will now stream in as it occurs:");
    line("");
    line("2025-01-26T13:10:58.204|INFO|CTL|cluster.StartCluster: - lead=10.42.55.36");
    line("2025-01-26T13:10:58.31 |INFO|CTL|main.leadChangeHandler: - exiting=0 isNewLead=false newLead=10.42.55.36 oldLead=");
    line("2025-01-26T13:10:58.5  |INFO|CTL|main.main: Cluster started - lead=10.42.55.36");
    s
}

/// Enforcer hosts of the case: (host name, machine uuid, crash-looping).
fn enforcer_hosts(rng: &mut Rng) -> Vec<(String, String, bool)> {
    let quoted = [
        ("q0009381", "6596a768-fb27-457f-8c3f-a37b220da290"),
        ("q0003320", "df3b39de-ca8e-4378-9092-665947d3f873"),
        ("q0003838", "8d69c1bb-9e4f-409a-833f-1e094b83e862"),
        ("q0003322", "a38626a4-a970-431f-b66d-465829643591"),
        ("q0010439", "1b2cb03a-65e9-4ea3-bcef-bb12683b6a74"),
        ("q0002707", "4fdbd2de-49d3-4465-9e57-b14c8603a143"),
    ];
    let mut hosts: Vec<(String, String, bool)> = quoted
        .iter()
        .map(|(h, u)| (h.to_string(), u.to_string(), true))
        .collect();
    let restarts_a_lot = PODS
        .iter()
        .filter(|p| p[0].starts_with("neuvector-enforcer-pod-"))
        .map(|p| p[3].split(' ').next().unwrap_or("0").parse::<u32>().unwrap_or(0) > 100)
        .collect::<Vec<_>>();
    let mut n = 0;
    while hosts.len() < restarts_a_lot.len() {
        let name = format!("q{:07}", 1000 + rng.below(11_000));
        if hosts.iter().any(|h| h.0 == name) {
            continue;
        }
        let mut u = Vec::new();
        push_uuid(&mut u, rng);
        hosts.push((name, String::from_utf8(u).expect("ascii"), restarts_a_lot[6 + n]));
        n += 1;
    }
    hosts
}

/// Events of one log: (time ms, insertion order, bytes). Sorted before writing.
struct Events(Vec<(i64, u32, Vec<u8>)>);

impl Events {
    fn push(&mut self, ms: i64, text: Vec<u8>) {
        let seq = self.0.len() as u32;
        self.0.push((ms, seq, text));
    }

    /// Adds verbatim lines; a physical line without a timestamp belongs to the entry above.
    fn push_block(&mut self, block: &str) {
        let mut current: Option<(i64, Vec<u8>)> = None;
        let mut last_ms = i64::MIN;
        for l in block.split_inclusive('\n') {
            match parse_iso_prefix(l.as_bytes()) {
                Some((ts, _)) => {
                    if let Some((ms, text)) = current.take() {
                        self.push(ms, text);
                    }
                    last_ms = ts.millis();
                    current = Some((last_ms, l.as_bytes().to_vec()));
                }
                None => match current.as_mut() {
                    Some((_, text)) => text.extend_from_slice(l.as_bytes()),
                    None => current = Some((last_ms, l.as_bytes().to_vec())),
                },
            }
        }
        if let Some((ms, text)) = current {
            self.push(ms, text);
        }
    }

    fn write(mut self, path: &Path, gzip: Option<u32>) -> io::Result<()> {
        self.0.sort_by_key(|e| (e.0, e.1));
        let mut sink = LogSink::create(path, gzip)?;
        for (_, _, text) in &self.0 {
            sink.write(text)?;
        }
        sink.finish().map(|_| ())
    }
}

fn ctl_line(ms: i64, level: &str, body: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(40 + body.len());
    nv_prefix(&mut b, ms, level, "CTL");
    b.extend_from_slice(body.as_bytes());
    b.push(b'\n');
    b
}

fn consul_line(ms: i64, level: &str, body: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(40 + body.len());
    consul_prefix(&mut b, ms, level);
    b.extend_from_slice(body.as_bytes());
    b.push(b'\n');
    b
}

fn background(ms: i64, rng: &mut Rng) -> Vec<u8> {
    let mut b = Vec::with_capacity(200);
    nv_prefix(&mut b, ms, "INFO", "CTL");
    push_ctl_background(&mut b, rng);
    b
}

fn connect_request(ms: i64, host: &(String, String, bool), rng: &mut Rng) -> Vec<u8> {
    let mut b = Vec::with_capacity(200);
    nv_prefix(&mut b, ms, "INFO", "CTL");
    b.extend_from_slice(b"cache.AgentAdmissionRequest: Receive connect request - host=");
    b.extend_from_slice(host.0.as_bytes());
    b.push(b':');
    b.extend_from_slice(host.1.as_bytes());
    b.extend_from_slice(b" id=");
    push_hex(&mut b, rng, 64);
    b.push(b'\n');
    b
}

fn rpc_rejection(ms: i64, rng: &mut Rng) -> Vec<u8> {
    let mut b = Vec::with_capacity(160);
    consul_prefix(&mut b, ms, "ERROR");
    b.extend_from_slice(
        b"agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:",
    );
    push_u64(&mut b, rng.range(32_768, 61_000));
    b.push(b'\n');
    b
}

const COORDINATE: &str = "agent: Coordinate update error: error=\"No cluster leader\"";

/// Instants every `min..max` ms strictly inside `start..end`.
fn ticks(rng: &mut Rng, start: i64, end: i64, min: u64, max: u64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut t = start + rng.range(min, max) as i64;
    while t < end {
        out.push(t);
        t += rng.range(min, max) as i64;
    }
    out
}

/// Bursts of events: `total` instants in `bursts` waves spread over `start..end`.
fn bursts(rng: &mut Rng, total: usize, bursts: usize, start: i64, end: i64) -> Vec<i64> {
    let starts = spread(rng, bursts, start, end - (end - start) / (2 * bursts as i64), 3);
    let mut sizes = vec![1usize; bursts];
    for _ in bursts..total {
        sizes[rng.below(bursts as u64) as usize] += 1;
    }
    let mut out = Vec::with_capacity(total);
    for (i, (&s, &n)) in starts.iter().zip(&sizes).enumerate() {
        let next = starts.get(i + 1).copied().unwrap_or(end);
        // Each wave lasts at most a third of the gap to the next one.
        let len = ((next - s) / 3).min(n as i64 * 1500).max(n as i64);
        out.extend(spread(rng, n, s, s + len, 0));
    }
    out.retain(|&t| t > start && t < end);
    while out.len() < total {
        // A wave clipped at the edges: put the missing events just inside the range.
        out.push(start + 1 + rng.below(((end - start) / 1000).max(1) as u64) as i64);
    }
    out
}

fn controller1(path: &Path, rng: &mut Rng) -> io::Result<()> {
    let mut ev = Events(Vec::new());
    let file_start = ms_of(2025, 1, 26, 4, 50, 44, 156);
    let excerpt_start = ms_of(2025, 1, 26, 13, 9, 2, 0);
    let restart_end = ms_of(2025, 1, 26, 13, 10, 59, 0);
    let sporadic_start = ms_of(2025, 1, 27, 14, 46, 48, 0);
    let loop_start = ms_of(2025, 2, 2, 22, 20, 2, 759);
    let loop_random = ms_of(2025, 2, 2, 22, 20, 21, 0);

    ev.push_block(&format!("{}\n", CONTROLLER1_RANGE.0));
    ev.push_block(&controller1_excerpt());
    ev.push_block(&controller1_restart(rng));

    // Enforcers re-joining without end: the connect-request storm of the morning.
    let hosts = enforcer_hosts(rng);
    let weighted: Vec<usize> = hosts
        .iter()
        .enumerate()
        .flat_map(|(i, h)| std::iter::repeat_n(i, if h.2 { 8 } else { 1 }))
        .collect();
    let quoted_connects = 6;
    let after = 40;
    let before = CONNECT_REQUESTS - quoted_connects - (after - 2);
    for t in spread(rng, before, file_start + 700, excerpt_start + 300, 5) {
        let h = &hosts[*rng.pick(&weighted)];
        ev.push(t, connect_request(t, h, rng));
    }
    let rejoin_start = restart_end + 20_000;
    for t in spread(rng, after - 2, rejoin_start, rejoin_start + 25 * 60_000, 2) {
        let h = &hosts[*rng.pick(&weighted)];
        ev.push(t, connect_request(t, h, rng));
    }

    // Consul RPC rejections: sporadic waves from the 27th, then the loop until the end.
    let quoted_rpc = [
        ("2025-02-02T22:20:06.935Z", 46317),
        ("2025-02-02T22:20:12.254Z", 38839),
        ("2025-02-02T22:20:20.871Z", 35543),
        ("2025-02-03T09:24:45.612Z", 36869),
    ];
    ev.push_block(&format!("2025-02-02T22:20:02.759Z [ERROR] {COORDINATE}\n"));
    for (ts, port) in quoted_rpc {
        ev.push_block(&format!("{ts} [ERROR] agent.server.rpc: rejecting RPC conn from because rpc_max_conns_per_client exceeded: conn=from=10.42.55.36:{port}\n"));
    }
    ev.push_block(&format!("{}\n", CONTROLLER1_RANGE.1));
    let in_loop = 52_000;
    let sporadic = RPC_REJECTIONS - quoted_rpc.len() - in_loop;
    let last_random = ms_of(2025, 2, 3, 9, 24, 45, 500);
    for t in spread(rng, in_loop, loop_random, last_random, 2) {
        ev.push(t, rpc_rejection(t, rng));
    }
    for t in ticks(rng, loop_random, last_random, 12_000, 24_000) {
        ev.push(t, consul_line(t, "ERROR", COORDINATE));
    }
    for t in bursts(rng, sporadic, 70, sporadic_start, loop_start - 60_000) {
        ev.push(t, rpc_rejection(t, rng));
    }

    // The ordinary life of the controller around all that.
    for t in spread(rng, 2600, file_start + 500, loop_start - 30_000, 4) {
        if (excerpt_start..restart_end).contains(&t) {
            continue;
        }
        ev.push(t, background(t, rng));
    }
    ev.write(path, Some(9))
}

fn controller2(path: &Path, rng: &mut Rng) -> io::Result<()> {
    let mut ev = Events(Vec::new());
    let start = ms_of(2025, 2, 3, 9, 16, 11, 50);
    let end = ms_of(2025, 2, 3, 9, 24, 52, 947);
    ev.push_block(&format!("{}\n", CONTROLLER2_RANGE.0));
    let keys = [
        "lock/policy",
        "lock/server",
        "lock/admission",
        "lock/config/system",
        "lock/object/config/group",
        "lock/fed",
    ];
    for t in ticks(rng, start, end, 2_000, 9_000) {
        let key = rng.pick(&keys);
        ev.push(t, ctl_line(t, "ERRO", &format!("kv.clusterHelper.AcquireLock: Acquire lock error - error=failed to create session: Unexpected response code: 500 (No cluster leader) key={key}")));
        if rng.chance(1, 2) {
            let port = rng.range(32_768, 61_000);
            let t2 = t - 1 - rng.below(3) as i64;
            ev.push(t2, consul_line(t2, "ERROR", &format!("agent.http: Request error: method=PUT url=/v1/session/create from=127.0.0.1:{port} error=\"No cluster leader\"")));
        }
    }
    for t in ticks(rng, start, end, 10_000, 22_000) {
        ev.push(t, consul_line(t, "ERROR", COORDINATE));
    }
    let queue_full = |ev: &mut Events, t: i64, t2: i64| {
        ev.push(
            t,
            ctl_line(
                t,
                "ERRO",
                "rest.cacheAdmCtrlAudit: auditQueue.Append - error=Queue full",
            ),
        );
        ev.push(
            t2,
            ctl_line(
                t2,
                "ERRO",
                "rest.(*WebhookServer).validate: cacheAdmCtrlAudit - error=Queue full",
            ),
        );
    };
    for t in spread(rng, 420, start + 5_000, end - 1_000, 3) {
        let t2 = t + rng.below(2) as i64;
        if rng.chance(1, 3) {
            ev.push(t - 1, background(t - 1, rng));
        }
        queue_full(&mut ev, t, t2);
    }
    queue_full(&mut ev, end, end);
    ev.write(path, None)
}

fn controller3(path: &Path, rng: &mut Rng) -> io::Result<()> {
    let mut ev = Events(Vec::new());
    let start = ms_of(2025, 1, 27, 14, 46, 47, 791);
    let end = ms_of(2025, 2, 3, 9, 24, 55, 564);
    let leader_lost = ms_of(2025, 2, 2, 22, 20, 5, 0);
    ev.push_block(&format!("{}\n", CONTROLLER3_RANGE.0));
    ev.push_block(&format!("{}\n", CONTROLLER3_RANGE.1));
    for t in bursts(rng, 6_000, 40, start, leader_lost) {
        ev.push(t, rpc_rejection(t, rng));
    }
    for t in spread(rng, 2_400, leader_lost, end - 200, 1) {
        ev.push(t, rpc_rejection(t, rng));
    }
    for t in ticks(rng, leader_lost, end - 200, 12_000, 26_000) {
        ev.push(t, consul_line(t, "ERROR", COORDINATE));
    }
    for t in spread(rng, 900, start + 1_000, leader_lost - 60_000, 4) {
        ev.push(t, background(t, rng));
    }
    ev.write(path, None)
}

/// Writes the NVSHAS-9810 reference bundle into `dir` (created if missing): `pods.txt`,
/// `description.md`, controller #1's log gzip-compressed and controllers #2 and #3 plain.
///
/// The output is byte-for-byte the same on every run.
pub fn write_reference_bundle(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join("pods.txt"), pods_table())?;
    fs::write(
        dir.join("description.md"),
        format!("# NVSHAS-9810 NeuVector controller not responding and UI not accessible\n\n{DESCRIPTION}\n"),
    )?;
    controller1(&dir.join(CONTROLLER1_GZ), &mut Rng::derive(9810, 1))?;
    controller2(&dir.join(CONTROLLER2), &mut Rng::derive(9810, 2))?;
    controller3(&dir.join(CONTROLLER3), &mut Rng::derive(9810, 3))?;
    Ok(())
}
