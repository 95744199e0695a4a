"""Clients that keep sending and syncing through the cluster's entry for a bounded time,
for the lab's faults: every request is stamped when it starts and when it ends, and at the
end every message Synapse acknowledged (returned an event id for) is looked up in the room.

An admin creates the users (the admin API is not rate limited), lifts their message rate
limit as for a bridge or a bot, and logs them in; they share one room. Each sender sends a
message every quarter second (a new transaction each time: a refused one is not retried);
each user runs a sync loop. A file is written when the load is running, so the caller knows
when to cause its fault. Prints one JSON document.

Usage: matrix_load.py <https://domain> <entry address> <ca.crt> <seconds> <users> <ready file>
Environment: MATRIX_ADMIN_TOKEN, an access token of an admin (logging in for every run would
meet Synapse's login rate limit).
"""

import asyncio
import json
import os
import secrets
import ssl
import sys
import time
from urllib.parse import quote

import aiohttp

from matrix_session import EntryResolver

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)
SEND_INTERVAL = 0.25
SYNC_TIMEOUT_MS = 5000


class Api:
    """The client-server API at `base`, every name resolved to `entry`. `ca`: the CA file
    for https, None for plain http. Each request on a new connection unless `keep_alive`:
    a fault's clients must reach whichever load balancer holds the VIP now."""

    def __init__(self, base, entry, ca, keep_alive=False):
        self.base = base
        context = ssl.create_default_context(cafile=ca) if ca else True
        connector = aiohttp.TCPConnector(ssl=context, resolver=EntryResolver(entry), force_close=not keep_alive, limit=0)
        self.http = aiohttp.ClientSession(connector=connector, timeout=REQUEST_TIMEOUT)

    async def call(self, method, path, token=None, body=None, base=None):
        """(status, json); status 0 when no HTTP answer came (refused, reset, timed out)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with self.http.request(method, f"{base or self.base}{path}", headers=headers, json=body) as r:
                return r.status, await r.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
            return 0, {"error": type(e).__name__}

    async def must(self, method, path, token=None, body=None, what="", base=None):
        """For the set-up, which is not measured: waits out rate limits and, for up to a
        minute, a cluster still settling after the previous fault; fails on anything else."""
        deadline = time.time() + 60
        while True:
            status, reply = await self.call(method, path, token, body, base)
            if 200 <= status < 300:
                return reply
            if status == 429:
                await asyncio.sleep(min(reply.get("retry_after_ms", 1000), 10_000) / 1000)
            elif (status == 0 or status >= 500) and time.time() < deadline:
                await asyncio.sleep(1)
            else:
                raise SystemExit(f"{what or path}: HTTP {status} {reply}")


async def new_users(api, admin_token, server_name, count, admin_base=None):
    """({name: access token}, {name: user id}) of `count` new users, made by the admin,
    each with no message rate limit (as for a bridge or a bot: the load is the point)."""
    suffix = secrets.token_hex(3)
    tokens, user_ids = {}, {}
    for n in range(count):
        user = user_ids[f"load{n}"] = f"@load{n}-{suffix}:{server_name}"
        await api.must("PUT", f"/_synapse/admin/v2/users/{quote(user)}", admin_token, {"password": secrets.token_urlsafe(16)}, what=f"creating {user}", base=admin_base)
        await api.must("POST", f"/_synapse/admin/v1/users/{quote(user)}/override_ratelimit", admin_token, {"messages_per_second": 0, "burst_count": 0}, what=f"lifting {user}'s rate limit", base=admin_base)
        tokens[f"load{n}"] = (await api.must("POST", f"/_synapse/admin/v1/users/{quote(user)}/login", admin_token, {}, what=f"logging {user} in", base=admin_base))["access_token"]
    return tokens, user_ids


async def sender(api, token, room, name, until, log):
    i = 0
    while time.time() < until:
        i += 1
        txn = f"{name}-{i}-{secrets.token_hex(4)}"
        start = time.time()
        status, reply = await api.call("PUT", f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/{txn}", token, {"msgtype": "m.text", "body": f"{name} {i}"})
        end = time.time()
        event = reply.get("event_id") if status == 200 else None
        log.append([1 if event else 0, round(start, 3), round(end, 3), event, status])
        await asyncio.sleep(max(0, SEND_INTERVAL - (end - start)))


async def syncer(api, token, until, log):
    since = None
    while time.time() < until:
        start = time.time()
        query = f"?timeout={SYNC_TIMEOUT_MS}" + (f"&since={quote(since)}" if since else "")
        status, reply = await api.call("GET", f"/_matrix/client/v3/sync{query}", token)
        end = time.time()
        ok = status == 200 and "next_batch" in reply
        if ok:
            since = reply["next_batch"]
        log.append([1 if ok else 0, round(start, 3), round(end, 3), status])
        if not ok:
            await asyncio.sleep(0.5)


async def room_events(api, token, room, deadline):
    """Every event id in the room, paginating back from the end; retried until deadline."""
    while True:
        seen, frm, complete = set(), None, False
        while True:
            query = "?dir=b&limit=1000" + (f"&from={quote(frm)}" if frm else "")
            status, reply = await api.call("GET", f"/_matrix/client/v3/rooms/{quote(room)}/messages{query}", token)
            if status != 200:
                break
            seen.update(e["event_id"] for e in reply.get("chunk", []))
            if not reply.get("chunk") or "end" not in reply:
                complete = True
                break
            frm = reply["end"]
        if complete or time.time() > deadline:
            return seen, complete
        await asyncio.sleep(2)


async def main(base, entry, ca, seconds, users, ready):
    api = Api(base, entry, ca)
    domain = base.split("//")[1]
    tokens, _ = await new_users(api, os.environ["MATRIX_ADMIN_TOKEN"], domain, int(users))
    names = list(tokens)
    room = (await api.must("POST", "/_matrix/client/v3/createRoom", tokens[names[0]], {"name": "under load", "preset": "public_chat"}, what="room creation"))["room_id"]
    for name in names[1:]:
        await api.must("POST", f"/_matrix/client/v3/join/{quote(room)}", tokens[name], {}, what=f"{name} joining")

    sends, syncs = [], []
    started = time.time()
    until = started + float(seconds)
    with open(ready, "w") as f:
        f.write(str(started))
    await asyncio.gather(*[sender(api, tokens[n], room, n, until, sends) for n in names], *[syncer(api, tokens[n], until, syncs) for n in names])

    acknowledged = [s[3] for s in sends if s[0]]
    stored, complete = await room_events(api, tokens[names[0]], room, time.time() + 180)
    await api.http.close()
    print(json.dumps({"room": room, "started": started, "sends": sorted(sends, key=lambda s: s[1]), "syncs": sorted(syncs, key=lambda s: s[1]), "missing": [e for e in acknowledged if e not in stored], "history_read": complete}))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
