#!/usr/bin/env python3
"""Generates the digest's generality set: fixtures/logs/<layout>/<layout>.log and
<layout>.events (the expected event id of each line, one a line).

Each layout lists real line shapes (see SOURCES in fixtures/logs/README.md: lines seen in
public repositories' sample logs and the formats' own documentation); volume comes only from
varying the variable fields of those shapes (times, pids, ids, addresses, sizes, names).
Deterministic (fixed seed). Usage: scripts/gen-generality.py [OUT_DIR]
"""
import datetime
import json
import os
import random
import sys

R = random.Random(17)
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures", "logs")

T0 = datetime.datetime(2024, 3, 7, 9, 15, 2, 123456)


def ip():
    return "10.%d.%d.%d" % (R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))


def port():
    return str(R.randint(1024, 65535))


def num(a=0, b=99999):
    return str(R.randint(a, b))


def hexs(n=8):
    return "".join(R.choice("0123456789abcdef") for _ in range(n))


def uuid():
    return "%s-%s-%s-%s-%s" % (hexs(8), hexs(4), hexs(4), hexs(4), hexs(12))


def user():
    return R.choice(["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"])


def zipf_lines(c, ev):
    """300 lines of events `ev` ((event id, line maker) pairs) drawn with weights 1/rank, then
    every event twice; returns (lines, events)."""
    weights = [1.0 / (i + 1) for i in range(len(ev))]
    lines, events = [], []
    for _ in range(300):
        e, m = R.choices(ev, weights)[0]
        c.tick()
        lines.append(m())
        events.append(e)
    for e, m in ev:
        for _ in range(2):
            c.tick()
            lines.append(m())
            events.append(e)
    return lines, events


def pod():
    return "%s-%s-%s" % (R.choice(["web", "api", "worker", "cache", "db"]), hexs(9), "".join(R.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5)))


def path():
    return "/" + "/".join(R.choice(["var", "lib", "data", "srv", "app", "cache", "tmp", "images", "v1", "static"]) + str(R.randint(0, 9)) for _ in range(R.randint(2, 4)))


def ms():
    return "%.3f" % R.uniform(0.001, 900)


def pkg():
    return R.choice(["libssl3", "curl", "openssh-server", "nginx-common", "python3.11", "tzdata", "libc6", "vim-tiny", "git", "zlib1g"])


def ver():
    return "%d.%d.%d-%dubuntu%d" % (R.randint(0, 3), R.randint(0, 20), R.randint(0, 9), R.randint(1, 9), R.randint(0, 3))


class Clock:
    def __init__(self):
        self.t = T0
        self.boot = 0.0

    def tick(self):
        self.t += datetime.timedelta(milliseconds=R.randint(1, 4000))
        self.boot += R.uniform(0.0001, 3)
        return self.t


# Each layout: (name, held_out, header(clock, level) -> str, events [(id, level, message fn)])
LAYOUTS = []


def layout(name, held_out=False):
    def wrap(fn):
        LAYOUTS.append((name, held_out, fn))
        return fn
    return wrap


@layout("dmesg")
def dmesg(c):
    h = lambda: "[%12.6f] " % c.boot
    ev = [
        ("E1", lambda: "usb %d-%d: new high-speed USB device number %s using xhci_hcd" % (R.randint(1, 4), R.randint(1, 9), num(2, 40))),
        ("E2", lambda: "EXT4-fs (sda%d): mounted filesystem with ordered data mode. Opts: (null)" % R.randint(1, 4)),
        ("E3", lambda: "e1000e 0000:00:%02x.0 eth%d: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx" % (R.randint(1, 31), R.randint(0, 3))),
        ("E4", lambda: "audit: type=1400 audit(%d.%03d:%d): apparmor=\"STATUS\" operation=\"profile_load\" profile=\"unconfined\" name=\"%s\" pid=%s comm=\"apparmor_parser\"" % (R.randint(1600000000, 1700000000), R.randint(0, 999), R.randint(2, 300), R.choice(["/usr/bin/man", "nvidia_modprobe", "lsb_release", "/usr/sbin/tcpdump"]), num(300, 9000))),
        ("E5", lambda: "Out of memory: Killed process %s (%s) total-vm:%skB, anon-rss:%skB, file-rss:0kB, shmem-rss:0kB, UID:%s pgtables:%skB oom_score_adj:0" % (num(100, 99999), R.choice(["java", "python3", "node", "chrome"]), num(), num(), num(0, 1000), num(10, 9000))),
        ("E6", lambda: "IPv6: ADDRCONF(NETDEV_CHANGE): veth%s: link becomes ready" % hexs(7)),
        ("E7", lambda: "docker0: port %d(veth%s) entered forwarding state" % (R.randint(1, 9), hexs(7))),
        ("E8", lambda: "sd %d:0:0:0: [sd%s] Attached SCSI disk" % (R.randint(0, 5), R.choice("abcd"))),
    ]
    return h, ev


@layout("apt_history")
def apt_history(c):
    return None, None  # written by apt_history_lines below


def apt_history_lines():
    lines, events = [], []
    for _ in range(40):
        t = T0 + datetime.timedelta(minutes=R.randint(0, 100000))
        fmt = "%Y-%m-%d  %H:%M:%S"
        lines += ["Start-Date: " + t.strftime(fmt), "Commandline: apt-get install -y %s" % pkg(),
                  "Requested-By: %s (%s)" % (user(), num(1000, 1010)),
                  "Install: %s:amd64 (%s), %s:amd64 (%s, automatic)" % (pkg(), ver(), pkg(), ver()) if R.random() < 0.5 else "Upgrade: %s:amd64 (%s, %s)" % (pkg(), ver(), ver()),
                  "End-Date: " + (t + datetime.timedelta(seconds=R.randint(2, 90))).strftime(fmt), ""]
        events += ["E1", "E2", "E3", "E4" if lines[-3].startswith("Install") else "E5", "E6", "BLANK"]
    return lines, events


@layout("dpkg")
def dpkg(c):
    h = lambda: c.tick().strftime("%Y-%m-%d %H:%M:%S ")
    ev = [
        ("E1", lambda: "status installed %s:amd64 %s" % (pkg(), ver())),
        ("E2", lambda: "status unpacked %s:amd64 %s" % (pkg(), ver())),
        ("E3", lambda: "status half-configured %s:amd64 %s" % (pkg(), ver())),
        ("E4", lambda: "upgrade %s:amd64 %s %s" % (pkg(), ver(), ver())),
        ("E5", lambda: "configure %s:amd64 %s <none>" % (pkg(), ver())),
        ("E6", lambda: "startup packages configure"),
        ("E7", lambda: "trigproc man-db:amd64 %s <none>" % ver()),
    ]
    return h, ev


@layout("nginx_access")
def nginx_access(c):
    h = lambda: ""
    def line(method, fmtpath, status):
        return lambda: '%s - - [%s] "%s %s HTTP/1.1" %s %s "-" "%s"' % (
            ip(), c.tick().strftime("%d/%b/%Y:%H:%M:%S +0000"), method, fmtpath(), status, num(0, 50000),
            R.choice(["Mozilla/5.0 (X11; Linux x86_64)", "curl/7.88.1", "kube-probe/1.28", "Go-http-client/1.1"]))
    ev = [
        ("E1", line("GET", lambda: "/api/v1/users/%s" % num(), 200)),
        ("E2", line("POST", lambda: "/api/v1/login", 401)),
        ("E3", line("GET", lambda: "/static/js/app.%s.js" % hexs(8), 304)),
        ("E4", line("GET", lambda: "/healthz", 200)),
        ("E5", line("GET", lambda: "/api/v1/orders/%s" % num(), 404)),
    ]
    return h, ev


@layout("nginx_error")
def nginx_error(c):
    h = lambda: c.tick().strftime("%Y/%m/%d %H:%M:%S ") + R.choice(["[error]", "[warn]", "[crit]"]) + " %s#%s: " % (num(1, 999), 0)
    ev = [
        ("E1", lambda: "*%s connect() failed (111: Connection refused) while connecting to upstream, client: %s, server: example.com, request: \"GET /api/%s HTTP/1.1\", upstream: \"http://%s:%s/api/%s\", host: \"example.com\"" % (num(), ip(), num(), ip(), port(), num())),
        ("E2", lambda: "*%s upstream timed out (110: Connection timed out) while reading response header from upstream, client: %s, server: example.com" % (num(), ip())),
        ("E3", lambda: "*%s open() \"%s\" failed (2: No such file or directory), client: %s" % (num(), path(), ip())),
        ("E4", lambda: "*%s client intended to send too large body: %s bytes, client: %s" % (num(), num(1000000, 99999999), ip())),
        ("E5", lambda: "*%s an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/%s/%s/%s while reading upstream" % (num(), num(0, 9), num(10, 99), num())),
    ]
    return h, ev


@layout("postgres")
def postgres(c):
    h = lambda: c.tick().strftime("%Y-%m-%d %H:%M:%S.") + "%03d GMT [%s] " % (R.randint(0, 999), num(20, 9000))
    ev = [
        ("E1", lambda: "LOG:  checkpoint starting: time"),
        ("E2", lambda: "LOG:  checkpoint complete: wrote %s buffers (%.1f%%); 0 WAL file(s) added, 0 removed, %s recycled; write=%s s, sync=%s s, total=%s s" % (num(), R.uniform(0, 9), num(0, 40), ms(), ms(), ms())),
        ("E3", lambda: "FATAL:  password authentication failed for user \"%s\"" % user()),
        ("E4", lambda: "LOG:  connection received: host=%s port=%s" % (ip(), port())),
        ("E5", lambda: "LOG:  connection authorized: user=%s database=%s" % (user(), R.choice(["app", "orders", "billing", "postgres"]))),
        ("E6", lambda: "ERROR:  duplicate key value violates unique constraint \"%s_pkey\"" % R.choice(["users", "orders", "items", "sessions"])),
        ("E7", lambda: "LOG:  duration: %s ms  statement: SELECT * FROM orders WHERE id = %s" % (ms(), num())),
    ]
    return h, ev


@layout("redis")
def redis(c):
    h = lambda: "%s:%s %s %s " % (num(1, 99999), R.choice("MCS"), c.tick().strftime("%d %b %Y %H:%M:%S.") + "%03d" % R.randint(0, 999), R.choice("*#-."))
    ev = [
        ("E1", lambda: "DB saved on disk"),
        ("E2", lambda: "Background saving started by pid %s" % num()),
        ("E3", lambda: "%s changes in %s seconds. Saving..." % (num(1, 10000), num(1, 900))),
        ("E4", lambda: "Background saving terminated with success"),
        ("E5", lambda: "Fork CoW for RDB: current %s MB, peak %s MB, average %s MB" % (num(0, 99), num(0, 99), num(0, 99))),
        ("E6", lambda: "Accepted %s:%s" % (ip(), port())),
        ("E7", lambda: "Connection with replica %s:%s lost." % (ip(), port())),
    ]
    return h, ev


@layout("kafka")
def kafka(c):
    h = lambda: "[%s,%03d] %s " % (c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999), R.choice(["INFO", "INFO", "WARN"]))
    ev = [
        ("E1", lambda: "[Log partition=%s-%d, dir=/var/lib/kafka/data] Rolled new log segment at offset %s in %s ms. (kafka.log.Log)" % (R.choice(["orders", "events", "payments"]), R.randint(0, 11), num(), num(0, 50))),
        ("E2", lambda: "[GroupCoordinator %d]: Preparing to rebalance group %s in state PreparingRebalance with old generation %s (__consumer_offsets-%d) (reason: Adding new member consumer-%s-%s) (kafka.coordinator.group.GroupCoordinator)" % (R.randint(0, 3), R.choice(["billing", "audit", "search"]), num(1, 99), R.randint(0, 49), num(1, 9), uuid())),
        ("E3", lambda: "[Controller id=%d] Processing automatic preferred replica leader election (kafka.controller.KafkaController)" % R.randint(0, 3)),
        ("E4", lambda: "[ReplicaFetcher replicaId=%d, leaderId=%d, fetcherId=0] Error sending fetch request (sessionId=%s, epoch=%s) to node %d: (org.apache.kafka.clients.FetchSessionHandler)" % (R.randint(0, 3), R.randint(0, 3), num(), num(), R.randint(0, 3))),
        ("E5", lambda: "Deleted log segment %s.log.deleted for partition %s-%d (kafka.log.LogSegment)" % ("%020d" % R.randint(0, 10**9), R.choice(["orders", "events"]), R.randint(0, 11))),
        ("E6", lambda: "[KafkaServer id=%d] started (kafka.server.KafkaServer)" % R.randint(0, 3)),
    ]
    return h, ev


