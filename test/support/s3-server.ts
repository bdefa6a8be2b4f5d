import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

// s3rver ships no types
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
};

/** A real S3-compatible server in process (s3rver, files in a temporary folder), one bucket made. */
export async function startS3(bucket = 'sauvegardes'): Promise<{ endpoint: string; port: number; dir: string; close(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'entraide-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir,
    close: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy in front of a server that can cut connections: `cut(n, bytes)` drops the next `n`
 * connections once `bytes` have gone through them towards the server (a network failure mid-upload).
 */
export async function startCuttingProxy(targetPort: number): Promise<{
  endpoint: string;
  cut(times: number, afterBytes: number): void;
  readonly cuts: number;
  /** the HTTP request lines that went through ("PUT /bucket/key?partNumber=1&uploadId=… HTTP/1.1") */
  readonly requests: string[];
  close(): Promise<void>;
}> {
  const requests: string[] = [];
  let remaining = 0;
  let threshold = Infinity;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      for (const m of chunk.toString('latin1').matchAll(/^(?:GET|PUT|POST|DELETE|HEAD) \S+ HTTP\/1\.1\r$/gm)) requests.push(m[0].trim());
      if (remaining > 0 && sent > threshold) {
        remaining--;
        cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cut(times: number, afterBytes: number) {
      remaining = times;
      threshold = afterBytes;
    },
    get cuts() {
      return cuts;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
