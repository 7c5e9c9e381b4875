// Staff: the firm's portal settings (invites and reminders, sign-in security).
import { firmSettings } from "./api-firm.js";
import { checkbox, field, flash, h, onSubmit } from "./ui.js";

export async function settingsView() {
  const st = await firmSettings.get();
  const form = h("form", { class: "card", novalidate: true, id: "firm-settings" },
    h("h1", {}, `Portal settings — ${st.firm_name}`),
    h("h2", {}, "Invites"),
    field("Invite links stay valid for (days)", "invite_lifetime_days", { type: "number", min: 1, max: 365, value: st.invite_lifetime_days }),
    field("Remind contacts who have not accepted after (days; 0 = no reminders)", "reminder_after_days", { type: "number", min: 0, max: 60, value: st.reminder_after_days }),
    field("Reminders per invite, at most", "max_reminders", { type: "number", min: 1, max: 5, value: st.max_reminders }),
    h("p", { class: "small muted" }, "A reminder is a new invite email with a new link (the earlier link stops working). Never sent to contacts whose invite bounced, was revoked, or who already have access."),
    h("h2", {}, "Sign-in security"),
    checkbox({ id: "require-mfa", name: "require_contact_mfa", checked: st.require_contact_mfa, strong: true },
      "Require contacts to use an authenticator app (two-step sign-in)"),
    h("p", { class: "small muted" }, "Contacts without one set it up at their next sign-in."),
    h("p", {}, h("button", { type: "submit" }, "Save settings")));
  onSubmit(form, async () => {
    // Only what was changed on this page, so a colleague's change made meanwhile stays.
    const number = (name) => Number(form.elements[name].value);
    const now = {
      invite_lifetime_days: number("invite_lifetime_days"), reminder_after_days: number("reminder_after_days"),
      max_reminders: number("max_reminders"), require_contact_mfa: form.require_contact_mfa.checked };
    const changed = Object.fromEntries(Object.entries(now).filter(([k, v]) => v !== st[k]));
    if (!Object.keys(changed).length) { flash("Nothing changed."); return; }
    Object.assign(st, await firmSettings.update(changed));
    flash("Settings saved.");
  });
  return form;
}
