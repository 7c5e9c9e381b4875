// Staff: the Client Portal invite window (one contact, with a preview of the email), the
// bulk "Invite Contacts to the Client Portal" window, and the offer to invite contacts a
// file or request was given to but who have no portal access yet.
import { contacts } from "./api-contacts.js";
import { invites } from "./api-invites.js";
import { appendEmail } from "./email-preview.js";
import { FormProblem, checkbox, checkedValues, clearError, field, flash, h, modal, onSubmit, showError } from "./ui.js";

export function templateSelect(templates) {
  return field("Email template (optional)", "template_id", {
    tag: "select",
    options: templates.map((t) => [t.id, t.kind === "preset" ? `${t.name} (preset)` : t.name]),
  });
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

/** What the invite forms send besides the contacts. */
export const wording = (form) => ({ message: form.message.value, template_id: form.template_id.value });

export function inviteDialog(ctx, contact) {
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
      await contacts.update(contact.id, { email });
      contact.email = email.toLowerCase();
    }
  }
  async function showPreview() {
    clearError(form);
    try {
      const p = await invites.preview(ctx.clientId, { contact_id: contact.id, ...wording(form) });
      preview.replaceChildren(h("p", { class: "small" }, h("strong", {}, "Subject: "), p.subject));
      appendEmail(preview, p.html);
    } catch (err) { showError(form, err); }
  }
  onSubmit(form, async () => {
    await saveEmailIfChanged();
    const { results } = await invites.send(ctx.clientId, { contact_ids: [contact.id], ...wording(form) });
    const r = results[0];
    if (r.outcome !== "sent") throw new FormProblem(outcomeText(r));
    close(); flash(`Invite sent to ${r.email}.`); await ctx.refresh();
  });
  body.append(form);
  form.email.focus();
}

export function bulkInviteDialog(ctx) {
  const { body } = modal("Invite Contacts to the Client Portal");
  const boxes = ctx.client.contacts.map((c) => {
    const active = c.portal.status === "active";
    return h("li", {}, checkbox({ id: `bulk-${c.id}`, name: "contact", value: c.id, checked: !active, disabled: active },
      `${c.first_name} ${c.last_name}`,
      h("span", { class: "muted small" }, active ? " — already active" : c.email ? ` — ${c.email}` : " — needs an email")));
  });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true },
    h("fieldset", {}, h("legend", {}, "Contacts"), h("ul", { class: "plain" }, boxes)),
    field("Personalized message (optional)", "message", { tag: "textarea" }),
    templateSelect(ctx.templates),
    results,
    h("p", {}, h("button", { type: "submit" }, "Send")));
  onSubmit(form, async () => {
    const ids = checkedValues(form, "contact");
    if (!ids.length) throw new FormProblem("Select at least one contact.");
    const res = await invites.send(ctx.clientId, { contact_ids: ids, ...wording(form) });
    const name = (id) => { const c = ctx.client.contacts.find((x) => x.id === id); return c ? `${c.first_name} ${c.last_name}` : id; };
    results.replaceChildren(h("h3", {}, "Results"), h("ul", { class: "plain", id: "bulk-results" },
      res.results.map((r) => h("li", { "data-outcome": r.outcome }, `${name(r.contact_id)}: ${outcomeText(r)}`))));
    await ctx.refresh();
  });
  body.append(form);
}

/** After sharing or assigning: offer (at the end of `card`) to invite contacts without portal access. */
export function promptToInvite(card, ctx, outcomes, where) {
  const missing = outcomes.filter((o) => o.outcome === "not_invited").map((o) => ctx.client.contacts.find((c) => c.id === o.contact_id)).filter(Boolean);
  if (!missing.length) return;
  card.append(h("div", { class: "problem", role: "alert" },
    h("p", {}, `${missing.map((c) => `${c.first_name} ${c.last_name}`).join(", ")} ${missing.length > 1 ? "have" : "has"} no portal access yet, so ${where} will only reach them once invited.`),
    h("div", { class: "row" }, missing.map((c) => h("button", { type: "button", onclick: () => inviteDialog(ctx, c) }, `Invite ${c.first_name}`)))));
}
