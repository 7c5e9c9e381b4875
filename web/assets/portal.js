// Client side: Create Account (from the invite email), sign in, Home with To-Do, Files
// (Add a File), Billing when the firm enables it, user settings and help.
import { api, saveSession, clearSession, session, signIn, uploadTo } from "./api.js";
import { field, flash, fmtDate, h, money, setBusy, showError, size } from "./ui.js";
import { mfaSettings, mfaStep } from "./mfa.js";
import { threadDetail, threadsPanel } from "./messages.js";
import { certificateView, signView } from "./signatures.js";

const C = "contact";

export async function createAccount(token) {
  const card = h("section", { class: "card" });
  if (!token) { card.append(h("h1", {}, "Create Account"), h("p", {}, "This page needs the link from your invite email.")); return card; }
  let info;
  try {
    info = await api(null, "GET", `/api/invites/${encodeURIComponent(token)}`);
  } catch (err) {
    card.append(h("h1", {}, "This invite link cannot be used"), h("p", { class: "problem", role: "alert" }, err.message),
      h("p", {}, h("a", { href: "#/portal/sign-in" }, "Sign in"), " if you already have an account."));
    return card;
  }
  const form = h("form", { novalidate: true },
    h("label", { for: "invited-email" }, "Email"),
    h("input", { id: "invited-email", type: "email", value: info.email, readonly: true, "aria-readonly": "true", autocomplete: "username" }),
    info.has_login
      ? field("Your existing portal password", "password", { type: "password", autocomplete: "current-password", required: true })
      : [field("Choose a password", "password", { type: "password", autocomplete: "new-password", required: true, "aria-describedby": "pw-rule" }),
        h("p", { id: "pw-rule", class: "small muted" }, info.password_rule),
        field("Repeat the password", "password2", { type: "password", autocomplete: "new-password", required: true })],
    h("p", {}, h("button", { type: "submit" }, info.has_login ? "Add to my portal" : "Create Account")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!info.has_login && form.password.value !== form.password2.value) {
      showError(form, { message: "The two passwords are not the same.", fields: { password2: "does not match the first password" } });
      return;
    }
    setBusy(form, true);
    try {
      const res = await api(null, "POST", `/api/invites/${encodeURIComponent(token)}/account`, { password: form.password.value });
      const go = () => {
        // Drop the token from the address bar and history before going on.
        history.replaceState(null, "", `/#/portal/clients/${res.client_id}`);
        window.dispatchEvent(new HashChangeEvent("hashchange"));
      };
      if (res.session.challenge) {
        // An existing login with an authenticator app: the invite is accepted; sign in with the code.
        history.replaceState(null, "", "/#/portal/sign-in");
        form.replaceWith(mfaStep(C, info.email, res.session, go));
        return;
      }
      clearSession(C);
      saveSession(C, res.session);
      go();
    } catch (err) { showError(form, err); setBusy(form, false); }
  });
  card.append(h("h1", {}, info.has_login ? `Add ${info.client_name} to your portal` : "Create your Client Portal account"),
    h("p", {}, `${info.firm_name} invited ${info.first_name} ${info.last_name} to the secure client portal for ${info.client_name}.`),
    h("p", { class: "small muted" }, `This link works until ${fmtDate(info.expires_at)}.`), form);
  return card;
}

export async function route(parts) {
  if (parts[0] === "sign-in") return signInView();
  if (!session(C)) { location.hash = "#/portal/sign-in"; return h("p", {}, "Redirecting to sign in…"); }
  try {
    const me = await api(C, "GET", "/api/portal/me");
    if (parts[0] === "settings") return settingsView(me);
    const clientId = parts[0] === "clients" && parts[1] ? parts[1] : me.clients[0]?.id;
    if (!clientId) return h("section", { class: "card" }, h("h1", {}, "No portal yet"), h("p", {}, "Your firm has not given you access to a client portal yet."));
    return await portalView(me, clientId, parts[2] || "home", parts[3]);
  } catch (err) {
    if (err.status === 401) { location.hash = "#/portal/sign-in"; return h("p", {}, "Please sign in again."); }
    return h("div", { class: "card problem", role: "alert" }, err.message);
  }
}

