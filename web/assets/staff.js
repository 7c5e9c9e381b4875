// Staff side: sign in, clients, the client record (contacts with portal status, invites,
// files, requests, invoices) and the firm's invite email templates.
import { api, session, signIn, uploadTo } from "./api.js";
import { mfaStep } from "./mfa.js";
import { clearError, field, flash, fmtDate, h, modal, money, setBusy, showError, size, statusText } from "./ui.js";
import { threadDetail, threadsPanel } from "./messages.js";
import { certificateView, signaturesCard } from "./signatures.js";

const S = "staff";

export async function route(parts) {
  if (parts[0] === "sign-in") return signInView();
  if (!session(S)) { location.hash = "#/staff/sign-in"; return h("p", {}, "Redirecting to sign in…"); }
  try {
    if (parts[0] === "clients" && parts[1] && parts[2] === "certificate" && parts[3]) return await certificateView(S, parts[1], parts[3]);
    if (parts[0] === "clients" && parts[1]) return await clientRecord(parts[1]);
    if (parts[0] === "templates") return await templatesView();
    if (parts[0] === "settings") return await settingsView();
    return await clientsView();
  } catch (err) {
    if (err.status === 401) { location.hash = "#/staff/sign-in"; return h("p", {}, "Please sign in again."); }
    return h("div", { class: "card problem", role: "alert" }, err.message);
  }
}

function signInView() {
  const form = h("form", { class: "card", novalidate: true },
    h("h1", {}, "Firm staff sign in"),
    field("Email", "email", { type: "email", autocomplete: "username", required: true }),
    field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
    h("p", {}, h("button", { type: "submit" }, "Sign in")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setBusy(form, true);
    try {
      const res = await signIn(S, form.email.value, form.password.value);
      if (res.challenge) { form.replaceWith(mfaStep(S, form.email.value, res.challenge, () => { location.hash = "#/staff"; })); return; }
      location.hash = "#/staff";
    } catch (err) { showError(form, err); } finally { setBusy(form, false); }
  });
  return form;
}

async function clientsView() {
  const { clients } = await api(S, "GET", "/api/staff/clients");
  const list = h("ul", { class: "plain" }, clients.map((c) => h("li", {}, h("a", { href: `#/staff/clients/${c.id}` }, c.name))));
  const form = h("form", { class: "row", novalidate: true }, field("New client name", "name", { required: true }), h("button", { type: "submit" }, "Create client"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const c = await api(S, "POST", "/api/staff/clients", { name: form.name.value });
      location.hash = `#/staff/clients/${c.id}`;
    } catch (err) { showError(form, err); }
  });
  return h("section", {}, h("h1", {}, "Clients"),
    h("div", { class: "card" }, clients.length ? list : h("p", { class: "muted" }, "No clients yet.")),
    h("div", { class: "card" }, h("h2", {}, "Add a client"), form));
}

// ---------- the client record ----------

async function clientRecord(clientId) {
  const [client, { templates }] = await Promise.all([
    api(S, "GET", `/api/staff/clients/${clientId}`),
    api(S, "GET", "/api/staff/templates"),
  ]);
  const ctx = { clientId, client, templates };
  const contactsCard = h("section", { class: "card", "aria-labelledby": "contacts-h" });
  ctx.refresh = async () => {
    ctx.client = await api(S, "GET", `/api/staff/clients/${clientId}/portal-status`);
    renderContacts(ctx, contactsCard);
  };
  renderContacts(ctx, contactsCard);
  return h("div", {},
    h("p", {}, h("a", { href: "#/staff" }, "← Clients")),
    h("h1", {}, client.name),
    h("div", { class: "grid" },
      h("div", {}, contactsCard),
      h("div", {}, await messagesCard(ctx), await filesCard(ctx), await signaturesCard(ctx), await requestsCard(ctx), await billingCard(ctx))));
}

async function messagesCard(ctx) {
  const download = async (fileId) => {
    const d = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/files/${fileId}/download`); window.location.href = d.url;
  };
  const { files } = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/files`);
  const panel = await threadsPanel(S, ctx.clientId, {
    contacts: ctx.client.contacts,
    files,
    open: async (t, redraw) => {
      const { body } = modal(`Messages — ${t.subject}`);
      body.append(await threadDetail(S, ctx.clientId, t.id, { onChange: redraw, download, files }));
    },
  });
  return h("section", { class: "card", id: "messages" }, h("h2", {}, "Messages"), panel);
}

