// The contact's To-Do: documents to sign and the requests assigned to them.
import { requests } from "./api-requests.js";
import { signatures } from "./api-signatures.js";
import { h, pagedList } from "./ui.js";
import { MAX_PAGE } from "./api.js";

export async function todoView(clientId) {
  const [assigned, { items: forms }] = await Promise.all([
    pagedList((cursor) => requests.todo(clientId, { cursor }), (r) => h("li", { class: "row spread" },
      h("a", { href: `#/portal/clients/${clientId}/todo/${r.id}` }, r.title),
      h("span", { class: `badge ${r.status === "completed" ? "done" : r.overdue ? "over" : ""}` }, r.overdue ? "overdue" : r.status)),
    { empty: "Nothing assigned to you." }),
    // The newest forms (a page as large as one call gives): what waits for a signature is recent.
    signatures.contact.list(clientId, { limit: MAX_PAGE })]);
  const toSign = forms.filter((f) => f.status === "pending" && f.my_status === "pending");
  return h("section", { class: "card" }, h("h2", {}, "To-Do"),
    toSign.length ? h("ul", { class: "plain" }, toSign.map((f) => h("li", { class: "row spread", "data-form": f.id },
      h("a", { href: `#/portal/clients/${clientId}/sign/${f.id}` }, `Sign: ${f.document_name}`), h("span", { class: "badge" }, "signature")))) : null,
    assigned);
}
