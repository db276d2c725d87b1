#!/usr/bin/env python3
"""tests/tools/report_check.py - the report test's own arithmetic.

  report_check.py spec SPEC.json
      writes the records of a tree with known contents (for filltree):
      two miners' rounds over 10:00-12:00 of 2026-11-18, blocks with known
      hashes, pool shares, two error types, and records just outside the
      hour, the day, the week and the month, each of which must count only
      in the periods that hold it.

  report_check.py check SPEC.json LEVEL AT REPORT.json REPORT.txt
      computes every figure of the period of LEVEL (hour, day, week,
      month) holding AT from the spec's records, by itself, and compares
      them with brainstem-dtm report's JSON; then checks that the text form
      shows each figure, people-rounded, in aligned columns.  Prints
      "ok ..." / "FAIL ..." lines; exits 1 on any failure.
"""
import calendar
import datetime as dt
import json
import sys

UTC = dt.timezone.utc


def ts(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def at_time(s):
    """--at as the test gives it: a date, or a date and time in UTC."""
    for f in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(s, f).replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ValueError("--at " + s)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def spec():
    recs = []

    def add(stream, **r):
        recs.append({"stream": stream, "record": r})

    def rnd(t, miner, n, attempts, rate, secs, blocks=0, acc=0, rej=0,
            stale=0, best=3):
        add("miners", timestamp=t, event="mining_round_complete",
            miner_id=miner, round_number=n, attempts_this_round=attempts,
            hashrate=rate, duration_ms=round(secs * 1000), blocks_found=blocks,
            best_difficulty=best, shares_accepted=acc,
            shares_rejected=rej, shares_stale=stale, interrupted=False)

    # the hour 10:00 of 2026-11-18 (a Wednesday: its week lies in November)
    for m in ("m_alpha", "m_beta"):
        add("miners", timestamp="2026-11-18T10:00:05Z",
            event="mining_session_start", miner_id=m, target_zeros=5)
    rnd("2026-11-18T10:01:00Z", "m_alpha", 1, 4000000, 2461538.4615, 1.625,
        blocks=1, acc=3, rej=1, best=6)
    rnd("2026-11-18T10:01:30Z", "m_beta", 1, 1500000, 987654.32, 1.51875,
        acc=1, stale=1)
    rnd("2026-11-18T10:20:00Z", "m_alpha", 2, 4000000, 3100000.5, 1.29032,
        blocks=2, acc=2, best=7)
    rnd("2026-11-18T10:40:00Z", "m_beta", 2, 2500000, 1250000.0, 2.0,
        rej=2, stale=1)
    rnd("2026-11-18T10:59:59Z", "m_alpha", 3, 100000, 1999.5, 50.0125)
    for h, hh in (("00000a1f" + "1" * 56, "10:01:00"),
                  ("00000b2e" + "2" * 56, "10:20:00"),
                  ("00000c3d" + "3" * 56, "10:20:00")):
        add("ledger", timestamp="2026-11-18T" + hh + "Z", block_hash=h,
            height=None, leading_zeros=5, miner_id="m_alpha")
    for t, acc in (("10:01:00", True), ("10:20:00", True), ("10:40:00", False)):
        add("submission", timestamp="2026-11-18T" + t + "Z",
            block_hash="00000" + "d" * 59, result="accepted" if acc else
            "rejected", accepted=acc, share_difficulty=1.5, pool="p1")
    add("rejection", timestamp="2026-11-18T10:40:00Z", share_hash="ff" * 32,
        pool="p1", reason="low difficulty", reject_code=23)
    add("error:miners", timestamp="2026-11-18T10:10:00Z",
        error_type="rpc_timeout", message="node did not answer")
    add("error:miners", timestamp="2026-11-18T10:30:00Z",
        error_type="rpc_timeout", message="node did not answer")
    add("error:miners", timestamp="2026-11-18T10:50:00Z",
        error_type="pool_disconnected", message="pool closed")
    add("looping", timestamp="2026-11-18T10:00:00Z", event="miner_started",
        miner_id="m_alpha")
    # the next hour: the day's, not the hour's
    rnd("2026-11-18T11:00:00Z", "m_alpha", 4, 5000000, 5000000.0, 1.0,
        acc=4, best=4)
    rnd("2026-11-18T11:30:00Z", "m_gamma", 1, 900000, 900000.0, 1.0,
        blocks=1, acc=1, best=9)
    add("ledger", timestamp="2026-11-18T11:30:00Z",
        block_hash="00000e4c" + "4" * 56, height=None, leading_zeros=5,
        miner_id="m_gamma")
    add("error:miners", timestamp="2026-11-18T11:31:00Z",
        error_type="disk_full", message="no space")
    # the hour before: neither the hour's nor missing from the day
    rnd("2026-11-18T09:59:59Z", "m_beta", 9, 777, 77.7, 10.0, acc=7)
    add("ledger", timestamp="2026-11-18T09:59:59Z",
        block_hash="00000f5b" + "5" * 56, height=None, leading_zeros=5,
        miner_id="m_beta")
    # the day before (same week), the week before (same month), the
    # month before
    rnd("2026-11-17T23:59:59Z", "m_beta", 8, 1000, 100.0, 10.0)
    rnd("2026-11-15T12:00:00Z", "m_delta", 1, 2000, 200.0, 10.0, rej=1)
    add("error:miners", timestamp="2026-11-15T12:00:01Z",
        error_type="rpc_timeout", message="node did not answer")
    rnd("2026-10-31T23:59:59Z", "m_alpha", 0, 3000, 300.0, 10.0, stale=3)
    json.dump({"now": "2026-11-18T12:00:00Z", "records": recs},
              open(sys.argv[2], "w"), indent=1)


def period(level, at):
    """[start, end) of the partition, as the tree files it (weeks start on
    Monday and are clipped to their month)."""
    if level == "hour":
        s = at.replace(minute=0, second=0)
        return s, s + dt.timedelta(hours=1)
    day = at.replace(hour=0, minute=0, second=0)
    if level == "day":
        return day, day + dt.timedelta(days=1)
    month = day.replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    if level == "month":
        return month, nxt
    s = day - dt.timedelta(days=day.weekday())
    return max(s, month), min(s + dt.timedelta(days=7), nxt)


errors = 0


def ok(cond, what):
    global errors
    if cond:
        print("  ok   " + what)
    else:
        errors += 1
        print("  FAIL " + what)


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


def rate_text(r):
    if r is None:
        return "-"
    units = ["H/s", "kH/s", "MH/s", "GH/s", "TH/s"]
    u = 0
    while r >= 1000 and u < 4:
        r /= 1000
        u += 1
    return "%.2f %s" % (r, units[u])


def duration_text(s):
    t = int(s + 0.5)
    if s < 0.995:
        return "%.2fs" % s
    if s < 9.95:
        return "%.1fs" % s
    if t < 60:
        return "%ds" % t
    if t < 3600:
        return "%dm %02ds" % (t // 60, t % 60)
    if t < 86400:
        return "%dh %02dm" % (t // 3600, t % 3600 // 60)
    return "%dd %02dh" % (t // 86400, t % 86400 // 3600)


def count_text(n):
    return "{:,}".format(n)


def check():
    sp = json.load(open(sys.argv[2]))
    level, at = sys.argv[3], at_time(sys.argv[4])
    rep = json.load(open(sys.argv[5]))
    text = open(sys.argv[6]).read()
    start, end = period(level, at)
    within = [r for r in sp["records"]
              if start <= ts(r["record"]["timestamp"]) < end]

    def of(stream):
        return [r["record"] for r in within if r["stream"] == stream]

    name = "%s %s" % (level, sys.argv[4])
    ok(rep["level"] == level, name + ": level")
    ok(rep["start"] == iso(start) and rep["end"] == iso(end),
       name + ": period %s to %s (got %s to %s)"
       % (iso(start), iso(end), rep["start"], rep["end"]))

    miners = of("miners")
    rounds = [r for r in miners if r["event"] == "mining_round_complete"]
    rates = [r["hashrate"] for r in rounds]
    m = rep["categories"]["miners"]
    want = {
        "records": len(miners),
        "rounds": len(rounds),
        "hashes": sum(r["attempts_this_round"] for r in rounds),
        "blocks_found": sum(r["blocks_found"] for r in rounds),
        "best_difficulty": max([r["best_difficulty"] for r in rounds],
                               default=None),
        "miners_seen": len({r["miner_id"] for r in rounds}),
    }
    for k, v in want.items():
        ok(m.get(k) == v, "%s: miners %s = %s (got %s)" % (name, k, v,
                                                           m.get(k)))
    mean = sum(rates) / len(rates) if rates else None
    for k, v in (("mean", mean), ("min", min(rates, default=None)),
                 ("max", max(rates, default=None))):
        ok(close(m["hashrate"][k], v), "%s: hash rate %s = %s (got %s)"
           % (name, k, v, m["hashrate"][k]))
    uptime = sum(r["duration_ms"] for r in rounds) / 1000
    ok(close(m["uptime_seconds"], uptime), "%s: uptime %s s (got %s)"
       % (name, uptime, m["uptime_seconds"]))
    shares = {k: sum(r["shares_" + k] for r in rounds)
              for k in ("accepted", "rejected", "stale")}
    ok(m["shares"] == shares, "%s: shares %s (got %s)"
       % (name, shares, m["shares"]))
    per_miner = {}
    for r in rounds:
        per_miner[r["miner_id"]] = per_miner.get(r["miner_id"], 0) + 1
    ok(m["miners"] == per_miner, "%s: rounds per miner %s (got %s)"
       % (name, per_miner, m["miners"]))
    events = {}
    for r in miners:
        events[r["event"]] = events.get(r["event"], 0) + 1
    ok(m["events"] == events, "%s: events %s (got %s)"
       % (name, events, m["events"]))
    errs = of("error:miners")
    by_type = {}
    for r in errs:
        by_type[r["error_type"]] = by_type.get(r["error_type"], 0) + 1
    ok(m["errors"] == {"total": len(errs), "by_type": by_type},
       "%s: errors %d %s (got %s)" % (name, len(errs), by_type, m["errors"]))
    for cat in ("looping", "dtm", "brainstem"):
        c = rep["categories"][cat]
        ok(c["records"] == len(of(cat)) and c["errors"]["total"] == 0,
           "%s: %s has %d records, no errors" % (name, cat, len(of(cat))))
    ledger = sorted(of("ledger"), key=lambda r: r["timestamp"])
    kinds = rep["record_kinds"]
    hashes = [b["block_hash"] for b in kinds["ledger"]["blocks"]]
    ok(hashes == [r["block_hash"] for r in ledger],
       "%s: the ledger's %d block hashes in time order (got %s)"
       % (name, len(ledger), hashes))
    for k in ("ledger", "math_proof", "submission", "rejection"):
        ok(kinds[k]["records"] == len(of(k)), "%s: %s records = %d (got %s)"
           % (name, k, len(of(k)), kinds[k]["records"]))
    subs = of("submission")
    res = {}
    for r in subs:
        res[r["result"]] = res.get(r["result"], 0) + 1
    ok(kinds["submission"]["metrics"].get("count_by_value_result") == res,
       "%s: submission results %s" % (name, res))
    t = rep["totals"]
    ok(t["hashes"] == want["hashes"] and t["rounds"] == len(rounds)
       and t["blocks"] == len(ledger) and t["errors"] == len(errs)
       and t["shares"] == shares and close(t["uptime_seconds"], uptime),
       "%s: totals %s" % (name, t))

    # the text: every figure, rounded for people, in aligned columns
    lines = text.splitlines()

    def shown(label, value):
        hit = [ln for ln in lines
               if ln[:2] == "  " and ln[2:22].rstrip() == label
               and value in ln[22:]]
        ok(hit, "%s text: '%s' shows %s" % (name, label, value))

    ok(lines[0].startswith("brainstem report: %s " % level),
       name + " text: heading names the level")
    shown("rounds", count_text(len(rounds)))
    shown("hashes", count_text(want["hashes"]))
    if rates:
        shown("hash rate", "mean %s, min %s, max %s" % (
            rate_text(mean), rate_text(min(rates)), rate_text(max(rates))))
        shown("uptime", duration_text(uptime))
        shown("miners seen", "%d: " % len(per_miner))
        for miner, n in per_miner.items():
            shown("miners seen", "%s (%d round%s)" % (miner, n,
                                                      "" if n == 1 else "s"))
    shown("shares", "accepted %d, rejected %d, stale %d" % (
        shares["accepted"], shares["rejected"], shares["stale"]))
    shown("blocks", count_text(len(ledger)))
    if errs:
        for typ, n in by_type.items():
            shown("errors", "%s %d" % (typ, n))
    for h in hashes:
        shown("block", h)
    body = [ln for ln in lines if ln.startswith("  ") and ln.strip()]
    bad = [ln for ln in body if len(ln) < 23 or ln[22] == " "
           or ln[21] != " "]
    ok(body and not bad, "%s text: %d figure lines, each value in column 23"
       " (misaligned: %s)" % (name, len(body), bad[:3]))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    {"spec": spec, "check": check}[sys.argv[1]]()
