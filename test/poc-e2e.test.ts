// End to end: the proof-of-concept stack's REAL rendered configs (homeserver.yaml,
// log.config, the nginx server block, .well-known/matrix/client, the POSTGRES_* settings
// of docker-compose.yml), rendered from templates/poc/ by the same renderTemplate with a
// loopback PocRuntime, run on this machine by PostgreSQL 15 and nginx from Debian and
// Synapse from PyPI, and a Matrix client (the client-server API over fetch) through nginx.
// Only listen addresses, ports and paths differ from the containers. Needs
// scripts/setup-tests.sh (scripts/deps/poc-e2e.sh); fails, does not skip, without it.
import { readFileSync } from "node:fs";
import { capacityArgs, CLIENT_PYTHON, describeCapacity, parseCapacity, recordCapacity, withCoresBusy } from "./helpers/capacity";
import { MatrixHttp, seg } from "./helpers/matrix-http";
import { missingPrograms, PocLoopback, SYNAPSE_VERSION } from "./helpers/poc-loopback";
import { runAsync } from "./helpers/programs";

const SERVER_NAME = "chat.z3r0d3v.com";
const MESSAGES = ["Grüße, 你好, 🎉", "Ünïcödé: ñ ø ß Ω ∑ 日本語 עברית العربية", "plain / path-like ? & # % chars"];
const ROOM_NAME = "Café ☕ Lobby";
const ALIAS_LOCALPART = "grüße-lobby";
const PASSWORDS = { admin: "admin-pw-Ä1", alice: "alice-pw-ß2", bob: "bob-pw-Ω3" } as const;

