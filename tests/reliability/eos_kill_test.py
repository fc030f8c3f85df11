#!/usr/bin/python3
"""Exactly-once through the pipeline binary on a real broker, under kill -9.

  1. Reference: the pipeline processes the generated articles once, undisturbed and with event
     merging off; its committed events (id, story, merge key) are the expected events.
  2. Crash run: the same articles flow into fresh topics while the pipeline is started and
     killed with SIGKILL at random moments (--kills times). After every kill, before the next
     start: the group's committed input offsets and the committed outputs must agree exactly
     (an article has a committed Story iff its offset is below the committed offset), which
     holds only if offsets are committed inside the producing transaction.
  3. A final instance drains the rest and is stopped with SIGTERM. Then the committed events.v1
     (merging on, state on the signatures topic and local snapshots) must hold every expected
     event exactly once, as an event of its own or merged into another (eoslib.judge_events:
     each (event_id, version) once, versions increasing, no unexpected ids, no missed merges),
     every article must have triggered exactly one committed Story record, and every event's
     stories must exist. Records of transactions the
     kills left open are on the log but, aborted, never read (counted as aborted_records_on_log;
     eos_fence_test.py forces such a transaction deterministically).

Prints `messages_in=N events_out=M lost=L duplicated=D` (and a stories line); exits 1 on any
violation. The pipeline under test: env EVENTWIRE_EOS_PIPELINE; broker: EVENTWIRE_TEST_BROKERS.
With --self-check, runs against the stand-in instead and also checks the harness catches the
duplicates of at-least-once delivery.
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


def wait_drained(topics, deadline_s, pipeline=None):
    """Waits until the group's committed offsets reach the input's end offsets."""
    end = eoslib.end_offsets(topics.input, topics.partitions, "read_uncommitted")
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if eoslib.committed_offsets(topics.group, topics.input, topics.partitions) == end:
            return True
        if pipeline is not None and pipeline.proc.poll() is not None:
            fail(f"pipeline exited with {pipeline.proc.returncode} before draining:\n"
                 f"{pipeline.log_tail()}")
        time.sleep(0.3)
    return False


def stop_gracefully(pipeline):
    pipeline.proc.send_signal(signal.SIGTERM)
    rc = pipeline.wait(30)
    if rc is None:
        fail(f"pipeline did not stop within 30s of SIGTERM:\n{pipeline.log_tail()}")
    if rc != 0:
        fail(f"pipeline exited {rc} on SIGTERM:\n{pipeline.log_tail()}")


def reference_events(args, workdir, count, event_pb2):
    """The events the pipeline commits for the articles when nothing goes wrong and events do
    not merge: event_id -> (story_id, merge key) (eoslib.reference_from)."""
    topics = eoslib.Topics("ref", args.partitions)
    topics.create()
    producer = eoslib.ArticleProducer(topics.input, args.seed)
    producer.send(count)
    p = eoslib.Pipeline(eoslib.pipeline_command(topics, args.pipeline_args, state=True,
                                                 merge_window_days=0),
                        os.path.join(workdir, "reference.log"))
    if not wait_drained(topics, 120, p):
        p.kill9()
        fail(f"reference run did not drain within 120s:\n{p.log_tail()}")
    stop_gracefully(p)
    return eoslib.reference_from(eoslib.read_committed(topics.events, topics.partitions), event_pb2)


def check_offsets_match_outputs(topics, producer, story_pb2):
    """After a crash: an article's Story is committed iff its input offset is committed."""
    time.sleep(1.0)  # let the coordinator finish writing markers of a commit already decided
    committed = eoslib.committed_offsets(topics.group, topics.input, topics.partitions)
    visible = set()
    for m in eoslib.read_committed(topics.stories, topics.partitions):
        st = story_pb2.Story()
        st.ParseFromString(m.value())
        visible.add(eoslib.story_trigger(st))
    where = dict(producer.where)
    mismatches = []
    for article_id, (partition, offset) in where.items():
        if (offset < committed.get(partition, 0)) != (article_id in visible):
            mismatches.append(article_id)
    problem = None
    if mismatches:
        problem = (f"committed offsets {committed} disagree with committed outputs for "
                   f"{len(mismatches)} articles, e.g. {sorted(mismatches)[:5]}")
    return sum(committed.values()), problem


