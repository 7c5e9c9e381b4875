// The API client: the one transport (api()), sessions and uploads. The resources are in
// api-*.js (one module each), built on calls()/ofClient() below; views import those and
// never build an /api/… URL. Tokens are kept in sessionStorage: they survive a reload of
// the tab but not the closing of it, and are never written to localStorage or cookies.
// Access tokens are short-lived; a 401 triggers one refresh with the refresh token, then a
// sign-in.

const KEYS = { staff: "portal.staff.session", contact: "portal.contact.session" };
const PREFIX = { staff: "/api/staff", contact: "/api/portal" };

export function session(kind) {
  try { return JSON.parse(sessionStorage.getItem(KEYS[kind]) || "null"); } catch { return null; }
}
export function saveSession(kind, s) {
  const old = session(kind) || {};
  sessionStorage.setItem(KEYS[kind], JSON.stringify({ ...old, ...s }));
}
export function clearSession(kind) { sessionStorage.removeItem(KEYS[kind]); }

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `Request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
    this.fields = Object.fromEntries((this.problem.errors || []).map((e) => [e.field, e.message]));
  }
}

async function send(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function refresh(kind) {
  const s = session(kind);
  if (!s?.refresh_token) return false;
  const r = await send("POST", `${PREFIX[kind]}/sessions/refresh`, { refresh_token: s.refresh_token });
  if (!r.ok) { clearSession(kind); return false; }
  saveSession(kind, await r.json());
  return true;
}

/** Call the API as `kind` ("staff", "contact" or null for public routes). */
export async function api(kind, method, path, body) {
  let r = await send(method, path, body, kind ? session(kind)?.access_token : null);
  if (r.status === 401 && kind && await refresh(kind)) {
    r = await send(method, path, body, session(kind)?.access_token);
  }
  if (r.status === 401 && kind) {
    clearSession(kind);
  }
  if (r.status === 204) return null;
  const type = r.headers.get("content-type") || "";
  const data = type.includes("json") ? await r.json() : null;
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

/** The API's calls as `kind`, under that side's prefix and `base`:
 * `calls("staff").get("/clients")` is GET /api/staff/clients. Views never build /api/… URLs:
 * the api-*.js modules do, with these. */
export function calls(kind, base = "") {
  const call = (method) => (path = "", body) => api(kind, method, `${PREFIX[kind]}${base}${path}`, body);
  return { get: call("GET"), post: call("POST"), put: call("PUT"), patch: call("PATCH"), del: call("DELETE") };
}

/** `path` asking for one page of a list: `page` is `{ limit, cursor }` (both optional);
 * list routes answer `{ items, next }`, `next` being the cursor of the following page. */
export function paged(path, page = {}) {
  const q = new URLSearchParams();
  if (page.limit) q.set("limit", String(page.limit));
  if (page.cursor) q.set("cursor", page.cursor);
  const s = q.toString();
  return s ? `${path}${path.includes("?") ? "&" : "?"}${s}` : path;
}

/** The largest page a list route gives (for pickers that want as much as one call holds). */
export const MAX_PAGE = 200;

/** A path segment from an id or token. */
export const seg = encodeURIComponent;

/** The calls about one client: `/clients/{clientId}…` under the side's prefix. */
export function ofClient(kind, clientId) { return calls(kind, `/clients/${seg(clientId)}`); }

/** Email + password: the session (saved), or `{ challenge }` when the login asks for its
 * authenticator app's code (see mfa.js). */
export async function signIn(kind, email, password) {
  const s = await api(null, "POST", `${PREFIX[kind]}/sessions`, { email, password });
  if (s.challenge) return { challenge: s };
  clearSession(kind);
  saveSession(kind, s);
  return s;
}

/** The code step of a sign-in. */
export async function answerMfa(kind, email, challenge, code) {
  const s = await api(null, "POST", `${PREFIX[kind]}/sessions/mfa`, { email, session: challenge.session, code, challenge: challenge.challenge });
  clearSession(kind);
  saveSession(kind, s);
  return s;
}

export async function signOut(kind) {
  try { await api(kind, "DELETE", `${PREFIX[kind]}/sessions`); } catch { /* signed out locally anyway */ }
  clearSession(kind);
}

/** PUT a file to a presigned upload slot, reporting progress (0..1). */
export function uploadTo(slot, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(slot.upload.method, slot.upload.url);
    for (const [k, v] of Object.entries(slot.upload.headers)) {
      if (k !== "content-length" && k !== "host") xhr.setRequestHeader(k, v);
    }
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`Upload failed (${xhr.status})`)));
    xhr.onerror = () => reject(new Error("Upload failed: the connection was interrupted"));
    xhr.send(file);
  });
}
