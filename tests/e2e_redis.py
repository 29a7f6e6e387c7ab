#!/usr/bin/env python3
"""e2e_redis.py - the Redis sink against real redis-server processes.

Every case starts its own redis-server on a free loopback port (no
persistence unless the case needs it, data in WORKDIR) and reads back with
its own RESP client over a socket: LRANGE for list and rpush, a SUBSCRIBE
connection for channel, XRANGE for stream.  What reaches Redis is compared
event by event (event_id) with the EVE file the same run wrote, and every
event is validated against the schema.  Fault cases: Redis killed in the
middle of a replay and restarted (every event exactly once after
de-duplication by event_id), Redis never started (the spool holds every
event and drains on the next run), a password the sensor lacks (a clear
error in stderr and stats, every event spooled, delivered once it is given).
Usage: e2e_redis.py SLUICE PCAPS_DIR REAL_PCAPS_DIR_OR_EMPTY SCHEMA WORKDIR
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import evecheck  # noqa: E402

SLUICE, PCAPS, REAL, SCHEMA, WORK = sys.argv[1:6]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
servers = []


class Resp:
    """A minimal RESP2 client: enough for the commands these tests send."""

    def __init__(self, port=None, unix=None, timeout=10):
        if unix:
            self.s = socket.socket(socket.AF_UNIX)
            self.s.connect(unix)
        else:
            self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.settimeout(timeout)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad RESP reply %r" % line)

    def send(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)

    def cmd(self, *args):
        self.send(*args)
        return self.reply()

    def close(self):
        self.s.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, name, port=None, extra=(), persist=False):
        self.dir = os.path.join(WORK, "redis-" + name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        self.extra, self.persist = list(extra), persist
        self.proc = None
        servers.append(self)

    def start(self):
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--dir", self.dir, "--daemonize", "no", "--logfile", "redis.log"]
        if self.persist:  # an acknowledged write survives kill -9
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        self.proc = subprocess.Popen(args + self.extra, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                c = Resp(self.port, timeout=1)
                try:
                    c.cmd("PING")
                except RuntimeError:  # NOAUTH: up, and wants a password
                    pass
                c.close()
                return self
            except OSError:
                time.sleep(0.05)
        raise SystemExit("FAIL: redis-server on port %d did not start" % self.port)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, password=None):
        c = Resp(self.port)
        if password:
            c.cmd("AUTH", password)
        return c


failures = []
last_stdout = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, file=sys.stderr)
    return cond


def run_sluice(logdir, inputs, sets, timeout=300):
    os.makedirs(logdir, exist_ok=True)
    args = [SLUICE, "-l", logdir]
    for i in inputs:
        args += ["-r", i]
    for s in sets:
        args += ["--set", s]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    last_stdout[:] = p.stdout.splitlines()
    return p.returncode, p.stderr.decode("utf-8", "replace")


def eve_events(logdir, validate=False):
    """The run's eve.json; validated against the schema when asked (slow: a few ms each)."""
    path = os.path.join(logdir, "eve.json")
    if validate:
        return evecheck.load_events(path, SCHEMA)
    with open(path, "rb") as f:
        return [json.loads(line) for line in f.read().splitlines()]


def parse_redis(values):
    """Redis values to events: each must be exactly one JSON object."""
    out = []
    for raw in values:
        ev = json.loads(raw.decode("utf-8", errors="strict"))
        check(isinstance(ev, dict), "a Redis value is not a JSON object: %r" % raw[:80])
        out.append(ev)
    return out


def same_bytes(values, logdir, types=None):
    """Redis values are byte for byte the EVE file's lines (of `types`), in order."""
    with open(os.path.join(logdir, "eve.json"), "rb") as f:
        lines = f.read().splitlines()
    if types:
        lines = [l for l in lines if json.loads(l)["event_type"] in types]
    return list(values) == lines


def ids(events):
    return [e["event_id"] for e in events]


