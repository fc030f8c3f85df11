#!/usr/bin/python3
"""A zombie pipeline is fenced, and the output of its open transaction is never read.

  1. An ordinary instance commits the first part of the articles and stops (SIGTERM), so the
     group has committed offsets and the outputs have committed records before the zombie.
  2. Instance A (same transactional.id) runs with the test hook --test-pause-before-commit-ms:
     every transaction stays open for a while after its outputs and input offsets were sent.
     The test waits until the output logs show records beyond the last stable offset (A's open
     transaction), then freezes A with SIGSTOP. Checked while it is open: the group's committed
     input offsets have not moved (offsets sent in a transaction are committed only with it)
     and read_committed readers see none of its records.
  3. Instance B starts with the same transactional.id: its init_transactions fences A (epoch
     bump) and aborts A's open transaction; the test waits until the last stable offset has
     passed A's records.
  4. A is resumed (SIGCONT): a zombie that tries to commit. It must fail and exit non-zero by
     itself within --zombie-exit-s.
  5. B drains the input and is stopped. Then: none of the records that were in A's transaction
     (exact partition/offset ranges) is read by read_committed; every expected event is
     committed exactly once, as an event of its own or merged into another
     (eoslib.judge_events); every article triggered exactly one Story record.
Nothing here depends on timing luck: A holds its transaction open on purpose, and every wait
is for a state the broker reports, with a bound.
Pipeline: env EVENTWIRE_EOS_PIPELINE; broker: EVENTWIRE_TEST_BROKERS.
"""

import argparse
import collections
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eoslib  # noqa: E402
from eoslib import fail, say  # noqa: E402
from eos_kill_test import reference_events, stop_gracefully, wait_drained  # noqa: E402


def log_offsets(topics):
    """{(topic, partition): (last stable offset, high watermark)} of the output topics."""
    out = {}
    for t in (topics.events, topics.stories):
        stable = eoslib.end_offsets(t, topics.partitions, "read_committed")
        high = eoslib.end_offsets(t, topics.partitions, "read_uncommitted")
        for p in high:
            out[(t, p)] = (stable[p], high[p])
    return out


