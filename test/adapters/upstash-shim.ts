// A loopback HTTP server that speaks Upstash's REST protocol (https://upstash.com/docs/redis/features/restapi)
// and forwards each command to a real redis-server, so that `@upstash/redis` runs against Redis
// itself: a POST to `/` with the command as a JSON array answers `{ result }` or `{ error }`
// (status 400); `/pipeline` takes an array of commands. With `Upstash-Encoding: base64`, the
// client's default, every string in a result except "OK" is base64 of its UTF-8 bytes.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "redis";

export const UPSTASH_TOKEN = "shim-token";

type Reply = { result: unknown } | { error: string };

function encode(value: unknown): unknown {
  if (typeof value === "string") return value === "OK" ? value : Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(encode);
  return value;
}

async function body(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

export interface UpstashShim {
  url: string;
  close(): Promise<void>;
}

/** Starts the shim in front of the redis-server at `redisUrl`. */
export async function startUpstashShim(redisUrl: string): Promise<UpstashShim> {
  const redis = await createClient({ url: redisUrl }).connect();
  const run = async (command: unknown[], base64: boolean): Promise<Reply> => {
    try {
      const result = await redis.sendCommand(command.map(String));
      return { result: base64 ? encode(result) : result };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const server: Server = createServer(async (request, response) => {
    if (request.headers.authorization !== `Bearer ${UPSTASH_TOKEN}`) return response.writeHead(401).end('{"error":"Unauthorized"}');
    const base64 = request.headers["upstash-encoding"] === "base64";
    const path = new URL(request.url ?? "/", "http://shim").pathname;
    const payload = await body(request);
    let status = 200;
    let reply: Reply | Reply[];
    if (path === "/pipeline" || path === "/multi-exec") {
      reply = [];
      for (const command of payload as unknown[][]) reply.push(await run(command, base64));
    } else {
      reply = await run(payload as unknown[], base64);
      if ("error" in reply) status = 400;
    }
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(reply));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await redis.close();
    },
  };
}
