// The API on the site's own origin (/api/...), in the contract's shapes.
// A failed call throws ApiError: its status (0 when the network failed), the contract's error
// code, message and field errors, and for a 429 the seconds to wait (Retry-After).

export class ApiError extends Error {
  constructor(status, error = {}, retryAfter = null) {
    super(error.message || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = error.code || (status === 0 ? "NETWORK" : "UNKNOWN");
    this.fields = error.fields || {};
    this.suggestions = error.suggestions || [];
    this.retryAfter = retryAfter;
    // With CLIENT_EXISTS: the id of the client who already has that phone or email.
    this.clientId = error.clientId || null;
  }
}

function retryAfterOf(response) {
  const value = response.headers.get("Retry-After");
  if (value === null) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

// api("/api/booking", {method: "POST", body: {...}, token, language})
export async function api(path, { method = "GET", body, token, language, query } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (language) headers["Accept-Language"] = language;
  let url = path;
  if (query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) search.set(key, String(value));
    }
    url += `?${search}`;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.error) || {}, retryAfterOf(response));
  }
  return data;
}
