// Staff: the client record — contacts with their portal status on the left; messages,
// files, signatures, requests and invoices on the right. The cards share `ctx`:
// { clientId, client (with its contacts), templates, refresh() (the contacts again) }.
import { clients } from "./api-clients.js";
import { templates } from "./api-templates.js";
import { h } from "./ui.js";
import { contactsCard } from "./staff-contacts.js";
import { filesCard } from "./staff-files.js";
import { invoicesCard } from "./staff-invoices.js";
import { messagesCard } from "./staff-messages.js";
import { requestsCard } from "./staff-requests.js";
import { signaturesCard } from "./staff-signatures.js";

export async function clientRecord(clientId) {
  const [client, { templates: all }] = await Promise.all([clients.get(clientId), templates.list()]);
  const ctx = { clientId, client, templates: all };
  const contacts = contactsCard(ctx);
  return h("div", {},
    h("p", {}, h("a", { href: "#/staff" }, "← Clients")),
    h("h1", {}, client.name),
    h("div", { class: "grid" },
      h("div", {}, contacts),
      h("div", {}, await messagesCard(ctx), await filesCard(ctx), await signaturesCard(ctx), await requestsCard(ctx), await invoicesCard(ctx))));
}
