#!/usr/bin/python3
"""The real-broker fixture serves what the mock cluster cannot (docs/semantics.md):

1. records of an aborted transaction are invisible to a read_committed consumer, while a
   read_uncommitted consumer sees them (so the broker really wrote them);
2. offsets sent with send_offsets_to_transaction are stored for the group on commit and not
   stored on abort.

Both checks fail on librdkafka's mock cluster, which is the point: they prove the tests of the
realkafka tier run against a broker with real transaction semantics.
Broker address: env EVENTWIRE_TEST_BROKERS (set by `kafka-broker exec|session`).
"""

import os
import sys
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BROKERS = os.environ.get("EVENTWIRE_TEST_BROKERS", "")
TIMEOUT_S = 30


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def create_topics(*names):
    admin = AdminClient({"bootstrap.servers": BROKERS})
    futures = admin.create_topics([NewTopic(n, num_partitions=1, replication_factor=1)
                                   for n in names])
    for f in futures.values():
        f.result(timeout=TIMEOUT_S)


def read_all(topic, isolation):
    """Values of every record a fresh consumer with `isolation` can read, until it is caught up."""
    c = Consumer({"bootstrap.servers": BROKERS, "group.id": f"sanity-{uuid.uuid4()}",
                  "isolation.level": isolation, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "enable.partition.eof": True})
    c.assign([TopicPartition(topic, 0, 0)])
    values = []
    for _ in range(200):  # bounded: ~TIMEOUT_S at most
        m = c.poll(0.15)
        if m is None:
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF: caught up to the end we may read
                break
            fail(f"consume {topic}: {m.error()}")
        values.append(m.value().decode())
    c.close()
    return values


def main():
    if not BROKERS:
        fail("EVENTWIRE_TEST_BROKERS is not set (run through tests/fixtures/kafka/kafka-broker)")
    run = uuid.uuid4().hex[:8]
    source, sink, group = f"sanity-in-{run}", f"sanity-out-{run}", f"sanity-group-{run}"
    create_topics(source, sink)

    p = Producer({"bootstrap.servers": BROKERS, "transactional.id": f"sanity-{run}",
                  "transaction.timeout.ms": 10000})
    p.init_transactions(TIMEOUT_S)
    # A consumer of `source` whose group metadata the transactions carry.
    c = Consumer({"bootstrap.servers": BROKERS, "group.id": group,
                  "enable.auto.commit": False, "isolation.level": "read_committed"})
    c.assign([TopicPartition(source, 0, 0)])
    c.poll(0.5)

    # Aborted: output record + input offset 5.
    p.begin_transaction()
    p.produce(sink, value=b"aborted")
    p.flush(TIMEOUT_S)  # on the broker before the abort (abort would purge a queued record)
    p.send_offsets_to_transaction([TopicPartition(source, 0, 5)],
                                  c.consumer_group_metadata(), TIMEOUT_S)
    p.abort_transaction(TIMEOUT_S)
    committed = c.committed([TopicPartition(source, 0)], TIMEOUT_S)[0].offset
    if committed >= 0:
        fail(f"offset sent in an aborted transaction was stored: {committed}")

    # Committed: output record + input offset 7.
    p.begin_transaction()
    p.produce(sink, value=b"committed")
    p.send_offsets_to_transaction([TopicPartition(source, 0, 7)],
                                  c.consumer_group_metadata(), TIMEOUT_S)
    p.commit_transaction(TIMEOUT_S)
    committed = c.committed([TopicPartition(source, 0)], TIMEOUT_S)[0].offset
    if committed != 7:
        fail(f"offset sent in a committed transaction: want 7, stored {committed}")
    c.close()

    seen_committed = read_all(sink, "read_committed")
    if seen_committed != ["committed"]:
        fail(f"read_committed consumer saw {seen_committed}, want ['committed']")
    seen_uncommitted = read_all(sink, "read_uncommitted")
    if seen_uncommitted != ["aborted", "committed"]:
        fail(f"read_uncommitted consumer saw {seen_uncommitted}, want both records")
    print(f"ok: real broker at {BROKERS}: aborted output hidden from read_committed, "
          "transactional offsets stored only on commit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
