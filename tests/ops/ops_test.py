#!/usr/bin/python3
"""Operations tests against the pipeline binary fed through `eventwire mock-broker`.

  prometheus  a real Prometheus server (Debian's /usr/bin/prometheus, loopback, temp dir,
              1 s scrapes, deploy/prometheus/alerts.yml loaded) scrapes the running pipeline;
              its HTTP API shows the counters move as articles flow, DLQ by reason, stage
              histograms, transactions, readiness, and the alert rules evaluate cleanly.
  health      started before its broker, the pipeline waits alive (/healthz 200) and unready
              (/readyz 503); once the broker is up and the consumer has joined its group
              /readyz is 200; when the broker dies it turns 503 (broker_reachable=no) while
              /healthz stays 200; SIGTERM then ends the process within --shutdown-timeout-s.
  sigterm     SIGTERM mid-stream: the pipeline exits 0 within its budget, a restarted one
              drains the rest, and every article shows up exactly once as a committed story
              record, every bad one in the DLQ: nothing lost, nothing doubled. Exactly-once
              against a real broker when EVENTWIRE_TEST_BROKERS is set (ctest:
              realkafka_ops_sigterm), else at-least-once on the mock (see test_sigterm).

Usage: ops_test.py {prometheus|health|sigterm} --pipeline BIN --eventwire BIN
Articles come from tests/reliability/eoslib.py's generator (distinct, news-like). Every
wait is bounded; all processes are stopped on exit.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "reliability"))

procs = []


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    for p in procs:
        tail = p.log_tail() if hasattr(p, "log_tail") else ""
        if tail:
            print(f"--- {p.name} log tail ---\n{tail}", file=sys.stderr)
    sys.exit(1)


def say(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=2):
    """(status, body); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return 0, ""


def wait_for(what, predicate, timeout_s, interval=0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    fail(f"timed out after {timeout_s}s waiting for {what}")


class Process:
    def __init__(self, name, argv, workdir):
        self.name = name
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT)
        procs.append(self)

    def log_tail(self, n=3000):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout_s=30):
        """Sends `sig`; returns (exit code, seconds it took) or kills after timeout_s."""
        if self.proc.poll() is not None:
            return self.proc.returncode, 0.0
        start = time.monotonic()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None, time.monotonic() - start
        return rc, time.monotonic() - start


def cleanup():
    for p in procs:
        if p.proc.poll() is None:
            p.proc.kill()
            p.proc.wait()
        p.log.close()


class MockBroker(Process):
    def __init__(self, eventwire, topics, workdir, port=None):
        """`port`: also accept bootstrap connections on 127.0.0.1:port."""
        bootstrap_file = os.path.join(workdir, "bootstrap")
        fixed = ["--port", str(port)] if port else []
        super().__init__("mock-broker", [eventwire, "mock-broker", "--bootstrap-file", bootstrap_file,
                                         "--topics", ",".join(topics), "--partitions", "3", *fixed], workdir)
        wait_for("mock-broker to start", lambda: os.path.exists(bootstrap_file) or self.proc.poll() is not None, 20)
        if self.proc.poll() is not None:
            fail("mock-broker exited at start")
        with open(bootstrap_file) as f:
            self.bootstrap = f.read().strip()
        os.environ["EVENTWIRE_TEST_BROKERS"] = self.bootstrap  # for eoslib's clients


class Pipeline(Process):
    def __init__(self, binary, topics, workdir, name="pipeline", extra=()):
        import eoslib
        self.metrics_port, self.health_port = free_port(), free_port()
        os.environ["EVENTWIRE_EOS_PIPELINE"] = binary  # pipeline_command's base command
        argv = [*eoslib.pipeline_command(topics),
                "--metrics-port", str(self.metrics_port), "--health-port", str(self.health_port),
                "--listen-host", "127.0.0.1", *extra]
        super().__init__(name, argv, workdir)

    def running(self):
        """True while the process runs; a pipeline that exited ends the test at once."""
        if self.proc.poll() is not None:
            fail(f"{self.name} exited with {self.proc.returncode}")
        return True

    def health(self, path):
        return http_get(f"http://127.0.0.1:{self.health_port}{path}")

    def metric(self, name):
        """Sum of a metric's samples in one /metrics scrape (None when unreachable)."""
        status, text = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        if status != 200:
            return None
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total


