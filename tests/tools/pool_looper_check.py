#!/usr/bin/env python3
"""tests/tools/pool_looper_check.py - the looper's live figures against
independent counts (tests/shell/test_pool_looper.sh).

  pool_looper_check.py --pool URL SHARES [--pool URL SHARES ...]
                       --metrics M1 M2 --status S --base BASE --log LOG
                       --restarts N

M1 and M2 are two scrapes of the looper's /metrics and S one of its
/api/status, all taken while its miners had no work (their pools stopped,
every miner's hash rate 0), so the figures could not move; SHARES is the
log of the pool at URL (tests/pool/pool.js), BASE the tree's mode folder
and LOG the --log-file the looper and its miners wrote, all read after the
looper exited; each miner was restarted N times.  Compared exactly:

  * the two scrapes agree (nothing moved while they were taken);
  * each pool: /metrics brainstem_shares_total{pool=URL,result} =
    /api/status pools[URL]; its accepted = the pool's accepted shares =
    the tree's accepted submissions to it, one for one; its rejected = the
    tree's; the pool refused nothing but stale shares (21), as many as
    the tree's submissions to it refused with a code; its stale = the
    tree's stale submissions to it plus the shares for it that the log
    says were not sent;
  * in all: /api/status shares = the sum of the pools' = of the miners';
  * each miner, over its runs: its shares = the tree's submissions
    (stale: refused as stale or never answered; rejected: any other
    refusal) plus, for stale, the shares its log says were not sent = its
    session ends' = the sum of its rounds'; hashes: /metrics
    brainstem_hashes_total{miner} = /api/status's = the sum of its rounds'
    attempts_this_round; blocks: brainstem_blocks_total{miner} = its
    ledger entries = the sum of its rounds' blocks_found;
  * the program's hashes = the rounds' = the log's summary at stop.

Prints "ok: ..." / "not so: ..." lines; exits 1 when any is not so.
"""
import argparse
import json
import re
import sys

RESULTS = ("accepted", "rejected", "stale")