describe(`POC stack on loopback (rendered templates/poc configs; only listen addresses, ports and paths differ from the containers): PostgreSQL 15, Synapse ${SYNAPSE_VERSION}, nginx, a Matrix client through nginx`, () => {
  let stack: PocLoopback | undefined;
  let nginxTestOutput = "";
  const timings: string[] = [];
  const timed = async <T>(what: string, f: () => T | Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const v = await f();
    timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return v;
  };
  const s = (): PocLoopback => {
    if (!stack) throw new Error("the loopback stack did not start");
    return stack;
  };

  beforeAll(async () => {
    const missing = missingPrograms();
    if (missing.length) {
      throw new Error(`programs missing for the POC end-to-end test: ${missing.join(", ")}; run scripts/setup-tests.sh (it runs scripts/deps/poc-e2e.sh)`);
    }
    stack = new PocLoopback();
    const st = stack;
    await st.prepare();
    await timed("PostgreSQL initdb + start + createdb", () => st.startPostgres());
    await timed("synapse --generate-keys", () => st.generateKeys());
    await timed("Synapse first start (schema) to /health", () => st.startSynapse());
    st.writeNginxMain();
    nginxTestOutput = st.nginxTest();
    await timed("nginx start", () => st.startNginx());
  });

  afterAll(async () => {
    if (timings.length) console.log(`POC e2e timings: ${timings.join("; ")}`);
    await stack?.cleanup();
  });

  // Shared by the steps below, in order.
  const nginx = () => new MatrixHttp(s().nginxUrl);
  const direct = () => new MatrixHttp(s().synapseUrl);
  let registrationToken = "";
  const users: Record<"alice" | "bob", { userId: string; token: string }> = { alice: { userId: "", token: "" }, bob: { userId: "", token: "" } };
  let roomId = "";
  let signingKeys: Record<string, { key: string }> = {};

  test("PostgreSQL: database synapse is UTF8 with C collation and ctype (POSTGRES_INITDB_ARGS), Synapse's schema is in it", () => {
    expect(s().composePostgres()).toEqual({ user: "synapse", db: "synapse", initdbArgs: ["--encoding=UTF8", "--lc-collate=C", "--lc-ctype=C"] });
    // Over TCP with the password from the pgpass secret, as Synapse connects.
    expect(s().psql("SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database WHERE datname='synapse'")).toBe("C|C|UTF8");
    expect(s().psql("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users', 'events', 'rooms')")).toBe("3");
  });

  test("nginx -t accepts the rendered server block; nginx serves /.well-known/matrix/client", async () => {
    expect(nginxTestOutput).toContain("syntax is ok");
    expect(nginxTestOutput).toContain("test is successful");
    const r = await fetch(`${s().nginxUrl}/.well-known/matrix/client`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.headers.get("access-control-allow-origin")).toBe("*");
    expect(await r.json()).toEqual({ "m.homeserver": { base_url: `http://${SERVER_NAME}/` } });
  });

  test("the client API passes through nginx unchanged; the admin API is not proxied", async () => {
    const viaNginx = await nginx().request("GET", "/_matrix/client/versions");
    const viaSynapse = await direct().request("GET", "/_matrix/client/versions");
    expect(viaNginx.status).toBe(200);
    expect(viaNginx.json.versions).toEqual(expect.arrayContaining(["v1.1"]));
    expect(viaNginx.text).toBe(viaSynapse.text);
    // Synapse answers its own admin API on its listener, at the pinned version ...
    const version = await direct().request("GET", "/_synapse/admin/v1/server_version");
    expect(version.status).toBe(200);
    expect(version.json.server_version).toMatch(new RegExp(`^${SYNAPSE_VERSION.replace(/\./g, "\\.")}\\b`));
    // ... but nginx sends /_synapse/admin to the Element upstream (absent here: 502).
    expect((await nginx().request("GET", "/_synapse/admin/v1/server_version")).status).toBe(502);
  });

  test("an admin (register_new_matrix_user with the shared secret) makes a registration token", async () => {
    expect(s().registerUser("admin", PASSWORDS.admin, true)).toContain("Success");
    const admin = await nginx().login("admin", PASSWORDS.admin);
    expect(admin.user_id).toBe(`@admin:${SERVER_NAME}`);
    const created = await direct().as(admin.access_token).ok("POST", "/_synapse/admin/v1/registration_tokens/new", { uses_allowed: 2 });
    expect(created).toMatchObject({ uses_allowed: 2, pending: 0, completed: 0 });
    registrationToken = created.token;
    expect(registrationToken).toMatch(/^[A-Za-z0-9._~-]+$/);
    const validity = (t: string) => nginx().ok("GET", `/_matrix/client/v1/register/m.login.registration_token/validity?token=${seg(t)}`);
    expect(await validity(registrationToken)).toEqual({ valid: true });
    expect(await validity("no-such-token")).toEqual({ valid: false });
  });

  test("registration WITHOUT a token is refused", async () => {
    const first = await nginx().request("POST", "/_matrix/client/v3/register", { username: "mallory", password: "mallory-pw" });
    expect(first.status).toBe(401);
    expect(first.json.flows.length).toBeGreaterThan(0);
    for (const flow of first.json.flows) expect(flow.stages).toContain("m.login.registration_token");
    const session = first.json.session;
    const dummy = await nginx().request("POST", "/_matrix/client/v3/register", { username: "mallory", password: "mallory-pw", auth: { type: "m.login.dummy", session } });
    expect(dummy.status).toBe(401);
    expect(dummy.json.access_token).toBeUndefined();
    const wrong = await nginx().request("POST", "/_matrix/client/v3/register", {
      username: "mallory",
      password: "mallory-pw",
      auth: { type: "m.login.registration_token", token: "no-such-token", session },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.access_token).toBeUndefined();
    expect((await nginx().request("GET", "/_matrix/client/v3/register/available?username=mallory")).json).toEqual({ available: true });
  });

  test("alice and bob register WITH the token (UIA: m.login.registration_token, then m.login.dummy) and log in", async () => {
    for (const name of ["alice", "bob"] as const) {
      const body = { username: name, password: PASSWORDS[name], initial_device_display_name: "poc-e2e" };
      const first = await nginx().request("POST", "/_matrix/client/v3/register", body);
      expect(first.status).toBe(401);
      // The one flow Synapse offers: the token, then the dummy stage that completes it.
      expect(first.json.flows).toEqual([{ stages: ["m.login.registration_token", "m.login.dummy"] }]);
      const session = first.json.session;
      const withToken = await nginx().request("POST", "/_matrix/client/v3/register", { ...body, auth: { type: "m.login.registration_token", token: registrationToken, session } });
      expect({ status: withToken.status, completed: withToken.json.completed }).toEqual({ status: 401, completed: ["m.login.registration_token"] });
      const done = await nginx().request("POST", "/_matrix/client/v3/register", { ...body, auth: { type: "m.login.dummy", session } });
      expect({ status: done.status, user_id: done.json.user_id }).toEqual({ status: 200, user_id: `@${name}:${SERVER_NAME}` });
      const login = await nginx().login(name, PASSWORDS[name]);
      expect(login.user_id).toBe(`@${name}:${SERVER_NAME}`);
      users[name] = { userId: login.user_id, token: login.access_token };
      expect(await nginx().as(login.access_token).ok("GET", "/_matrix/client/v3/account/whoami")).toMatchObject({ user_id: login.user_id });
    }
    // Both uses of the token are spent.
    const v = await nginx().ok("GET", `/_matrix/client/v1/register/m.login.registration_token/validity?token=${seg(registrationToken)}`);
    expect(v).toEqual({ valid: false });
  });

  test("alice creates a room and sends non-ASCII messages; bob joins and reads the exact text through nginx", async () => {
    const alice = nginx().as(users.alice.token);
    const bob = nginx().as(users.bob.token);
    const created = await alice.ok("POST", "/_matrix/client/v3/createRoom", { name: ROOM_NAME, room_alias_name: ALIAS_LOCALPART, preset: "private_chat", invite: [users.bob.userId] });
    roomId = created.room_id;
    expect(roomId).toMatch(/^!/);
    for (const [i, body] of MESSAGES.entries()) {
      const sent = await alice.ok("PUT", `/_matrix/client/v3/rooms/${seg(roomId)}/send/m.room.message/txn-${i}`, { msgtype: "m.text", body });
      expect(sent.event_id).toMatch(/^\$/);
    }
    // Bob joins by the alias: '#', ':' and UTF-8 percent-encoded in the path, through nginx.
    const alias = `#${ALIAS_LOCALPART}:${SERVER_NAME}`;
    expect((await bob.ok("GET", `/_matrix/client/v3/directory/room/${seg(alias)}`)).room_id).toBe(roomId);
    expect((await bob.ok("POST", `/_matrix/client/v3/join/${seg(alias)}`, {})).room_id).toBe(roomId);

    // /messages: the path (room ID, query string) reaches Synapse unchanged.
    const messages = await bob.ok("GET", `/_matrix/client/v3/rooms/${seg(roomId)}/messages?dir=b&limit=50`);
    const texts = messages.chunk.filter((e: any) => e.type === "m.room.message").map((e: any) => e.content.body);
    expect(texts.reverse()).toEqual(MESSAGES);
    for (const e of messages.chunk.filter((x: any) => x.type === "m.room.message")) expect(e.sender).toBe(users.alice.userId);

    // /sync: the room with its name and the messages in order.
    const filter = seg(JSON.stringify({ room: { timeline: { limit: 50 } } }));
    const sync = await bob.ok("GET", `/_matrix/client/v3/sync?timeout=0&filter=${filter}`);
    const room = sync.rooms.join[roomId];
    expect(room).toBeDefined();
    const events = [...(room.state?.events ?? []), ...room.timeline.events];
    expect(events.find((e: any) => e.type === "m.room.name")?.content.name).toBe(ROOM_NAME);
    expect(room.timeline.events.filter((e: any) => e.type === "m.room.message").map((e: any) => e.content.body)).toEqual(MESSAGES);
  });

  test("after a Synapse restart the same users log in, the messages are kept and the signing key is unchanged", async () => {
    const keyOf = async () => {
      const k = await nginx().ok("GET", "/_matrix/key/v2/server");
      expect(k.server_name).toBe(SERVER_NAME);
      return k.verify_keys as Record<string, { key: string }>;
    };
    signingKeys = await keyOf();
    const keyIds = Object.keys(signingKeys);
    expect(keyIds).toHaveLength(1);
    expect(keyIds[0]).toMatch(/^ed25519:/);
    // The key --generate-keys wrote: "ed25519 <version> <seed>".
    const [alg, version] = readFileSync(s().path("synapse", "signing.key"), "utf8").trim().split(/\s+/);
    expect(`${alg}:${version}`).toBe(keyIds[0]);

    await timed("Synapse stop", () => s().stopSynapse());
    await timed("Synapse restart to /health", () => s().startSynapse());

    expect(await keyOf()).toEqual(signingKeys);
    for (const name of ["alice", "bob"] as const) {
      const login = await nginx().login(name, PASSWORDS[name]);
      expect(login.user_id).toBe(users[name].userId);
    }
    const bob = nginx().as((await nginx().login("bob", PASSWORDS.bob)).access_token);
    const messages = await bob.ok("GET", `/_matrix/client/v3/rooms/${seg(roomId)}/messages?dir=f&limit=50`);
    expect(messages.chunk.filter((e: any) => e.type === "m.room.message").map((e: any) => e.content.body)).toEqual(MESSAGES);
    expect(s().psql("SELECT count(*) FROM users")).toBe("3");
  });

  // The baseline of npm run bench:capacity: the cluster lab's capacity load, here on one
  // Synapse with its local PostgreSQL. Figures are printed, not asserted.
  test("capacity baseline: clients syncing and sending a message a second through nginx are all served, nothing acknowledged is lost", async () => {
    const admin = await nginx().login("admin", PASSWORDS.admin);
    const figures = await withCoresBusy({}, async () => {
      const r = await runAsync(CLIENT_PYTHON, capacityArgs(s().nginxUrl, "127.0.0.1", undefined), { env: { ...process.env, MATRIX_ADMIN_TOKEN: admin.access_token, MATRIX_ADMIN_BASE: s().synapseUrl }, timeoutMs: 540_000 });
      if (r.status !== 0) throw new Error(`matrix_capacity.py: ${r.stderr}`);
      return parseCapacity(r.stdout);
    });
    console.log(describeCapacity("one Synapse with a local PostgreSQL (loopback)", figures));
    recordCapacity("single", figures);
    expect({ lost: figures.lost, refused: figures.refused, undelivered: figures.undelivered }).toEqual({ lost: 0, refused: 0, undelivered: 0 });
    expect(figures.acknowledged).toBeGreaterThanOrEqual(figures.clients * (figures.seconds - 2));
  }, 600_000);
});

