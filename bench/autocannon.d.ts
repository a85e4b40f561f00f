// autocannon's types, once, for the slice of its API that bench/http.ts and test/reliability/load.ts
// use (the package ships none); load.ts pulls this file in with a triple-slash reference.
declare module "autocannon" {
  export interface RequestSpec {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    setupRequest?: (request: RequestSpec, context: Record<string, unknown>) => RequestSpec;
  }
  /** One connection: its headers can be set once, and it reports each response's status. */
  export interface Client {
    setHeaders(headers: Record<string, string>): void;
    on(event: "response", listener: (statusCode: number, resBytes: number, responseTime: number) => void): void;
  }
  export interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    requests?: RequestSpec[];
    setupClient?: (client: Client) => void;
  }
  export interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p99: number;
    total: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
  }
  /** Runs the load; resolves with the result when `callback` is not given, else calls it and returns the running instance. */
  function autocannon(options: Options): Promise<Result>;
  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): unknown;
  export default autocannon;
}
