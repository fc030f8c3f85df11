#!/usr/bin/python3
"""A minimal consume-transform-produce with the pipeline's flags and output contract, used to
check the exactly-once harness itself (eos_kill_test.py --self-check): with
--delivery exactly-once it must pass, with --delivery at-least-once (offsets committed after
the outputs, outside any transaction) kill -9 must make the harness report duplicates.

Per input article: two Events (key event_id = <article_id>-e<i>) and one Story
(key story_id = s-<article_id>), protobuf-encoded like services/pipeline's. It takes the
pipeline's state flags (signatures topic, snapshots, merge window) and ignores them: its
events never share a merge key (source code = the article id), so nothing is merged.
"""

import argparse
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eoslib  # noqa: E402
from confluent_kafka import Consumer, KafkaException, Producer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    for flag in ("brokers", "input-topic", "events-topic", "stories-topic", "dlq-topic",
                 "group-id", "transactional-id"):
        ap.add_argument(f"--{flag}", required=True)
    ap.add_argument("--delivery", default="exactly-once")
    for flag in ("signatures-topic", "state-dir", "snapshot-interval-s", "event-merge-window-days"):
        ap.add_argument(f"--{flag}")  # ignored (see the docstring)
    ap.add_argument("--exit-when-idle-s", type=float, default=0)
    ap.add_argument("--batch-max-messages", type=int, default=50)
    # At-least-once only: a slow offset commit, widening the window in which a crash leaves
    # outputs written but their input uncommitted (so a short self-check hits it reliably).
    ap.add_argument("--commit-delay-s", type=float, default=0)
    args = ap.parse_args()
    t0, committed_once = time.monotonic(), []
    event_pb2, story_pb2 = eoslib.load_protos()
    eos = args.delivery == "exactly-once"

    consumer = Consumer({"bootstrap.servers": args.brokers, "group.id": args.group_id,
                         "group.instance.id": args.transactional_id,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "isolation.level": "read_committed", "session.timeout.ms": 10000})
    pconf = {"bootstrap.servers": args.brokers, "linger.ms": 5}
    if eos:
        pconf.update({"transactional.id": args.transactional_id,
                      "transaction.timeout.ms": 10000})
    producer = Producer(pconf)
    if eos:
        producer.init_transactions(30)
    consumer.subscribe([args.input_topic])
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    idle_since = time.monotonic()
    while not stop:
        batch = consumer.consume(args.batch_max_messages, 0.2)
        batch = [m for m in batch if not m.error()]
        if not batch:
            if args.exit_when_idle_s and time.monotonic() - idle_since > args.exit_when_idle_s:
                break
            continue
        idle_since = time.monotonic()
        if eos:
            producer.begin_transaction()
        for m in batch:
            article = json.loads(m.value())
            story_id = f"s-{article['id']}"
            for i in range(2):
                ev = event_pb2.Event(event_id=f"{article['id']}-e{i}",
                                     article_id=article["id"], story_id=story_id)
                ev.source.code = article["id"]
                producer.produce(args.events_topic, key=ev.event_id, value=ev.SerializeToString())
            st = story_pb2.Story(story_id=story_id, canonical_article_id=article["id"],
                                 num_articles=1, version=1)
            st.articles.add(article_id=article["id"])
            producer.produce(args.stories_topic, key=story_id, value=st.SerializeToString())
        if eos:
            producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                                 consumer.consumer_group_metadata(), 30)
            try:
                producer.commit_transaction(30)
                if not committed_once:
                    committed_once.append(1)
                    print(f"standin: first commit {time.monotonic() - t0:.2f}s after start",
                          file=sys.stderr, flush=True)
            except KafkaException as e:
                print(f"standin: commit failed: {e}", file=sys.stderr)
                return 1
        else:
            producer.flush(30)
            time.sleep(args.commit_delay_s)
            consumer.commit(asynchronous=False)
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