const AUDIT_WORDS = {
  invite_sent: "Invite sent", invite_revoked: "Invite revoked", account_created: "Created their portal login",
  invite_accepted: "Accepted an invite", signed_in: "Signed in", access_revoked: "Portal access revoked",
  file_uploaded: "Uploaded a file", file_downloaded: "Downloaded a file", file_shared: "File shared with them",
  contact_updated: "Contact details changed", form_sent: "Sent a document for signature", form_signed: "Signed a document",
  form_declined: "Declined to sign a document", form_completed: "Signature form completed",
};

/** A contact's access history: what they did and what was done to them, newest first. */
async function accessHistoryDialog(ctx, c) {
  const { body } = modal(`Access history — ${c.first_name} ${c.last_name}`);
  body.append(h("p", { class: "muted" }, "Loading…"));
  try {
    const { entries } = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/audit?contact_id=${encodeURIComponent(c.id)}`);
    const rows = entries.map((e) => h("tr", {},
      h("td", {}, new Date(e.at).toLocaleString()),
      h("td", {}, AUDIT_WORDS[e.event] || e.event, e.detail ? h("div", { class: "small muted" }, e.detail) : ""),
      h("td", {}, e.actor.name || e.actor.kind),
      h("td", { class: "small" }, e.ip || "", e.user_agent ? h("div", { class: "muted" }, e.user_agent) : "")));
    body.replaceChildren(entries.length
      ? h("table", { class: "audit" }, h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "What"), h("th", {}, "Who"), h("th", {}, "From"))), h("tbody", {}, rows))
      : h("p", { class: "muted" }, "Nothing recorded yet."));
  } catch (err) {
    body.replaceChildren(h("p", { class: "problem", role: "alert" }, err.message));
  }
}

function renderContacts(ctx, card) {
  const { client } = ctx;
  const menu = h("details", { class: "menu" },
    h("summary", { "aria-label": "Contacts menu" }, "⋮ Menu"),
    h("div", { class: "contact-actions" },
      h("button", { type: "button", onclick: () => bulkInviteDialog(ctx) }, "Invite Contacts to the Client Portal"),
      h("button", { type: "button", class: "secondary", onclick: () => addContactDialog(ctx) }, "Add contact")));
  const items = client.contacts.map((c) => {
    const st = statusText(c.portal);
    const actions = h("div", { class: "contact-actions" });
    if (c.portal.status !== "active") {
      actions.append(h("button", { type: "button", onclick: () => inviteDialog(ctx, c) }, c.portal.status === "invited" ? "Resend Invite" : "Send Invite"));
    }
    if (c.portal.status === "active") {
      actions.append(h("button", { type: "button", class: "secondary", onclick: async () => {
        if (!window.confirm(`Revoke ${c.first_name} ${c.last_name}'s portal access? Their login stops working for every client until you invite them again.`)) return;
        try { await api(S, "POST", `/api/staff/contacts/${c.id}/revoke-access`); flash(`Access revoked for ${c.first_name} ${c.last_name}.`); await ctx.refresh(); }
        catch (err) { flash(err.message); }
      } }, "Revoke access"));
    }
    if (c.portal.status === "invited") {
      actions.append(h("button", { type: "button", class: "secondary", onclick: async () => {
        try { await api(S, "POST", `/api/staff/clients/${ctx.clientId}/contacts/${c.id}/revoke-invite`); flash(`Invite for ${c.first_name} ${c.last_name} revoked.`); await ctx.refresh(); }
        catch (err) { flash(err.message); }
      } }, "Revoke invite"));
    }
    actions.append(h("button", { type: "button", class: "secondary", onclick: () => accessHistoryDialog(ctx, c) }, "Access history"));
    return h("li", { "data-contact": c.id },
      h("details", {},
        h("summary", {}, `${c.first_name} ${c.last_name}`, h("div", { class: `status ${st.cls}` }, st.text)),
        h("p", { class: "small" }, c.email || h("span", { class: "muted" }, "No email on file"), c.phone ? ` · ${c.phone}` : ""),
        actions));
  });
  card.replaceChildren(
    h("div", { class: "row spread" }, h("h2", { id: "contacts-h" }, "Contacts"), menu),
    client.contacts.length ? h("ul", { class: "plain" }, items) : h("p", { class: "muted" }, "No contacts yet."));
}

