"""What two users do on a fresh homeserver, with matrix-nio (the Matrix client library in
Python), over HTTPS through the cluster's entry, verified against the cluster's CA.

The first admin makes a registration token; two users register with it, log in, share a
room, exchange UTF-8 messages, type, mark them read, sync, upload and download a file, and
ask for TURN credentials. Prints one JSON document of what they saw, for the test to check.

Usage: matrix_session.py <https://domain> <entry address> <ca.crt>
Environment: MATRIX_ADMIN_USER, MATRIX_ADMIN_PASSWORD.
"""

import asyncio
import hashlib
import json
import os
import secrets
import socket
import ssl
import sys

import aiohttp
from aiohttp.abc import AbstractResolver
from nio import AsyncClient, JoinResponse, LoginResponse, RegisterResponse, RoomCreateResponse, RoomSendResponse, SyncResponse, UploadResponse


class EntryResolver(AbstractResolver):
    """Resolves every name to the cluster's entry (the lab has no DNS)."""

    def __init__(self, address):
        self.address = address

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": self.address, "port": port, "family": socket.AF_INET, "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self):
        pass


def check(response, kind, what):
    if not isinstance(response, kind):
        raise SystemExit(f"{what} failed: {response}")
    return response


class Session:
    def __init__(self, base, entry, ca):
        self.base = base
        self.context = ssl.create_default_context(cafile=ca)
        self.entry = entry

    def http(self):
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.context, resolver=EntryResolver(self.entry)))

    def client(self, user=""):
        c = AsyncClient(self.base, user)
        c.client_session = self.http()
        return c

    async def raw(self, method, path, token=None, body=None, base=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.http() as http:
            async with http.request(method, f"{base or self.base}{path}", headers=headers, json=body) as r:
                return r.status, await r.json(content_type=None)


async def main(base, entry, ca):
    s = Session(base, entry, ca)
    result = {}

    admin = s.client(os.environ["MATRIX_ADMIN_USER"])
    check(await admin.login(os.environ["MATRIX_ADMIN_PASSWORD"], device_name="lab admin"), LoginResponse, "admin login")
    status, token = await s.raw("POST", "/_synapse/admin/v1/registration_tokens/new", admin.access_token, {"uses_allowed": 2})
    if status != 200:
        raise SystemExit(f"making a registration token failed: {status} {token}")
    registration_token = token["token"]
    await admin.close()

    suffix = secrets.token_hex(3)
    users = {}
    for name in ("alice", "bob"):
        c = s.client()
        password = secrets.token_urlsafe(16)
        check(await c.register_with_token(f"{name}-{suffix}", password, registration_token, device_name=f"{name}'s laptop"), RegisterResponse, f"registering {name}")
        await c.close()
        c = s.client(f"@{name}-{suffix}:{base.split('//')[1]}")
        check(await c.login(password, device_name=f"{name}'s phone"), LoginResponse, f"{name} login")
        users[name] = c
    alice, bob = users["alice"], users["bob"]
    result["users"] = [alice.user_id, bob.user_id]
    status, spent = await s.raw("GET", "/_matrix/client/v1/register/m.login.registration_token/validity?token=" + registration_token)
    result["token_valid_after_two_uses"] = spent.get("valid")

    room = check(await alice.room_create(name="Labor", invite=[bob.user_id]), RoomCreateResponse, "room creation").room_id
    check(await bob.join(room), JoinResponse, "bob joining")
    sent = ["Grüße aus dem Labor ✓", "Привет, 世界 👋"]
    await alice.room_typing(room, True, 5000)
    event = check(await alice.room_send(room, "m.room.message", {"msgtype": "m.text", "body": sent[0]}), RoomSendResponse, "alice's message")
    await bob.room_read_markers(room, event.event_id, event.event_id)
    check(await bob.room_send(room, "m.room.message", {"msgtype": "m.text", "body": sent[1]}), RoomSendResponse, "bob's message")

    seen = {}
    for name, c in users.items():
        for _ in range(10):
            sync = check(await c.sync(timeout=3000, full_state=True), SyncResponse, f"{name}'s sync")
            timeline = sync.rooms.join.get(room)
            bodies = [e.body for e in timeline.timeline.events if hasattr(e, "body")] if timeline else []
            if all(m in bodies for m in sent):
                break
        seen[name] = [b for b in bodies if b in sent]
    result["sent"] = sent
    result["seen"] = seen

    data = os.urandom(200_000)
    upload, _ = await alice.upload(lambda *_: data, content_type="application/octet-stream", filename="lab.bin", filesize=len(data))
    check(upload, UploadResponse, "upload")
    download = await bob.download(upload.content_uri)
    result["media"] = {
        "mxc": upload.content_uri,
        "sha256": hashlib.sha256(data).hexdigest(),
        "downloaded_sha256": hashlib.sha256(download.body).hexdigest() if hasattr(download, "body") else str(download),
    }

    status, turn = await s.raw("GET", "/_matrix/client/v3/voip/turnServer", alice.access_token)
    result["turn"] = {"status": status, **turn}
    status, found = await s.raw("POST", "/_matrix/client/v3/user_directory/search", alice.access_token, {"search_term": f"bob-{suffix}"})
    result["directory"] = [u["user_id"] for u in found.get("results", [])]
    status, well_known = await s.raw("GET", "/.well-known/matrix/client")
    result["well_known"] = well_known
    status, openid = await s.raw("POST", f"/_matrix/client/v3/user/{alice.user_id}/openid/request_token", alice.access_token, {})
    result["openid"] = {"status": status, "matrix_server_name": openid.get("matrix_server_name"), "has_token": bool(openid.get("access_token"))}
    status, version = await s.raw("GET", "/_matrix/federation/v1/version", base=f"{base}:8448")
    result["federation_version"] = {"status": status, **version}

    for c in users.values():
        await c.close()
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