def records(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError:
        return []
    arrays = [v for v in doc.values() if isinstance(v, list)]
    return arrays[-1] if arrays else []


LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def metrics(path):
    """{(name, ((label, value), ...)): value} of a Prometheus text scrape."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            head, _, value = line.rpartition(" ")
            name, _, labels = head.partition("{")
            out[(name, tuple(sorted(LABEL.findall(labels))))] = float(value)
    return out


def counters(m):
    """The counters that cannot move while the miners have no work (the
    errors can: test_pool_looper.sh checks them by themselves)."""
    return {k: v for k, v in m.items() if k[0].endswith("_total") and
            k[0] != "brainstem_errors_total"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pool", nargs=2, action="append", required=True,
                    metavar=("URL", "SHARES"))
    ap.add_argument("--metrics", nargs=2, required=True)
    ap.add_argument("--status", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--restarts", type=int, default=0)
    a = ap.parse_args()

    ok = True

    def need(cond, what):
        nonlocal ok
        print(("ok: " if cond else "not so: ") + what)
        ok = ok and bool(cond)

    m1, m2 = metrics(a.metrics[0]), metrics(a.metrics[1])
    with open(a.status) as f:
        st = json.load(f)
    logs = {url: [json.loads(l) for l in open(path)] for url, path in a.pool}
    base = a.base.rstrip("/")
    subs = [r for r in records(base + "/Submission_Logs/global_submission.json")
            if r.get("work_source") == "pool"]
    ledger = records(base + "/Ledgers/global_ledger.json")
    reports = records(base + "/System/System_Reports/Miners/Global/"
                      "global_miners_report.json")
    with open(a.log) as f:
        log = f.read().splitlines()

    need(counters(m1) == counters(m2) and counters(m1),
         "two scrapes of /metrics while the miners had no work hold the "
         "same %d counters" % len(counters(m1)))

    miners = st.get("miners", [])
    ids = [m["id"] for m in miners]
    need(len(ids) == 2 and
         all(m.get("restarts") == a.restarts for m in miners),
         "/api/status lists the 2 miners, each restarted %d times (%s)"
         % (a.restarts, ", ".join(ids)))

    def metric(name, **labels):
        return m1.get((name, tuple(sorted(labels.items()))))

    def hex8(v):
        return "%08x" % v if isinstance(v, int) else str(v).lower()

    def key(r):
        return (str(r["job_id"]), str(r["extranonce2"]).lower(),
                hex8(r["ntime"]), hex8(r["nonce"]),
                str(r["share_hash"]).lower())

    def refused(r, stale):
        """A submission the pool did not accept: stale (refused as stale,
        or never answered) or not."""
        return r.get("accepted") is not True and stale == (
            r.get("stale") is True or r.get("reject_code") is None)

    # the shares a miner counted stale without sending them, by miner and
    # by pool, as its log says
    not_sent = re.compile(r" WARN (\S+): (\d+) stale shares not sent to "
                          r"(\S+)$")
    unsent, unsent_to = {}, {}
    for line in log:
        mo = not_sent.search(line)
        if mo:
            n = int(mo.group(2))
            unsent[mo.group(1)] = unsent.get(mo.group(1), 0) + n
            unsent_to[mo.group(3)] = unsent_to.get(mo.group(3), 0) + n

    # --- each pool: /metrics, /api/status, the pool's log, the tree -------
    pools = {p.get("url"): p for p in st.get("pools", [])}
    need(sorted(pools) == sorted(logs),
         "/api/status names the pools %s" % sorted(pools))
    for url, plog in logs.items():
        live = pools.get(url, {})
        for r in RESULTS:
            got = metric("brainstem_shares_total", pool=url, result=r)
            need(got is not None and got == live.get(r),
                 "%s %s: /metrics %s = /api/status %s"
                 % (url, r, got, live.get(r)))
        shares = [p for p in plog if p["event"] == "share"]
        pool_acc = sorted(key(p) for p in shares if p["accepted"])
        to_it = [r for r in subs if r.get("pool") == url]
        tree_acc = sorted(key(r) for r in to_it if r.get("accepted") is True)
        need(len(pool_acc) > 0 and live.get("accepted") == len(pool_acc),
             "%s accepted %d shares, the looper says %s"
             % (url, len(pool_acc), live.get("accepted")))
        need(tree_acc == pool_acc,
             "the tree's %d accepted submissions to %s are its %d, one for "
             "one" % (len(tree_acc), url, len(pool_acc)))
        pool_rej = [p for p in shares if not p["accepted"]]
        coded = [r for r in to_it if r.get("accepted") is not True and
                 r.get("reject_code") is not None]
        need(all(p["reject_code"] == 21 for p in pool_rej) and
             len(pool_rej) == len(coded),
             "%s refused %d shares, all stale (21), as the tree's %d "
             "refused submissions" % (url, len(pool_rej), len(coded)))
        rejected = sum(1 for r in to_it if refused(r, False))
        need(live.get("rejected") == rejected,
             "%s rejected: the looper says %s, the tree %d"
             % (url, live.get("rejected"), rejected))
        stale = sum(1 for r in to_it if refused(r, True))
        need(live.get("stale") == stale + unsent_to.get(url, 0),
             "%s stale: the looper says %s, the tree %d and the log %d"
             % (url, live.get("stale"), stale, unsent_to.get(url, 0)))
    for r in RESULTS:
        in_total = st.get("shares", {}).get(r)
        by_pools = sum(p.get(r, 0) for p in pools.values())
        by_miners = sum(m.get("shares", {}).get(r, 0) for m in miners)
        need(in_total == by_pools == by_miners,
             "%s in all: /api/status %s = its pools' sum %s = its miners' "
             "sum %s" % (r, in_total, by_pools, by_miners))

    # --- per miner: the tree, its log, its reports -----------------------
    hashes_sum = 0
    for m in miners:
        mid = m["id"]
        mine = [r for r in subs if r.get("miner_id") == mid]
        tree = {
            "accepted": sum(1 for r in mine if r.get("accepted") is True),
            "stale": sum(1 for r in mine if refused(r, True)),
            "rejected": sum(1 for r in mine if refused(r, False)),
        }
        tree["stale"] += unsent.get(mid, 0)
        rounds = [r for r in reports if r.get("miner_id") == mid and
                  r.get("event") == "mining_round_complete"]
        ends = [r for r in reports if r.get("miner_id") == mid and
                r.get("event") == "mining_session_end"]
        for r in RESULTS:
            live = m.get("shares", {}).get(r)
            in_ends = sum(x.get("shares_" + r, 0) for x in ends)
            in_rounds = sum(x.get("shares_" + r, 0) for x in rounds)
            need(live == tree[r] == in_ends == in_rounds,
                 "%s %s: /api/status %s = tree and log %s = its %d session "
                 "ends' %s = its %d rounds' %s"
                 % (mid, r, live, tree[r], len(ends), in_ends, len(rounds),
                    in_rounds))
        need(len(ends) == a.restarts + 1 and
             all(x.get("shares_unanswered") == 0 for x in ends),
             "%s: %d session ends, none with a share left unanswered"
             % (mid, len(ends)))
        in_rounds = sum(x.get("attempts_this_round", 0) for x in rounds)
        live = metric("brainstem_hashes_total", miner=mid)
        need(len(rounds) >= 2 and live == m.get("hashes") == in_rounds > 0,
             "%s hashes: /metrics %s = /api/status %s = its %d rounds' "
             "attempts_this_round %d" % (mid, live, m.get("hashes"),
                                         len(rounds), in_rounds))
        hashes_sum += in_rounds
        found = sum(1 for r in ledger if r.get("miner_id") == mid)
        live = metric("brainstem_blocks_total", miner=mid)
        in_rounds = sum(x.get("blocks_found", 0) for x in rounds)
        need(live == m.get("blocks") == found == in_rounds,
             "%s blocks: /metrics %s = /api/status %s = ledger %d = its "
             "rounds' %d" % (mid, live, m.get("blocks"), found, in_rounds))

    need(st.get("hashes") == hashes_sum,
         "the looper's hashes: /api/status %s = the rounds' %d"
         % (st.get("hashes"), hashes_sum))
    at_stop = [l for l in log if " INFO looper: summary at stop: " in l]
    said = re.search(r", (\d+) hashes, ", at_stop[-1]) if at_stop else None
    need(said and int(said.group(1)) == hashes_sum,
         "the log's summary at stop says %s hashes, the rounds %d"
         % (said.group(1) if said else None, hashes_sum))
    return 0 if ok else 1


sys.exit(main())
