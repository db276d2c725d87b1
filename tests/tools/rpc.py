#!/usr/bin/env python3
"""JSON-RPC to a bcoin node on loopback (the node's or its wallet's port).

    rpc.py PORT KEY METHOD [JSON-PARAM ...]

Prints the result (a string bare, anything else as JSON); exits 1 with the
node's error, or when the node cannot be reached.
"""
import base64
import json
import sys
import urllib.error
import urllib.request

port, key, method = sys.argv[1:4]
params = [json.loads(p) for p in sys.argv[4:]]
req = urllib.request.Request(
    "http://127.0.0.1:%s/" % port,
    json.dumps({"method": method, "params": params, "id": 1}).encode(),
    {"Authorization": "Basic " + base64.b64encode(("x:" + key).encode()).decode(),
     "Content-Type": "application/json"})
try:
    body = json.load(urllib.request.urlopen(req, timeout=30))
except urllib.error.HTTPError as e:
    body = json.load(e)
except Exception as e:
    sys.exit("rpc: %s" % e)
if body.get("error"):
    sys.exit("rpc %s: %s" % (method, body["error"]))
r = body["result"]
print(r if isinstance(r, str) else json.dumps(r))
