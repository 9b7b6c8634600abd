// A counting TCP proxy between the app server and PostgreSQL: it forwards bytes untouched and
// reads the frontend message headers going to the server. Every round trip the driver makes
// ends in a Sync ('S', extended protocol) or is one simple Query ('Q'), so their count is the
// number of database round trips, measured on the wire — the app needs no test-only code.
import net from "node:net";

export type WireCounts = { roundTrips: number; messages: number; bytes: number };

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

export class CountingProxy {
  readonly counts: WireCounts = { roundTrips: 0, messages: 0, bytes: 0 };
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(port: number): Promise<void> {
    this.server = net.createServer((client) => this.pipe(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, "127.0.0.1", () => resolve());
    });
  }

  snapshot(): WireCounts {
    return { ...this.counts };
  }

  private pipe(client: net.Socket) {
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let startup = true; // untyped messages until the real startup message
    let buf: Buffer = Buffer.alloc(0);
    client.on("data", (chunk: Buffer) => {
      this.counts.bytes += chunk.length;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      for (;;) {
        if (startup) {
          if (buf.length < 8) break;
          const len = buf.readInt32BE(0);
          if (buf.length < len) break;
          const code = buf.readInt32BE(4);
          if (code !== SSL_REQUEST && code !== GSSENC_REQUEST && code !== CANCEL_REQUEST) startup = false;
          buf = buf.subarray(len);
          continue;
        }
        if (buf.length < 5) break;
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) break;
        const type = String.fromCharCode(buf[0]!);
        this.counts.messages++;
        if (type === "S" || type === "Q") this.counts.roundTrips++;
        buf = buf.subarray(len + 1);
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
