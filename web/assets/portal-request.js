// One request of the contact's To-Do: answer it, attach a file, mark it as done.
import { requests } from "./api-requests.js";
import { addFile, uploadForm } from "./portal-files.js";
import { field, flash, fmtDate, h, onSubmit, rerender } from "./ui.js";

export async function requestView(clientId, requestId) {
  const r = await requests.get(clientId, requestId);
  const answer = h("form", { novalidate: true }, field("Your answer", "text", { tag: "textarea" }), h("p", {}, h("button", { type: "submit" }, "Send answer")));
  onSubmit(answer, async () => { await requests.respond(clientId, requestId, { text: answer.text.value }); rerender(); });
  const attach = uploadForm("Attach a file", async (file, bar) => {
    const f = await addFile(clientId, file, bar, requestId);
    await requests.respond(clientId, requestId, { file_ids: [f.id] });
    rerender();
  });
  const done = h("form", {}, h("button", { type: "submit" }, "Mark as done"));
  onSubmit(done, async () => { await requests.submit(clientId, requestId); flash("Marked as done. Your firm will review it."); rerender(); });
  const open = r.status === "open";
  return h("section", { class: "card" },
    h("p", {}, h("a", { href: `#/portal/clients/${clientId}/todo` }, "← To-Do")),
    h("h2", {}, r.title), h("p", {}, h("span", { class: "badge" }, r.status), r.due_date ? ` Due ${fmtDate(r.due_date)}` : "", r.upload_required ? " · Upload required" : ""),
    r.instructions ? h("p", {}, r.instructions) : null,
    r.responses.length ? h("ul", { class: "plain" }, r.responses.map((x) => h("li", { class: "small" }, `${fmtDate(x.at)} — ${x.by.name}: ${x.text || ""}${x.file_ids.length ? ` (${x.file_ids.length} file)` : ""}`))) : null,
    r.history.filter((x) => x.note).map((x) => h("p", { class: "small problem" }, `${x.by.name}: ${x.note}`)),
    r.status !== "completed" ? [answer, attach] : null,
    open ? done : null);
}
