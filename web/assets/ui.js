// Small DOM helpers. Everything from the API is inserted as text (never as HTML), so a
// name or message cannot inject markup; the email preview goes into a sandboxed iframe.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (k === "style") throw new Error("No style attributes: the Content-Security-Policy refuses them; use a class.");
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let ids = 0;
export function uid(prefix = "f") { ids += 1; return `${prefix}-${ids}`; }

/** A labelled input; the error slot below it is wired with aria-describedby. */
export function field(label, name, attrs = {}) {
  const id = uid(name);
  const errId = `${id}-err`;
  const tag = attrs.tag || "input";
  const input = h(tag, { id, name, "aria-describedby": errId, ...attrs, tag: null });
  if (tag === "select" && attrs.options) {
    for (const [value, text] of attrs.options) input.append(h("option", { value }, text));
    input.removeAttribute("options");
  }
  return h("div", { class: "field" }, h("label", { for: id }, label), input, h("div", { id: errId, class: "field-error" }));
}

/** Show an API error on a form: field messages next to fields, the detail on top. */
export function showError(form, err) {
  form.querySelectorAll(".field-error").forEach((e) => (e.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  let box = form.querySelector(".problem");
  if (!box) { box = h("div", { class: "problem", role: "alert" }); form.prepend(box); }
  box.textContent = err.message || String(err);
  for (const [name, msg] of Object.entries(err.fields || {})) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      const slot = document.getElementById(input.getAttribute("aria-describedby"));
      if (slot) slot.textContent = `${name.replace(/_/g, " ")} ${msg}`;
    }
  }
}
export function clearError(form) { form.querySelector(".problem")?.remove(); form.querySelectorAll(".field-error").forEach((e) => (e.textContent = "")); }

export function flash(text) {
  const box = document.getElementById("flash");
  box.replaceChildren(h("p", {}, text));
  setTimeout(() => { if (box.textContent === text) box.replaceChildren(); }, 6000);
}

export function fmtDate(iso) {
  if (!iso) return "";
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return d.toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
}

export function money(minor, currency) {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(minor / 100);
}

