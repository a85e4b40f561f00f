// Run by test/elysia.test.ts in the real `bun` binary (Elysia streams a generator route's yields as
// strings, which Bun's Response takes and Node's does not): a generator route that loads its
// session before its first `yield` is committed; one that loads it after is told the session is
// closed. Prints one JSON line with what a client saw.
import { Elysia } from "elysia";
import { memoryStore } from "../../../adapters/memory.js";
import { session } from "../../../src/elysia.js";

type Data = { n: number };

const warnings: string[] = [];
// Elysia's stream handler reports an error thrown inside the generator with console.warn.
console.warn = (...args: unknown[]) => warnings.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(" "));

const app = new Elysia()
  .use(session<Data>({ secrets: [process.env.SESSION_SECRETS!], store: memoryStore() }))
  .get("/early", async function* ({ session }) {
    const current = await session();
    current.set("n", (current.get("n") ?? 0) + 1);
    yield `n=${current.get("n")};`;
    yield "done";
  })
  .get("/late", async function* ({ session }) {
    yield "first;";
    (await session()).set("n", 100);
    yield "never";
  })
  .get("/n", async ({ session }) => String((await session()).get("n") ?? 0));

let cookie = "";
async function get(path: string) {
  const response = await app.handle(new Request(`http://shop.test${path}`, { headers: cookie ? { cookie } : {} }));
  const setCookie = response.headers.getSetCookie();
  if (setCookie[0]) cookie = setCookie[0].split(";")[0]!;
  return {
    status: response.status,
    body: await response.text(),
    cookies: setCookie.length,
    cacheControl: response.headers.get("cache-control"),
  };
}

const early = [await get("/early"), await get("/early")];
const late = await get("/late");
const n = await get("/n");
console.log(JSON.stringify({ early, late, n: n.body, warnings }));
