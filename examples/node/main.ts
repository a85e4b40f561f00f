// `npm run start:node`: bundled by esbuild (Node 20 cannot run TypeScript), then run by node.
import { startCartServer } from "./server.ts";

const { url } = await startCartServer();
console.log(`coatcheck shop (Node, memory store) at ${url}/`);
