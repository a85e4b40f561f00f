// A racer: one OS process with its own store client, driven by the parent over stdin/stdout, one
// JSON line each way. `open` loads a session for a cookie and applies an action without saving it;
// `commit` saves it. The parent opens requests in several racers, then commits them together, so
// every save meets the others at the store, as saves from different machines do.
import { createInterface } from "node:readline";
import { createSessions, SessionError, type SessionHandle } from "../../../src/index.js";
import { racerStores } from "../racer-stores.js";

type Data = { cart?: Record<string, number>; user?: string };
type Action = "create" | "add" | "logout" | "login" | "read";
type Command = { id: number; op: "open"; cookie?: string; action: Action } | { id: number; op: "commit" } | { id: number; op: "exit" };

const kind = process.env.RACER_KIND ?? "";
const factory = racerStores[kind];
if (!factory) throw new Error(`racer: unknown RACER_KIND ${JSON.stringify(kind)}`);
const { store, close } = await factory(process.env);
const sessions = createSessions<Data>({ secrets: [process.env.RACER_SECRET!], store, storeTimeout: 20_000 });
const open = new Map<number, { handle: SessionHandle<Data>; action: Action }>();

const reply = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

async function openRequest(id: number, action: Action, cookie: string | undefined): Promise<void> {
  const handle = await sessions.open(new Request("http://shop.test/", { headers: cookie ? { cookie } : {} }));
  const session = await handle.session();
  if (action === "create") session.set("cart", {});
  if (action === "add") session.update("cart", (cart = {}) => ({ ...cart, apple: (cart.apple ?? 0) + 1 }));
  if (action === "logout") session.destroy();
  if (action === "login") {
    session.regenerate();
    session.set("user", "ada");
  }
  open.set(id, { handle, action });
}

async function commitRequest(id: number): Promise<object> {
  const { handle } = open.get(id)!;
  open.delete(id);
  const session = await handle.session();
  const body = { cart: session.get("cart") ?? null, user: session.get("user") ?? null, isNew: session.isNew };
  const response = await handle.commit(new Response("ok"));
  const line = response.headers.get("set-cookie");
  return { body, cookie: line && !/Max-Age=0/.test(line) ? line.split(";")[0] : null, expired: line !== null && /Max-Age=0/.test(line) };
}

async function run(command: Command): Promise<void> {
  try {
    if (command.op === "exit") {
      await close();
      reply({ id: command.id, ok: true });
      process.exit(0);
    }
    if (command.op === "open") await openRequest(command.id, command.action, command.cookie);
    const result = command.op === "commit" ? await commitRequest(command.id) : {};
    reply({ id: command.id, ok: true, ...result });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
    reply({ id: command.id, ok: false, code: error instanceof SessionError ? error.code : String(error), cause });
  }
}

createInterface({ input: process.stdin }).on("line", (line) => void run(JSON.parse(line) as Command));
reply({ id: 0, ok: true, ready: kind });