def sink_stats(events, name="redis"):
    stats = [e for e in events if e["event_type"] == "stats"]
    for s in stats[-1]["stats"]["output"]["sinks"]:
        if s["name"] == name:
            return s
    return None


def redis_sets(port, *more):
    return ["redis.enabled=true", "redis.server=127.0.0.1", "redis.port=%d" % port] + list(more)


def spool_lines(logdir):
    d = os.path.join(logdir, "redis-spool")
    n = 0
    for name in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if name.endswith(".spool"):
            with open(os.path.join(d, name), "rb") as f:
                n += f.read().count(b"\n")
    return n


def pcap_inputs():
    return [os.path.join(PCAPS, f) for f in sorted(os.listdir(PCAPS)) if f.endswith(".pcap")]


# ---- each mode, read back by a real client ----

def case_list():
    srv = Server("list").start()
    log = os.path.join(WORK, "list")
    rc, err = run_sluice(log, pcap_inputs(), redis_sets(srv.port))
    check(rc == 0, "list: sluice exited %d: %s" % (rc, err))
    eve = eve_events(log, validate=True)
    c = srv.client()
    raw = c.cmd("LRANGE", "sluice", 0, -1)
    got = parse_redis(raw)
    # LPUSH: newest first, so reversed it is the EVE file, byte for byte (schema-valid).
    check(same_bytes(raw[::-1], log), "list: LRANGE (%d) differs from eve.json (%d)"
          % (len(got), len(eve)))
    st = sink_stats(eve)
    check(st is not None and st["connected"] is True and st["errors"] == 0
          and st["queued"] == len(eve) - 1, "list: stats of the redis sink: %s" % st)
    check(c.cmd("TYPE", "sluice") == "list", "list: key is not a list")
    print("list: %d events, LRANGE matches eve.json in order" % len(got))
    srv.stop()


def case_rpush_per_type_filter():
    srv = Server("rpush").start()
    log = os.path.join(WORK, "rpush")
    rc, err = run_sluice(log, pcap_inputs(), redis_sets(
        srv.port, "redis.mode=rpush", "redis.key=ids", "redis.key_per_type=true",
        "redis.types=alert,stats", "outputs.stdout.enabled=true", "outputs.stdout.types=flow"))
    check(rc == 0, "rpush: sluice exited %d: %s" % (rc, err))
    eve = eve_events(log)
    c = srv.client()
    raw_alerts = c.cmd("LRANGE", "ids:alert", 0, -1)
    check(same_bytes(raw_alerts, log, ("alert",)), "rpush: ids:alert is not eve.json's alerts")
    alerts = parse_redis(raw_alerts)
    stats = parse_redis(c.cmd("LRANGE", "ids:stats", 0, -1))
    want_alerts = [e for e in eve if e["event_type"] == "alert"]
    check(len(want_alerts) > 0, "rpush: no alerts in the replay")
    check(ids(alerts) == ids(want_alerts), "rpush: ids:alert differs from eve.json's alerts")
    check(ids(stats) == ids([e for e in eve if e["event_type"] == "stats"]),
          "rpush: ids:stats differs")
    check(c.cmd("EXISTS", "ids:flow") == 0 and c.cmd("EXISTS", "ids") == 0,
          "rpush: flow events reached Redis despite redis.types=alert,stats")
    check(any(e["event_type"] == "flow" for e in eve), "rpush: eve.json lost its flows")
    check(same_bytes(last_stdout, log, ("flow",)), "rpush: stdout is not eve.json's flows")
    print("rpush: %d alerts to ids:alert, %d stats to ids:stats; flows to stdout; all to the file"
          % (len(alerts), len(stats)))
    srv.stop()


