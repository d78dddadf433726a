#!/usr/bin/env python3
"""What a sign-up flow writes to SQLite's WAL (issue 10): the frames each
flow appends, counted from the server's own writes, and the B-trees (tables
and indexes) they belong to.

    python3 bench/wal-frames.py STRACE_LOG DATABASE FLOWS_JSONL

STRACE_LOG is `strace -f -e trace=pwrite64 -xx -s 24` of the server while
the generator ran FLOWS_JSONL's flows (bench/server.sh does both). SQLite
writes each WAL frame as two `pwrite`s: its 24-byte header (the page number,
and the database's size in pages when the frame ends a commit), then the
page. The headers are read off the log; the pages are named by SQLite's
`dbstat` table on DATABASE afterwards. Prints one JSON line (kind
"wal_frames"): flows, commits and frames, and frames per flow by B-tree.
"""
import collections
import json
import re
import sqlite3
import sys

# The WAL's header, then per frame its header and the page.
WAL_HEADER = 32
FRAME_HEADER = 24
WRITE = re.compile(r'pwrite64\(\d+, "((?:\\x[0-9a-f]{2})+)"(?:\.\.\.)?, 24, (\d+)\)')


def commits_of(log, page_size):
    """The page numbers of each commit's frames, in order."""
    commits, current = [], []
    with open(log) as lines:
        for line in lines:
            m = WRITE.search(line)
            if not m or (int(m.group(2)) - WAL_HEADER) % (page_size + FRAME_HEADER):
                continue
            header = bytes(int(h, 16) for h in m.group(1).split("\\x")[1:])
            current.append(int.from_bytes(header[0:4], "big"))
            if int.from_bytes(header[4:8], "big"):
                commits.append(current)
                current = []
    return commits


def main(log, database, flows_jsonl):
    with open(flows_jsonl) as f:
        flows = json.loads(f.read().strip().splitlines()[-1])["done"]
    db = sqlite3.connect(database)
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    owner = dict((page, name) for name, page in db.execute("SELECT name, pageno FROM dbstat"))
    commits = commits_of(log, page_size)
    by_tree = collections.Counter(owner.get(p, "?") for c in commits for p in c)
    frames = sum(len(c) for c in commits)
    per_flow = {name: round(n / flows, 2) for name, n in by_tree.most_common()}
    print(json.dumps({"kind": "wal_frames", "flows": flows, "commits": len(commits), "frames": frames,
                      "page_size": page_size, "by_tree": per_flow}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
