#!/usr/bin/env python3
"""The job `heroflow worker` does, written the way a good Python engineer would write it, so that
bench/kafka-pipeline.ts compares heroflow with what users would pick instead on equal work:

  confluent-kafka (librdkafka) `consume(10000)` batches -> orjson -> column lists -> PyArrow tables with
  seed 001's exact Arrow types -> zstd Parquet, one file per table per partition segment of --roll-rows
  records (dictionaries off, as heroflow writes) -> commit the segment's offsets after its files are
  written. Exits when every assigned partition reached its end (enable.partition.eof).

  python3 bench/peers/kafka_to_parquet.py --brokers 127.0.0.1:9092 --topics a,b --group g --out DIR
      [--tables buffer_meta,log_meta,lib_server_lobby,lib_server_game] [--roll-rows 100000]

Validation is what a short script does: a record that fails to parse or lacks a field is counted and
skipped (no dead-letter topic). Prints one JSON line: records, rows per table, seconds.
"""
import argparse
import json
import os
import sys
import time
import uuid
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
from confluent_kafka import Consumer, KafkaError, TopicPartition

try:
    import orjson

    loads = orjson.loads
except ImportError:  # the stdlib is slower; the bench installs orjson
    loads = json.loads

SCHEMAS = {
    "buffer_meta": pa.schema([
        ("etl_id", pa.utf8()), ("msg_id", pa.utf8()), ("checksum", pa.utf8()),
        ("headers", pa.list_(pa.utf8())), ("key", pa.utf8()), ("offset", pa.uint64()),
        ("partition", pa.uint8()), ("serialized_key_size", pa.int16()),
        ("serialized_value_size", pa.int16()), ("timestamp", pa.timestamp("ms")),
        ("timestamp_type", pa.uint8()), ("topic", pa.utf8()), ("_is_protocol", pa.bool_()),
    ]),
    "log_meta": pa.schema([
        ("etl_id", pa.utf8()), ("msg_id", pa.utf8()), ("level", pa.utf8()),
        ("timestamp", pa.timestamp("ms")), ("name", pa.utf8()), ("log_message", pa.utf8()),
    ]),
    "lib_server_lobby": pa.schema([
        ("etl_id", pa.utf8()), ("msg_id", pa.utf8()), ("timestamp", pa.timestamp("s")),
        ("game_token", pa.utf8()), ("user_token", pa.utf8()), ("superhero_id", pa.uint16()),
        ("superhero_attack", pa.uint64()), ("superhero_health", pa.uint64()),
    ]),
    "lib_server_game": pa.schema([
        ("etl_id", pa.utf8()), ("msg_id", pa.utf8()), ("timestamp", pa.timestamp("s")),
        ("game_token", pa.utf8()), ("user_token", pa.utf8()), ("action", pa.utf8()),
        ("enemy_token", pa.utf8()), ("enemy_damage", pa.uint64()),
        ("enemy_health_prior", pa.uint64()), ("enemy_health_post", pa.uint64()),
    ]),
}


def seconds(text):
    """task.TIMESTAMP (`...Z` or a naive time) as a naive datetime truncated to the second."""
    return datetime.fromisoformat(text.rstrip("Z")).replace(microsecond=0)


class Segment:
    """The rows of one partition since its last roll, as column lists."""

    def __init__(self, tables):
        self.etl_id = str(uuid.uuid4())
        self.cols = {t: {f.name: [] for f in SCHEMAS[t]} for t in tables}
        self.count = 0
        self.first_offset = None
        self.last_offset = None


