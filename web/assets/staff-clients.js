// Staff: the firm's clients and the form that adds one.
import { clients } from "./api-clients.js";
import { field, h, onSubmit } from "./ui.js";

export async function clientsView() {
  const { clients: all } = await clients.list();
  const list = h("ul", { class: "plain" }, all.map((c) => h("li", {}, h("a", { href: `#/staff/clients/${c.id}` }, c.name))));
  const form = h("form", { class: "row", novalidate: true }, field("New client name", "name", { required: true }), h("button", { type: "submit" }, "Create client"));
  onSubmit(form, async () => {
    const c = await clients.create({ name: form.name.value });
    location.hash = `#/staff/clients/${c.id}`;
  });
  return h("section", {}, h("h1", {}, "Clients"),
    h("div", { class: "card" }, all.length ? list : h("p", { class: "muted" }, "No clients yet.")),
    h("div", { class: "card" }, h("h2", {}, "Add a client"), form));
}
