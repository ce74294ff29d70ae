/** A stand-in HTTP service for command tests, listening on 127.0.0.1 only, on a free port. */
import * as http from "http";
import { AddressInfo } from "net";

export abstract class LoopbackService {
  /** Every request, as `<METHOD> <path><query>`, in order. */
  readonly requests: string[] = [];
  /** Where it answers, ending in "/"; set by {@link start}. */
  baseUrl = "";
  private server?: http.Server;

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url!, "http://x");
      this.requests.push(`${req.method} ${url.pathname}${url.search}`);
      this.answer(req, res, url);
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  stop(): void {
    this.server?.close();
  }

  /** Answers one request; `url` is its parsed path and query. */
  protected abstract answer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void;
}
