// Staff: the client record — contacts with their portal status on the left; messages,
// files, signatures, requests and invoices on the right. The cards share `ctx`:
// { clientId, client (with its contacts), templates, refresh() (the contacts again) }.
import { MAX_PAGE } from "./api.js";
import { clients } from "./api-clients.js";
import { templates } from "./api-templates.js";
import { act, field, flash, h, modal, onSubmit, rerender } from "./ui.js";
import { contactsCard } from "./staff-contacts.js";
import { filesCard } from "./staff-files.js";
import { invoicesCard } from "./staff-invoices.js";
import { messagesCard } from "./staff-messages.js";
import { requestsCard } from "./staff-requests.js";
import { signaturesCard } from "./staff-signatures.js";

export async function clientRecord(clientId) {
  // The invite forms offer the presets and the firm's first templates (one page).
  const [client, { items: all }] = await Promise.all([clients.get(clientId), templates.list({ limit: MAX_PAGE })]);
  const ctx = { clientId, client, templates: all };
  const contacts = contactsCard(ctx);
  const archived = Boolean(client.archived_at);
  return h("div", {},
    h("p", {}, h("a", { href: archived ? "#/staff/archived" : "#/staff" }, archived ? "← Archived clients" : "← Clients")),
    h("div", { class: "row spread" },
      h("h1", {}, client.name, archived ? [" ", h("span", { class: "badge" }, "Archived")] : null),
      lifecycleActions(client)),
    archived ? h("p", { class: "notice", role: "status" },
      `This client is archived: its contacts can no longer open the portal, and no new invites, requests, files, messages, signature forms or invoices can be added. Its record and history stay. Restore the client to work with it again.`) : null,
    h("div", { class: "grid" },
      h("div", {}, contacts),
      h("div", {}, await messagesCard(ctx), await filesCard(ctx), await signaturesCard(ctx), await requestsCard(ctx), await invoicesCard(ctx))));
}

/** Rename, and Archive or Restore (each confirmed). */
function lifecycleActions(client) {
  const archived = Boolean(client.archived_at);
  const toggle = archived
    ? h("button", { type: "button", onclick: act(async () => {
      if (!window.confirm(`Restore ${client.name}? Its contacts can open the portal again, and you can add work to it.`)) return;
      await clients.restore(client.id); flash(`${client.name} restored.`); rerender();
    }) }, "Restore client")
    : h("button", { type: "button", class: "secondary", onclick: act(async () => {
      if (!window.confirm(`Archive ${client.name}? It leaves the client list, its contacts can no longer open its portal (their other portals are not affected), and no new work can be added. You can restore it at any time.`)) return;
      await clients.archive(client.id); flash(`${client.name} archived.`); rerender();
    }) }, "Archive client");
  return h("div", { class: "contact-actions" },
    h("button", { type: "button", class: "secondary", onclick: () => renameDialog(client) }, "Rename"), toggle);
}

function renameDialog(client) {
  const { body, close } = modal(`Rename ${client.name}`);
  const form = h("form", { novalidate: true }, field("Client name", "name", { required: true, value: client.name }),
    h("p", { class: "small muted" }, "Staff and the client's contacts see the new name at once. The client's history records the change."),
    h("p", {}, h("button", { type: "submit" }, "Save")));
  onSubmit(form, async () => {
    const renamed = await clients.rename(client.id, form.name.value);
    close(); flash(`Renamed to ${renamed.name}.`); rerender();
  });
  body.append(form);
  form.name.focus();
}
