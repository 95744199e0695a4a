"""A steady load of chat users for a fixed time, for the capacity benchmark: what a user
sees of a homeserver that is busy but not failing.

An admin creates `clients` users (no message rate limit, as for a bot); they sit in rooms of
`room size` and each keeps a sync loop running (long polls, as Element does) while sending
one message a second into its room (the senders spread over each second), on
kept-alive connections. Every request is stamped
when it starts and when it ends, and every message is stamped again when each other member
of its room receives it through a sync. Afterwards each room's history is read back.
Prints one JSON document of figures:

- messages acknowledged (an event id returned), refused, and lost (acknowledged but not in
  the room's history), and acknowledged messages per second;
- send latency: a send's start to Synapse's answer, which comes once the event is
  persisted (the event persist lag as a client sees it);
- sync latency: a send's start to the moment another member's sync returns the message
  (what a reader waits), and how many such deliveries never came.

Usage: matrix_capacity.py <base URL> <entry address> <ca.crt or -> <seconds> <clients> [room size]
Environment: MATRIX_ADMIN_TOKEN, an admin's access token; MATRIX_ADMIN_BASE, where the
admin API answers when it is not at the base URL (a proof of concept's nginx does not
proxy it).
"""

import asyncio
import json
import os
import secrets
import sys
import time
from urllib.parse import quote

from matrix_load import Api, new_users, room_events

SEND_INTERVAL = 1.0
SYNC_TIMEOUT_MS = 30_000
# After the last send, how long readers have to receive it before it counts as undelivered.
DELIVERY_GRACE = 10.0


def percentiles(values):
    """p50, p95 and max in milliseconds (nearest rank); None when there are no values."""
    if not values:
        return None
    s = sorted(values)
    rank = lambda q: s[min(len(s) - 1, max(0, round(q * len(s) + 0.5) - 1))]
    return {"p50": round(rank(0.50) * 1000), "p95": round(rank(0.95) * 1000), "max": round(s[-1] * 1000), "count": len(s)}


async def reader(api, token, me, started, stop, received):
    """A member's sync loop: records when each other member's message first reaches it."""
    status, reply = await api.call("GET", "/_matrix/client/v3/sync?timeout=0", token)
    since = reply.get("next_batch") if status == 200 else None
    started.set_result(True)
    while not stop.is_set():
        query = f"?timeout={SYNC_TIMEOUT_MS}" + (f"&since={quote(since)}" if since else "")
        status, reply = await api.call("GET", f"/_matrix/client/v3/sync{query}", token)
        now = time.time()
        if status != 200 or "next_batch" not in reply:
            await asyncio.sleep(0.5)
            continue
        since = reply["next_batch"]
        for room in reply.get("rooms", {}).get("join", {}).values():
            for event in room.get("timeline", {}).get("events", []):
                if event.get("type") == "m.room.message" and event.get("sender") != me:
                    received.setdefault((event["event_id"], me), now)


async def sender(api, token, room, name, first_at, until, log):
    """One message a second from `first_at`, each a new transaction; a refused one is not retried."""
    i = 0
    next_at = first_at
    while next_at < until:
        await asyncio.sleep(max(0, next_at - time.time()))
        i += 1
        start = time.time()
        status, reply = await api.call("PUT", f"/_matrix/client/v3/rooms/{quote(room)}/send/m.room.message/{name}-{i}-{secrets.token_hex(4)}", token, {"msgtype": "m.text", "body": f"{name} {i}"})
        log.append({"room": room, "sender": name, "start": start, "end": time.time(), "event": reply.get("event_id") if status == 200 else None})
        next_at += SEND_INTERVAL


async def main(base, entry, ca, seconds, clients, room_size="5"):
    api = Api(base, entry, None if ca == "-" else ca, keep_alive=True)
    admin_token = os.environ["MATRIX_ADMIN_TOKEN"]
    admin_base = os.environ.get("MATRIX_ADMIN_BASE") or None
    server_name = (await api.must("GET", "/_matrix/client/v3/account/whoami", admin_token, what="whoami"))["user_id"].split(":", 1)[1]
    tokens, user_ids = await new_users(api, admin_token, server_name, int(clients), admin_base)
    names = list(tokens)
    size = max(2, int(room_size))
    rooms = {}
    for first in range(0, len(names), size):
        members = names[first : first + size]
        room = (await api.must("POST", "/_matrix/client/v3/createRoom", tokens[members[0]], {"preset": "private_chat", "invite": [user_ids[m] for m in members[1:]]}, what="room creation"))["room_id"]
        for m in members[1:]:
            await api.must("POST", f"/_matrix/client/v3/join/{quote(room)}", tokens[m], {}, what=f"{m} joining")
        rooms[room] = members

    stop = asyncio.Event()
    received, sends = {}, []
    starts = [asyncio.get_running_loop().create_future() for _ in names]
    readers = [asyncio.create_task(reader(api, tokens[n], user_ids[n], starts[i], stop, received)) for i, n in enumerate(names)]
    await asyncio.gather(*starts)
    began = time.time()
    until = began + float(seconds)
    # Spread over the second, as people's messages are: senders in step would each time
    # queue behind one another, measuring the burst rather than the load.
    senders = [(room, n) for room, members in rooms.items() for n in members]
    await asyncio.gather(*[sender(api, tokens[n], room, n, began + k * SEND_INTERVAL / len(senders), until, sends) for k, (room, n) in enumerate(senders)])
    await asyncio.sleep(DELIVERY_GRACE)
    stop.set()
    # A reader waiting in a long poll would hold the run for up to SYNC_TIMEOUT_MS.
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)

    acknowledged = [s for s in sends if s["event"]]
    deliveries, undelivered = [], 0
    for s in acknowledged:
        for m in rooms[s["room"]]:
            if m == s["sender"]:
                continue
            at = received.get((s["event"], user_ids[m]))
            if at is None:
                undelivered += 1
            else:
                deliveries.append(at - s["start"])
    lost = 0
    for room, members in rooms.items():
        stored, _complete = await room_events(api, tokens[members[0]], room, time.time() + 120)
        lost += sum(1 for s in acknowledged if s["room"] == room and s["event"] not in stored)
    await api.http.close()
    print(json.dumps({
        "clients": len(names),
        "rooms": len(rooms),
        "seconds": float(seconds),
        "loadStart": round(began, 3),
        "loadEnd": round(until, 3),
        "acknowledged": len(acknowledged),
        "refused": len(sends) - len(acknowledged),
        "lost": lost,
        "messagesPerSecond": round(len(acknowledged) / float(seconds), 1),
        "sendMs": percentiles([s["end"] - s["start"] for s in acknowledged]),
        "syncMs": percentiles(deliveries),
        "undelivered": undelivered,
    }))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:7]))
