#!/usr/bin/env python3
"""Prints the records of a brainstem journal (a stream's global file) that
match KEY=VALUE filters, one compact JSON object a line.

    events.py FILE [KEY=VALUE ...] [--count] [--field NAME] [--settled]

A missing or half-written file counts as empty: tests poll with it.  With
--settled a half-written file (a writer is at work) is read again until it
parses, for at most 5 s, so a count taken once is a true count.
"""
import json
import sys
import time


def main():
    args = sys.argv[1:]
    path, filters, count, field, settled = args[0], [], False, None, False
    rest = iter(args[1:])
    for a in rest:
        if a == "--count":
            count = True
        elif a == "--settled":
            settled = True
        elif a == "--field":
            field = next(rest)
        else:
            k, _, v = a.partition("=")
            filters.append((k, v))
    deadline = time.monotonic() + 5
    while True:
        try:
            with open(path) as f:
                doc = json.load(f)
            break
        except OSError:
            doc = {}
            break
        except ValueError:
            doc = {}
            if not settled or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    arrays = [v for v in doc.values() if isinstance(v, list)]
    records = arrays[-1] if arrays else []
    hits = [r for r in records
            if all(str(r.get(k)) == v for k, v in filters)]
    if count:
        print(len(hits))
        return
    try:
        for r in hits:
            print(r.get(field) if field
                  else json.dumps(r, separators=(",", ":")))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head
        sys.stdout = None


main()