class Peer:
    def __init__(self, args):
        self.args = args
        self.tables = args.tables.split(",")
        self.segments = {}
        self.rows = {t: 0 for t in self.tables}
        self.records = 0
        self.skipped = 0
        self.consumer = Consumer({
            "bootstrap.servers": args.brokers,
            "group.id": args.group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
            "enable.partition.eof": True,
            "fetch.max.bytes": 52428800,
            "max.partition.fetch.bytes": 4194304,
        })

    def add(self, msg):
        tp = (msg.topic(), msg.partition())
        seg = self.segments.get(tp)
        if seg is None:
            seg = self.segments[tp] = Segment(self.tables)
            seg.first_offset = msg.offset()
        seg.count += 1
        seg.last_offset = msg.offset()
        self.records += 1
        value = msg.value()
        try:
            env = loads(value)
            if isinstance(env, str):
                env = loads(env)
            log_message = env["log_message"]
            ts = datetime.fromisoformat(env["timestamp"])
        except (ValueError, KeyError, TypeError):
            self.skipped += 1
            return
        headers = msg.headers() or []
        msg_id = None
        for name, val in headers:
            if name == "heroflow-msg-id":
                msg_id = val.decode()
        if msg_id is None:
            msg_id = f"{msg.topic()}/{msg.partition()}@{msg.offset()}"
        cols = seg.cols
        etl_id = seg.etl_id
        if "buffer_meta" in cols:
            c = cols["buffer_meta"]
            key = msg.key()
            c["etl_id"].append(etl_id)
            c["msg_id"].append(msg_id)
            c["checksum"].append(None)
            c["headers"].append([f"{n}={v.decode()}" for n, v in headers])
            c["key"].append(key.decode() if key is not None else "")
            c["offset"].append(msg.offset())
            c["partition"].append(msg.partition())
            c["serialized_key_size"].append(len(key) if key is not None else -1)
            c["serialized_value_size"].append(len(value))
            c["timestamp"].append(msg.timestamp()[1])
            c["timestamp_type"].append(0)
            c["topic"].append(msg.topic())
            c["_is_protocol"].append(False)
        if "log_meta" in cols:
            c = cols["log_meta"]
            c["etl_id"].append(etl_id)
            c["msg_id"].append(msg_id)
            c["level"].append(env["level"])
            c["timestamp"].append(ts)
            c["name"].append(env["name"])
            c["log_message"].append(log_message)
        if log_message == "Starting Match" and "lib_server_lobby" in cols:
            task = loads(env["task"])
            payload = task["PAYLOAD"]
            t = task.get("TIMESTAMP")
            t = seconds(t) if t else None
            c = cols["lib_server_lobby"]
            for user, hero in payload["PARTICIPANTS_HEROS"].items():
                c["etl_id"].append(etl_id)
                c["msg_id"].append(msg_id)
                c["timestamp"].append(t)
                c["game_token"].append(payload["GAME_TOKEN"])
                c["user_token"].append(user)
                c["superhero_id"].append(hero["id"])
                c["superhero_attack"].append(hero["attack"])
                c["superhero_health"].append(hero["health"])
        elif log_message == "Attack Completed" and "lib_server_game" in cols:
            task = loads(env["task"])
            payload = task["PAYLOAD"]
            status = task["STATUS"]
            details = status["DETAILS"]
            c = cols["lib_server_game"]
            c["etl_id"].append(etl_id)
            c["msg_id"].append(msg_id)
            c["timestamp"].append(seconds(task["TIMESTAMP"]))
            c["game_token"].append(payload["GAME_TOKEN"])
            c["user_token"].append(payload["USER_TOKEN"])
            c["action"].append(status["ACTION"])
            c["enemy_token"].append(details.get("ENEMY_TOKEN"))
            c["enemy_damage"].append(details["ENEMY_DAMAGE"])
            c["enemy_health_prior"].append(details["ENEMY_HEALTH_PRIOR"])
            c["enemy_health_post"].append(details["ENEMY_HEALTH_POST"])
        if seg.count >= self.args.roll_rows:
            self.roll(tp)

    def roll(self, tp):
        seg = self.segments.pop(tp)
        topic, partition = tp
        for table, cols in seg.cols.items():
            n = len(next(iter(cols.values())))
            if n == 0:
                continue
            batch = pa.Table.from_pydict(cols, schema=SCHEMAS[table])
            folder = os.path.join(self.args.out, table)
            os.makedirs(folder, exist_ok=True)
            name = f"{topic}+{partition:04d}+{seg.first_offset:020d}.parquet"
            pq.write_table(batch, os.path.join(folder, name), compression="zstd", use_dictionary=False)
            self.rows[table] += n
        # Durable first, then the commit (as heroflow): the next offset to read.
        self.consumer.commit(offsets=[TopicPartition(topic, partition, seg.last_offset + 1)], asynchronous=False)

    def run(self):
        self.consumer.subscribe(self.args.topics.split(","))
        at_end = set()
        assigned = set()
        start = time.monotonic()
        while True:
            msgs = self.consumer.consume(10000, timeout=1.0)
            if not assigned:
                assigned = {(p.topic, p.partition) for p in self.consumer.assignment()}
            for msg in msgs:
                err = msg.error()
                if err is not None:
                    if err.code() == KafkaError._PARTITION_EOF:
                        at_end.add((msg.topic(), msg.partition()))
                        continue
                    raise SystemExit(f"kafka error: {err}")
                at_end.discard((msg.topic(), msg.partition()))
                self.add(msg)
            if assigned and at_end >= assigned:
                break
        for tp in list(self.segments):
            self.roll(tp)
        self.consumer.close()
        print(json.dumps({
            "records": self.records, "skipped": self.skipped, "rows": self.rows,
            "seconds": round(time.monotonic() - start, 3),
        }))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--brokers", default="127.0.0.1:9092")
    p.add_argument("--topics", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tables", default="buffer_meta,log_meta,lib_server_lobby,lib_server_game")
    p.add_argument("--roll-rows", type=int, default=100_000)
    args = p.parse_args()
    unknown = set(args.tables.split(",")) - set(SCHEMAS)
    if unknown:
        print(f"--tables: unknown {sorted(unknown)}; allowed: {sorted(SCHEMAS)}", file=sys.stderr)
        sys.exit(2)
    Peer(args).run()


if __name__ == "__main__":
    main()
