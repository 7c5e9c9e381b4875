// Staff: the client's requests (with the contacts' answers) and New client request.
import { requests } from "./api-requests.js";
import { act, checkbox, checkedValues, contactChecks, field, h, liveCard, onSubmit, pagedList } from "./ui.js";
import { promptToInvite } from "./staff-invites.js";

export function requestsCard(ctx) {
  return liveCard({}, async (redraw, card) => {
    const button = (text, call) => h("button", { type: "button", class: "secondary", onclick: act(async () => { await call(); await redraw(); }) }, text);
    const list = await pagedList((cursor) => requests.list(ctx.clientId, { cursor }), (r) => h("li", {},
      h("div", { class: "row spread" }, h("strong", {}, r.title), h("span", { class: `badge ${r.status === "completed" ? "done" : ""}` }, r.status)),
      r.responses.map((x) => h("p", { class: "small" }, `${x.by.name}: ${x.text || ""} ${x.file_ids.length ? `(${x.file_ids.length} file${x.file_ids.length > 1 ? "s" : ""})` : ""}`)),
      h("div", { class: "row" },
        r.status !== "completed" ? button("Complete", () => requests.complete(ctx.clientId, r.id)) : null,
        r.status !== "open" ? button("Reopen", () => requests.reopen(ctx.clientId, r.id)) : null)), { empty: "No requests yet." });
    const form = h("form", { novalidate: true },
      field("Title", "title", { required: true }), field("Instructions", "instructions", { tag: "textarea" }),
      field("Due date", "due_date", { type: "date" }),
      checkbox({ id: "upload-required", name: "upload_required", strong: true }, "Upload required"),
      contactChecks(ctx.client.contacts, { name: "assignee_ids" }),
      h("p", {}, h("button", { type: "submit" }, "Send request")));
    onSubmit(form, async () => {
      const res = await requests.create(ctx.clientId, {
        title: form.title.value, instructions: form.instructions.value, due_date: form.due_date.value || null,
        upload_required: form.upload_required.checked, assignee_ids: checkedValues(form, "assignee_ids") });
      await redraw();
      promptToInvite(card, ctx, res.assignees, "this request");
    });
    return [h("h2", {}, "Requests"), list, h("h3", {}, "New client request"), form];
  });
}
