// Staff: Portal settings — the firm's profile (name, Help Center link, how its emails are
// sent, accent colour, logo), invites and reminders, sign-in security, and billing. Admins
// and owners change them; every change is in the firm's history.
import { billingSettings, firmLogo, firmSettings } from "./api-firm.js";
import { uploadTo } from "./api.js";
import { applyBrand } from "./brand.js";
import { act, checkbox, clearError, field, flash, FormProblem, h, onSubmit, size } from "./ui.js";

const LOGO_TYPES = ["image/png", "image/jpeg"];
const MAX_LOGO = 512 * 1024;
const DEFAULT_ACCENT = "#1f5fbf";

/** Only what was changed on a form, so a colleague's change made meanwhile stays. */
function changes(now, before) {
  return Object.fromEntries(Object.entries(now).filter(([k, v]) => v !== (before[k] ?? null)));
}

function profileForm(st, repaint) {
  const text = (v) => v ?? "";
  const form = h("form", { class: "card", novalidate: true, id: "firm-profile" },
    h("h2", {}, "Firm profile"),
    field("Firm name", "firm_name", { value: st.firm_name, required: true, maxlength: 100 }),
    field("Client Portal Help Center URL (shown in invite emails)", "help_center_url",
      { type: "url", value: text(st.help_center_url), placeholder: "https://help.yourfirm.com/portal" }),
    h("h3", {}, "Emails to your clients"),
    field("Sender name", "sender_name", { value: text(st.sender_name), maxlength: 64, placeholder: st.firm_name }),
    h("p", { class: "small muted", id: "sender-preview" }, `Emails are sent from ${st.sender}.`),
    field("Reply-to email address", "reply_to", { type: "email", value: text(st.reply_to), placeholder: "office@yourfirm.com" }),
    field("Accent colour (header and buttons)", "accent_color", { type: "color", value: st.accent_color || DEFAULT_ACCENT }),
    h("p", {}, h("button", { type: "submit" }, "Save profile"), " ",
      h("button", { type: "button", class: "secondary", onclick: () => { form.accent_color.value = DEFAULT_ACCENT; } }, "Use the default colour")));
  onSubmit(form, async () => {
    const v = (n) => form.elements[n].value.trim() || null;
    const accent = form.accent_color.value.toLowerCase();
    const now = { firm_name: form.firm_name.value.trim(), help_center_url: v("help_center_url"), sender_name: v("sender_name"),
      reply_to: v("reply_to"), accent_color: accent === DEFAULT_ACCENT && !st.accent_color ? null : accent };
    const changed = changes(now, st);
    if (!Object.keys(changed).length) { flash("Nothing changed."); return; }
    Object.assign(st, await firmSettings.update(changed));
    form.querySelector("#sender-preview").textContent = `Emails are sent from ${st.sender}.`;
    clearError(form);
    repaint();
    flash("Firm profile saved.");
  });
  return form;
}

/** Wait for file-events' verdict on a logo upload (a few seconds at most). */
async function verdict(id) {
  for (let i = 0; i < 30; i += 1) {
    const s = await firmLogo.status(id);
    if (s.status !== "pending") return s;
    await new Promise((r) => { setTimeout(r, 1000); });
  }
  return { status: "pending" };
}

function logoCard(st, repaint) {
  const preview = h("div", { class: "logo-preview" });
  const show = () => preview.replaceChildren(st.logo_url
    ? h("img", { src: st.logo_url, alt: `${st.firm_name} logo` })
    : h("p", { class: "muted" }, "No logo yet: the header and emails show the firm's name."));
  show();
  const remove = h("button", { type: "button", class: "secondary" }, "Remove logo");
  const form = h("form", { class: "card", novalidate: true, id: "firm-logo" },
    h("h2", {}, "Logo"),
    h("p", { class: "small muted" }, `Shown in the portal's header and in every email. PNG or JPEG, at most ${size(MAX_LOGO)}.`),
    preview,
    field("Logo image", "logo", { type: "file", accept: LOGO_TYPES.join(",") }),
    h("p", {}, h("button", { type: "submit" }, "Upload logo"), " ", remove));
  onSubmit(form, async () => {
    const file = form.logo.files[0];
    if (!file) throw new FormProblem("Choose an image first.", { logo: "is required" });
    if (!LOGO_TYPES.includes(file.type)) throw new FormProblem("The logo must be a PNG or JPEG image.", { logo: "must be a PNG or JPEG image" });
    if (file.size > MAX_LOGO) throw new FormProblem(`The logo is larger than ${size(MAX_LOGO)}.`, { logo: `is ${size(file.size)}; at most ${size(MAX_LOGO)}` });
    const slot = await firmLogo.create(file.size, file.type);
    await uploadTo(slot, file, () => {});
    const s = await verdict(slot.id);
    if (s.status === "rejected") throw new FormProblem(`The logo was not accepted: ${s.rejected_reason}.`);
    if (s.status === "pending") { flash("The logo is still being checked; reload the page in a moment."); return; }
    Object.assign(st, await firmSettings.get());
    form.logo.value = "";
    clearError(form);
    show();
    repaint();
    flash("Logo saved.");
  });
  remove.addEventListener("click", act(async () => {
    await firmLogo.remove();
    Object.assign(st, await firmSettings.get());
    show();
    repaint();
    flash("Logo removed.");
  }));
  return form;
}

function invitesForm(st) {
  const form = h("form", { class: "card", novalidate: true, id: "firm-settings" },
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
    const number = (name) => Number(form.elements[name].value);
    const now = {
      invite_lifetime_days: number("invite_lifetime_days"), reminder_after_days: number("reminder_after_days"),
      max_reminders: number("max_reminders"), require_contact_mfa: form.require_contact_mfa.checked };
    const changed = changes(now, st);
    if (!Object.keys(changed).length) { flash("Nothing changed."); return; }
    Object.assign(st, await firmSettings.update(changed));
    clearError(form);
    flash("Settings saved.");
  });
  return form;
}

function billingForm(b) {
  const form = h("form", { class: "card", novalidate: true, id: "billing-settings" },
    h("h2", {}, "Billing"),
    checkbox({ id: "billing-on", name: "billing_enabled", checked: b.billing_enabled, strong: true }, "Show billing in client portals"),
    checkbox({ id: "online-on", name: "online_payments_enabled", checked: b.online_payments_enabled, disabled: !b.online_payments_available && !b.online_payments_enabled, strong: true },
      "Let clients pay invoices online"),
    b.online_payments_available ? null
      : h("p", { class: "small muted" }, "Online payments are not available: this portal has no payment provider. Clients see their invoices and pay you as they do today."),
    h("p", {}, h("button", { type: "submit" }, "Save billing")));
  onSubmit(form, async () => {
    const now = { billing_enabled: form.billing_enabled.checked, online_payments_enabled: form.online_payments_enabled.checked };
    Object.assign(b, await billingSettings.set(now));
    clearError(form);
    flash("Billing settings saved.");
  });
  return form;
}

export async function settingsView() {
  const [st, billing] = await Promise.all([firmSettings.get(), billingSettings.get()]);
  const title = h("h1", {}, `Portal settings — ${st.firm_name}`);
  const repaint = () => { title.textContent = `Portal settings — ${st.firm_name}`; applyBrand(st); };
  return h("div", { class: "settings" }, title,
    profileForm(st, repaint), logoCard(st, repaint), invitesForm(st), billingForm(billing));
}
