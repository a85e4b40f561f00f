import { expectTypeOf, it } from "vitest";
import { memoryStore } from "../adapters/memory.js";
import { type ExecutionContextLike, type Session, type SessionContext, withSession } from "../src/index.js";

type Data = { cart: Record<string, number>; user?: string };

it("types session values from the Data generic", () => {
  const handler = withSession<Data, { KV: string }>(
    async (_request, ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<SessionContext<Data, { KV: string }>>();
      expectTypeOf(ctx.env.KV).toBeString();
      const session = await ctx.session();
      expectTypeOf(session).toEqualTypeOf<Session<Data>>();
      expectTypeOf(session.get("cart")).toEqualTypeOf<Record<string, number> | undefined>();
      expectTypeOf(session.get("user")).toEqualTypeOf<string | undefined>();
      // @ts-expect-error: not a key of Data
      session.get("nope");
      // @ts-expect-error: wrong value type
      session.set("user", 42);
      // @ts-expect-error: wrong flash value type
      session.flash("cart", "three");
      session.set("cart", { apple: 1 });
      expectTypeOf(session.keys()).toEqualTypeOf<("cart" | "user")[]>();
      return new Response();
    },
    (env) => ({ secrets: env.KV, store: memoryStore() }),
  );
  expectTypeOf(handler).toEqualTypeOf<(request: Request, env?: { KV: string }, executionCtx?: unknown) => Promise<Response>>();
});

it("types ctx.executionCtx so that waitUntil type-checks, and lets a Bun upgrade handler return nothing", () => {
  const worker = withSession<Data>(
    async (_request, ctx) => {
      ctx.executionCtx.waitUntil(Promise.resolve());
      expectTypeOf(ctx.executionCtx).toEqualTypeOf<ExecutionContextLike>();
      return new Response();
    },
    { secrets: "x".repeat(32), store: memoryStore() },
  );
  expectTypeOf(worker).returns.resolves.toEqualTypeOf<Response>();

  const upgrading = withSession<Data, { upgrade(request: Request): boolean }>(
    async (request, ctx) => {
      await ctx.session();
      if (ctx.env.upgrade(request)) return;
      return new Response("no upgrade", { status: 400 });
    },
    { secrets: "x".repeat(32), store: memoryStore() },
  );
  expectTypeOf(upgrading).returns.resolves.toEqualTypeOf<Response | undefined>();

  // @ts-expect-error: a handler must return a Response (or nothing, for an upgrade), not a string
  withSession(async () => "hello", { secrets: "x".repeat(32), store: memoryStore() });
});
