// Staff: the firm's clients (active, or the archived ones), searched by name or contact
// email and filtered by portal status, a page at a time; and the form that adds one.
import { clients } from "./api-clients.js";
import { field, h, onSubmit, pagedList, statusText } from "./ui.js";
import { selectBox, selectForInvites } from "./staff-invite-jobs.js";

/** The portal-status filter: the vendor's words for each state (Check Portal Status). */
const PORTAL_FILTERS = [
  ["", "All contacts"],
  ["invited", "Invited but never logged in"],
  ["not_invited", "No invite sent"],
  ["active", "Has portal access"],
  ["revoked", "Access revoked"],
];

/** `status`: "active" (#/staff) or "archived" (#/staff/archived). */
export async function clientsView(status = "active") {
  const tabs = h("nav", { class: "tabs", "aria-label": "Client list" },
    [["#/staff", "Active", "active"], ["#/staff/archived", "Archived", "archived"]].map(([href, text, s]) =>
      h("a", { href, "aria-current": s === status ? "page" : null }, text)));
  const list = clientList(status);
  const search = searchForm(status, list);
  await list.show({ status });
  if (status === "archived") {
    return h("section", {}, h("h1", {}, "Archived clients"), tabs, h("div", { class: "card" }, search, list.el));
  }
  const form = h("form", { class: "row", novalidate: true }, field("New client name", "name", { required: true }), h("button", { type: "submit" }, "Create client"));
  onSubmit(form, async () => {
    const c = await clients.create({ name: form.name.value });
    location.hash = `#/staff/clients/${c.id}`;
  });
  return h("section", {}, h("h1", {}, "Clients"), tabs,
    h("div", { class: "card" }, search, selectForInvites(list.el), list.el),
    h("div", { class: "card" }, h("h2", {}, "Add a client"), form));
}

/** Search by the start of a name or an email, and (active clients) the portal filter. */
function searchForm(status, list) {
  const q = h("input", { type: "search", name: "q", id: "client-search", maxlength: "100", autocomplete: "off",
    placeholder: "Client name or contact email" });
  const parts = [h("label", { for: "client-search" }, "Search"), q];
  let portal = null;
  if (status !== "archived") {
    portal = h("select", { name: "portal", id: "client-portal-filter" }, PORTAL_FILTERS.map(([v, t]) => h("option", { value: v }, t)));
    parts.push(h("label", { for: "client-portal-filter" }, "Portal status"), portal);
  }
  const form = h("form", { class: "row", role: "search", "aria-label": "Clients" }, ...parts, h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    list.show({ status, q: q.value.trim(), portal: portal?.value || "" });
  });
  portal?.addEventListener("change", () => form.requestSubmit());
  return form;
}

/** The list: the first page, then "Load more" for the next (ui.js pagedList). */
function clientList(status) {
  const el = h("div", { id: "client-results", "aria-live": "polite" });
  return {
    el,
    show: async (query) => {
      const empty = query.q || query.portal ? "No client matches." : status === "archived" ? "No archived clients." : "No clients yet.";
      const draw = status === "archived" ? row : (item) => { const li = row(item); li.prepend(selectBox(item), " "); return li; };
      el.replaceChildren(await pagedList((cursor) => clients.list({ ...query, cursor }), draw, { attrs: { class: "plain", id: "client-list" }, empty }));
    },
  };
}

function row(item) {
  const link = h("a", { href: `#/staff/clients/${item.id}` }, item.name);
  if (!item.contact) return h("li", {}, link);
  const c = item.contact;
  const st = statusText(c.portal);
  return h("li", { class: "client-contact" }, link, " — ",
    `${c.first_name} ${c.last_name}`.trim(), c.email ? ` <${c.email}>` : "", " ",
    h("span", { class: `status ${st.cls}` }, st.text));
}