def case_channel():
    srv = Server("channel").start()
    sub = srv.client()
    sub.cmd("SUBSCRIBE", "feed")
    got = []

    def listen():
        try:
            while True:
                msg = sub.reply()
                if msg[0] == b"message":
                    got.append(msg[2])
        except (OSError, ConnectionError):
            pass

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    log = os.path.join(WORK, "channel")
    rc, err = run_sluice(log, pcap_inputs(), redis_sets(srv.port, "redis.mode=channel",
                                                         "redis.key=feed"))
    check(rc == 0, "channel: sluice exited %d: %s" % (rc, err))
    eve = eve_events(log)
    deadline = time.time() + 20
    while len(got) < len(eve) and time.time() < deadline:
        time.sleep(0.1)
    sub.close()
    check(same_bytes(got, log),
          "channel: subscriber got %d events, eve.json has %d" % (len(got), len(eve)))
    print("channel: subscriber received all %d PUBLISHed events in order" % len(got))
    srv.stop()


def case_stream():
    srv = Server("stream").start()
    log = os.path.join(WORK, "stream")
    rc, err = run_sluice(log, pcap_inputs(), redis_sets(srv.port, "redis.mode=stream"))
    check(rc == 0, "stream: sluice exited %d: %s" % (rc, err))
    eve = eve_events(log)
    c = srv.client()
    entries = c.cmd("XRANGE", "sluice", "-", "+")
    check(all(len(fields) == 2 and fields[0] == b"eve" for _, fields in entries),
          "stream: entries must have the single field eve")
    got = parse_redis([fields[1] for _, fields in entries])
    check(same_bytes([fields[1] for _, fields in entries], log), "stream: XRANGE (%d) differs from eve.json (%d)"
          % (len(got), len(eve)))
    # An approximate cap: MAXLEN ~ trims in whole nodes, so well below the total.
    c.cmd("DEL", "sluice")
    log2 = os.path.join(WORK, "stream-capped")
    rc, err = run_sluice(log2, pcap_inputs(), redis_sets(srv.port, "redis.mode=xadd",
                                                          "redis.stream_maxlen=200"))
    n = c.cmd("XLEN", "sluice")
    check(200 <= n < len(eve_events(log2)), "stream: MAXLEN ~ 200 kept %d entries" % n)
    print("stream: XRANGE matches eve.json (%d entries); MAXLEN ~ 200 kept %d" % (len(got), n))
    srv.stop()


def case_unix_acl_db():
    sock = os.path.join(WORK, "redis-unix.sock")
    srv = Server("unix", extra=["--unixsocket", sock, "--unixsocketperm", "700",
                                "--user", "sensor", "on", ">s3cret", "~*", "&*", "+@all",
                                "--user", "default", "off"]).start()
    log = os.path.join(WORK, "unix")
    rc, err = run_sluice(log, pcap_inputs(), [
        "redis.enabled=true", "redis.socket=" + sock, "redis.username=sensor",
        "redis.password=s3cret", "redis.db=3", "redis.types=alert"])
    check(rc == 0, "unix: sluice exited %d: %s" % (rc, err))
    eve = [e for e in eve_events(log) if e["event_type"] == "alert"]
    c = Resp(unix=sock)
    c.cmd("AUTH", "sensor", "s3cret")
    c.cmd("SELECT", 3)
    raw = c.cmd("LRANGE", "sluice", 0, -1)
    got = parse_redis(raw)
    check(same_bytes(raw[::-1], log, ("alert",)), "unix: db 3 over the socket has %d alerts, want %d"
          % (len(got), len(eve)))
    print("unix socket, ACL user and db 3: %d alerts delivered" % len(got))
    srv.stop()


# ---- faults ----