function signInView() {
  const form = h("form", { class: "card", novalidate: true }, h("h1", {}, "Client sign in"),
    field("Email", "email", { type: "email", autocomplete: "username", required: true }),
    field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
    h("p", {}, h("button", { type: "submit" }, "Sign in")),
    h("p", { class: "small muted" }, "No account yet? Your firm sends you an invite email with a Create Account button."));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setBusy(form, true);
    try {
      const res = await signIn(C, form.email.value, form.password.value);
      if (res.challenge) { form.replaceWith(mfaStep(C, form.email.value, res.challenge, () => { location.hash = "#/portal"; })); return; }
      location.hash = "#/portal";
    } catch (err) { showError(form, err); } finally { setBusy(form, false); }
  });
  return form;
}

async function portalView(me, clientId, tab, sub) {
  const home = await api(C, "GET", `/api/portal/clients/${clientId}/home`);
  const base = `#/portal/clients/${clientId}`;
  const unread = home.messages.unread_messages;
  const tabs = [["home", "Home"], ["todo", "To-Do"], ["messages", unread ? `Messages (${unread} unread)` : "Messages"], ["files", "Files"]];
  if (home.billing) tabs.push(["billing", "Billing"]);
  const switcher = me.clients.length > 1
    ? h("div", {}, h("label", { for: "portal-switch" }, "Portal"),
      h("select", { id: "portal-switch", onchange: (e) => { location.hash = `#/portal/clients/${e.target.value}`; } },
        me.clients.map((c) => h("option", { value: c.id, selected: c.id === clientId }, c.name))))
    : null;
  let content;
  if (tab === "todo" && sub) content = await requestView(clientId, sub);
  else if (tab === "sign" && sub) content = await signView(clientId, sub);
  else if (tab === "certificate" && sub) content = await certificateView(C, clientId, sub);
  else if (tab === "messages" && sub) content = await messageView(clientId, sub);
  else if (tab === "messages") content = await messagesView(clientId);
  else if (tab === "todo") content = await todoView(clientId);
  else if (tab === "files") content = await filesView(clientId);
  else if (tab === "billing" && home.billing) content = await billingView(clientId);
  else content = homeView(home, base);
  return h("div", {},
    h("div", { class: "row spread" }, h("h1", {}, home.client.name), switcher),
    h("nav", { class: "tabs", "aria-label": "Portal sections" }, tabs.map(([id, label]) =>
      h("a", { href: id === "home" ? base : `${base}/${id}`, "aria-current": (tab === id ? "page" : false) }, label))),
    content,
    h("footer", { class: "portal" },
      h("a", { href: "#/portal/settings" }, "User settings"),
      h("a", { href: "#/portal/settings" }, "Update personal information"),
      home.help_center_url ? h("a", { href: home.help_center_url, rel: "noopener noreferrer", target: "_blank" }, "Help") : null,
      h("span", { class: "muted small" }, `Shared with you by ${home.firm_name}`)));
}

