// Baseline (b): a plain node:http server around the same deployed handler, one process, no gateway.
// usage: node plainServer.mjs <codeDir> <port>   (env: the function's environment)
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [codeDir, port] = process.argv.slice(2);
const { handler } = await import(pathToFileURL(join(codeDir, 'index.mjs')).href);
let n = 0;
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const event = {
      resource: '/predict', path: '/predict', httpMethod: req.method, headers: req.headers, multiValueHeaders: null,
      queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
      requestContext: { requestId: String(++n), stage: 'test' }, body: Buffer.concat(chunks).toString('utf8'), isBase64Encoded: false,
    };
    const out = await handler(event, { awsRequestId: String(n), getRemainingTimeInMillis: () => 10_000 });
    res.writeHead(out.statusCode, out.headers ?? {});
    res.end(out.body ?? '');
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('READY\n'));