@layout("klog")
def klog(c):
    def h():
        t = c.tick()
        return "%s%s %s.%06d       %s %s] " % ("I", t.strftime("%m%d"), t.strftime("%H:%M:%S"), t.microsecond, num(1, 99), R.choice(["server.go:148", "shared_informer.go:311", "kubelet.go:2447", "pod_workers.go:1298", "reconciler.go:357"]))
    ev = [
        ("E1", lambda: "\"SyncLoop (PLEG): event for pod\" pod=\"default/%s\" event={\"ID\":\"%s\",\"Type\":\"ContainerStarted\"}" % (pod(), uuid())),
        ("E2", lambda: "Waiting for caches to sync for %s" % R.choice(["node_authorizer", "endpoint", "garbage collector", "crt configmap"])),
        ("E3", lambda: "\"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" with CrashLoopBackOff\" pod=\"kube-system/%s\" podUID=%s" % (pod(), uuid())),
        ("E4", lambda: "\"operationExecutor.VerifyControllerAttachedVolume started for volume\" volume=\"kube-api-access-%s\" pod=\"default/%s\"" % (hexs(5), pod())),
        ("E5", lambda: "Version: v1.28.%d" % R.randint(0, 15)),
        ("E6", lambda: "\"Killing container with a grace period\" pod=\"default/%s\" containerName=\"%s\" gracePeriod=%s" % (pod(), R.choice(["app", "sidecar", "proxy"]), num(1, 60))),
    ]
    return h, ev


@layout("etcd_json")
def etcd_json(c):
    def mk(lvl, caller, msg, extra):
        return lambda: json.dumps(dict([("level", lvl), ("ts", c.tick().strftime("%Y-%m-%dT%H:%M:%S.") + "%06dZ" % R.randint(0, 999999)), ("caller", caller), ("msg", msg)] + list(extra().items())), separators=(",", ":"))
    ev = [
        ("E1", mk("info", "etcdserver/server.go:2054", "published local member to cluster through raft", lambda: {"local-member-id": hexs(16), "cluster-id": hexs(16)})),
        ("E2", mk("warn", "etcdserver/util.go:166", "apply request took too long", lambda: {"took": "%sms" % ms(), "expected-duration": "100ms", "prefix": "read-only range ", "request": "key:\"/registry/pods/default/%s\" " % pod()})),
        ("E3", mk("info", "mvcc/index.go:214", "compact tree index", lambda: {"revision": int(num())})),
        ("E4", mk("info", "mvcc/kvstore_compaction.go:57", "finished scheduled compaction", lambda: {"compact-revision": int(num()), "took": "%sms" % ms()})),
        ("E5", mk("warn", "rafthttp/probing_status.go:68", "prober detected unhealthy status", lambda: {"round-tripper-name": "ROUND_TRIPPER_SNAPSHOT", "remote-peer-id": hexs(16), "rtt": "0s", "error": "dial tcp %s:2380: connect: connection refused" % ip()})),
    ]
    return (lambda: ""), ev


@layout("logrus_logfmt")
def logrus(c):
    h = lambda: 'time="%s" level=%s ' % (c.tick().strftime("%Y-%m-%dT%H:%M:%SZ"), R.choice(["info", "warning", "error"]))
    ev = [
        ("E1", lambda: 'msg="Pulling image" image="docker.io/library/%s:%s"' % (R.choice(["nginx", "redis", "busybox"]), ver())),
        ("E2", lambda: 'msg="shim disconnected" id=%s namespace=k8s.io' % hexs(64)),
        ("E3", lambda: 'msg="cleaning up after shim disconnected" id=%s namespace=k8s.io' % hexs(64)),
        ("E4", lambda: 'msg="StopPodSandbox for \\"%s\\" returns successfully"' % hexs(64)),
        ("E5", lambda: 'msg="failed to handle container TaskExit event" error="failed to stop container: context deadline exceeded" container=%s' % hexs(64)),
        ("E6", lambda: 'msg="loading plugin \\"io.containerd.snapshotter.v1.%s\\"..." type=io.containerd.snapshotter.v1' % R.choice(["native", "overlayfs", "zfs", "btrfs", "aufs", "devmapper"])),
    ]
    return h, ev


@layout("python_logging")
def python_logging(c):
    h = lambda: "%s,%03d - %s - %s - " % (c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999), R.choice(["app.worker", "app.api", "urllib3.connectionpool"]), R.choice(["INFO", "WARNING", "ERROR"]))
    ev = [
        ("E1", lambda: "Starting new HTTPS connection (%d): api.example.com:443" % R.randint(1, 9)),
        ("E2", lambda: "Task %s succeeded in %ss: None" % (uuid(), ms())),
        ("E3", lambda: "Retrying (Retry(total=%d, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError'" % R.randint(0, 4)),
        ("E4", lambda: "Received task: tasks.send_email[%s]" % uuid()),
        ("E5", lambda: "User %s logged in from %s" % (user(), ip())),
        ("E6", lambda: "Processed batch %s with %s records in %s ms" % (num(), num(1, 5000), ms())),
    ]
    return h, ev


@layout("spring_logback")
def spring(c):
    h = lambda: "%s.%03d  %s %s --- [%15s] %-40s : " % (c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999), R.choice([" INFO", " WARN", "ERROR"]), num(1000, 99999), R.choice(["main", "nio-8080-exec-%d" % R.randint(1, 9), "scheduling-1"]), R.choice(["o.s.b.w.embedded.tomcat.TomcatWebServer", "c.e.demo.OrderService", "o.h.engine.jdbc.spi.SqlExceptionHelper"]))
    ev = [
        ("E1", lambda: "Tomcat initialized with port(s): %s (http)" % R.choice(["8080", "8081", "9090"])),
        ("E2", lambda: "Started DemoApplication in %s seconds (JVM running for %s)" % (ms(), ms())),
        ("E3", lambda: "Order %s created for customer %s" % (num(), num())),
        ("E4", lambda: "SQL Error: %s, SQLState: %s" % (R.choice(["0", "1062", "1213"]), R.choice(["08S01", "23000", "40001"]))),
        ("E5", lambda: "HikariPool-1 - Connection is not available, request timed out after %sms." % num(1000, 30000)),
        ("E6", lambda: "Completed initialization in %s ms" % num(1, 999)),
    ]
    return h, ev


@layout("journal_syslog")
def journal(c):
    h = lambda: "%s %s " % (c.tick().strftime("%b %d %H:%M:%S"), R.choice(["node-1", "node-2", "ip-10-0-3-17"]))
    ev = [
        ("E1", lambda: "systemd[1]: Started Session %s of User %s." % (num(1, 9999), user())),
        ("E2", lambda: "systemd-logind[%s]: New session %s of user %s." % (num(300, 999), num(1, 9999), user())),
        ("E3", lambda: "sshd[%s]: Accepted publickey for %s from %s port %s ssh2: RSA SHA256:%s" % (num(), user(), ip(), port(), hexs(43))),
        ("E4", lambda: "kubelet[%s]: E0307 09:15:02.123456    %s kubelet.go:2855] \"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady\"" % (num(), num())),
        ("E5", lambda: "systemd[1]: %s.service: Main process exited, code=exited, status=%d/FAILURE" % (R.choice(["nginx", "docker", "containerd", "kubelet"]), R.randint(1, 3))),
        ("E6", lambda: "CRON[%s]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)" % num()),
        ("E7", lambda: "systemd[1]: Reloading."),
    ]
    return h, ev


@layout("android_logcat")
def logcat(c):
    def h():
        t = c.tick()
        return "%s.%03d  %s  %s %s " % (t.strftime("%m-%d %H:%M:%S"), t.microsecond // 1000, num(100, 9999).rjust(4), num(100, 9999).rjust(4), R.choice("IDWE"))
    ev = [
        ("E1", lambda: "ActivityManager: Start proc %s:com.example.app/u0a%s for activity {com.example.app/.MainActivity}" % (num(1000, 30000), num(10, 400))),
        ("E2", lambda: "ActivityManager: Killing %s:com.example.sync/u0a%s (adj %d): empty #%d" % (num(1000, 30000), num(10, 400), R.randint(900, 999), R.randint(17, 40))),
        ("E3", lambda: "WifiStateMachine: setSuspendOptimizationsNative: %d true -> false" % R.randint(1, 8)),
        ("E4", lambda: "chatty  : uid=%s(u0_a%s) RenderThread identical %d lines" % (num(10000, 10400), num(10, 400), R.randint(1, 90))),
        ("E5", lambda: "AndroidRuntime: FATAL EXCEPTION: main"),
        ("E6", lambda: "BatteryService: Processing new values: chargerAcOnline=false, batteryLevel=%d, batteryVoltage=%s" % (R.randint(1, 100), num(3500, 4300))),
    ]
    return h, ev


@layout("rabbitmq")
def rabbitmq(c):
    h = lambda: "%s.%03d [%s] <0.%s.0> " % (c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999), R.choice(["info", "warning", "error"]), num(100, 9999))
    ev = [
        ("E1", lambda: "accepting AMQP connection <0.%s.0> (%s:%s -> %s:5672)" % (num(100, 9999), ip(), port(), ip())),
        ("E2", lambda: "connection <0.%s.0> (%s:%s -> %s:5672): user '%s' authenticated and granted access to vhost '/'" % (num(100, 9999), ip(), port(), ip(), user())),
        ("E3", lambda: "closing AMQP connection <0.%s.0> (%s:%s -> %s:5672, vhost: '/', user: '%s')" % (num(100, 9999), ip(), port(), ip(), user())),
        ("E4", lambda: "Channel error on connection <0.%s.0> (%s:%s -> %s:5672, vhost: '/', user: 'guest'), channel %d:" % (num(100, 9999), ip(), port(), ip(), R.randint(1, 9))),
        ("E5", lambda: "Mirrored queue '%s' in vhost '/': Adding mirror on node rabbit@%s: <%s.%s.0>" % (R.choice(["orders", "emails", "jobs"]), R.choice(["rmq-0", "rmq-1", "rmq-2"]), num(1000, 9999), num(100, 999))),
    ]
    return h, ev


@layout("go_stdlog")
def go_stdlog(c):
    h = lambda: c.tick().strftime("%Y/%m/%d %H:%M:%S ")
    ev = [
        ("E1", lambda: "http: TLS handshake error from %s:%s: EOF" % (ip(), port())),
        ("E2", lambda: "Listening on :%s" % R.choice(["8080", "9090", "8443"])),
        ("E3", lambda: "http: Accept error: accept tcp [::]:8080: accept4: too many open files; retrying in %dms" % R.choice([5, 10, 20, 40, 80])),
        ("E4", lambda: "reverse proxy: dial tcp %s:%s: connect: connection refused" % (ip(), port())),
        ("E5", lambda: "worker %d processed %s jobs in %sms" % (R.randint(1, 16), num(1, 999), num(1, 9999))),
    ]
    return h, ev


@layout("consul_hclog")
def consul(c):
    h = lambda: "%s.%03dZ [%s] " % (c.tick().strftime("%Y-%m-%dT%H:%M:%S"), R.randint(0, 999), R.choice(["INFO", "WARN", "ERROR", "DEBUG"]).ljust(5))
    ev = [
        ("E1", lambda: "agent.server.raft: heartbeat timeout reached, starting election: last-leader-addr=%s:8300 last-leader-id=%s" % (ip(), uuid())),
        ("E2", lambda: "agent: Synced check: check=service:%s-%s" % (R.choice(["web", "api"]), num(1, 99))),
        ("E3", lambda: "agent.server.memberlist.lan: memberlist: Suspect %s has failed, no acks received" % R.choice(["node-1", "node-2", "node-3", "node-4", "node-5"])),
        ("E4", lambda: "agent.client: RPC failed to server: method=Catalog.Register server=%s:8300 error=\"rpc error making call: EOF\"" % ip()),
        ("E5", lambda: "agent: (LAN) joined: number_of_nodes=%d" % R.randint(1, 9)),
    ]
    return h, ev


@layout("zap_json")
def zap(c):
    def mk(lvl, msg, extra):
        return lambda: json.dumps(dict([("level", lvl), ("ts", round(c.tick().timestamp(), 6)), ("caller", "%s.go:%s" % (R.choice(["controller/reconcile", "manager/run", "webhook/server"]), num(10, 500))), ("msg", msg)] + list(extra().items())), separators=(",", ":"))
    ev = [
        ("E1", mk("info", "Starting workers", lambda: {"controller": R.choice(["deployment", "pod", "secret"]), "worker count": R.randint(1, 10)})),
        ("E2", mk("error", "Reconciler error", lambda: {"name": pod(), "namespace": "default", "error": "Operation cannot be fulfilled on pods \"%s\": the object has been modified" % pod()})),
        ("E3", mk("info", "Successfully Reconciled", lambda: {"name": pod(), "namespace": R.choice(["default", "prod", "kube-system"])})),
        ("E4", mk("debug", "received request", lambda: {"webhook": "/mutate-v1-pod", "UID": uuid(), "kind": "/v1, Kind=Pod"})),
    ]
    return (lambda: ""), ev


