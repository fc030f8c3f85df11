#!/usr/bin/python3
"""End-to-end benchmark of the pipeline binary on a real Apache Kafka broker.

  throughput  N articles are loaded into the input topic first; the pipeline (pinned to one
              CPU with taskset, exactly-once by default) then drains them. The rate is taken
              between 10% and 90% of the input committed (startup excluded), from the group's
              committed offsets.
  baseline    the same articles copied by a plain consume-and-produce loop (kcat -C | kcat -P,
              no transactions), pinned the same way: the ceiling the broker and client allow.
  latency     articles produced at half the measured pipeline rate for --latency-seconds;
              produce-to-event latency = time a read_committed reader first sees an event of
              the article minus its produce time (also produce-to-story for every article).

Articles: the Reuters-21578 corpus when present (/work/shared/corpora/reuters21578, read at run
time, never copied), else generated ones (tests/reliability/eoslib.py).
Run under the broker fixture, which sets EVENTWIRE_TEST_BROKERS:

  tests/fixtures/kafka/kafka-broker session -- bench/e2e/e2e_bench.py \\
      --pipeline build/services/pipeline/eventwire-pipeline
"""

import argparse
import glob
import html
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "reliability"))
import eoslib  # noqa: E402
from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402

REUTERS = "/work/shared/corpora/reuters21578"


def reuters_articles(limit):
    docs = []
    for path in sorted(glob.glob(os.path.join(REUTERS, "reut2-*.sgm"))):
        with open(path, encoding="latin-1") as f:
            raw = f.read()
        for m in re.finditer(r"<REUTERS[^>]*NEWID=\"(\d+)\">(.*?)</REUTERS>", raw, re.S):
            body = re.search(r"<BODY>(.*?)</BODY>", m.group(2), re.S)
            title = re.search(r"<TITLE>(.*?)</TITLE>", m.group(2), re.S)
            if not body or not title:
                continue
            docs.append((f"reuters-{m.group(1)}", html.unescape(title.group(1)),
                         html.unescape(body.group(1)).replace("\x03", "").strip()))
            if len(docs) >= limit:
                return docs
    return docs


def load_articles(limit):
    """[(article_id, json bytes)] and a description of where they came from."""
    if os.path.isdir(REUTERS):
        docs = reuters_articles(limit)
        out = [(aid, json.dumps({"id": aid, "source": "reuters.example", "title": title,
                                 "text": body, "language": "en",
                                 "published_at": "1987-03-01T00:00:00Z"}).encode())
               for aid, title, body in docs]
        return out, f"Reuters-21578 ({len(out)} articles with a body)"
    rng = random.Random(1)
    out = [eoslib.make_article(i, rng) for i in range(limit)]
    return out, f"generated ({len(out)} articles; Reuters-21578 not found)"


def produce_all(topic, articles):
    p = Producer({"bootstrap.servers": eoslib.brokers(), "linger.ms": 20,
                  "enable.idempotence": True, "compression.type": "lz4"})
    for aid, value in articles:
        while True:
            try:
                p.produce(topic, key=aid.encode(), value=value,
                          headers={"content-type": "application/json"})
                break
            except BufferError:
                p.poll(0.05)
    p.flush(120)


def drain_rate(topics, total, started, proc, limit_s):
    """Articles/s between 10% and 90% of `total` committed by the group; None on timeout."""
    marks, deadline = {}, started + limit_s
    while time.monotonic() < deadline:
        done = sum(eoslib.committed_offsets(topics.group, topics.input,
                                            topics.partitions).values())
        now = time.monotonic()
        for frac in (0.1, 0.9):
            if frac not in marks and done >= frac * total:
                marks[frac] = (now, done)
        if done >= total:
            break
        if proc.poll() is not None:
            sys.exit(f"e2e: pipeline exited {proc.returncode} during the throughput run")
        time.sleep(0.05)
    if 0.9 not in marks or 0.1 not in marks:
        return None, time.monotonic() - started
    (t1, d1), (t2, d2) = marks[0.1], marks[0.9]
    return (d2 - d1) / max(t2 - t1, 1e-6), time.monotonic() - started


def pinned(cpu, argv):
    return ["taskset", "-c", str(cpu), *argv] if cpu >= 0 else argv