def bad_records(topic, brokers):
    """Two records that must be dead-lettered: empty, and declared JSON that is not."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": brokers})
    p.produce(topic, key=b"bad-empty", value=b"")
    p.produce(topic, key=b"bad-json", value=b"{not json", headers={"content-type": "application/json"})
    p.flush(30)
    return {"bad-empty", "bad-json"}


# --- prometheus ---------------------------------------------------------------------------------

class Prometheus(Process):
    def __init__(self, target, workdir):
        self.port = free_port()
        rules = os.path.join(workdir, "alerts.yml")
        shutil.copy(os.path.join(ROOT, "deploy", "prometheus", "alerts.yml"), rules)
        config = os.path.join(workdir, "prometheus.yml")
        with open(config, "w") as f:
            json.dump({  # JSON is YAML
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [rules],
                "scrape_configs": [{"job_name": "eventwire-pipeline",
                                    "static_configs": [{"targets": [target],
                                                        "labels": {"namespace": "ops-test"}}]}],
            }, f)
        super().__init__("prometheus", [
            "/usr/bin/prometheus", f"--config.file={config}",
            f"--storage.tsdb.path={os.path.join(workdir, 'tsdb')}",
            f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"], workdir)
        wait_for("Prometheus to be ready",
                 lambda: self.proc.poll() is not None or http_get(f"http://127.0.0.1:{self.port}/-/ready")[0] == 200, 60)
        if self.proc.poll() is not None:
            fail("prometheus exited at start")

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?" + urllib.parse.urlencode(params)
        status, body = http_get(url, timeout=5)
        if status != 200:
            fail(f"Prometheus API {url}: HTTP {status} {body[:300]}")
        return json.loads(body)["data"]

    def value(self, query):
        """The single value of an instant query, or None when it returns nothing."""
        result = self.api("query", query=query)["result"]
        if not result:
            return None
        if len(result) != 1:
            fail(f"{query}: expected one series, got {result}")
        return float(result[0]["value"][1])


def test_prometheus(args, workdir):
    import eoslib
    topics = eoslib.Topics("ops-prom", 3)
    broker = MockBroker(args.eventwire, [topics.input, topics.events, topics.stories, topics.dlq], workdir)
    pipeline = Pipeline(args.pipeline, topics, workdir)
    prom = Prometheus(f"127.0.0.1:{pipeline.metrics_port}", workdir)
    wait_for("Prometheus to scrape the pipeline (up == 1)",
             lambda: pipeline.running() and prom.value('up{job="eventwire-pipeline"}') == 1, 60)
    before = prom.value("eventwire_articles_consumed_total")
    if before != 0:
        fail(f"eventwire_articles_consumed_total starts at {before}, not 0")
    say("Prometheus scrapes the pipeline; consumed = 0")

    producer = eoslib.ArticleProducer(topics.input, seed=8)
    producer.send(40)
    bad = bad_records(topics.input, broker.bootstrap)
    expected = 40 + len(bad)
    wait_for(f"eventwire_articles_consumed_total == {expected} in Prometheus",
             lambda: prom.value("eventwire_articles_consumed_total") == expected, 90)
    checks = {
        "sum(eventwire_dlq_total)": lambda v: v == 2,
        'eventwire_dlq_total{reason="empty"}': lambda v: v == 1,
        'eventwire_dlq_total{reason="bad_json"}': lambda v: v == 1,
        "sum(eventwire_stories_produced_total)": lambda v: v == 40,
        "sum(eventwire_events_produced_total)": lambda v: v > 0,
        'eventwire_stage_duration_seconds_count{stage="clean"}': lambda v: v == 40,
        'eventwire_stage_duration_seconds_count{stage="decode"}': lambda v: v == expected,
        'eventwire_transactions_total{outcome="committed"}': lambda v: v >= 1,
        "eventwire_event_latency_seconds_count": lambda v: v > 0,
        "eventwire_ready": lambda v: v == 1,
        "sum(eventwire_consumer_lag_messages)": lambda v: v == 0,
        "count(eventwire_consumer_lag_messages)": lambda v: v == 3,
    }
    for query, ok in checks.items():
        value = wait_for(f"{query} to settle", lambda: (lambda v: (v,) if v is not None and ok(v) else None)(prom.value(query)), 20)
        say(f"  {query} = {value[0]:g}")

    producer.send(25)
    wait_for("the consumed counter to move on to 67",
             lambda: prom.value("eventwire_articles_consumed_total") == expected + 25, 60)
    rate = prom.value("sum(rate(eventwire_articles_consumed_total[30s]))")
    if not rate or rate <= 0:
        fail(f"rate(eventwire_articles_consumed_total[30s]) = {rate}")
    say(f"counters moved: consumed {expected} -> {expected + 25}, rate {rate:.2f}/s")

    groups = prom.api("rules")["groups"]
    rules = [r for g in groups for r in g["rules"]]
    if len(rules) < 7 or any(r.get("health") != "ok" for r in rules):
        fail(f"alert rules not all evaluated cleanly: {[(r['name'], r.get('health'), r.get('lastError')) for r in rules]}")
    firing = [r["name"] for r in rules if r.get("state") == "firing"]
    if firing:
        fail(f"alerts firing on a healthy pipeline: {firing}")
    say(f"{len(rules)} alert rules loaded and evaluated, none firing")

    rc, took = pipeline.stop(timeout_s=30)
    if rc != 0:
        fail(f"pipeline exited {rc} on SIGTERM")
    prom.stop()
    broker.stop()


# --- health -------------------------------------------------------------------------------------

def test_health(args, workdir):
    import eoslib
    topics = eoslib.Topics("ops-health", 3)
    # The pipeline starts before its broker: it must wait, alive and unready, not exit.
    port = free_port()
    os.environ["EVENTWIRE_TEST_BROKERS"] = f"127.0.0.1:{port}"
    budget = 5
    pipeline = Pipeline(args.pipeline, topics, workdir, extra=["--shutdown-timeout-s", str(budget)])
    wait_for("/healthz to answer 200", lambda: pipeline.running() and pipeline.health("/healthz")[0] == 200,
             30, 0.02)
    status, body = pipeline.health("/readyz")
    if status != 503:
        fail(f"/readyz answered {status} before any broker was up: {body}")
    say(f"at start, no broker: /readyz 503 ({body.strip()})")
    # Longer than one attempt's timeout of the topic set-up (librdkafka's default is 30 s):
    # a pipeline that gives up on an unreachable broker has exited by then.
    outage_s = 32
    deadline = time.monotonic() + outage_s
    while time.monotonic() < deadline:
        status, body = pipeline.health("/readyz")
        if not pipeline.running() or status != 503 or "broker_reachable=no" not in body:
            fail(f"no broker yet: /readyz {status} ({body.strip()}), want 503 with broker_reachable=no")
        if pipeline.health("/healthz")[0] != 200:
            fail("no broker yet: /healthz is not 200")
        time.sleep(1)
    say(f"no broker for {outage_s} s: still running, /healthz 200, /readyz 503 ({body.strip()})")

    broker = MockBroker(args.eventwire, [topics.input, topics.events, topics.stories, topics.dlq], workdir,
                        port=port)
    wait_for("/readyz to turn 200 once the broker is up",
             lambda: pipeline.running() and pipeline.health("/readyz")[0] == 200, 45)
    status, body = pipeline.health("/readyz")
    for cond in ("partitions_assigned=yes", "state_restored=yes", "broker_reachable=yes"):
        if cond not in body:
            fail(f"/readyz 200 but body lacks {cond}: {body}")
    say(f"joined: /readyz 200 ({body.strip()})")

    broker.stop(signal.SIGKILL)
    wait_for("/readyz to turn 503 after the broker died",
             lambda: pipeline.health("/readyz")[0] == 503, 30)
    status, body = pipeline.health("/readyz")
    if "broker_reachable=no" not in body:
        fail(f"/readyz 503 but not for the broker: {body}")
    say(f"broker down: /readyz 503 ({body.strip()})")
    # Liveness must not depend on the broker: pods wait out an outage instead of restarting.
    for _ in range(10):
        status, _ = pipeline.health("/healthz")
        if status != 200:
            fail(f"/healthz answered {status} during a broker outage")
        time.sleep(0.3)
    say("broker down: /healthz stays 200")

    rc, took = pipeline.stop(timeout_s=budget + 10)
    if rc is None or took > budget + 3:
        fail(f"SIGTERM during the outage: still running after {took:.1f}s (budget {budget}s)")
    if rc not in (0, 3):
        fail(f"SIGTERM during the outage: exit {rc} (want 0, or 3 from the shutdown watchdog)")
    say(f"SIGTERM with the broker down: exit {rc} after {took:.1f}s (budget {budget}s)")


# --- sigterm ------------------------------------------------------------------------------------

def test_sigterm(args, workdir):
    import eoslib
    _, story_pb2 = eoslib.load_protos()
    topics = eoslib.Topics("ops-term", 3)
    if os.environ.get("EVENTWIRE_TEST_BROKERS"):
        # A real broker (tests/fixtures/kafka): exactly-once, static membership, as deployed.
        brokers = os.environ["EVENTWIRE_TEST_BROKERS"]
        topics.create()
        mode = []
        say(f"real broker {brokers}: exactly-once")
    else:
        # librdkafka's mock does not store offsets sent in a transaction (docs/semantics.md),
        # so on it the graceful path is shown with at-least-once delivery, whose shutdown
        # must equally finish the batch and commit its offsets; and without static
        # membership, which the mock does not implement (the restart would wait out the
        # session timeout).
        brokers = MockBroker(args.eventwire, [topics.input, topics.events, topics.stories, topics.dlq],
                             workdir).bootstrap
        mode = ["--delivery", "at-least-once", "--no-static-membership"]
        say(f"mock broker {brokers}: at-least-once")
    producer = eoslib.ArticleProducer(topics.input, seed=11)
    total = 1500
    producer.send(total)
    bad = bad_records(topics.input, brokers)
    say(f"produced {total} articles + {len(bad)} bad records")

    budget = 10
    small_batches = [*mode, "--batch-max-messages", "10", "--shutdown-timeout-s", str(budget)]
    first = Pipeline(args.pipeline, topics, workdir, name="pipeline-1", extra=small_batches)
    consumed = wait_for("the first pipeline to commit some but not all input",
                        lambda: first.running() and (lambda v: v if v and v > 0 else None)(
                            first.metric("eventwire_articles_consumed_total")),
                        60, 0.02)
    rc, took = first.stop(timeout_s=budget + 10)
    if rc != 0:
        fail(f"SIGTERM mid-stream: exit {rc} after {took:.1f}s (want 0 within {budget}s)")
    say(f"SIGTERM after >= {consumed:g} of {total + len(bad)} records: exit 0 in {took:.1f}s")

    committed = sum(eoslib.committed_offsets(topics.group, topics.input, topics.partitions).values())
    if committed >= total + len(bad):
        fail(f"the first pipeline finished everything ({committed}) before SIGTERM: not mid-stream; "
             "raise the article count")
    say(f"committed input offsets at shutdown: {committed}")

    second = Pipeline(args.pipeline, topics, workdir, name="pipeline-2",
                      extra=[*mode, "--exit-when-idle-s", "8", "--shutdown-timeout-s", str(budget)])
    try:
        rc = second.proc.wait(120)
    except subprocess.TimeoutExpired:
        fail("the restarted pipeline did not drain and go idle within 120s")
    if rc != 0:
        fail(f"the restarted pipeline exited {rc}")

    triggers = {}
    for msg in eoslib.read_committed(topics.stories, topics.partitions):
        story = story_pb2.Story()
        story.ParseFromString(msg.value())
        aid = eoslib.story_trigger(story)
        triggers[aid] = triggers.get(aid, 0) + 1
    dlq_keys = [m.key().decode() for m in eoslib.read_committed(topics.dlq, topics.partitions)]
    lost = sorted(set(producer.where) - set(triggers))
    doubled = sorted(a for a, n in triggers.items() if n > 1)
    say(f"stories: {len(triggers)} articles, lost {len(lost)}, doubled {len(doubled)}; dlq: {sorted(dlq_keys)}")
    if lost:
        fail(f"{len(lost)} articles lost across SIGTERM + restart, e.g. {lost[:5]}")
    if doubled:
        fail(f"{len(doubled)} articles processed twice across SIGTERM + restart, e.g. {doubled[:5]}")
    if sorted(dlq_keys) != sorted(bad):
        fail(f"DLQ holds {sorted(dlq_keys)}, want each bad record once: {sorted(bad)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("test", choices=["prometheus", "health", "sigterm"])
    p.add_argument("--pipeline", required=True)
    p.add_argument("--eventwire", required=True)
    args = p.parse_args()
    workdir = tempfile.mkdtemp(prefix=f"eventwire-ops-{args.test}-")
    try:
        {"prometheus": test_prometheus, "health": test_health, "sigterm": test_sigterm}[args.test](args, workdir)
    finally:
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    say("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