function templateSelect(templates) {
  return field("Email template (optional)", "template_id", {
    tag: "select",
    options: templates.map((t) => [t.id, t.kind === "preset" ? `${t.name} (preset)` : t.name]),
  });
}

function inviteDialog(ctx, contact) {
  const { body, close } = modal("Client Portal invite");
  const needsEmail = !contact.email;
  const preview = h("div", {});
  const form = h("form", { novalidate: true },
    h("p", {}, h("strong", {}, `${contact.first_name} ${contact.last_name}`)),
    needsEmail ? h("p", { class: "muted" }, "This contact has no email address. Add one to send the invite.") : null,
    field("Email", "email", { type: "email", value: contact.email || "", required: true }),
    field("Personalized message (optional)", "message", { tag: "textarea" }),
    templateSelect(ctx.templates),
    preview,
    h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => showPreview() }, "Preview"),
      h("button", { type: "submit" }, "Send")));
  async function saveEmailIfChanged() {
    const email = form.email.value.trim();
    if (email !== (contact.email || "")) {
      await api(S, "PATCH", `/api/staff/contacts/${contact.id}`, { email });
      contact.email = email.toLowerCase();
    }
  }
  async function showPreview() {
    clearError(form);
    try {
      const p = await api(S, "POST", `/api/staff/clients/${ctx.clientId}/invites/preview`, {
        contact_id: contact.id, message: form.message.value, template_id: form.template_id.value });
      preview.replaceChildren(h("p", { class: "small" }, h("strong", {}, "Subject: "), p.subject),
        h("iframe", { class: "preview", title: "Email preview", sandbox: "", srcdoc: p.html }));
    } catch (err) { showError(form, err); }
  }
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    setBusy(form, true);
    try {
      await saveEmailIfChanged();
      const { results } = await api(S, "POST", `/api/staff/clients/${ctx.clientId}/invites`, {
        contact_ids: [contact.id], message: form.message.value, template_id: form.template_id.value });
      const r = results[0];
      if (r.outcome === "sent") { close(); flash(`Invite sent to ${r.email}.`); await ctx.refresh(); return; }
      showError(form, { message: outcomeText(r), fields: {} });
    } catch (err) { showError(form, err); } finally { setBusy(form, false); }
  });
  body.append(form);
  form.email.focus();
}

function outcomeText(r) {
  return {
    sent: `Invite sent to ${r.email}.`,
    missing_email: "Needs an email address — open the contact and add one.",
    already_active: "Already has portal access.",
    not_found: "Not a contact of this client.",
    failed: `Failed: ${r.reason}`,
  }[r.outcome] || r.outcome;
}

function bulkInviteDialog(ctx) {
  const { body } = modal("Invite Contacts to the Client Portal");
  const boxes = ctx.client.contacts.map((c) => {
    const active = c.portal.status === "active";
    const id = `bulk-${c.id}`;
    return h("li", {}, h("div", { class: "row" },
      h("input", { type: "checkbox", id, name: "contact", value: c.id, checked: !active, disabled: active }),
      h("label", { for: id, style: "margin:0;font-weight:400" }, `${c.first_name} ${c.last_name}`,
        h("span", { class: "muted small" }, active ? " — already active" : c.email ? ` — ${c.email}` : " — needs an email"))));
  });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true },
    h("fieldset", {}, h("legend", {}, "Contacts"), h("ul", { class: "plain" }, boxes)),
    field("Personalized message (optional)", "message", { tag: "textarea" }),
    templateSelect(ctx.templates),
    results,
    h("p", {}, h("button", { type: "submit" }, "Send")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ids = [...form.querySelectorAll("input[name=contact]:checked")].map((b) => b.value);
    if (!ids.length) { showError(form, { message: "Select at least one contact.", fields: {} }); return; }
    setBusy(form, true);
    try {
      const res = await api(S, "POST", `/api/staff/clients/${ctx.clientId}/invites`, {
        contact_ids: ids, message: form.message.value, template_id: form.template_id.value });
      const name = (id) => { const c = ctx.client.contacts.find((x) => x.id === id); return c ? `${c.first_name} ${c.last_name}` : id; };
      results.replaceChildren(h("h3", {}, "Results"), h("ul", { class: "plain", id: "bulk-results" },
        res.results.map((r) => h("li", { "data-outcome": r.outcome }, `${name(r.contact_id)}: ${outcomeText(r)}`))));
      await ctx.refresh();
    } catch (err) { showError(form, err); } finally { setBusy(form, false); }
  });
  body.append(form);
}

