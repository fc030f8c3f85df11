#!/usr/bin/python3
"""A zombie pipeline is fenced, and the output of its aborted transaction is never read.

  1. Instance A processes articles that keep arriving. It is frozen with SIGSTOP at random
     moments until it is caught with a transaction open that already holds output records
     (the topics' last stable offset lags their high watermark).
  2. Instance B starts with the same transactional.id: its init_transactions fences A and
     aborts A's open transaction. B processes the rest.
  3. A is resumed (SIGCONT): a zombie. It must not commit anything any more and must exit
     by itself with a non-zero status (fenced is fatal) within the time limit.
  4. After B drains the input: A's aborted records are on the log (read_uncommitted) but a
     read_committed reader never sees them; every expected event is committed exactly once;
     every article triggered exactly one Story record.
Pipeline: env EVENTWIRE_EOS_PIPELINE; broker: EVENTWIRE_TEST_BROKERS.
"""

import argparse
import collections
import os
import random
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eoslib  # noqa: E402
from eoslib import fail, say  # noqa: E402
from eos_kill_test import reference_events, stop_gracefully, wait_drained  # noqa: E402


def open_transaction_records(topics):
    """Records on the output logs beyond what read_committed may read (an open transaction)."""
    lag = 0
    for t in (topics.events, topics.stories):
        stable = eoslib.end_offsets(t, topics.partitions, "read_committed")
        high = eoslib.end_offsets(t, topics.partitions, "read_uncommitted")
        lag += sum(high[p] - stable[p] for p in high)
    return lag


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--zombie-exit-s", type=float, default=60,
                    help="how long the resumed zombie may take to notice it is fenced and exit")
    ap.add_argument("pipeline_args", nargs="*")
    args = ap.parse_args()
    say(f"seed={args.seed}")
    event_pb2, story_pb2 = eoslib.load_protos()
    workdir = tempfile.mkdtemp(prefix="eventwire-fence-")
    rng = random.Random(args.seed)
    expected = reference_events(args, workdir, args.articles)

    topics = eoslib.Topics("fence", args.partitions)
    topics.create()
    producer = eoslib.ArticleProducer(topics.input, args.seed)
    producing = threading.Event()
    producing.set()

    def feed():  # a steady flow, so A is busy when it is frozen
        while producer.seq < args.articles and producing.is_set():
            producer.send(min(25, args.articles - producer.seq))
            time.sleep(0.08)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    a = eoslib.Pipeline(eoslib.pipeline_command(topics, args.pipeline_args),
                        os.path.join(workdir, "zombie.log"))
    caught = 0
    for _ in range(200):  # bounded: each try ~0.1-0.4s
        time.sleep(rng.uniform(0.05, 0.3))
        if a.proc.poll() is not None:
            fail(f"instance A exited early ({a.proc.returncode}):\n{a.log_tail()}")
        a.proc.send_signal(signal.SIGSTOP)
        # A commit already decided completes without A; a lag that stays is an open
        # transaction (it would only end at A's transaction.timeout.ms).
        caught = open_transaction_records(topics)
        if caught:
            time.sleep(0.5)
            caught = open_transaction_records(topics)
        if caught:
            break
        a.proc.send_signal(signal.SIGCONT)
    if not caught:
        a.proc.send_signal(signal.SIGCONT)
        a.kill9()
        fail("never caught instance A with an open transaction holding output")
    say(f"A frozen with {caught} records in an open transaction")

    b = eoslib.Pipeline(eoslib.pipeline_command(topics, args.pipeline_args),
                        os.path.join(workdir, "b.log"))
    # B's init_transactions aborts A's transaction; until then the records stay unstable.
    deadline = time.monotonic() + 60
    while open_transaction_records(topics) >= caught and time.monotonic() < deadline:
        time.sleep(0.2)
    a.proc.send_signal(signal.SIGCONT)
    rc = a.wait(args.zombie_exit_s)
    if rc is None:
        fail(f"zombie A still running {args.zombie_exit_s}s after being fenced (killed it)")
    if rc == 0:
        fail(f"zombie A exited 0 after being fenced; want a non-zero exit:\n{a.log_tail()}")
    say(f"zombie A exited {rc} after being fenced")

    feeder.join(120)
    if producer.seq < args.articles:
        fail("the feeder did not finish")
    if not wait_drained(topics, 120, b):
        b.kill9()
        fail(f"instance B did not drain the input within 120s:\n{b.log_tail()}")
    stop_gracefully(b)

    events = eoslib.read_committed(topics.events, topics.partitions)
    counts = collections.Counter(m.key().decode() for m in events)
    lost = expected - set(counts)
    duplicated = sum(c - 1 for c in counts.values() if c > 1)
    triggers = collections.Counter()
    for m in eoslib.read_committed(topics.stories, topics.partitions):
        st = story_pb2.Story()
        st.ParseFromString(m.value())
        triggers[eoslib.story_trigger(st)] += 1
    on_log = sum(len(eoslib.read_uncommitted(t, topics.partitions))
                 for t in (topics.events, topics.stories))
    aborted = on_log - len(events) - sum(triggers.values())
    say(f"messages_in={args.articles} events_out={len(events)} lost={len(lost)} "
        f"duplicated={duplicated} aborted_records_on_log={aborted}")
    problems = []
    if lost or duplicated or set(counts) - expected:
        problems.append(f"events: lost {len(lost)}, duplicated {duplicated}, "
                        f"unexpected {len(set(counts) - expected)}")
    story_lost = set(producer.where) - set(triggers)
    story_dup = sum(c - 1 for c in triggers.values() if c > 1)
    if story_lost or story_dup:
        problems.append(f"stories: {len(story_lost)} articles without, {story_dup} with extra "
                        "Story records")
    if aborted < caught:
        problems.append(f"{caught} records were in A's open transaction but only {aborted} "
                        "records on the log are not committed")
    if problems:
        fail("; ".join(problems))
    say("ok: zombie fenced; its aborted output is on the log but never read_committed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