export function size(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"]; let v = bytes; let u = -1;
  do { v /= 1024; u += 1; } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(1)} ${units[u]}`;
}

/** The portal status in the reference's words. */
export function statusText(p) {
  if (p.status === "active") return { text: `Last login ${fmtDate(p.last_login_at)}`, cls: "active" };
  if (p.status === "invited") {
    if (p.delivery === "bounced") return { text: `Invite bounced — check the email address (sent ${fmtDate(p.invited_at)})`, cls: "expired" };
    if (p.delivery === "complained") return { text: `Invite reported as spam by the recipient (sent ${fmtDate(p.invited_at)})`, cls: "expired" };
    if (p.delivery === "unconfirmed") return { text: `Invite email not confirmed by the mail service (${fmtDate(p.invited_at)}) — send the invite again`, cls: "expired" };
    return p.expired
      ? { text: `Invite expired ${fmtDate(p.expires_at)} — never logged in`, cls: "expired" }
      : { text: `Invited — never logged in (sent ${fmtDate(p.invited_at)}${p.delivery === "delivered" ? ", delivered" : ""}, expires ${fmtDate(p.expires_at)})`, cls: "invited" };
  }
  if (p.status === "revoked") return { text: `Access revoked ${fmtDate(p.revoked_at)}`, cls: "expired" };
  return { text: "No invite sent", cls: "none" };
}

/** A modal dialog with a title; returns { dialog, body, close }. */
export function modal(title) {
  const titleId = uid("dlg");
  const body = h("div", { class: "body" });
  const dialog = h("dialog", { "aria-labelledby": titleId },
    h("header", {}, h("h2", { id: titleId }, title), h("button", { type: "button", class: "link", onclick: () => close() }, "Close")),
    body);
  document.body.append(dialog);
  const close = () => { dialog.close(); dialog.remove(); };
  dialog.addEventListener("cancel", () => dialog.remove());
  dialog.showModal();
  return { dialog, body, close };
}

export function setBusy(form, busy) {
  form.querySelectorAll("button, input, select, textarea").forEach((el) => { el.disabled = busy; });
}

/** A problem a form finds before asking the API, shown the way an API error is. */
export class FormProblem extends Error {
  constructor(message, fields = {}) { super(message); this.fields = fields; }
}

/** The one submit handler of every form: the form is busy (its controls disabled) while
 * `action(form)` runs, and what goes wrong is shown on the form. With `stayBusy` the form
 * stays disabled after a success, because it is replaced or the page moves on. */
export function onSubmit(form, action, { stayBusy = false } = {}) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setBusy(form, true);
    let done = false;
    try { await action(form); done = true; }
    catch (err) { showError(form, err); }
    finally { if (!(done && stayBusy)) setBusy(form, false); }
  });
  return form;
}

/** A button's click handler: what goes wrong is flashed. */
export function act(action) {
  return async (e) => { try { await action(e); } catch (err) { flash(err.message); } };
}

/** Draw the current route again (after a change that the page shows). */
export function rerender() { window.dispatchEvent(new HashChangeEvent("hashchange")); }

/** A card that draws itself: `draw(redraw, card)` returns its content; `redraw()` after a change. */
export async function liveCard(attrs, draw) {
  const card = h("section", { class: "card", ...attrs });
  const redraw = async () => {
    const content = [await draw(redraw, card)].flat(2).filter((c) => c !== null && c !== undefined && c !== false);
    card.replaceChildren(...content);
  };
  await redraw();
  return card;
}

/** A paged list: the first page of `fetchPage(cursor)` (which answers `{ items, next }`) as
 * `tag` elements made by `item(x)`, and a "Load more" button that appends the next page
 * until there is none. A page may come back empty with a `next` (a contact's filtered
 * page reads a bounded number of items): such pages are followed at once, a few times.
 * `empty` is said when the whole list is empty. `reverse`: older pages go on top (messages).
 * `frame(list)` wraps the list element (a `tbody` in its table). */
export async function pagedList(fetchPage, item, { tag = "ul", attrs = { class: "plain" }, empty = "Nothing yet.", reverse = false, frame = (l) => l } = {}) {
  const list = h(tag, attrs);
  const more = h("button", { type: "button", class: "link load-more" }, reverse ? "Show earlier" : "Load more");
  const box = h("div", { class: "paged" });
  let next = null;
  const load = async (cursor) => {
    let page = await fetchPage(cursor);
    for (let hops = 0; !page.items.length && page.next && hops < 5; hops += 1) page = await fetchPage(page.next);
    const els = page.items.map(item);
    if (reverse) list.prepend(...els); else list.append(...els);
    next = page.next;
    more.hidden = !next;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try { await load(next); } finally { more.disabled = false; }
  });
  await load(null);
  if (!list.children.length && !next) return h("p", { class: "muted" }, empty);
  box.append(...(reverse ? [more, frame(list)] : [frame(list), more]));
  return box;
}

/** A checkbox with its label beside it (in normal weight, or `strong`). */
export function checkbox({ id, name, value, checked, disabled, strong, row = "row" }, ...label) {
  return h("div", { class: row }, h("input", { type: "checkbox", id, name, value, checked, disabled }),
    h("label", { for: id, class: strong ? "inline" : "choice" }, ...label));
}

/** The values of a form's checked boxes named `name`. */
export function checkedValues(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((b) => b.value);
}

/** Contacts as checkboxes named `name` (ids `${prefix}-${contact id}`), in a fieldset; `empty`
 * is said when there are none. */
export function contactChecks(contacts, { name, prefix = name, legend = "Contacts", empty = null }) {
  return h("fieldset", {}, h("legend", {}, legend), !contacts.length && empty
    ? h("p", { class: "small muted", name }, empty)
    : contacts.map((c) => checkbox({ id: `${prefix}-${c.id}`, name, value: c.id }, `${c.first_name} ${c.last_name}`)));
}