def run(args, expected=None):
    """Returns (problems, expected events); `expected` given skips the reference run."""
    event_pb2, story_pb2 = eoslib.load_protos()
    rng = random.Random(args.seed)
    workdir = tempfile.mkdtemp(prefix="eventwire-eos-")
    started = time.monotonic()
    if expected is None:
        expected = reference_events(args, workdir, args.articles, event_pb2)
        if not expected:
            fail("the reference run committed no events; the articles exercise nothing")
        say(f"reference: {args.articles} articles -> {len(expected)} events "
            f"({time.monotonic() - started:.1f}s)")

    topics = eoslib.Topics("kill", args.partitions)
    topics.create()
    producer = eoslib.ArticleProducer(topics.input, args.seed)
    # Restarts load the local snapshot (written every second) and read the signatures topic
    # after it, as a deployment with a volume would.
    command = eoslib.pipeline_command(topics, [*args.pipeline_args, "--state-dir",
                                               os.path.join(workdir, "state"),
                                               "--snapshot-interval-s", "1"],
                                     state=True, merge_window_days=eoslib.MERGE_WINDOW_DAYS)
    producing = threading.Event()
    producing.set()

    # Articles keep arriving while the pipeline is killed and restarted, spread over about the
    # length of the crash phase; a tenth is held back for the final instance, so that its
    # draining the input shows it is up and working before it gets SIGTERM.
    crash_share = args.articles - max(1, args.articles // 10)
    feed_seconds = args.kills * ((args.min_uptime + args.max_uptime) / 2 + 1.5)

    def feed():
        chunk = max(1, crash_share // 100)
        while producer.seq < crash_share and producing.is_set():
            producer.send(min(chunk, crash_share - producer.seq))
            time.sleep(feed_seconds / 100)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()

    progress, kills_mid_flow, last, offset_problem = [], 0, 0, None
    for kill in range(args.kills):
        p = eoslib.Pipeline(command, os.path.join(workdir, f"crash-{kill:02d}.log"))
        time.sleep(rng.uniform(args.min_uptime, args.max_uptime))
        if p.proc.poll() is not None:
            fail(f"pipeline exited by itself ({p.proc.returncode}) before kill {kill}:\n"
                 f"{p.log_tail()}")
        p.kill9()
        done, problem = check_offsets_match_outputs(topics, producer, story_pb2)
        if problem and not offset_problem:
            offset_problem = f"after kill {kill}: {problem}"
            say(offset_problem)
        kills_mid_flow += done > last and done < args.articles
        progress.append(done)
        last = done
    producing.clear()
    feeder.join(60)
    if producer.seq < args.articles:
        producer.send(args.articles - producer.seq)
    say(f"{args.kills} kills (mid-flow: {kills_mid_flow}); committed input after each: {progress}")

    final = eoslib.Pipeline(command, os.path.join(workdir, "final.log"))
    if not wait_drained(topics, 120, final):
        final.kill9()
        fail(f"final instance did not drain the input within 120s:\n{final.log_tail()}")
    stop_gracefully(final)

    # --- verdict ------------------------------------------------------------------------------
    events = eoslib.read_committed(topics.events, topics.partitions)
    summary, event_problems, final_events = eoslib.judge_events(events, expected, event_pb2)
    say(f"messages_in={args.articles} {summary}")

    story_ids, triggers = set(), collections.Counter()
    for m in eoslib.read_committed(topics.stories, topics.partitions):
        st = story_pb2.Story()
        st.ParseFromString(m.value())
        if m.key().decode() != st.story_id:
            fail(f"stories.v1 key {m.key()!r} != story_id {st.story_id!r}")
        story_ids.add(st.story_id)
        triggers[eoslib.story_trigger(st)] += 1
    articles = set(producer.where)
    story_lost = articles - set(triggers)
    story_dup = sum(c - 1 for c in triggers.values() if c > 1)
    orphans = sum(any(s not in story_ids for s in (ev.story_id, *ev.related_story_ids))
                  for ev in final_events.values())
    uncommitted = sum(len(eoslib.read_uncommitted(t, topics.partitions))
                      for t in (topics.events, topics.stories))
    aborted_on_log = uncommitted - len(events) - sum(triggers.values())
    say(f"stories: articles={len(articles)} story_records={sum(triggers.values())} "
        f"lost={len(story_lost)} duplicated={story_dup} events_without_story={orphans} "
        f"aborted_records_on_log={aborted_on_log} ({time.monotonic() - started:.1f}s)")

    problems = [offset_problem] if offset_problem else []
    problems += event_problems
    if story_lost or story_dup:
        problems.append(f"stories: {len(story_lost)} articles without a Story record, "
                        f"{story_dup} articles with more than one")
    if orphans:
        problems.append(f"{orphans} events naming a story (story_id or related) not in stories.v1")
    if kills_mid_flow < args.kills // 2:
        problems.append(f"only {kills_mid_flow} of {args.kills} kills hit while processing; "
                        "the run did not test crashes mid-flow")
    return problems, expected


def self_check(args):
    """The harness must pass an exactly-once stand-in and catch an at-least-once one."""
    here = os.path.dirname(os.path.abspath(__file__))
    standin = f"/usr/bin/python3 {os.path.join(here, 'standin_pipeline.py')}"
    os.environ["EVENTWIRE_EOS_PIPELINE"] = standin
    problems, expected = run(args)
    if problems:
        fail("exactly-once stand-in: " + "; ".join(problems))
    # Same stand-in, same articles: the same expected events (no second reference run).
    args.pipeline_args = ["--delivery", "at-least-once", "--commit-delay-s", "0.5"]
    problems, _ = run(args, expected)
    if not any("duplicate" in p or "disagree" in p for p in problems):
        fail("the harness did not catch the at-least-once stand-in's duplicates")
    say("ok: harness passes exactly-once and catches at-least-once")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=3000)
    ap.add_argument("--kills", type=int, default=22)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--min-uptime", type=float, default=0.5)
    ap.add_argument("--max-uptime", type=float, default=3.0)
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("pipeline_args", nargs="*", help="extra flags for every pipeline instance")
    args = ap.parse_args()
    say(f"seed={args.seed}")
    if args.self_check:
        self_check(args)
        return 0
    problems, _ = run(args)
    if problems:
        fail("; ".join(problems))
    say("ok: exactly-once held across kill -9")
    return 0


if __name__ == "__main__":
    sys.exit(main())
