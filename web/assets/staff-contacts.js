// Staff: the client's contacts card — each contact's portal status and what can be done
// about it (invite, revoke, access history) — and the Add contact window.
import { clients } from "./api-clients.js";
import { contacts } from "./api-contacts.js";
import { invites } from "./api-invites.js";
import { act, field, flash, h, modal, onSubmit, statusText } from "./ui.js";
import { accessHistoryDialog } from "./staff-access-history.js";
import { bulkInviteDialog, inviteDialog } from "./staff-invites.js";

/** The card; sets `ctx.refresh()`, which fetches the portal status again and redraws it. */
export function contactsCard(ctx) {
  const card = h("section", { class: "card", "aria-labelledby": "contacts-h" });
  ctx.refresh = async () => {
    ctx.client = await clients.portalStatus(ctx.clientId);
    draw(ctx, card);
  };
  draw(ctx, card);
  return card;
}

const fullName = (c) => `${c.first_name} ${c.last_name}`;

function actionsFor(ctx, c) {
  const actions = h("div", { class: "contact-actions" });
  const status = c.portal.status;
  if (status !== "active") {
    actions.append(h("button", { type: "button", onclick: () => inviteDialog(ctx, c) }, status === "invited" ? "Resend Invite" : "Send Invite"));
  }
  if (status === "active") {
    actions.append(h("button", { type: "button", class: "secondary", onclick: act(async () => {
      if (!window.confirm(`Revoke ${fullName(c)}'s portal access? Their login stops working for every client until you invite them again.`)) return;
      await contacts.revokeAccess(c.id); flash(`Access revoked for ${fullName(c)}.`); await ctx.refresh();
    }) }, "Revoke access"));
  }
  if (status === "invited") {
    actions.append(h("button", { type: "button", class: "secondary", onclick: act(async () => {
      await invites.revoke(ctx.clientId, c.id); flash(`Invite for ${fullName(c)} revoked.`); await ctx.refresh();
    }) }, "Revoke invite"));
  }
  actions.append(h("button", { type: "button", class: "secondary", onclick: () => accessHistoryDialog(ctx, c) }, "Access history"));
  actions.append(h("button", { type: "button", class: "secondary", onclick: act(async () => {
    if (!window.confirm(`Remove ${fullName(c)} from ${ctx.client.name}? Their access to this client's portal ends now, and any open invite stops working. Their login, their other portals and what they uploaded or wrote are not affected.`)) return;
    await contacts.remove(ctx.clientId, c.id); flash(`${fullName(c)} removed from ${ctx.client.name}.`); await ctx.refresh();
  }) }, "Remove from client"));
  return actions;
}

function draw(ctx, card) {
  const { client } = ctx;
  const menu = h("details", { class: "menu" },
    h("summary", { "aria-label": "Contacts menu" }, "⋮ Menu"),
    h("div", { class: "contact-actions" },
      h("button", { type: "button", onclick: () => bulkInviteDialog(ctx) }, "Invite Contacts to the Client Portal"),
      h("button", { type: "button", class: "secondary", onclick: () => addContactDialog(ctx) }, "Add contact")));
  const items = client.contacts.map((c) => {
    const st = statusText(c.portal);
    return h("li", { "data-contact": c.id },
      h("details", {},
        h("summary", {}, fullName(c), h("div", { class: `status ${st.cls}` }, st.text)),
        h("p", { class: "small" }, c.email || h("span", { class: "muted" }, "No email on file"), c.phone ? ` · ${c.phone}` : ""),
        actionsFor(ctx, c)));
  });
  card.replaceChildren(
    h("div", { class: "row spread" }, h("h2", { id: "contacts-h" }, "Contacts"), menu),
    client.contacts.length ? h("ul", { class: "plain" }, items) : h("p", { class: "muted" }, "No contacts yet."));
}

function addContactDialog(ctx) {
  const { body, close } = modal("Add contact");
  const form = h("form", { novalidate: true },
    field("First name", "first_name", { required: true }), field("Last name", "last_name", { required: true }),
    field("Email (optional)", "email", { type: "email" }), field("Phone (optional)", "phone", { type: "tel" }),
    h("p", {}, h("button", { type: "submit" }, "Add contact")));
  onSubmit(form, async () => {
    await contacts.add(ctx.clientId, {
      first_name: form.first_name.value, last_name: form.last_name.value, email: form.email.value, phone: form.phone.value });
    close(); await ctx.refresh();
  });
  body.append(form);
  form.first_name.focus();
}