# ---- held out: never tuned on ----

@layout("mongodb_json", held_out=True)
def mongodb(c):
    def mk(s, comp, id_, ctx, msg, attr):
        return lambda: json.dumps({"t": {"$date": c.tick().strftime("%Y-%m-%dT%H:%M:%S.") + "%03d+00:00" % R.randint(0, 999)}, "s": s, "c": comp, "id": id_, "ctx": ctx(), "msg": msg, "attr": attr()}, separators=(",", ":"))
    conn = lambda: "conn%s" % num(1, 9999)
    ev = [
        ("E1", mk("I", "NETWORK", 22943, lambda: "listener", "Connection accepted", lambda: {"remote": "%s:%s" % (ip(), port()), "connectionId": int(num()), "connectionCount": int(num(1, 500))})),
        ("E2", mk("I", "NETWORK", 22944, conn, "Connection ended", lambda: {"remote": "%s:%s" % (ip(), port()), "connectionId": int(num()), "connectionCount": int(num(1, 500))})),
        ("E3", mk("I", "COMMAND", 51803, conn, "Slow query", lambda: {"type": "command", "ns": "app.%s" % R.choice(["orders", "users"]), "durationMillis": int(num(100, 9000))})),
        ("E4", mk("I", "STORAGE", 22430, lambda: "Checkpointer", "WiredTiger message", lambda: {"message": "[%s:%s][%s:%s], WT_SESSION.checkpoint: saving checkpoint snapshot min: %s" % (num(), num(), num(), hexs(12), num())})),
        ("E5", mk("W", "NETWORK", 4615610, conn, "Failed to check socket connectivity", lambda: {"error": {"code": 6, "codeName": "HostUnreachable", "errmsg": "Connection reset by peer"}})),
    ]
    return (lambda: ""), ev


@layout("windows_cbs")  # held out until the third round of issue 17, then tuned on
def windows_cbs(c):
    h = lambda: "%s, %-22s%-7s" % (c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.choice(["Info", "Info", "Warning", "Error"]), R.choice(["CBS", "CSI", "DPX"]))
    ev = [
        ("E1", lambda: "Loaded Servicing Stack v10.0.%s.%s with Core: C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.%s.%s_none_%s\\cbscore.dll" % (num(10000, 20000), num(1, 3000), num(10000, 20000), num(1, 3000), hexs(16))),
        ("E2", lambda: "Session: %s_%s initialized by client WindowsUpdateAgent, external staging directory: (null)" % (num(30000000, 31999999), num(1000000000, 3999999999))),
        ("E3", lambda: "Exec: Processing complete, session(Corruption Repairing): %s_%s [HRESULT = 0x%s - %s]" % (num(30000000, 31999999), num(1000000000, 3999999999), hexs(8), R.choice(["S_OK", "E_FAIL", "CBS_E_STORE_CORRUPTION"]))),
        ("E4", lambda: "Failed to get next element [HRESULT = 0x800f080d - CBS_E_MANIFEST_INVALID_ITEM]"),
        ("E5", lambda: "Read out cached package applicability for package: Package_for_KB%s~31bf3856ad364e35~amd64~~%s.1.%s, ApplicableState: %d, CurrentState:%d" % (num(4000000, 5099999), num(10000, 20000), num(1, 20), R.choice([80, 112]), R.choice([0, 112]))),
    ]
    return h, ev


@layout("haproxy")  # held out until the fourth round of issue 17, then tuned on
def haproxy(c):
    h = lambda: "%s haproxy[%s]: " % (c.tick().strftime("%b %d %H:%M:%S"), num(100, 99999))
    ev = [
        ("E1", lambda: '%s:%s [%s] http-in %s/%s %d/0/%d/%d/%d 200 %s - - ---- %d/%d/0/0/0 0/0 "GET /api/%s HTTP/1.1"' % (ip(), port(), c.t.strftime("%d/%b/%Y:%H:%M:%S.%f")[:-3], R.choice(["be_app", "be_api"]), R.choice(["app1", "app2", "app3"]), R.randint(0, 9), R.randint(0, 9), R.randint(1, 999), R.randint(1, 999), num(100, 99999), R.randint(1, 99), R.randint(1, 99), num())),
        ("E2", lambda: "Server %s/%s is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: %sms. %d active and 0 backup servers left. %d sessions active, 0 requeued, 0 remaining in queue." % (R.choice(["be_app", "be_api"]), R.choice(["app1", "app2", "app3"]), num(0, 9), R.randint(0, 3), R.randint(0, 9))),
        ("E3", lambda: "Server %s/%s is UP, reason: Layer7 check passed, code: 200, check duration: %sms. %d active and 0 backup servers online. 0 sessions requeued, 0 total in queue." % (R.choice(["be_app", "be_api"]), R.choice(["app1", "app2", "app3"]), num(0, 9), R.randint(1, 4))),
        ("E4", lambda: "Proxy %s started." % R.choice(["http-in", "stats", "be_app", "be_api"])),
    ]
    return h, ev


@layout("coredns")  # held out until the fourth round of issue 17, then tuned on
def coredns(c):
    h = lambda: "[%s] " % R.choice(["INFO", "INFO", "ERROR"])
    ev = [
        ("E1", lambda: '%s:%s - %s "%s IN %s. udp %d false 512" NOERROR qr,rd,ra %d %ss' % (ip(), port(), num(1, 65535), R.choice(["A", "AAAA"]), R.choice(["api.example.com", "db.prod.svc.cluster.local", "kubernetes.default.svc.cluster.local"]), R.randint(20, 80), R.randint(60, 400), "%.9f" % R.uniform(0, 0.01))),
        ("E2", lambda: 'plugin/errors: 2 %s. A: read udp %s:%s->%s:53: i/o timeout' % (R.choice(["api.example.com", "registry-1.docker.io", "github.com"]), ip(), port(), ip())),
        ("E3", lambda: "plugin/reload: Running configuration SHA512 = %s" % hexs(128)),
        ("E4", lambda: "Reloading complete"),
    ]
    return h, ev


@layout("mysql_error", held_out=True)
def mysql(c):
    h = lambda: "%s.%06dZ %s " % (c.tick().strftime("%Y-%m-%dT%H:%M:%S"), R.randint(0, 999999), num(0, 99))
    ev = [
        ("E1", lambda: "[Warning] [MY-013360] [Server] Plugin sha256_password reported: ''sha256_password' is deprecated and will be removed in a future release. Please use caching_sha2_password instead'"),
        ("E2", lambda: "[Note] [MY-010914] [Server] Aborted connection %s to db: '%s' user: '%s' host: '%s' (Got an error reading communication packets)." % (num(), R.choice(["app", "shop"]), user(), ip())),
        ("E3", lambda: "[ERROR] [MY-010584] [Repl] Replica I/O for channel '': error connecting to source 'repl@%s:3306' - retry-time: 60 retries: %s message: Can't connect to MySQL server on '%s:3306' (111), Error_code: MY-002003" % (ip(), num(1, 999), ip())),
        ("E4", lambda: "[System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '8.0.%d'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL." % R.randint(20, 36)),
        ("E5", lambda: "[Warning] [MY-010055] [Server] IP address '%s' could not be resolved: Name or service not known" % ip()),
    ]
    return h, ev


# Held-out layouts added in the second round (issue 17): scored, never tuned on.
def inum(a=0, b=99999):
    return int(num(a, b))


@layout("elasticsearch", held_out=True)
def elasticsearch(c):
    h = lambda: "[%s,%03d][%s][%s] [es-node-%d] " % (c.tick().strftime("%Y-%m-%dT%H:%M:%S"), R.randint(0, 999), R.choice(["INFO ", "WARN "]), R.choice(["o.e.c.r.a.AllocationService", "o.e.c.m.MetadataCreateIndexService", "o.e.m.j.JvmGcMonitorService"]), R.randint(0, 2))
    idx = lambda: R.choice(["logs-app", "metrics", ".kibana_task_manager"]) + "-2024.03.%02d" % R.randint(1, 28)
    ev = [
        ("E1", lambda: "[gc][%s] overhead, spent [%sms] collecting in the last [%ss]" % (inum(1, 99999), inum(100, 999), R.randint(1, 2))),
        ("E2", lambda: "Cluster health status changed from [%s] to [%s] (reason: [shards started [[%s][%d]]])." % (R.choice(["YELLOW", "RED"]), "GREEN", idx(), R.randint(0, 4))),
        ("E3", lambda: "[%s] creating index, cause [auto(bulk api)], templates [], shards [1]/[1]" % idx()),
        ("E4", lambda: "[%s/%s] update_mapping [_doc]" % (idx(), hexs(22))),
        ("E5", lambda: "low disk watermark [85%%] exceeded on [%s][es-node-%d][/usr/share/elasticsearch/data] free: %d.%dgb[%d.%d%%], replicas will not be assigned to this node" % (hexs(22), R.randint(0, 2), R.randint(1, 99), R.randint(0, 9), R.randint(5, 14), R.randint(0, 9))),
    ]
    return h, ev


@layout("cassandra", held_out=True)
def cassandra(c):
    h = lambda: "%s [%s] %s,%03d " % (R.choice(["INFO ", "WARN "]), R.choice(["CompactionExecutor:%d" % R.randint(1, 20), "MemtableFlushWriter:%d" % R.randint(1, 8), "ScheduledTasks:1"]), c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999))
    tbl = lambda: R.choice(["system.local", "shop.orders", "shop.users", "system_schema.tables"])
    ev = [
        ("E1", lambda: "ColumnFamilyStore.java:%d - Enqueuing flush of %s: %s (%d%%) on-heap, 0.000KiB (0%%) off-heap" % (R.randint(800, 900), tbl(), "%d.%03dKiB" % (R.randint(1, 999), R.randint(0, 999)), R.randint(0, 9))),
        ("E2", lambda: "CompactionTask.java:%d - Compacted (%s) %d sstables to [/var/lib/cassandra/data/shop/orders-%s/nb-%d-big,] to level=0.  %d.%03dKiB to %d.%03dKiB (~%d%% of original) in %sms.  Read Throughput = %d.%03dKiB/s, Write Throughput = %d.%03dKiB/s, Row Throughput = ~%s/s.  %d total partitions merged to %d.  Partition merge counts were {1:%d, }" % (R.randint(150, 260), uuid(), R.randint(2, 8), hexs(32), R.randint(1, 999), R.randint(1, 999), R.randint(0, 999), R.randint(1, 999), R.randint(0, 999), R.randint(50, 100), inum(10, 9999), R.randint(1, 999), R.randint(0, 999), R.randint(1, 999), R.randint(0, 999), inum(1, 9999), R.randint(1, 99), R.randint(1, 99), R.randint(1, 99))),
        ("E3", lambda: "GCInspector.java:%d - G1 Young Generation GC in %dms.  G1 Eden Space: %d -> 0; G1 Old Gen: %d -> %d; G1 Survivor Space: %d -> %d" % (R.randint(280, 300), R.randint(200, 999), inum(10**6, 10**9), inum(10**6, 10**9), inum(10**6, 10**9), inum(10**5, 10**7), inum(10**5, 10**7))),
        ("E4", lambda: "Gossiper.java:%d - InetAddress /%s is now DOWN" % (R.randint(1000, 1200), ip())),
        ("E5", lambda: "StorageService.java:%d - Node /%s state jump to NORMAL" % (R.randint(2000, 2600), ip())),
    ]
    return h, ev


