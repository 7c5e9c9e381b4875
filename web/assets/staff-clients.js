// Staff: the firm's clients (active, or the archived ones) and the form that adds one.
import { clients } from "./api-clients.js";
import { field, h, onSubmit } from "./ui.js";
import { selectForInvites } from "./staff-invite-jobs.js";

/** `status`: "active" (#/staff) or "archived" (#/staff/archived). */
export async function clientsView(status = "active") {
  const { clients: all } = await clients.list(status);
  const list = h("ul", { class: "plain" }, all.map((c) => h("li", {}, h("a", { href: `#/staff/clients/${c.id}` }, c.name))));
  const tabs = h("nav", { class: "tabs", "aria-label": "Client list" },
    [["#/staff", "Active", "active"], ["#/staff/archived", "Archived", "archived"]].map(([href, text, s]) =>
      h("a", { href, "aria-current": s === status ? "page" : null }, text)));
  if (status === "archived") {
    return h("section", {}, h("h1", {}, "Archived clients"), tabs,
      h("div", { class: "card" }, all.length ? list : h("p", { class: "muted" }, "No archived clients.")));
  }
  const form = h("form", { class: "row", novalidate: true }, field("New client name", "name", { required: true }), h("button", { type: "submit" }, "Create client"));
  onSubmit(form, async () => {
    const c = await clients.create({ name: form.name.value });
    location.hash = `#/staff/clients/${c.id}`;
  });
  return h("section", {}, h("h1", {}, "Clients"), tabs,
    h("div", { class: "card" }, all.length ? [selectForInvites(list, all), list] : h("p", { class: "muted" }, "No clients yet.")),
    h("div", { class: "card" }, h("h2", {}, "Add a client"), form));
}
