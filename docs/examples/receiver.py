"""A Switchboard webhook receiver in plain Python (standard library only) — written from docs/webhooks.md alone.

    WEBHOOK_SECRET=... PORT=8080 python3 receiver.py

It reads the raw body (up to 1 MiB, the largest body Switchboard sends), verifies webhook-signature (with the
`standardwebhooks` package when it is installed, `pip install standardwebhooks`, otherwise with the dozen lines of
the Standard Webhooks scheme below) and X-Webhook-Signature, deduplicates on webhook-id, orders each record's
events by X-Webhook-Record-Version (upserts, tombstones for deletes), answers 204 and prints one JSON line per
delivery. State lives in memory here; keep it in your database.
TLS_CERT_FILE and TLS_KEY_FILE serve HTTPS instead of HTTP (a webhook URL must be https://).
"""
import base64
import hashlib
import hmac
import json
import os
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["WEBHOOK_SECRET"].encode("utf-8")  # the secret's UTF-8 bytes, as is
MAX_BODY_BYTES = 1024 * 1024
TOLERANCE_SECONDS = 5 * 60

try:
    from standardwebhooks import Webhook

    _standard = Webhook(SECRET)  # bytes: used as is (a str would be read as base64)

    def standard_signature_ok(raw: bytes, headers: dict) -> bool:
        try:
            _standard.verify(raw, headers)
            return True
        except Exception:
            return False

except ImportError:

    def standard_signature_ok(raw: bytes, headers: dict) -> bool:
        msg_id, ts, sigs = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature")
        if not (msg_id and ts and sigs) or not ts.isdigit() or abs(time.time() - int(ts)) > TOLERANCE_SECONDS:
            return False
        signed = msg_id.encode() + b"." + ts.encode() + b"." + raw
        expected = base64.b64encode(hmac.new(SECRET, signed, hashlib.sha256).digest()).decode()
        # One "v1,<base64>" entry per active secret, space-separated (two during a secret rotation).
        return any(hmac.compare_digest(entry[3:], expected) for entry in sigs.split(" ") if entry.startswith("v1,"))


def brief_signature_ok(raw: bytes, received: str) -> bool:
    expected = hmac.new(SECRET, raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received or "")


seen = set()  # webhook-id of every event handled (use a unique index in your database)
records = {}  # entityId -> {"version", "deleted", "data"}


def apply(envelope: dict, version: int) -> str:
    entity_id = envelope["data"]["entityId"]
    known = records.get(entity_id)
    if known and version <= known["version"]:
        return "stale"  # older than what we have, or a tombstone's
    gap = version - known["version"] - 1 if known else version - 1
    deleted = envelope["event"].endswith(".deleted")
    records[entity_id] = {"version": version, "deleted": deleted, "data": envelope["data"]["payload"]}
    if gap > 0:
        return f"applied (missed {gap})"
    return "deleted (tombstone kept)" if deleted else "applied" if known else "upserted"


def log(line: dict) -> None:
    print(json.dumps(line), flush=True)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if length > MAX_BODY_BYTES:
            self.send_response(413)
            self.end_headers()
            return
        raw = self.rfile.read(length)  # the raw bytes, before any JSON parsing
        headers = {k.lower(): v for k, v in self.headers.items()}
        if not standard_signature_ok(raw, headers):
            log({"result": "rejected", "reason": "webhook-signature"})
            self.send_response(401)
            self.end_headers()
            return
        if not brief_signature_ok(raw, headers.get("x-webhook-signature", "")):
            log({"result": "rejected", "reason": "x-webhook-signature"})
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()
        event_id = headers["webhook-id"]
        if event_id in seen:
            log({"eventId": event_id, "result": "duplicate"})
            return
        seen.add(event_id)
        envelope = json.loads(raw)
        if envelope["event"] == "webhook.test":
            log({"eventId": event_id, "event": envelope["event"], "result": "test"})
            return
        version = int(headers["x-webhook-record-version"])
        log({"eventId": event_id, "event": envelope["event"], "entityId": envelope["data"]["entityId"], "version": version, "result": apply(envelope, version)})

    def log_message(self, *args):
        pass  # one JSON line per delivery is printed above instead


server = HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
if os.environ.get("TLS_CERT_FILE") and os.environ.get("TLS_KEY_FILE"):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.environ["TLS_CERT_FILE"], os.environ["TLS_KEY_FILE"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"listening on {server.server_address[1]}", flush=True)
sys.stdout.flush()
server.serve_forever()