function homeView(home, base) {
  const todo = home.todo;
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "To-Do"),
      h("p", {}, `${todo.open} open`, todo.overdue ? h("span", { class: "badge over" }, ` ${todo.overdue} overdue`) : ""),
      todo.items.length || todo.signatures.length ? h("ul", { class: "plain" },
        todo.signatures.map((s) => h("li", { "data-form": s.id }, h("a", { href: `${base}/sign/${s.id}` }, `Sign: ${s.document_name}`),
          s.due_date ? h("span", { class: "muted small" }, ` · due ${fmtDate(s.due_date)}`) : "")),
        todo.items.map((r) => h("li", {}, h("a", { href: `${base}/todo/${r.id}` }, r.title),
          r.due_date ? h("span", { class: "muted small" }, ` · due ${fmtDate(r.due_date)}`) : ""))) : h("p", { class: "muted" }, "Nothing to do right now.")),
    h("section", { class: "card" }, h("h2", {}, "Messages"),
      h("p", { id: "unread-summary" }, home.messages.unread_messages
        ? `${home.messages.unread_messages} unread message${home.messages.unread_messages === 1 ? "" : "s"} from ${home.firm_name}`
        : "No unread messages."),
      h("a", { href: `${base}/messages` }, "Open messages")),
    h("section", { class: "card" }, h("h2", {}, "Files"),
      home.recent_files.length ? h("ul", { class: "plain" }, home.recent_files.map((f) => h("li", {}, f.name, h("span", { class: "muted small" }, ` · ${fmtDate(f.created_at)}`)))) : h("p", { class: "muted" }, "No files yet."),
      h("a", { class: "button", href: `${base}/files` }, "Add a File")),
    home.billing ? h("section", { class: "card" }, h("h2", {}, "Billing"),
      home.billing.balances.length ? home.billing.balances.map((b) => h("p", {}, "Outstanding balance: ", h("strong", {}, money(b.amount, b.currency)))) : h("p", {}, "Nothing outstanding."),
      h("a", { href: `${base}/billing` }, "Invoices and payment history")) : null);
}

async function messagesView(clientId) {
  const panel = await threadsPanel(C, clientId, { open: (t) => { location.hash = `#/portal/clients/${clientId}/messages/${t.id}`; } });
  return h("section", { class: "card" }, h("h2", {}, "Messages"), panel);
}

async function messageView(clientId, threadId) {
  const download = async (fileId) => {
    const d = await api(C, "GET", `/api/portal/clients/${clientId}/files/${fileId}/download`); window.location.href = d.url;
  };
  // A contact attaches files they uploaded (Files → Add a File).
  const { files } = await api(C, "GET", `/api/portal/clients/${clientId}/files`);
  const mine = files.filter((f) => f.uploaded_by.kind === "contact");
  return h("section", { class: "card" }, h("p", {}, h("a", { href: `#/portal/clients/${clientId}/messages` }, "← Messages")),
    await threadDetail(C, clientId, threadId, { download, files: mine }));
}

async function todoView(clientId) {
  const [{ requests }, { forms }] = await Promise.all([
    api(C, "GET", `/api/portal/clients/${clientId}/todo`),
    api(C, "GET", `/api/portal/clients/${clientId}/signatures`),
  ]);
  const toSign = forms.filter((f) => f.status === "pending" && f.my_status === "pending");
  return h("section", { class: "card" }, h("h2", {}, "To-Do"),
    toSign.length ? h("ul", { class: "plain" }, toSign.map((f) => h("li", { class: "row spread", "data-form": f.id },
      h("a", { href: `#/portal/clients/${clientId}/sign/${f.id}` }, `Sign: ${f.document_name}`), h("span", { class: "badge" }, "signature")))) : null,
    requests.length ? h("ul", { class: "plain" }, requests.map((r) => h("li", { class: "row spread" },
      h("a", { href: `#/portal/clients/${clientId}/todo/${r.id}` }, r.title),
      h("span", { class: `badge ${r.status === "completed" ? "done" : r.overdue ? "over" : ""}` }, r.overdue ? "overdue" : r.status)))) : h("p", { class: "muted" }, "Nothing assigned to you."));
}

async function addFile(clientId, file, bar, requestId) {
  const slot = await api(C, "POST", `/api/portal/clients/${clientId}/files`, {
    name: file.name, size: file.size, content_type: file.type || "application/octet-stream", request_id: requestId || null });
  bar.hidden = false;
  await uploadTo(slot, file, (p) => { bar.value = p; });
  // The upload is checked on arrival; wait (briefly) until it is confirmed.
  for (let i = 0; i < 20; i += 1) {
    const { files } = await api(C, "GET", `/api/portal/clients/${clientId}/files`);
    const f = files.find((x) => x.id === slot.file.id);
    if (f && f.status !== "pending") return f;
    await new Promise((r) => setTimeout(r, 500));
  }
  return slot.file;
}