@layout("postgres_csvlog")  # held out until the fourth round of issue 17, then tuned on
def postgres_csvlog(c):
    def h():
        t = c.tick().strftime("%Y-%m-%d %H:%M:%S")
        return '%s.%03d UTC,"%s","%s",%s,"%s:%s",%s.%s,%d,' % (t, R.randint(0, 999), R.choice(["app", "postgres"]), R.choice(["shop", "postgres"]), inum(100, 99999), ip(), port(), hexs(8), hexs(4), R.randint(1, 99))
    ev = [
        ("E1", lambda: '"SELECT",%s UTC,%d/%d,0,ERROR,42P01,"relation ""%s"" does not exist",,,,,,"SELECT * FROM %s WHERE id = %s",15,,"psql","client backend",,0' % (c.t.strftime("%Y-%m-%d %H:%M:%S"), R.randint(1, 9), inum(1, 9999), R.choice(["users", "orders"]), R.choice(["users", "orders"]), inum())),
        ("E2", lambda: '"idle",%s UTC,%d/%d,0,LOG,00000,"disconnection: session time: 0:%02d:%02d.%03d user=%s database=shop host=%s port=%s",,,,,,,,,"app","client backend",,0' % (c.t.strftime("%Y-%m-%d %H:%M:%S"), R.randint(1, 9), inum(1, 9999), R.randint(0, 59), R.randint(0, 59), R.randint(0, 999), user(), ip(), port())),
        ("E3", lambda: '"authentication",%s UTC,%d/%d,0,FATAL,28P01,"password authentication failed for user ""%s""","Connection matched pg_hba.conf line %d: ""host all all 0.0.0.0/0 scram-sha-256""",,,,,,,,"","client backend",,0' % (c.t.strftime("%Y-%m-%d %H:%M:%S"), R.randint(1, 9), inum(1, 9999), user(), R.randint(80, 120))),
        ("E4", lambda: '"",%s UTC,,0,LOG,00000,"checkpoint complete: wrote %d buffers (%d.%d%%); 0 WAL file(s) added, 0 removed, %d recycled; write=%d.%03d s, sync=0.%03d s, total=%d.%03d s",,,,,,,,,"","checkpointer",,0' % (c.t.strftime("%Y-%m-%d %H:%M:%S"), inum(1, 9999), R.randint(0, 9), R.randint(0, 9), R.randint(0, 5), R.randint(0, 300), R.randint(0, 999), R.randint(0, 999), R.randint(0, 300), R.randint(0, 999))),
    ]
    return h, ev


@layout("jenkins", held_out=True)
def jenkins(c):
    h = lambda: "%s.%03d+0000 [id=%s]\t%s\t" % (c.tick().strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999), inum(1, 999), R.choice(["INFO", "INFO", "WARNING"]))
    job = lambda: R.choice(["shop-api", "infra/deploy", "nightly-e2e"])
    ev = [
        ("E1", lambda: "hudson.model.Run#execute: %s #%s main build action completed: %s" % (job(), inum(1, 999), R.choice(["SUCCESS", "FAILURE", "ABORTED", "UNSTABLE"]))),
        ("E2", lambda: "h.m.DownloadService$Downloadable#load: Obtained the updated data file for hudson.tasks.Maven.MavenInstaller"),
        ("E3", lambda: "hudson.slaves.NodeProvisioner#update: %s provisioning successfully completed. We have now %d computer(s)" % ("agent-" + hexs(5), R.randint(1, 12))),
        ("E4", lambda: "o.j.p.workflow.job.WorkflowRun#finish: %s #%s completed: %s" % (job(), inum(1, 999), R.choice(["SUCCESS", "FAILURE"]))),
        ("E5", lambda: "hudson.model.AsyncPeriodicWork#lambda$doRun$1: Finished Download metadata. %s ms" % inum(5, 99999)),
    ]
    return h, ev


# Fourth round (issue 17, header generality): layouts whose header the learner was not written
# for: columns before the time (alert flags, epochs, dotted dates, node names, file names),
# tabular and pipe-, tab- or semicolon-separated columns. Shapes from the formats' own
# documentation and general knowledge of them; every message is written here. The ones marked
# held_out were put in held_out.txt before any score was seen and were not tuned on.
def epoch(t):
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp())


@layout("flagged_syslog")
def flagged_syslog(c):
    # An alert-flag column, epoch seconds and a dotted date before a syslog header whose host
    # is repeated as `host/host` (supercomputer syslog archives).
    def h():
        t = c.t
        host = R.choice(["dn", "bn", "cn"]) + str(R.randint(1, 999))
        flag = "-" if R.random() < 0.85 else R.choice(["ECCMEM", "NETLINK", "PBSCHK"])
        return "%s %d %s %s %s %d %s %s/%s " % (flag, epoch(t), t.strftime("%Y.%m.%d"), host, t.strftime("%b"), t.day, t.strftime("%H:%M:%S"), host, host)
    ev = [
        ("E1", lambda: "crond(pam_unix)[%s]: session opened for user root by (uid=0)" % num(100, 32000)),
        ("E2", lambda: "crond(pam_unix)[%s]: session closed for user root" % num(100, 32000)),
        ("E3", lambda: "sshd[%s]: Accepted publickey for %s from %s port %s ssh2" % (num(100, 32000), user(), ip(), port())),
        ("E4", lambda: "kernel: EDAC MC%d: CE page 0x%s, offset 0x%s, grain 8, syndrome 0x%s, row %d, channel %d, label \"\": k8_edac" % (R.randint(0, 3), hexs(5), hexs(3), hexs(4), R.randint(0, 7), R.randint(0, 1))),
        ("E5", lambda: "ntpd[%s]: synchronized to %s, stratum %d" % (num(100, 32000), ip(), R.randint(1, 4))),
        ("E6", lambda: "pbs_mom: task_check, cannot tm_reply to %s.tbird-admin1 task %d" % (num(10000, 99999), R.randint(1, 9))),
        ("E7", lambda: "kernel: nfs: server %s not responding, still trying" % R.choice(["fs1", "fs2", "home-nfs"])),
    ]
    return h, ev


@layout("ras_events")
def ras_events(c):
    # Supercomputer RAS event records: alert flag, epoch, dotted date, node location, a
    # `YYYY-MM-DD-HH.MM.SS.micro` stamp, the node again, then type, component and level columns.
    def loc():
        if R.random() < 0.05:
            return "NULL"
        return "R%02d-M%d-N%X-%s" % (R.randint(0, 63), R.randint(0, 1), R.randint(0, 15), R.choice(["C:J%02d-U%02d" % (R.randint(2, 17), R.choice([1, 11])), "I:J18-U%02d" % R.choice([1, 11])]))
    def mk(comp, level, msg):
        def h_and_msg():
            t = c.t
            l = loc()
            flag = "-" if R.random() < 0.8 else R.choice(["KERNTRAP", "APPSEVERE", "LINKFAIL"])
            return "%s %d %s %s %s %s RAS %s %s %s" % (flag, epoch(t), t.strftime("%Y.%m.%d"), l, t.strftime("%Y-%m-%d-%H.%M.%S.") + "%06d" % t.microsecond, l, comp, level, msg())
        return h_and_msg
    ev = [
        ("E1", mk("KERNEL", "INFO", lambda: "instruction cache parity error corrected")),
        ("E2", mk("KERNEL", "INFO", lambda: "%d floating point alignment exceptions" % R.randint(1, 99999))),
        ("E3", mk("APP", "FATAL", lambda: "ciod: failed to read message prefix on control stream (CioStream socket to %s:%s)" % (ip(), port()))),
        ("E4", mk("KERNEL", "INFO", lambda: "CE sym %d, at 0x%s, mask 0x%s" % (R.randint(0, 31), hexs(8), hexs(2)))),
        ("E5", mk("KERNEL", "FATAL", lambda: "data TLB error interrupt")),
        ("E6", mk("MMCS", "ERROR", lambda: "idoproxy communication failure: socket closed")),
        ("E7", mk("KERNEL", "INFO", lambda: "total of %d ddr error(s) detected and corrected over %d seconds" % (R.randint(1, 40), R.randint(1, 3600)))),
        ("E8", mk("DISCOVERY", "WARNING", lambda: "Node card VPD check: missing %s node, VPD ecid %s in processor card slot J%02d" % (R.choice(["U01", "U11"]), hexs(24).upper(), R.randint(2, 17)))),
    ]
    return (lambda: ""), ev


@layout("node_events")
def node_events(c):
    # A tabular cluster event log: record id, node name, component, state, epoch seconds, a flag
    # column, then the message.
    counter = [200000]
    def mk(comp, state, msg):
        def line():
            counter[0] += R.randint(1, 40)
            node = R.choice(["node-%d" % R.randint(0, 511), "node-D%d" % R.randint(0, 9), "gige%d" % R.randint(0, 31)])
            return "%d %s %s %s %d 1 %s" % (counter[0], node, comp, state, epoch(c.t), msg())
        return line
    ev = [
        ("E1", mk("unix.hw", "state_change.unavailable", lambda: "Component State Change: Component \\042alt%d\\042 is in the unavailable state (HWID=%s)" % (R.randint(0, 3), num(100, 9999)))),
        ("E2", mk("boot_cmd", "new", lambda: "Command has completed successfully")),
        ("E3", mk("switch_module", "error", lambda: "Link error on broadcast tree Interconnect-%dT%02d:%02d:%d" % (R.randint(0, 3), R.randint(0, 31), R.randint(0, 15), R.randint(0, 3)))),
        ("E4", mk("node", "status", lambda: "Node power supply %s failed, ambient temperature %d C" % (R.choice(["PS0", "PS1"]), R.randint(20, 60)))),
        ("E5", mk("boot_cmd", "targeting", lambda: "Targeting domains:node-D%d and nodes:node-[%d-%d] child of command %s" % (R.randint(0, 9), R.randint(0, 200), R.randint(201, 511), num(1000, 9999)))),
        ("E6", mk("unix.hw", "net.niff.up", lambda: "NIFF: node %s has detected an available network connection on network %s via interface alt%d" % ("node-%d" % R.randint(0, 511), ip(), R.randint(0, 1)))),
    ]
    return (lambda: ""), ev