def run_pipeline(args, topics, log_path, extra=()):
    log = open(log_path, "ab")
    argv = pinned(args.cpu, eoslib.pipeline_command(topics, [*args.pipeline_args, *extra]))
    if args.delivery != "exactly-once":
        argv += ["--delivery", args.delivery]
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, **eoslib.PIPELINE_ENV)), log


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def throughput(args, articles, workdir):
    topics = eoslib.Topics("bench", args.partitions)
    topics.create()
    produce_all(topics.input, articles)
    started = time.monotonic()
    proc, log = run_pipeline(args, topics, os.path.join(workdir, "throughput.log"))
    rate, elapsed = drain_rate(topics, len(articles), started, proc, args.limit_s)
    stop(proc)
    log.close()
    return rate, elapsed


def copy_baseline(args, articles):
    """kcat consume | kcat produce of the same articles (one JSON line each), pinned the same."""
    topics = eoslib.Topics("copy", args.partitions)
    topics.create()
    produce_all(topics.input, articles)
    b = eoslib.brokers()
    started = time.monotonic()
    consume = subprocess.Popen(pinned(args.cpu, ["kcat", "-b", b, "-C", "-t", topics.input,
                                                 "-o", "beginning", "-e", "-q", "-K", "\t"]),
                               stdout=subprocess.PIPE)
    produce = subprocess.Popen(pinned(args.cpu, ["kcat", "-b", b, "-P", "-t", topics.events,
                                                 "-K", "\t", "-X", "linger.ms=20"]),
                               stdin=consume.stdout)
    consume.stdout.close()
    total, marks = len(articles), {}
    # Same window as the pipeline's: 10% to 90% of the articles copied.
    while produce.poll() is None and time.monotonic() - started < args.limit_s:
        done = sum(eoslib.end_offsets(topics.events, topics.partitions,
                                      "read_uncommitted").values())
        for frac in (0.1, 0.9):
            if frac not in marks and done >= frac * total:
                marks[frac] = (time.monotonic(), done)
        time.sleep(0.05)
    produce.wait(args.limit_s)
    elapsed = time.monotonic() - started
    copied = sum(eoslib.end_offsets(topics.events, topics.partitions,
                                    "read_uncommitted").values())
    if copied != total:
        sys.exit(f"e2e: copy baseline copied {copied} of {total}")
    if 0.1 in marks and 0.9 in marks and marks[0.9][1] - marks[0.1][1] >= total // 2:
        (t1, d1), (t2, d2) = marks[0.1], marks[0.9]
        return (d2 - d1) / max(t2 - t1, 1e-6), elapsed
    return total / elapsed, elapsed  # too fast for the polling to see: whole run


