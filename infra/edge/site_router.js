import cf from 'cloudfront';

// The site's viewer-request function (CloudFront Functions, cloudfront-js-2.0): the rules of
// infra/site_routes.py, which the local gateway follows; tests/unit/test_site_routes.py runs
// one table of cases through both. template.yaml carries this file as the function's code.
// A path exists when the key value store holds it ("page", or "redirect <path>"); any other
// path is answered here with the 404 page the store holds, so the distribution needs no custom
// error responses, which would also replace the API's own 403 and 404 answers.

const kvs = cf.kvs();
const PAGE = 'page';
const REDIRECT = 'redirect ';
const NOT_FOUND_KEY = '__404';
const MAX_KEY_BYTES = 512;
const SHORT = 'public, max-age=60, must-revalidate';
const POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
  "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; ";
// The answers given here get the headers the behaviour's policy gives the bucket's.
const SECURITY = {
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()'
};
const FALLBACK_404 = '<!doctype html><html lang="pt-BR"><title>Página não encontrada · Page not found</title>' +
  '<h1>Página não encontrada</h1><p lang="en">Page not found</p></html>';

function sitePath(uri) {
  if (uri === '/') return { object: 'index.html', key: '/', embed: false };
  if (uri.startsWith('/assets/')) return { object: uri.slice(1), key: null, embed: false };
  let found = /^\/p\/([^/]+)$/.exec(uri);
  if (found) return { object: uri.slice(1), key: uri, embed: false };
  found = /^\/embed\/([^/]+)$/.exec(uri);
  if (found) return { object: 'embed', key: '/p/' + found[1], embed: true };
  if (uri === '/embed.js') return { object: 'embed.js', key: uri, embed: true };
  if (/^\/manage(\/[^/]+)?$/.test(uri)) return { object: 'manage', key: '/manage/*', embed: false };
  if (/^\/dashboard(\/[a-z]+(-[a-z]+)*(\/[^/]+)?)?$/.test(uri)) return { object: 'dashboard', key: '/dashboard/*', embed: false };
  return { object: uri.slice(1), key: uri, embed: false };
}

function utf8Length(text) {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) length += 1;
    else if (code < 0x800) length += 2;
    else if (code >= 0xd800 && code < 0xdc00) { length += 4; i++; }
    else length += 3;
  }
  return length;
}

async function lookup(key) {
  if (utf8Length(key) > MAX_KEY_BYTES) return null;
  try {
    return await kvs.get(key);
  } catch (e) {
    // get() rejects for a key the store does not hold.
    return null;
  }
}

function headers(embed, extra) {
  const frame = embed ? 'frame-ancestors *' : "frame-ancestors 'none'";
  const all = { 'content-security-policy': { value: POLICY + frame } };
  for (const name in SECURITY) all[name] = { value: SECURITY[name] };
  for (const name in extra) all[name] = { value: extra[name] };
  return all;
}

function queryOf(querystring) {
  const parts = [];
  for (const name in querystring) {
    const entry = querystring[name];
    const values = entry.multiValue ? entry.multiValue : [entry];
    for (let i = 0; i < values.length; i++) {
      parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

async function handler(event) {
  const request = event.request;
  const rule = sitePath(request.uri);
  if (rule.key === null) {
    request.uri = '/' + rule.object;
    return request;
  }
  const value = await lookup(rule.key);
  if (value === PAGE) {
    request.uri = '/' + rule.object;
    return request;
  }
  if (value !== null && value.startsWith(REDIRECT)) {
    let target = value.slice(REDIRECT.length);
    if (rule.embed && target.startsWith('/p/')) target = '/embed/' + target.slice(3);
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: headers(rule.embed, { location: target + queryOf(request.querystring), 'cache-control': SHORT })
    };
  }
  const page = await lookup(NOT_FOUND_KEY);
  return {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: headers(rule.embed, { 'content-type': 'text/html; charset=utf-8', 'cache-control': SHORT }),
    body: page === null ? FALLBACK_404 : page
  };
}
