// The contact's User settings: personal information, address, and two-step sign-in.
import { me } from "./api-me.js";
import { mfaSettings } from "./mfa.js";
import { field, flash, h, onSubmit } from "./ui.js";

const ADDRESS = [["line1", "Address line 1"], ["line2", "Address line 2"], ["city", "City"], ["region", "State / region"], ["postal_code", "Postal code"], ["country", "Country"]];

export function settingsView(who) {
  const a = who.address || {};
  const form = h("form", { class: "card", novalidate: true }, h("h1", {}, "User settings"),
    h("p", { class: "muted" }, `Signed in as ${who.email}. Your email is your login; your firm can change it for you.`),
    h("h2", {}, "Personal information"),
    field("First name", "first_name", { value: who.first_name }), field("Last name", "last_name", { value: who.last_name }),
    field("Phone", "phone", { type: "tel", value: who.phone || "" }),
    h("h2", {}, "Address"),
    ADDRESS.map(([key, label]) => field(label, `address.${key}`, { value: a[key] || "" })),
    h("p", {}, h("button", { type: "submit" }, "Save")),
    who.help_center_url ? h("p", {}, h("a", { href: who.help_center_url, rel: "noopener noreferrer", target: "_blank" }, "Client Portal Help Center")) : null);
  onSubmit(form, async () => {
    const v = (n) => form.elements[n].value;
    const hasAddress = ["address.line1", "address.city", "address.postal_code", "address.country"].some((n) => v(n).trim());
    const address = Object.fromEntries(ADDRESS.map(([key]) => [key, v(`address.${key}`)]));
    await me.update({ first_name: v("first_name"), last_name: v("last_name"), phone: v("phone").trim() || null, address: hasAddress ? address : null });
    flash("Your information was saved.");
  });
  return h("div", {}, form, mfaSettings("contact"));
}
