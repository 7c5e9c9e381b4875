// Staff: invite the contacts of many clients at once from the clients list ("Invite
// Contacts to the Client Portal" for the selected clients), sent in the background by the
// invite worker; a progress view polls the job until it is done.
import { MAX_PAGE, calls, seg } from "./api.js";
import { templates } from "./api-templates.js";
import { templateSelect, wording } from "./staff-invites.js";
import { FormProblem, field, h, modal, onSubmit } from "./ui.js";

const staff = calls("staff");

export const inviteJobs = {
  /** `{ client_ids, contacts, message, template_id }` → the job (202). */
  create: (body) => staff.post("/invite-jobs", body),
  get: (jobId) => staff.get(`/invite-jobs/${seg(jobId)}`),
  list: (limit = 20) => staff.get(`/invite-jobs?limit=${limit}`),
};

/** The checkbox that selects client `c` for a bulk invite (put in its row of the list). */
export function selectBox(c) {
  return h("input", { type: "checkbox", name: "invite-client", value: c.id, "aria-label": `Select ${c.name}` });
}

/** The toolbar above the clients list: "Select all on this page", the button and the count.
 * It reads the rows' boxes (`selectBox`) in `container` when asked, so rows a "Load more"
 * or a new search brings in are part of the selection. */
export function selectForInvites(container) {
  const boxes = () => [...container.querySelectorAll('input[name="invite-client"]')];
  const all = h("input", { type: "checkbox", id: "invite-select-all" });
  const count = h("span", { class: "muted small", "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary", disabled: true }, "Invite Contacts to the Client Portal");
  const chosen = () => [...new Set(boxes().filter((b) => b.checked).map((b) => b.value))];
  const update = () => {
    const n = chosen().length;
    const shown = boxes();
    button.disabled = n === 0;
    all.checked = shown.length > 0 && shown.every((b) => b.checked);
    count.textContent = n ? `${n} selected` : "";
  };
  container.addEventListener("change", (e) => { if (e.target.name === "invite-client") update(); });
  all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); update(); });
  button.addEventListener("click", () => inviteClientsDialog(chosen()));
  return h("div", { class: "row", id: "invite-selection" },
    h("div", { class: "row" }, all, h("label", { for: "invite-select-all", class: "choice" }, "Select all on this page")),
    button, count);
}

async function inviteClientsDialog(clientIds) {
  const { body } = modal("Invite Contacts to the Client Portal");
  const { items: list } = await templates.list({ limit: MAX_PAGE });
  const progress = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true },
    h("p", {}, `Every contact of the ${clientIds.length} selected client${clientIds.length > 1 ? "s" : ""} without portal access gets an invite. Contacts without an email address are skipped.`),
    field("Personalized message (optional)", "message", { tag: "textarea" }),
    templateSelect(list),
    h("p", {}, h("button", { type: "submit" }, "Send")));
  onSubmit(form, async () => {
    if (!clientIds.length) throw new FormProblem("Select at least one client.");
    const job = await inviteJobs.create({ client_ids: clientIds, ...wording(form) });
    form.replaceWith(progress);
    await follow(job, progress);
  });
  body.append(form, progress);
}

/** Show a job's progress, polling it until it is done. */
export async function follow(job, where) {
  for (;;) {
    where.replaceChildren(progressView(job));
    if (job.status !== "running" || !where.isConnected) return job;
    await new Promise((r) => setTimeout(r, 1000));
    job = await inviteJobs.get(job.id);
  }
}

function progressView(job) {
  const accounted = job.sent + job.failed + job.missing_email + job.already_active + job.not_found;
  const done = job.status === "done";
  return h("div", { id: "invite-job", "data-status": job.status },
    h("h3", {}, done ? "Invites sent" : job.status === "failed" ? "The invites could not be queued" : "Sending invites…"),
    h("progress", { max: String(Math.max(job.total, 1)), value: String(accounted) }),
    h("ul", { class: "plain" },
      h("li", { "data-count": "sent" }, `Sent: ${job.sent}${job.total ? ` of ${job.total}` : ""}`),
      h("li", { "data-count": "failed" }, `Failed: ${job.failed}`),
      h("li", { "data-count": "missing_email" }, `Needs an email address: ${job.missing_email}`),
      h("li", { "data-count": "already_active" }, `Already has portal access: ${job.already_active}`),
      h("li", { class: "muted small" }, `Clients done: ${job.clients_done} of ${job.clients_total}`)));
}
