/** Function sources the tests deploy. Each is tiny and does one observable thing. */

/** Answers its pid and whether it was already busy when the call came in. */
export const probeHandler = `
let busy = false;
let calls = 0;
// Identifies this worker whatever the sandbox (in a container every runtime is pid 1).
const worker = process.pid + '-' + Math.random().toString(36).slice(2);
export const handler = async (event, context) => {
  const wasBusy = busy;
  busy = true;
  calls += 1;
  if (event.crash) process.exit(3);
  if (event.fail) throw new TypeError(event.fail);
  if (event.print) console.log(event.print);
  if (event.barrier) await fetch(event.barrier);
  if (event.sleepMs) await new Promise((resolve) => setTimeout(resolve, event.sleepMs));
  if (event.spin) { for (;;) {} }
  busy = false;
  return {
    pid: process.pid,
    worker,
    wasBusy,
    calls,
    echo: event,
    env: { ...process.env },
    cwd: process.cwd(),
    context: { requestId: context.requestId, functionName: context.functionName, functionVersion: context.functionVersion,
      memoryLimitInMB: context.memoryLimitInMB, remaining: context.getRemainingTimeInMillis() },
  };
};
`;

/** Echoes the Lambda HTTP event and answers in the HTTP result shape. */
export const httpEchoHandler = `
export const handler = async (event) => {
  if (event.rawPath === '/binary') {
    const bytes = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
    return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(bytes.reverse()).toString('base64'), isBase64Encoded: true };
  }
  return {
    statusCode: 201,
    headers: { 'content-type': 'application/json', 'x-echo': 'yes' },
    body: JSON.stringify({ method: event.requestContext.http.method, httpMethod: event.httpMethod, rawPath: event.rawPath, rawQueryString: event.rawQueryString,
      query: event.queryStringParameters, headers: event.headers, body: event.body, isBase64Encoded: event.isBase64Encoded }),
  };
};
`;

export const versionHandler = (tag: string) => `export const handler = async () => ({ tag: ${JSON.stringify(tag)} });\n`;