function addContactDialog(ctx) {
  const { body, close } = modal("Add contact");
  const form = h("form", { novalidate: true },
    field("First name", "first_name", { required: true }), field("Last name", "last_name", { required: true }),
    field("Email (optional)", "email", { type: "email" }), field("Phone (optional)", "phone", { type: "tel" }),
    h("p", {}, h("button", { type: "submit" }, "Add contact")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api(S, "POST", `/api/staff/clients/${ctx.clientId}/contacts`, {
        first_name: form.first_name.value, last_name: form.last_name.value, email: form.email.value, phone: form.phone.value });
      close(); await ctx.refresh();
    } catch (err) { showError(form, err); }
  });
  body.append(form);
  form.first_name.focus();
}

/** After sharing or assigning: offer to invite contacts without portal access. */
function promptToInvite(ctx, outcomes, where) {
  const missing = outcomes.filter((o) => o.outcome === "not_invited").map((o) => ctx.client.contacts.find((c) => c.id === o.contact_id)).filter(Boolean);
  if (!missing.length) return null;
  return h("div", { class: "problem", role: "alert" },
    h("p", {}, `${missing.map((c) => `${c.first_name} ${c.last_name}`).join(", ")} ${missing.length > 1 ? "have" : "has"} no portal access yet, so ${where} will only reach them once invited.`),
    h("div", { class: "row" }, missing.map((c) => h("button", { type: "button", onclick: () => inviteDialog(ctx, c) }, `Invite ${c.first_name}`))));
}

function contactChecks(ctx, name) {
  return h("fieldset", {}, h("legend", {}, "Contacts"), ctx.client.contacts.map((c) => {
    const id = `${name}-${c.id}`;
    return h("div", { class: "row" }, h("input", { type: "checkbox", id, name, value: c.id }),
      h("label", { for: id, style: "margin:0;font-weight:400" }, `${c.first_name} ${c.last_name}`));
  }));
}

async function filesCard(ctx) {
  const card = h("section", { class: "card", id: "files" });
  const draw = async () => {
    const { files } = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/files`);
    const list = h("ul", { class: "plain" }, files.map((f) => h("li", { class: "row spread" },
      h("span", {}, f.name, h("span", { class: "muted small" }, ` · ${size(f.size)} · ${f.status} · by ${f.uploaded_by.name}`)),
      f.status === "available" ? h("button", { type: "button", class: "link", onclick: async () => {
        const d = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/files/${f.id}/download`); window.location.href = d.url;
      } }, "Download") : null)));
    const form = h("form", { novalidate: true },
      h("label", { for: "staff-file" }, "File"), h("input", { type: "file", id: "staff-file", name: "file" }),
      contactChecks(ctx, "share"),
      h("progress", { value: 0, max: 1, hidden: true }),
      h("p", {}, h("button", { type: "submit" }, "Upload and share")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const file = form.file.files[0];
      if (!file) { showError(form, { message: "Choose a file.", fields: {} }); return; }
      const share = [...form.querySelectorAll("input[name=share]:checked")].map((b) => b.value);
      const bar = form.querySelector("progress");
      setBusy(form, true);
      try {
        const slot = await api(S, "POST", `/api/staff/clients/${ctx.clientId}/files`, { name: file.name, size: file.size, content_type: file.type || "application/octet-stream", share_with: share });
        bar.hidden = false;
        await uploadTo(slot, file, (p) => { bar.value = p; });
        flash(`${file.name} uploaded.`);
        await draw();
        const prompt = promptToInvite(ctx, slot.sharing, "this file");
        if (prompt) card.append(prompt);
      } catch (err) { showError(form, err); } finally { setBusy(form, false); }
    });
    card.replaceChildren(h("h2", {}, "Files"), files.length ? list : h("p", { class: "muted" }, "No files yet."), h("h3", {}, "Share a file"), form);
  };
  await draw();
  return card;
}