def latency(args, articles, rate, workdir, event_pb2, story_pb2):
    """p50/p99 produce-to-first-event and produce-to-story latency at `rate` articles/s."""
    topics = eoslib.Topics("lat", args.partitions)
    topics.create()
    proc, log = run_pipeline(args, topics, os.path.join(workdir, "latency.log"))
    sent, first_event, story_seen = {}, {}, {}
    stop_reading = threading.Event()

    def reader(topic, into, article_of):
        c = Consumer({"bootstrap.servers": eoslib.brokers(), "group.id": f"lat-{topic}",
                      "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                      "enable.auto.commit": False})
        c.subscribe([topic])
        # One record per poll: consume(n, timeout) waits until n records or the timeout,
        # which would add up to the whole timeout to every latency it measures.
        while not stop_reading.is_set():
            m = c.poll(0.1)
            if m is None or m.error():
                continue
            now = time.monotonic()
            into.setdefault(article_of(m.value()), now)
        c.close()

    def event_article(value):
        ev = event_pb2.Event()
        ev.ParseFromString(value)
        return ev.article_id

    def story_article(value):
        st = story_pb2.Story()
        st.ParseFromString(value)
        return eoslib.story_trigger(st)

    readers = [threading.Thread(target=reader, args=(topics.events, first_event, event_article)),
               threading.Thread(target=reader, args=(topics.stories, story_seen, story_article))]
    for t in readers:
        t.start()
    time.sleep(args.warmup_s)  # pipeline start, group join, init_transactions
    p = Producer({"bootstrap.servers": eoslib.brokers(), "linger.ms": 1,
                  "enable.idempotence": True})
    # Warm-up articles (generated, not measured) until their stories are read back: the first
    # transactions to each output topic wait for metadata and partition registration (~1 s on
    # this broker), a one-off start cost that is not the steady-state latency measured here.
    rng = random.Random(2)
    warm = [eoslib.make_article(900000 + i, rng) for i in range(20)]
    for aid, value in warm:
        p.produce(topics.input, key=aid.encode(), value=value,
                  headers={"content-type": "application/json"})
    p.flush(60)
    warm_deadline = time.monotonic() + 60
    while (not all(aid in story_seen for aid, _ in warm)
           and time.monotonic() < warm_deadline):
        time.sleep(0.1)
    count = min(len(articles), int(rate * args.latency_seconds))
    start = time.monotonic()
    for i, (aid, value) in enumerate(articles[:count]):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent[aid] = time.monotonic()
        p.produce(topics.input, key=aid.encode(), value=value,
                  headers={"content-type": "application/json"})
        p.poll(0)
    p.flush(60)
    deadline = time.monotonic() + 30
    while len(story_seen) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    stop_reading.set()
    for t in readers:
        t.join(10)
    stop(proc)
    log.close()

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")

    ev_lat = [first_event[a] - sent[a] for a in sent if a in first_event]
    st_lat = [story_seen[a] - sent[a] for a in sent if a in story_seen]
    return {"articles": count, "with_events": len(ev_lat), "stories": len(st_lat),
            "event_p50_ms": pct(ev_lat, 0.5), "event_p99_ms": pct(ev_lat, 0.99),
            "story_p50_ms": pct(st_lat, 0.5), "story_p99_ms": pct(st_lat, 0.99),
            "event_mean_ms": statistics.mean(ev_lat) * 1000 if ev_lat else float("nan")}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pipeline", help="the pipeline binary (or a command line); without it "
                    "only the copy baseline runs")
    ap.add_argument("--articles", type=int, default=20000)
    ap.add_argument("--partitions", type=int, default=1)
    ap.add_argument("--cpu", type=int, default=1, help="CPU to pin to (-1: no pinning)")
    ap.add_argument("--delivery", default="exactly-once")
    ap.add_argument("--latency-seconds", type=float, default=20)
    ap.add_argument("--warmup-s", type=float, default=5)
    ap.add_argument("--limit-s", type=float, default=300)
    ap.add_argument("pipeline_args", nargs="*", help="extra pipeline flags (after --)")
    args = ap.parse_args()
    os.environ["EVENTWIRE_EOS_PIPELINE"] = args.pipeline or ""
    event_pb2, story_pb2 = eoslib.load_protos()
    workdir = tempfile.mkdtemp(prefix="eventwire-e2e-")
    articles, origin = load_articles(args.articles)
    size = sum(len(v) for _, v in articles) / max(1, len(articles))
    pipeline = f"delivery={args.delivery}; " if args.pipeline else ""
    print(f"articles: {origin}, mean {size:.0f} bytes; {pipeline}cpu={args.cpu}; "
          f"partitions={args.partitions}; logs in {workdir}", flush=True)

    if not args.pipeline:
        copy_rate, copy_elapsed = copy_baseline(args, articles)
        print(f"kcat copy baseline: {copy_rate:.0f} articles/s ({copy_elapsed:.1f}s incl. "
              "startup); no --pipeline given", flush=True)
        return 0
    rate, elapsed = throughput(args, articles, workdir)
    if rate is None:
        sys.exit(f"e2e: the pipeline did not drain {len(articles)} articles in {elapsed:.0f}s")
    print(f"pipeline throughput: {rate:.0f} articles/s (10%-90% of {len(articles)}; "
          f"{elapsed:.1f}s incl. startup)", flush=True)
    copy_rate, copy_elapsed = copy_baseline(args, articles)
    print(f"kcat copy baseline: {copy_rate:.0f} articles/s ({copy_elapsed:.1f}s incl. startup); "
          f"pipeline/copy = {rate / copy_rate:.2f}", flush=True)
    lat = latency(args, articles, rate / 2, workdir, event_pb2, story_pb2)
    print(f"latency at {rate / 2:.0f} articles/s (half load), {lat['articles']} articles: "
          f"produce->first event p50 {lat['event_p50_ms']:.1f} ms p99 "
          f"{lat['event_p99_ms']:.1f} ms ({lat['with_events']} articles had events); "
          f"produce->story p50 {lat['story_p50_ms']:.1f} ms p99 {lat['story_p99_ms']:.1f} ms "
          f"({lat['stories']} stories)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