@layout("oslo_log")
def oslo_log(c):
    # OpenStack oslo.log lines as collected with the log file's name first:
    # `nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO logger [req-...] msg`.
    def mk(service, logger, level, msg, req=True):
        def line():
            f = "%s.log.%s%s" % (service, R.choice(["", "1."]), (T0 - datetime.timedelta(days=R.randint(0, 3), seconds=R.randint(0, 86400))).strftime("%Y-%m-%d_%H:%M:%S"))
            r = "[req-%s %s %s - - -]" % (uuid(), hexs(32), hexs(32)) if req else "[-]"
            return "%s %s.%03d %s %s %s %s %s" % (f, c.t.strftime("%Y-%m-%d %H:%M:%S"), c.t.microsecond // 1000, num(1000, 40000), level, logger, r, msg())
        return line
    ev = [
        ("E1", mk("nova-api", "nova.osapi_compute.wsgi.server", "INFO", lambda: '%s "GET /v2/%s/servers/detail HTTP/1.1" status: 200 len: %s time: %.7f' % (ip(), hexs(32), num(200, 5000), R.uniform(0.1, 2)))),
        ("E2", mk("nova-api", "nova.osapi_compute.wsgi.server", "INFO", lambda: '%s "POST /v2/%s/os-server-external-events HTTP/1.1" status: 200 len: %s time: %.7f' % (ip(), hexs(32), num(200, 900), R.uniform(0.05, 1)))),
        ("E3", mk("nova-compute", "nova.compute.manager", "INFO", lambda: "[instance: %s] VM %s (Lifecycle Event)" % (uuid(), R.choice(["Started", "Stopped", "Paused", "Resumed"])))),
        ("E4", mk("nova-compute", "nova.compute.manager", "INFO", lambda: "[instance: %s] Took %.2f seconds to spawn the instance on the hypervisor." % (uuid(), R.uniform(5, 30)))),
        ("E5", mk("nova-compute", "nova.virt.libvirt.imagecache", "INFO", lambda: "image %s at (/var/lib/nova/instances/_base/%s): checking" % (uuid(), hexs(40)), req=False)),
        ("E6", mk("nova-compute", "nova.compute.resource_tracker", "INFO", lambda: "Final resource view: name=cp-%d.cloud.example phys_ram=%dMB used_ram=%dMB phys_disk=%dGB used_disk=%dGB total_vcpus=%d used_vcpus=%d pci_stats=[]" % (R.randint(1, 9), R.choice([64000, 128000]), R.randint(512, 60000), R.choice([15, 200]), R.randint(0, 100), R.choice([16, 32]), R.randint(0, 16)), req=False)),
        ("E7", mk("nova-scheduler", "nova.scheduler.host_manager", "WARNING", lambda: "Host cp-%d.cloud.example has more disk space than database expected (%dGB > %dGB)" % (R.randint(1, 9), R.randint(10, 90), R.randint(1, 9)))),
    ]
    return (lambda: ""), ev


@layout("pipe_app")
def pipe_app(c):
    # A mobile app's pipe-separated log: compact stamp `YYYYMMDD-HH:MM:SS:mmm`, component,
    # process id, message.
    def h():
        return "%s:%d|%s|%s|" % (c.t.strftime("%Y%m%d-%H:%M:%S"), c.t.microsecond // 1000, R.choice(["Pedo_StepSvc", "Pedo_SPUtils", "Sync_HealthDB", "Sensor_Listener", "Report_Receiver"]), R.choice(["30002312", "30002313", "2131"]))
    ev = [
        ("E1", lambda: "onStepChanged %s" % num(1, 20000)),
        ("E2", lambda: "flushSensorData"),
        ("E3", lambda: "getTodayTotalSteps = %s##%s##%s##%s" % (num(), num(), num(0, 999), num(1500000000000, 1600000000000))),
        ("E4", lambda: "insertRecord ok, type=%d count=%s" % (R.randint(1, 9), num(1, 99))),
        ("E5", lambda: "REPORT : %s %s %s %.1f" % (num(), num(), num(0, 999), R.uniform(0, 99))),
        ("E6", lambda: "screen status unknown,think screen on"),
    ]
    return h, ev


@layout("proxy_client")
def proxy_client(c):
    # A desktop proxy client's connection log: `[MM.DD HH:MM:SS] program - target ...`.
    prog = lambda: R.choice(["chrome.exe", "svchost.exe", "Dropbox.exe", "OUTLOOK.EXE", "firefox.exe *64", "Teams.exe"])
    target = lambda: R.choice(["%s:443" % R.choice(["www.example.org", "api.example.net", "cdn.example.com", "mail.example.org"]), "%s:%d" % (ip(), R.choice([80, 443, 8080]))])
    h = lambda: "[%s] %s - " % (c.t.strftime("%m.%d %H:%M:%S"), prog())
    ev = [
        ("E1", lambda: "%s open through proxy proxy.example.org:5070 HTTPS" % target()),
        ("E2", lambda: "%s close, %s bytes (%.2f KB) sent, %s bytes (%.2f KB) received, lifetime %02d:%02d" % (target(), num(1000, 9000), R.uniform(1, 9), num(1000, 90000), R.uniform(1, 90), R.randint(0, 59), R.randint(0, 59))),
        ("E3", lambda: "%s close, %s bytes sent, %s bytes received, lifetime <1 sec" % (target(), num(0, 999), num(0, 999))),
        ("E4", lambda: "%s error : Could not connect through proxy proxy.example.org:5070 - Proxy server cannot establish a connection with the target, status code 403" % target()),
        ("E5", lambda: "%s open through proxy proxy.example.org:5070 SOCKS5" % target()),
    ]
    return h, ev


@layout("apache_error24", held_out=True)
def apache_error24(c):
    # Apache httpd 2.4 error log: `[ctime with micros] [module:level] [pid N:tid N] [client a:p] AHnnnnn: ...`.
    def mk(mod, lvl, msg, client=True):
        def line():
            t = c.t
            cl = " [client %s:%s]" % (ip(), port()) if client else ""
            return "[%s] [%s:%s] [pid %s:tid %s]%s %s" % (t.strftime("%a %b %d %H:%M:%S.") + "%06d %d" % (t.microsecond, t.year), mod, lvl, num(100, 99999), num(100000000000, 999999999999), cl, msg())
        return line
    ev = [
        ("E1", mk("authz_core", "error", lambda: "AH01630: client denied by server configuration: %s" % path())),
        ("E2", mk("core", "info", lambda: "AH00128: File does not exist: /var/www/html%s" % path())),
        ("E3", mk("proxy", "error", lambda: "AH00940: HTTP: disabled connection for (%s)" % R.choice(["backend1", "backend2", "app.internal"]))),
        ("E4", mk("mpm_event", "notice", lambda: "AH00489: Apache/2.4.%d (Unix) configured -- resuming normal operations" % R.randint(50, 58), client=False)),
        ("E5", mk("ssl", "warn", lambda: "AH01909: www.example.org:443:0 server certificate does NOT include an ID which matches the server name", client=False)),
        ("E6", mk("core", "notice", lambda: "AH00094: Command line: '/usr/sbin/httpd -D FOREGROUND'", client=False)),
    ]
    return (lambda: ""), ev


@layout("squid_access")
def squid_access(c):
    # Squid's native access.log: epoch with millis, elapsed ms, client, result/status, bytes,
    # method, URL, user, hierarchy/peer, type.
    def mk(result, method, url, peer, typ):
        def line():
            return "%d.%03d %6d %s %s %s %s %s - %s %s" % (epoch(c.t), c.t.microsecond // 1000, R.randint(0, 90000), ip(), result(), num(200, 900000), method, url(), peer(), typ)
        return line
    site = lambda: R.choice(["www.example.org", "api.example.net", "updates.example.com"])
    ev = [
        ("E1", mk(lambda: "TCP_MISS/%s" % R.choice(["200", "304"]), "GET", lambda: "http://%s/%s" % (site(), hexs(6)), lambda: "HIER_DIRECT/%s" % ip(), "text/html")),
        ("E2", mk(lambda: "TCP_TUNNEL/200", "CONNECT", lambda: "%s:443" % site(), lambda: "HIER_DIRECT/%s" % ip(), "-")),
        ("E3", mk(lambda: "TCP_DENIED/403", "GET", lambda: "http://%s/%s" % (site(), hexs(6)), lambda: "HIER_NONE/-", "text/html")),
        ("E4", mk(lambda: "TCP_MEM_HIT/200", "GET", lambda: "http://%s/static/%s.js" % (site(), hexs(8)), lambda: "HIER_NONE/-", "application/javascript")),
    ]
    return (lambda: ""), ev


@layout("gunicorn", held_out=True)
def gunicorn(c):
    # gunicorn's error log: `[time +zone] [pid] [LEVEL] message`.
    h = lambda: "[%s +0000] [%s] " % (c.t.strftime("%Y-%m-%d %H:%M:%S"), num(7, 9999))
    ev = [
        ("E1", lambda: "[INFO] Booting worker with pid: %s" % num(7, 9999)),
        ("E2", lambda: "[CRITICAL] WORKER TIMEOUT (pid:%s)" % num(7, 9999)),
        ("E3", lambda: "[INFO] Worker exiting (pid: %s)" % num(7, 9999)),
        ("E4", lambda: "[INFO] Listening at: http://0.0.0.0:%s (%s)" % (R.choice(["8000", "5000"]), num(7, 9999))),
        ("E5", lambda: "[INFO] Handling signal: %s" % R.choice(["term", "hup", "winch"])),
        ("E6", lambda: "[ERROR] Exception in worker process"),
    ]
    return h, ev


@layout("win_eventlog")
def win_eventlog(c):
    # Windows event log exported as tab-separated text: level, US date and time, source (with
    # spaces), event id, task category, message.
    def mk(level, source, eid, msg):
        def line():
            t = c.t
            return "%s\t%d/%d/%d %d:%s\t%s\t%d\tNone\t%s" % (level(), t.month, t.day, t.year, (t.hour % 12) or 12, t.strftime("%M:%S %p"), source, eid, msg())
        return line
    svc = lambda: R.choice(["Windows Update", "Background Intelligent Transfer Service", "WinHTTP Web Proxy Auto-Discovery Service", "Print Spooler"])
    ev = [
        ("E1", mk(lambda: "Information", "Service Control Manager", 7036, lambda: "The %s service entered the %s state." % (svc(), R.choice(["running", "stopped"])))),
        ("E2", mk(lambda: "Error", "Service Control Manager", 7031, lambda: "The %s service terminated unexpectedly.  It has done this %d time(s)." % (svc(), R.randint(1, 9)))),
        ("E3", mk(lambda: "Warning", "Microsoft-Windows-Time-Service", 129, lambda: "NtpClient was unable to set a domain peer to use as a time source because of discovery error. NtpClient will try again in %d minutes." % R.choice([15, 30, 60]))),
        ("E4", mk(lambda: "Information", "Microsoft-Windows-Kernel-General", 16, lambda: "The access history in hive \\??\\C:\\Users\\%s\\ntuser.dat was cleared updating %d keys and creating %d modified pages." % (user(), R.randint(1, 900), R.randint(1, 90)))),
        ("E5", mk(lambda: "Error", "DistributedCOM", 10016, lambda: "The application-specific permission settings do not grant Local Activation permission for the COM Server application with CLSID {%s} to the user NT AUTHORITY\\SYSTEM." % uuid().upper())),
    ]
    return (lambda: ""), ev


@layout("pbs_server", held_out=True)
def pbs_server(c):
    # A batch scheduler's server log: semicolon-separated `MM/DD/YYYY HH:MM:SS;type;daemon;object;id;message`.
    def mk(typ, obj, msg):
        def line():
            jid = "%s.head01" % num(1000, 99999)
            return "%s;%s;PBS_Server.%s;%s;%s;%s" % (c.t.strftime("%m/%d/%Y %H:%M:%S"), typ, num(1000, 9999), obj, jid if obj == "Job" else "PBS_Server", msg())
        return line
    ev = [
        ("E1", mk("0100", "Job", lambda: "enqueuing into batch, state 1 hop 1")),
        ("E2", mk("0008", "Job", lambda: "Job Queued at request of %s@login%d, owner = %s@login%d, job name = %s, queue = batch" % (user(), R.randint(1, 3), user(), R.randint(1, 3), R.choice(["STDIN", "run.sh", "train"])))),
        ("E3", mk("0010", "Job", lambda: "Exit_status=%d resources_used.cput=00:%02d:%02d resources_used.mem=%skb resources_used.vmem=%skb resources_used.walltime=00:%02d:%02d" % (R.choice([0, 0, 1, 271]), R.randint(0, 59), R.randint(0, 59), num(), num(), R.randint(0, 59), R.randint(0, 59)))),
        ("E4", mk("0002", "Svr", lambda: "Torque Server Version = 6.1.%d, loglevel = 0" % R.randint(0, 3))),
        ("E5", mk("0080", "Job", lambda: "delete job request received")),
    ]
    return (lambda: ""), ev


@layout("uwsgi", held_out=True)
def uwsgi(c):
    # uWSGI's request log and its worker messages.
    def req(method, status):
        def line():
            return "[pid: %s|app: 0|req: %s/%s] %s () {%d vars in %d bytes} [%s] %s %s => generated %s bytes in %d msecs (HTTP/1.1 %s) %d headers in %d bytes (1 switches on core 0)" % (num(7, 9999), num(1, 999), num(1000, 9999), ip(), R.randint(30, 40), R.randint(500, 900), c.t.strftime("%a %b %d %H:%M:%S %Y"), method, "/api/%s/%s" % (R.choice(["items", "users"]), num()), num(10, 90000), R.randint(1, 900), status, R.randint(2, 6), R.randint(80, 400))
        return line
    ev = [
        ("E1", req("GET", 200)),
        ("E2", req("POST", 201)),
        ("E3", lambda: "spawned uWSGI worker %d (pid: %s, cores: 1)" % (R.randint(1, 8), num(7, 9999))),
        ("E4", lambda: "worker %d buried after %d seconds" % (R.randint(1, 8), R.randint(1, 30))),
        ("E5", lambda: "*** uWSGI is running in multiple interpreter mode ***"),
    ]
    return (lambda: ""), ev


# ---- fifth round of issue 17: seven layouts from public line shapes (sources in the README).
# held_out was decided before any of them was scored: setupapi_legacy, torque_accounting,
# nova_journal and android_events are held out; setupapi_dev, proxy_event and android_stack
# are tuned on. Each returns (None, fn) where fn() gives (lines, events): their records are
# blocks of lines.

def hwid():
    bus = R.choice(["pci", "usb"])
    if bus == "pci":
        return "pci\\ven_%s&dev_%s&subsys_%s&rev_%02x" % (hexs(4), hexs(4), hexs(8), R.randint(0, 16))
    return "usb\\vid_%s&pid_%s&rev_%s" % (hexs(4), hexs(4), hexs(4))


@layout("setupapi_dev")
def setupapi_dev(c):
    # Windows `setupapi.dev.log`: `>>>` section headers, three-letter component columns,
    # the time at the end of some lines, `!` flags (billauer.co.il's example).
    def lines_fn():
        lines, events = [], []
        def add(e, s):
            lines.append(s)
            events.append(e)
        for _ in range(40):
            t = c.tick()
            dev = hwid()
            inst = "%d&%s&0&%04d" % (R.randint(1, 7), hexs(8), R.randint(0, 200))
            clock = lambda: c.tick().strftime("%H:%M:%S.") + "%03d" % (c.t.microsecond // 1000)
            add("E1", ">>>  [Device Install (Hardware initiated) - %s\\%s]" % (dev, inst))
            add("E2", ">>>  Section start %s.%03d" % (t.strftime("%Y/%m/%d %H:%M:%S"), t.microsecond // 1000))
            add("E3", "     ump: Creating Install Process: DrvInst.exe %s" % clock())
            add("E4", "     ndv: Retrieving device info...")
            add("E5", "     ndv: Setting device parameters...")
            add("E6", "     ndv: Searching Driver Store and Device Path...")
            add("E7", "     dvi: {Build Driver List} %s" % clock())
            add("E8", "     dvi:      Searching for hardware ID(s):")
            parts = dev.split("&")
            for k in range(len(parts), 0, -1):
                add("E9", "     dvi:           %s" % "&".join(parts[:k]))
            add("E10", "     inf: Searched %d INFs in directory: 'C:\\Windows\\inf'" % R.randint(20, 400))
            add("E11", "     dvi: {Build Driver List - exit(0x00000000)} %s" % clock())
            ok = R.random() < 0.7
            if not ok:
                code = R.choice(["0xe0000228", "0xe000022d", "0x800b0109"])
                add("E12", "!    dvi: Selecting driver failed(%s)" % code)
            t2 = c.tick()
            add("E13", "<<<  Section end %s.%03d" % (t2.strftime("%Y/%m/%d %H:%M:%S"), t2.microsecond // 1000))
            add("E14" if ok else "E15", "<<<  [Exit status: SUCCESS]" if ok else "<<<  [Exit status: FAILURE(%s)]" % code)
            add("BLANK", "")
        return lines, events
    return None, lines_fn


@layout("setupapi_legacy", held_out=True)
def setupapi_legacy(c):
    # The older SetupAPI log (Microsoft's "Troubleshooting Device Installation with the
    # SetupAPI Log File"): `[date time pid.tid]` section markers, `@ time #Xnnn message`.
    def lines_fn():
        lines, events = [], []
        devs = ["Oven", "Blender", "Toaster", "Mixer"]
        msgs = [
            ("E3", lambda: "#V166 Device install function: %s." % R.choice(["DIF_INSTALLINTERFACES", "DIF_INSTALLDEVICE", "DIF_ALLOW_INSTALL", "DIF_NEWDEVICEWIZARD_FINISHINSTALL", "DIF_REGISTER_COINSTALLERS"])),
            ("E4", lambda: "#T152 Executing class installer."),
            ("E5", lambda: "#V153 Completed class installer."),
            ("E6", lambda: "#V155 Executing default installer."),
            ("E7", lambda: "#V156 Completed default installer."),
            ("E8", lambda: "#T149 Executing coinstaller %d of %d." % (R.randint(1, 2), 2)),
            ("E9", lambda: "#V150 Completed coinstaller %d of %d." % (R.randint(1, 2), 2)),
            ("E10", lambda: "#V005 Opened the PNF file of \"e:\\windows\\inf\\oem%d.inf\" (Language = 0409)." % R.randint(1, 90)),
            ("E11", lambda: "#V011 Installing section [%s_Install.Interfaces] from \"c:\\windows\\inf\\oem%d.inf\"." % (R.choice(devs), R.randint(1, 90))),
            ("E12", lambda: "#I054 Interfaces installed."),
            ("E13", lambda: "#I123 Doing full install of \"ROOT\\%s\\%04d\"." % (R.choice(devs).upper(), R.randint(0, 20))),
            ("E14", lambda: "#I121 Device install of \"ROOT\\%s\\%04d\" finished successfully." % (R.choice(devs).upper(), R.randint(0, 20))),
            ("E15", lambda: "#E154 Class installer failed. Error 0x%s: The driver selected for this device does not support this version of Windows." % hexs(8)),
        ]
        weights = [1.0 / (i + 1) ** 0.5 for i in range(len(msgs))]
        for _ in range(45):
            t = c.tick()
            lines.append("[%s %d.%d]" % (t.strftime("%Y/%m/%d %H:%M:%S"), R.randint(100, 999), R.randint(1, 40)))
            events.append("E1")
            lines.append("#-199 Executing \"C:\\WINDOWS\\system32\\%s\" with command line: %s" % (R.choice(["rundll32.exe", "setup.exe"]), R.choice(["setup -newsetup", "newdev.dll,ClientSideInstall"])))
            events.append("E2")
            for _ in range(R.randint(3, 9)):
                e, m = R.choices(msgs, weights)[0]
                c.tick()
                lines.append("@ %s.%03d %s" % (c.t.strftime("%H:%M:%S"), c.t.microsecond // 1000, m()))
                events.append(e)
        for e, m in msgs:
            c.tick()
            lines.append("@ %s.%03d %s" % (c.t.strftime("%H:%M:%S"), c.t.microsecond // 1000, m()))
            events.append(e)
        return lines, events
    return None, lines_fn


@layout("torque_accounting")
def torque_accounting(c):
    # TORQUE accounting records (Adaptive Computing docs): `MM/DD/YYYY HH:MM:SS;T;jobid;fields`,
    # one event per record type.
    def jid():
        return "%s.head%d.cluster.org" % (num(100, 99999), R.randint(1, 2))
    def host():
        return "n%03d.cluster.org" % R.randint(1, 300)
    def times():
        base = epoch(c.t) - R.randint(100, 9000)
        return "ctime=%d qtime=%d etime=%d start=%d" % (base, base, base + R.randint(0, 9), base + R.randint(10, 900))
    def mk(t, fields):
        def line():
            return "%s;%s;%s;%s" % (c.t.strftime("%m/%d/%Y %H:%M:%S"), t, jid(), fields())
        return line
    q = lambda: R.choice(["batch", "long", "gpu", "short", "debug"])
    ev = [
        ("E1", mk("Q", lambda: "queue=%s" % q())),
        ("E2", mk("S", lambda: "user=%s group=%s jobname=%s queue=%s %s exec_host=%s/%d Resource_List.neednodes=%d:ppn=%d Resource_List.nodect=%d Resource_List.nodes=%d Resource_List.walltime=%02d:%02d:00" % (user(), R.choice(["users", "staff", "hpc"]), R.choice(["STDIN", "run.sh", "train.pbs", "sim_%d" % R.randint(1, 99)]), q(), times(), host(), R.randint(0, 15), R.randint(1, 4), R.choice([1, 8, 16]), R.randint(1, 4), R.randint(1, 4), R.randint(0, 48), R.randint(0, 59)))),
        ("E3", mk("E", lambda: "user=%s group=%s jobname=%s queue=%s %s end=%d Exit_status=%d resources_used.cput=%02d:%02d:%02d resources_used.mem=%skb resources_used.vmem=%skb resources_used.walltime=%02d:%02d:%02d" % (user(), R.choice(["users", "staff", "hpc"]), R.choice(["STDIN", "run.sh", "train.pbs"]), q(), times(), epoch(c.t), R.choice([0, 0, 0, 1, 137, 271]), R.randint(0, 99), R.randint(0, 59), R.randint(0, 59), num(1000, 9999999), num(1000, 9999999), R.randint(0, 48), R.randint(0, 59), R.randint(0, 59)))),
        ("E4", mk("D", lambda: "requestor=%s@login%d.cluster.org" % (user(), R.randint(1, 3)))),
        ("E5", mk("A", lambda: "")),
        ("E6", mk("R", lambda: "")),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("nova_journal")
def nova_journal(c):
    # OpenStack services read through journald's short format (dague.net's example line:
    # `Mar 29 16:16:05 os4 nova-api[14042]: DEBUG nova.api.openstack.wsgi [req-... demo demo] ...`);
    # messages of nova and neutron written from general knowledge of them.
    def h(svc, lvl, logger, ctx=True):
        def head():
            req = "[req-%s %s %s]" % (uuid(), R.choice(["admin", "demo", "alt_demo"]), R.choice(["admin", "demo"])) if ctx else "[-]"
            return "%s %s %s[%s]: %s %s %s " % (c.t.strftime("%b %d %H:%M:%S"), R.choice(["os4", "ctl-1", "cmp-2"]), svc, num(1000, 60000), lvl, logger, req)
        return head
    def inst():
        return "[instance: %s]" % uuid()
    def mk(svc, lvl, logger, msg, ctx=True):
        head = h(svc, lvl, logger, ctx)
        return lambda: head() + msg()
    ev = [
        ("E1", mk("nova-api", "INFO", "nova.osapi_compute.wsgi.server", lambda: '%s "GET /v2.1/%s HTTP/1.1" status: 200 len: %s time: %.7f' % (ip(), R.choice(["servers/detail", "servers/%s" % uuid(), "flavors/%d" % R.randint(1, 9), "os-hypervisors"]), num(200, 9000), R.uniform(0.01, 2)))),
        ("E2", mk("nova-api", "DEBUG", "nova.api.openstack.wsgi", lambda: "Action: '%s', calling method: <bound method ServersController.%s of <nova.api.openstack.compute.servers.ServersController object at 0x%s>>" % ((lambda a: (a, a))(R.choice(["create", "delete", "show", "index"])) + (hexs(12),)))),
        ("E3", mk("nova-compute", "INFO", "nova.compute.manager", lambda: "%s Took %.2f seconds to spawn the instance on the hypervisor." % (inst(), R.uniform(3, 60)))),
        ("E4", mk("nova-compute", "INFO", "nova.compute.claims", lambda: "%s Claim successful on node cmp-%d" % (inst(), R.randint(1, 40)))),
        ("E5", mk("nova-compute", "INFO", "nova.compute.resource_tracker", lambda: "Final resource view: name=cmp-%d phys_ram=%dMB used_ram=%dMB phys_disk=%dGB used_disk=%dGB total_vcpus=%d used_vcpus=%d pci_stats=[]" % (R.randint(1, 40), R.choice([65536, 131072]), R.randint(512, 60000), R.choice([500, 1000]), R.randint(0, 400), R.choice([16, 32]), R.randint(0, 16)), ctx=False)),
        ("E6", mk("nova-api", "INFO", "nova.osapi_compute.wsgi.server", lambda: '%s "POST /v2.1/servers HTTP/1.1" status: 202 len: %s time: %.7f' % (ip(), num(200, 900), R.uniform(0.1, 3)))),
        ("E7", mk("neutron-server", "INFO", "neutron.wsgi", lambda: '%s "GET /v2.0/ports?device_id=%s HTTP/1.1" status: 200  len: %s time: %.7f' % (ip(), uuid(), num(200, 9000), R.uniform(0.01, 1)))),
        ("E8", mk("nova-compute", "WARNING", "nova.compute.manager", lambda: "%s Received unexpected event network-vif-plugged-%s for instance with vm_state active and task_state None." % (inst(), uuid()))),
        ("E9", mk("nova-compute", "ERROR", "nova.compute.manager", lambda: "%s Instance failed to spawn: libvirt.libvirtError: internal error: process exited while connecting to monitor" % inst())),
        ("E10", mk("nova-api", "INFO", "nova.osapi_compute.wsgi.server", lambda: '%s "DELETE /v2.1/servers/%s HTTP/1.1" status: 204 len: 0 time: %.7f' % (ip(), uuid(), R.uniform(0.1, 3)))),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("proxy_event")
def proxy_event(c):
    # A firewall proxy's session statistics through syslog, upper-case KEY=value fields in
    # the documented order (Kernun handbook, message MMCG-888 `PROXY-EVENT ...`). One event per
    # (protocol, status, result): the rule, hosts, users, ports, bytes and durations vary.
    def head():
        return "%s fw%d %s[%s]: " % (c.t.strftime("%b %d %H:%M:%S"), R.randint(1, 2), R.choice(["http-proxy", "tcp-proxy", "dns-proxy"]), num(1000, 60000))
    def ev_line(proto, status, result, port_name):
        def line():
            srv = R.choice(["www.example.com", "mail.example.org", "cdn.static.example.net", "api.partner.example", "updates.vendor.example"])
            return head() + "PROXY-EVENT PROTOCOL=%s CLIENT=ws-%d.corp CLIENT-IP=%s CLIENT-PORT=%s SERVER=%s SERVER-IP=%s SERVER-PORT=%d SERVER-PORT-NAME=%s USER=%s BYTES-CIN=%s BYTES-COUT=%s BYTES-SIN=%s BYTES-SOUT=%s DURATION=%d.%03d STATUS=%s RESULT=%s RULE=%s" % (
                proto, R.randint(1, 300), ip(), port(), srv, ip(), {"https": 443, "http": 80, "domain": 53, "smtp": 25}[port_name], port_name, R.choice(["alice", "bob", "carol", "dave", "-"]), num(0, 90000), num(0, 9000), num(0, 9000), num(0, 90000), R.randint(0, 600), R.randint(0, 999), status, result, R.choice(["allow-web", "allow-mail", "default-out", "dmz-out", "guest-web"]))
        return line
    ev = [
        ("E1", ev_line("TCP", "ACCEPTED", "OK", "https")),
        ("E2", ev_line("TCP", "ACCEPTED", "ABORTED", "http")),
        ("E3", ev_line("UDP", "ACCEPTED", "OK", "domain")),
        ("E4", ev_line("TCP", "REJECTED", "FAILED", "smtp")),
        ("E5", lambda: head() + "SESSION-START CLIENT-IP=%s CLIENT-PORT=%s LISTEN-IP=%s LISTEN-PORT=%d" % (ip(), port(), ip(), R.choice([3128, 8080]))),
        ("E6", lambda: head() + "CONFIG-RELOAD FILE=/etc/kernun/%s.cfg RESULT=OK" % R.choice(["proxy", "rules", "acl"])),
    ]
    return None, lambda: zipf_lines(c, ev)


def logcat_head(c, pid, tid, lvl, tag):
    return "%s.%03d %5d %5d %s %s: " % (c.t.strftime("%m-%d %H:%M:%S"), c.t.microsecond // 1000, pid, tid, lvl, tag)


@layout("android_events")
def android_events(c):
    # `logcat -b events -v threadtime`: the tag then its values in brackets, as declared in
    # AOSP's event.logtags files (battery_level (level|1|6),(voltage|1|1),(temperature|1|1) ...).
    pkg = lambda: R.choice(["com.android.chrome", "com.google.android.gm", "com.example.notes", "com.whatsapp", "org.telegram.messenger"])
    ev = [
        ("E1", "battery_level", lambda: "[%d,%d,%d]" % (R.randint(1, 100), R.randint(3500, 4400), R.randint(200, 420))),
        ("E2", "am_proc_start", lambda: (lambda p: "[0,%s,%s,%s,%s,{%s/%s.MainActivity}]" % (num(1000, 30000), num(10000, 10999), p, R.choice(["activity", "service", "broadcast"]), p, p))(pkg())),
        ("E3", "am_finish_activity", lambda: (lambda p: "[0,%s,%s,%s/.MainActivity,%s]" % (num(1000000, 99999999), num(1, 999), p, R.choice(["app-request", "proc died"])))(pkg())),
        ("E4", "power_screen_state", lambda: "[%d,%d,0,0,%d]" % (R.randint(0, 1), R.randint(0, 4), R.randint(0, 900))),
        ("E5", "cpu", lambda: "[%d,%d,%d,%d,%d,%d]" % tuple(R.randint(0, 60) for _ in range(6))),
        ("E6", "battery_status", lambda: "[%d,%d,1,%d,Li-ion]" % (R.randint(1, 5), R.randint(1, 7), R.randint(0, 2))),
        ("E7", "am_anr", lambda: "[0,%s,%s,%s,Input dispatching timed out (Waiting to send non-key event)]" % (num(1000, 30000), pkg(), num(100000000, 999999999))),
        ("E8", "am_low_memory", lambda: "%d" % R.randint(1, 40)),
    ]
    def lines_fn():
        weights = [1.0 / (i + 1) for i in range(len(ev))]
        lines, events = [], []
        def one(e, tag, m):
            c.tick()
            lines.append(logcat_head(c, R.randint(300, 2000), R.randint(300, 3000), "I", tag) + m())
            events.append(e)
        for _ in range(300):
            one(*R.choices(ev, weights)[0])
        for e, tag, m in ev:
            for _ in range(2):
                one(e, tag, m)
        return lines, events
    return None, lines_fn


@layout("android_stack")
def android_stack(c):
    # `logcat -v threadtime` with crashes: every line of a stack trace carries the header
    # (ZukGit/WordPress_MD_Git's `12-25 11:02:32.478  7446  7446 I zukgit1 :      at ...`).
    classes = ["com.example.notes.ui.EditorFragment", "com.example.notes.sync.SyncWorker", "androidx.fragment.app.Fragment", "android.os.Handler", "android.app.ActivityThread", "com.android.internal.os.ZygoteInit", "java.lang.reflect.Method"]
    methods = ["onViewCreated", "doWork", "requireContext", "dispatchMessage", "main", "invoke", "handleMessage", "run"]
    def frame():
        cls = R.choice(classes)
        if cls == "java.lang.reflect.Method" and R.random() < 0.7:
            return "\tat %s.invoke(Native Method)" % cls
        return "\tat %s.%s(%s.java:%d)" % (cls, R.choice(methods), cls.rsplit(".", 1)[1], R.randint(20, 9000))
    def lines_fn():
        lines, events = [], []
        def add(e, pid, tid, lvl, tag, msg):
            c.tick()
            lines.append(logcat_head(c, pid, tid, lvl, tag) + msg)
            events.append(e)
        normal = [
            ("E8", "I", "ActivityManager", lambda: "Start proc %s:com.example.notes/u0a%d for activity {com.example.notes/com.example.notes.MainActivity}" % (num(1000, 30000), R.randint(100, 300))),
            ("E9", "D", "ConnectivityService", lambda: "NetworkAgentInfo [WIFI () - %d] validation passed" % R.randint(100, 999)),
            ("E10", "W", "ActivityManager", lambda: "Force finishing activity com.example.notes/.MainActivity"),
            ("E11", "I", "ActivityManager", lambda: "Process com.example.notes (pid %s) has died: fore TOP" % num(1000, 30000)),
        ]
        for _ in range(30):
            for _ in range(R.randint(2, 6)):
                e, lvl, tag, m = R.choice(normal)
                add(e, R.randint(300, 2000), R.randint(300, 3000), lvl, tag, m())
            pid = R.randint(1000, 30000)
            add("E1", pid, pid, "E", "AndroidRuntime", "FATAL EXCEPTION: %s" % R.choice(["main", "DefaultDispatcher-worker-%d" % R.randint(1, 8)]))
            add("E2", pid, pid, "E", "AndroidRuntime", "Process: com.example.notes, PID: %d" % pid)
            kind = R.randint(0, 2)
            if kind == 0:
                add("E3", pid, pid, "E", "AndroidRuntime", "java.lang.NullPointerException: Attempt to invoke virtual method 'int java.lang.String.length()' on a null object reference")
            elif kind == 1:
                add("E4", pid, pid, "E", "AndroidRuntime", "java.lang.IllegalStateException: Fragment EditorFragment{%s} not attached to a context." % hexs(7))
            else:
                add("E5", pid, pid, "E", "AndroidRuntime", "java.lang.RuntimeException: Unable to start activity ComponentInfo{com.example.notes/com.example.notes.MainActivity}: java.lang.IllegalArgumentException")
            for _ in range(R.randint(3, 9)):
                add("E6", pid, pid, "E", "AndroidRuntime", frame())
            if R.random() < 0.4:
                add("E7", pid, pid, "E", "AndroidRuntime", "Caused by: java.io.IOException: Connection reset by peer")
                for _ in range(R.randint(2, 5)):
                    add("E6", pid, pid, "E", "AndroidRuntime", frame())
        return lines, events
    return None, lines_fn



@layout("slurmctld")
def slurmctld(c):
    # Slurm's controller log (`[ISO time with ms] message`): messages as the SchedMD/slurm
    # sources print them (`sched: Allocate JobId=%u NodeList=%s #CPUs=%u`, `Nodes %s not
    # responding, setting DOWN`) and a published slurmctld.log excerpt (`Killing JobId=48 on
    # failed node node03`). Added in the fifth round after the other seven, tuned on (decided
    # before it was scored).
    def node():
        return "node%02d" % R.randint(1, 64)
    def nodelist():
        a = R.randint(1, 60)
        return R.choice([node(), "node[%02d-%02d]" % (a, a + R.randint(1, 4)), "node[%02d,%02d]" % (a, a + R.randint(1, 4))])
    jid = lambda: num(1000, 999999)
    ev = [
        ("E1", lambda: "sched: Allocate JobId=%s NodeList=%s #CPUs=%d Partition=%s" % (jid(), nodelist(), R.choice([1, 4, 16, 32, 64]), R.choice(["batch", "gpu", "debug", "long"]))),
        ("E2", lambda: "_job_complete: JobId=%s WEXITSTATUS %d" % (jid(), R.choice([0, 0, 0, 1, 2, 137]))),
        ("E3", lambda: "_job_complete: JobId=%s done" % jid()),
        ("E4", lambda: "_slurm_rpc_submit_batch_job: JobId=%s InitPrio=%s usec=%s" % (jid(), num(1000, 99999), num(100, 9999))),
        ("E5", lambda: "error: Nodes %s not responding, setting DOWN" % nodelist()),
        ("E6", lambda: "Killing JobId=%s on failed node %s" % (jid(), node())),
        ("E7", lambda: "Node %s now responding" % node()),
        ("E8", lambda: "validate_node_specs: Node %s unexpectedly rebooted boot_time=%d last response=%d" % (node(), epoch(c.t) - R.randint(10, 500), epoch(c.t) - R.randint(500, 900))),
    ]
    h = lambda: "[%s.%03d] " % (c.t.strftime("%Y-%m-%dT%H:%M:%S"), c.t.microsecond // 1000)
    return h, ev

# Sixth round (issue 17): six layouts put in held_out.txt before any of them was scored.


def guid():
    return "{%s}" % uuid().upper()


@layout("windows_update", held_out=True)
def windows_update(c):
    # The legacy WindowsUpdate.log (Microsoft KB 902093, "How to read the Windowsupdate.log
    # file": tab-separated Date, Time, PID, TID, Component, Text; the time with `:mmm`, the thread
    # id in hex; components AGENT, AU, Misc, PT, Report, DnldMgr, Handler, Setup ...). Messages
    # from general knowledge of the agent; one event per message shape.
    def head(comp):
        return "%s\t%s:%03d\t%4d\t%s\t%s\t" % (c.t.strftime("%Y-%m-%d"), c.t.strftime("%H:%M:%S"), c.t.microsecond // 1000, R.choice([976, 1052, 1128]), hexs(R.choice([3, 4])).lstrip("0") or "a0", comp)
    caller = lambda: R.choice(["AutomaticUpdates", "UpdateOrchestrator", "Windows Defender"])
    ev = [
        ("E1", lambda: head("AU") + "###########  AU: Initializing Automatic Updates  ###########"),
        ("E2", lambda: head("Agent") + "*************** Agent: Finding updates [CallerId = %s] ***********" % caller()),
        ("E3", lambda: head("Agent") + "  * Found %d updates and %d categories in search; evaluated appl. rules of %d out of %d deployed entities" % (R.randint(0, 40), R.randint(60, 90), R.randint(800, 2000), R.randint(2000, 4000))),
        ("E4", lambda: head("Misc") + "WARNING: Send failed with hr = %s." % R.choice(["80072efd", "80072ee2", "80072f8f", "8024401c"])),
        ("E5", lambda: head("AU") + "AU setting next detection timeout to %s" % (c.t + datetime.timedelta(hours=R.randint(1, 22), minutes=R.randint(0, 59))).strftime("%Y-%m-%d %H:%M:%S")),
        ("E6", lambda: head("DnldMgr") + "*********** DnldMgr: New download job [UpdateId = %s.%d] ***********" % (guid(), R.randint(100, 210))),
        ("E7", lambda: head("Report") + "REPORT EVENT: %s\t%s:%03d+0000\t1\t147\t101\t{00000000-0000-0000-0000-000000000000}\t0\t0\t%s\tSuccess\tSoftware Synchronization\tWindows Update Client successfully detected %d updates." % (guid(), c.t.strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 999), caller(), R.randint(1, 30))),
        ("E8", lambda: head("PT") + "WARNING: Cached cookie has expired or new PID is available"),
        ("E9", lambda: head("Handler") + "Attempting to create remote handler process as %s\\%s in session %d" % (R.choice(["CORP", "WORKGROUP"]), user(), R.randint(0, 3))),
        ("E10", lambda: head("Setup") + "Checking for agent SelfUpdate"),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("logcat_time", held_out=True)
def logcat_time(c):
    # `logcat -v time` (`MM-DD HH:MM:SS.mmm L/Tag( pid): message`, the `time` format logcat's
    # usage lists; a log viewer's pattern for it: `(?<Level>\w)/(?<SourceName>.*)\(\s*(?<ThreadId>\d+)\):\s`).
    # Tags and messages from general knowledge of Android system logs.
    def head(lvl, tag):
        return "%s.%03d %s/%s(%5d): " % (c.t.strftime("%m-%d %H:%M:%S"), c.t.microsecond // 1000, lvl, tag, R.randint(300, 30000))
    app = lambda: R.choice(["com.android.chrome", "com.example.notes", "com.google.android.gm", "org.telegram.messenger"])
    ev = [
        ("E1", lambda: head("I", "ActivityManager") + "Displayed %s/.MainActivity: +%dms" % (app(), R.randint(120, 3000))),
        ("E2", lambda: head("D", "dalvikvm") + "GC_CONCURRENT freed %dK, %d%% free %dK/%dK, paused %dms+%dms, total %dms" % (R.randint(100, 9000), R.randint(5, 60), R.randint(3000, 30000), R.randint(30000, 60000), R.randint(1, 9), R.randint(1, 9), R.randint(10, 200))),
        ("E3", lambda: head("W", "ActivityManager") + "Activity pause timeout for ActivityRecord{%s u0 %s/.MainActivity t%d}" % (hexs(7), app(), R.randint(10, 900))),
        ("E4", lambda: head("I", "WifiStateMachine") + "Connected to %s with RSSI -%d" % (R.choice(["\"corp-wifi\"", "\"home-5G\"", "\"guest\""]), R.randint(30, 90))),
        ("E5", lambda: head("E", "AndroidRuntime") + "FATAL EXCEPTION: main"),
        ("E6", lambda: head("I", "PowerManagerService") + "Going to sleep due to screen timeout (uid %d)..." % R.randint(1000, 1010)),
        ("E7", lambda: head("D", "ConnectivityService") + "handleInetConditionChange: net=%d, condition=%d, published condition=%d" % (R.randint(0, 1), R.randint(0, 100), R.randint(0, 100))),
        ("E8", lambda: head("V", "AlarmManager") + "Triggering alarm #%d: %d when %d %s" % (R.randint(0, 40), R.randint(0, 3), R.randint(1000000, 99999999), R.choice(["com.android.providers.calendar", "android", "com.google.android.gms"]))),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("nlog_pipe", held_out=True)
def nlog_pipe(c):
    # NLog's default layout `${longdate}|${level:uppercase=true}|${logger}|${message}` (NLog
    # wiki, SimpleLayout; longdate `2022-01-06 14:05:20.4023`). Logger names and messages
    # (ASP.NET Core hosting, EF Core, an application's own) written here.
    def head(lvl, logger):
        return "%s.%04d|%s|%s|" % (c.t.strftime("%Y-%m-%d %H:%M:%S"), R.randint(0, 9999), lvl, logger)
    ev = [
        ("E1", lambda: head("INFO", "Shop.Orders.OrderService") + "Order %s created for customer %s" % (num(10000, 99999), num(1, 5000))),
        ("E2", lambda: head("INFO", "Microsoft.AspNetCore.Hosting.Diagnostics") + "Request finished in %.4fms %d application/json; charset=utf-8" % (R.uniform(0.5, 900), R.choice([200, 200, 201]))),
        ("E3", lambda: head("INFO", "Microsoft.EntityFrameworkCore.Database.Command") + "Executed DbCommand (%dms) [Parameters=[@__p_0='?' (DbType = Int32)], CommandType='Text', CommandTimeout='30']" % R.randint(1, 900)),
        ("E4", lambda: head("WARN", "Shop.Payments.PaymentClient") + "Payment provider answered %d for order %s, retry %d of 3" % (R.choice([502, 503, 504]), num(10000, 99999), R.randint(1, 3))),
        ("E5", lambda: head("DEBUG", "Shop.Catalog.ProductCache") + "Cache miss for key product:%s" % num(1, 90000)),
        ("E6", lambda: head("INFO", "Microsoft.Hosting.Lifetime") + "Now listening on: http://[::]:%d" % R.choice([5000, 8080, 80])),
        ("E7", lambda: head("ERROR", "Shop.Orders.OrderController") + "Unhandled exception while processing request %s: System.InvalidOperationException: Sequence contains no elements" % ("0HM" + "".join(R.choice("ABCDEFGHIJKLMNOPQRSTUV0123456789") for _ in range(10)))),
        ("E8", lambda: head("INFO", "Microsoft.Hosting.Lifetime") + "Application started. Press Ctrl+C to shut down."),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("privoxy")
def privoxy(c):
    # Privoxy's log as in ossec-docs' log samples (docs/log_samples/misc/privoxy.rst:
    # `Nov 04 15:07:58 Privoxy(00000f14) Request: host/path crunch!`, `Info: Listening on port
    # 8118 for local connections only`); hosts, paths and the Crunch/Error lines written here.
    def head():
        return "%s Privoxy(%08x) " % (c.t.strftime("%b %d %H:%M:%S"), R.randint(0x100, 0xfff))
    host = lambda: R.choice(["www.example.com", "news.example.org", "cdn.static.example.net", "mail.example.com", "search.example.org"])
    ads = lambda: R.choice(["ads.tracker.example", "banner.adnet.example", "pixel.metrics.example"])
    pth = lambda: R.choice(["/", "/index.html", "/search?q=%s" % R.choice(["pine", "log+parser", "weather"]), "/img/%s.png" % hexs(6), "/article/%s" % num()])
    ev = [
        ("E1", lambda: head() + "Request: %s%s" % (host(), pth())),
        ("E2", lambda: head() + "Request: %s%s crunch!" % (ads(), pth())),
        ("E3", lambda: head() + "Crunch: Blocked: http://%s%s" % (ads(), pth())),
        ("E4", lambda: head() + "Info: Privoxy version 3.0.%d" % R.randint(6, 34)),
        ("E5", lambda: head() + "Info: Listening on port %d for local connections only" % R.choice([8118, 8119])),
        ("E6", lambda: head() + "Error: connect to: %s failed: Operation timed out" % host()),
        ("E7", lambda: head() + "Request: config.privoxy.org/%s cgi call" % R.choice(["send-stylesheet", "show-status", "toggle"])),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("raslog_switch")
def raslog_switch(c):
    # A switch's RASLog (Extreme Networks SLX-OS message reference, "Understanding RASLog
    # messages": `<Timestamp>, [<Event ID>], <Sequence Number>, <Flags>, <Severity>, <Switch
    # name>, <message>`, flags such as `M1 | Standby` or empty). One event per event id; the
    # HASM ones after the page's examples, the others written here.
    seq = [0]
    def head(eid, sev):
        seq[0] += 1
        flags = R.choice(["M1 | Active", "M2 | Standby", "M1 | Standby", ""])
        return "%s, [%s], %d, %s, %s, %s, " % (c.t.strftime("%Y/%m/%d-%H:%M:%S"), eid, seq[0], flags, sev, R.choice(["SLX9850-4", "SLX9540-1", "core-sw-02"]))
    port_ = lambda: "Ethernet %d/%d" % (R.randint(0, 2), R.randint(1, 48))
    ev = [
        ("E1", lambda: head("NSM-1001", "INFO") + "Interface %s is online." % port_()),
        ("E2", lambda: head("NSM-1003", "INFO") + "Interface %s is link down." % port_()),
        ("E3", lambda: head("SEC-1203", "INFO") + "Login information: Login successful via %s. IP Addr: %s" % (R.choice(["TELNET", "SSH"]), ip())),
        ("E4", lambda: head("HASM-1104", "INFO") + "Heartbeat to M%d up." % R.randint(1, 2)),
        ("E5", lambda: head("HASM-1101", "WARNING") + "HA State out of sync."),
        ("E6", lambda: head("FW-1424", "WARNING") + "Switch status changed from HEALTHY to MARGINAL."),
        ("E7", lambda: head("RAS-1007", "INFO") + "System is about to reload."),
        ("E8", lambda: head("HASM-1004", "INFO") + "Processor reloaded - ChassisReboot."),
    ]
    return None, lambda: zipf_lines(c, ev)


@layout("swift_proxy", held_out=True)
def swift_proxy(c):
    # OpenStack Swift through syslog (Swift docs, "Logs": the proxy's access line is `client_ip
    # remote_addr datetime request_method request_path protocol status_int referer user_agent
    # auth_token bytes_recvd bytes_sent client_etag transaction_id headers request_time source
    # log_info request_start_time request_end_time policy_index`, datetime as
    # day/month/year/hour/minute/second). One event per request method for access lines (as
    # the OpenStack API lines of nova_journal), errors and handoffs written here.
    def head(prog):
        return "%s %s %s: " % (c.t.strftime("%b %d %H:%M:%S"), R.choice(["proxy01", "proxy02"]), prog)
    acct = lambda: "AUTH_%s" % hexs(32)
    txn = lambda: "tx%s-%s" % (hexs(21), hexs(10))
    def access(method, status):
        def line():
            a = ip()
            st = R.choice(status)
            t0 = epoch(c.t) + R.random()
            return head("proxy-server") + "%s %s %s %s /v1/%s/%s/%s HTTP/1.0 %d - %s %s %s %s - %s - %.4f - - %.6f %.6f 0" % (
                a, a, c.t.strftime("%d/%b/%Y/%H/%M/%S"), method, acct(), R.choice(["backups", "images", "logs"]), "obj-%s" % num(), st,
                R.choice(["python-swiftclient-3.13.1", "rclone/v1.62.2", "curl/7.88.1"]), "gAAAAAB%s..." % hexs(12), num(0, 900000) if method == "PUT" else "-", num(0, 900000) if method == "GET" else "-", txn(), R.uniform(0.001, 2), t0, t0 + R.uniform(0.001, 2))
        return line
    ev = [
        ("E1", access("GET", [200, 200, 206])),
        ("E2", access("PUT", [201])),
        ("E3", access("HEAD", [204, 200])),
        ("E4", access("DELETE", [204, 404])),
        ("E5", lambda: head("proxy-server") + "ERROR with Object server %s:6200/sd%s re: Trying to GET /v1/%s/logs/obj-%s: Timeout (10.0s) (txn: %s) (client_ip: %s)" % (ip(), R.choice("bcd"), acct(), num(), txn(), ip())),
        ("E6", lambda: head("proxy-server") + "Handoff requested (%d) (txn: %s) (client_ip: %s)" % (R.randint(1, 4), txn(), ip())),
        ("E7", lambda: head("object-server") + "Object audit (ALL). Since %s: Locally: %d passed, %d quarantined, %d errors, files/sec: %.2f, bytes/sec: %.2f, Total time: %.2f, Auditing time: %.2f, Rate: %.2f" % (c.t.strftime("%a %b %d %H:%M:%S %Y"), R.randint(100, 9000), R.randint(0, 3), R.randint(0, 3), R.uniform(1, 90), R.uniform(1e4, 1e7), R.uniform(1, 900), R.uniform(1, 900), R.uniform(0, 1))),
    ]
    return None, lambda: zipf_lines(c, ev)



@layout("pfsense_filterlog", held_out=True)
def pfsense_filterlog(c):
    # pfSense's raw filter log through syslog (Netgate docs, "Raw Filter Log Format":
    # `<Timestamp> <Hostname> filterlog: <CSV data>`, the common fields rule number, sub rule,
    # anchor, tracker, interface, reason, action, direction, IP version, then the IPv4 fields
    # and the TCP, UDP or ICMP ones). Added in the sixth round after the first six were scored,
    # held out before it was scored. One event per action, direction and protocol.
    def head():
        return "%s %s filterlog: " % (c.t.strftime("%b %d %H:%M:%S"), R.choice(["fw1", "fw2"]))
    def common(action, direction, proto_id, proto):
        rule = R.choice([5, 7, 12, 58]) if action == "block" else R.choice([60, 61, 73])
        return "%d,,,%d,%s,match,%s,%s,4,0x0,,%d,%d,0,%s,%d,%s,%d,%s,%s," % (
            rule, 1000000000 + rule * 100 + R.randint(0, 9), R.choice(["igb0", "igb1", "em0"]), action, direction,
            R.choice([52, 63, 64, 128]), R.randint(1, 65535), R.choice(["DF", "none"]), proto_id, proto, R.randint(40, 1500), ip(), ip())
    def tcp(action, direction):
        return lambda: head() + common(action, direction, 6, "tcp") + "%s,%d,%d,%s,%d,,%d,,mss;sackOK;TS;nop;wscale" % (port(), R.choice([22, 80, 443, 3389, 8443]), R.randint(0, 1400), R.choice(["S", "SA", "FA", "R"]), R.randint(1, 4294967295), R.randint(1024, 65535))
    def udp(action, direction):
        return lambda: head() + common(action, direction, 17, "udp") + "%s,%d,%d" % (port(), R.choice([53, 123, 161, 514]), R.randint(8, 512))
    ev = [
        ("E1", tcp("block", "in")),
        ("E2", tcp("pass", "out")),
        ("E3", udp("pass", "out")),
        ("E4", udp("block", "in")),
        ("E5", lambda: head() + common("block", "in", 1, "icmp") + "request,%d,%d" % (R.randint(1, 65535), R.randint(1, 9999))),
    ]
    return None, lambda: zipf_lines(c, ev)


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, held_out, fn in LAYOUTS:
        c = Clock()
        h, ev = fn(c)
        if name == "apt_history":
            lines, events = apt_history_lines()
        elif h is None:
            lines, events = ev()
        else:
            # Skewed frequencies, as in real logs: a few events dominate.
            weights = [1.0 / (i + 1) for i in range(len(ev))]
            lines, events = [], []
            for _ in range(300):
                eid, msg = R.choices(ev, weights)[0]
                c.tick()
                lines.append(h() + msg())
                events.append(eid)
            # Every event at least twice.
            for eid, msg in ev:
                for _ in range(2):
                    c.tick()
                    lines.append(h() + msg())
                    events.append(eid)
        d = os.path.join(OUT, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".log"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(d, name + ".events"), "w") as f:
            f.write("\n".join(events) + "\n")
    with open(os.path.join(OUT, "held_out.txt"), "w") as f:
        f.write("".join(n + "\n" for n, held, _ in LAYOUTS if held))


if __name__ == "__main__":
    main()
