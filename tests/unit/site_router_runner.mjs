// Runs infra/edge/site_router.js under node as CloudFront Functions would run it: the same
// source, its `import cf from 'cloudfront'` given a key value store made of each case's keys.
// Usage: node site_router_runner.mjs FUNCTION.js CASES.json -> one answer per case, as JSON.
import { readFileSync } from 'node:fs';

const [sourcePath, casesPath] = process.argv.slice(2);
const source = readFileSync(sourcePath, 'utf8');
const IMPORT = "import cf from 'cloudfront';\n";
if (!source.startsWith(IMPORT)) throw new Error('the function must begin with ' + IMPORT);
const body = source.slice(IMPORT.length);

// CloudFront's event form of a raw query string: name -> {value}, repeated names in multiValue.
function querystringOf(raw) {
  const result = {};
  if (!raw) return result;
  for (const part of raw.split('&')) {
    const at = part.indexOf('=');
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    if (name in result) {
      const entry = result[name];
      if (!entry.multiValue) entry.multiValue = [{ value: entry.value }];
      entry.multiValue.push({ value });
    } else {
      result[name] = { value };
    }
  }
  return result;
}

const answers = [];
for (const one of JSON.parse(readFileSync(casesPath, 'utf8'))) {
  const store = one.store;
  const cf = {
    kvs: () => ({
      get: async (key) => {
        if (Object.prototype.hasOwnProperty.call(store, key)) return store[key];
        throw new Error('The key ' + key + ' was not found');
      },
    }),
  };
  const handler = new Function('cf', body + '\nreturn handler;')(cf);
  const event = {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '203.0.113.9' },
    request: { method: 'GET', uri: one.path, querystring: querystringOf(one.query), headers: {}, cookies: {} },
  };
  answers.push(await handler(event));
}
process.stdout.write(JSON.stringify(answers));