def case_never_started():
    port = free_port()
    log = os.path.join(WORK, "down")
    rc, err = run_sluice(log, pcap_inputs(), redis_sets(port, "redis.drain_timeout=0"))
    eve1 = eve_events(log, validate=True)  # the stats event with a sink error
    check("cannot connect" in err, "down: no connection error in stderr: %s" % err)
    st = sink_stats(eve1)
    check(st is not None and st["connected"] is False and "cannot connect" in st["last_error"],
          "down: stats do not show the connection error: %s" % st)
    check(spool_lines(log) == len(eve1),
          "down: spool holds %d events, eve.json %d" % (spool_lines(log), len(eve1)))
    os.rename(os.path.join(log, "eve.json"), os.path.join(log, "eve-1.json"))
    # Next run, Redis up: the old spool first, then this run's events.
    srv = Server("down", port=port).start()
    rc, err = run_sluice(log, [os.path.join(PCAPS, "mixed.pcap")], redis_sets(port))
    check(rc == 0, "down: second run exited %d: %s" % (rc, err))
    eve2 = eve_events(log)
    got = parse_redis(srv.client().cmd("LRANGE", "sluice", 0, -1))
    check(ids(got)[::-1] == ids(eve1) + ids(eve2),
          "down: after restart Redis has %d events, want %d + %d in order"
          % (len(got), len(eve1), len(eve2)))
    check(spool_lines(log) == 0, "down: the spool was not emptied")
    print("never started: %d events spooled, all delivered in order on the next run (+%d)"
          % (len(eve1), len(eve2)))
    srv.stop()


def spooled_ids(logdir):
    """event_ids of the whole lines in the spool (a last line cut by SIGKILL is not one)."""
    d = os.path.join(logdir, "redis-spool")
    out = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".spool"):
            with open(os.path.join(d, name), "rb") as f:
                data = f.read()
            for line in data.split(b"\n")[:-1]:
                out.append(json.loads(line)["event_id"])
    return out


def case_killed_sensor():
    port = free_port()
    log = os.path.join(WORK, "killed")
    os.makedirs(log, exist_ok=True)
    inputs = [REAL] * 20 if REAL and os.path.isdir(REAL) else pcap_inputs() * 25
    args = [SLUICE, "-q", "-l", log, "--set", "outputs.eve.enabled=false"]
    for i in inputs:
        args += ["-r", i]
    args += ["--set=" + x for x in redis_sets(port)]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None and spool_lines(log) < 2000:
        time.sleep(0.02)
    check(p.poll() is None, "killed: the replay ended before it could be killed")
    p.kill()
    p.wait()
    left = spooled_ids(log)
    check(len(left) >= 2000, "killed: only %d events in the spool" % len(left))
    srv = Server("killed", port=port).start()
    rc, err = run_sluice(log, [os.path.join(PCAPS, "mixed.pcap")], redis_sets(port))
    check(rc == 0, "killed: next run exited %d: %s" % (rc, err))
    eve2 = eve_events(log)
    got = ids(parse_redis(srv.client().cmd("LRANGE", "sluice", 0, -1)))[::-1]
    check(got == left + ids(eve2), "killed: Redis has %d events, want the %d the killed sensor "
          "spooled, then %d" % (len(got), len(left), len(eve2)))
    print("killed sensor: %d spooled events delivered by the next start, in order" % len(left))
    srv.stop()


def case_wrong_password():
    srv = Server("auth", extra=["--requirepass", "letmein"]).start()
    log = os.path.join(WORK, "auth")
    rc, err = run_sluice(log, pcap_inputs(), redis_sets(srv.port, "redis.drain_timeout=0"))
    eve1 = eve_events(log)
    check("NOAUTH" in err and "redis.password" in err,
          "auth: stderr does not say the password is missing: %s" % err)
    st = sink_stats(eve1)
    check(st is not None and "NOAUTH" in st["last_error"] and st["errors"] >= 1
          and st["delivered"] == 0, "auth: stats do not show the auth error: %s" % st)
    check(spool_lines(log) == len(eve1), "auth: spool has %d, eve.json %d"
          % (spool_lines(log), len(eve1)))
    rc, err = run_sluice(os.path.join(WORK, "auth-bad"), pcap_inputs(), redis_sets(
        srv.port, "redis.password=wrong", "redis.drain_timeout=0"))
    check("AUTH failed" in err and "WRONGPASS" in err, "auth: a wrong password not reported: %s"
          % err)
    os.rename(os.path.join(log, "eve.json"), os.path.join(log, "eve-1.json"))
    rc, err = run_sluice(log, [os.path.join(PCAPS, "mixed.pcap")],
                         redis_sets(srv.port, "redis.password=letmein"))
    check(rc == 0, "auth: run with the password exited %d: %s" % (rc, err))
    eve2 = eve_events(log)
    got = parse_redis(srv.client("letmein").cmd("LRANGE", "sluice", 0, -1))
    check(ids(got)[::-1] == ids(eve1) + ids(eve2),
          "auth: with the password Redis has %d events, want %d + %d"
          % (len(got), len(eve1), len(eve2)))
    print("missing password: NOAUTH in stderr and stats, %d events spooled, all delivered "
          "once the password was given" % len(eve1))
    srv.stop()


