#!/usr/bin/env python3
"""A reference Stratum v1 miner, independent of brainstem (hashlib only), to
prove the test pool before trusting it with the miner under test.

    stratum_ref.py HOST:PORT USER [--good N] [--bad N] [--seed S]
                   [--timeout SECONDS]

Subscribes, authorizes, and for each share takes the newest job: builds the
coinbase coinb1 + extranonce1 + extranonce2 + coinb2, folds its txid with
the merkle branch, puts the header together (version, previous hash, root,
ntime, bits, nonce, all as cpuminer reads mining.notify) and scans nonces
from a seeded random start.  A good share is a nonce whose hash is at or
below the share target (the difficulty-1 target / the pool's difficulty); a
bad share is one whose hash is above the share target but at or below the
job's block target, which a lax pool would take as a block.  The bad ones
are submitted first, then the good ones; after each share it waits for the
pool's answer and, when the share was a block, for the next job.

Prints one JSON line per submission: kind (good/bad), job_id, extranonce2,
ntime, nonce, share_hash (display order), difficulty, block (meets the
block target), accepted, error ([code, text] or null).  Exits 0 when every
answer came (whatever it said), 1 on a protocol failure or timeout.
"""
import hashlib
import json
import random
import socket
import struct
import sys
import time

DIFF1 = 0xFFFF << 208


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def bits_target(bits):
    exp, mant = bits >> 24, bits & 0x7FFFFF
    return mant >> (8 * (3 - exp)) if exp <= 3 else mant << (8 * (exp - 3))


def share_target(difficulty):
    # exact for a binary fraction such as 2^-16
    num, den = float(difficulty).as_integer_ratio()
    return DIFF1 * den // num


class Pool:
    def __init__(self, hostport, deadline):
        host, _, port = hostport.rpartition(":")
        self.deadline = deadline
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.buf = b""
        self.next_id = 1
        self.job = None
        self.fresh = False  # a job came since the last take()
        self.difficulty = None
        self.answers = {}

    def send(self, method, params):
        rid = self.next_id
        self.next_id += 1
        line = json.dumps({"id": rid, "method": method, "params": params})
        self.sock.sendall(line.encode() + b"\n")
        return rid

    def read_one(self):
        while b"\n" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the pool in time")
            self.sock.settimeout(min(left, 5))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise ConnectionError("the pool closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        msg = json.loads(line)
        if msg.get("method") == "mining.notify":
            self.job = msg["params"]
            self.fresh = True
        elif msg.get("method") == "mining.set_difficulty":
            self.difficulty = msg["params"][0]
        elif msg.get("id") is not None:
            self.answers[msg["id"]] = msg

    def answer(self, rid):
        while rid not in self.answers:
            self.read_one()
        return self.answers.pop(rid)

    def wait_job(self):
        while not self.fresh or self.difficulty is None:
            self.read_one()


def header_parts(job, en1, en2):
    job_id, prev, coinb1, coinb2, branch, version, nbits, ntime = job[:8]
    coinbase = bytes.fromhex(coinb1) + en1 + en2 + bytes.fromhex(coinb2)
    root = sha256d(coinbase)
    for step in branch:
        root = sha256d(root + bytes.fromhex(step))
    p = bytes.fromhex(prev)
    prev_internal = b"".join(p[i:i + 4][::-1] for i in range(0, 32, 4))
    head = (struct.pack("<I", int(version, 16)) + prev_internal + root +
            struct.pack("<II", int(ntime, 16), int(nbits, 16)))
    return head, int(nbits, 16), ntime


def find(head, start, accept):
    """The first nonce from start whose hash value satisfies accept."""
    mid = hashlib.sha256(head[:64])
    tail = head[64:]
    nonce = start
    while True:
        h = mid.copy()
        h.update(tail + struct.pack("<I", nonce))
        digest = hashlib.sha256(h.digest()).digest()
        value = int.from_bytes(digest, "little")
        if accept(value):
            return nonce, digest[::-1].hex(), value
        nonce = (nonce + 1) & 0xFFFFFFFF


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    hostport, user = args[0], args[1]
    opts = {"--good": 3, "--bad": 1, "--seed": 12, "--timeout": 60}
    for k, v in zip(args[2::2], args[3::2]):
        if k not in opts:
            sys.exit("unknown option %s" % k)
        opts[k] = int(v)
    rng = random.Random(opts["--seed"])
    pool = Pool(hostport, time.monotonic() + opts["--timeout"])

    sub = pool.answer(pool.send("mining.subscribe", ["stratum_ref/1"]))
    if sub.get("error") or not sub.get("result"):
        sys.exit("subscribe refused: %s" % sub)
    en1 = bytes.fromhex(sub["result"][1])
    en2_size = sub["result"][2]
    auth = pool.answer(pool.send("mining.authorize", [user, "x"]))
    if auth.get("result") is not True:
        sys.exit("authorize refused: %s" % auth)

    en2_counter = rng.randrange(1 << 16)
    for kind in ["bad"] * opts["--bad"] + ["good"] * opts["--good"]:
        pool.wait_job()
        pool.fresh = False
        job, difficulty = pool.job, pool.difficulty
        en2_counter += 1
        en2 = en2_counter.to_bytes(en2_size, "little")
        head, nbits, ntime = header_parts(job, en1, en2)
        share_t, block_t = share_target(difficulty), bits_target(nbits)
        if kind == "good":
            ok = lambda v: v <= share_t
        else:
            ok = lambda v: share_t < v <= block_t
        nonce, shash, value = find(head, rng.randrange(1 << 32), ok)
        rid = pool.send("mining.submit", [user, job[0], en2.hex(), ntime,
                                          "%08x" % nonce])
        ans = pool.answer(rid)
        block = value <= block_t
        print(json.dumps({
            "kind": kind, "job_id": job[0], "extranonce2": en2.hex(),
            "ntime": ntime, "nonce": "%08x" % nonce, "share_hash": shash,
            "difficulty": difficulty, "block": block,
            "accepted": ans.get("result") is True,
            "error": ans.get("error")}), flush=True)
        if not (block and ans.get("result") is True):
            pool.fresh = True  # nothing changes on the pool: same job again


if __name__ == "__main__":
    try:
        main()
    except (OSError, TimeoutError, ValueError) as e:
        sys.exit("stratum_ref: %s" % e)