function uploadForm(label, onFile) {
  const form = h("form", { novalidate: true },
    h("label", { for: "add-file" }, label), h("input", { type: "file", id: "add-file", name: "file", required: true }),
    h("progress", { value: 0, max: 1, hidden: true, "aria-label": "Upload progress" }),
    h("p", {}, h("button", { type: "submit" }, "Upload")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = form.file.files[0];
    if (!file) { showError(form, { message: "Choose a file to upload.", fields: {} }); return; }
    setBusy(form, true);
    try { await onFile(file, form.querySelector("progress")); } catch (err) { showError(form, err); } finally { setBusy(form, false); }
  });
  return form;
}

async function filesView(clientId) {
  const { files } = await api(C, "GET", `/api/portal/clients/${clientId}/files`);
  const form = uploadForm("Add a File", async (file, bar) => {
    const f = await addFile(clientId, file, bar);
    flash(f.status === "available" ? `${f.name} uploaded.` : f.status === "rejected" ? `${f.name} was rejected: ${f.rejected_reason}` : `${f.name} is still being checked.`);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "Add a File"), form),
    h("section", { class: "card" }, h("h2", {}, "Files"),
      files.length ? h("ul", { class: "plain", id: "file-list" }, files.map((f) => h("li", { class: "row spread", "data-status": f.status },
        h("span", {}, f.name, h("span", { class: "muted small" }, ` · ${size(f.size)} · ${f.uploaded_by.kind === "staff" ? "from your firm" : `uploaded by ${f.uploaded_by.name}`} · ${fmtDate(f.created_at)}${f.status !== "available" ? ` · ${f.status}` : ""}`)),
        f.status === "available" ? h("button", { type: "button", class: "link", onclick: async () => {
          const d = await api(C, "GET", `/api/portal/clients/${clientId}/files/${f.id}/download`); window.location.href = d.url;
        } }, "Download") : null))) : h("p", { class: "muted" }, "No files yet.")));
}

async function requestView(clientId, requestId) {
  const r = await api(C, "GET", `/api/portal/clients/${clientId}/requests/${requestId}`);
  const refresh = () => window.dispatchEvent(new HashChangeEvent("hashchange"));
  const answer = h("form", { novalidate: true }, field("Your answer", "text", { tag: "textarea" }), h("p", {}, h("button", { type: "submit" }, "Send answer")));
  answer.addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await api(C, "POST", `/api/portal/clients/${clientId}/requests/${requestId}/responses`, { text: answer.text.value }); refresh(); }
    catch (err) { showError(answer, err); }
  });
  const attach = uploadForm("Attach a file", async (file, bar) => {
    const f = await addFile(clientId, file, bar, requestId);
    await api(C, "POST", `/api/portal/clients/${clientId}/requests/${requestId}/responses`, { file_ids: [f.id] });
    refresh();
  });
  const done = h("form", {}, h("button", { type: "submit" }, "Mark as done"));
  done.addEventListener("submit", async (e) => {
    e.preventDefault();
    try { await api(C, "POST", `/api/portal/clients/${clientId}/requests/${requestId}/submit`, {}); flash("Marked as done. Your firm will review it."); refresh(); }
    catch (err) { showError(done, err); }
  });
  const open = r.status === "open";
  return h("section", { class: "card" },
    h("p", {}, h("a", { href: `#/portal/clients/${clientId}/todo` }, "← To-Do")),
    h("h2", {}, r.title), h("p", {}, h("span", { class: "badge" }, r.status), r.due_date ? ` Due ${fmtDate(r.due_date)}` : "", r.upload_required ? " · Upload required" : ""),
    r.instructions ? h("p", {}, r.instructions) : null,
    r.responses.length ? h("ul", { class: "plain" }, r.responses.map((x) => h("li", { class: "small" }, `${fmtDate(x.at)} — ${x.by.name}: ${x.text || ""}${x.file_ids.length ? ` (${x.file_ids.length} file)` : ""}`))) : null,
    r.history.filter((x) => x.note).map((x) => h("p", { class: "small problem" }, `${x.by.name}: ${x.note}`)),
    r.status !== "completed" ? [answer, attach] : null,
    open ? done : null);
}

