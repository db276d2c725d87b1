#!/usr/bin/env python3
"""stratum_vectors.py - expected values for tests/check_stratum_job.c.

An implementation of Stratum v1 work written apart from lib/stratum_job.c
(Python's hashlib and integers only), so the C suite compares against
something that did not share its mistakes:

  * a mining.notify and the session it arrives on (extranonce1,
    extranonce2_size, difficulty);
  * for some extranonce2 / ntime pairs: the coinbase
    (coinb1 + extranonce1 + extranonce2 little-endian + coinb2), the
    merkle root (txid folded with the branch), the 80-byte header with
    nonce 0 and its hash;
  * share targets of difficulties, computed exactly with fractions:
    floor(0xffff * 2^208 / d), all ones below 2^-32;
  * extranonce2 values are hex strings (a JSON reader may stop at 2^63);
  * nonces whose hashes meet (or miss) a share target and a network
    target, found by search.

Run: python3 tests/tools/stratum_vectors.py > tests/data/stratum_job_vectors.json
The output is deterministic (a fixed seed).
"""
import hashlib
import json
import random
import struct
from fractions import Fraction

DIFF1 = 0xFFFF << 208


def dsha(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def shown(h):
    """a hash as explorers show it: most significant byte first"""
    return h[::-1].hex()


def as_int(h):
    return int.from_bytes(h, "little")


def bits_target(bits):
    size, word = bits >> 24, bits & 0x7FFFFF
    return word >> (8 * (3 - size)) if size <= 3 else word << (8 * (size - 3))


def share_target(d):
    if d < 2.0 ** -32:
        return (1 << 256) - 1
    f = Fraction(d)
    return DIFF1 * f.denominator // f.numerator


def target_hex(t):
    return "%064x" % t


def word_swap(b):
    """Stratum's prevhash: every 4-byte word of the hash reversed"""
    return b"".join(b[i:i + 4][::-1] for i in range(0, 32, 4))


def header(version, prev, root, ntime, bits, nonce):
    return (struct.pack("<I", version) + prev + root +
            struct.pack("<III", ntime, bits, nonce))


class Job:
    def __init__(self, name, rng, coinb1_len, coinb2_len, en1_len, en2_size,
                 branch_len, version, bits, ntime, clean, difficulty):
        self.name = name
        self.prev = bytes(rng.randrange(256) for _ in range(32))
        self.coinb1 = bytes(rng.randrange(256) for _ in range(coinb1_len))
        self.coinb2 = bytes(rng.randrange(256) for _ in range(coinb2_len))
        self.en1 = bytes(rng.randrange(256) for _ in range(en1_len))
        self.en2_size = en2_size
        self.branch = [bytes(rng.randrange(256) for _ in range(32))
                       for _ in range(branch_len)]
        self.version, self.bits, self.ntime = version, bits, ntime
        self.clean, self.difficulty = clean, difficulty
        self.job_id = "%x" % rng.randrange(1 << 32)

    def notify(self):
        return [self.job_id, word_swap(self.prev).hex(), self.coinb1.hex(),
                self.coinb2.hex(), [b.hex() for b in self.branch],
                "%08x" % self.version, "%08x" % self.bits,
                "%08x" % self.ntime, self.clean]

    def en2(self, v):
        return v.to_bytes(self.en2_size, "little")

    def coinbase(self, en2):
        return self.coinb1 + self.en1 + self.en2(en2) + self.coinb2

    def root(self, en2):
        r = dsha(self.coinbase(en2))
        for b in self.branch:
            r = dsha(r + b)
        return r

    def header(self, en2, ntime, nonce):
        return header(self.version, self.prev, self.root(en2), ntime,
                      self.bits, nonce)

    def work(self, en2, ntime):
        h = self.header(en2, ntime, 0)
        return {"extranonce2": "%x" % en2,
                "extranonce2_hex": self.en2(en2).hex(),
                "ntime": ntime, "coinbase": self.coinbase(en2).hex(),
                "merkle_root": self.root(en2).hex(), "header": h.hex(),
                "hash": shown(dsha(h))}

    def share(self, en2, ntime, want_share, want_block):
        """the first nonce whose hash meets (or misses) each target"""
        st, nt = share_target(self.difficulty), bits_target(self.bits)
        prefix = self.header(en2, ntime, 0)[:76]
        for nonce in range(1 << 32):
            raw = prefix + struct.pack("<I", nonce)
            v = as_int(dsha(raw))
            if (v <= st) == want_share and (v <= nt) == want_block:
                h = dsha(raw)
                return {"extranonce2": "%x" % en2, "extranonce2_hex":
                        self.en2(en2).hex(), "ntime": ntime, "nonce": nonce,
                        "header": raw.hex(), "hash": shown(h),
                        "meets_share": want_share, "is_block": want_block,
                        "hash_difficulty": DIFF1 / v}
        raise SystemExit("no nonce found")

    def vector(self, works, shares):
        return {"name": self.name, "notify": self.notify(),
                "extranonce1": self.en1.hex(),
                "extranonce2_size": self.en2_size,
                "difficulty": self.difficulty,
                "prev_hash": self.prev.hex(),
                "prev_hash_shown": shown(self.prev),
                "version": self.version, "bits": self.bits,
                "ntime": self.ntime, "clean_jobs": self.clean,
                "merkle_count": len(self.branch),
                "coinbase_len": len(self.coinbase(0)),
                "share_target": target_hex(share_target(self.difficulty)),
                "network_target": target_hex(bits_target(self.bits)),
                "works": [self.work(e, t) for e, t in works],
                "shares": [self.share(*s) for s in shares]}


def main():
    rng = random.Random(20261129)
    jobs = []
    # no branch: a one-transaction block; extranonce2 0, 1 and its largest
    j = Job("no_branch", rng, 41, 60, 4, 4, 0, 0x20000000, 0x1d00ffff,
            0x6560a1b2, True, 1.0)
    jobs.append(j.vector([(0, j.ntime), (1, j.ntime), (0xffffffff, j.ntime),
                          (0x01020304, j.ntime + 7)], []))
    # one branch hash; 8-byte extranonce2 and a prefix of exactly 64 bytes
    j = Job("one_branch", rng, 56, 120, 8, 8, 1, 0x20400000, 0x17034219,
            0x6560a1b3, False, 1024.0)
    jobs.append(j.vector([(0, j.ntime), (0x0123456789abcdef, j.ntime),
                          ((1 << 64) - 1, j.ntime + 3600)], []))
    # five branch hashes, a long coinbase (the prefix spans blocks and
    # extranonce2 straddles a block boundary), no extranonce1
    j = Job("five_branches", rng, 190, 700, 0, 3, 5, 0x3fffe000, 0x1d00ffff,
            0x6560a1b4, True, 0.001)
    jobs.append(j.vector([(0, j.ntime), (0xabcdef, j.ntime),
                          (0xffffff, j.ntime + 1)], []))
    # 2-byte extranonce2, a short coinb1 and shares at difficulty 2^-24
    # against a network target of 0xffff * 2^224
    j = Job("shares", rng, 42, 90, 4, 2, 3, 0x20000000, 0x1f00ffff,
            0x6560a1b5, True, 2.0 ** -24)
    jobs.append(j.vector([(7, j.ntime)],
                         [(7, j.ntime, True, False), (7, j.ntime, False,
                                                      False),
                          (0x1234, j.ntime + 60, True, True)]))
    # regtest bits and a difficulty below 2^-32: every hash is a share,
    # about half are blocks
    j = Job("regtest", rng, 42, 80, 4, 4, 2, 0x20000000, 0x207fffff,
            0x6560a1b6, False, 2.0 ** -40)
    jobs.append(j.vector([(3, j.ntime)],
                         [(3, j.ntime, True, True),
                          (3, j.ntime, True, False)]))

    difficulties = [1.0, 0.5, 2.0, 1024.0, 3.7, 0.1, 1 / 3, 0.001, 1e-9,
                    2.5e-10, 2.0 ** -32, 2.0 ** -32 * (1 - 2.0 ** -53),
                    2.0 ** -33, 1e-12, 5e-324, 65535.99, 123456.789, 1e12,
                    2.0 ** 100, 1e30, 1e70, 1.7976931348623157e308]
    out = {
        "generator": "tests/tools/stratum_vectors.py",
        "jobs": jobs,
        "difficulty_targets": [{"difficulty": d,
                                "target": target_hex(share_target(d))}
                               for d in difficulties],
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