def open_records(offsets):
    return sum(high - stable for stable, high in offsets.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=1200)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--pause-ms", type=int, default=8000,
                    help="how long A holds each transaction open (the pipeline's test hook)")
    ap.add_argument("--zombie-exit-s", type=float, default=60,
                    help="how long the resumed zombie may take to notice it is fenced and exit")
    ap.add_argument("pipeline_args", nargs="*")
    args = ap.parse_args()
    say(f"seed={args.seed}")
    started = time.monotonic()
    event_pb2, story_pb2 = eoslib.load_protos()
    workdir = tempfile.mkdtemp(prefix="eventwire-fence-")
    expected = reference_events(args, workdir, args.articles, event_pb2)
    topics = eoslib.Topics("fence", args.partitions)
    topics.create()
    command = eoslib.pipeline_command(topics, args.pipeline_args, state=True,
                                      merge_window_days=eoslib.MERGE_WINDOW_DAYS)
    producer = eoslib.ArticleProducer(topics.input, args.seed)

    # 1. Committed history before the zombie.
    producer.send(args.articles // 3)
    first = eoslib.Pipeline(command, os.path.join(workdir, "first.log"))
    if not wait_drained(topics, 120, first):
        first.kill9()
        fail(f"the first instance did not drain its part within 120s:\n{first.log_tail()}")
    stop_gracefully(first)
    offsets_before = eoslib.committed_offsets(topics.group, topics.input, topics.partitions)
    producer.send(args.articles - producer.seq)

    # 2. A holds a transaction open; freeze it there.
    a = eoslib.Pipeline([*command, "--test-pause-before-commit-ms", str(args.pause_ms)],
                        os.path.join(workdir, "zombie.log"))
    deadline = time.monotonic() + 60
    while not open_records(log_offsets(topics)):
        if a.proc.poll() is not None:
            fail(f"instance A exited early ({a.proc.returncode}):\n{a.log_tail()}")
        if time.monotonic() > deadline:
            a.kill9()
            fail(f"instance A opened no transaction with output within 60s:\n{a.log_tail()}")
        time.sleep(0.1)
    a.proc.send_signal(signal.SIGSTOP)
    time.sleep(0.5)  # a commit A had already sent would complete without A; none should
    caught = log_offsets(topics)
    in_transaction = {tp: range(stable, high) for tp, (stable, high) in caught.items()
                      if high > stable}
    if not in_transaction:
        a.proc.send_signal(signal.SIGCONT)
        a.kill9()
        fail("instance A's transaction was no longer open once A was frozen "
             "(is --test-pause-before-commit-ms honoured?)")
    say(f"A frozen with {open_records(caught)} records in an open transaction: "
        f"{ {f'{t}[{p}]': f'{r.start}..{r.stop - 1}' for (t, p), r in in_transaction.items()} }")
    offsets_open = eoslib.committed_offsets(topics.group, topics.input, topics.partitions)
    if offsets_open != offsets_before:
        fail(f"input offsets moved from {offsets_before} to {offsets_open} while the transaction "
             "carrying them was still open")
    say(f"committed input offsets while A's transaction is open: {offsets_open} (unchanged)")

    # 3. B fences A and aborts its transaction.
    b = eoslib.Pipeline(command, os.path.join(workdir, "b.log"))
    deadline = time.monotonic() + 60
    while True:
        now = log_offsets(topics)
        if all(now[tp][0] >= r.stop for tp, r in in_transaction.items()):
            break
        if b.proc.poll() is not None:
            fail(f"instance B exited early ({b.proc.returncode}):\n{b.log_tail()}")
        if time.monotonic() > deadline:
            fail("A's transaction was not ended within 60s of B starting")
        time.sleep(0.2)
    say("B started; A's transaction is ended (last stable offset passed its records)")

    # 4. The zombie wakes up and tries to commit.
    a.proc.send_signal(signal.SIGCONT)
    rc = a.wait(args.zombie_exit_s)
    if rc is None:
        fail(f"zombie A still running {args.zombie_exit_s}s after being fenced (killed it)")
    if rc == 0:
        fail(f"zombie A exited 0 after being fenced; want a non-zero exit:\n{a.log_tail()}")
    errors = [line for line in a.log_tail(20000).splitlines() if '"level":"error"' in line]
    say(f"zombie A exited {rc}: {errors[0][:300] if errors else '(no error logged)'}")

    # 5. B finishes; the verdict.
    if not wait_drained(topics, 120, b):
        b.kill9()
        fail(f"instance B did not drain the input within 120s:\n{b.log_tail()}")
    stop_gracefully(b)

    events = eoslib.read_committed(topics.events, topics.partitions)
    stories = eoslib.read_committed(topics.stories, topics.partitions)
    leaked = [(m.topic(), m.partition(), m.offset()) for m in events + stories
              if m.offset() in in_transaction.get((m.topic(), m.partition()), ())]
    summary, event_problems, _ = eoslib.judge_events(events, expected, event_pb2)
    triggers = collections.Counter()
    for m in stories:
        st = story_pb2.Story()
        st.ParseFromString(m.value())
        triggers[eoslib.story_trigger(st)] += 1
    on_log = sum(len(eoslib.read_uncommitted(t, topics.partitions))
                 for t in (topics.events, topics.stories))
    aborted = on_log - len(events) - len(stories)
    say(f"messages_in={args.articles} {summary} aborted_records_on_log={aborted} "
        f"({time.monotonic() - started:.1f}s)")
    problems = []
    if leaked:
        problems.append(f"{len(leaked)} records of A's aborted transaction are read_committed, "
                        f"e.g. {leaked[:3]}")
    problems += [f"events: {p}" for p in event_problems]
    story_lost = set(producer.where) - set(triggers)
    story_dup = sum(c - 1 for c in triggers.values() if c > 1)
    if story_lost or story_dup:
        problems.append(f"stories: {len(story_lost)} articles without, {story_dup} with extra "
                        "Story records")
    if aborted < open_records(caught):
        problems.append(f"{open_records(caught)} records were in A's open transaction but only "
                        f"{aborted} records on the log are not committed")
    if problems:
        fail("; ".join(problems))
    say("ok: zombie fenced; its open transaction's output is on the log but never "
        "read_committed, and its input offsets were never committed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
