// A scriptable OpenAI-compatible chat-completions server on 127.0.0.1 for the caption tests: it can
// answer, be slow, answer 429/503 with Retry-After, 500, malformed JSON, non-JSON, empty content, a
// wrong schema, or drop the connection. Every request is recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour =
  | { kind: 'ok'; text?: string; model?: string; delayMs?: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'malformed' }
  | { kind: 'non-json' }
  | { kind: 'empty' }
  | { kind: 'wrong-schema' }
  | { kind: 'drop' }
  | { kind: 'hang' };

export interface RecordedRequest {
  at: number;
  path: string;
  authorization: string | undefined;
  body: {
    model: string;
    temperature: number;
    max_tokens: number;
    messages: { role: string; content: ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } | string })[] }[];
  };
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  /** Behaviours consumed one per request, before `respond` is asked. */
  script: Behaviour[];
  /** The default answer for a request (after the script ran out). */
  respond: (req: RecordedRequest, n: number) => Behaviour;
  close(): Promise<void>;
}

export function promptOf(r: RecordedRequest): string {
  const part = r.body.messages[0]?.content.find((p) => p.type === 'text');
  return part && part.type === 'text' ? part.text : '';
}

export function imageUrlOf(r: RecordedRequest): string {
  const part = r.body.messages[0]?.content.find((p) => p.type === 'image_url');
  if (!part || part.type !== 'image_url') return '';
  return typeof part.image_url === 'string' ? part.image_url : part.image_url.url;
}

export async function startTestServer(respond: TestServer['respond'] = () => ({ kind: 'ok' })): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const state: TestServer = {
    url: '',
    requests,
    script: [],
    respond,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const rec: RecordedRequest = { at: Date.now(), path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) as RecordedRequest['body'] };
      requests.push(rec);
      const b = state.script.shift() ?? state.respond(rec, requests.length);
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const completion = (content: string | null, model: string) => ({
        id: 'cmpl-1',
        object: 'chat.completion',
        created: 0,
        model,
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
      });
      switch (b.kind) {
        case 'ok': {
          const send = () => json(200, completion(b.text ?? `a description of ${promptOf(rec).slice(-40)}`, b.model ?? `served/${rec.body.model}`));
          if (b.delayMs) setTimeout(send, b.delayMs);
          else send();
          return;
        }
        case 'status':
          return json(b.status, b.body ?? { error: { message: `status ${b.status}` } }, b.headers);
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"choices": [ {"message": ');
        case 'non-json':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html>502 Bad Gateway</html>');
        case 'empty':
          return json(200, completion('', 'm'));
        case 'wrong-schema':
          return json(200, { result: 'a description' });
        case 'drop':
          return req.socket.destroy();
        case 'hang':
          return; // never answers: the client's timeout must fire
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