async function requestsCard(ctx) {
  const card = h("section", { class: "card" });
  const draw = async () => {
    const { requests } = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/requests`);
    const list = h("ul", { class: "plain" }, requests.map((r) => h("li", {},
      h("div", { class: "row spread" }, h("strong", {}, r.title), h("span", { class: `badge ${r.status === "completed" ? "done" : ""}` }, r.status)),
      r.responses.map((x) => h("p", { class: "small" }, `${x.by.name}: ${x.text || ""} ${x.file_ids.length ? `(${x.file_ids.length} file${x.file_ids.length > 1 ? "s" : ""})` : ""}`)),
      h("div", { class: "row" },
        r.status !== "completed" ? h("button", { type: "button", class: "secondary", onclick: async () => { await api(S, "POST", `/api/staff/clients/${ctx.clientId}/requests/${r.id}/complete`, {}); await draw(); } }, "Complete") : null,
        r.status !== "open" ? h("button", { type: "button", class: "secondary", onclick: async () => { await api(S, "POST", `/api/staff/clients/${ctx.clientId}/requests/${r.id}/reopen`, {}); await draw(); } }, "Reopen") : null))));
    const form = h("form", { novalidate: true },
      field("Title", "title", { required: true }), field("Instructions", "instructions", { tag: "textarea" }),
      field("Due date", "due_date", { type: "date" }),
      h("div", { class: "row" }, h("input", { type: "checkbox", id: "upload-required", name: "upload_required" }), h("label", { for: "upload-required", style: "margin:0" }, "Upload required")),
      contactChecks(ctx, "assignee_ids"),
      h("p", {}, h("button", { type: "submit" }, "Send request")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try {
        const res = await api(S, "POST", `/api/staff/clients/${ctx.clientId}/requests`, {
          title: form.title.value, instructions: form.instructions.value, due_date: form.due_date.value || null,
          upload_required: form.upload_required.checked,
          assignee_ids: [...form.querySelectorAll("input[name=assignee_ids]:checked")].map((b) => b.value) });
        await draw();
        const prompt = promptToInvite(ctx, res.assignees, "this request");
        if (prompt) card.append(prompt);
      } catch (err) { showError(form, err); }
    });
    card.replaceChildren(h("h2", {}, "Requests"), requests.length ? list : h("p", { class: "muted" }, "No requests yet."), h("h3", {}, "New client request"), form);
  };
  await draw();
  return card;
}

async function billingCard(ctx) {
  const card = h("section", { class: "card" });
  const draw = async () => {
    const b = await api(S, "GET", `/api/staff/clients/${ctx.clientId}/invoices`);
    const rows = b.invoices.map((i) => h("tr", {}, h("td", {}, i.number), h("td", {}, fmtDate(i.due_date)), h("td", { class: "num" }, money(i.total, i.currency)),
      h("td", { class: "num" }, money(i.balance_due, i.currency)), h("td", {}, i.status)));
    const form = h("form", { novalidate: true },
      field("Invoice number", "number", { required: true }), field("Description", "description", { required: true }),
      field("Amount (e.g. 450.00)", "amount", { inputmode: "decimal", required: true }), field("Currency", "currency", { value: "USD" }),
      field("Due date", "due_date", { type: "date", required: true }),
      h("p", {}, h("button", { type: "submit" }, "Create invoice")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const cents = Math.round(Number(form.amount.value) * 100);
      try {
        await api(S, "POST", `/api/staff/clients/${ctx.clientId}/invoices`, {
          number: form.number.value, issue_date: new Date().toISOString().slice(0, 10), due_date: form.due_date.value, currency: form.currency.value,
          lines: [{ description: form.description.value, quantity: 1, unit_amount: Number.isFinite(cents) ? cents : -1 }] });
        await draw();
      } catch (err) { showError(form, err); }
    });
    card.replaceChildren(h("h2", {}, "Invoices"),
      b.balances.map((x) => h("p", {}, "Outstanding: ", h("strong", {}, money(x.amount, x.currency)))),
      rows.length ? h("table", {}, h("thead", {}, h("tr", {}, ["Number", "Due", "Total", "Due now", "Status"].map((t, i) => h("th", { class: i >= 2 && i < 4 ? "num" : "" }, t)))), h("tbody", {}, rows)) : h("p", { class: "muted" }, "No invoices."),
      h("details", {}, h("summary", {}, "New invoice"), form));
  };
  await draw();
  return card;
}

// ---------- firm settings ----------

async function settingsView() {
  const st = await api(S, "GET", "/api/staff/firm/settings");
  const form = h("form", { class: "card", novalidate: true, id: "firm-settings" },
    h("h1", {}, `Portal settings — ${st.firm_name}`),
    h("h2", {}, "Invites"),
    field("Invite links stay valid for (days)", "invite_lifetime_days", { type: "number", min: 1, max: 365, value: st.invite_lifetime_days }),
    field("Remind contacts who have not accepted after (days; 0 = no reminders)", "reminder_after_days", { type: "number", min: 0, max: 60, value: st.reminder_after_days }),
    field("Reminders per invite, at most", "max_reminders", { type: "number", min: 1, max: 5, value: st.max_reminders }),
    h("p", { class: "small muted" }, "A reminder is a new invite email with a new link (the earlier link stops working). Never sent to contacts whose invite bounced, was revoked, or who already have access."),
    h("h2", {}, "Sign-in security"),
    h("div", { class: "row" }, h("input", { type: "checkbox", id: "require-mfa", name: "require_contact_mfa", checked: st.require_contact_mfa }),
      h("label", { for: "require-mfa", style: "margin:0" }, "Require contacts to use an authenticator app (two-step sign-in)")),
    h("p", { class: "small muted" }, "Contacts without one set it up at their next sign-in."),
    h("p", {}, h("button", { type: "submit" }, "Save settings")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    // Only what was changed on this page, so a colleague's change made meanwhile stays.
    const now = {
      invite_lifetime_days: Number(form.elements.invite_lifetime_days.value), reminder_after_days: Number(form.elements.reminder_after_days.value),
      max_reminders: Number(form.elements.max_reminders.value), require_contact_mfa: form.require_contact_mfa.checked };
    const changed = Object.fromEntries(Object.entries(now).filter(([k, v]) => v !== st[k]));
    if (!Object.keys(changed).length) { flash("Nothing changed."); return; }
    try {
      Object.assign(st, await api(S, "PATCH", "/api/staff/firm/settings", changed));
      flash("Settings saved.");
    } catch (err) { showError(form, err); }
  });
  return form;
}

// ---------- templates ----------

async function templatesView() {
  const { templates } = await api(S, "GET", "/api/staff/templates");
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, "New template"),
    field("Name", "name", { required: true }), field("Subject", "subject", { required: true }),
    field("Body", "body", { tag: "textarea", rows: 10, required: true }),
    h("p", { class: "small muted" }, "Variables: {{ first_name }}, {{ last_name }}, {{ contact_name }}, {{ firm_name }}, {{ client_name }}, {{ message }}, {{ create_account_url }} (required), {{ help_center_url }}, {{ expires_on }}."),
    h("p", {}, h("button", { type: "submit" }, "Save template")));
  let editing = null;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const bodyJson = { name: form.name.value, subject: form.subject.value, body: form.body.value };
    try {
      if (editing) await api(S, "PUT", `/api/staff/templates/${editing}`, bodyJson);
      else await api(S, "POST", "/api/staff/templates", bodyJson);
      flash("Template saved."); location.hash = "#/staff/templates"; window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) { showError(form, err); }
  });
  const list = h("ul", { class: "plain" }, templates.map((t) => h("li", {},
    h("div", { class: "row spread" }, h("strong", {}, t.name), h("span", { class: "badge" }, t.kind === "preset" ? "preset" : "yours")),
    h("p", { class: "small muted" }, t.subject),
    t.kind === "firm" ? h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => { editing = t.id; form.name.value = t.name; form.subject.value = t.subject; form.body.value = t.body; form.name.focus(); } }, "Edit"),
      h("button", { type: "button", class: "secondary", onclick: async () => { await api(S, "DELETE", `/api/staff/templates/${t.id}`); flash("Template deleted."); window.dispatchEvent(new HashChangeEvent("hashchange")); } }, "Delete")) : null)));
  return h("section", {}, h("h1", {}, "Email templates"), h("div", { class: "card" }, list), form);
}
