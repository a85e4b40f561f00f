// Run by test/runtimes/bun-upgrade.test.ts in the real `bun` binary: a session-wrapped Bun.serve
// handler that reads the session, then upgrades to a WebSocket and returns nothing (Bun's own
// idiom). Prints one JSON line with what the client saw.
import type { Server } from "bun";
import { memoryStore } from "../../../adapters/memory.js";
import { withSession } from "../../../src/index.js";

type Data = { visits: number };
type Socket = { visits: number };

const handler = withSession<Data, Server<Socket>>(
  async (request, ctx) => {
    const session = await ctx.session();
    const visits = session.get("visits") ?? 0;
    if (new URL(request.url).pathname === "/ws") {
      if (ctx.env.upgrade(request, { data: { visits } })) return;
      return new Response("upgrade failed", { status: 400 });
    }
    session.set("visits", visits + 1);
    return new Response(`visit ${visits + 1}`);
  },
  { secrets: [process.env.SESSION_SECRETS!], store: memoryStore() },
);

const errors: string[] = [];
const server = Bun.serve<Socket>({
  hostname: "127.0.0.1",
  port: 0,
  fetch: handler,
  error(error) {
    errors.push(String(error));
    return new Response("error", { status: 500 });
  },
  websocket: {
    message(socket, message) {
      socket.send(`${message} after ${socket.data.visits} visits`);
    },
  },
});

const base = `http://127.0.0.1:${server.port}`;
const first = await fetch(`${base}/`);
const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
await fetch(`${base}/`, { headers: { cookie } });
let timer: ReturnType<typeof setTimeout> | undefined;
const reply = await new Promise<string>((resolve, reject) => {
  timer = setTimeout(() => reject(new Error("no reply within 5 s")), 5000);
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { headers: { cookie } } as unknown as string[]);
  socket.onopen = () => socket.send("hello");
  socket.onmessage = (event) => {
    resolve(String(event.data));
    socket.close();
  };
  socket.onerror = () => reject(new Error("websocket error"));
}).finally(() => clearTimeout(timer));
console.log(JSON.stringify({ reply, errors }));
server.stop(true);