async function billingView(clientId) {
  const b = await api(C, "GET", `/api/portal/clients/${clientId}/billing`);
  const pay = (i) => h("button", { type: "button", onclick: async () => {
    try { await api(C, "POST", `/api/portal/clients/${clientId}/invoices/${i.id}/pay`, {}); flash(`Invoice ${i.number} paid.`); window.dispatchEvent(new HashChangeEvent("hashchange")); }
    catch (err) { flash(err.message); }
  } }, "Pay now");
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "Outstanding balance"),
      b.balances.length ? b.balances.map((x) => h("p", {}, h("strong", {}, money(x.amount, x.currency)))) : h("p", {}, "Nothing outstanding.")),
    h("section", { class: "card" }, h("h2", {}, "Invoices"),
      b.invoices.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Invoice"), h("th", {}, "Due"), h("th", { class: "num" }, "Total"), h("th", { class: "num" }, "Balance"), h("th", {}, ""))),
        h("tbody", {}, b.invoices.map((i) => h("tr", {}, h("td", {}, i.number), h("td", {}, fmtDate(i.due_date)), h("td", { class: "num" }, money(i.total, i.currency)),
          h("td", { class: "num" }, i.status === "paid" ? "Paid" : money(i.balance_due, i.currency)),
          h("td", {}, b.online_payments_enabled && i.status !== "paid" ? pay(i) : ""))))) : h("p", { class: "muted" }, "No invoices.")),
    h("section", { class: "card" }, h("h2", {}, "Payment history"),
      b.payments.length ? h("ul", { class: "plain" }, b.payments.map((p) => h("li", {}, `${fmtDate(p.paid_on)} — ${money(p.amount, p.currency)} for invoice ${p.invoice_number}`))) : h("p", { class: "muted" }, "No payments yet.")));
}

function settingsView(me) {
  const a = me.address || {};
  const form = h("form", { class: "card", novalidate: true }, h("h1", {}, "User settings"),
    h("p", { class: "muted" }, `Signed in as ${me.email}. Your email is your login; your firm can change it for you.`),
    h("h2", {}, "Personal information"),
    field("First name", "first_name", { value: me.first_name }), field("Last name", "last_name", { value: me.last_name }),
    field("Phone", "phone", { type: "tel", value: me.phone || "" }),
    h("h2", {}, "Address"),
    field("Address line 1", "address.line1", { value: a.line1 || "" }), field("Address line 2", "address.line2", { value: a.line2 || "" }),
    field("City", "address.city", { value: a.city || "" }), field("State / region", "address.region", { value: a.region || "" }),
    field("Postal code", "address.postal_code", { value: a.postal_code || "" }), field("Country", "address.country", { value: a.country || "" }),
    h("p", {}, h("button", { type: "submit" }, "Save")),
    me.help_center_url ? h("p", {}, h("a", { href: me.help_center_url, rel: "noopener noreferrer", target: "_blank" }, "Client Portal Help Center")) : null);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = (n) => form.elements[n].value;
    const hasAddress = ["address.line1", "address.city", "address.postal_code", "address.country"].some((n) => v(n).trim());
    const body = { first_name: v("first_name"), last_name: v("last_name"), phone: v("phone").trim() || null,
      address: hasAddress ? { line1: v("address.line1"), line2: v("address.line2"), city: v("address.city"), region: v("address.region"), postal_code: v("address.postal_code"), country: v("address.country") } : null };
    try { await api(C, "PATCH", "/api/portal/me", body); flash("Your information was saved."); }
    catch (err) { showError(form, err); }
  });
  return h("div", {}, form, mfaSettings(C));
}
