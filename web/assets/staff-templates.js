// Staff: the firm's invite email templates — the list, and the form that adds or edits one.
import { templates } from "./api-templates.js";
import { act, field, flash, h, onSubmit, pagedList, rerender } from "./ui.js";

export async function templatesView() {
  const form = h("form", { class: "card", novalidate: true },
    h("h2", {}, "New template"),
    field("Name", "name", { required: true }), field("Subject", "subject", { required: true }),
    field("Body", "body", { tag: "textarea", rows: 10, required: true }),
    h("p", { class: "small muted" }, "Variables: {{ first_name }}, {{ last_name }}, {{ contact_name }}, {{ firm_name }}, {{ client_name }}, {{ message }}, {{ create_account_url }} (required), {{ help_center_url }}, {{ expires_on }}."),
    h("p", {}, h("button", { type: "submit" }, "Save template")));
  let editing = null;
  onSubmit(form, async () => {
    const body = { name: form.name.value, subject: form.subject.value, body: form.body.value };
    if (editing) await templates.update(editing, body);
    else await templates.create(body);
    flash("Template saved."); location.hash = "#/staff/templates"; rerender();
  });
  const edit = (t) => { editing = t.id; form.name.value = t.name; form.subject.value = t.subject; form.body.value = t.body; form.name.focus(); };
  const list = await pagedList((cursor) => templates.list({ cursor }), (t) => h("li", {},
    h("div", { class: "row spread" }, h("strong", {}, t.name), h("span", { class: "badge" }, t.kind === "preset" ? "preset" : "yours")),
    h("p", { class: "small muted" }, t.subject),
    t.kind === "firm" ? h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => edit(t) }, "Edit"),
      h("button", { type: "button", class: "secondary", onclick: act(async () => { await templates.remove(t.id); flash("Template deleted."); rerender(); }) }, "Delete")) : null));
  return h("section", {}, h("h1", {}, "Email templates"), h("div", { class: "card" }, list), form);
}