def case_kill_restart():
    if REAL and os.path.isdir(REAL):
        inputs = [REAL] * 20
    else:
        inputs = pcap_inputs() * 25
    srv = Server("kill", persist=True).start()
    log = os.path.join(WORK, "kill")
    os.makedirs(log, exist_ok=True)
    result = {}

    def chaos():
        # Kill once a few thousand events are in, restart 2 s later on the same port and data.
        c = srv.client()
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if c.cmd("LLEN", "sluice") > 3000:
                    break
            except (OSError, ConnectionError):
                return
            time.sleep(0.02)
        c.close()
        result["at_kill"] = time.time()
        srv.kill()
        time.sleep(2)
        srv.start()
        result["restarted"] = time.time()

    t = threading.Thread(target=chaos)
    t.start()
    rc, err = run_sluice(log, inputs, redis_sets(srv.port, "redis.drain_timeout=60"))
    ended = time.time()
    t.join()
    check(rc == 0, "kill: sluice exited %d: %s" % (rc, err))
    check("restarted" in result and result["restarted"] < ended,
          "kill: the replay ended before Redis was restarted (make it longer)")
    check("connection lost" in err or "cannot connect" in err,
          "kill: sluice did not notice Redis going away: %s" % err)
    eve = eve_events(log)
    got = parse_redis(srv.client().cmd("LRANGE", "sluice", 0, -1))
    sent = ids(eve)
    recv = ids(got)
    dups = len(recv) - len(set(recv))
    lost = set(sent) - set(recv)
    extra = set(recv) - set(sent)
    alerts = sum(1 for e in eve if e["event_type"] == "alert")
    spooled = [l for l in err.splitlines() if "events delivered" in l]
    print("kill/restart: %d events sent (%d alerts), %d received, %d duplicates, %d lost, "
          "%d unknown; %s" % (len(sent), alerts, len(recv), dups, len(lost), len(extra),
                              spooled[-1] if spooled else ""))
    check(not lost, "kill: %d events lost" % len(lost))
    check(not extra, "kill: %d events in Redis that eve.json does not have" % len(extra))
    # Order is kept apart from repeats: first occurrences follow eve.json's order.
    seen, first = set(), []
    for i in reversed(recv):
        if i not in seen:
            seen.add(i)
            first.append(i)
    check(first == sent, "kill: events arrived out of order")
    check(spool_lines(log) == 0, "kill: the spool was not emptied")
    srv.stop()


def main():
    cases = (case_list, case_rpush_per_type_filter, case_channel, case_stream, case_unix_acl_db,
             case_never_started, case_killed_sensor, case_wrong_password, case_kill_restart)
    only = os.environ.get("REDIS_CASES")  # e.g. REDIS_CASES=kill_restart while debugging
    try:
        for case in cases:
            if not only or case.__name__[5:] in only.split(","):
                case()
    finally:
        for s in servers:
            s.stop()
    if failures:
        print("%d failure(s)" % len(failures), file=sys.stderr)
        return 1
    print("all Redis cases passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
